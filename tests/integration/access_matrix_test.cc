// The access matrix over every RPC of every service (CustomerService,
// DictionaryService, FollowUpService, ReportService), for the ten callers of
// issue #8: two reps of team1 (rep_a owns the target customer, rep_b does
// not), their manager, a manager of team2, admin, the service role, and four
// callers without a valid identity (no token, an expired token, a token signed
// with another secret, a token with a role the product does not know).
//
// customer_access_test.cc and followup_access_test.cc go deeper on their
// service (missing resources, list contents page by page, token tampering);
// this file is the one place where every RPC meets every caller, so that a new
// RPC without an access check shows up here. A refused write must leave its
// target unchanged.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "mariadb_server.h"
#include "salesfollow/common/crypto.h"
#include "status_text.h"
#include "system_fixture.h"

namespace salesfollow {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::code_name;
namespace sys = testing::system;

enum class Who {
  rep_a,
  rep_b,
  manager_1,
  manager_2,
  admin,
  service,
  no_token,
  expired,
  wrong_signature,
  unknown_role
};

struct Caller {
  Who who;
  std::string label;
  std::string bearer;
};

std::vector<Caller> callers() {
  return {
      {Who::rep_a, "rep_a (owner, team1)", sys::token("rep_a", "rep", "team1")},
      {Who::rep_b, "rep_b (team1, not owner)", sys::token("rep_b", "rep", "team1")},
      {Who::manager_1, "mgr_1 (manager of team1)", sys::token("mgr_1", "manager", "team1")},
      {Who::manager_2, "mgr_2 (manager of team2)", sys::token("mgr_2", "manager", "team2")},
      {Who::admin, "admin", sys::token("admin", "admin", "")},
      {Who::service, "service role", sys::token("report-job", "service", "")},
      {Who::no_token, "no token", ""},
      {Who::expired, "expired token", sys::token("admin", "admin", "", seconds(-60))},
      {Who::wrong_signature, "wrong signature",
       sys::token("admin", "admin", "", std::chrono::hours(1),
                  "another-secret-that-is-long-enough-0123456789")},
      {Who::unknown_role, "unknown role 'superuser'", sys::token("root", "superuser", "team1")},
  };
}

bool unauthenticated(Who who) {
  return who == Who::no_token || who == Who::expired || who == Who::wrong_signature ||
         who == Who::unknown_role;
}

// The rule of an RPC: which authenticated callers it serves.
enum class Rule {
  everyone,       // every authenticated caller (results are scoped)
  scope,          // the target customer's scope: its owner, its team's manager, admin, service
  managers,       // managers, admin, service
  team1_writers,  // team1's manager, admin, service (transfer within team1, team1's cadence)
  team1_readers,  // team1's members and manager, admin, service
};

std::string expected(Rule rule, Who who) {
  if (unauthenticated(who)) return "UNAUTHENTICATED";
  bool ok = false;
  switch (rule) {
    case Rule::everyone:
      ok = true;
      break;
    case Rule::scope:
      ok = who == Who::rep_a || who == Who::manager_1 || who == Who::admin || who == Who::service;
      break;
    case Rule::managers:
      ok = who != Who::rep_a && who != Who::rep_b;
      break;
    case Rule::team1_writers:
      ok = who == Who::manager_1 || who == Who::admin || who == Who::service;
      break;
    case Rule::team1_readers:
      ok = who != Who::manager_2;
      break;
  }
  return ok ? "OK" : "PERMISSION_DENIED";
}

google::protobuf::Timestamp ago(seconds how_long) {
  google::protobuf::Timestamp t;
  t.set_seconds(std::chrono::duration_cast<seconds>(
                    (std::chrono::system_clock::now() - how_long).time_since_epoch())
                    .count());
  return t;
}

// The resources a call acts on: a customer of rep_a with a follow-up and an attachment.
struct Target {
  std::string customer;
  std::string follow_up;
  std::string attachment;
  std::string talk_track;
};

class FullAccessMatrixTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sys::SystemUnderTest::Options options;
    options.with_report_worker = true;
    system_ = new sys::SystemUnderTest(sys::migrate(testing::fresh_database("matrix")), options);
  }
  static void TearDownTestSuite() {
    delete system_;
    system_ = nullptr;
  }
  sys::SystemUnderTest& system() { return *system_; }

  template <typename Call>
  grpc::Status with_context(const std::string& bearer, Call&& call,
                            milliseconds deadline = seconds(10)) {
    grpc::ClientContext context;
    sys::prepare(context, bearer, deadline);
    return call(context);
  }

  // A fresh target, created by rep_a (and a talk track by admin).
  Target fresh_target() {
    Target t;
    v1::CreateCustomerRequest create;
    *create.mutable_customer() = sys::sample_customer("matrix", 70'000'000 + next_++);
    v1::Customer customer;
    auto status = with_context(rep_a_, [&](grpc::ClientContext& c) {
      return system().customers().CreateCustomer(&c, create, &customer);
    });
    if (!status.ok()) throw std::runtime_error("set-up create: " + status.error_message());
    t.customer = customer.name();
    v1::LogFollowUpRequest log;
    log.mutable_follow_up()->set_customer(t.customer);
    *log.mutable_follow_up()->mutable_happen_time() = ago(seconds(3600));
    log.mutable_follow_up()->set_channel(v1::PHONE);
    log.mutable_follow_up()->set_content("matrix follow-up");
    v1::LogFollowUpResponse logged;
    status = with_context(rep_a_, [&](grpc::ClientContext& c) {
      return system().followups().LogFollowUp(&c, log, &logged);
    });
    if (!status.ok()) throw std::runtime_error("set-up log: " + status.error_message());
    t.follow_up = logged.follow_up().name();
    v1::Attachment attachment;
    status = upload(rep_a_, t.follow_up, &attachment);
    if (!status.ok()) throw std::runtime_error("set-up upload: " + status.error_message());
    t.attachment = attachment.name();
    v1::CreateTalkTrackRequest track;
    track.mutable_talk_track()->set_question(fmt::format("问题{}", next_++));
    track.mutable_talk_track()->set_answer("回答");
    track.mutable_talk_track()->add_tags("price");
    v1::TalkTrack created;
    status = with_context(admin_, [&](grpc::ClientContext& c) {
      return system().dictionaries().CreateTalkTrack(&c, track, &created);
    });
    if (!status.ok()) throw std::runtime_error("set-up talk track: " + status.error_message());
    t.talk_track = created.name();
    return t;
  }

  grpc::Status upload(const std::string& bearer, const std::string& follow_up,
                      v1::Attachment* attachment) {
    const std::string bytes = "%PDF-1.4 matrix";
    v1::UploadAttachmentRequest meta;
    auto* m = meta.mutable_metadata();
    m->set_follow_up(follow_up);
    m->set_file_name("matrix.pdf");
    m->set_content_type("application/pdf");
    m->set_size_bytes(static_cast<std::int64_t>(bytes.size()));
    m->set_sha256(crypto::sha256_hex(bytes));
    v1::UploadAttachmentRequest chunk;
    chunk.set_chunk(bytes);
    grpc::ClientContext context;
    sys::prepare(context, bearer);
    auto writer = system().followups().UploadAttachment(&context, attachment);
    writer->Write(meta);
    writer->Write(chunk);
    writer->WritesDone();
    return writer->Finish();
  }

  // What a refused call must not change.
  std::string fingerprint(const Target& t) {
    const auto id = t.customer.substr(t.customer.find('/') + 1);
    const auto fu = t.follow_up.substr(t.follow_up.find('/') + 1);
    auto sql = sys::session(system().db());
    std::string version;
    *sql << "SELECT CONCAT_WS('|', version, stage, owner_id, deleted, notes, "
            "(SELECT COUNT(*) FROM follow_ups WHERE customer_id = c.id), "
            "(SELECT COALESCE(SUM(revision), 0) FROM follow_ups WHERE customer_id = c.id), "
            "(SELECT COUNT(*) FROM attachments WHERE follow_up_id = " +
                fu +
                "), "
                "(SELECT COUNT(*) FROM contact_reveals WHERE customer_id = c.id), "
                "(SELECT CONCAT(plan_at, action) FROM follow_up_plans WHERE customer_id = c.id), "
                "(SELECT interval_days FROM customer_cadences WHERE customer_id = c.id), "
                "(SELECT COUNT(*) FROM stage_events WHERE customer_id = c.id), "
                "(SELECT COUNT(*) FROM owner_events WHERE customer_id = c.id)) "
                "FROM customers c WHERE id = " +
                id,
        soci::into(version);
    return version;
  }

  struct Rpc {
    std::string name;
    Rule rule;
    bool writes;  // needs a fresh target per caller
    std::function<grpc::Status(const Caller&, const Target&)> call;
    std::function<void(const Target&)> prepare = {};  // brings the target into shape
  };

  void check(const std::vector<Rpc>& rpcs) {
    const Target shared = fresh_target();
    for (const auto& rpc : rpcs) {
      for (const auto& caller : callers()) {
        SCOPED_TRACE(rpc.name + " as " + caller.label);
        const Target target = rpc.writes ? fresh_target() : shared;
        if (rpc.prepare) rpc.prepare(target);
        const auto before = fingerprint(target);
        const auto status = rpc.call(caller, target);
        // A reminder stream stays open: its deadline ends it.
        const auto code = rpc.name == "WatchReminders" &&
                                  status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED
                              ? std::string("OK")
                              : code_name(status.error_code());
        const auto want = expected(rpc.rule, caller.who);
        EXPECT_EQ(code, want) << status.error_message();
        ++checked_;
        if (want != "OK" && !status.ok()) {
          const auto info = testing::error_info(status);
          EXPECT_EQ(info ? info->reason() : "(no ErrorInfo)", want);
          EXPECT_EQ(fingerprint(target), before) << "a refused call changed its target";
        }
      }
    }
  }

  static sys::SystemUnderTest* system_;
  const std::string rep_a_ = sys::token("rep_a", "rep", "team1");
  const std::string admin_ = sys::token("admin", "admin", "");
  static inline int next_ = 0;     // unique across the suite (one database)
  static inline int checked_ = 0;  // over the whole suite
};

