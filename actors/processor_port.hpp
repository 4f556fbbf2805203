// processor_port: the payment processor as the gateway sees it, an abstract asynchronous
// interface with no CAF, no HTTP and no JSON in it. The real implementation speaks Stripe's
// API over Beast (http/processor_client); tests use a fake. The port classifies every
// answer, so the gateway decides on meanings (succeeded, declined, retry, uncertain), never
// on status codes.
// Thread affinity: every method may be called from any thread and must not block; each
// callback is called exactly once, on any thread (the gateway posts it back to itself),
// unless the port was stopped first. Lifetime: shared (std::shared_ptr); stop() before the
// callers' targets go away.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/processor_operation.hpp"

namespace escrowd::actors {

// The processor's record of one PaymentIntent (top-up) or Payout (withdrawal), with the
// escrowd ids it carries in its metadata.
struct processor_object {
  processor_kind kind = processor_kind::topup;
  std::string id;      // "pi_..." or "po_..."
  std::string status;  // the processor's own word: "succeeded", "pending", "paid", ...
  std::int64_t amount = 0;
  std::string currency;
  std::string operation_id;  // metadata escrowd_topup / escrowd_withdrawal; may be empty
  std::string account_id;    // metadata escrowd_account
  std::string failure_code;  // decline_code or code of the last error, payout failure_code
  std::string failure_message;
  bool has_failure = false;  // a PaymentIntent carries last_payment_error

  friend bool operator==(const processor_object&, const processor_object&) = default;
};

// What the processor's record implies for the operation: succeeded/paid or failed when it
// is final there, nullopt while it is still in progress (a pending payout).
[[nodiscard]] std::optional<settlement> verdict_of(const processor_object& object);

// One create request: sent byte-identical with the same key on every attempt.
struct processor_request {
  processor_kind kind = processor_kind::topup;
  std::string idempotency_key;  // "topup:<id>:charge", "withdrawal:<id>:payout"
  std::string payload;          // the form body from the outbox row
};

enum class reply_kind : std::uint8_t {
  // The object exists and its status is final or in progress: `object` says which
  // (verdict_of). A payout answers `pending` and settles later.
  object,
  // The processor refused the request for good and nothing moved: a card decline, an
  // invalid parameter. Never retried; `failure_code`/`failure_message` say why.
  declined,
  // Nothing known to have happened and a retry with the same key is safe and useful:
  // timeout, connection error, a first 5xx, 409 key in use, 429.
  retryable,
  // Something may have happened and retrying cannot tell: a replayed 500 (the processor
  // saved the failure under the key), an idempotency_error, an unreadable success. Look
  // the operation up in the processor's records instead.
  uncertain,
};

struct processor_reply {
  reply_kind kind = reply_kind::retryable;
  std::optional<processor_object> object;  // reply_kind::object (and declines that carry one)
  std::string failure_code;
  std::string failure_message;
  // retryable: the processor's Retry-After, 0 if it gave none.
  std::chrono::milliseconds retry_after{0};
  // retryable: a rate limit (429 other than lock_timeout): slow every request down.
  bool rate_limited = false;
  int http_status = 0;     // 0: no answer arrived
  bool timed_out = false;  // http_status 0: the client's deadline passed (else a connection error)
  // uncertain: the processor replayed a 5xx it saved under the key. The key is finished
  // there (every retry replays the failure, nothing under it runs again), so the
  // processor's records are final for this operation: an absence there is an answer.
  bool failure_saved_under_key = false;
  std::string detail;  // for logs and parking reasons: "timeout", "500 api_error", ...
};

// The answer to a retrieve or find.
struct processor_lookup {
  bool answered = false;  // false: the processor could not be asked; nothing is known
  std::vector<processor_object> objects;  // retrieve: 0 (no such object) or 1
  int http_status = 0;                    // 0: no answer arrived
  bool timed_out = false;
  std::string detail;
  // find: the answer came from a search that lags its writes by up to this long (Stripe's,
  // when the current list was too long to read), so its "none" says nothing of an object
  // created in the last `search_lag`. 0: the answer is as of now.
  std::chrono::seconds search_lag{0};
};

// One page of a list, newest first.
struct processor_page {
  bool answered = false;
  std::vector<processor_object> objects;
  bool has_more = false;
  int http_status = 0;  // 0: no answer arrived
  bool timed_out = false;
  std::string detail;
};

class processor_port {
 public:
  using reply_callback = std::function<void(processor_reply)>;
  using lookup_callback = std::function<void(processor_lookup)>;
  using page_callback = std::function<void(processor_page)>;

  virtual ~processor_port() = default;

  // Creates the PaymentIntent (confirm=true) or Payout with the request's key.
  virtual void send(const processor_request& request, reply_callback done) = 0;
  // The object by its processor id.
  virtual void retrieve(processor_kind kind, const std::string& object_id,
                        lookup_callback done) = 0;
  // Every object whose metadata names `operation_id` (normally 0 or 1). `created_at`: when
  // the operation was created (the ledger's Unix seconds; 0: unknown): none of its objects
  // is older, give or take the clocks' skew.
  virtual void find(processor_kind kind, const std::string& operation_id, std::int64_t created_at,
                    lookup_callback done) = 0;
  // One page of the objects of the kind created at or after `created_since` (Unix
  // seconds, the processor's clock; 0: every object), newest first, after `starting_after`
  // (an object id; empty: from the newest). `limit` is 1..100.
  virtual void list(processor_kind kind, std::int64_t created_since,
                    const std::string& starting_after, std::size_t limit, page_callback done) = 0;
};

}  // namespace escrowd::actors
