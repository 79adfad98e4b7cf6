// The access matrix over every RPC of FollowUpService. The customer belongs
// to rep_a (team1); the callers are rep A, rep B of the same team, the
// team's manager, the manager of another team, an admin, and callers with no
// token, an expired token and a token with a bad signature.
//
// Scope: a rep acts on their own customers, a manager on their team's, an
// admin on all; a customer (or follow-up, attachment) outside the scope is
// PERMISSION_DENIED, also when it does not exist; every call without a valid
// token is UNAUTHENTICATED. Lists never show what is outside the scope.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "followup_fixture.h"
#include "salesfollow/common/crypto.h"

namespace salesfollow::testing::followup {
namespace {

using ::testing::SizeIs;

enum class Expect { allowed, denied, unauthenticated };

struct Caller {
  Auth auth;
  Expect scope;
  // owner_id to ask the lists for: the caller's own for reps, the whole scope otherwise.
  std::string list_owner;
};

std::string expected_code(Expect e) {
  switch (e) {
    case Expect::allowed:
      return "OK";
    case Expect::denied:
      return "PERMISSION_DENIED";
    case Expect::unauthenticated:
      return "UNAUTHENTICATED";
  }
  return "?";
}

class AccessMatrixTest : public FollowUpTest {
 protected:
  // 12:00 on 2024-02-20 in Shanghai: the customer's story starts here.
  TimePoint start_time() const override { return at("2024-02-20T04:00:00Z"); }

  void SetUp() override {
    FollowUpTest::SetUp();
    customer_ = customer_of(kRepA, "权限矩阵客户", "2024-02-01", v1::STAGE_HIGH_INTENTION);
    auto request = follow_up_request(customer_.name(), at("2024-02-20T02:00:00Z"));
    *request.mutable_next_plan() = plan_input(at("2024-02-25T02:00:00Z"), "报价");
    follow_up_ = sys().must_log(kRepA, request).follow_up();
    const std::string bytes = "%PDF-1.4 access matrix";
    v1::AttachmentMetadata m;
    m.set_follow_up(follow_up_.name());
    m.set_file_name("报价单.pdf");
    m.set_content_type("application/pdf");
    m.set_size_bytes(static_cast<std::int64_t>(bytes.size()));
    m.set_sha256(crypto::sha256_hex(bytes));
    const auto uploaded = sys().upload(kRepA, m, bytes);
    if (!uploaded.ok())
      throw std::runtime_error("test set-up: upload failed: " + describe(uploaded.status));
    attachment_ = uploaded.value;
    // 12:00 on 2024-03-04: the plan is overdue, the customer stalled
    // (13 days idle, high intention stalls after 2 x 2 days).
    clock().set(at("2024-03-04T04:00:00Z"));
  }

  std::vector<Caller> callers() const {
    return {
        {kRepA, Expect::allowed, ""},
        {kRepB, Expect::denied, ""},
        {kManager1, Expect::allowed, "*"},
        {kManager2, Expect::denied, "*"},
        {kAdmin, Expect::allowed, "*"},
        {Auth::none(), Expect::unauthenticated, ""},
        {Auth::expired(kRepA, at("2024-03-03T00:00:00Z")), Expect::unauthenticated, ""},
        {Auth::bad_signature(kRepA), Expect::unauthenticated, ""},
    };
  }

  // Calls `rpc` as every caller and checks the code (and the ErrorInfo reason).
  void check_matrix(
      const std::string& rpc, const std::function<grpc::Status(const Caller&)>& call,
      const std::function<Expect(const Caller&)>& expect = [](const Caller& c) {
        return c.scope;
      }) {
    for (const auto& caller : callers()) {
      SCOPED_TRACE(rpc + " as " + caller.auth.label());
      const grpc::Status status = call(caller);
      const Expect expected = expect(caller);
      EXPECT_EQ(code_name(status.error_code()), expected_code(expected)) << describe(status);
      if (expected != Expect::allowed) {
        const auto info = error_info(status);
        EXPECT_TRUE(info.has_value()) << "no ErrorInfo: " << describe(status);
        if (info) {
          EXPECT_EQ(info->reason(), expected_code(expected));
          EXPECT_EQ(info->domain(), "salesfollow.v1");
        }
      }
    }
  }

