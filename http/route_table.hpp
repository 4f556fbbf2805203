// The v1 routes (api.md "Resources and endpoints") and the matching of a request's method
// and path against them. Pure: no I/O, no actors, so it is unit-tested on its own.
// Thread affinity: none.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/result.hpp"

namespace escrowd::http {

enum class route : std::uint8_t {
  create_account,
  get_account,
  create_account_key,
  list_entries,
  create_topup,
  create_withdrawal,
  create_key,
  revoke_key,
  create_task,
  get_task,
  assign_task,
  fund_task,
  submit_task,
  approve_task,
  dispute_task,
  resolve_task,
  cancel_task,
  get_topup,
  get_withdrawal,
  retry_topup,
  cancel_topup,
  retry_withdrawal,
  cancel_withdrawal,
  processor_webhooks,
  reconciliation,
  batch,
  verify_ledger,
  metrics,
  healthz,
  readyz,
};

inline constexpr std::size_t route_count = static_cast<std::size_t>(route::readyz) + 1;

struct route_match {
  http::route route = http::route::healthz;
  std::string id;  // the {id} segment, when the route has one (not yet validated)
};

// route_not_found (404) for a path no route has; method_not_allowed (405) for a known path
// with another method. `path` excludes the query string.
[[nodiscard]] result<route_match> match_route(std::string_view method, std::string_view path);

// "POST /v1/tasks/{id}/fund": the endpoint stored with idempotency records and the label
// of HTTP metrics (never an id, so label sets stay bounded).
[[nodiscard]] std::string_view route_template(route which);

// The methods a path's routes accept ("GET, POST"), for the Allow header of a 405.
[[nodiscard]] std::string allowed_methods(std::string_view path);

}  // namespace escrowd::http
