// The processor's records: every PaymentIntent and Payout ever created, in creation order,
// with lookup by id, Stripe-style paged lists, the queues of scheduled transitions (payouts
// settling, authorizations expiring) and a seeded id generator. It also notes what changed
// since the last take_changes(), so that the state file (sim_journal) can record a change
// before the answer that reveals it; the restore_* calls rebuild the records from that file.
// Not thread-safe: owned by the api on the simulator's single I/O thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "stripe_objects.hpp"

namespace escrowd::processor_sim {

// Stripe's `created` list filter in Unix seconds: every bound given must hold. An exact
// `created=T` is gte and lte T.
struct created_range {
  std::optional<std::int64_t> gt;
  std::optional<std::int64_t> gte;
  std::optional<std::int64_t> lt;
  std::optional<std::int64_t> lte;

  [[nodiscard]] bool contains(std::int64_t created_s) const {
    return (!gt || created_s > *gt) && (!gte || created_s >= *gte) && (!lt || created_s < *lt) &&
           (!lte || created_s <= *lte);
  }
  // Whether the lower bound excludes every object created at `newest_created_s` or before:
  // a scan towards older objects, none newer than that, can stop there.
  [[nodiscard]] bool all_below(std::int64_t newest_created_s) const {
    return (gt && newest_created_s <= *gt) || (gte && newest_created_s < *gte);
  }
};

struct list_query {
  std::int64_t limit = 10;
  std::string starting_after;  // id; empty: from the newest
  std::string ending_before;   // id; empty: not paging backwards
  std::string status;          // empty: any
  created_range created;       // no bounds: any
};

// The two queues of scheduled transitions. Written to the state file by name.
enum class transition_queue { payouts, hold_expiries };

// One operation on a transition queue, kept in the order it happened: replaying a schedule
// after a take (or before it) would settle a payout at the wrong time.
struct queue_change {
  transition_queue queue = transition_queue::payouts;
  bool taken = false;  // true: everything due by `ms` left the queue; false: `id` was scheduled
  std::string id;
  std::int64_t ms = 0;
};

// What changed since the last take_changes(), in an order that replays to the same records.
struct state_changes {
  bool reset = false;                        // clear() ran first: the rest came after it
  std::vector<std::size_t> payment_intents;  // positions, ascending (creation order)
  std::vector<std::size_t> payouts;          // positions, ascending
  std::vector<queue_change> queue_changes;   // in the order they happened
};

template <typename object>
struct list_page {
  std::vector<const object*> data;  // newest first
  bool has_more = false;
  bool cursor_missing = false;  // starting_after/ending_before named an unknown id
};

class sim_state {
 public:
  explicit sim_state(std::uint64_t seed);

  // A Stripe-looking id: the prefix and 24 base62 characters from the seeded generator.
  [[nodiscard]] std::string next_id(std::string_view prefix);
  // Starts another id sequence (after a restart, so that a fixed --seed repeats no id).
  void reseed(std::uint64_t seed) { rng_.seed(seed); }

  // The mutable finds note the object as changed: callers that only read use the const ones.
  [[nodiscard]] payment_intent* find_payment_intent(const std::string& id);
  [[nodiscard]] payout* find_payout(const std::string& id);
  [[nodiscard]] const payment_intent* find_payment_intent(const std::string& id) const;
  [[nodiscard]] const payout* find_payout(const std::string& id) const;
  // An object's `created_s` is fixed once added: lists keep an index of it (see below).
  payment_intent& add_payment_intent(payment_intent intent);
  payout& add_payout(payout payout);
  [[nodiscard]] std::size_t payment_intent_count() const { return payment_intents_.size(); }
  [[nodiscard]] std::size_t payout_count() const { return payouts_.size(); }
  [[nodiscard]] const std::vector<payment_intent>& payment_intents() const {
    return payment_intents_;
  }
  [[nodiscard]] const std::vector<payout>& payouts() const { return payouts_; }
  // Where the intent is in payment_intents() (creation order); nullopt: no such id.
  [[nodiscard]] std::optional<std::size_t> payment_intent_position(const std::string& id) const;

  [[nodiscard]] list_page<payment_intent> list_payment_intents(const list_query& query) const;
  [[nodiscard]] list_page<payout> list_payouts(const list_query& query) const;

  // Scheduled transitions: the sweep pops everything due by `now_ms`.
  void schedule_payout(const std::string& id, std::int64_t due_ms);
  void schedule_hold_expiry(const std::string& id, std::int64_t due_ms);
  [[nodiscard]] std::vector<std::string> take_due_payouts(std::int64_t now_ms);
  [[nodiscard]] std::vector<std::string> take_due_hold_expiries(std::int64_t now_ms);

  // A queue's scheduled transitions by due time, for writing a compacted state file.
  [[nodiscard]] const std::multimap<std::int64_t, std::string>& due(transition_queue queue) const {
    return queue == transition_queue::payouts ? payouts_due_ : holds_due_;
  }

  void clear();

  // Everything changed since the previous call; the notes start over.
  [[nodiscard]] state_changes take_changes();

  // Replay from the state file: an object with a known id replaces it, else it is appended
  // (the file lists objects in creation order).
  void restore_payment_intent(payment_intent intent);
  void restore_payout(payout payout);
  // Schedules or takes as `change` says (the schedule_* and take_due_* calls, or a replay).
  void apply_queue_change(const queue_change& change);

 private:
  [[nodiscard]] std::multimap<std::int64_t, std::string>& due_queue(transition_queue queue) {
    return queue == transition_queue::payouts ? payouts_due_ : holds_due_;
  }

  std::mt19937_64 rng_;
  std::vector<payment_intent> payment_intents_;
  std::unordered_map<std::string, std::size_t> payment_intent_index_;
  std::vector<payout> payouts_;
  std::unordered_map<std::string, std::size_t> payout_index_;
  // At each position, the newest `created_s` of that object and every older one: a list
  // filtered by `created[gte]` stops its scan at the first position below the bound. Objects
  // are nearly always in `created_s` order, but a wall clock stepped back between runs can
  // append older times, and these bounds stay right then.
  std::vector<std::int64_t> payment_intents_newest_created_;
  std::vector<std::int64_t> payouts_newest_created_;
  std::multimap<std::int64_t, std::string> payouts_due_;
  std::multimap<std::int64_t, std::string> holds_due_;
  state_changes changes_;
  // Positions already in changes_, so an object touched twice is written once.
  std::set<std::size_t> changed_payment_intents_;
  std::set<std::size_t> changed_payouts_;
};

}  // namespace escrowd::processor_sim
