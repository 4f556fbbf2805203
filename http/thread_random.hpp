// One non-cryptographic generator per thread, seeded once from the OS, for values that
// must be unique and unguessable-enough but are not secrets (request ids, object ids).
// Secrets use OpenSSL's CSPRNG instead (fresh_ids.hpp). Thread affinity: per thread.
#pragma once

#include <random>

namespace escrowd::http {

inline std::mt19937_64& thread_random() {
  thread_local std::mt19937_64 engine = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(), device(), device()};
    return std::mt19937_64{seed};
  }();
  return engine;
}

}  // namespace escrowd::http
