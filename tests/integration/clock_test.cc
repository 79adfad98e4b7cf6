// The product clock end to end: three real processes on one test clock.
// Events on each side of Sunday 23:30 -> Monday 00:00 (Asia/Shanghai) land in
// different weeks of the weekly review, and the worker closes the previous
// week on its first tick after the clock crosses Monday 00:00. (The 24-hour
// rule, due-today versus overdue across midnight and reminders coming due are
// tested through the same clock in followup_*_test.cc.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <soci/mysql/soci-mysql.h>

#include <thread>

#include "child_process.h"
#include "grpc_probe.h"
#include "mariadb_server.h"
#include "salesfollow/common/auth.h"
#include "salesfollow/common/grpc_util.h"
#include "salesfollow/v1/customer.grpc.pb.h"
#include "salesfollow/v1/report.grpc.pb.h"
#include "test_clock.h"

namespace salesfollow {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TimePoint at(const char* text) { return *parse_rfc3339(text); }

std::string bearer(const std::string& user, Role role) {
  return "Bearer " + sign_token({user, user, role, "team1", at("2100-01-01T00:00:00Z")},
                                testing::kTestTokenSecret);
}

class ClockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string output;
    ASSERT_EQ(testing::run_service_to_exit(MIGRATE_BIN, db_, {}, output), 0) << output;
    customers_ = std::make_unique<testing::ServiceProcess>(
        CUSTOMER_SERVICE_BIN, db_, std::vector<std::string>{clock_.argument()});
    worker_ = std::make_unique<testing::ServiceProcess>(
        REPORT_WORKER_BIN, db_,
        std::vector<std::string>{clock_.argument(), "--run-interval=200ms"});
    customer_stub_ = v1::CustomerService::NewStub(testing::channel_to(customers_->grpc_address()));
    report_stub_ = v1::ReportService::NewStub(testing::channel_to(worker_->grpc_address()));
  }

  std::string create_customer(const std::string& name, const std::string& phone) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", bearer("rep_a", Role::rep));
    v1::CreateCustomerRequest request;
    auto* c = request.mutable_customer();
    c->set_display_name(name);
    c->set_industry("internet");
    c->set_source("trade_show");
    c->mutable_contact()->set_name("李四");
    c->mutable_contact()->set_phone(phone);
    c->set_first_contact_date("2024-03-04");
    c->add_need_tags("erp_system");
    v1::Customer created;
    const auto status = customer_stub_->CreateCustomer(&context, request, &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return created.name();
  }

  void change_stage(const std::string& name, v1::Stage stage) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", bearer("rep_a", Role::rep));
    v1::ChangeCustomerStageRequest request;
    request.set_name(name);
    request.set_stage(stage);
    request.set_reason("客户确认需求");
    v1::ChangeCustomerStageResponse response;
    const auto status = customer_stub_->ChangeCustomerStage(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(from_timestamp(response.event().event_time()), clock_.now());
  }

  v1::WeeklyReview review(const std::string& week) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", bearer("admin", Role::admin));
    v1::GetWeeklyReviewRequest request;
    request.set_week(week);
    v1::WeeklyReview answer;
    const auto status = report_stub_->GetWeeklyReview(&context, request, &answer);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return answer;
  }

  // Waits until the worker has recomputed `week` at or after `instant`.
  bool wait_computed(const std::string& week, TimePoint instant) {
    const auto deadline = std::chrono::steady_clock::now() + seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      const auto answer = review(week);
      if (answer.week().has_computed_time() &&
          from_timestamp(answer.week().computed_time()) >= instant) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  static long long transitions(const v1::WeekNumbers& week) {
    long long n = 0;
    for (const auto& t : week.transitions()) n += t.count();
    return n;
  }

  DbConfig db_ = testing::fresh_database("clock");
  // Sunday 2024-03-10 23:00 in Asia/Shanghai.
  testing::TestClock clock_{at("2024-03-10T15:00:00Z")};
  std::unique_ptr<testing::ServiceProcess> customers_;
  std::unique_ptr<testing::ServiceProcess> worker_;
  std::unique_ptr<v1::CustomerService::Stub> customer_stub_;
  std::unique_ptr<v1::ReportService::Stub> report_stub_;
};

