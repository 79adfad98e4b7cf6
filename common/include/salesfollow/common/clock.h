// The one source of "now" for every process (see docs/TIME.md).
//
// Every recorded time is taken from a Clock and written by the service, never
// by database defaults such as NOW(), so that processes and tests agree on
// what time it is. Production uses SystemClock; tests start the processes with
// --test-clock-file and move a FileClock forward by rewriting one file.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace salesfollow {

using TimePoint = std::chrono::sys_time<std::chrono::microseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  // True when the clock is controlled by a test; production never sets it.
  virtual bool is_test_clock() const { return false; }
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override;
};

// Reads the current instant from a file holding one RFC 3339 UTC instant
// (e.g. "2024-03-04T00:00:00Z"). The file is re-read whenever its modification
// time, size or inode changes; writers replace it atomically (write + rename).
// The clock stands still until the file changes.
class FileClock final : public Clock {
 public:
  // Throws std::runtime_error when the file cannot be read or parsed.
  explicit FileClock(std::filesystem::path path);
  TimePoint now() const override;
  bool is_test_clock() const override { return true; }

 private:
  struct FileStamp {
    std::filesystem::file_time_type modified;
    std::uintmax_t size = 0;
    ino_t inode = 0;
    bool operator==(const FileStamp&) const = default;
  };
  std::optional<FileStamp> stamp_of_file() const;
  TimePoint read_file() const;

  std::filesystem::path path_;
  mutable std::mutex mutex_;
  mutable std::optional<FileStamp> stamp_;
  mutable TimePoint cached_;
};

// SystemClock when test_clock_file is empty, FileClock otherwise.
std::unique_ptr<Clock> make_clock(const std::string& test_clock_file);

// "2024-03-04T05:06:07.123456Z" (microseconds only when non-zero).
std::string format_rfc3339(TimePoint t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)".
std::optional<TimePoint> parse_rfc3339(std::string_view text);

// "2024-03-04 05:06:07.123456": the literal MySQL takes for DATETIME(6) (UTC).
std::string to_sql_datetime(TimePoint t);
// Reads what DATE_FORMAT(col, '%Y-%m-%d %H:%i:%s.%f') or a DATETIME(6) string gives.
std::optional<TimePoint> from_sql_datetime(std::string_view text);

// Writes `t` to `path` atomically (temporary file + rename), for test helpers.
void write_clock_file(const std::filesystem::path& path, TimePoint t);

}  // namespace salesfollow
