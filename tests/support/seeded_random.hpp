// seeded_random: reproducible randomness for tests. The seed comes from the environment
// variable ESCROWD_TEST_SEED (decimal) when set, or a fixed default, so a failing run can be
// replayed exactly; `describe()` names the seed and belongs in every failure message
// (SCOPED_TRACE(random.describe()) or `<< random.describe()`).
// The generator is splitmix64 and the bounded draws are our own, not std::*_distribution,
// whose results differ between standard libraries: a seed replays the same on any machine.
// Thread affinity: none; one test owns each instance. Lifetime: a plain value.
#pragma once

#include <cassert>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace escrowd::testing {

inline constexpr std::string_view seed_variable = "ESCROWD_TEST_SEED";

// The seed from ESCROWD_TEST_SEED, or `fallback` when unset or not a decimal number.
inline std::uint64_t test_seed(std::uint64_t fallback) {
  const char* text = std::getenv(std::string(seed_variable).c_str());
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  const unsigned long long parsed = std::strtoull(text, &end, 10);
  if (end == nullptr || *end != '\0') return fallback;
  return parsed;
}

class seeded_random {
 public:
  explicit seeded_random(std::uint64_t seed) : seed_(seed), state_(seed) {}

  // Seeded from the environment when ESCROWD_TEST_SEED is set, else from `fallback`.
  static seeded_random from_environment(std::uint64_t fallback) {
    return seeded_random(test_seed(fallback));
  }

  std::uint64_t seed() const { return seed_; }

  // "ESCROWD_TEST_SEED=<seed>": paste it in front of the test command to replay the run.
  std::string describe() const { return std::string(seed_variable) + "=" + std::to_string(seed_); }

  // splitmix64 (Steele, Lea, Flood 2014): full period, passes BigCrush, one add per draw.
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // Uniform in [0, bound), without modulo bias (rejection sampling). bound > 0.
  std::uint64_t below(std::uint64_t bound) {
    assert(bound > 0);
    const std::uint64_t limit = bound * ((~std::uint64_t{0}) / bound);  // a multiple of bound
    std::uint64_t draw = next();
    while (draw >= limit) draw = next();
    return draw % bound;
  }

  // Uniform in [low, high], both inclusive. low <= high.
  std::int64_t between(std::int64_t low, std::int64_t high) {
    assert(low <= high);
    const std::uint64_t span = std::uint64_t(high) - std::uint64_t(low);
    if (span == ~std::uint64_t{0}) return std::int64_t(next());
    return std::int64_t(std::uint64_t(low) + below(span + 1));
  }

  // True with probability numerator / denominator.
  bool chance(std::uint64_t numerator, std::uint64_t denominator) {
    return below(denominator) < numerator;
  }

  template <class value_type>
  const value_type& pick(const std::vector<value_type>& values) {
    assert(!values.empty());
    return values[below(values.size())];
  }

 private:
  std::uint64_t seed_;
  std::uint64_t state_;
};

}  // namespace escrowd::testing
