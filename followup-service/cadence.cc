#include "cadence.h"

namespace salesfollow::followup_service {
namespace {
constexpr auto kDay = std::chrono::hours(24);
constexpr int kStageWon = 4;
constexpr int kStageLost = 5;
}  // namespace

int Cadence::interval_days(int stage) const {
  if (stage < 1 || stage > 5) return 0;
  return days.at(static_cast<std::size_t>(stage));
}

int Cadence::interval_days(int stage, std::optional<int> customer_override) const {
  if (customer_override && *customer_override > 0 && stage != kStageLost) return *customer_override;
  return interval_days(stage);
}

bool is_late(TimePoint happened, TimePoint logged) { return logged - happened > kDay; }

std::optional<TimePoint> recommended_plan(TimePoint happened, int interval_days) {
  if (interval_days <= 0) return std::nullopt;
  return happened + kDay * interval_days;
}

bool is_stalled(int stage, TimePoint last_contact, TimePoint now, int interval_days,
                int stalled_factor) {
  if (stage == kStageWon || stage == kStageLost || interval_days <= 0) return false;
  return now - last_contact > kDay * (interval_days * stalled_factor);
}

}  // namespace salesfollow::followup_service
