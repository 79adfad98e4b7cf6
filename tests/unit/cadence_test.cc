#include "cadence.h"

#include <gtest/gtest.h>

namespace salesfollow::followup_service {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

const TimePoint kHappened = *parse_rfc3339("2024-02-22T02:00:00Z");

TEST(CadenceTest, DefaultsFollowTheBrief) {
  const Cadence cadence;
  EXPECT_EQ(cadence.interval_days(1), 7);   // potential: once a week
  EXPECT_EQ(cadence.interval_days(2), 3);   // intention
  EXPECT_EQ(cadence.interval_days(3), 2);   // high intention: every 2 days
  EXPECT_EQ(cadence.interval_days(4), 30);  // won
  EXPECT_EQ(cadence.interval_days(5), 0);   // lost: none
  EXPECT_EQ(cadence.interval_days(0), 0);
  EXPECT_EQ(cadence.interval_days(9), 0);
}

TEST(CadenceTest, ACustomerOverrideWinsExceptForLost) {
  const Cadence cadence;
  EXPECT_EQ(cadence.interval_days(1, 4), 4);
  EXPECT_EQ(cadence.interval_days(1, std::nullopt), 7);
  EXPECT_EQ(cadence.interval_days(1, 0), 7);
  EXPECT_EQ(cadence.interval_days(5, 4), 0);
}

TEST(LateTest, TwentyFourHoursIsTheBoundary) {
  EXPECT_FALSE(is_late(kHappened, kHappened + hours(23) + minutes(59)));
  EXPECT_FALSE(is_late(kHappened, kHappened + hours(24)));
  EXPECT_TRUE(is_late(kHappened, kHappened + hours(24) + minutes(1)));
}

TEST(PlanTest, RecommendedPlanIsHappenedPlusInterval) {
  EXPECT_EQ(recommended_plan(kHappened, 7), kHappened + hours(24 * 7));
  EXPECT_FALSE(recommended_plan(kHappened, 0));
}

TEST(StalledTest, TwiceTheIntervalByDefault) {
  EXPECT_FALSE(is_stalled(2, kHappened, kHappened + hours(24 * 6), 3, 2));
  EXPECT_TRUE(is_stalled(2, kHappened, kHappened + hours(24 * 6) + minutes(1), 3, 2));
  EXPECT_FALSE(is_stalled(4, kHappened, kHappened + hours(24 * 365), 30, 2));  // won
  EXPECT_FALSE(is_stalled(5, kHappened, kHappened + hours(24 * 365), 0, 2));   // lost
  EXPECT_FALSE(is_stalled(1, kHappened, kHappened + hours(24 * 365), 0, 2));   // no cadence
}

}  // namespace
}  // namespace salesfollow::followup_service
