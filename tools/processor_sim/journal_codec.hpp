// The changes the state file records (sim_journal), as JSON objects, and their replay. One
// change is one of: the records were reset; a PaymentIntent or Payout in its full state after
// the change (simulator bookkeeping included); a transition scheduled or taken from a queue;
// an idempotency key finished with its response; the clock's offset; a webhook event queued
// for delivery or settled (delivered, abandoned or dropped). Decoding is strict: a change it
// cannot read in full throws journal_format_error instead of being skipped, because a skipped
// change is a lost record. Values only: no thread affinity; replay runs on the thread that
// owns the records.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <stdexcept>

#include "idempotency_store.hpp"
#include "sim_clock.hpp"
#include "sim_state.hpp"
#include "stripe_objects.hpp"
#include "webhook_event.hpp"

namespace escrowd::processor_sim {

// A change that does not decode: garbage, a field missing, or a kind this build does not know.
class journal_format_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a replay rebuilds, borrowed from the api.
struct sim_records {
  sim_state& state;
  idempotency_store& idempotency;
  sim_clock& clock;
  std::map<std::uint64_t, webhook_event>& undelivered;  // by delivery number
};

[[nodiscard]] boost::json::object reset_change();
[[nodiscard]] boost::json::object object_change(const payment_intent& intent);
[[nodiscard]] boost::json::object object_change(const payout& payout);
[[nodiscard]] boost::json::object queue_change_json(const queue_change& change);
[[nodiscard]] boost::json::object finished_key_change(const finished_key& key);
[[nodiscard]] boost::json::object clock_change(std::int64_t offset_ms);
[[nodiscard]] boost::json::object webhook_queued_change(const webhook_event& event);
[[nodiscard]] boost::json::object webhook_settled_change(std::uint64_t delivery);

// Applies one change to `records`; throws journal_format_error when it does not decode.
void apply_change(const boost::json::object& change, sim_records& records);

}  // namespace escrowd::processor_sim
