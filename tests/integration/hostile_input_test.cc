// Specific hostile inputs of issue #8, each with its exact expected answer:
// invalid UTF-8, 1 MB strings, control characters, SQL and script injection
// (stored and returned verbatim), negative and huge page sizes, forged and
// cross-parameter page tokens, timestamps out of range, unknown enum values,
// empty and duplicate tags, oversized messages and attachments. A refused
// request writes nothing (CHECKSUM TABLE of the business tables).
// generated_input_test.cc throws generated input at every RPC; this file pins
// the cases a reviewer asks about.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gmock/gmock.h>
#include <google/protobuf/stubs/logging.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <climits>
#include <functional>

#include "mariadb_server.h"
#include "salesfollow/common/crypto.h"
#include "status_text.h"
#include "system_fixture.h"

namespace salesfollow {
namespace {

using std::chrono::seconds;
using testing::code_name;
namespace sys = testing::system;

const std::string kInvalidUtf8 = "bad\xff\xfe utf8";
const std::string kMegabyte(1 << 20, 'x');

std::string checksums(const DbConfig& db) {
  auto sql = sys::session(db);
  return sys::table_checksums(
      *sql, {"customers", "customer_need_tags", "stage_events", "owner_events", "contact_reveals",
             "idempotency_keys", "dictionary_entries", "talk_tracks", "talk_track_tags",
             "follow_ups", "follow_up_amendments", "follow_up_plans", "customer_cadences",
             "cadence_policies", "attachments", "attachment_chunks"});
}

google::protobuf::Timestamp ago(seconds how_long) {
  google::protobuf::Timestamp t;
  t.set_seconds(std::chrono::duration_cast<seconds>(
                    (std::chrono::system_clock::now() - how_long).time_since_epoch())
                    .count());
  return t;
}

class HostileInputTest : public ::testing::Test {
 public:
  v1::CustomerService::Stub& customers() { return system_->customers(); }

 protected:
  static void SetUpTestSuite() {
    sys::SystemUnderTest::Options options;
    options.followup_args = {"--attachment-max-bytes=65536", "--reminder-scan-interval=10m"};
    system_ = new sys::SystemUnderTest(sys::migrate(testing::fresh_database("hostile")), options);
  }
  static void TearDownTestSuite() {
    delete system_;
    system_ = nullptr;
  }
  void SetUp() override { before_ = checksums(system_->db()); }

  v1::FollowUpService::Stub& followups() { return system_->followups(); }
  v1::DictionaryService::Stub& dictionaries() { return system_->dictionaries(); }

  template <typename Call>
  grpc::Status as(const std::string& bearer, Call&& call) {
    grpc::ClientContext context;
    sys::prepare(context, bearer, seconds(30));
    return call(context);
  }

