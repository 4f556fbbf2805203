#include "actors/idempotency_gate.hpp"

namespace escrowd::actors {

std::string idempotency_gate::slot(const std::string& scope, const std::string& key) {
  std::string joined;
  joined.reserve(scope.size() + 1 + key.size());
  joined.append(scope).push_back('\n');  // neither scopes (key ids) nor keys hold '\n'
  joined.append(key);
  return joined;
}

bool idempotency_gate::try_claim(const std::string& scope, const std::string& key) {
  std::lock_guard lock(mutex_);
  return in_flight_.insert(slot(scope, key)).second;
}

void idempotency_gate::release(const std::string& scope, const std::string& key) {
  std::lock_guard lock(mutex_);
  in_flight_.erase(slot(scope, key));
}

std::size_t idempotency_gate::claims_in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_.size();
}

gate_decision judge_stored(const idempotency_claim& incoming, const std::string& stored_fingerprint,
                           const std::string& stored_endpoint, stored_response stored) {
  if (stored_endpoint != incoming.endpoint || stored_fingerprint != incoming.fingerprint)
    return {gate_verdict::reused, std::nullopt};
  return {gate_verdict::replay, std::move(stored)};
}

}  // namespace escrowd::actors
