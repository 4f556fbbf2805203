// make_request_id: per-thread 64-bit Mersenne Twister seeded from the OS. Not a secret (ids
// are echoed to clients and logs); only unique and not enumerable.
#include "http/request_id.hpp"

#include <cstdint>
#include <random>
#include <string_view>

namespace escrowd::http {
namespace {

constexpr std::string_view alphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::string_view prefix = "req_";
// 62^10 < 2^64: ten digits per 64-bit draw lose nothing to modulo bias worth caring about.
constexpr int digits_per_draw = 10;
constexpr int draws = 2;

std::mt19937_64& generator() {
  thread_local std::mt19937_64 engine = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(), device(), device()};
    return std::mt19937_64{seed};
  }();
  return engine;
}

}  // namespace

std::string make_request_id() {
  std::string id;
  id.reserve(prefix.size() + digits_per_draw * draws);
  id.append(prefix);
  for (int draw = 0; draw < draws; ++draw) {
    std::uint64_t bits = generator()();
    for (int digit = 0; digit < digits_per_draw; ++digit) {
      id.push_back(alphabet[bits % alphabet.size()]);
      bits /= alphabet.size();
    }
  }
  return id;
}

}  // namespace escrowd::http
