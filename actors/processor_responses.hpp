// The bodies the processor boundary renders itself, because no HTTP renderer is involved:
// webhook receipts, its errors (the API's error envelope, api.md "Conventions") and the
// reconciliation report.
// Thread affinity: none; pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "actors/commands.hpp"
#include "actors/reconciliation.hpp"
#include "actors/telemetry/metrics.hpp"
#include "engine/result.hpp"

namespace escrowd::actors {

// `{"error":{"type","code","message","param"?}}` with the code's status.
[[nodiscard]] rendered_response error_rendered(const error& failure, std::string_view message = {});

// 200 `{"object":"webhook_receipt","received":true,"event":ID,"outcome":OUTCOME}`; OUTCOME
// is "settled", "duplicate", "unchanged" or "ignored: <why>" (the processor must not
// redeliver those).
[[nodiscard]] rendered_response webhook_receipt(std::string_view event_id,
                                                std::string_view outcome);

// The metric outcome of a webhook's final answer: a 200 receipt by its OUTCOME, a 400 as
// rejected; nothing for other answers (a storage failure the processor will redeliver).
[[nodiscard]] std::optional<telemetry::webhook_outcome> webhook_outcome_of(
    const rendered_response& answer);

// The renderer of a webhook's settlement, run by the account actor: settled/unchanged,
// or a receipt for rejections a redelivery would not change (an operation the processor
// contradicts, a duplicate that raced), or the error for failures worth a redelivery.
[[nodiscard]] response_renderer webhook_settlement_renderer(std::string event_id);

// 200 with the report (see ledger.hpp reconcile for the shape); "ok" only when the lists
// were read whole and no difference was found. At most `differences_max` differences, those
// without a repair first; "has_more" when some were left out.
[[nodiscard]] rendered_response reconciliation_rendered(
    const reconciliation_report& report,
    std::size_t differences_max = reconciliation_differences_max);

}  // namespace escrowd::actors
