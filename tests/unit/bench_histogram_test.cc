// The load generator's latency histogram (bench/services/histogram.h).
#include "histogram.h"

#include <gtest/gtest.h>

#include <random>

namespace salesfollow::bench {
namespace {

TEST(BenchHistogram, SmallValuesAreExact) {
  for (std::uint64_t v = 0; v < Histogram::kSub; ++v) {
    EXPECT_EQ(Histogram::bucket_of(v), v);
    EXPECT_EQ(Histogram::lowest_of(v), v);
    EXPECT_EQ(Histogram::highest_of(v), v);
  }
}

TEST(BenchHistogram, BucketsTileTheRangeWithBoundedError) {
  // Consecutive buckets are contiguous and each holds the values it claims.
  for (std::size_t b = 0; b + 1 < Histogram::bucket_count(); ++b) {
    ASSERT_EQ(Histogram::highest_of(b) + 1, Histogram::lowest_of(b + 1)) << b;
    ASSERT_EQ(Histogram::bucket_of(Histogram::lowest_of(b)), b);
    ASSERT_EQ(Histogram::bucket_of(Histogram::highest_of(b)), b);
    const double width = static_cast<double>(Histogram::highest_of(b) - Histogram::lowest_of(b));
    ASSERT_LE(width / static_cast<double>(std::max<std::uint64_t>(1, Histogram::lowest_of(b))),
              1.0 / 128) << b;
  }
  EXPECT_EQ(Histogram::bucket_of(Histogram::kMaxValue * 4), Histogram::bucket_count() - 1);
}

TEST(BenchHistogram, PercentilesOfAUniformSpread) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 100000; ++v) h.record(v * 1000);  // 1 us .. 100 ms
  EXPECT_EQ(h.count(), 100000u);
  EXPECT_EQ(h.min(), 1000u);
  EXPECT_EQ(h.max(), 100000000u);
  const auto near = [](std::uint64_t got, double want) {
    EXPECT_NEAR(static_cast<double>(got), want, want * 0.01) << got << " vs " << want;
  };
  near(h.percentile(0.5), 50e6);
  near(h.percentile(0.9), 90e6);
  near(h.percentile(0.99), 99e6);
  near(h.percentile(0.999), 99.9e6);
  EXPECT_EQ(h.percentile(1.0), h.max());
  EXPECT_NEAR(h.mean(), 50000.5 * 1000, 1);
}

TEST(BenchHistogram, MergeEqualsRecordingEverything) {
  Histogram a, b, all;
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> latency(13.0, 1.0);  // ~0.4 ms median
  for (int i = 0; i < 20000; ++i) {
    const auto v = static_cast<std::uint64_t>(latency(rng));
    (i % 2 == 0 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  for (double q : {0.5, 0.9, 0.99, 0.999}) EXPECT_EQ(a.percentile(q), all.percentile(q));
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.max(), all.max());
  Histogram empty;
  EXPECT_EQ(empty.percentile(0.99), 0u);
  a.reset();
  EXPECT_EQ(a.count(), 0u);
}

}  // namespace
}  // namespace salesfollow::bench
