// The processor's records: every PaymentIntent and Payout ever created, in creation order,
// with lookup by id, Stripe-style paged lists, the queues of scheduled transitions (payouts
// settling, authorizations expiring) and a seeded id generator. Not thread-safe: owned by the
// api on the simulator's single I/O thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "stripe_objects.hpp"

namespace escrowd::processor_sim {

struct list_query {
  std::int64_t limit = 10;
  std::string starting_after;  // id; empty: from the newest
  std::string ending_before;   // id; empty: not paging backwards
  metadata_map metadata;       // every pair must match (the simulator's reconciliation aid)
  std::string status;          // empty: any
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

  [[nodiscard]] payment_intent* find_payment_intent(const std::string& id);
  [[nodiscard]] payout* find_payout(const std::string& id);
  [[nodiscard]] const payment_intent* find_payment_intent(const std::string& id) const;
  [[nodiscard]] const payout* find_payout(const std::string& id) const;
  payment_intent& add_payment_intent(payment_intent intent);
  payout& add_payout(payout payout);
  [[nodiscard]] std::size_t payment_intent_count() const { return payment_intents_.size(); }
  [[nodiscard]] std::size_t payout_count() const { return payouts_.size(); }
  [[nodiscard]] const std::vector<payment_intent>& payment_intents() const {
    return payment_intents_;
  }
  [[nodiscard]] const std::vector<payout>& payouts() const { return payouts_; }

  [[nodiscard]] list_page<payment_intent> list_payment_intents(const list_query& query) const;
  [[nodiscard]] list_page<payout> list_payouts(const list_query& query) const;

  // Scheduled transitions: the sweep pops everything due by `now_ms`.
  void schedule_payout(const std::string& id, std::int64_t due_ms);
  void schedule_hold_expiry(const std::string& id, std::int64_t due_ms);
  [[nodiscard]] std::vector<std::string> take_due_payouts(std::int64_t now_ms);
  [[nodiscard]] std::vector<std::string> take_due_hold_expiries(std::int64_t now_ms);

  void clear();

 private:
  std::mt19937_64 rng_;
  std::vector<payment_intent> payment_intents_;
  std::unordered_map<std::string, std::size_t> payment_intent_index_;
  std::vector<payout> payouts_;
  std::unordered_map<std::string, std::size_t> payout_index_;
  std::multimap<std::int64_t, std::string> payouts_due_;
  std::multimap<std::int64_t, std::string> holds_due_;
};

}  // namespace escrowd::processor_sim