sys::SystemUnderTest* FullAccessMatrixTest::system_ = nullptr;

TEST_F(FullAccessMatrixTest, CustomerService) {
  auto& s = system().customers();
  check({
      {"CreateCustomer", Rule::everyone, false,
       [&](const Caller& c, const Target&) {
         v1::CreateCustomerRequest r;
         *r.mutable_customer() = sys::sample_customer("matrix-create", 71'000'000 + next_++);
         r.mutable_customer()->set_team_id("team1");  // admin and service name the team
         v1::Customer out;
         return with_context(c.bearer, [&](auto& ctx) { return s.CreateCustomer(&ctx, r, &out); });
       }},
      {"GetCustomer", Rule::scope, false,
       [&](const Caller& c, const Target& t) {
         v1::GetCustomerRequest r;
         r.set_name(t.customer);
         v1::Customer out;
         return with_context(c.bearer, [&](auto& ctx) { return s.GetCustomer(&ctx, r, &out); });
       }},
      {"ListCustomers", Rule::everyone, false,
       [&](const Caller& c, const Target& t) {
         v1::ListCustomersRequest r;
         r.set_page_size(500);
         v1::ListCustomersResponse out;
         auto status =
             with_context(c.bearer, [&](auto& ctx) { return s.ListCustomers(&ctx, r, &out); });
         bool listed = false;
         for (const auto& customer : out.customers()) listed |= customer.name() == t.customer;
         if (status.ok()) {
           EXPECT_EQ(listed, expected(Rule::scope, c.who) == "OK") << "listed: " << listed;
         }
         return status;
       }},
      {"UpdateCustomer", Rule::scope, true,
       [&](const Caller& c, const Target& t) {
         v1::UpdateCustomerRequest r;
         r.mutable_customer()->set_name(t.customer);
         r.mutable_customer()->set_notes("changed by " + c.label);
         r.mutable_update_mask()->add_paths("notes");
         v1::Customer out;
         return with_context(c.bearer, [&](auto& ctx) { return s.UpdateCustomer(&ctx, r, &out); });
       }},
      {"DeleteCustomer", Rule::scope, true,
       [&](const Caller& c, const Target& t) {
         v1::DeleteCustomerRequest r;
         r.set_name(t.customer);
         v1::Customer out;
         return with_context(c.bearer, [&](auto& ctx) { return s.DeleteCustomer(&ctx, r, &out); });
       }},
      {"UndeleteCustomer", Rule::scope, true,
       [&](const Caller& c, const Target& t) {
         v1::UndeleteCustomerRequest r;
         r.set_name(t.customer);
         v1::Customer out;
         return with_context(c.bearer,
                             [&](auto& ctx) { return s.UndeleteCustomer(&ctx, r, &out); });
       },
       [&](const Target& t) {
         v1::DeleteCustomerRequest d;
         d.set_name(t.customer);
         v1::Customer out;
         EXPECT_TRUE(
             with_context(rep_a_, [&](auto& ctx) { return s.DeleteCustomer(&ctx, d, &out); }).ok());
       }},
      {"ChangeCustomerStage", Rule::scope, true,
       [&](const Caller& c, const Target& t) {
         v1::ChangeCustomerStageRequest r;
         r.set_name(t.customer);
         r.set_stage(v1::STAGE_INTENTION);
         r.set_reason("matrix");
         v1::ChangeCustomerStageResponse out;
         return with_context(c.bearer,
                             [&](auto& ctx) { return s.ChangeCustomerStage(&ctx, r, &out); });
       }},
      {"ListStageEvents", Rule::scope, false,
       [&](const Caller& c, const Target& t) {
         v1::ListStageEventsRequest r;
         r.set_parent(t.customer);
         v1::ListStageEventsResponse out;
         return with_context(c.bearer, [&](auto& ctx) { return s.ListStageEvents(&ctx, r, &out); });
       }},
      {"TransferCustomer", Rule::team1_writers, true,
       [&](const Caller& c, const Target& t) {
         v1::TransferCustomerRequest r;
         r.set_name(t.customer);
         r.set_new_owner_id("rep_b");
         r.set_new_team_id("team1");
         r.set_reason("matrix");
         v1::Customer out;
         return with_context(c.bearer,
                             [&](auto& ctx) { return s.TransferCustomer(&ctx, r, &out); });
       }},
      {"RevealContact", Rule::scope, true,
       [&](const Caller& c, const Target& t) {
         v1::RevealContactRequest r;
         r.set_name(t.customer);
         r.set_purpose("matrix");
         v1::RevealContactResponse out;
         return with_context(c.bearer, [&](auto& ctx) { return s.RevealContact(&ctx, r, &out); });
       }},
      {"ImportCustomers", Rule::everyone, false,
       [&](const Caller& c, const Target&) {
         v1::ImportCustomersRequest r;
         auto& row = *r.add_customers() =
             sys::sample_customer("matrix-import", 72'000'000 + next_++);
         row.set_team_id("team1");
         v1::ImportCustomersResponse out;
         grpc::ClientContext ctx;
         sys::prepare(ctx, c.bearer);
         auto writer = s.ImportCustomers(&ctx, &out);
         writer->Write(r);
         writer->WritesDone();
         auto status = writer->Finish();
         if (status.ok()) {
           EXPECT_EQ(out.created(), 1) << out.ShortDebugString();
         }
         return status;
       }},
      {"ExportCustomers", Rule::everyone, false,
       [&](const Caller& c, const Target& t) {
         v1::ExportCustomersRequest r;
         grpc::ClientContext ctx;
         sys::prepare(ctx, c.bearer);
         auto reader = s.ExportCustomers(&ctx, r);
         v1::Customer customer;
         bool exported = false;
         int count = 0;
         while (reader->Read(&customer)) {
           exported |= customer.name() == t.customer;
           ++count;
         }
         auto status = reader->Finish();
         if (status.ok()) {
           EXPECT_EQ(exported, expected(Rule::scope, c.who) == "OK") << "exported: " << exported;
         } else {
           EXPECT_EQ(count, 0) << "customers streamed before a refusal";
         }
         return status;
       }},
  });
}

