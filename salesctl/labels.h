// Names of the contract's enums as a user types and reads them, and times in
// the team's zone.
#pragma once

#include <google/protobuf/timestamp.pb.h>

#include <optional>
#include <string>
#include <string_view>

#include "salesfollow/common/clock.h"
#include "salesfollow/v1/dictionary.pb.h"
#include "salesfollow/v1/followup.pb.h"
#include "salesfollow/v1/stage.pb.h"

namespace salesfollow::salesctl {

// "potential", "intention", "high_intention", "won", "lost".
std::string stage_code(v1::Stage stage);
// "潜在客户", ...
std::string stage_label(v1::Stage stage);
// Accepts the code in any case, with '-' for '_', the enum name
// ("STAGE_WON") and the Chinese label.
std::optional<v1::Stage> parse_stage(std::string_view text);

// "phone", "meeting", "email", "wechat", "other".
std::string channel_code(v1::Channel channel);
std::string channel_label(v1::Channel channel);
std::optional<v1::Channel> parse_channel(std::string_view text);

// "industry", "source", "need_tag", "loss_reason".
std::string kind_code(v1::DictionaryKind kind);
std::optional<v1::DictionaryKind> parse_kind(std::string_view text);

// Times as the team reads them: "2024-03-02 15:00" in `zone`.
class TeamTime {
 public:
  // Throws std::invalid_argument for an unknown zone.
  explicit TeamTime(const std::string& zone);
  std::string format(TimePoint t) const;
  // "" for an unset timestamp.
  std::string format(const google::protobuf::Timestamp& t) const;
  // RFC 3339, or "YYYY-MM-DD HH:MM[:SS]" / "YYYY-MM-DDTHH:MM" in the team's
  // zone, or "YYYY-MM-DD" (09:00 team time, the start of a working day).
  std::optional<TimePoint> parse(std::string_view text) const;
  // "YYYY-MM-DD" of `t` in the team's zone.
  std::string date(TimePoint t) const;

 private:
  std::string zone_;
};

// 0.35 -> "35.0%".
std::string percent_text(double fraction);
// 12.345 -> "12.3"; signed adds "+" to positive values.
std::string one_decimal(double value, bool signed_value = false);

}  // namespace salesfollow::salesctl
