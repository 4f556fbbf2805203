// The exact form-encoded request a top-up or withdrawal sends to the processor (Stripe's
// PaymentIntent and Payout), written into the outbox row in the same commit as the
// operation, so every retry and every restart sends the same bytes with the same key.
// Thread affinity: none.
#pragma once

#include <string>

#include "engine/processor_operation.hpp"
#include "storage/records.hpp"

namespace escrowd::actors {

[[nodiscard]] std::string processor_request_payload(const processor_operation& operation);

// The outbox row of a new operation, due at `now`.
[[nodiscard]] storage::outbox_row outbox_row_for(const processor_operation& operation,
                                                 std::int64_t now);

}  // namespace escrowd::actors