TEST_F(FullAccessMatrixTest, DictionaryService) {
  auto& s = system().dictionaries();
  check({
      {"ListDictionaryEntries", Rule::everyone, false,
       [&](const Caller& c, const Target&) {
         v1::ListDictionaryEntriesRequest r;
         r.set_kind(v1::INDUSTRY);
         v1::ListDictionaryEntriesResponse out;
         return with_context(c.bearer,
                             [&](auto& ctx) { return s.ListDictionaryEntries(&ctx, r, &out); });
       }},
      {"CreateDictionaryEntry", Rule::managers, false,
       [&](const Caller& c, const Target&) {
         v1::CreateDictionaryEntryRequest r;
         r.mutable_entry()->set_kind(v1::NEED_TAG);
         r.mutable_entry()->set_code(fmt::format("matrix_{}", next_++));
         r.mutable_entry()->set_label("矩阵");
         v1::DictionaryEntry out;
         return with_context(c.bearer,
                             [&](auto& ctx) { return s.CreateDictionaryEntry(&ctx, r, &out); });
       }},
      {"UpdateDictionaryEntry", Rule::managers, false,
       [&](const Caller& c, const Target&) {
         v1::UpdateDictionaryEntryRequest r;
         r.mutable_entry()->set_kind(v1::NEED_TAG);
         r.mutable_entry()->set_code("erp_system");
         r.mutable_entry()->set_label("ERP系统");
         r.mutable_entry()->set_sort_order(10);
         v1::DictionaryEntry out;
         return with_context(c.bearer,
                             [&](auto& ctx) { return s.UpdateDictionaryEntry(&ctx, r, &out); });
       }},
      {"RetireDictionaryEntry", Rule::managers, false,
       [&](const Caller& c, const Target&) {
         const std::string code = fmt::format("matrix_retire_{}", next_++);
         v1::CreateDictionaryEntryRequest create;
         create.mutable_entry()->set_kind(v1::LOSS_REASON);
         create.mutable_entry()->set_code(code);
         create.mutable_entry()->set_label("退役");
         v1::DictionaryEntry out;
         EXPECT_TRUE(with_context(admin_, [&](auto& ctx) {
                       return s.CreateDictionaryEntry(&ctx, create, &out);
                     }).ok());
         v1::RetireDictionaryEntryRequest r;
         r.set_kind(v1::LOSS_REASON);
         r.set_code(code);
         return with_context(c.bearer,
                             [&](auto& ctx) { return s.RetireDictionaryEntry(&ctx, r, &out); });
       }},
      {"CreateTalkTrack", Rule::managers, false,
       [&](const Caller& c, const Target&) {
         v1::CreateTalkTrackRequest r;
         r.mutable_talk_track()->set_question(fmt::format("矩阵问题{}", next_++));
         r.mutable_talk_track()->set_answer("回答");
         v1::TalkTrack out;
         return with_context(c.bearer, [&](auto& ctx) { return s.CreateTalkTrack(&ctx, r, &out); });
       }},
      {"UpdateTalkTrack", Rule::managers, true,
       [&](const Caller& c, const Target& t) {
         v1::UpdateTalkTrackRequest r;
         r.mutable_talk_track()->set_name(t.talk_track);
         r.mutable_talk_track()->set_question("改过的问题");
         r.mutable_talk_track()->set_answer("改过的回答");
         v1::TalkTrack out;
         return with_context(c.bearer, [&](auto& ctx) { return s.UpdateTalkTrack(&ctx, r, &out); });
       }},
      {"RetireTalkTrack", Rule::managers, true,
       [&](const Caller& c, const Target& t) {
         v1::RetireTalkTrackRequest r;
         r.set_name(t.talk_track);
         v1::TalkTrack out;
         return with_context(c.bearer, [&](auto& ctx) { return s.RetireTalkTrack(&ctx, r, &out); });
       }},
      {"SearchTalkTracks", Rule::everyone, false,
       [&](const Caller& c, const Target&) {
         v1::SearchTalkTracksRequest r;
         v1::SearchTalkTracksResponse out;
         return with_context(c.bearer,
                             [&](auto& ctx) { return s.SearchTalkTracks(&ctx, r, &out); });
       }},
  });
}

