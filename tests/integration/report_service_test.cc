// ReportService, served by report-worker, over the rows of a real pass on
// tests/golden/reports/review.sql. The expected numbers are worked out by
// hand from ../shared/product/REPORTS.md (see the comments); the access
// matrix follows report.proto: a rep sees their own numbers, a manager their
// team's, admin everything; managers and admins see and run passes.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include "child_process.h"
#include "grpc_probe.h"
#include "report_fixture.h"
#include "salesfollow/common/auth.h"
#include "salesfollow/common/clock.h"
#include "salesfollow/v1/report.grpc.pb.h"

namespace salesfollow {
namespace {

namespace reports = testing::reports;

constexpr const char* kNow = "2024-03-20T04:00:00Z";

std::string token(const std::string& user, Role role, const std::string& team,
                  const std::string& expires = "2024-03-21T04:00:00Z",
                  const std::string& secret = testing::kTestTokenSecret) {
  return sign_token(TokenClaims{.user_id = user,
                                .display_name = user,
                                .role = role,
                                .team_id = team,
                                .expires_at = *parse_rfc3339(expires)},
                    secret);
}

std::string admin() { return token("admin1", Role::admin, "hq"); }
std::string mgr1() { return token("mgr1", Role::manager, "team1"); }
std::string mgr2() { return token("mgr2", Role::manager, "team2"); }
std::string rep_a() { return token("rep_a", Role::rep, "team1"); }
std::string rep_b() { return token("rep_b", Role::rep, "team1"); }

// "count=.. mean=.. median=..", means and medians to 4 decimals.
std::string text(const v1::Distribution& d) {
  return fmt::format("count={} mean={:.4f} median={:.4f}", d.count(), d.mean(), d.median());
}

// "stage|count|share|change_pp" with share to 6 and change to 4 decimals.
std::vector<std::string> stages(const v1::WeekNumbers& week) {
  std::vector<std::string> out;
  for (const auto& s : week.stages()) {
    out.push_back(fmt::format("{}|{}|{}|{}", static_cast<int>(s.stage()), s.count(),
                              s.has_share() ? fmt::format("{:.6f}", s.share().value()) : "NULL",
                              s.has_change_pp() ? fmt::format("{:.4f}", s.change_pp().value()) : "NULL"));
  }
  return out;
}

std::vector<std::string> counts(const google::protobuf::RepeatedPtrField<v1::Count>& list) {
  std::vector<std::string> out;
  for (const auto& c : list) out.push_back(fmt::format("{}={}", c.key(), c.count()));
  return out;
}

std::vector<std::string> transitions(const v1::WeekNumbers& week) {
  std::vector<std::string> out;
  for (const auto& t : week.transitions()) {
    out.push_back(fmt::format("{}->{}={}", static_cast<int>(t.from_stage()),
                              static_cast<int>(t.to_stage()), t.count()));
  }
  return out;
}

std::vector<std::string> time_in_stage(const v1::WeekNumbers& week) {
  std::vector<std::string> out;
  for (const auto& t : week.time_in_stage()) {
    out.push_back(fmt::format("{}: {}", static_cast<int>(t.stage()), text(t.seconds())));
  }
  return out;
}

std::vector<std::string> distribution(const v1::MonthlyDistribution& month) {
  std::vector<std::string> out;
  for (const auto& c : month.counts()) {
    out.push_back(fmt::format("{}|{}|{}", c.owner_id(), static_cast<int>(c.stage()), c.count()));
  }
  return out;
}

using Lines = std::vector<std::string>;

class ReportServiceTest : public ::testing::Test {
 protected:
  struct Env {
    DbConfig db;
    reports::TestClock clock;
    std::unique_ptr<soci::session> sql;
    std::unique_ptr<testing::ServiceProcess> process;
    std::unique_ptr<v1::ReportService::Stub> stub;
    bool ready = false;
  };

