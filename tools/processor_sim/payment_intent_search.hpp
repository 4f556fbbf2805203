// `GET /v1/payment_intents/search`: its parameters, which PaymentIntents a query matches,
// and the pages of the answer. As at Stripe, search lags writes (docs.stripe.com/search,
// "Data freshness"): an intent created less than `search_lag_ms` ago is not found yet,
// although list and retrieve show it. Pure functions over sim_state: called on the
// simulator's I/O thread like the routes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "form_codec.hpp"
#include "param_rules.hpp"
#include "search_query.hpp"
#include "sim_state.hpp"
#include "stripe_objects.hpp"

namespace escrowd::processor_sim {

struct search_request {
  search_query query;
  std::int64_t limit = 10;
  std::string page;  // a previous answer's next_page; empty: from the newest
};

// query (required), limit (1..100), page and expand; the query parsed.
[[nodiscard]] checked<search_request> parse_search_request(const form_params& params);

[[nodiscard]] bool search_matches(const search_query& query, const payment_intent& intent);

struct search_page {
  std::vector<const payment_intent*> data;  // newest first
  bool has_more = false;
  std::string next_page;      // empty: null (no more)
  bool page_unknown = false;  // `page` is no cursor this simulator gave out
};

// The matching intents searchable at `now_ms`, `request.limit` at most, after the page's
// cursor.
[[nodiscard]] search_page search_payment_intents(const sim_state& state,
                                                 const search_request& request, std::int64_t now_ms,
                                                 std::int64_t search_lag_ms);

}  // namespace escrowd::processor_sim
