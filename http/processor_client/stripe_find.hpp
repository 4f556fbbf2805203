// Finding the processor's objects of one operation on Stripe's own API, whose lists filter
// by no metadata: a PaymentIntent through the Search API (which lags its writes, typically
// by under a minute), a Payout (which has no search) by paging through the payouts created
// since the operation, less a margin for the clocks' skew, keeping those whose metadata
// names it. Pure functions and values: unit-tested on their own, driven by stripe_client.
// Thread affinity: none.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/processor_client/stripe_wire.hpp"

namespace escrowd::processor_client {

// More than one object for an operation is already a double charge: a few suffice.
inline constexpr std::size_t search_results_max = 10;
inline constexpr std::size_t payout_scan_page_size = 100;
// A payout scan asks at most this many pages, then answers nothing known: a busy
// platform's older payout is left to the operator rather than to thousands of requests.
inline constexpr std::size_t payout_scan_pages_max = 10;
// The ledger's clock and Stripe's may disagree: the scan starts this much earlier.
inline constexpr std::int64_t payout_scan_skew_margin_s = 3600;

// Stripe's search query for an exact metadata value: metadata['key']:'value', with the
// value's quotes and backslashes escaped.
[[nodiscard]] std::string metadata_search_query(std::string_view key, std::string_view value);

// GET /v1/payment_intents/search for the top-up's metadata.
[[nodiscard]] wire_request payment_intent_search_request(std::string_view operation_id,
                                                         const client_identity& identity);

// The payouts of one withdrawal, one page at a time: next_request() asks for the next page,
// take() reads its answer; when take() is true the scan is over and lookup() is its answer.
class payout_scan {
 public:
  // `created_at`: the operation's creation (the ledger's Unix seconds; 0: unknown, every
  // payout is scanned).
  payout_scan(std::string operation_id, std::int64_t created_at);

  [[nodiscard]] wire_request next_request(const client_identity& identity) const;
  [[nodiscard]] bool take(const wire_answer& answer);
  [[nodiscard]] const actors::processor_lookup& lookup() const { return lookup_; }

 private:
  std::string operation_id_;
  std::int64_t created_since_ = 0;
  std::string starting_after_;
  std::size_t pages_ = 0;
  actors::processor_lookup lookup_;
};

}  // namespace escrowd::processor_client