  grpc::Status create(const v1::CreateCustomerRequest& request, v1::Customer* out) {
    return as(rep_, [&](auto& c) { return customers().CreateCustomer(&c, request, out); });
  }
  v1::Customer must_create(const v1::Customer& customer) {
    v1::CreateCustomerRequest request;
    *request.mutable_customer() = customer;
    v1::Customer out;
    const auto status = create(request, &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return out;
  }
  v1::Customer fresh_customer() { return sys::sample_customer("hostile", 80'000'000 + next_++); }

  // The call was refused with `code` and nothing was written since SetUp (or
  // since the last accepted call, see accept()).
  void expect_refused(const grpc::Status& status, const std::string& code,
                      const std::string& what) {
    EXPECT_EQ(code_name(status.error_code()), code) << what << ": " << status.error_message();
    EXPECT_EQ(checksums(system_->db()), before_) << what << ": a refused request wrote";
  }
  void accept() { before_ = checksums(system_->db()); }
  // Opens WatchReminders with `since` for 1.5 s; the status it ends with.
  grpc::Status watch_since(std::int64_t seconds_value, int nanos) {
    v1::WatchRemindersRequest watch;
    watch.mutable_since()->set_seconds(seconds_value);
    watch.mutable_since()->set_nanos(nanos);
    grpc::ClientContext context;
    sys::prepare(context, rep_, std::chrono::milliseconds(1500));
    auto reader = followups().WatchReminders(&context, watch);
    v1::Reminder reminder;
    while (reader->Read(&reminder)) {
    }
    return reader->Finish();
  }
  void run_invalid_utf8_cases(
      const std::function<void(const grpc::Status&, const std::string&)>& judge);

  static sys::SystemUnderTest* system_;
  const std::string rep_ = sys::token("rep_h", "rep", "team_h");
  const std::string other_rep_ = sys::token("rep_h2", "rep", "team_h");
  const std::string admin_ = sys::token("admin", "admin", "");
  std::string before_;
  static inline int next_ = 0;  // unique across the suite (one database)
};

sys::SystemUnderTest* HostileInputTest::system_ = nullptr;

// Invalid UTF-8 in a proto3 string field makes the request unparseable for
// the C++ server: it is refused before any handler runs, INVALID_ARGUMENT with
// a message (finding F1 in docs/RELIABILITY.md, fixed in the interceptor).
TEST_F(HostileInputTest, InvalidUtf8IsInvalidArgumentInEveryTextFieldOfACustomer) {
  google::protobuf::SetLogHandler(nullptr);  // the client's own UTF-8 warnings
  run_invalid_utf8_cases([](const grpc::Status& status, const std::string& what) {
    EXPECT_EQ(code_name(status.error_code()), "INVALID_ARGUMENT") << what;
    EXPECT_THAT(status.error_message(), ::testing::HasSubstr("UTF-8")) << what;
  });
}

void HostileInputTest::run_invalid_utf8_cases(
    const std::function<void(const grpc::Status&, const std::string&)>& judge) {
  const std::vector<std::pair<std::string, std::function<void(v1::Customer&)>>> fields = {
      {"display_name", [](v1::Customer& c) { c.set_display_name(kInvalidUtf8); }},
      {"contact.name", [](v1::Customer& c) { c.mutable_contact()->set_name(kInvalidUtf8); }},
      {"contact.title", [](v1::Customer& c) { c.mutable_contact()->set_title(kInvalidUtf8); }},
      {"contact.email", [](v1::Customer& c) { c.mutable_contact()->set_email(kInvalidUtf8); }},
      {"contact.wechat_id",
       [](v1::Customer& c) { c.mutable_contact()->set_wechat_id(kInvalidUtf8); }},
      {"need_description", [](v1::Customer& c) { c.set_need_description(kInvalidUtf8); }},
      {"company_size", [](v1::Customer& c) { c.set_company_size(kInvalidUtf8); }},
      {"notes", [](v1::Customer& c) { c.set_notes(kInvalidUtf8); }},
      {"industry", [](v1::Customer& c) { c.set_industry(kInvalidUtf8); }},
      {"need_tags", [](v1::Customer& c) { c.add_need_tags(kInvalidUtf8); }},
  };
  for (const auto& [field, spoil] : fields) {
    v1::CreateCustomerRequest request;
    *request.mutable_customer() = fresh_customer();
    spoil(*request.mutable_customer());
    v1::Customer out;
    judge(create(request, &out), field);
    EXPECT_EQ(checksums(system_->db()), before_) << field;
  }
  // Follow-ups and talk tracks too.
  const auto customer = must_create(fresh_customer());
  accept();
  v1::LogFollowUpRequest log;
  log.mutable_follow_up()->set_customer(customer.name());
  *log.mutable_follow_up()->mutable_happen_time() = ago(seconds(60));
  log.mutable_follow_up()->set_channel(v1::PHONE);
  log.mutable_follow_up()->set_content(kInvalidUtf8);
  v1::LogFollowUpResponse logged;
  judge(as(rep_, [&](auto& c) { return followups().LogFollowUp(&c, log, &logged); }),
        "follow_up.content");
  v1::CreateTalkTrackRequest track;
  track.mutable_talk_track()->set_question(kInvalidUtf8);
  track.mutable_talk_track()->set_answer("a");
  v1::TalkTrack created;
  judge(as(admin_, [&](auto& c) { return dictionaries().CreateTalkTrack(&c, track, &created); }),
        "talk_track.question");
  EXPECT_EQ(checksums(system_->db()), before_) << "a refused request wrote";
}

// Finding F3: an import stream whose second message does not parse (a row
// with invalid UTF-8) ends there for the handler, which imports the rows read
// so far and answers OK. The client learns it only from rows_received.
v1::ImportCustomersResponse import_with_a_broken_message(HostileInputTest& test,
                                                         const std::string& bearer,
                                                         grpc::Status& status) {
  v1::ImportCustomersRequest first;
  first.set_request_id(fmt::format("broken-import-{}", ::getpid()));
  first.set_expected_rows(3);
  *first.add_customers() = sys::sample_customer("broken-import-a", 81'000'000);
  v1::ImportCustomersRequest broken;
  *broken.add_customers() = sys::sample_customer("broken-import-b", 81'000'001);
  broken.mutable_customers(0)->set_notes(kInvalidUtf8);
  v1::ImportCustomersRequest last;
  *last.add_customers() = sys::sample_customer("broken-import-c", 81'000'002);
  grpc::ClientContext context;
  sys::prepare(context, bearer);
  v1::ImportCustomersResponse response;
  auto writer = test.customers().ImportCustomers(&context, &response);
  writer->Write(first);
  writer->Write(broken);
  writer->Write(last);
  writer->WritesDone();
  status = writer->Finish();
  return response;
}

// Finding F3 (fixed with ImportCustomersRequest.expected_rows): gRPC ends a
// client stream at a message it cannot parse; with the row count announced
// the import is refused whole instead of committing the rows before it.
TEST_F(HostileInputTest, AnUnparseableImportMessageRefusesTheImport) {
  google::protobuf::SetLogHandler(nullptr);
  grpc::Status status;
  import_with_a_broken_message(*this, rep_, status);
  expect_refused(status, "INVALID_ARGUMENT", "import with an unparseable message");
  EXPECT_EQ(sys::count(system_->db(),
                       "SELECT COUNT(*) FROM customers WHERE display_name LIKE '%broken-import-%'"),
            0);
}

TEST_F(HostileInputTest, OneMegabyteStringsAreRefusedAsTooLong) {
  for (const std::string field : {"display_name", "notes", "need_description", "contact.name"}) {
    v1::CreateCustomerRequest request;
    *request.mutable_customer() = fresh_customer();
    auto& c = *request.mutable_customer();
    if (field == "display_name") c.set_display_name(kMegabyte);
    if (field == "notes") c.set_notes(kMegabyte);
    if (field == "need_description") c.set_need_description(kMegabyte);
    if (field == "contact.name") c.mutable_contact()->set_name(kMegabyte);
    v1::Customer out;
    expect_refused(create(request, &out), "INVALID_ARGUMENT", field);
  }
  v1::ListCustomersRequest list;
  list.set_filter("display_name : \"" + kMegabyte + "\"");
  v1::ListCustomersResponse listed;
  expect_refused(as(rep_, [&](auto& c) { return customers().ListCustomers(&c, list, &listed); }),
                 "INVALID_ARGUMENT", "filter");
  list.set_filter("");
  list.set_page_token(kMegabyte);
  expect_refused(as(rep_, [&](auto& c) { return customers().ListCustomers(&c, list, &listed); }),
                 "INVALID_ARGUMENT", "page_token");
}

TEST_F(HostileInputTest, InjectionStringsAreStoredAndReturnedVerbatim) {
  const std::vector<std::string> payloads = {
      "Robert'); DROP TABLE customers;--",
      "' OR '1'='1' -- ",
      "\\'; SELECT SLEEP(10); --",
      "<script>alert('x')</script>",
      "<img src=x onerror=alert(1)>",
      "${jndi:ldap://example.invalid/a} {{7*7}} %s%n",
      "`rm -rf /` $(id) | tee",
      "100% _match_ \\\\ \"quoted\"",
  };
  for (const auto& payload : payloads) {
    SCOPED_TRACE(payload);
    auto customer = fresh_customer();
    customer.set_display_name(customer.display_name() + " " + payload);
    customer.set_notes(payload);
    customer.set_need_description(payload);
    customer.mutable_contact()->set_title(payload.substr(0, 50));
    const auto created = must_create(customer);
    ASSERT_FALSE(created.name().empty());
    v1::GetCustomerRequest get;
    get.set_name(created.name());
    v1::Customer got;
    ASSERT_TRUE(as(rep_, [&](auto& c) { return customers().GetCustomer(&c, get, &got); }).ok());
    EXPECT_EQ(got.display_name(), customer.display_name());
    EXPECT_EQ(got.notes(), payload);
    EXPECT_EQ(got.need_description(), payload);
    EXPECT_EQ(got.contact().title(), payload.substr(0, 50));
    // Stored as the bytes sent (no escaping, no HTML encoding).
    auto sql = sys::session(system_->db());
    std::string stored;
    *sql << "SELECT notes FROM customers WHERE id = " + created.name().substr(10),
        soci::into(stored);
    EXPECT_EQ(stored, payload);
    // In a filter the payload is a value, never SQL: it finds exactly this customer.
    v1::ListCustomersRequest list;
    std::string quoted;
    for (char ch : payload) {
      if (ch == '"' || ch == '\\') quoted.push_back('\\');
      quoted.push_back(ch);
    }
    list.set_filter("display_name : \"" + quoted + "\"");
    v1::ListCustomersResponse listed;
    const auto status =
        as(rep_, [&](auto& c) { return customers().ListCustomers(&c, list, &listed); });
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(listed.customers_size(), 1);
    EXPECT_EQ(listed.customers(0).name(), created.name());
    // Follow-up text too.
    v1::LogFollowUpRequest log;
    log.mutable_follow_up()->set_customer(created.name());
    *log.mutable_follow_up()->mutable_happen_time() = ago(seconds(60));
    log.mutable_follow_up()->set_channel(v1::WECHAT);
    log.mutable_follow_up()->set_content(payload);
    log.mutable_follow_up()->set_feedback(payload);
    v1::LogFollowUpResponse logged;
    ASSERT_TRUE(as(rep_, [&](auto& c) { return followups().LogFollowUp(&c, log, &logged); }).ok());
    v1::GetFollowUpRequest get_fu;
    get_fu.set_name(logged.follow_up().name());
    v1::FollowUp fu;
    ASSERT_TRUE(as(rep_, [&](auto& c) { return followups().GetFollowUp(&c, get_fu, &fu); }).ok());
    EXPECT_EQ(fu.content(), payload);
    EXPECT_EQ(fu.feedback(), payload);
  }
  EXPECT_GT(sys::count(system_->db(), "SELECT COUNT(*) FROM customers"), 0) << "the table survived";
}

TEST_F(HostileInputTest, ControlCharactersAreRefusedOrKeptExactly) {
  // A NUL must never truncate a value; escape sequences must not reach the
  // store unnoticed in names. Either refused, or returned byte for byte.
  for (const std::string& value :
       {std::string("nul\0inside", 10), std::string("\x1b[31mred\x1b[0m"), std::string("bell\x07"),
        std::string("tab\tand\nnewline"), std::string("\xe2\x80\xae") + "rtl override"}) {
    SCOPED_TRACE("value of " + std::to_string(value.size()) + " bytes");
    for (const bool in_name : {true, false}) {
      v1::CreateCustomerRequest request;
      *request.mutable_customer() = fresh_customer();
      if (in_name) {
        request.mutable_customer()->set_display_name(request.customer().display_name() + value);
      } else {
        request.mutable_customer()->set_notes(value);
      }
      v1::Customer out;
      const auto status = create(request, &out);
      if (!status.ok()) {
        expect_refused(status, "INVALID_ARGUMENT", in_name ? "display_name" : "notes");
        continue;
      }
      accept();
      EXPECT_EQ(in_name ? out.display_name() : out.notes(),
                in_name ? request.customer().display_name() : value)
          << "changed on the way";
    }
  }
}

TEST_F(HostileInputTest, PageSizesNegativeAreRefusedHugeAreCapped) {
  for (int i = 0; i < 3; ++i) must_create(fresh_customer());
  accept();
  v1::ListCustomersRequest list;
  v1::ListCustomersResponse listed;
  for (const int size : {-1, INT_MIN}) {
    list.set_page_size(size);
    expect_refused(as(rep_, [&](auto& c) { return customers().ListCustomers(&c, list, &listed); }),
                   "INVALID_ARGUMENT", "page_size " + std::to_string(size));
  }
  list.set_page_size(INT_MAX);
  ASSERT_TRUE(as(rep_, [&](auto& c) { return customers().ListCustomers(&c, list, &listed); }).ok());
  EXPECT_LE(listed.customers_size(), 500);
  v1::SearchTalkTracksRequest search;
  search.set_page_size(-5);
  v1::SearchTalkTracksResponse found;
  expect_refused(
      as(rep_, [&](auto& c) { return dictionaries().SearchTalkTracks(&c, search, &found); }),
      "INVALID_ARGUMENT", "talk tracks page_size");
  v1::ListDueFollowUpsRequest due;
  due.set_page_size(-1);
  v1::ListDueFollowUpsResponse due_out;
  expect_refused(as(rep_, [&](auto& c) { return followups().ListDueFollowUps(&c, due, &due_out); }),
                 "INVALID_ARGUMENT", "due page_size");
  v1::ListStageEventsRequest events;
  events.set_parent(listed.customers(0).name());
  events.set_page_size(-1);
  v1::ListStageEventsResponse events_out;
  expect_refused(
      as(rep_, [&](auto& c) { return customers().ListStageEvents(&c, events, &events_out); }),
      "INVALID_ARGUMENT", "stage events page_size");
}

TEST_F(HostileInputTest, ForgedAndCrossParameterPageTokensAreRefused) {
  for (int i = 0; i < 3; ++i) must_create(fresh_customer());
  accept();
  v1::ListCustomersRequest list;
  list.set_page_size(1);
  list.set_filter("industry = \"manufacturing\"");
  v1::ListCustomersResponse first;
  ASSERT_TRUE(as(rep_, [&](auto& c) { return customers().ListCustomers(&c, list, &first); }).ok());
  const std::string token = first.next_page_token();
  ASSERT_FALSE(token.empty());

  const auto refused = [&](const std::string& bearer, v1::ListCustomersRequest request,
                           const std::string& what) {
    v1::ListCustomersResponse out;
    expect_refused(
        as(bearer, [&](auto& c) { return customers().ListCustomers(&c, request, &out); }),
        "INVALID_ARGUMENT", what);
  };
  auto forged = list;
  for (const std::string& bad : {std::string("AAAA"), std::string("not a token at all"),
                                 crypto::base64url_encode("{\"after\":1}"), std::string(1, '\0')}) {
    forged.set_page_token(bad);
    refused(rep_, forged, "forged token");
  }
  // One byte flipped in a real token.
  std::string flipped = token;
  flipped[flipped.size() / 2] = flipped[flipped.size() / 2] == 'A' ? 'B' : 'A';
  forged.set_page_token(flipped);
  refused(rep_, forged, "flipped token");
  // The real token with other parameters, or by another caller.
  auto other_filter = list;
  other_filter.set_page_token(token);
  other_filter.set_filter("industry = \"internet\"");
  refused(rep_, other_filter, "token of another filter");
  auto other_order = list;
  other_order.set_page_token(token);
  other_order.set_order_by("display_name");
  refused(rep_, other_order, "token of another order");
  auto deleted_too = list;
  deleted_too.set_page_token(token);
  deleted_too.set_show_deleted(true);
  refused(rep_, deleted_too, "token without show_deleted");
  auto same = list;
  same.set_page_token(token);
  refused(other_rep_, same, "token of another caller");
  // A customer list's token in another list.
  v1::ListStageEventsRequest events;
  events.set_parent(first.customers(0).name());
  events.set_page_token(token);
  v1::ListStageEventsResponse events_out;
  expect_refused(
      as(rep_, [&](auto& c) { return customers().ListStageEvents(&c, events, &events_out); }),
      "INVALID_ARGUMENT", "customer token in ListStageEvents");
  v1::ListFollowUpsRequest follow_ups;
  follow_ups.set_customer(first.customers(0).name());
  follow_ups.set_page_token(token);
  v1::ListFollowUpsResponse follow_ups_out;
  expect_refused(
      as(rep_, [&](auto& c) { return followups().ListFollowUps(&c, follow_ups, &follow_ups_out); }),
      "INVALID_ARGUMENT", "customer token in ListFollowUps");
  // The genuine token still works.
  same.set_page_token(token);
  v1::ListCustomersResponse second;
  EXPECT_TRUE(as(rep_, [&](auto& c) { return customers().ListCustomers(&c, same, &second); }).ok());
}

TEST_F(HostileInputTest, TimestampsOutOfRangeAreRefused) {
  const auto customer = must_create(fresh_customer());
  accept();
  struct Case {
    std::int64_t seconds;
    int nanos;
  };
  for (const auto& bad : std::vector<Case>{{-62135596801LL, 0},  // before 0001-01-01
                                           {253402300800LL, 0},  // after 9999-12-31
                                           {INT64_MAX, 0},
                                           {INT64_MIN, 0},
                                           {1709524800, -1},
                                           {1709524800, 1000000000}}) {
    SCOPED_TRACE(fmt::format("{}s {}ns", bad.seconds, bad.nanos));
    v1::LogFollowUpRequest log;
    log.mutable_follow_up()->set_customer(customer.name());
    log.mutable_follow_up()->mutable_happen_time()->set_seconds(bad.seconds);
    log.mutable_follow_up()->mutable_happen_time()->set_nanos(bad.nanos);
    log.mutable_follow_up()->set_channel(v1::PHONE);
    log.mutable_follow_up()->set_content("时间越界");
    v1::LogFollowUpResponse logged;
    expect_refused(as(rep_, [&](auto& c) { return followups().LogFollowUp(&c, log, &logged); }),
                   "INVALID_ARGUMENT", "happen_time");
    v1::PlanNextFollowUpRequest plan;
    plan.set_customer(customer.name());
    plan.mutable_plan()->mutable_plan_time()->set_seconds(bad.seconds);
    plan.mutable_plan()->mutable_plan_time()->set_nanos(bad.nanos);
    plan.mutable_plan()->set_action("x");
    v1::FollowUpPlan planned;
    expect_refused(
        as(rep_, [&](auto& c) { return followups().PlanNextFollowUp(&c, plan, &planned); }),
        "INVALID_ARGUMENT", "plan_time");
    // WatchReminders checks `since` like every timestamp (finding F2, fixed).
    const auto status = watch_since(bad.seconds, bad.nanos);
    EXPECT_EQ(code_name(status.error_code()), "INVALID_ARGUMENT") << status.error_message();
    EXPECT_FALSE(system_->followup_process().wait_for_exit(std::chrono::milliseconds(0)))
        << "followup-service died";
  }
  v1::ListCustomersRequest list;
  list.set_filter("create_time >= \"99999-01-01T00:00:00Z\"");
  v1::ListCustomersResponse listed;
  expect_refused(as(rep_, [&](auto& c) { return customers().ListCustomers(&c, list, &listed); }),
                 "INVALID_ARGUMENT", "filter time");
}

// Finding F2 (fixed): WatchReminders validates `since` like every other time.
// Before the fix, in the asan build the INT64 cases kill followup-service
// (UBSan: signed integer overflow in from_timestamp).
TEST_F(HostileInputTest, WatchRemindersRefusesASinceOutOfRange) {
  for (const auto& [seconds_value, nanos] : std::vector<std::pair<std::int64_t, int>>{
           {-62135596801LL, 0},
           {253402300800LL, 0},
           {INT64_MAX, 0},
           {INT64_MIN, 0},
           {4552950345430421867LL, 0},  // the fuzzer's find: 'signed integer overflow' in
                                        // from_timestamp (common/src/grpc_util.cc:24)
           {1709524800, -1}}) {
    const auto status = watch_since(seconds_value, nanos);
    EXPECT_EQ(code_name(status.error_code()), "INVALID_ARGUMENT")
        << seconds_value << "s " << nanos << "ns";
  }
}

TEST_F(HostileInputTest, UnknownEnumValuesAreRefused) {
  const auto customer = must_create(fresh_customer());
  accept();
  for (const int value : {6, 99, -1, INT_MAX}) {
    SCOPED_TRACE(value);
    v1::CreateCustomerRequest create;
    *create.mutable_customer() = fresh_customer();
    create.set_initial_stage(static_cast<v1::Stage>(value));
    v1::Customer out;
    expect_refused(this->create(create, &out), "INVALID_ARGUMENT", "initial_stage");
    v1::ChangeCustomerStageRequest change;
    change.set_name(customer.name());
    change.set_stage(static_cast<v1::Stage>(value));
    change.set_reason("x");
    v1::ChangeCustomerStageResponse changed;
    expect_refused(
        as(rep_, [&](auto& c) { return customers().ChangeCustomerStage(&c, change, &changed); }),
        "INVALID_ARGUMENT", "stage");
    v1::LogFollowUpRequest log;
    log.mutable_follow_up()->set_customer(customer.name());
    *log.mutable_follow_up()->mutable_happen_time() = ago(seconds(60));
    log.mutable_follow_up()->set_channel(static_cast<v1::Channel>(value));
    log.mutable_follow_up()->set_content("x");
    v1::LogFollowUpResponse logged;
    expect_refused(as(rep_, [&](auto& c) { return followups().LogFollowUp(&c, log, &logged); }),
                   "INVALID_ARGUMENT", "channel");
    log.mutable_follow_up()->set_channel(v1::PHONE);
    log.mutable_stage_change()->set_stage(static_cast<v1::Stage>(value));
    log.mutable_stage_change()->set_reason("x");
    expect_refused(as(rep_, [&](auto& c) { return followups().LogFollowUp(&c, log, &logged); }),
                   "INVALID_ARGUMENT", "stage_change.stage");
    v1::ListDictionaryEntriesRequest entries;
    entries.set_kind(static_cast<v1::DictionaryKind>(value));
    v1::ListDictionaryEntriesResponse listed;
    expect_refused(
        as(rep_,
           [&](auto& c) { return dictionaries().ListDictionaryEntries(&c, entries, &listed); }),
        "INVALID_ARGUMENT", "kind");
    v1::CreateDictionaryEntryRequest entry;
    entry.mutable_entry()->set_kind(static_cast<v1::DictionaryKind>(value));
    entry.mutable_entry()->set_code("enum_test");
    entry.mutable_entry()->set_label("x");
    v1::DictionaryEntry created;
    expect_refused(
        as(admin_,
           [&](auto& c) { return dictionaries().CreateDictionaryEntry(&c, entry, &created); }),
        "INVALID_ARGUMENT", "entry.kind");
  }
}

TEST_F(HostileInputTest, EmptyAndDuplicateTags) {
  for (const auto& tags : std::vector<std::vector<std::string>>{{}, {""}, {"erp_system", ""}}) {
    v1::CreateCustomerRequest request;
    *request.mutable_customer() = fresh_customer();
    request.mutable_customer()->clear_need_tags();
    for (const auto& t : tags) request.mutable_customer()->add_need_tags(t);
    v1::Customer out;
    expect_refused(create(request, &out), "INVALID_ARGUMENT",
                   fmt::format("need_tags [{}]", fmt::join(tags, ",")));
  }
  // Duplicates: refused, or stored once.
  v1::CreateCustomerRequest request;
  *request.mutable_customer() = fresh_customer();
  request.mutable_customer()->add_need_tags("erp_system");
  v1::Customer out;
  const auto status = create(request, &out);
  if (status.ok()) {
    EXPECT_THAT(out.need_tags(), ::testing::ElementsAre("erp_system"));
    EXPECT_EQ(sys::count(system_->db(),
                         "SELECT COUNT(*) FROM customer_need_tags WHERE "
                         "customer_id = " +
                             out.name().substr(10)),
              1);
  } else {
    expect_refused(status, "INVALID_ARGUMENT", "duplicate need tags");
  }
  accept();
  v1::CreateTalkTrackRequest track;
  track.mutable_talk_track()->set_question("标签测试");
  track.mutable_talk_track()->set_answer("a");
  track.mutable_talk_track()->add_tags("");
  v1::TalkTrack created;
  expect_refused(
      as(admin_, [&](auto& c) { return dictionaries().CreateTalkTrack(&c, track, &created); }),
      "INVALID_ARGUMENT", "empty talk track tag");
}

TEST_F(HostileInputTest, OversizedMessagesAndAttachmentsAreResourceExhausted) {
  // Over the 4 MiB message limit: refused by gRPC before any handler runs.
  v1::CreateCustomerRequest request;
  *request.mutable_customer() = fresh_customer();
  request.mutable_customer()->set_notes(std::string(5 << 20, 'n'));
  v1::Customer out;
  expect_refused(create(request, &out), "RESOURCE_EXHAUSTED", "5 MiB CreateCustomer");
  {
    v1::ImportCustomersRequest rows;
    for (int i = 0; i < 3; ++i) {
      auto& row = *rows.add_customers() = fresh_customer();
      row.set_notes(std::string(2 << 20, 'n'));
    }
    grpc::ClientContext context;
    sys::prepare(context, rep_);
    v1::ImportCustomersResponse imported;
    auto writer = customers().ImportCustomers(&context, &imported);
    writer->Write(rows);
    writer->WritesDone();
    expect_refused(writer->Finish(), "RESOURCE_EXHAUSTED", "6 MiB import message");
  }
  const auto customer = must_create(fresh_customer());
  v1::LogFollowUpRequest log;
  log.mutable_follow_up()->set_customer(customer.name());
  *log.mutable_follow_up()->mutable_happen_time() = ago(seconds(60));
  log.mutable_follow_up()->set_channel(v1::PHONE);
  log.mutable_follow_up()->set_content("附件测试");
  v1::LogFollowUpResponse logged;
  ASSERT_TRUE(as(rep_, [&](auto& c) { return followups().LogFollowUp(&c, log, &logged); }).ok());
  accept();
  const auto upload = [&](std::int64_t declared, const std::vector<std::string>& chunks,
                          const std::string& sha) {
    v1::UploadAttachmentRequest meta;
    meta.mutable_metadata()->set_follow_up(logged.follow_up().name());
    meta.mutable_metadata()->set_file_name("big.bin");
    meta.mutable_metadata()->set_content_type("application/octet-stream");
    meta.mutable_metadata()->set_size_bytes(declared);
    meta.mutable_metadata()->set_sha256(sha);
    grpc::ClientContext context;
    sys::prepare(context, rep_);
    v1::Attachment attachment;
    auto writer = followups().UploadAttachment(&context, &attachment);
    writer->Write(meta);
    for (const auto& chunk : chunks) {
      v1::UploadAttachmentRequest part;
      part.set_chunk(chunk);
      if (!writer->Write(part)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  };
  const std::string big(100'000, 'b');  // over --attachment-max-bytes=65536
  expect_refused(upload(static_cast<std::int64_t>(big.size()), {big}, crypto::sha256_hex(big)),
                 "RESOURCE_EXHAUSTED", "declared and sent over the limit");
  expect_refused(upload(10, {big}, crypto::sha256_hex(big)), "RESOURCE_EXHAUSTED",
                 "declared small, sent over the limit");
  expect_refused(upload(INT64_MAX, {"x"}, crypto::sha256_hex("x")), "RESOURCE_EXHAUSTED",
                 "declared huge");
  expect_refused(upload(-1, {"x"}, crypto::sha256_hex("x")), "INVALID_ARGUMENT",
                 "declared negative");
  expect_refused(upload(5, {"12345"}, crypto::sha256_hex("54321")), "INVALID_ARGUMENT",
                 "SHA-256 mismatch");
  expect_refused(upload(3, {std::string(5 << 20, 'c')}, crypto::sha256_hex("x")),
                 "RESOURCE_EXHAUSTED", "a 5 MiB chunk (over the message limit)");
}

}  // namespace
}  // namespace salesfollow
