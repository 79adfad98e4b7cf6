// Weeks and months of the team calendar (report-worker/periods.h) and the
// median of ReportService (report_service.h). REPORTS.md: a week is an ISO
// week, Monday to Monday, named by its Monday and possibly "YYYY-Www"; a
// month is a calendar month; with an even count the median is the mean of
// the two middle values.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "periods.h"
#include "report_service.h"

namespace salesfollow::report_worker {
namespace {

LocalDate day(int y, unsigned m, unsigned d) {
  return LocalDate{date::year{y} / date::month{m} / date::day{d}};
}

// A parsed day as text, for readable failures.
std::string shown(const std::optional<LocalDate>& parsed) {
  return parsed ? to_text(*parsed) : "nullopt";
}

TEST(ReportPeriodsTest, WeekStartIsTheMondayOfTheIsoWeek) {
  EXPECT_EQ(week_start_of(day(2024, 3, 4)), day(2024, 3, 4));    // Monday itself
  EXPECT_EQ(week_start_of(day(2024, 3, 6)), day(2024, 3, 4));    // Wednesday
  EXPECT_EQ(week_start_of(day(2024, 3, 10)), day(2024, 3, 4));   // Sunday: the week ending
  EXPECT_EQ(week_start_of(day(2024, 3, 11)), day(2024, 3, 11));  // the next Monday
  EXPECT_EQ(week_start_of(day(2024, 3, 2)), day(2024, 2, 26));   // across a month
  EXPECT_EQ(week_start_of(day(2024, 2, 29)), day(2024, 2, 26));  // leap day
  EXPECT_EQ(week_start_of(day(2025, 1, 1)), day(2024, 12, 30));  // across a year
  EXPECT_EQ(week_start_of(day(2021, 1, 3)), day(2020, 12, 28));  // Sunday of 2020-W53
}

TEST(ReportPeriodsTest, MonthBoundaries) {
  EXPECT_EQ(month_start_of(day(2024, 2, 29)), day(2024, 2, 1));
  EXPECT_EQ(month_start_of(day(2024, 3, 1)), day(2024, 3, 1));
  EXPECT_EQ(month_start_of(day(2024, 12, 31)), day(2024, 12, 1));
  EXPECT_EQ(next_month_start(day(2024, 1, 1)), day(2024, 2, 1));
  EXPECT_EQ(next_month_start(day(2024, 2, 1)), day(2024, 3, 1));
  EXPECT_EQ(next_month_start(day(2024, 12, 1)), day(2025, 1, 1));
}

TEST(ReportPeriodsTest, DatesAsText) {
  EXPECT_EQ(to_text(day(2024, 3, 4)), "2024-03-04");
  EXPECT_EQ(to_text(day(2020, 12, 28)), "2020-12-28");
  EXPECT_EQ(parse_date("2024-03-04"), day(2024, 3, 4));
  EXPECT_EQ(parse_date("2024-02-29"), day(2024, 2, 29));
}

TEST(ReportPeriodsTest, ParseDateAcceptsOnlyRealDatesAsYyyyMmDd) {
  for (const char* bad :
       {"", "2024-3-4", "2024/03/04", "2024-03-04x", "2024-02-30", "2023-02-29", "2024-13-01",
        "2024-00-10", "2024-03-00", "04-03-2024", "2024-3-041", "2024-03-4 "}) {
    EXPECT_EQ(shown(parse_date(bad)), "nullopt") << '"' << bad << '"';
  }
}

TEST(ReportPeriodsTest, IsoWeekNamesIncludingWeek53AndTheYearBoundary) {
  EXPECT_EQ(iso_week_name(day(2024, 3, 4)), "2024-W10");
  EXPECT_EQ(iso_week_name(day(2024, 1, 1)), "2024-W01");
  EXPECT_EQ(iso_week_name(day(2020, 12, 28)), "2020-W53");
  EXPECT_EQ(iso_week_name(day(2021, 1, 4)), "2021-W01");
  EXPECT_EQ(iso_week_name(day(2024, 12, 30)), "2025-W01");  // Monday in December, week 1 of 2025
  EXPECT_EQ(iso_week_name(day(2018, 12, 31)), "2019-W01");
  EXPECT_EQ(iso_week_name(day(2026, 12, 28)), "2026-W53");
  EXPECT_EQ(iso_week_name(day(2027, 1, 4)), "2027-W01");
}

TEST(ReportPeriodsTest, ParseWeekTakesAnIsoNameOrAnyDayOfTheWeek) {
  EXPECT_EQ(parse_week("2024-W10"), day(2024, 3, 4));
  EXPECT_EQ(parse_week("2024-W01"), day(2024, 1, 1));
  EXPECT_EQ(parse_week("2020-W53"), day(2020, 12, 28));
  EXPECT_EQ(parse_week("2025-W01"), day(2024, 12, 30));
  EXPECT_EQ(parse_week("2024-03-04"), day(2024, 3, 4));
  EXPECT_EQ(parse_week("2024-03-06"), day(2024, 3, 4));
  EXPECT_EQ(parse_week("2024-03-10"), day(2024, 3, 4));  // Sunday
  EXPECT_EQ(parse_week("2025-01-01"), day(2024, 12, 30));
  EXPECT_EQ(parse_week("2021-01-03"), day(2020, 12, 28));
}

TEST(ReportPeriodsTest, ParseWeekRejectsWeeksThatDoNotExistAndMalformedText) {
  for (const char* bad : {"", "2024-W00", "2024-W54", "2021-W53", "2024-W1", "2024W10", "2024-w10",
                          "2024-W1x", "20x4-W10", "2024-Wxx", "2024-13-01", "next week"}) {
    EXPECT_EQ(shown(parse_week(bad)), "nullopt") << '"' << bad << '"';
  }
}

TEST(ReportPeriodsTest, EveryMondayRoundTripsThroughItsIsoName) {
  for (LocalDate monday = day(2015, 1, 5); monday < day(2036, 1, 1); monday += date::days{7}) {
    ASSERT_EQ(week_start_of(monday), monday);
    const auto name = iso_week_name(monday);
    EXPECT_EQ(parse_week(name), monday) << name;
  }
}

TEST(ReportPeriodsTest, ParseMonth) {
  EXPECT_EQ(parse_month("2024-03"), day(2024, 3, 1));
  EXPECT_EQ(parse_month("2024-12"), day(2024, 12, 1));
  EXPECT_EQ(parse_month("2025-01"), day(2025, 1, 1));
  for (const char* bad : {"", "2024-13", "2024-00", "2024-3", "2024-03-01", "2024/03", "march"}) {
    EXPECT_EQ(shown(parse_month(bad)), "nullopt") << '"' << bad << '"';
  }
}

TEST(ReportMedianTest, MiddleValueOrMeanOfTheTwoMiddleValues) {
  EXPECT_EQ(median_of({}), 0.0);
  EXPECT_EQ(median_of({5}), 5.0);
  EXPECT_EQ(median_of({3, 1, 2}), 2.0);
  EXPECT_EQ(median_of({10, 20}), 15.0);
  EXPECT_EQ(median_of({4, 1, 3, 2}), 2.5);
  EXPECT_EQ(median_of({60, 6, 30, 11}), 20.5);  // unsorted input
  EXPECT_EQ(median_of({7, 7, 1, 100}), 7.0);
  EXPECT_EQ(median_of({864000, 691200, 432000, 777600}), 734400.0);
}

}  // namespace
}  // namespace salesfollow::report_worker
