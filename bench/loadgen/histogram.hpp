// A latency histogram in the manner of HdrHistogram: log-bucketed with 64 linear sub-buckets
// per power of two, so every recorded value is kept within 1/64 (1.6%) of itself from 1 us to
// days, in a fixed 18 KiB of counters, with O(1) record and exact merge.
// Thread affinity: none; one owner records, others get copies (merge them to combine shards).
#pragma once

#include <array>
#include <cstdint>

namespace escrowd::loadgen {

class histogram {
 public:
  // Values are microseconds; negatives are recorded as 0.
  void record(std::int64_t value_us);
  void merge(const histogram& other);
  void reset() { *this = histogram{}; }

  [[nodiscard]] std::uint64_t count() const { return count_; }
  [[nodiscard]] std::int64_t min() const { return count_ == 0 ? 0 : min_; }
  [[nodiscard]] std::int64_t max() const { return max_; }
  [[nodiscard]] double mean() const;
  // The value at or below which `percent` (0..100) of the recorded values fall, reported as
  // the highest value of its bucket (never under-reporting, as HdrHistogram does); exact at
  // 0 and 100 (min and max).
  [[nodiscard]] std::int64_t percentile(double percent) const;

  // Bucket arithmetic, public for the tests.
  static constexpr unsigned sub_bucket_bits = 6;  // 64 sub-buckets per power of two
  static constexpr std::uint64_t sub_bucket_count = std::uint64_t{1} << sub_bucket_bits;
  static constexpr unsigned powers_count = 40;  // up to 2^46 us, about 2 years
  static constexpr std::size_t buckets_count =
      sub_bucket_count * 2 + (powers_count - 1) * sub_bucket_count;
  static std::size_t bucket_of(std::uint64_t value);
  static std::uint64_t highest_in_bucket(std::size_t bucket);

 private:
  std::array<std::uint64_t, buckets_count> counts_{};
  std::uint64_t count_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace escrowd::loadgen
