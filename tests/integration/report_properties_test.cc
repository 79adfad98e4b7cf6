// Properties REPORTS.md asks of the worker: re-running a period gives the
// same rows; two workers started at once never double-count; a crash in the
// middle of a run leaves old or new rows of a period, never a mix, and the
// next run completes the work; a scheduled run costs what changed.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>

#include "child_process.h"
#include "report_fixture.h"

namespace salesfollow {
namespace {

namespace reports = testing::reports;
using std::chrono::milliseconds;
using std::chrono::seconds;

long long last_run_periods(soci::session& sql) {
  return reports::query_number(
      sql, "SELECT periods_recomputed FROM report_runs ORDER BY id DESC LIMIT 1");
}

TEST(ReportPropertiesTest, RerunningAPassOrABackfillGivesIdenticalRows) {
  const auto db = reports::migrated_database("rep_rerun");
  auto sql = reports::root_session(db);
  reports::load_sql(*sql, reports::golden_file("month_transfer.sql"));
  reports::TestClock clock;
  clock.set("2024-04-10T04:00:00Z");
  auto run = reports::run_worker(db, clock, {"--once"});
  ASSERT_EQ(run.status, 0) << run.output;
  const std::string first = reports::dump_reports(*sql);
  ASSERT_NE(first.find("2024-04-08|(all)"), std::string::npos) << first;

  run = reports::run_worker(db, clock, {"--once"});  // same instant
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(reports::dump_reports(*sql), first);

  clock.set("2024-04-10T05:00:00Z");  // later, nothing changed
  run = reports::run_worker(db, clock, {"--once"});
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(reports::dump_reports(*sql), first);

  // A backfill of the whole range (every week and month touching 03-01 ..
  // 04-10: W 02-26 .. W 04-08, March and April), twice, and one of a single day.
  for (int i = 0; i < 2; ++i) {
    run =
        reports::run_worker(db, clock, {"--backfill-from=2024-03-01", "--backfill-to=2024-04-10"});
    ASSERT_EQ(run.status, 0) << run.output;
    EXPECT_EQ(reports::dump_reports(*sql), first) << "backfill " << i;
  }
  run = reports::run_worker(db, clock, {"--backfill-from=2024-03-20", "--backfill-to=2024-03-20"});
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(reports::dump_reports(*sql), first);
  // That last backfill covered one week (W 03-18) and one month (March).
  EXPECT_EQ(last_run_periods(*sql), 2);
  EXPECT_EQ(reports::query_number(*sql,
                                  "SELECT COUNT(*) FROM report_runs WHERE error <> '' OR "
                                  "finished_at IS NULL"),
            0);
}

// "Two workers started at once never double-count (one run at a time across
// replicas)": two `--once` processes started together write the same rows
// as a single run on the same data.
TEST(ReportPropertiesTest, TwoWorkersStartedTogetherWriteTheRowsOfOne) {
  reports::TestClock clock;
  clock.set("2024-04-10T04:00:00Z");

  const auto single_db = reports::migrated_database("rep_single");
  auto single = reports::root_session(single_db);
  reports::load_sql(*single, reports::golden_file("month_transfer.sql"));
  const auto run = reports::run_worker(single_db, clock, {"--once"});
  ASSERT_EQ(run.status, 0) << run.output;

  const auto pair_db = reports::migrated_database("rep_pair");
  auto pair = reports::root_session(pair_db);
  reports::load_sql(*pair, reports::golden_file("month_transfer.sql"));
  const auto log_a =
      std::filesystem::temp_directory_path() / ("rep-pair-a-" + std::to_string(::getpid()));
  const auto log_b =
      std::filesystem::temp_directory_path() / ("rep-pair-b-" + std::to_string(::getpid()));
  const int a = reports::start_worker(pair_db, clock, {"--once"}, log_a);
  const int b = reports::start_worker(pair_db, clock, {"--once"}, log_b);
  const auto status_a = testing::wait_for_exit(a, seconds(120));
  const auto status_b = testing::wait_for_exit(b, seconds(120));
  EXPECT_EQ(status_a, 0) << testing::read_file(log_a);
  EXPECT_EQ(status_b, 0) << testing::read_file(log_b);
  std::filesystem::remove(log_a);
  std::filesystem::remove(log_b);

  EXPECT_EQ(reports::dump_reports(*pair), reports::dump_reports(*single));
  EXPECT_EQ(reports::query_number(*pair,
                                  "SELECT COUNT(*) FROM report_runs WHERE error = '' AND "
                                  "finished_at IS NOT NULL"),
            2);
}

// "The cost of a scheduled run grows with what changed since the last run,
// not with the whole history."
TEST(ReportPropertiesTest, ScheduledPassRecomputesOnlyWhatChanged) {
  const auto db = reports::migrated_database("rep_cost");
  auto sql = reports::root_session(db);
  reports::load_sql(*sql, reports::golden_file("month_transfer.sql"));
  reports::TestClock clock;
  clock.set("2024-04-10T04:00:00Z");
  auto run = reports::run_worker(db, clock, {"--once"});
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(last_run_periods(*sql), 9);  // 7 weeks + 2 months: the first pass does everything

  clock.set("2024-04-10T05:00:00Z");
  run = reports::run_worker(db, clock, {"--once"});
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(last_run_periods(*sql), 0) << "nothing changed";

  // D3 moves 1 -> 2 in the current week (Wed 04-10 13:30 team time).
  *sql << "INSERT INTO stage_events (id, customer_id, from_stage, to_stage, reason, loss_reason, "
          "loss_note, actor_id, owner_id, team_id, created_at) VALUES (11, 3, 1, 2, 'need', NULL, "
          "'', 'rep_a', 'rep_a', 'team1', '2024-04-10 05:30:00')";
  *sql << "UPDATE customers SET stage = 2, stage_changed_at = '2024-04-10 05:30:00', updated_at = "
          "'2024-04-10 05:30:00', version = 2 WHERE id = 3";
  clock.set("2024-04-10T06:00:00Z");
  run = reports::run_worker(db, clock, {"--once"});
  ASSERT_EQ(run.status, 0) << run.output;
  const long long periods = last_run_periods(*sql);
  EXPECT_GE(periods, 2) << "at least the current week and month";
  EXPECT_LE(periods, 4) << "a change in the current week must not recompute the history";
  // End of W 04-08: D3 now in intention. Totals 0, 2/3, 0, 1/3, 0 vs the
  // previous week's 1/3, 1/3, 0, 1/3, 0.
  EXPECT_EQ(reports::query_texts(
                *sql,
                "SELECT CONCAT_WS('|', stage, customers, existing, CAST(share AS DECIMAL(10,6)), "
                "CAST(change_pp AS DECIMAL(10,4))) FROM report_weekly_stages WHERE week_start = "
                "'2024-04-08' AND owner_id = '' ORDER BY stage"),
            (std::vector<std::string>{"1|0|3|0.000000|-33.3333", "2|2|3|0.666667|33.3333",
                                      "3|0|3|0.000000|0.0000", "4|1|3|0.333333|0.0000",
                                      "5|0|3|0.000000|0.0000"}));
  EXPECT_EQ(reports::query_texts(*sql,
                                 "SELECT CONCAT_WS('|', owner_id, stage, customers) FROM "
                                 "report_monthly_distribution WHERE month_start = '2024-04-01' "
                                 "ORDER BY owner_id, stage"),
            (std::vector<std::string>{"rep_a|2|1", "rep_b|4|1", "rep_c|2|1"}));
}

// "A crash in the middle of a run leaves either the old rows or the new rows
// of a period, never a mix." A backfill over two years of 20,000 customers
// is killed with SIGKILL after ~300 ms; every week then holds either nothing
// (never written) or exactly the rows of a clean run, together with its
// report_periods row; a second backfill gives the rows of a clean run on a
// copy of the same data.
TEST(ReportPropertiesTest, BackfillKilledHalfWayLeavesWholePeriodsAndTheNextRunCompletes) {
  reports::TestClock clock;
  clock.set("2024-01-10T04:00:00Z");
  const std::vector<std::string> backfill = {"--backfill-from=2022-01-03",
                                             "--backfill-to=2024-01-07"};

  const auto clean_db = reports::migrated_database("rep_clean");
  auto clean = reports::root_session(clean_db);
  reports::load_sql(*clean, reports::golden_file("generated_2y.sql"));
  const auto started = std::chrono::steady_clock::now();
  auto run = reports::run_worker(clean_db, clock, backfill, seconds(900));
  const auto took =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
  ASSERT_EQ(run.status, 0) << run.output;
  ASSERT_GT(took, milliseconds(1000)) << "the dataset is too small to kill a backfill half way";
  const std::string clean_rows = reports::dump_reports(*clean);
  const long long weeks =
      reports::query_number(*clean, "SELECT COUNT(*) FROM report_periods WHERE kind = 'week'");
  ASSERT_EQ(weeks, 105);  // 2022-01-03 .. 2024-01-01

  const auto crash_db = reports::migrated_database("rep_crash");
  auto crash = reports::root_session(crash_db);
  reports::load_sql(*crash, reports::golden_file("generated_2y.sql"));
  const auto log =
      std::filesystem::temp_directory_path() / ("rep-crash-" + std::to_string(::getpid()));
  const int pid = reports::start_worker(crash_db, clock, backfill, log);
  // ~300 ms, and at least one period written, so that the kill lands half way.
  const auto deadline = std::chrono::steady_clock::now() + seconds(60);
  std::this_thread::sleep_for(milliseconds(300));
  while (reports::query_number(*crash, "SELECT COUNT(*) FROM report_periods") == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  const auto status = testing::wait_for_exit(pid, seconds(10));
  const std::string output = testing::read_file(log);
  std::filesystem::remove(log);
  ASSERT_EQ(status, 128 + SIGKILL) << "the backfill ended before it was killed:\n" << output;

  const auto written =
      reports::query_texts(*crash,
                           "SELECT DATE_FORMAT(period_start, '%Y-%m-%d') FROM report_periods WHERE "
                           "kind = 'week' ORDER BY period_start");
  std::cout << "[ INFO     ] clean backfill took " << took.count()
            << " ms; the killed one had written " << written.size() << " of " << weeks
            << " weeks\n";
  ASSERT_GT(written.size(), 0U);
  ASSERT_LT(static_cast<long long>(written.size()), weeks) << "killed after the last week";
  // Every week: all of its rows and its report_periods row, or nothing.
  for (const auto& week :
       reports::query_texts(*clean,
                            "SELECT DATE_FORMAT(period_start, '%Y-%m-%d') FROM report_periods "
                            "WHERE kind = 'week' ORDER BY period_start")) {
    const std::string rows = reports::dump_week(*crash, week);
    const bool done = std::find(written.begin(), written.end(), week) != written.end();
    if (done) {
      EXPECT_EQ(rows, reports::dump_week(*clean, week)) << week;
    } else {
      EXPECT_EQ(rows,
                "[report_weekly_new_customers]\n[report_weekly_stages]\n[report_weekly_losses]\n"
                "[report_weekly_wins]\n[report_weekly_transitions]\n[report_periods]\n")
          << week;
    }
  }

  run = reports::run_worker(crash_db, clock, backfill, seconds(900));
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(reports::dump_reports(*crash), clean_rows);
}

}  // namespace
}  // namespace salesfollow
