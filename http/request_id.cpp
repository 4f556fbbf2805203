// make_request_id: per-thread 64-bit Mersenne Twister seeded from the OS. Not a secret (ids
// are echoed to clients and logs); only unique and not enumerable.
#include "http/request_id.hpp"

#include <cstdint>
#include <string_view>

#include "http/thread_random.hpp"

namespace escrowd::http {
namespace {

constexpr std::string_view alphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::string_view prefix = "req_";
// 62^10 < 2^64: ten digits per 64-bit draw lose nothing to modulo bias worth caring about.
constexpr int digits_per_draw = 10;
constexpr int draws = 2;

}  // namespace

std::string make_request_id() {
  std::string id;
  id.reserve(prefix.size() + digits_per_draw * draws);
  id.append(prefix);
  for (int draw = 0; draw < draws; ++draw) {
    std::uint64_t bits = thread_random()();
    for (int digit = 0; digit < digits_per_draw; ++digit) {
      id.push_back(alphabet[bits % alphabet.size()]);
      bits /= alphabet.size();
    }
  }
  return id;
}

}  // namespace escrowd::http
