#include "test_clock.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>

namespace salesfollow::testing {
namespace {

std::filesystem::path new_clock_path() {
  static std::atomic<int> counter{0};
  return std::filesystem::temp_directory_path() /
         fmt::format("salesfollow-clock-{}-{}", ::getpid(), counter++);
}

}  // namespace

TestClock::TestClock(TimePoint start) : path_(new_clock_path()), now_(start) {
  write_clock_file(path_, start);
}

TestClock::~TestClock() {
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

void TestClock::set(TimePoint t) {
  now_ = t;
  write_clock_file(path_, t);
}

}  // namespace salesfollow::testing