TEST_F(FullAccessMatrixTest, FollowUpService) {
  auto& s = system().followups();
  check({
      {"LogFollowUp", Rule::scope, true,
       [&](const Caller& c, const Target& t) {
         v1::LogFollowUpRequest r;
         r.mutable_follow_up()->set_customer(t.customer);
         *r.mutable_follow_up()->mutable_happen_time() = ago(seconds(60));
         r.mutable_follow_up()->set_channel(v1::EMAIL);
         r.mutable_follow_up()->set_content("matrix");
         r.mutable_stage_change()->set_stage(v1::STAGE_INTENTION);
         r.mutable_stage_change()->set_reason("matrix");
         v1::LogFollowUpResponse out;
         return with_context(c.bearer, [&](auto& ctx) { return s.LogFollowUp(&ctx, r, &out); });
       }},
      {"GetFollowUp", Rule::scope, false,
       [&](const Caller& c, const Target& t) {
         v1::GetFollowUpRequest r;
         r.set_name(t.follow_up);
         v1::FollowUp out;
         return with_context(c.bearer, [&](auto& ctx) { return s.GetFollowUp(&ctx, r, &out); });
       }},
      {"ListFollowUps", Rule::scope, false,
       [&](const Caller& c, const Target& t) {
         v1::ListFollowUpsRequest r;
         r.set_customer(t.customer);
         v1::ListFollowUpsResponse out;
         return with_context(c.bearer, [&](auto& ctx) { return s.ListFollowUps(&ctx, r, &out); });
       }},
      {"AmendFollowUp", Rule::scope, true,
       [&](const Caller& c, const Target& t) {
         v1::AmendFollowUpRequest r;
         r.mutable_follow_up()->set_name(t.follow_up);
         r.mutable_follow_up()->set_content("amended");
         r.add_fields("content");
         r.set_reason("matrix");
         v1::FollowUp out;
         return with_context(c.bearer, [&](auto& ctx) { return s.AmendFollowUp(&ctx, r, &out); });
       }},
      {"PlanNextFollowUp", Rule::scope, true,
       [&](const Caller& c, const Target& t) {
         v1::PlanNextFollowUpRequest r;
         r.set_customer(t.customer);
         *r.mutable_plan()->mutable_plan_time() = ago(seconds(-86400 * 3));
         r.mutable_plan()->set_action("call back");
         v1::FollowUpPlan out;
         return with_context(c.bearer,
                             [&](auto& ctx) { return s.PlanNextFollowUp(&ctx, r, &out); });
       }},
      {"ListDueFollowUps", Rule::everyone, false,
       [&](const Caller& c, const Target&) {
         v1::ListDueFollowUpsRequest r;
         r.set_owner_id(c.who == Who::rep_a || c.who == Who::rep_b ? "" : "*");
         v1::ListDueFollowUpsResponse out;
         return with_context(c.bearer,
                             [&](auto& ctx) { return s.ListDueFollowUps(&ctx, r, &out); });
       }},
      {"ListStalledCustomers", Rule::everyone, false,
       [&](const Caller& c, const Target&) {
         v1::ListStalledCustomersRequest r;
         r.set_owner_id(c.who == Who::rep_a || c.who == Who::rep_b ? "" : "*");
         v1::ListStalledCustomersResponse out;
         return with_context(c.bearer,
                             [&](auto& ctx) { return s.ListStalledCustomers(&ctx, r, &out); });
       }},
      {"ListHighIntentCustomers", Rule::everyone, false,
       [&](const Caller& c, const Target&) {
         v1::ListHighIntentCustomersRequest r;
         r.set_owner_id(c.who == Who::rep_a || c.who == Who::rep_b ? "" : "*");
         v1::ListHighIntentCustomersResponse out;
         return with_context(c.bearer,
                             [&](auto& ctx) { return s.ListHighIntentCustomers(&ctx, r, &out); });
       }},
      {"WatchReminders", Rule::everyone, false,
       [&](const Caller& c, const Target&) {
         v1::WatchRemindersRequest r;
         grpc::ClientContext ctx;
         sys::prepare(ctx, c.bearer, milliseconds(500));
         auto reader = s.WatchReminders(&ctx, r);
         v1::Reminder reminder;
         while (reader->Read(&reminder)) {
         }
         return reader->Finish();
       }},
      {"GetCadencePolicy", Rule::team1_readers, false,
       [&](const Caller& c, const Target&) {
         v1::GetCadencePolicyRequest r;
         r.set_team_id("team1");
         v1::CadencePolicy out;
         return with_context(c.bearer,
                             [&](auto& ctx) { return s.GetCadencePolicy(&ctx, r, &out); });
       }},
      {"UpdateCadencePolicy", Rule::team1_writers, false,
       [&](const Caller& c, const Target&) {
         v1::UpdateCadencePolicyRequest r;
         auto& p = *r.mutable_policy();
         p.set_team_id("team1");
         p.set_potential_days(7);
         p.set_intention_days(3);
         p.set_high_intention_days(2);
         p.set_won_days(30);
         p.set_stalled_factor(2);
         v1::CadencePolicy out;
         return with_context(c.bearer,
                             [&](auto& ctx) { return s.UpdateCadencePolicy(&ctx, r, &out); });
       }},
      {"SetCustomerCadence", Rule::scope, true,
       [&](const Caller& c, const Target& t) {
         v1::SetCustomerCadenceRequest r;
         r.set_customer(t.customer);
         r.set_interval_days(5);
         v1::CustomerCadence out;
         return with_context(c.bearer,
                             [&](auto& ctx) { return s.SetCustomerCadence(&ctx, r, &out); });
       }},
      {"UploadAttachment", Rule::scope, true,
       [&](const Caller& c, const Target& t) {
         v1::Attachment out;
         return upload(c.bearer, t.follow_up, &out);
       }},
      {"DownloadAttachment", Rule::scope, false,
       [&](const Caller& c, const Target& t) {
         v1::DownloadAttachmentRequest r;
         r.set_name(t.attachment);
         grpc::ClientContext ctx;
         sys::prepare(ctx, c.bearer);
         auto reader = s.DownloadAttachment(&ctx, r);
         v1::DownloadAttachmentResponse part;
         int parts = 0;
         while (reader->Read(&part)) ++parts;
         auto status = reader->Finish();
         if (!status.ok()) {
           EXPECT_EQ(parts, 0) << "bytes streamed before a refusal";
         }
         return status;
       }},
      {"ListAttachments", Rule::scope, false,
       [&](const Caller& c, const Target& t) {
         v1::ListAttachmentsRequest r;
         r.set_follow_up(t.follow_up);
         v1::ListAttachmentsResponse out;
         return with_context(c.bearer, [&](auto& ctx) { return s.ListAttachments(&ctx, r, &out); });
       }},
  });
}

