// idempotency_gate: decides what a request carrying an Idempotency-Key may do (api.md
// "Idempotency"): replay the stored response, refuse a key reused with other parameters
// (422) or still in flight (409), or claim the key and run. The in-flight set is memory
// only: the durable record is written with the effect, and a crash frees every claim
// (nothing was acknowledged for a request that was in flight).
// Thread affinity: thread-safe (one mutex; held for a hash lookup, never across I/O).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#include "actors/commands.hpp"

namespace escrowd::actors {

// A stored answer to replay.
struct stored_response {
  std::uint16_t status = 0;
  std::string body;
  std::string original_request_id;
};

enum class gate_verdict : std::uint8_t {
  run,     // claimed: run the request, then release the claim
  replay,  // answer with the stored response
  reused,  // 422 idempotency_key_reused
  in_use,  // 409 idempotency_key_in_use
};

struct gate_decision {
  gate_verdict verdict = gate_verdict::run;
  std::optional<stored_response> replay;
};

class idempotency_gate {
 public:
  // `stored` is what durable storage holds for (scope, key), looked up by the caller
  // after claiming failed or before claiming; see decide().
  [[nodiscard]] bool try_claim(const std::string& scope, const std::string& key);
  void release(const std::string& scope, const std::string& key);

  [[nodiscard]] std::size_t claims_in_flight() const;

 private:
  static std::string slot(const std::string& scope, const std::string& key);
  mutable std::mutex mutex_;
  std::unordered_set<std::string> in_flight_;
};

// The verdict for a stored record against the incoming request.
[[nodiscard]] gate_decision judge_stored(const idempotency_claim& incoming,
                                         const std::string& stored_fingerprint,
                                         const std::string& stored_endpoint,
                                         stored_response stored);

}  // namespace escrowd::actors
