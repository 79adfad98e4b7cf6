// Progress of a long import on stderr: a bar redrawn in place on a terminal,
// plain lines (at most one every few seconds) when stderr is a file or pipe,
// so that logs stay readable.
#pragma once

#include <chrono>
#include <cstddef>
#include <ostream>
#include <string>

namespace salesfollow::salesctl {

class Progress {
 public:
  using Clock = std::chrono::steady_clock;

  // `total_bytes` 0 = unknown (no percentage).
  Progress(std::ostream& out, bool terminal, std::size_t total_bytes,
           Clock::time_point start = Clock::now());

  // Called after each row; draws when enough time passed since the last draw.
  void update(std::size_t rows, std::size_t bytes, Clock::time_point now = Clock::now());
  // The final line (always drawn).
  void finish(std::size_t rows, std::size_t bytes, Clock::time_point now = Clock::now());

  // The text of one report, e.g. "[#####.....]  50%  1200 rows  400 rows/s".
  std::string line(std::size_t rows, std::size_t bytes, Clock::time_point now) const;

 private:
  void draw(std::size_t rows, std::size_t bytes, Clock::time_point now);

  std::ostream& out_;
  bool terminal_;
  std::size_t total_bytes_;
  Clock::time_point start_;
  Clock::time_point last_draw_;
  bool drawn_ = false;
};

}  // namespace salesfollow::salesctl
