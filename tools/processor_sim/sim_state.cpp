// Records and lists. Lists scan in creation order (newest first); the status filter makes
// that linear, which is fine at the simulator's bounded sizes. A lower `created` bound ends
// the scan once every older object is below it, so paging a recent window stays cheap.
#include "sim_state.hpp"

#include <algorithm>

namespace escrowd::processor_sim {
namespace {

template <typename object>
bool matches(const object& candidate, const list_query& query) {
  if (!query.status.empty() && candidate.status != query.status) return false;
  return query.created.contains(candidate.created_s);
}

// Brings `newest_created` (see sim_state's members) up to date from position `from` on.
template <typename object>
void index_newest_created(const std::vector<object>& objects,
                          std::vector<std::int64_t>& newest_created, std::size_t from) {
  newest_created.resize(objects.size());
  for (std::size_t i = from; i < objects.size(); ++i) {
    newest_created[i] =
        i == 0 ? objects[i].created_s : std::max(newest_created[i - 1], objects[i].created_s);
  }
}

std::vector<std::string> take_due(std::multimap<std::int64_t, std::string>& due,
                                  std::int64_t now_ms) {
  std::vector<std::string> out;
  auto end = due.upper_bound(now_ms);
  for (auto it = due.begin(); it != end; ++it) out.push_back(it->second);
  due.erase(due.begin(), end);
  return out;
}

// One paging algorithm for both object kinds. `index` maps ids to positions in `objects`,
// which is in creation order; `newest_created` is sim_state's index of `created_s`.
template <typename object>
list_page<object> page(const std::vector<object>& objects,
                       const std::unordered_map<std::string, std::size_t>& index,
                       const std::vector<std::int64_t>& newest_created, const list_query& query) {
  list_page<object> out;
  auto limit = static_cast<std::size_t>(query.limit);
  if (!query.ending_before.empty()) {
    auto cursor = index.find(query.ending_before);
    if (cursor == index.end()) return {{}, false, true};
    // The `limit` matching objects just newer than the cursor, shown newest first.
    std::vector<const object*> newer;
    for (std::size_t i = cursor->second + 1; i < objects.size(); ++i) {
      if (!matches(objects[i], query)) continue;
      if (newer.size() == limit) {
        out.has_more = true;
        break;
      }
      newer.push_back(&objects[i]);
    }
    out.data.assign(newer.rbegin(), newer.rend());
    return out;
  }
  std::size_t end = objects.size();  // exclusive upper bound of positions to consider
  if (!query.starting_after.empty()) {
    auto cursor = index.find(query.starting_after);
    if (cursor == index.end()) return {{}, false, true};
    end = cursor->second;
  }
  for (std::size_t i = end; i-- > 0;) {
    if (query.created.all_below(newest_created[i])) break;  // so is everything older
    if (!matches(objects[i], query)) continue;
    if (out.data.size() == limit) {
      out.has_more = true;
      break;
    }
    out.data.push_back(&objects[i]);
  }
  return out;
}

}  // namespace

sim_state::sim_state(std::uint64_t seed) : rng_(seed) {}

std::string sim_state::next_id(std::string_view prefix) {
  static constexpr std::string_view alphabet =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string id(prefix);
  for (int i = 0; i < 24; ++i) id += alphabet[rng_() % alphabet.size()];
  return id;
}

payment_intent* sim_state::find_payment_intent(const std::string& id) {
  auto it = payment_intent_index_.find(id);
  if (it == payment_intent_index_.end()) return nullptr;
  changed_payment_intents_.insert(it->second);
  return &payment_intents_[it->second];
}

payout* sim_state::find_payout(const std::string& id) {
  auto it = payout_index_.find(id);
  if (it == payout_index_.end()) return nullptr;
  changed_payouts_.insert(it->second);
  return &payouts_[it->second];
}

const payment_intent* sim_state::find_payment_intent(const std::string& id) const {
  auto it = payment_intent_index_.find(id);
  return it == payment_intent_index_.end() ? nullptr : &payment_intents_[it->second];
}

const payout* sim_state::find_payout(const std::string& id) const {
  auto it = payout_index_.find(id);
  return it == payout_index_.end() ? nullptr : &payouts_[it->second];
}

std::optional<std::size_t> sim_state::payment_intent_position(const std::string& id) const {
  auto it = payment_intent_index_.find(id);
  if (it == payment_intent_index_.end()) return std::nullopt;
  return it->second;
}

payment_intent& sim_state::add_payment_intent(payment_intent intent) {
  intent.sequence = payment_intents_.size() + 1;
  changed_payment_intents_.insert(payment_intents_.size());
  payment_intent_index_.emplace(intent.id, payment_intents_.size());
  payment_intents_.push_back(std::move(intent));
  index_newest_created(payment_intents_, payment_intents_newest_created_,
                       payment_intents_.size() - 1);
  return payment_intents_.back();
}

payout& sim_state::add_payout(payout payout) {
  payout.sequence = payouts_.size() + 1;
  changed_payouts_.insert(payouts_.size());
  payout_index_.emplace(payout.id, payouts_.size());
  payouts_.push_back(std::move(payout));
  index_newest_created(payouts_, payouts_newest_created_, payouts_.size() - 1);
  return payouts_.back();
}

list_page<payment_intent> sim_state::list_payment_intents(const list_query& query) const {
  return page(payment_intents_, payment_intent_index_, payment_intents_newest_created_, query);
}

list_page<payout> sim_state::list_payouts(const list_query& query) const {
  return page(payouts_, payout_index_, payouts_newest_created_, query);
}

void sim_state::schedule_payout(const std::string& id, std::int64_t due_ms) {
  apply_queue_change({transition_queue::payouts, false, id, due_ms});
}

void sim_state::schedule_hold_expiry(const std::string& id, std::int64_t due_ms) {
  apply_queue_change({transition_queue::hold_expiries, false, id, due_ms});
}

std::vector<std::string> sim_state::take_due_payouts(std::int64_t now_ms) {
  // A take that finds nothing changes nothing: the sweep runs every few milliseconds, and
  // noting each empty take would write a line to the state file each time.
  if (payouts_due_.empty() || payouts_due_.begin()->first > now_ms) return {};
  changes_.queue_changes.push_back({transition_queue::payouts, true, {}, now_ms});
  return take_due(payouts_due_, now_ms);
}

std::vector<std::string> sim_state::take_due_hold_expiries(std::int64_t now_ms) {
  if (holds_due_.empty() || holds_due_.begin()->first > now_ms) return {};
  changes_.queue_changes.push_back({transition_queue::hold_expiries, true, {}, now_ms});
  return take_due(holds_due_, now_ms);
}

void sim_state::clear() {
  payment_intents_.clear();
  payment_intent_index_.clear();
  payouts_.clear();
  payout_index_.clear();
  payment_intents_newest_created_.clear();
  payouts_newest_created_.clear();
  payouts_due_.clear();
  holds_due_.clear();
  // Whatever changed before is gone with the records.
  changes_ = state_changes{};
  changes_.reset = true;
  changed_payment_intents_.clear();
  changed_payouts_.clear();
}

state_changes sim_state::take_changes() {
  state_changes out = std::move(changes_);
  out.payment_intents.assign(changed_payment_intents_.begin(), changed_payment_intents_.end());
  out.payouts.assign(changed_payouts_.begin(), changed_payouts_.end());
  changes_ = state_changes{};
  changed_payment_intents_.clear();
  changed_payouts_.clear();
  return out;
}

void sim_state::restore_payment_intent(payment_intent intent) {
  auto it = payment_intent_index_.find(intent.id);
  if (it == payment_intent_index_.end()) {
    add_payment_intent(std::move(intent));
    return;
  }
  intent.sequence = payment_intents_[it->second].sequence;
  const bool created_moved = intent.created_s != payment_intents_[it->second].created_s;
  payment_intents_[it->second] = std::move(intent);
  // Replays rewrite objects often, their creation time (nearly) never: reindex only then.
  if (created_moved) {
    index_newest_created(payment_intents_, payment_intents_newest_created_, it->second);
  }
}

void sim_state::restore_payout(payout payout) {
  auto it = payout_index_.find(payout.id);
  if (it == payout_index_.end()) {
    add_payout(std::move(payout));
    return;
  }
  payout.sequence = payouts_[it->second].sequence;
  const bool created_moved = payout.created_s != payouts_[it->second].created_s;
  payouts_[it->second] = std::move(payout);
  if (created_moved) index_newest_created(payouts_, payouts_newest_created_, it->second);
}

void sim_state::apply_queue_change(const queue_change& change) {
  changes_.queue_changes.push_back(change);
  if (change.taken) {
    (void)take_due(due_queue(change.queue), change.ms);
  } else {
    due_queue(change.queue).emplace(change.ms, change.id);
  }
}

}  // namespace escrowd::processor_sim