  static void SetUpTestSuite() {
    env_ = new Env();
    env_->db = reports::migrated_database("rep_service");
    env_->sql = reports::root_session(env_->db);
    reports::load_sql(*env_->sql, reports::golden_file("review.sql"));
    env_->clock.set(kNow);
    const auto run = reports::run_worker(env_->db, env_->clock, {"--once"});
    ASSERT_EQ(run.status, 0) << run.output;
    // A long interval: the worker runs its start-up pass and then waits.
    env_->process = std::make_unique<testing::ServiceProcess>(
        REPORT_WORKER_BIN, env_->db,
        std::vector<std::string>{env_->clock.flag(), "--run-interval=1h"});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (reports::query_number(
               *env_->sql, "SELECT COUNT(*) FROM report_runs WHERE finished_at IS NOT NULL") < 2) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << env_->process->log();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    env_->stub = v1::ReportService::NewStub(testing::channel_to(env_->process->grpc_address()));
    env_->ready = true;
  }

  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }

  void SetUp() override { ASSERT_TRUE(env_ != nullptr && env_->ready) << "suite set-up failed"; }

  static void prepare(grpc::ClientContext& context, const std::string& bearer) {
    if (!bearer.empty()) context.AddMetadata("authorization", "Bearer " + bearer);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  }

  static grpc::Status review(const std::string& bearer, const std::string& week,
                             const std::string& owner, v1::WeeklyReview& out) {
    grpc::ClientContext context;
    prepare(context, bearer);
    v1::GetWeeklyReviewRequest request;
    request.set_week(week);
    request.set_owner_id(owner);
    return env_->stub->GetWeeklyReview(&context, request, &out);
  }

  static v1::WeeklyReview review_ok(const std::string& bearer, const std::string& week,
                                    const std::string& owner) {
    v1::WeeklyReview out;
    const auto status = review(bearer, week, owner, out);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    return out;
  }

  static grpc::Status month(const std::string& bearer, const std::string& month_text,
                            v1::MonthlyDistribution& out) {
    grpc::ClientContext context;
    prepare(context, bearer);
    v1::GetMonthlyDistributionRequest request;
    request.set_month(month_text);
    return env_->stub->GetMonthlyDistribution(&context, request, &out);
  }

  static grpc::Status list_runs(const std::string& bearer, int page_size,
                                const std::string& page_token, v1::ListReportRunsResponse& out) {
    grpc::ClientContext context;
    prepare(context, bearer);
    v1::ListReportRunsRequest request;
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    return env_->stub->ListReportRuns(&context, request, &out);
  }

  static grpc::Status run_reports(const std::string& bearer, const std::string& from,
                                  const std::string& to, v1::ReportRun& out) {
    grpc::ClientContext context;
    prepare(context, bearer);
    v1::RunReportsRequest request;
    request.set_backfill_from(from);
    request.set_backfill_to(to);
    return env_->stub->RunReports(&context, request, &out);
  }

