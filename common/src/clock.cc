#include "salesfollow/common/clock.h"

#include <date/date.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace salesfollow {

TimePoint SystemClock::now() const {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

FileClock::FileClock(std::filesystem::path path) : path_(std::move(path)) {
  stamp_ = stamp_of_file();
  if (!stamp_) throw std::runtime_error("test clock file " + path_.string() + " does not exist");
  cached_ = read_file();
}

std::optional<FileClock::FileStamp> FileClock::stamp_of_file() const {
  struct stat info {};
  if (::stat(path_.c_str(), &info) != 0) return std::nullopt;
  std::error_code ec;
  const auto modified = std::filesystem::last_write_time(path_, ec);
  if (ec) return std::nullopt;
  return FileStamp{modified, static_cast<std::uintmax_t>(info.st_size), info.st_ino};
}

TimePoint FileClock::read_file() const {
  std::ifstream in(path_);
  std::string text;
  std::getline(in, text);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  const auto parsed = parse_rfc3339(text);
  if (!parsed) {
    throw std::runtime_error("test clock file " + path_.string() +
                             " does not hold an RFC 3339 instant: '" + text + "'");
  }
  return *parsed;
}

TimePoint FileClock::now() const {
  const std::lock_guard lock(mutex_);
  const auto stamp = stamp_of_file();
  if (stamp && stamp != stamp_) {
    try {
      cached_ = read_file();
      stamp_ = stamp;
    } catch (const std::runtime_error&) {
      // A half-written file from a non-atomic writer: keep the last good time
      // and try again on the next reading.
    }
  }
  return cached_;
}

std::unique_ptr<Clock> make_clock(const std::string& test_clock_file) {
  if (test_clock_file.empty()) return std::make_unique<SystemClock>();
  return std::make_unique<FileClock>(test_clock_file);
}

std::string format_rfc3339(TimePoint t) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  if (seconds == t) return date::format("%FT%TZ", seconds);
  return date::format("%FT%TZ", t);
}

std::optional<TimePoint> parse_rfc3339(std::string_view text) {
  std::istringstream in{std::string(text)};
  TimePoint parsed;
  std::chrono::minutes offset{0};
  const bool zulu = !text.empty() && (text.back() == 'Z' || text.back() == 'z');
  if (zulu) {
    in >> date::parse("%FT%T", parsed);
    if (in.fail()) return std::nullopt;
    char z = 0;
    in >> z;
  } else {
    in >> date::parse("%FT%T%Ez", parsed, offset);
    if (in.fail()) return std::nullopt;
  }
  if (in.fail() || in.peek() != std::char_traits<char>::eof()) return std::nullopt;
  // date::parse with %Ez already yields UTC (offset applied).
  return parsed;
}

std::string to_sql_datetime(TimePoint t) { return date::format("%F %T", t); }

std::optional<TimePoint> from_sql_datetime(std::string_view text) {
  std::istringstream in{std::string(text)};
  TimePoint parsed;
  in >> date::parse("%F %T", parsed);
  if (in.fail()) return std::nullopt;
  return parsed;
}

void write_clock_file(const std::filesystem::path& path, TimePoint t) {
  auto temporary = path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << format_rfc3339(t) << '\n';
    if (!out) throw std::runtime_error("cannot write " + temporary.string());
  }
  std::filesystem::rename(temporary, path);
}

}  // namespace salesfollow
