#include "histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace salesfollow::bench {

std::size_t Histogram::bucket_of(std::uint64_t value) {
  value = std::min(value, kMaxValue);
  if (value < kSub) return static_cast<std::size_t>(value);
  const int msb = 63 - std::countl_zero(value);             // >= kSubBits
  const int shift = msb - (kSubBits - 1);                   // value >> shift in [kHalf, kSub)
  return static_cast<std::size_t>(kSub + static_cast<std::uint64_t>(shift - 1) * kHalf +
                                  ((value >> shift) - kHalf));
}

std::uint64_t Histogram::lowest_of(std::size_t bucket) {
  if (bucket < kSub) return bucket;
  const std::uint64_t b = bucket - kSub;
  const int shift = static_cast<int>(b / kHalf) + 1;
  return (b % kHalf + kHalf) << shift;
}

std::uint64_t Histogram::highest_of(std::size_t bucket) {
  if (bucket < kSub) return bucket;
  const std::uint64_t b = bucket - kSub;
  const int shift = static_cast<int>(b / kHalf) + 1;
  return ((b % kHalf + kHalf + 1) << shift) - 1;
}

std::size_t Histogram::bucket_count() { return bucket_of(kMaxValue) + 1; }

Histogram::Histogram() : counts_(bucket_count(), 0) {}

void Histogram::record(std::uint64_t value_ns) {
  ++counts_[bucket_of(value_ns)];
  ++count_;
  min_ = std::min(min_, value_ns);
  max_ = std::max(max_, value_ns);
  sum_ += static_cast<double>(value_ns);
}

void Histogram::merge(const Histogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

void Histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  min_ = ~0ULL;
  max_ = 0;
  sum_ = 0;
}

std::uint64_t Histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(highest_of(i), max_);
  }
  return max_;
}

}  // namespace salesfollow::bench
