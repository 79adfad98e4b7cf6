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

// stage_counts.h: a scheduled pass or a backfill takes each period's stage
// counts from the period before it plus what happened in between. Periods
// recomputed on their own (the first period of a backfill comes from the
// whole history) must give exactly the rows of the chained backfill.
TEST(ReportPropertiesTest, ChainedPeriodsEqualPeriodsComputedFromTheWholeHistory) {
  reports::TestClock clock;
  clock.set("2024-01-10T04:00:00Z");
  const auto db = reports::migrated_database("rep_chain");
  auto sql = reports::root_session(db);
  reports::load_sql(*sql, reports::golden_file("generated_2y.sql"));
  auto run = reports::run_worker(
      db, clock, {"--backfill-from=2022-01-03", "--backfill-to=2024-01-07"}, seconds(900));
  ASSERT_EQ(run.status, 0) << run.output;
  const std::string chained = reports::dump_reports(*sql);
  ASSERT_NE(chained.find("2023-12-25|rep_4|team2|2|"), std::string::npos) << "weak dataset";
  for (const std::string day : {"2022-03-16", "2022-11-02", "2023-05-24", "2023-12-27"}) {
    run = reports::run_worker(db, clock, {"--backfill-from=" + day, "--backfill-to=" + day});
    ASSERT_EQ(run.status, 0) << run.output;
    EXPECT_EQ(last_run_periods(*sql), 2) << day;  // its week and its month
    EXPECT_EQ(reports::dump_reports(*sql), chained) << day;
  }
}

