#include "labels.h"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <sstream>
#include <stdexcept>

#include "salesfollow/common/grpc_util.h"

namespace salesfollow::salesctl {
namespace {

// "High-Intention" -> "high_intention".
std::string normalized(std::string_view text) {
  std::string out;
  for (const char c : text) {
    out += c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

struct StageName {
  v1::Stage stage;
  const char* code;
  const char* label;
};
constexpr std::array<StageName, 5> kStages = {
    {{v1::STAGE_POTENTIAL, "potential", "潜在客户"},
     {v1::STAGE_INTENTION, "intention", "意向客户"},
     {v1::STAGE_HIGH_INTENTION, "high_intention", "高意向客户"},
     {v1::STAGE_WON, "won", "成交客户"},
     {v1::STAGE_LOST, "lost", "流失客户"}}};

struct ChannelName {
  v1::Channel channel;
  const char* code;
  const char* label;
};
constexpr std::array<ChannelName, 5> kChannels = {{{v1::PHONE, "phone", "电话"},
                                                   {v1::MEETING, "meeting", "面谈"},
                                                   {v1::EMAIL, "email", "邮件"},
                                                   {v1::WECHAT, "wechat", "微信"},
                                                   {v1::OTHER, "other", "其他"}}};

}  // namespace

std::string stage_code(v1::Stage stage) {
  for (const auto& s : kStages)
    if (s.stage == stage) return s.code;
  return "unspecified";
}

std::string stage_label(v1::Stage stage) {
  for (const auto& s : kStages)
    if (s.stage == stage) return s.label;
  return "-";
}

std::optional<v1::Stage> parse_stage(std::string_view text) {
  std::string key = normalized(text);
  if (key.rfind("stage_", 0) == 0) key = key.substr(6);
  for (const auto& s : kStages)
    if (key == s.code || text == s.label) return s.stage;
  return std::nullopt;
}

std::string channel_code(v1::Channel channel) {
  for (const auto& c : kChannels)
    if (c.channel == channel) return c.code;
  return "unspecified";
}

std::string channel_label(v1::Channel channel) {
  for (const auto& c : kChannels)
    if (c.channel == channel) return c.label;
  return "-";
}

std::optional<v1::Channel> parse_channel(std::string_view text) {
  const std::string key = normalized(text);
  for (const auto& c : kChannels)
    if (key == c.code || text == c.label) return c.channel;
  return std::nullopt;
}

std::string kind_code(v1::DictionaryKind kind) {
  switch (kind) {
    case v1::INDUSTRY:
      return "industry";
    case v1::SOURCE:
      return "source";
    case v1::NEED_TAG:
      return "need_tag";
    case v1::LOSS_REASON:
      return "loss_reason";
    default:
      return "unspecified";
  }
}

std::optional<v1::DictionaryKind> parse_kind(std::string_view text) {
  const std::string key = normalized(text);
  for (const auto kind : {v1::INDUSTRY, v1::SOURCE, v1::NEED_TAG, v1::LOSS_REASON}) {
    if (key == kind_code(kind) || key == kind_code(kind) + "s") return kind;
  }
  return std::nullopt;
}

TeamTime::TeamTime(const std::string& zone) : zone_(zone) {
  try {
    (void)date::locate_zone(zone_);
  } catch (const std::exception&) {
    throw std::invalid_argument("unknown time zone '" + zone + "'");
  }
}

std::string TeamTime::format(TimePoint t) const {
  const auto local = date::make_zoned(zone_, std::chrono::floor<std::chrono::minutes>(t));
  return date::format("%Y-%m-%d %H:%M", local.get_local_time());
}

std::string TeamTime::format(const google::protobuf::Timestamp& t) const {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  return format(from_timestamp(t));
}

std::string TeamTime::date(TimePoint t) const {
  const auto local = date::make_zoned(zone_, t);
  return date::format("%Y-%m-%d", std::chrono::floor<date::days>(local.get_local_time()));
}

std::optional<TimePoint> TeamTime::parse(std::string_view text) const {
  if (auto exact = parse_rfc3339(text)) return exact;
  std::string value(text);
  std::replace(value.begin(), value.end(), 'T', ' ');
  for (const char* pattern : {"%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"}) {
    std::istringstream in(value);
    date::local_time<std::chrono::seconds> local;
    in >> date::parse(pattern, local);
    if (in.fail() || in.peek() != std::char_traits<char>::eof()) continue;
    if (std::string_view(pattern) == "%Y-%m-%d") local += std::chrono::hours(9);
    const auto zoned = date::make_zoned(zone_, local, date::choose::earliest);
    return std::chrono::time_point_cast<std::chrono::microseconds>(zoned.get_sys_time());
  }
  return std::nullopt;
}

std::string percent_text(double fraction) { return fmt::format("{:.1f}%", fraction * 100.0); }

std::string one_decimal(double value, bool signed_value) {
  return signed_value ? fmt::format("{:+.1f}", value) : fmt::format("{:.1f}", value);
}

}  // namespace salesfollow::salesctl
