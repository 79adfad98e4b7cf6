#include "progress.h"

#include <fmt/format.h>

#include <algorithm>

namespace salesfollow::salesctl {
namespace {

constexpr int kBarWidth = 30;
constexpr auto kTerminalInterval = std::chrono::milliseconds(100);
constexpr auto kLineInterval = std::chrono::seconds(2);

}  // namespace

Progress::Progress(std::ostream& out, bool terminal, std::size_t total_bytes,
                   Clock::time_point start)
    : out_(out), terminal_(terminal), total_bytes_(total_bytes), start_(start), last_draw_(start) {}

std::string Progress::line(std::size_t rows, std::size_t bytes, Clock::time_point now) const {
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(rows) / seconds : 0.0;
  std::string text;
  if (total_bytes_ > 0) {
    const double fraction =
        std::min(1.0, static_cast<double>(bytes) / static_cast<double>(total_bytes_));
    if (terminal_) {
      const int filled = static_cast<int>(fraction * kBarWidth);
      text += "[" + std::string(static_cast<std::size_t>(filled), '#') +
              std::string(static_cast<std::size_t>(kBarWidth - filled), '.') + "] ";
    }
    text += fmt::format("{:3.0f}%  ", fraction * 100.0);
  }
  return text + fmt::format("{} rows  {:.0f} rows/s", rows, rate);
}

void Progress::draw(std::size_t rows, std::size_t bytes, Clock::time_point now) {
  if (terminal_) {
    out_ << "\r\x1b[K" << line(rows, bytes, now) << std::flush;
  } else {
    out_ << "progress: " << line(rows, bytes, now) << "\n" << std::flush;
  }
  last_draw_ = now;
  drawn_ = true;
}

void Progress::update(std::size_t rows, std::size_t bytes, Clock::time_point now) {
  const auto interval = terminal_ ? std::chrono::duration_cast<Clock::duration>(kTerminalInterval)
                                  : std::chrono::duration_cast<Clock::duration>(kLineInterval);
  if (now - last_draw_ >= interval) draw(rows, bytes, now);
}

void Progress::finish(std::size_t rows, std::size_t bytes, Clock::time_point now) {
  draw(rows, bytes, now);
  if (terminal_) out_ << "\n" << std::flush;
}

}  // namespace salesfollow::salesctl
