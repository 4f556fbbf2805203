// The api's side of the state file: loading it at start, one line per call that changed
// something (the order of the changes inside a line is the order a replay needs: a reset
// first, then the objects, the queues in the order they moved, the keys, the events), and
// rewriting it, when it has grown or after a failed append.
#include <boost/json/array.hpp>
#include <cstdio>

#include "api.hpp"
#include "sim_journal.hpp"

namespace escrowd::processor_sim {
namespace {

// A seed for the ids of a later start of the same state file, so that a fixed --seed does
// not hand out the ids of the first start again (splitmix64's finalizer spreads the bits).
std::uint64_t seed_for_generation(std::uint64_t seed, std::uint64_t generation) {
  std::uint64_t mixed = seed + generation * 0x9e3779b97f4a7c15ULL;
  mixed = (mixed ^ (mixed >> 30)) * 0xbf58476d1ce4e5b9ULL;
  mixed = (mixed ^ (mixed >> 27)) * 0x94d049bb133111ebULL;
  return mixed ^ (mixed >> 31);
}

}  // namespace

api::~api() = default;

std::optional<std::string> api::open_state_file(const std::string& path) {
  std::string problem;
  std::uint64_t generation = 0;
  auto journal = sim_journal::open(path, {state_, idempotency_, clock_, undelivered_},
                                   options_.state_file_compaction, generation, problem);
  if (!journal) return problem;
  if (generation > 0) state_.reseed(seed_for_generation(options_.seed, generation));
  // The replay went through the same calls as requests do: those notes are on file already.
  (void)state_.take_changes();
  (void)idempotency_.take_finished();
  recorded_clock_offset_ms_ = clock_.offset_ms();
  // Events a restart interrupted go out again, in the order they were queued.
  for (const auto& [delivery, event] : undelivered_) events_.push_back(event);
  if (!undelivered_.empty()) next_delivery_ = undelivered_.rbegin()->first + 1;
  journal_ = std::move(journal);
  return std::nullopt;
}

void api::commit() {
  state_changes changed = state_.take_changes();
  std::vector<finished_key> finished = idempotency_.take_finished();
  std::vector<webhook_event> queued = std::move(events_to_record_);
  events_to_record_.clear();
  if (!journal_) return;
  // The changes are taken: from here only a rewrite from memory can put them on file. A line
  // that cannot be built (a failed allocation) therefore marks the file behind, as a failed
  // append does, instead of leaving memory ahead of the file with no sign of it; the caller's
  // answer becomes the 503 of a file behind, and the retry replays once a rewrite caught up.
  try {
    std::vector<std::uint64_t> deliveries;
    deliveries.reserve(queued.size());
    for (webhook_event& event : queued) {
      deliveries.push_back(event.delivery);
      undelivered_.emplace(event.delivery, std::move(event));
    }
    if (stage_hook_) stage_hook_(call_stage::journal_line);
    boost::json::array changes;
    if (changed.reset) changes.push_back(reset_change());
    if (clock_.offset_ms() != recorded_clock_offset_ms_) {
      recorded_clock_offset_ms_ = clock_.offset_ms();
      changes.push_back(clock_change(recorded_clock_offset_ms_));
    }
    for (std::size_t position : changed.payment_intents)
      changes.push_back(object_change(state_.payment_intents()[position]));
    for (std::size_t position : changed.payouts)
      changes.push_back(object_change(state_.payouts()[position]));
    for (const queue_change& change : changed.queue_changes)
      changes.push_back(queue_change_json(change));
    for (const finished_key& key : finished) changes.push_back(finished_key_change(key));
    for (std::uint64_t delivery : deliveries)
      changes.push_back(webhook_queued_change(undelivered_.at(delivery)));
    if (!changes.empty()) record(changes);
  } catch (const std::exception& e) {
    journal_behind_ = true;
    std::fprintf(stderr,
                 "escrowd-processor-sim: cannot write a state file line (%s); rewriting the "
                 "file from memory before the next answer\n",
                 e.what());
  }
}

void api::webhook_settled(std::uint64_t delivery) {
  if (!journal_ || undelivered_.erase(delivery) == 0) return;
  record(boost::json::array{webhook_settled_change(delivery)});
}

void api::record(const boost::json::array& changes) {
  if (!journal_->append(changes)) {
    journal_behind_ = true;
    return;
  }
  // The line is on file, so memory and file agree: the rewrite holds the line's changes too,
  // and when it fails the old file, still complete, stays in use (sim_journal::rewrite).
  if (!journal_->due_for_compaction()) return;
  std::string problem;
  if (!rewrite_journal(problem))
    std::fprintf(stderr,
                 "escrowd-processor-sim: cannot compact the state file: %s; appending to it as "
                 "it is, and trying again once it has grown further\n",
                 problem.c_str());
}

bool api::rewrite_journal(std::string& problem) {
  return journal_->rewrite({state_, idempotency_, clock_, undelivered_}, problem);
}

bool api::journal_caught_up() {
  if (!journal_behind_) return true;
  const auto now = std::chrono::steady_clock::now();
  if (now - journal_rewrite_tried_ < std::chrono::seconds(1)) return false;
  journal_rewrite_tried_ = now;
  std::string problem;
  if (!rewrite_journal(problem)) return false;
  journal_behind_ = false;
  return true;
}

api_reply api::state_file_unwritable_reply() const {
  api_reply reply = error_reply(errors::state_file_unwritable());
  reply.set_header("Stripe-Should-Retry", "true");
  return reply;
}

}  // namespace escrowd::processor_sim
