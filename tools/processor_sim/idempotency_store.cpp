// Idempotency-Key bookkeeping. Decision order: a known key first checks the endpoint, then
// the parameters, and only then whether the first request finished (replay) or is still
// executing ("in use"). So a reuse with other parameters is a mismatch even while the first
// request runs. Stripe documents the parameter check for every reuse and the 409 for a
// request that conflicts with one still executing, not which comes first; a retryable 409
// would only lead the client's retries to the same mismatch once the first request finished.
#include "idempotency_store.hpp"

#include <algorithm>

namespace escrowd::processor_sim {

idempotency_store::idempotency_store(std::int64_t ttl_ms, std::size_t capacity)
    : ttl_ms_(ttl_ms), capacity_(capacity) {}

begin_result idempotency_store::begin(const std::string& scope, const std::string& endpoint,
                                      const std::string& fingerprint, std::int64_t now_ms) {
  expire(now_ms);
  auto it = entries_.find(scope);
  if (it != entries_.end() && it->second.finished && expired(it->second, now_ms)) {
    entries_.erase(it);  // left behind by expire() waiting on an older executing key
    it = entries_.end();
  }
  if (it != entries_.end()) {
    const entry& e = it->second;
    if (e.endpoint != endpoint) return {begin_status::endpoint_mismatch, nullptr, e.endpoint, {}};
    if (e.fingerprint != fingerprint) return {begin_status::params_mismatch, nullptr, {}, {}};
    if (!e.finished) return {begin_status::in_use, nullptr, {}, {}};
    return {begin_status::replay, &e.response, {}, {}};
  }
  if (entries_.size() >= capacity_) return {begin_status::full, nullptr, {}, {}};
  const std::uint64_t claim_id = ++claims_begun_;
  // The claim first (it copies the scope, which may throw): once the entry exists, any
  // failure below drops the claim, which removes the entry again.
  key_claim claim(*this, scope, claim_id);
  entries_.emplace(scope, entry{endpoint, fingerprint, now_ms, false, {}, claim_id});
  by_age_.emplace_back(now_ms, scope);
  return {begin_status::started, nullptr, {}, std::move(claim)};
}

idempotency_store::entry* idempotency_store::claimed(const std::string& scope,
                                                     std::uint64_t claim_id) {
  auto it = entries_.find(scope);
  if (it == entries_.end() || it->second.finished || it->second.claim_id != claim_id)
    return nullptr;  // reset while executing, perhaps begun again since by another request
  return &it->second;
}

void idempotency_store::complete(const std::string& scope, std::uint64_t claim_id,
                                 stored_response response) {
  entry* executing = claimed(scope, claim_id);
  if (executing == nullptr) return;  // nothing of this claim's to save
  // The one step that can throw comes first: a failure leaves the key executing, and its
  // claim can still save another answer or release it.
  finished_since_taken_.push_back(scope);
  executing->finished = true;
  executing->response = std::move(response);
}

void idempotency_store::release(const std::string& scope, std::uint64_t claim_id) noexcept {
  auto it = entries_.find(scope);
  if (it == entries_.end() || it->second.finished || it->second.claim_id != claim_id) return;
  // Its queue element goes too: left behind, every refused request grew the queue for a
  // whole ttl, and a key begun again within the same millisecond had two elements, which
  // finished_keys() both matched, writing the key twice into every compacted state file.
  // Validation releases right after begin(), so the element is usually the last; a claim
  // dropped later (a slow call) finds it a few places back.
  const std::int64_t created_ms = it->second.created_ms;
  for (auto element = by_age_.rbegin(); element != by_age_.rend(); ++element) {
    if (element->first == created_ms && element->second == scope) {
      by_age_.erase(std::next(element).base());
      break;
    }
    if (element->first < created_ms) break;  // sorted by creation: it is not further back
  }
  entries_.erase(it);
}

void idempotency_store::expire(std::int64_t now_ms) {
  while (!by_age_.empty() && now_ms - by_age_.front().first >= ttl_ms_) {
    auto it = entries_.find(by_age_.front().second);
    // Only the entry this queue element was made for counts, not a newer one with the same key.
    if (it != entries_.end() && it->second.created_ms == by_age_.front().first) {
      // An executing key stays until its request completes it; executions are short (bounded
      // by slow_ms_max), so waiting here delays the expiry of younger keys only briefly.
      if (!it->second.finished) return;
      entries_.erase(it);
    }
    by_age_.pop_front();
  }
}

void idempotency_store::clear() {
  entries_.clear();
  by_age_.clear();
  finished_since_taken_.clear();
}

std::vector<finished_key> idempotency_store::take_finished() {
  std::vector<finished_key> out;
  for (const std::string& scope : finished_since_taken_) {
    auto it = entries_.find(scope);
    if (it != entries_.end() && it->second.finished)
      out.push_back(to_finished_key(scope, it->second));
  }
  finished_since_taken_.clear();
  return out;
}

std::vector<finished_key> idempotency_store::finished_keys() const {
  std::vector<finished_key> out;
  for (const auto& [created_ms, scope] : by_age_) {
    auto it = entries_.find(scope);
    // Skips the stale queue elements of recreated keys, as expire() does.
    if (it != entries_.end() && it->second.finished && it->second.created_ms == created_ms)
      out.push_back(to_finished_key(scope, it->second));
  }
  return out;
}

void idempotency_store::restore(finished_key key) {
  // expire() walks by_age_ from the front and stops at the first young key, so the queue
  // must stay sorted by creation time; the file lists keys in the order they finished, which
  // a slow request can make differ from the order they were created.
  auto position = std::upper_bound(
      by_age_.begin(), by_age_.end(), key.created_ms,
      [](std::int64_t created_ms, const auto& element) { return created_ms < element.first; });
  by_age_.insert(position, {key.created_ms, key.scope});
  entries_[key.scope] = entry{std::move(key.endpoint), std::move(key.fingerprint), key.created_ms,
                              true, std::move(key.response)};
}

void key_claim::complete(stored_response response) {
  if (store_ == nullptr) return;
  store_->complete(scope_, id_, std::move(response));
  store_ = nullptr;
}

void key_claim::drop() noexcept {
  if (store_ != nullptr) std::exchange(store_, nullptr)->release(scope_, id_);
}

}  // namespace escrowd::processor_sim
