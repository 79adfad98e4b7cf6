#include "salesfollow/common/clock.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace salesfollow {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;

TEST(Rfc3339Test, FormatsUtcWithOptionalFraction) {
  const TimePoint t{seconds(1709251200)};  // 2024-03-01T00:00:00Z
  EXPECT_EQ(format_rfc3339(t), "2024-03-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(t + microseconds(1500)), "2024-03-01T00:00:00.001500Z");
}

TEST(Rfc3339Test, ParsesZuluAndOffsets) {
  const TimePoint expected{seconds(1709251200)};
  EXPECT_EQ(parse_rfc3339("2024-03-01T00:00:00Z"), expected);
  EXPECT_EQ(parse_rfc3339("2024-03-01T08:00:00+08:00"), expected);
  EXPECT_EQ(parse_rfc3339("2024-02-29T19:00:00-05:00"), expected);
  EXPECT_EQ(parse_rfc3339("2024-03-01T00:00:00.25Z"), expected + microseconds(250000));
}

TEST(Rfc3339Test, RejectsMalformedText) {
  EXPECT_FALSE(parse_rfc3339(""));
  EXPECT_FALSE(parse_rfc3339("2024-03-01"));
  EXPECT_FALSE(parse_rfc3339("2024-03-01 00:00:00"));
  EXPECT_FALSE(parse_rfc3339("2024-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2024-03-01T00:00:00Zjunk"));
}

TEST(SqlDatetimeTest, RoundTripsMicroseconds) {
  const TimePoint t = TimePoint{seconds(1709251200)} + microseconds(123456);
  EXPECT_EQ(to_sql_datetime(t), "2024-03-01 00:00:00.123456");
  EXPECT_EQ(from_sql_datetime(to_sql_datetime(t)), t);
}

TEST(FileClockTest, StandsStillAndFollowsTheFile) {
  const auto path =
      std::filesystem::temp_directory_path() / ("clock_test_" + std::to_string(::getpid()));
  const TimePoint first{seconds(1709251200)};
  write_clock_file(path, first);
  const FileClock clock(path);
  EXPECT_TRUE(clock.is_test_clock());
  EXPECT_EQ(clock.now(), first);
  EXPECT_EQ(clock.now(), first);
  const TimePoint second = first + std::chrono::hours(24 * 7);
  write_clock_file(path, second);
  EXPECT_EQ(clock.now(), second);
  std::filesystem::remove(path);
}

TEST(FileClockTest, RefusesAMissingOrBadFile) {
  EXPECT_THROW(FileClock("/nonexistent/clock"), std::runtime_error);
  const auto path =
      std::filesystem::temp_directory_path() / ("clock_bad_" + std::to_string(::getpid()));
  {
    std::ofstream out(path);
    out << "tomorrow\n";
  }
  EXPECT_THROW((FileClock(path)), std::runtime_error);
  std::filesystem::remove(path);
}

TEST(SystemClockTest, IsNotATestClockAndMovesForward) {
  const SystemClock clock;
  EXPECT_FALSE(clock.is_test_clock());
  const TimePoint earlier = clock.now();
  const TimePoint later = clock.now();
  EXPECT_LE(earlier, later);
}

}  // namespace
}  // namespace salesfollow