  // For lists: the caller's view must include the customer exactly when it
  // is in their scope; outside it the list is empty of it (or refused).
  template <typename Response>
  void check_list_matrix(
      const std::string& rpc,
      const std::function<Reply<Response>(const Auth&, const std::string&)>& list,
      const std::function<bool(const Response&)>& shows_customer) {
    for (const auto& caller : callers()) {
      SCOPED_TRACE(rpc + " as " + caller.auth.label() + " owner_id='" + caller.list_owner + "'");
      const auto reply = list(caller.auth, caller.list_owner);
      switch (caller.scope) {
        case Expect::allowed:
          ASSERT_TRUE(reply.ok()) << reply;
          EXPECT_TRUE(shows_customer(reply.value)) << "the customer in scope is missing";
          break;
        case Expect::denied:
          if (reply.ok()) {
            EXPECT_FALSE(shows_customer(reply.value)) << "a customer outside the scope is listed";
          } else {
            EXPECT_EQ(reply.code(), "PERMISSION_DENIED") << reply;
          }
          break;
        case Expect::unauthenticated:
          EXPECT_EQ(reply.code(), "UNAUTHENTICATED") << reply;
          EXPECT_EQ(reply.reason(), "UNAUTHENTICATED") << reply;
          break;
      }
    }
    // Naming one rep: the team's manager may, a colleague or another team may not see.
    {
      SCOPED_TRACE(rpc + " as mgr_1 for rep_a");
      const auto reply = list(kManager1, "rep_a");
      ASSERT_TRUE(reply.ok()) << reply;
      EXPECT_TRUE(shows_customer(reply.value));
    }
    for (const User* outsider : {&kRepB, &kManager2}) {
      SCOPED_TRACE(rpc + " as " + outsider->id + " for rep_a");
      const auto reply = list(*outsider, "rep_a");
      if (reply.ok()) {
        EXPECT_FALSE(shows_customer(reply.value)) << "a customer outside the scope is listed";
      } else {
        EXPECT_EQ(reply.code(), "PERMISSION_DENIED") << reply;
      }
    }
  }

  int follow_up_count() {
    const auto log = sys().list_follow_ups(kAdmin, customer_.name());
    EXPECT_TRUE(log.ok()) << log;
    return log.value.follow_ups_size();
  }

