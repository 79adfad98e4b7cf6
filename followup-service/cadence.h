// Follow-up cadence and time rules (pure logic, unit-tested).
#pragma once

#include <array>
#include <optional>
#include <string>

#include "salesfollow/common/clock.h"

namespace salesfollow::followup_service {

// Recommended days between follow-ups per stage (index = salesfollow.v1.Stage
// number, 1..5); 0 means no follow-up is planned in that stage.
struct Cadence {
  std::array<int, 6> days{0, 7, 3, 2, 30, 0};  // defaults of the brief
  int stalled_factor = 2;

  int interval_days(int stage) const;
  // The per-customer override wins when set (> 0).
  int interval_days(int stage, std::optional<int> customer_override) const;
};

// Logged more than 24 hours after it happened.
bool is_late(TimePoint happened, TimePoint logged);

// happened + interval days; nullopt when the stage plans nothing.
std::optional<TimePoint> recommended_plan(TimePoint happened, int interval_days);

// Stalled: idle for longer than stalled_factor x interval (never when the
// interval is 0 or the stage is won or lost).
bool is_stalled(int stage, TimePoint last_contact, TimePoint now, int interval_days,
                int stalled_factor);

}  // namespace salesfollow::followup_service