// docs/REPORTS.md, "What a pass recomputes": each change moves only some
// tables of some periods, and a scheduled pass rewrites only those; after
// any sequence of passes the rows are those of a full rebuild.
TEST(ReportPropertiesTest, ScheduledPassesRewriteOnlyWhatMovedAndEndAsAFullRebuild) {
  reports::TestClock clock;
  clock.set("2024-01-10T04:00:00Z");
  const auto db = reports::migrated_database("rep_mixed");
  auto sql = reports::root_session(db);
  reports::load_sql(*sql, reports::golden_file("generated_2y.sql"));
  auto run = reports::run_worker(db, clock, {"--once"}, seconds(900));
  ASSERT_EQ(run.status, 0) << run.output;

  const auto periods_state = [&] {
    return reports::query_texts(
        *sql,
        "SELECT CONCAT_WS('|', kind, period_start, computed_at) FROM report_periods ORDER BY "
        "kind, period_start");
  };
  // The periods whose computed_at moved between two states.
  const auto rewritten = [](const std::vector<std::string>& before,
                            const std::vector<std::string>& after) {
    std::vector<std::string> moved;
    for (const auto& line : after) {
      if (std::find(before.begin(), before.end(), line) == before.end()) {
        moved.push_back(line.substr(0, line.rfind('|')));
      }
    }
    return moved;
  };
  const auto number = [&](const std::string& query) { return reports::query_number(*sql, query); };

  // 1. Today's ordinary work: a stage change and a transfer of customers
  // first contacted long ago, a follow-up on a won customer after its win.
  auto before = periods_state();
  const long long moved = number("SELECT MIN(id) FROM customers WHERE stage = 2 AND deleted = 0");
  *sql
      << "INSERT INTO stage_events (customer_id, from_stage, to_stage, reason, loss_reason, "
         "loss_note, actor_id, owner_id, team_id, created_at) SELECT id, 2, 3, 'demo done', "
         "NULL, '', owner_id, owner_id, team_id, '2024-01-10 05:00:00' FROM customers WHERE id = " +
             std::to_string(moved);
  *sql << "UPDATE customers SET stage = 3, stage_changed_at = '2024-01-10 05:00:00', updated_at = "
          "'2024-01-10 05:00:00', version = version + 1 WHERE id = " +
              std::to_string(moved);
  const long long transferred = number(
      "SELECT MIN(id) FROM customers WHERE stage = 1 AND deleted = 0 AND owner_id = 'rep_1'");
  *sql
      << "INSERT INTO owner_events (customer_id, from_owner, to_owner, from_team, to_team, reason, "
         "actor_id, created_at) VALUES (" +
             std::to_string(transferred) +
             ", 'rep_1', 'rep_2', 'team1', 'team1', 'rebalancing', 'mgr1', '2024-01-10 05:00:00')";
  *sql << "UPDATE customers SET owner_id = 'rep_2', updated_at = '2024-01-10 05:00:00', version = "
          "version + 1 WHERE id = " +
              std::to_string(transferred);
  const long long won = number("SELECT MIN(customer_id) FROM stage_events WHERE to_stage = 4");
  const auto log_follow_up = [&](long long customer, const std::string& happened,
                                 const std::string& logged) {
    *sql << "INSERT INTO follow_ups (customer_id, happened_at, logged_at, late, follower_id, "
            "logger_id, channel, scenario, content, feedback, next_action, stage_after, "
            "stage_event, revision) VALUES (" +
                std::to_string(customer) + ", '" + happened + "', '" + logged +
                "', 1, 'rep_1', 'rep_1', 1, 's', 'c', 'f', '', 4, '', 1)";
  };
  log_follow_up(won, "2024-01-10 04:30:00", "2024-01-10 05:00:00");
  clock.set("2024-01-10T06:00:00Z");
  run = reports::run_worker(db, clock, {"--once"});
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(rewritten(before, periods_state()),
            (std::vector<std::string>{"month|2024-01-01", "week|2024-01-08"}));

  // 2. Late data: a customer entered today with a first contact in June
  // 2023; another's source corrected; a follow-up logged today that happened
  // before a won customer's first win (its follow-up count).
  before = periods_state();
  *sql << "INSERT INTO customers (display_name, name_key, industry, source, contact_name_enc, "
          "contact_name_masked, contact_title, first_contact_date, need_description, "
          "company_size, notes, owner_id, team_id, stage, stage_changed_at, deleted, created_by, "
          "created_at, updated_at, version) VALUES ('Late', 'late', 'retail', 'referral', 'x', "
          "'x*', '', '2023-06-01', '', '', '', 'rep_2', 'team1', 1, '2024-01-10 06:30:00', 0, "
          "'rep_2', '2024-01-10 06:30:00', '2024-01-10 06:30:00', 1)";
  const long long late = number("SELECT MAX(id) FROM customers");
  *sql << "INSERT INTO stage_events (customer_id, from_stage, to_stage, reason, loss_reason, "
          "loss_note, actor_id, owner_id, team_id, created_at) VALUES (" +
              std::to_string(late) +
              ", NULL, 1, 'created', NULL, '', 'rep_2', 'rep_2', 'team1', '2024-01-10 06:30:00')";
  *sql
      << "INSERT INTO owner_events (customer_id, from_owner, to_owner, from_team, to_team, reason, "
         "actor_id, created_at) VALUES (" +
             std::to_string(late) +
             ", NULL, 'rep_2', NULL, 'team1', 'created', 'rep_2', '2024-01-10 06:30:00')";
  *sql << "UPDATE customers SET source = 'exhibition', updated_at = '2024-01-10 06:30:00' WHERE id "
          "= 5000";
  const std::string corrected_week = reports::query_texts(
      *sql,
      "SELECT DATE_FORMAT(first_contact_date - INTERVAL WEEKDAY(first_contact_date) DAY, "
      "'%Y-%m-%d') FROM customers WHERE id = 5000")[0];
  const long long won_later = number(
      "SELECT MAX(customer_id) FROM stage_events WHERE to_stage = 4 AND created_at < '2024-01-01'");
  const std::string won_week = reports::query_texts(
      *sql,
      "SELECT DATE_FORMAT(DATE(created_at + INTERVAL 8 HOUR) - INTERVAL WEEKDAY(created_at + "
      "INTERVAL 8 HOUR) DAY, '%Y-%m-%d') FROM stage_events WHERE to_stage = 4 AND customer_id = " +
          std::to_string(won_later))[0];
  log_follow_up(won_later, "2022-01-03 00:00:00", "2024-01-10 06:30:00");
  clock.set("2024-01-10T07:00:00Z");
  run = reports::run_worker(db, clock, {"--once"});
  ASSERT_EQ(run.status, 0) << run.output;
  std::vector<std::string> expected = {"month|2024-01-01", "week|2023-05-29",
                                       "week|" + corrected_week, "week|" + won_week,
                                       "week|2024-01-08"};
  std::sort(expected.begin(), expected.end());
  expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
  EXPECT_EQ(rewritten(before, periods_state()), expected);

  // 3. A soft delete: the customer leaves every period since it existed.
  *sql << "UPDATE customers SET deleted = 1, deleted_at = '2024-01-10 07:30:00', updated_at = "
          "'2024-01-10 07:30:00' WHERE id = 15000";
  clock.set("2024-01-10T08:00:00Z");
  run = reports::run_worker(db, clock, {"--once"});
  ASSERT_EQ(run.status, 0) << run.output;
  const std::string incremental = reports::dump_reports(*sql);

  // The same rows as a full rebuild of the whole range on the final data.
  run = reports::run_worker(db, clock, {"--backfill-from=2022-01-03", "--backfill-to=2024-01-10"},
                            seconds(900));
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(reports::dump_reports(*sql), incremental);
}

}  // namespace
}  // namespace salesfollow