TEST_F(FullAccessMatrixTest, ReportService) {
  auto& s = system().reports();
  check({
      {"GetWeeklyReview (own scope)", Rule::everyone, false,
       [&](const Caller& c, const Target&) {
         v1::GetWeeklyReviewRequest r;
         v1::WeeklyReview out;
         return with_context(c.bearer, [&](auto& ctx) { return s.GetWeeklyReview(&ctx, r, &out); });
       }},
      {"GetWeeklyReview (owner rep_a)", Rule::scope, false,
       [&](const Caller& c, const Target&) {
         v1::GetWeeklyReviewRequest r;
         r.set_owner_id("rep_a");
         v1::WeeklyReview out;
         return with_context(c.bearer, [&](auto& ctx) { return s.GetWeeklyReview(&ctx, r, &out); });
       }},
      {"GetMonthlyDistribution", Rule::everyone, false,
       [&](const Caller& c, const Target&) {
         v1::GetMonthlyDistributionRequest r;
         v1::MonthlyDistribution out;
         auto status = with_context(
             c.bearer, [&](auto& ctx) { return s.GetMonthlyDistribution(&ctx, r, &out); });
         // A rep's distribution holds only their own rows, a manager's only the team's.
         for (const auto& row : out.counts()) {
           if (c.who == Who::rep_b) {
             EXPECT_EQ(row.owner_id(), "rep_b");
           }
           if (c.who == Who::manager_2) {
             EXPECT_NE(row.owner_id(), "rep_a");
           }
         }
         return status;
       }},
      {"ListReportRuns", Rule::managers, false,
       [&](const Caller& c, const Target&) {
         v1::ListReportRunsRequest r;
         v1::ListReportRunsResponse out;
         return with_context(c.bearer, [&](auto& ctx) { return s.ListReportRuns(&ctx, r, &out); });
       }},
      {"RunReports", Rule::managers, false,
       [&](const Caller& c, const Target&) {
         v1::RunReportsRequest r;
         v1::ReportRun out;
         return with_context(
             c.bearer, [&](auto& ctx) { return s.RunReports(&ctx, r, &out); }, seconds(60));
       }},
  });
  std::cout << "[ figures  ] access matrix: " << checked_ << " (RPC, caller) pairs in this suite\n";
}

}  // namespace
}  // namespace salesfollow
