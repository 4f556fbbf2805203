// Finding the processor's objects of one operation on Stripe's own API, whose lists filter
// by no metadata: a PaymentIntent through the Search API first (one call when it is there;
// but the search lags its writes, typically by under a minute, up to an hour in an outage),
// then, when the search shows none, and for a Payout (which has no search), by paging
// through the objects created since the operation, less a margin for the clocks' skew,
// keeping those whose metadata names it: lists are current. Pure functions and values:
// unit-tested on their own, driven by stripe_client.
// Thread affinity: none.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "actors/gateway_config.hpp"
#include "http/processor_client/stripe_wire.hpp"

namespace escrowd::processor_client {

// More than one object for an operation is already a double charge: a few suffice.
inline constexpr std::size_t search_results_max = 10;
inline constexpr std::size_t object_scan_page_size = 100;
// A scan asks at most this many pages, then answers nothing known: a busy platform's older
// operation is left to the search's word or the operator rather than to thousands of requests.
inline constexpr std::size_t object_scan_pages_max = 10;

// Stripe's search query for an exact metadata value: metadata['key']:'value', with the
// value's quotes and backslashes escaped.
[[nodiscard]] std::string metadata_search_query(std::string_view key, std::string_view value);

// GET /v1/payment_intents/search for the top-up's metadata.
[[nodiscard]] wire_request payment_intent_search_request(std::string_view operation_id,
                                                         const client_identity& identity);

// The objects of one operation, one page of its kind's list at a time: next_request() asks
// for the next page, take() reads its answer; when take() is true the scan is over and
// lookup() is its answer (not answered when a page was not, or past the page bound).
class object_scan {
 public:
  // `created_at`: the operation's creation (the ledger's Unix seconds; 0: unknown, every
  // object is scanned).
  object_scan(processor_kind kind, std::string operation_id, std::int64_t created_at);

  [[nodiscard]] wire_request next_request(const client_identity& identity) const;
  [[nodiscard]] bool take(const wire_answer& answer);
  [[nodiscard]] const actors::processor_lookup& lookup() const { return lookup_; }

 private:
  processor_kind kind_;
  std::string operation_id_;
  std::int64_t created_since_ = 0;
  std::string starting_after_;
  std::size_t pages_ = 0;
  actors::processor_lookup lookup_;
};

}  // namespace escrowd::processor_client
