// The test clock shared by every process of a test: one file holding an
// RFC 3339 instant, passed to each process as --test-clock-file. Setting it
// moves the clock of all of them at once (each re-reads the file when it
// changes; it is replaced atomically).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "salesfollow/common/clock.h"

namespace salesfollow::testing {

class TestClock {
 public:
  explicit TestClock(TimePoint start);
  ~TestClock();
  TestClock(const TestClock&) = delete;
  TestClock& operator=(const TestClock&) = delete;

  void set(TimePoint t);
  void advance(std::chrono::microseconds by) { set(now_ + by); }
  TimePoint now() const { return now_; }
  const std::filesystem::path& path() const { return path_; }
  // "--test-clock-file=PATH", for a process's arguments.
  std::string argument() const { return "--test-clock-file=" + path_.string(); }

 private:
  std::filesystem::path path_;
  TimePoint now_;
};

}  // namespace salesfollow::testing
