// histogram: values below 128 have a bucket each; above, a value's top 7 bits pick its bucket
// (the leading 1 and 6 bits of mantissa) and its magnitude picks the group of 64.
#include "bench/loadgen/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace escrowd::loadgen {

std::size_t histogram::bucket_of(std::uint64_t value) {
  if (value < 2 * sub_bucket_count) return static_cast<std::size_t>(value);
  const unsigned highest_bit = 63 - static_cast<unsigned>(std::countl_zero(value));
  const unsigned shift = highest_bit - sub_bucket_bits;
  const auto bucket =
      2 * sub_bucket_count + (shift - 1) * sub_bucket_count + ((value >> shift) - sub_bucket_count);
  return static_cast<std::size_t>(std::min<std::uint64_t>(bucket, buckets_count - 1));
}

std::uint64_t histogram::highest_in_bucket(std::size_t bucket) {
  if (bucket < 2 * sub_bucket_count) return bucket;
  const auto above = bucket - 2 * sub_bucket_count;
  const auto shift = above / sub_bucket_count + 1;
  const auto mantissa = sub_bucket_count + above % sub_bucket_count;
  return ((mantissa + 1) << shift) - 1;
}

void histogram::record(std::int64_t value_us) {
  value_us = std::max<std::int64_t>(value_us, 0);
  ++counts_[bucket_of(static_cast<std::uint64_t>(value_us))];
  min_ = count_ == 0 ? value_us : std::min(min_, value_us);
  max_ = std::max(max_, value_us);
  sum_ += static_cast<long double>(value_us);
  ++count_;
}

void histogram::merge(const histogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t bucket = 0; bucket < buckets_count; ++bucket) {
    counts_[bucket] += other.counts_[bucket];
  }
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  count_ += other.count_;
}

double histogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

std::int64_t histogram::percentile(double percent) const {
  if (count_ == 0) return 0;
  if (percent <= 0) return min_;
  if (percent >= 100) return max_;
  // The rank of the value asked for, counted from 1: ceil(p% of count).
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t bucket = 0; bucket < buckets_count; ++bucket) {
    seen += counts_[bucket];
    if (seen >= rank) {
      return std::min(static_cast<std::int64_t>(highest_in_bucket(bucket)), max_);
    }
  }
  return max_;
}

}  // namespace escrowd::loadgen
