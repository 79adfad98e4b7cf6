// Golden tests of the report worker: datasets inserted straight into the
// source tables (tests/golden/reports/*.sql), one pass of
// `report-worker --once` at a fixed test clock, and the summary tables dumped
// with fixed SELECTs and compared as text with the checked-in *.expected
// files. The expected rows were worked out by hand from
// ../shared/product/REPORTS.md; each .expected file says how every number
// follows.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "report_fixture.h"

namespace salesfollow {
namespace {

namespace reports = testing::reports;

// Loads `dataset`, runs one pass at `now`; returns the root session.
std::unique_ptr<soci::session> load_and_run(const DbConfig& db, reports::TestClock& clock,
                                            const std::string& dataset, const std::string& now) {
  auto sql = reports::root_session(db);
  reports::load_sql(*sql, reports::golden_file(dataset));
  clock.set(now);
  const auto run = reports::run_worker(db, clock, {"--once"});
  EXPECT_EQ(run.status, 0) << run.output;
  return sql;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

// Event at Sunday 23:30 and Monday 00:00 team time, a week with no data, a
// win at Monday 00:00 (cycle days in team time), follow-ups at the instant of
// the win, shares and week-over-week changes of totals and owners.
TEST(ReportGoldenTest, SundayMondayBoundariesEmptyWeekSharesAndChanges) {
  const auto db = reports::migrated_database("rep_sunmon");
  reports::TestClock clock;
  const auto sql = load_and_run(db, clock, "sunday_monday.sql", "2024-03-20T04:00:00Z");
  EXPECT_EQ(reports::dump_reports(*sql), reports::expected_rows("sunday_monday.expected"));
}

// A transfer in the middle of March, one at 1 April 01:00 team time
// (31 March UTC), a reopen from lost to intention, a customer won twice,
// follow-ups logged after the win.
TEST(ReportGoldenTest, MonthTransferReopenAndSecondWin) {
  const auto db = reports::migrated_database("rep_month");
  reports::TestClock clock;
  const auto sql = load_and_run(db, clock, "month_transfer.sql", "2024-04-10T04:00:00Z");
  EXPECT_EQ(reports::dump_reports(*sql), reports::expected_rows("month_transfer.expected"));
}

// REPORTS.md: soft-deleted customers are left out of every report, past
// weeks included. A customer counted by a first pass is deleted; after the
// next pass it is gone from every week and month.
TEST(ReportGoldenTest, SoftDeletedCustomerLeavesEveryPastWeekAfterTheNextPass) {
  const auto db = reports::migrated_database("rep_deleted");
  reports::TestClock clock;
  const auto sql = load_and_run(db, clock, "sunday_monday.sql", "2024-03-20T04:00:00Z");
  ASSERT_EQ(reports::query_number(*sql, "SELECT COUNT(*) FROM report_weekly_losses"), 1);

  reports::load_sql(*sql, reports::golden_file("sunday_monday_delete.sql"));
  clock.set("2024-03-21T04:00:00Z");
  const auto run = reports::run_worker(db, clock, {"--once"});
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(reports::dump_reports(*sql), reports::expected_rows("sunday_monday_deleted.expected"));
  // Whatever the share arithmetic, no row may still carry the deleted customer.
  EXPECT_EQ(reports::query_number(
                *sql, "SELECT COUNT(*) FROM report_weekly_transitions WHERE customer_id = 4"),
            0);
  EXPECT_EQ(reports::query_number(*sql,
                                  "SELECT COUNT(*) FROM report_weekly_new_customers WHERE "
                                  "owner_id = 'rep_c'"),
            0);
  EXPECT_EQ(reports::query_number(
                *sql, "SELECT COUNT(*) FROM report_monthly_distribution WHERE owner_id = 'rep_c'"),
            0);
}

// REPORTS.md: a customer entered late, with an earlier first-contact date,
// changes that earlier week (here the week that had no data at all).
TEST(ReportGoldenTest, BackDatedFirstContactRecomputesTheOldWeek) {
  const auto db = reports::migrated_database("rep_backdated");
  reports::TestClock clock;
  const auto sql = load_and_run(db, clock, "sunday_monday.sql", "2024-03-20T04:00:00Z");
  ASSERT_EQ(
      reports::query_number(
          *sql, "SELECT COUNT(*) FROM report_weekly_new_customers WHERE week_start = '2024-02-19'"),
      0);

  reports::load_sql(*sql, reports::golden_file("sunday_monday_backdated.sql"));
  clock.set("2024-03-21T04:00:00Z");
  const auto run = reports::run_worker(db, clock, {"--once"});
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(reports::dump_reports(*sql),
            reports::expected_rows("sunday_monday_backdated.expected"));
  EXPECT_EQ(join_lines(reports::query_texts(
                *sql,
                "SELECT CONCAT_WS('|', week_start, owner_id, team_id, source, industry, customers) "
                "FROM report_weekly_new_customers WHERE week_start = '2024-02-19'")),
            "2024-02-19|rep_c|team2|social_media|healthcare|1\n");
}

// REPORTS.md, won cycle: follow-ups "that happened at or before that event
// (by when they happened, whoever logged them, also those logged later)".
// A follow-up logged after the first pass, that happened before D2's first
// win, raises that old week's follow-up count from 4 to 5; nothing else moves.
TEST(ReportGoldenTest, FollowUpLoggedLateRecountsTheWinOfAnOldWeek) {
  const auto db = reports::migrated_database("rep_late_fu");
  reports::TestClock clock;
  const auto sql = load_and_run(db, clock, "month_transfer.sql", "2024-04-10T04:00:00Z");
  const std::string before = reports::dump_reports(*sql);
  const std::string old_win = "2024-03-11|2|rep_b|team1|12|4\n";
  ASSERT_NE(before.find(old_win), std::string::npos) << before;

  *sql << "INSERT INTO follow_ups (customer_id, happened_at, logged_at, late, follower_id, "
          "logger_id, channel, scenario, content, feedback, next_action, stage_after, stage_event, "
          "revision) VALUES (2, '2024-03-11 02:00:00', '2024-04-10 05:00:00', 1, 'rep_b', "
          "'rep_b', 1, 'call', 'forgotten call', 'ok', '', 3, '', 1)";
  clock.set("2024-04-10T06:00:00Z");
  const auto run = reports::run_worker(db, clock, {"--once"});
  ASSERT_EQ(run.status, 0) << run.output;

  std::string expected = before;
  expected.replace(expected.find(old_win), old_win.size(), "2024-03-11|2|rep_b|team1|12|5\n");
  EXPECT_EQ(reports::dump_reports(*sql), expected);
}

// REPORTS.md: stage shares "for each stage ... at the end of W" for every
// week; the worker may not run for a while (a CronJob suspended, an outage).
// After an idle stretch, the next scheduled pass must still give every week
// and month in between its rows: nothing changed, so each week repeats the
// stage counts of W 03-18 with changes of 0, and April and May repeat
// March's distribution.
TEST(ReportGoldenTest, PassAfterIdleWeeksFillsEveryWeekAndMonthInBetween) {
  const auto db = reports::migrated_database("rep_idle");
  reports::TestClock clock;
  const auto sql = load_and_run(db, clock, "sunday_monday.sql", "2024-03-20T04:00:00Z");
  clock.set("2024-05-08T04:00:00Z");  // Wed of W 2024-05-06, seven weeks later
  const auto run = reports::run_worker(db, clock, {"--once"});
  ASSERT_EQ(run.status, 0) << run.output;

  std::string expected_stages;
  std::string expected_periods;
  for (const std::string week : {"2024-03-25", "2024-04-01", "2024-04-08", "2024-04-15",
                                 "2024-04-22", "2024-04-29", "2024-05-06"}) {
    for (int stage = 1; stage <= 5; ++stage) {
      expected_stages += week + "|(all)|-|" + std::to_string(stage) + "|1|5|0.200000|0.0000\n";
    }
    expected_stages += week + "|rep_a|team1|1|1|2|0.500000|0.0000\n";
    expected_stages += week + "|rep_a|team1|3|1|2|0.500000|0.0000\n";
    expected_stages += week + "|rep_b|team1|2|1|2|0.500000|0.0000\n";
    expected_stages += week + "|rep_b|team1|4|1|2|0.500000|0.0000\n";
    expected_stages += week + "|rep_c|team2|5|1|1|1.000000|0.0000\n";
    expected_periods += "week|" + week + "\n";
  }
  EXPECT_EQ(join_lines(reports::query_texts(
                *sql,
                "SELECT CONCAT_WS('|', week_start, IF(owner_id = '', '(all)', owner_id), "
                "IF(team_id = '', '-', team_id), stage, customers, existing, IFNULL(CAST(share AS "
                "DECIMAL(10,6)), 'NULL'), IFNULL(CAST(change_pp AS DECIMAL(10,4)), 'NULL')) FROM "
                "report_weekly_stages WHERE week_start >= '2024-03-25' ORDER BY week_start, "
                "owner_id, stage")),
            expected_stages);
  EXPECT_EQ(join_lines(reports::query_texts(
                *sql,
                "SELECT CONCAT_WS('|', kind, period_start) FROM report_periods WHERE kind = 'week' "
                "AND period_start >= '2024-03-25' ORDER BY period_start")),
            expected_periods);
  std::string expected_months;
  for (const std::string month : {"2024-03-01", "2024-04-01", "2024-05-01"}) {
    expected_months += month + "|rep_a|team1|1|1\n" + month + "|rep_a|team1|3|1\n" + month +
                       "|rep_b|team1|2|1\n" + month + "|rep_b|team1|4|1\n" + month +
                       "|rep_c|team2|5|1\n";
  }
  EXPECT_EQ(join_lines(reports::query_texts(
                *sql,
                "SELECT CONCAT_WS('|', month_start, owner_id, team_id, stage, customers) FROM "
                "report_monthly_distribution ORDER BY month_start, owner_id, stage")),
            expected_months);
}

// The documented choice for a week with no data: the five totals rows of
// report_weekly_stages with zeros (share and change NULL), no other rows.
// With no customer at all, the first pass writes just the current week and
// month.
TEST(ReportGoldenTest, EmptyDatabaseGivesZeroTotalsForTheCurrentWeekOnly) {
  const auto db = reports::migrated_database("rep_empty");
  reports::TestClock clock;
  clock.set("2024-03-20T04:00:00Z");
  const auto run = reports::run_worker(db, clock, {"--once"});
  ASSERT_EQ(run.status, 0) << run.output;
  const auto sql = reports::root_session(db);
  EXPECT_EQ(reports::dump_reports(*sql),
            "[report_weekly_new_customers]\n"
            "[report_weekly_stages]\n"
            "2024-03-18|(all)|-|1|0|0|NULL|NULL\n"
            "2024-03-18|(all)|-|2|0|0|NULL|NULL\n"
            "2024-03-18|(all)|-|3|0|0|NULL|NULL\n"
            "2024-03-18|(all)|-|4|0|0|NULL|NULL\n"
            "2024-03-18|(all)|-|5|0|0|NULL|NULL\n"
            "[report_weekly_losses]\n"
            "[report_weekly_wins]\n"
            "[report_weekly_transitions]\n"
            "[report_monthly_distribution]\n"
            "[report_periods]\n"
            "month|2024-03-01\n"
            "week|2024-03-18\n");
  EXPECT_EQ(reports::query_texts(*sql, "SELECT error FROM report_runs"),
            std::vector<std::string>{""});
}

}  // namespace
}  // namespace salesfollow
