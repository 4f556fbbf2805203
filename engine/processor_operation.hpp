// Top-ups (card charges in) and withdrawals (bank payouts out): their state machines,
// journal entries and the processor idempotency keys derived from them.
//
// top-up:     pending --succeeded--> succeeded        (clearing -> available)
//                     --failed-----> failed           (no money moved)
//                     --give up----> requires_reconciliation --retry--> pending
//                                                    --cancel--> cancelled
// withdrawal: pending (held: available -> pending_withdrawal)
//                     --paid-------> paid             (pending_withdrawal -> clearing)
//                     --failed-----> failed           (hold returned to available)
//                     --give up----> requires_reconciliation --retry / cancel (returned)
//             paid    --failed-----> failed           (a paid payout bounced: clearing ->
//                                                      available)
// A settlement repeating the current state is a no-op; a contradicting one (succeeded
// after failed) is invalid_state_transition: the processor lied, reconcile by hand.
// Thread affinity: none; plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/account.hpp"
#include "engine/journal.hpp"
#include "engine/result.hpp"

namespace escrowd {

inline constexpr std::size_t payment_method_length_max = 255;
inline constexpr std::size_t destination_length_max = 255;
inline constexpr std::size_t failure_text_length_max = 512;
// Stripe's object ids are a few dozen characters; storage keeps at most 4096 bytes.
inline constexpr std::size_t processor_object_id_length_max = 255;

// Do not renumber: on disk.
enum class processor_status : std::uint8_t {
  pending = 1,
  succeeded = 2,  // top-ups
  paid = 3,       // withdrawals
  failed = 4,
  requires_reconciliation = 5,
  cancelled = 6,
};

// Do not renumber: on disk.
enum class processor_kind : std::uint8_t { topup = 1, withdrawal = 2 };

std::string_view to_string(processor_status status);
std::string_view to_string(processor_kind kind);
// Not final yet: pending, or parked for reconciliation.
[[nodiscard]] bool is_open(processor_status status);

// One top-up or withdrawal. `instrument` is the payment method or the payout destination.
struct processor_operation {
  processor_kind kind = processor_kind::topup;
  std::string id;
  std::string account_id;
  std::int64_t amount = 0;
  escrowd::currency currency;
  std::string instrument;
  processor_status status = processor_status::pending;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::string processor_object_id;  // pi_... or po_... once known
  std::string failure_code;
  std::string failure_message;

  friend bool operator==(const processor_operation&, const processor_operation&) = default;
};

struct processor_outcome {
  processor_operation operation;
  bool changed = false;
  std::optional<journal_entry> entry;
  std::vector<account_delta> deltas;
};

// "<kind>:<id>:<step>", the same on every retry and after every restart.
[[nodiscard]] std::string processor_idempotency_key(const processor_operation& operation);
[[nodiscard]] std::string processor_idempotency_key(processor_kind kind,
                                                    std::string_view operation_id);

struct processor_request_command {
  std::string id;  // already chosen
  std::int64_t amount = 0;
  std::string instrument;
};

// A pending top-up: no money on the books yet, pending_topup grows.
[[nodiscard]] result<processor_outcome> request_topup(const account& account,
                                                      const processor_request_command& command,
                                                      std::int64_t now);

// A pending withdrawal: the amount is held at once (available -> pending_withdrawal).
[[nodiscard]] result<processor_outcome> request_withdrawal(const account& account,
                                                           const processor_request_command& command,
                                                           std::int64_t now);

struct settlement {
  processor_status status = processor_status::succeeded;  // succeeded/paid or failed
  std::string processor_object_id;
  std::string failure_code;
  std::string failure_message;
};

// The processor's verdict, from a response, a webhook or reconciliation. An object id over
// processor_object_id_length_max is refused (parameter_invalid), never cut.
[[nodiscard]] result<processor_outcome> settle(const processor_operation& current,
                                               const settlement& verdict, std::int64_t now);

// The failure_code of an operation parked because the processor answered with an object that
// is not its own (another amount, currency or operation): sending it again replays the same
// answer, so only an admin's retry sends it again, never the background reconciliation.
inline constexpr std::string_view processor_contradiction_code = "processor_contradiction";

// The gateway gave up retrying: the outcome is unknown until reconciled. `reason` becomes the
// failure_message, `code` the failure_code (empty, or processor_contradiction_code).
[[nodiscard]] result<processor_outcome> require_reconciliation(const processor_operation& current,
                                                               std::string reason, std::int64_t now,
                                                               std::string_view code = {});

// An admin asks to drive it again with the same key.
[[nodiscard]] result<processor_outcome> retry_operation(const processor_operation& current,
                                                        std::int64_t now);

// An admin cancels after the processor's records showed nothing happened
// (the caller checked; the engine only enforces the state rule).
[[nodiscard]] result<processor_outcome> cancel_operation(const processor_operation& current,
                                                         std::int64_t now);

}  // namespace escrowd
