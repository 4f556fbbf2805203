// principal_cache: the principals of bearer secrets recently authenticated, so a request
// does not hash its secret (SHA-256 through OpenSSL's EVP, ~6k instructions) and read the
// key's row (~3k) every time: 8% of the server's instructions per durable request.
// Only keys found and not revoked are kept. A revocation, once durable and before it is
// answered, forgets every entry and moves the generation on; an authentication that read
// the store before that does not keep what it read (`keep` compares generations), so no
// revoked key is accepted after its revocation was acknowledged. Bounded: full, it starts
// over. The secrets are kept in memory, as each request's is while it is handled.
// Thread affinity: any thread (one mutex).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "engine/authorization.hpp"
#include "engine/string_map.hpp"

namespace escrowd::actors {

class principal_cache {
 public:
  explicit principal_cache(std::size_t entries_max) : entries_max_(entries_max) {}

  // What `secret` was found to be, if kept.
  std::optional<principal> find(std::string_view secret) const;
  // Read before reading the store for a secret not kept.
  std::uint64_t generation() const;
  // Keeps `found` for `secret` unless a revocation came after `generation` was read.
  void keep(std::string_view secret, const principal& found, std::uint64_t generation);
  // A key was revoked (durably): nothing kept is trusted any more.
  void forget_all();

 private:
  const std::size_t entries_max_;
  mutable std::mutex mutex_;
  string_map<principal> entries_;
  std::uint64_t generation_ = 0;
};

}  // namespace escrowd::actors