TEST_F(ClockTest, SundayAndMondayEventsLandInDifferentWeeksAndTheWorkerClosesTheWeek) {
  const auto sunday_customer = create_customer("周日客户", "13900000001");
  const auto monday_customer = create_customer("周一客户", "13900000002");
  ASSERT_TRUE(wait_computed("2024-03-04", clock_.now())) << worker_->log();

  clock_.set(at("2024-03-10T15:30:00Z"));  // Sunday 23:30 local
  change_stage(sunday_customer, v1::STAGE_INTENTION);
  clock_.set(at("2024-03-10T16:00:00Z"));  // Monday 00:00 local: a new week
  change_stage(monday_customer, v1::STAGE_INTENTION);

  // The worker's next tick sees the new week: it closes 2024-03-04 and opens 2024-03-11.
  ASSERT_TRUE(wait_computed("2024-03-04", at("2024-03-10T16:00:00Z"))) << worker_->log();
  ASSERT_TRUE(wait_computed("2024-03-11", at("2024-03-10T16:00:00Z"))) << worker_->log();

  const auto closed = review("2024-03-04").week();
  EXPECT_EQ(closed.iso_week(), "2024-W10");
  EXPECT_EQ(transitions(closed), 1);  // the Sunday 23:30 change only
  EXPECT_EQ(closed.new_customers(), 2);
  EXPECT_EQ(closed.customers_existing(), 2);
  EXPECT_EQ(closed.stages(v1::STAGE_INTENTION - 1).count(), 1);
  EXPECT_EQ(closed.stages(v1::STAGE_POTENTIAL - 1).count(), 1);

  const auto next = review("2024-03-11");
  EXPECT_EQ(transitions(next.week()), 1);  // the Monday 00:00 change only
  EXPECT_EQ(next.week().stages(v1::STAGE_INTENTION - 1).count(), 2);
  EXPECT_EQ(next.previous_week().week_start(), "2024-03-04");
  EXPECT_DOUBLE_EQ(next.week().stages(v1::STAGE_INTENTION - 1).change_pp().value(), 50.0);
}

TEST_F(ClockTest, EveryRecordedTimeComesFromTheProductClock) {
  const auto name = create_customer("时间客户", "13900000003");
  grpc::ClientContext context;
  context.AddMetadata("authorization", bearer("rep_a", Role::rep));
  v1::GetCustomerRequest request;
  request.set_name(name);
  v1::Customer customer;
  ASSERT_TRUE(customer_stub_->GetCustomer(&context, request, &customer).ok());
  EXPECT_EQ(from_timestamp(customer.create_time()), clock_.now());
  EXPECT_EQ(from_timestamp(customer.stage_time()), clock_.now());
  // An expired token is judged by the product clock too.
  clock_.set(at("2100-01-02T00:00:00Z"));
  grpc::ClientContext late;
  late.AddMetadata("authorization", bearer("rep_a", Role::rep));
  EXPECT_EQ(customer_stub_->GetCustomer(&late, request, &customer).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST(SampleDataTest, BuildsWeeksOfHistoryThroughTheApiOnTheTestClock) {
  const auto db = testing::fresh_database("sample");
  std::string output;
  ASSERT_EQ(testing::run_service_to_exit(MIGRATE_BIN, db, {}, output), 0) << output;
  testing::TestClock clock(SystemClock().now());
  testing::ServiceProcess customers(CUSTOMER_SERVICE_BIN, db, {clock.argument()});
  testing::ServiceProcess followups(
      FOLLOWUP_SERVICE_BIN, db,
      {clock.argument(), "--customer-service-address=" + customers.grpc_address()});
  const auto log = std::filesystem::temp_directory_path() / ("seed-" + std::to_string(::getpid()));
  const int pid = testing::spawn({SEED_BIN, "--customer-service=" + customers.grpc_address(),
                                  "--followup-service=" + followups.grpc_address(),
                                  "--clock-file=" + clock.path().string(), "--history-weeks=3"},
                                 testing::test_secrets_environment(db), log);
  ASSERT_EQ(testing::wait_for_exit(pid, std::chrono::seconds(120)), 0) << testing::read_file(log);

  soci::session sql(soci::mysql,
                    testing::shared_mariadb().root_config(db.database).connection_string());
  int customer_count = 0, follow_ups = 0, late = 0, weeks = 0, stage_changes = 0;
  sql << "SELECT COUNT(*) FROM customers", soci::into(customer_count);
  sql << "SELECT COUNT(*), SUM(late) FROM follow_ups", soci::into(follow_ups), soci::into(late);
  sql << "SELECT COUNT(*) FROM stage_events WHERE from_stage IS NOT NULL",
      soci::into(stage_changes);
  // Creation times spread over the simulated weeks: the clock really moved.
  sql << "SELECT COUNT(DISTINCT YEARWEEK(created_at, 3)) FROM customers", soci::into(weeks);
  EXPECT_GT(customer_count, 20);
  EXPECT_GT(follow_ups, customer_count);
  EXPECT_GT(late, 0);
  EXPECT_GT(stage_changes, 10);
  EXPECT_GE(weeks, 3);
  // The template customer of the brief is there, contact masked on reads.
  int template_rows = 0;
  sql << "SELECT COUNT(*) FROM customers WHERE display_name = '科技有限公司' AND phone_masked = "
         "'139****6789'",
      soci::into(template_rows);
  EXPECT_EQ(template_rows, 1);
  std::filesystem::remove(log);
}

}  // namespace
}  // namespace salesfollow
