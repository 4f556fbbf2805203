// api_call: idempotency keys and the error envelope.
#include "tools/client/api_call.hpp"

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <random>

namespace escrowd::client {

std::string api_result::error_code() const {
  return error_code_of(body);
}

std::string new_idempotency_key() {
  // One generator per thread, seeded from the OS: keys from two processes or two threads
  // never share a sequence, and no lock is taken per key.
  thread_local std::mt19937_64 generator{[] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64{seed};
  }()};
  static constexpr std::array<char, 16> digits{'0', '1', '2', '3', '4', '5', '6', '7',
                                               '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::string key = "ik_";
  key.reserve(3 + 32);
  for (int half = 0; half < 2; ++half) {
    auto bits = generator();
    for (int digit = 0; digit < 16; ++digit, bits >>= 4) key.push_back(digits[bits & 0xf]);
  }
  return key;
}

std::string error_code_of(std::string_view body) {
  boost::system::error_code failure;
  const auto parsed = boost::json::parse(body, failure);
  if (failure || !parsed.is_object()) return {};
  const auto* error = parsed.as_object().if_contains("error");
  if (error == nullptr || !error->is_object()) return {};
  const auto* code = error->as_object().if_contains("code");
  if (code == nullptr || !code->is_string()) return {};
  return std::string{code->as_string()};
}

}  // namespace escrowd::client