  v1::Customer customer_;
  v1::FollowUp follow_up_;
  v1::Attachment attachment_;
  int counter_ = 0;
};

TEST_F(AccessMatrixTest, LogFollowUp) {
  check_matrix("LogFollowUp", [&](const Caller& c) {
    auto request =
        follow_up_request(customer_.name(), clock().now() - hours(1) - minutes(++counter_));
    return sys().log(c.auth, request).status;
  });
  EXPECT_EQ(follow_up_count(), 1 + 3) << "one per allowed caller";

  // A stage change from outside the scope changes nothing either.
  auto change = follow_up_request(customer_.name(), clock().now() - hours(1));
  *change.mutable_stage_change() = stage_change(v1::STAGE_WON, "签约");
  for (const User* outsider : {&kRepB, &kManager2}) {
    EXPECT_EQ(sys().log(*outsider, change).code(), "PERMISSION_DENIED") << outsider->id;
  }
  const auto events = sys().stage_events(kAdmin, customer_.name());
  ASSERT_TRUE(events.ok()) << events;
  EXPECT_THAT(events.value, SizeIs(1));
}

TEST_F(AccessMatrixTest, GetFollowUp) {
  check_matrix("GetFollowUp", [&](const Caller& c) {
    const auto reply = sys().get_follow_up(c.auth, follow_up_.name());
    if (reply.ok()) {
      EXPECT_EQ(reply.value.content(), follow_up_.content());
    }
    return reply.status;
  });
}

TEST_F(AccessMatrixTest, ListFollowUps) {
  check_matrix("ListFollowUps", [&](const Caller& c) {
    const auto reply = sys().list_follow_ups(c.auth, customer_.name());
    if (reply.ok()) {
      EXPECT_THAT(reply.value.follow_ups(), SizeIs(1));
    }
    return reply.status;
  });
}

TEST_F(AccessMatrixTest, AmendFollowUp) {
  check_matrix("AmendFollowUp", [&](const Caller& c) {
    v1::FollowUp change;
    change.set_name(follow_up_.name());
    change.set_content("修订 " + std::to_string(++counter_));
    return sys().amend(c.auth, change, {"content"}, "更正记录").status;
  });
  const auto read = sys().get_follow_up(kAdmin, follow_up_.name());
  ASSERT_TRUE(read.ok()) << read;
  EXPECT_EQ(read.value.revision(), 3) << "one amendment per allowed caller";
}

TEST_F(AccessMatrixTest, PlanNextFollowUp) {
  check_matrix("PlanNextFollowUp", [&](const Caller& c) {
    return sys()
        .plan(c.auth, customer_.name(), clock().now() + days(1) + minutes(++counter_), "回访")
        .status;
  });
}

TEST_F(AccessMatrixTest, ListDueFollowUps) {
  check_list_matrix<v1::ListDueFollowUpsResponse>(
      "ListDueFollowUps",
      [&](const Auth& a, const std::string& owner) { return sys().due(a, owner); },
      [&](const v1::ListDueFollowUpsResponse& r) {
        for (const auto& p : r.overdue()) {
          if (p.customer() == customer_.name()) return true;
        }
        return false;
      });
}

TEST_F(AccessMatrixTest, ListStalledCustomers) {
  check_list_matrix<v1::ListStalledCustomersResponse>(
      "ListStalledCustomers",
      [&](const Auth& a, const std::string& owner) { return sys().stalled(a, owner); },
      [&](const v1::ListStalledCustomersResponse& r) {
        for (const auto& s : r.customers()) {
          if (s.customer() == customer_.name()) return true;
        }
        return false;
      });
}

TEST_F(AccessMatrixTest, ListHighIntentCustomers) {
  check_list_matrix<v1::ListHighIntentCustomersResponse>(
      "ListHighIntentCustomers",
      [&](const Auth& a, const std::string& owner) { return sys().high_intent(a, owner); },
      [&](const v1::ListHighIntentCustomersResponse& r) {
        for (const auto& p : r.customers()) {
          if (p.customer() == customer_.name()) return true;
        }
        return false;
      });
}

TEST_F(AccessMatrixTest, WatchReminders) {
  // The plan of 2024-02-25 is past: its reminder goes to the owner and the manager.
  const TimePoint since = at("2024-02-20T00:00:00Z");
  std::vector<std::pair<Caller, std::unique_ptr<ReminderStream>>> streams;
  for (const auto& caller : callers())
    streams.emplace_back(caller, sys().watch(caller.auth, since));
  for (auto& [caller, stream] : streams) {
    SCOPED_TRACE("WatchReminders as " + caller.auth.label());
    if (caller.scope == Expect::unauthenticated) {
      const auto end = stream->wait_for_end(seconds(5));
      ASSERT_TRUE(end.has_value()) << "the stream stayed open";
      EXPECT_EQ(code_name(end->error_code()), "UNAUTHENTICATED") << describe(*end);
      const auto info = error_info(*end);
      EXPECT_TRUE(info && info->reason() == "UNAUTHENTICATED") << describe(*end);
    } else if (caller.auth.label() == kRepA.id || caller.auth.label() == kManager1.id) {
      const auto got = stream->wait_for_reminders(1, seconds(5));
      ASSERT_THAT(got, SizeIs(1));
      EXPECT_EQ(got[0].plan().customer(), customer_.name());
    }
  }
  for (auto& [caller, stream] : streams) {
    if (caller.scope != Expect::denied) continue;
    SCOPED_TRACE("WatchReminders as " + caller.auth.label());
    EXPECT_THAT(stream->reminders_after(milliseconds(1500)), SizeIs(0))
        << "a reminder of a customer outside the scope was delivered";
    const auto end = stream->wait_for_end(milliseconds(0));
    EXPECT_FALSE(end.has_value()) << "ended with " << describe(*end);
  }
}

TEST_F(AccessMatrixTest, GetCadencePolicy) {
  // Anyone of the team may read its policy; another team's manager may not.
  check_matrix(
      "GetCadencePolicy", [&](const Caller& c) { return sys().get_policy(c.auth, "team1").status; },
      [](const Caller& c) {
        if (c.scope == Expect::unauthenticated) return c.scope;
        return c.auth.label() == kManager2.id ? Expect::denied : Expect::allowed;
      });
}

TEST_F(AccessMatrixTest, UpdateCadencePolicy) {
  // Only the team's manager and admins; reps of the team are refused too.
  check_matrix(
      "UpdateCadencePolicy",
      [&](const Caller& c) {
        v1::CadencePolicy policy;
        policy.set_team_id("team1");
        policy.set_potential_days(6);
        policy.set_intention_days(3);
        policy.set_high_intention_days(2);
        policy.set_won_days(30);
        policy.set_lost_days(0);
        policy.set_stalled_factor(2);
        return sys().update_policy(c.auth, policy).status;
      },
      [](const Caller& c) {
        if (c.scope == Expect::unauthenticated) return c.scope;
        return c.auth.label() == kManager1.id || c.auth.label() == kAdmin.id ? Expect::allowed
                                                                             : Expect::denied;
      });
  const auto policy = sys().get_policy(kRepA, "team1");
  ASSERT_TRUE(policy.ok()) << policy;
  EXPECT_EQ(policy.value.updated_by(), "admin_1") << "the last allowed writer";
}

TEST_F(AccessMatrixTest, SetCustomerCadence) {
  check_matrix("SetCustomerCadence", [&](const Caller& c) {
    return sys().set_customer_cadence(c.auth, customer_.name(), 4).status;
  });
}

TEST_F(AccessMatrixTest, UploadAttachment) {
  const std::string bytes = "second attachment";
  v1::AttachmentMetadata m;
  m.set_follow_up(follow_up_.name());
  m.set_file_name("说明.txt");
  m.set_content_type("text/plain");
  m.set_size_bytes(static_cast<std::int64_t>(bytes.size()));
  m.set_sha256(crypto::sha256_hex(bytes));
  check_matrix("UploadAttachment",
               [&](const Caller& c) { return sys().upload(c.auth, m, bytes).status; });
  const auto list = sys().list_attachments(kAdmin, follow_up_.name());
  ASSERT_TRUE(list.ok()) << list;
  EXPECT_THAT(list.value.attachments(), SizeIs(1 + 3));
}

TEST_F(AccessMatrixTest, DownloadAttachment) {
  check_matrix("DownloadAttachment", [&](const Caller& c) {
    const auto reply = sys().download(c.auth, attachment_.name());
    if (reply.ok()) {
      EXPECT_EQ(reply.value.bytes, "%PDF-1.4 access matrix");
    } else {
      EXPECT_TRUE(reply.value.bytes.empty()) << "bytes were sent before the refusal";
    }
    return reply.status;
  });
}

TEST_F(AccessMatrixTest, ListAttachments) {
  check_matrix("ListAttachments", [&](const Caller& c) {
    const auto reply = sys().list_attachments(c.auth, follow_up_.name());
    if (reply.ok()) {
      EXPECT_THAT(reply.value.attachments(), SizeIs(1));
    }
    return reply.status;
  });
}

TEST_F(AccessMatrixTest, MissingResourcesAreNotFoundForAdminsAndDeniedForOthers) {
  const std::string no_customer = "customers/999999";
  const std::string no_follow_up = "followUps/999999";
  const std::string no_attachment = follow_up_.name() + "/attachments/999999";
  EXPECT_EQ(sys().log(kAdmin, follow_up_request(no_customer, clock().now() - hours(1))).code(),
            "NOT_FOUND");
  EXPECT_EQ(sys().log(kRepA, follow_up_request(no_customer, clock().now() - hours(1))).code(),
            "PERMISSION_DENIED");
  EXPECT_EQ(sys().get_follow_up(kAdmin, no_follow_up).code(), "NOT_FOUND");
  EXPECT_EQ(sys().get_follow_up(kRepA, no_follow_up).code(), "PERMISSION_DENIED");
  EXPECT_EQ(sys().list_follow_ups(kAdmin, no_customer).code(), "NOT_FOUND");
  EXPECT_EQ(sys().list_follow_ups(kManager1, no_customer).code(), "PERMISSION_DENIED");
  EXPECT_EQ(sys().plan(kAdmin, no_customer, clock().now() + days(1), "x").code(), "NOT_FOUND");
  EXPECT_EQ(sys().plan(kRepA, no_customer, clock().now() + days(1), "x").code(),
            "PERMISSION_DENIED");
  EXPECT_EQ(sys().set_customer_cadence(kRepA, no_customer, 3).code(), "PERMISSION_DENIED");
  EXPECT_EQ(sys().list_attachments(kRepA, no_follow_up).code(), "PERMISSION_DENIED");
  EXPECT_EQ(sys().download(kAdmin, no_attachment).code(), "NOT_FOUND");
  EXPECT_EQ(sys().download(kRepA, no_attachment).code(), "NOT_FOUND")
      << "the follow-up is in rep_a's scope, only the attachment is missing";
  EXPECT_EQ(sys().download(kRepB, no_attachment).code(), "PERMISSION_DENIED");

  // Malformed names are argument errors naming the field, whoever asks.
  const auto malformed = sys().get_follow_up(kAdmin, "follow-ups/1");
  EXPECT_EQ(malformed.code(), "INVALID_ARGUMENT") << malformed;
  EXPECT_EQ(malformed.field(), "name") << malformed;
}

TEST_F(AccessMatrixTest, TokenExpiryIsJudgedByTheProcessClock) {
  // 2024-03-05 is in the past by the wall clock but in the future by the test clock.
  const Auth valid_by_test_clock =
      Auth::raw(token_for(kRepA, at("2024-03-05T00:00:00Z")), "token valid until 2024-03-05");
  const auto ok = sys().get_follow_up(valid_by_test_clock, follow_up_.name());
  EXPECT_TRUE(ok.ok()) << ok;
  const Auth just_expired =
      Auth::raw(token_for(kRepA, clock().now() - seconds(1)), "token expired a second ago");
  const auto refused = sys().get_follow_up(just_expired, follow_up_.name());
  EXPECT_EQ(refused.code(), "UNAUTHENTICATED") << refused;
}

}  // namespace
}  // namespace salesfollow::testing::followup
