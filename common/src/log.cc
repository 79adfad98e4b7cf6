#include "salesfollow/common/log.h"

#include <chrono>
#include <cstdio>
#include <mutex>
#include <optional>

#include "salesfollow/common/clock.h"

namespace salesfollow::log {
namespace {

struct LoggerState {
  std::string component = "salesfollow";
  Level minimum = Level::info;
  std::mutex mutex;
};

LoggerState& state() {
  static LoggerState instance;
  return instance;
}

const char* level_name(Level level) {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}

}  // namespace

void init(std::string component, Level minimum) {
  state().component = std::move(component);
  state().minimum = minimum;
}

std::optional<Level> parse_level(std::string_view text) {
  if (text == "debug") return Level::debug;
  if (text == "info") return Level::info;
  if (text == "warn") return Level::warn;
  if (text == "error") return Level::error;
  return std::nullopt;
}

void write(Level level, std::string_view event, nlohmann::json fields) {
  auto& s = state();
  if (level < s.minimum) return;
  // Log lines carry the machine's real time, not the product clock: they are
  // read next to other systems' logs. Recorded business times use Clock.
  nlohmann::json line = {{"ts", format_rfc3339(SystemClock().now())},
                         {"level", level_name(level)},
                         {"component", s.component},
                         {"event", event}};
  if (fields.is_object()) {
    for (auto& [key, value] : fields.items()) line[key] = std::move(value);
  }
  // Replace invalid UTF-8 instead of throwing: a log line must never crash.
  const std::string text =
      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + '\n';
  const std::lock_guard lock(s.mutex);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace salesfollow::log
