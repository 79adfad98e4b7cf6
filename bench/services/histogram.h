// Latency histogram with HDR-like log-linear buckets: exact below 256 ns,
// then 128 linear sub-buckets per power of two (relative error < 0.8%).
// Values are nanoseconds; anything above ~2^40 ns (18 min) is clamped.
#pragma once

#include <cstdint>
#include <vector>

namespace salesfollow::bench {

class Histogram {
 public:
  static constexpr int kSubBits = 8;
  static constexpr std::uint64_t kSub = 1ULL << kSubBits;  // 256 exact buckets
  static constexpr std::uint64_t kHalf = kSub / 2;          // 128 per power of two above
  static constexpr std::uint64_t kMaxValue = (1ULL << 40) - 1;

  Histogram();

  void record(std::uint64_t value_ns);
  void merge(const Histogram& other);
  void reset();

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return max_; }
  double mean() const { return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_); }
  // The highest value equivalent to the q-quantile's bucket (q in [0, 1]),
  // capped by the largest recorded value; 0 when empty.
  std::uint64_t percentile(double q) const;

  static std::size_t bucket_of(std::uint64_t value);
  static std::uint64_t lowest_of(std::size_t bucket);
  static std::uint64_t highest_of(std::size_t bucket);
  static std::size_t bucket_count();

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t min_ = ~0ULL;
  std::uint64_t max_ = 0;
  double sum_ = 0;
};

}  // namespace salesfollow::bench
