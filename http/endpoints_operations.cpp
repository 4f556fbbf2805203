// Audit and operations (api.md "Audit and operations"): ledger verification, liveness and
// readiness. Metrics are served by the router itself.
#include <boost/json/array.hpp>

#include "http/api_response.hpp"
#include "http/endpoints.hpp"
#include "http/json_codec.hpp"

namespace escrowd::http {

status verify_ledger(api_call& call) {
  const access decided = authorize(*call.who, action::verify_ledger, {});
  if (decided != access::allowed) return access_error(decided);
  // A full journal scan: off the I/O thread, and one for everyone asking meanwhile.
  const bool queued = call.background.post_shared(
      "verify",
      [&ledger = call.ledger] {
        auto report = ledger.verify();
        if (!report) return error_response(report.failure());
        boost::json::array problems;
        for (auto& problem : report->problems) problems.emplace_back(problem);
        boost::json::object body{{"object", "ledger_verification"},
                                 {"ok", report->ok},
                                 {"accounts_checked", report->accounts_checked},
                                 {"entries_checked", report->entries_checked},
                                 {"problems", std::move(problems)}};
        return json_response(200, http::serialize(body));
      },
      call.reply);
  if (!queued) return error{error_code::overloaded, {}};
  return {};
}

status healthz(api_call& call) {
  call.reply(json_response(200, R"({"status":"ok"})"));
  return {};
}

status readyz(api_call& call) {
  if (!call.ledger.accepting_writes()) return error{error_code::not_ready, {}};
  call.reply(json_response(200, R"({"status":"ready"})"));
  return {};
}

}  // namespace escrowd::http
