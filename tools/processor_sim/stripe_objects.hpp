// The Stripe objects the simulator keeps (PaymentIntent, Payout) and their JSON shapes, plus
// the list and event envelopes. Values only: no thread affinity. The fields after the Stripe
// ones are the simulator's bookkeeping and never appear in Stripe-shaped JSON.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace escrowd::processor_sim {

using metadata_map = std::map<std::string, std::string>;

struct payment_intent {
  std::string id;
  std::int64_t amount = 0;
  std::int64_t amount_capturable = 0;
  std::int64_t amount_received = 0;
  std::string currency;
  std::string capture_method = "automatic";  // or "manual"
  std::string status;
  std::string payment_method;  // empty: null
  std::string description;     // empty: null
  metadata_map metadata;
  std::int64_t created_s = 0;
  std::string latest_charge;  // empty: null
  std::optional<boost::json::object> last_payment_error;
  std::optional<std::int64_t> canceled_at_s;
  std::string cancellation_reason;  // empty: null
  std::string client_secret;
  // automatic_payment_methods: null when the intent was made with payment_method_types
  // (or on an API version before 2023-08-16 without either); else enabled, with
  // allow_redirects "always" or "never".
  std::string allow_redirects;  // empty: automatic_payment_methods is null
  std::string return_url;       // empty: null

  // Bookkeeping.
  std::uint64_t sequence = 0;  // creation order, breaks ties between equal `created_s`
  // Creation to the millisecond, for search's indexing lag. Not in the state file (whose
  // format it would change for a test aid): 0 after a restart, and `created_s` counts.
  std::int64_t created_ms = 0;
  std::string idempotency_key;
  std::string request_id;
};

struct payout {
  std::string id;
  std::int64_t amount = 0;
  std::string currency;
  std::string destination;
  std::string description;  // empty: null
  metadata_map metadata;
  std::string method = "standard";
  std::string status = "pending";
  std::int64_t created_s = 0;
  std::int64_t arrival_date_s = 0;
  std::string balance_transaction;
  std::string failure_balance_transaction;  // empty: null
  std::string failure_code;                 // empty: null
  std::string failure_message;              // empty: null

  // Bookkeeping.
  std::uint64_t sequence = 0;
  std::int64_t next_transition_ms = 0;  // when the sweep moves it on; 0: never again
  std::string idempotency_key;
  std::string request_id;
};

[[nodiscard]] boost::json::object to_json(const payment_intent& intent);
[[nodiscard]] boost::json::object to_json(const payout& payout);
[[nodiscard]] boost::json::object metadata_json(const metadata_map& metadata);

// The Charge of a confirmed PaymentIntent, as Stripe shows it (its outcome follows the
// intent: authorized, captured, released by a cancel, or failed with the decline).
[[nodiscard]] boost::json::object charge_json(const payment_intent& intent);

// The balance transaction a payout created (money leaving the balance).
[[nodiscard]] boost::json::object balance_transaction_json(const payout& payout);

// `{"object":"list","data":[...],"has_more":...,"url":...}`.
[[nodiscard]] boost::json::object list_json(boost::json::array data, bool has_more,
                                            std::string url);

// `{"object":"search_result","url":...,"has_more":...,"next_page":...,"data":[...]}`;
// an empty `next_page` is null.
[[nodiscard]] boost::json::object search_result_json(boost::json::array data, bool has_more,
                                                     const std::string& next_page, std::string url);

struct event_origin {
  std::string request_id;       // empty: the event has no originating request (a sweep)
  std::string idempotency_key;  // empty: null
};

// A Stripe Event wrapping a snapshot of `object`.
[[nodiscard]] boost::json::object event_json(const std::string& id, const std::string& type,
                                             std::int64_t created_s, boost::json::object object,
                                             const event_origin& origin);

// The inspection view of one object (`/_sim/charges`, `/_sim/payouts`): what a test needs to
// count effects per idempotency key.
[[nodiscard]] boost::json::object inspection_json(const payment_intent& intent);
[[nodiscard]] boost::json::object inspection_json(const payout& payout);

}  // namespace escrowd::processor_sim
