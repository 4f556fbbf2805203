#include "http/route_table.hpp"

#include <array>

namespace escrowd::http {
namespace {

struct route_entry {
  http::route route;
  std::string_view method;
  std::string_view pattern;  // "/v1/tasks/{id}/fund"; "{id}" matches one non-empty segment
  std::string_view label;    // method + " " + pattern
};

constexpr std::array<route_entry, route_count> routes{{
    {route::create_account, "POST", "/v1/accounts", "POST /v1/accounts"},
    {route::get_account, "GET", "/v1/accounts/{id}", "GET /v1/accounts/{id}"},
    {route::create_account_key, "POST", "/v1/accounts/{id}/keys", "POST /v1/accounts/{id}/keys"},
    {route::list_entries, "GET", "/v1/accounts/{id}/entries", "GET /v1/accounts/{id}/entries"},
    {route::create_topup, "POST", "/v1/accounts/{id}/topups", "POST /v1/accounts/{id}/topups"},
    {route::create_withdrawal, "POST", "/v1/accounts/{id}/withdrawals",
     "POST /v1/accounts/{id}/withdrawals"},
    {route::create_key, "POST", "/v1/keys", "POST /v1/keys"},
    {route::revoke_key, "DELETE", "/v1/keys/{id}", "DELETE /v1/keys/{id}"},
    {route::create_task, "POST", "/v1/tasks", "POST /v1/tasks"},
    {route::get_task, "GET", "/v1/tasks/{id}", "GET /v1/tasks/{id}"},
    {route::assign_task, "POST", "/v1/tasks/{id}/assign", "POST /v1/tasks/{id}/assign"},
    {route::fund_task, "POST", "/v1/tasks/{id}/fund", "POST /v1/tasks/{id}/fund"},
    {route::submit_task, "POST", "/v1/tasks/{id}/submit", "POST /v1/tasks/{id}/submit"},
    {route::approve_task, "POST", "/v1/tasks/{id}/approve", "POST /v1/tasks/{id}/approve"},
    {route::dispute_task, "POST", "/v1/tasks/{id}/dispute", "POST /v1/tasks/{id}/dispute"},
    {route::resolve_task, "POST", "/v1/tasks/{id}/resolve", "POST /v1/tasks/{id}/resolve"},
    {route::cancel_task, "POST", "/v1/tasks/{id}/cancel", "POST /v1/tasks/{id}/cancel"},
    {route::get_topup, "GET", "/v1/topups/{id}", "GET /v1/topups/{id}"},
    {route::get_withdrawal, "GET", "/v1/withdrawals/{id}", "GET /v1/withdrawals/{id}"},
    {route::retry_topup, "POST", "/v1/topups/{id}/retry", "POST /v1/topups/{id}/retry"},
    {route::cancel_topup, "POST", "/v1/topups/{id}/cancel", "POST /v1/topups/{id}/cancel"},
    {route::retry_withdrawal, "POST", "/v1/withdrawals/{id}/retry",
     "POST /v1/withdrawals/{id}/retry"},
    {route::cancel_withdrawal, "POST", "/v1/withdrawals/{id}/cancel",
     "POST /v1/withdrawals/{id}/cancel"},
    {route::processor_webhooks, "POST", "/v1/processor/webhooks", "POST /v1/processor/webhooks"},
    {route::reconciliation, "GET", "/v1/reconciliation", "GET /v1/reconciliation"},
    {route::batch, "POST", "/v1/batch", "POST /v1/batch"},
    {route::verify_ledger, "GET", "/v1/ledger/verify", "GET /v1/ledger/verify"},
    {route::metrics, "GET", "/metrics", "GET /metrics"},
    {route::healthz, "GET", "/healthz", "GET /healthz"},
    {route::readyz, "GET", "/readyz", "GET /readyz"},
}};

constexpr bool table_is_in_enum_order() {
  for (std::size_t i = 0; i < routes.size(); ++i)
    if (static_cast<std::size_t>(routes[i].route) != i) return false;
  return true;
}
static_assert(table_is_in_enum_order(), "route_template indexes the table by enum value");

// Each pattern's part before "{id}" (all of it when it has none): a path that does not
// start with it cannot fit, which rules out most of the table with one comparison.
constexpr std::array<std::size_t, route_count> literal_lengths = [] {
  std::array<std::size_t, route_count> lengths{};
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const auto brace = routes[i].pattern.find('{');
    lengths[i] = brace == std::string_view::npos ? routes[i].pattern.size() : brace;
  }
  return lengths;
}();

// Whether `path` may fit table entry `index`: its literal part first.
bool may_fit(std::size_t index, std::string_view path) {
  const auto literal = routes[index].pattern.substr(0, literal_lengths[index]);
  if (literal.size() == routes[index].pattern.size()) return path == literal;
  return path.starts_with(literal);
}

// The next '/'-separated segment of `rest` (which starts after a '/'), and `rest` moved past
// it and its trailing '/'; `more` tells whether a '/' followed.
std::string_view next_segment(std::string_view& rest, bool& more) {
  const std::size_t slash = rest.find('/');
  more = slash != std::string_view::npos;
  const auto segment = rest.substr(0, more ? slash : rest.size());
  rest.remove_prefix(more ? slash + 1 : rest.size());
  return segment;
}

// Whether `path` fits `pattern`, segment by segment (every request passes here, so without
// allocating); the {id} segment goes to `id`.
bool fits(std::string_view pattern, std::string_view path, std::string_view& id) {
  pattern.remove_prefix(1);  // both start with '/'
  path.remove_prefix(1);
  std::string_view found;
  for (;;) {
    bool pattern_more = false;
    bool path_more = false;
    const auto want = next_segment(pattern, pattern_more);
    const auto have = next_segment(path, path_more);
    if (want == "{id}") {
      if (have.empty()) return false;
      found = have;
    } else if (want != have) {
      return false;
    }
    if (pattern_more != path_more) return false;
    if (!pattern_more) break;
  }
  id = found;
  return true;
}

}  // namespace

result<route_match> match_route(std::string_view method, std::string_view path) {
  if (path.empty() || path.front() != '/') return error{error_code::route_not_found, {}};
  bool path_known = false;
  for (std::size_t index = 0; index < routes.size(); ++index) {
    const auto& entry = routes[index];
    std::string_view id;
    if (!may_fit(index, path) || !fits(entry.pattern, path, id)) continue;
    if (entry.method == method) return route_match{entry.route, std::string(id)};
    path_known = true;
  }
  return error{path_known ? error_code::method_not_allowed : error_code::route_not_found, {}};
}

std::string_view route_template(route which) {
  return routes[static_cast<std::size_t>(which)].label;
}

std::string allowed_methods(std::string_view path) {
  std::string allowed;
  for (const auto& entry : routes) {
    std::string_view id;
    if (!fits(entry.pattern, path, id)) continue;
    if (allowed.find(entry.method) != std::string::npos) continue;
    if (!allowed.empty()) allowed += ", ";
    allowed += entry.method;
  }
  return allowed;
}

}  // namespace escrowd::http