  static Env* env_;
};

ReportServiceTest::Env* ReportServiceTest::env_ = nullptr;

// Everyone (admin), W 2024-03-11. End of the week: E1..E4 won, E5 and E6
// lost, E7 potential -> 7 existing: 1/7, 0, 0, 4/7, 2/7. End of the previous
// week (03-10 16:00Z): E1..E5 exist (E6, E7 later): E5 potential, E1..E4 high
// intention -> 1/5, 0, 4/5, 0, 0. Changes in points: (1/7 - 1/5) * 100 =
// -5.7143, 0, -80, +57.1429, +28.5714.
// Wins (first into won in the week): cycle days E1 03-12 - 03-01 = 11,
// E2 03-13 - 02-12 = 30 (2024 is a leap year), E3 03-14 - 03-08 = 6,
// E4 03-15 - 01-15 = 60 -> mean 107/4 = 26.75, median of 6, 11, 30, 60 =
// (11 + 30) / 2 = 20.5. Follow-ups at or before the win: 2, 5, 1, 0 -> mean
// 2, median (1 + 2) / 2 = 1.5.
// Stage changes in the week: 3->4 x4, 1->5 x2. Time in high intention:
// E1 03-02..03-12 = 864000 s, E2 03-05..03-13 = 691200, E3 03-09..03-14 =
// 432000, E4 03-06..03-15 = 777600 -> mean 691200, median (691200 + 777600) /
// 2 = 734400. Time in potential: E5 03-04 03:00..03-11 03:00 = 604800, E6
// 03-11 04:00..03-16 04:00 = 432000 -> mean = median = 518400.
TEST_F(ReportServiceTest, AdminSeesEveryoneWithSharesChangesMediansAndTheWeekBefore) {
  const auto r = review_ok(admin(), "2024-W11", "");
  EXPECT_EQ(r.owner_id(), "");
  const auto& w = r.week();
  EXPECT_EQ(w.week_start(), "2024-03-11");
  EXPECT_EQ(w.iso_week(), "2024-W11");
  // New: first contact in 03-11..03-17: E6 (rep_c, cold_call, finance), E7
  // (rep_a, website, retail).
  EXPECT_EQ(w.new_customers(), 2);
  EXPECT_EQ(counts(w.new_by_source()), (Lines{"cold_call=1", "website=1"}));
  EXPECT_EQ(counts(w.new_by_industry()), (Lines{"finance=1", "retail=1"}));
  EXPECT_EQ(counts(w.new_by_owner()), (Lines{"rep_a=1", "rep_c=1"}));
  EXPECT_EQ(w.customers_existing(), 7);
  EXPECT_EQ(stages(w),
            (Lines{"1|1|0.142857|-5.7143", "2|0|0.000000|0.0000", "3|0|0.000000|-80.0000",
                   "4|4|0.571429|57.1429", "5|2|0.285714|28.5714"}));
  EXPECT_EQ(counts(w.losses_by_reason()), (Lines{"budget_cut=1", "price_too_high=1"}));
  EXPECT_EQ(text(w.won_cycle_days()), "count=4 mean=26.7500 median=20.5000");
  EXPECT_EQ(text(w.won_follow_ups()), "count=4 mean=2.0000 median=1.5000");
  EXPECT_EQ(transitions(w), (Lines{"1->5=2", "3->4=4"}));
  EXPECT_EQ(time_in_stage(w), (Lines{"1: count=2 mean=518400.0000 median=518400.0000",
                                     "3: count=4 mean=691200.0000 median=734400.0000"}));
  EXPECT_TRUE(w.has_computed_time());

  // The week before: new E3 (website, education) and E5 (website, finance);
  // shares 1/5, 0, 4/5, 0, 0 vs the end of W 02-26 when only E1 existed, in
  // high intention: +20, 0, -20, 0, 0. Three 1->3 changes, one day each.
  const auto& p = r.previous_week();
  EXPECT_EQ(p.week_start(), "2024-03-04");
  EXPECT_EQ(p.iso_week(), "2024-W10");
  EXPECT_EQ(p.new_customers(), 2);
  EXPECT_EQ(counts(p.new_by_source()), (Lines{"website=2"}));
  EXPECT_EQ(p.customers_existing(), 5);
  EXPECT_EQ(stages(p),
            (Lines{"1|1|0.200000|20.0000", "2|0|0.000000|0.0000", "3|4|0.800000|-20.0000",
                   "4|0|0.000000|0.0000", "5|0|0.000000|0.0000"}));
  EXPECT_EQ(text(p.won_cycle_days()), "count=0 mean=0.0000 median=0.0000");
  EXPECT_TRUE(p.losses_by_reason().empty());
  EXPECT_EQ(transitions(p), (Lines{"1->3=3"}));
  EXPECT_EQ(time_in_stage(p), (Lines{"1: count=3 mean=86400.0000 median=86400.0000"}));
}

TEST_F(ReportServiceTest, AWeekIsNamedByAnyOfItsDaysOrItsIsoNameAndDefaultsToTheCurrentWeek) {
  const auto by_iso = review_ok(admin(), "2024-W11", "");
  const auto by_monday = review_ok(admin(), "2024-03-11", "");
  const auto by_sunday = review_ok(admin(), "2024-03-17", "");
  EXPECT_EQ(by_monday.DebugString(), by_iso.DebugString());
  EXPECT_EQ(by_sunday.DebugString(), by_iso.DebugString());
  // The clock says Wed 2024-03-20 12:00 team time.
  const auto current = review_ok(admin(), "", "");
  EXPECT_EQ(current.week().week_start(), "2024-03-18");
  EXPECT_EQ(current.week().iso_week(), "2024-W12");
  EXPECT_EQ(current.previous_week().week_start(), "2024-03-11");

  for (const std::string bad : {"2024-13-01", "2024-W54", "2023-W53", "last week", "2024-W1",
                                "04-03-2024" /* DD-MM-YYYY, not year 0004 */}) {
    v1::WeeklyReview out;
    EXPECT_EQ(review(admin(), bad, "", out).error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << bad;
  }
}

// rep_a's own numbers: E1 (won), E2 (won), E7 (potential) -> 1/3, 0, 0, 2/3,
// 0; the week before rep_a had E1 and E2 in high intention (2 of 2): changes
// +33.3333, 0, -100, +66.6667, 0. Wins 11 and 30 days (mean = median =
// 20.5), follow-ups 2 and 5 (3.5). Time in high intention 864000 and 691200
// (777600).
TEST_F(ReportServiceTest, ARepSeesOnlyTheirOwnNumbers) {
  for (const std::string owner : {"", "rep_a"}) {
    const auto r = review_ok(rep_a(), "2024-W11", owner);
    EXPECT_EQ(r.owner_id(), "rep_a");
    const auto& w = r.week();
    EXPECT_EQ(w.new_customers(), 1);
    EXPECT_EQ(counts(w.new_by_owner()), (Lines{"rep_a=1"}));
    EXPECT_EQ(w.customers_existing(), 3);
    EXPECT_EQ(stages(w),
              (Lines{"1|1|0.333333|33.3333", "2|0|0.000000|0.0000", "3|0|0.000000|-100.0000",
                     "4|2|0.666667|66.6667", "5|0|0.000000|0.0000"}));
    EXPECT_TRUE(w.losses_by_reason().empty());
    EXPECT_EQ(text(w.won_cycle_days()), "count=2 mean=20.5000 median=20.5000");
    EXPECT_EQ(text(w.won_follow_ups()), "count=2 mean=3.5000 median=3.5000");
    EXPECT_EQ(transitions(w), (Lines{"3->4=2"}));
    EXPECT_EQ(time_in_stage(w), (Lines{"3: count=2 mean=777600.0000 median=777600.0000"}));
  }
  v1::WeeklyReview out;
  EXPECT_EQ(review(rep_a(), "2024-W11", "rep_b", out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(review(rep_b(), "2024-W11", "rep_a", out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(review(rep_a(), "2024-W11", "rep_c", out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// mgr1's team (rep_a + rep_b): E1, E2, E3 won, E5 lost, E7 potential -> 1/5,
// 0, 0, 3/5, 1/5; the week before: E5 potential, E1, E2, E3 high intention ->
// 1/4, 0, 3/4, 0, 0: changes -5, 0, -75, +60, +20. Wins 11, 30, 6: mean
// 47/3 = 15.6667, median 11; follow-ups 2, 5, 1: mean 2.6667, median 2.
// Time in high intention 864000, 691200, 432000: mean 662400, median 691200.
TEST_F(ReportServiceTest, AManagerSeesTheTeamAndOnlyItsOwners) {
  const auto r = review_ok(mgr1(), "2024-W11", "");
  const auto& w = r.week();
  EXPECT_EQ(w.new_customers(), 1);
  EXPECT_EQ(w.customers_existing(), 5);
  EXPECT_EQ(stages(w),
            (Lines{"1|1|0.200000|-5.0000", "2|0|0.000000|0.0000", "3|0|0.000000|-75.0000",
                   "4|3|0.600000|60.0000", "5|1|0.200000|20.0000"}));
  EXPECT_EQ(counts(w.losses_by_reason()), (Lines{"budget_cut=1"}));
  EXPECT_EQ(text(w.won_cycle_days()), "count=3 mean=15.6667 median=11.0000");
  EXPECT_EQ(text(w.won_follow_ups()), "count=3 mean=2.6667 median=2.0000");
  EXPECT_EQ(transitions(w), (Lines{"1->5=1", "3->4=3"}));
  EXPECT_EQ(time_in_stage(w), (Lines{"1: count=1 mean=604800.0000 median=604800.0000",
                                     "3: count=3 mean=662400.0000 median=691200.0000"}));

  // One owner of the team: rep_b has E3 (won) and E5 (lost); the week before
  // E3 high intention and E5 potential.
  const auto b = review_ok(mgr1(), "2024-W11", "rep_b");
  EXPECT_EQ(b.owner_id(), "rep_b");
  EXPECT_EQ(b.week().customers_existing(), 2);
  EXPECT_EQ(stages(b.week()),
            (Lines{"1|0|0.000000|-50.0000", "2|0|0.000000|0.0000", "3|0|0.000000|-50.0000",
                   "4|1|0.500000|50.0000", "5|1|0.500000|50.0000"}));
  EXPECT_EQ(text(b.week().won_cycle_days()), "count=1 mean=6.0000 median=6.0000");

  // Team 2 (rep_c): E4 won (60 days, no follow-up before), E6 lost; the week
  // before only E4 existed, in high intention.
  const auto t2 = review_ok(mgr2(), "2024-W11", "");
  EXPECT_EQ(t2.week().new_customers(), 1);
  EXPECT_EQ(counts(t2.week().new_by_source()), (Lines{"cold_call=1"}));
  EXPECT_EQ(stages(t2.week()),
            (Lines{"1|0|0.000000|0.0000", "2|0|0.000000|0.0000", "3|0|0.000000|-100.0000",
                   "4|1|0.500000|50.0000", "5|1|0.500000|50.0000"}));
  EXPECT_EQ(text(t2.week().won_cycle_days()), "count=1 mean=60.0000 median=60.0000");
  EXPECT_EQ(text(t2.week().won_follow_ups()), "count=1 mean=0.0000 median=0.0000");
  EXPECT_EQ(counts(t2.week().losses_by_reason()), (Lines{"price_too_high=1"}));

  v1::WeeklyReview out;
  EXPECT_EQ(review(mgr1(), "2024-W11", "rep_c", out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(review(mgr2(), "2024-W11", "rep_a", out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(review(mgr1(), "2024-W11", "nobody", out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ReportServiceTest, AdminSeesAnyOwner) {
  const auto c = review_ok(admin(), "2024-W11", "rep_c");
  EXPECT_EQ(c.owner_id(), "rep_c");
  EXPECT_EQ(c.week().new_customers(), 1);
  EXPECT_EQ(c.week().customers_existing(), 2);
  EXPECT_EQ(text(c.week().won_cycle_days()), "count=1 mean=60.0000 median=60.0000");
  EXPECT_EQ(counts(c.week().losses_by_reason()), (Lines{"price_too_high=1"}));
}

// End of March (2024-03-31 16:00Z), owner at the end of the month: rep_a E7
// (potential), E1, E2 (won); rep_b E3 (won), E5 (lost); rep_c E4 (won), E6
// (lost). Nothing existed at the end of February.
TEST_F(ReportServiceTest, MonthlyDistributionFollowsTheCallersScope) {
  v1::MonthlyDistribution out;
  ASSERT_TRUE(month(admin(), "2024-03", out).ok());
  EXPECT_EQ(out.month(), "2024-03");
  EXPECT_EQ(distribution(out),
            (Lines{"rep_a|1|1", "rep_a|4|2", "rep_b|4|1", "rep_b|5|1", "rep_c|4|1", "rep_c|5|1"}));
  out.Clear();
  ASSERT_TRUE(month(rep_a(), "2024-03", out).ok());
  EXPECT_EQ(distribution(out), (Lines{"rep_a|1|1", "rep_a|4|2"}));
  out.Clear();
  ASSERT_TRUE(month(mgr1(), "2024-03", out).ok());
  EXPECT_EQ(distribution(out), (Lines{"rep_a|1|1", "rep_a|4|2", "rep_b|4|1", "rep_b|5|1"}));
  out.Clear();
  ASSERT_TRUE(month(mgr2(), "", out).ok());  // default: the month of the clock
  EXPECT_EQ(out.month(), "2024-03");
  EXPECT_EQ(distribution(out), (Lines{"rep_c|4|1", "rep_c|5|1"}));
  out.Clear();
  ASSERT_TRUE(month(admin(), "2024-02", out).ok());
  EXPECT_TRUE(out.counts().empty());
  out.Clear();
  EXPECT_EQ(month(admin(), "2024-3", out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(month(admin(), "2024-13", out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ReportServiceTest, EveryCallNeedsAValidToken) {
  const std::string expired = token("admin1", Role::admin, "hq", "2024-03-20T03:00:00Z");
  const std::string forged = token("admin1", Role::admin, "hq", "2024-03-21T04:00:00Z",
                                   "another-secret-of-at-least-32-bytes!!");
  for (const std::string& bearer : {std::string(), expired, forged, std::string("not-a-jwt")}) {
    v1::WeeklyReview r;
    EXPECT_EQ(review(bearer, "2024-W11", "", r).error_code(), grpc::StatusCode::UNAUTHENTICATED);
    v1::MonthlyDistribution m;
    EXPECT_EQ(month(bearer, "2024-03", m).error_code(), grpc::StatusCode::UNAUTHENTICATED);
    v1::ListReportRunsResponse l;
    EXPECT_EQ(list_runs(bearer, 10, "", l).error_code(), grpc::StatusCode::UNAUTHENTICATED);
    v1::ReportRun run;
    EXPECT_EQ(run_reports(bearer, "", "", run).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
}

TEST_F(ReportServiceTest, ManagersAndAdminsListRunsPageByPage) {
  v1::ListReportRunsResponse out;
  EXPECT_EQ(list_runs(rep_a(), 10, "", out).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  ASSERT_TRUE(list_runs(mgr1(), 50, "", out).ok());
  ASSERT_GE(out.runs_size(), 2);
  std::vector<std::string> triggers;
  for (const auto& run : out.runs()) {
    EXPECT_EQ(run.error(), "") << run.name();
    EXPECT_TRUE(run.has_end_time()) << run.name();
    triggers.push_back(run.trigger());
  }
  // The --once run before the service started, then the service's start-up pass.
  EXPECT_EQ(triggers.back(), "manual");
  EXPECT_EQ(triggers[triggers.size() - 2], "scheduled");

  v1::ListReportRunsResponse first;
  ASSERT_TRUE(list_runs(admin(), 1, "", first).ok());
  ASSERT_EQ(first.runs_size(), 1);
  ASSERT_FALSE(first.next_page_token().empty());
  v1::ListReportRunsResponse second;
  ASSERT_TRUE(list_runs(admin(), 1, first.next_page_token(), second).ok());
  ASSERT_EQ(second.runs_size(), 1);
  EXPECT_EQ(first.runs(0).name(), out.runs(0).name());
  EXPECT_EQ(second.runs(0).name(), out.runs(1).name());
}

TEST_F(ReportServiceTest, ManagersAndAdminsRunAPassOrABackfillThatChangesNothing) {
  const auto before = review_ok(admin(), "2024-W11", "");
  v1::ReportRun run;
  EXPECT_EQ(run_reports(rep_a(), "", "", run).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  ASSERT_TRUE(run_reports(mgr1(), "", "", run).ok());
  EXPECT_EQ(run.trigger(), "manual");
  EXPECT_EQ(run.error(), "");
  EXPECT_EQ(run.periods_recomputed(), 0) << "nothing changed since the last pass";

  // 2024-03-01 .. 2024-03-20 touches W 02-26, 03-04, 03-11, 03-18 and March.
  ASSERT_TRUE(run_reports(admin(), "2024-03-01", "2024-03-20", run).ok());
  EXPECT_EQ(run.trigger(), "backfill");
  EXPECT_EQ(run.error(), "");
  EXPECT_EQ(run.periods_recomputed(), 5);
  EXPECT_GT(run.rows_written(), 0);
  EXPECT_EQ(review_ok(admin(), "2024-W11", "").DebugString(), before.DebugString());

  EXPECT_EQ(run_reports(admin(), "2024-03-20", "2024-03-01", run).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(run_reports(admin(), "2024-3-1", "2024-03-20", run).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(run_reports(admin(), "2024-03-01", "", run).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace salesfollow
