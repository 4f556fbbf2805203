// Stripe's Idempotency-Key rules as a pure data structure: which key is executing, which
// finished with what response, and when a key is forgotten. Time comes in as an argument, so
// tests drive expiry without waiting. Finished keys are also handed to the state file
// (take_finished) and restored from it (restore); executing keys never are, because a
// request that had not finished when the process died had applied nothing. Not thread-safe:
// the owner (the api, on the simulator's single I/O thread) serializes calls.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace escrowd::processor_sim {

// The response saved for replay: the same status and body, and the request id of the
// request that produced it (sent back as `Original-Request`).
struct stored_response {
  int status = 0;
  std::string body;
  std::string request_id;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Stripe-Should-Retry
};

enum class begin_status {
  started,            // the caller executes, holding the key through a key_claim
  replay,             // a finished response exists: send it back
  params_mismatch,    // same key, same endpoint, other parameters
  endpoint_mismatch,  // same key used first on another endpoint
  in_use,             // the first request with this key is still executing
  full,               // capacity reached: refuse without storing
};

// A finished key as the state file holds it.
struct finished_key {
  std::string scope;
  std::string endpoint;
  std::string fingerprint;
  std::int64_t created_ms = 0;
  stored_response response;
};

class idempotency_store;

// The request's hold on a key it started (begin() said `started`): released when dropped
// unless complete() saved an answer first. Without it, a request that left by an exception
// (a failed allocation, a library error) or whose pending call was simply dropped kept its
// key executing for good: every retry answered 409, and expire(), which waits on executing
// keys, let no younger key go. A claim acts only on the entry it began: after a clear()
// (/_sim/reset) the same key may be begun again by another request, whose entry a slow
// call's late answer must neither fill nor free. Move-only; must not outlive its store.
class key_claim {
 public:
  key_claim() = default;
  key_claim(key_claim&& other) noexcept
      : store_(std::exchange(other.store_, nullptr)),
        scope_(std::move(other.scope_)),
        id_(other.id_) {}
  key_claim& operator=(key_claim&& other) noexcept {
    if (this != &other) {
      drop();
      store_ = std::exchange(other.store_, nullptr);
      scope_ = std::move(other.scope_);
      id_ = other.id_;
    }
    return *this;
  }
  key_claim(const key_claim&) = delete;
  key_claim& operator=(const key_claim&) = delete;
  ~key_claim() { drop(); }

  [[nodiscard]] bool held() const { return store_ != nullptr; }
  // Saves the answer for replay; the claim is over. If saving throws, the claim is still
  // held, so the caller can save another answer or let it go.
  void complete(stored_response response);
  // Forgets the key now, as validation errors do: the answer is not saved.
  void release() noexcept { drop(); }

 private:
  friend class idempotency_store;
  key_claim(idempotency_store& store, std::string scope, std::uint64_t id)
      : store_(&store), scope_(std::move(scope)), id_(id) {}
  void drop() noexcept;

  idempotency_store* store_ = nullptr;
  std::string scope_;
  std::uint64_t id_ = 0;
};

struct begin_result {
  begin_status status = begin_status::started;
  const stored_response* response = nullptr;  // with replay; valid until the next call
  std::string first_endpoint;                 // with endpoint_mismatch
  key_claim claim;                            // held with started
};

class idempotency_store {
 public:
  idempotency_store(std::int64_t ttl_ms, std::size_t capacity);

  // `scope` is the key as the client sent it, prefixed by whose key it is (the API key):
  // Stripe scopes keys per account. `endpoint` is "POST /v1/payment_intents".
  [[nodiscard]] begin_result begin(const std::string& scope, const std::string& endpoint,
                                   const std::string& fingerprint, std::int64_t now_ms);
  // Drops every key first seen at least ttl ago.
  void expire(std::int64_t now_ms);
  void clear();

  [[nodiscard]] std::size_t size() const { return entries_.size(); }

  // The keys finished since the previous call (those still held), for the state file.
  [[nodiscard]] std::vector<finished_key> take_finished();
  // Every finished key, oldest first: what a compacted state file holds.
  [[nodiscard]] std::vector<finished_key> finished_keys() const;
  // Puts back a key read from the state file (a later one for the same scope replaces it).
  void restore(finished_key key);

 private:
  friend class key_claim;
  struct entry {
    std::string endpoint;
    std::string fingerprint;
    std::int64_t created_ms = 0;
    bool finished = false;
    stored_response response;
    std::uint64_t claim_id = 0;  // the claim that began it; 0 once restored from the file
  };

  // Saves the response of the key `claim_id` began: later begin() calls replay it.
  void complete(const std::string& scope, std::uint64_t claim_id, stored_response response);
  // Forgets the key `claim_id` began, unless it finished (validation errors, a dropped
  // call). Allocates nothing, so a claim's destructor can call it.
  void release(const std::string& scope, std::uint64_t claim_id) noexcept;
  // The executing entry `claim_id` began, if it is still there.
  [[nodiscard]] entry* claimed(const std::string& scope, std::uint64_t claim_id);

  [[nodiscard]] bool expired(const entry& e, std::int64_t now_ms) const {
    return now_ms - e.created_ms >= ttl_ms_;
  }
  [[nodiscard]] finished_key to_finished_key(const std::string& scope, const entry& e) const {
    return {scope, e.endpoint, e.fingerprint, e.created_ms, e.response};
  }

  std::int64_t ttl_ms_;
  std::size_t capacity_;
  std::unordered_map<std::string, entry> entries_;
  // Keys in the order they were created, for expiry without scanning the map. A key that was
  // recreated appears twice; the stale element is recognised by its older timestamp.
  std::deque<std::pair<std::int64_t, std::string>> by_age_;
  std::vector<std::string> finished_since_taken_;  // scopes, in the order they finished
  std::uint64_t claims_begun_ = 0;
};

}  // namespace escrowd::processor_sim
