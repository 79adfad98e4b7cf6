// Structured logs: one JSON object per line on stdout.
//
// Fields are chosen by the caller; never pass request payloads or contact
// data here (contact values are personal data and must not reach the logs).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace salesfollow::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

// Called once at start-up, before other threads exist.
void init(std::string component, Level minimum);
std::optional<Level> parse_level(std::string_view text);

void write(Level level, std::string_view event, nlohmann::json fields = nlohmann::json::object());

inline void debug(std::string_view event, nlohmann::json fields = nlohmann::json::object()) {
  write(Level::debug, event, std::move(fields));
}
inline void info(std::string_view event, nlohmann::json fields = nlohmann::json::object()) {
  write(Level::info, event, std::move(fields));
}
inline void warn(std::string_view event, nlohmann::json fields = nlohmann::json::object()) {
  write(Level::warn, event, std::move(fields));
}
inline void error(std::string_view event, nlohmann::json fields = nlohmann::json::object()) {
  write(Level::error, event, std::move(fields));
}

}  // namespace salesfollow::log
