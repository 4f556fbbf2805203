// The load generator's log-bucketed histogram: exact below 128 us, within 1/64 of every
// value above, exact min/max/mean, percentiles by rank, and merging equal to recording all.
// Random values come from a seeded generator (seed printed).
#include "bench/loadgen/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace escrowd::loadgen {
namespace {

TEST(Histogram, SmallValuesAreExact) {
  histogram measured;
  for (int value = 0; value < 128; ++value) measured.record(value);
  EXPECT_EQ(measured.count(), 128u);
  EXPECT_EQ(measured.min(), 0);
  EXPECT_EQ(measured.max(), 127);
  EXPECT_EQ(measured.percentile(50), 63);  // rank 64 of 0..127
  EXPECT_EQ(measured.percentile(100), 127);
  EXPECT_DOUBLE_EQ(measured.mean(), 63.5);
}

TEST(Histogram, EveryBucketHoldsItsValueWithinOneSixtyFourth) {
  const auto seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 random{seed};
  for (int draw = 0; draw < 100'000; ++draw) {
    const std::uint64_t value = random() >> (random() % 24 + 22);  // spread over magnitudes
    const auto bucket = histogram::bucket_of(value);
    ASSERT_LT(bucket, histogram::buckets_count);
    const auto highest = histogram::highest_in_bucket(bucket);
    ASSERT_GE(highest, value);
    ASSERT_LE(highest - value, value / 64) << value;
  }
}

TEST(Histogram, BucketsAreContiguousAndOrdered) {
  for (std::size_t bucket = 1; bucket + 1 < histogram::buckets_count; ++bucket) {
    const auto low = histogram::highest_in_bucket(bucket - 1) + 1;
    ASSERT_EQ(histogram::bucket_of(low), bucket);
    ASSERT_EQ(histogram::bucket_of(histogram::highest_in_bucket(bucket)), bucket);
  }
}

TEST(Histogram, PercentilesOfAUniformSpread) {
  histogram measured;
  for (int value = 1; value <= 10'000; ++value) measured.record(value);
  const auto near = [](std::int64_t got, std::int64_t want) {
    return got >= want && got <= want + want / 64;
  };
  EXPECT_TRUE(near(measured.percentile(50), 5'000)) << measured.percentile(50);
  EXPECT_TRUE(near(measured.percentile(99), 9'900)) << measured.percentile(99);
  EXPECT_TRUE(near(measured.percentile(99.9), 9'990)) << measured.percentile(99.9);
  EXPECT_EQ(measured.percentile(0), 1);
  EXPECT_EQ(measured.max(), 10'000);
}

TEST(Histogram, MergeEqualsRecordingEverything) {
  const auto seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 random{seed};
  histogram left;
  histogram right;
  histogram both;
  for (int draw = 0; draw < 10'000; ++draw) {
    const auto value = static_cast<std::int64_t>(random() % 5'000'000);
    (draw % 3 == 0 ? left : right).record(value);
    both.record(value);
  }
  left.merge(right);
  EXPECT_EQ(left.count(), both.count());
  EXPECT_EQ(left.min(), both.min());
  EXPECT_EQ(left.max(), both.max());
  EXPECT_DOUBLE_EQ(left.mean(), both.mean());
  for (double percent : {1.0, 25.0, 50.0, 90.0, 99.0, 99.99}) {
    EXPECT_EQ(left.percentile(percent), both.percentile(percent)) << percent;
  }
}

TEST(Histogram, NegativeAndHugeValuesAreClamped) {
  histogram measured;
  measured.record(-5);
  measured.record(std::int64_t{1} << 60);
  EXPECT_EQ(measured.min(), 0);
  EXPECT_EQ(measured.max(), std::int64_t{1} << 60);
  EXPECT_EQ(measured.percentile(100), std::int64_t{1} << 60);
  EXPECT_EQ(measured.count(), 2u);
}

TEST(Histogram, EmptyReportsZero) {
  histogram measured;
  EXPECT_EQ(measured.percentile(99), 0);
  EXPECT_EQ(measured.min(), 0);
  EXPECT_DOUBLE_EQ(measured.mean(), 0.0);
}

}  // namespace
}  // namespace escrowd::loadgen
