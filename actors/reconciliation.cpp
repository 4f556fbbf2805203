#include "actors/reconciliation.hpp"

#include <algorithm>

namespace escrowd::actors {

reconciliation_window reconciliation_window_at(std::int64_t now, std::chrono::seconds length,
                                               std::optional<std::int64_t> oldest_open_created) {
  reconciliation_window window;
  window.judged_from = now - length.count();
  if (oldest_open_created) window.judged_from = std::min(window.judged_from, *oldest_open_created);
  window.listed_from = window.judged_from - processor_clock_skew_margin_s;
  return window;
}

namespace {

bool moved_money(processor_status status) {
  return status == processor_status::succeeded || status == processor_status::paid;
}

// Failed and cancelled both mean "nothing moved" for comparison with the processor.
bool agrees(processor_status engine, processor_status processor) {
  if (engine == processor) return true;
  return engine == processor_status::cancelled && processor == processor_status::failed;
}

reconciliation_difference difference_for(difference_kind kind,
                                         const processor_operation& operation) {
  reconciliation_difference difference;
  difference.kind = kind;
  difference.operation_kind = operation.kind;
  difference.operation_id = operation.id;
  difference.account_id = operation.account_id;
  difference.engine_status = std::string(to_string(operation.status));
  difference.outcome = "none";
  return difference;
}

reconciliation_difference difference_for(difference_kind kind, const processor_operation& operation,
                                         const processor_object& object) {
  auto difference = difference_for(kind, operation);
  difference.processor_status = object.status;
  difference.processor_object_id = object.id;
  return difference;
}

}  // namespace

std::string_view to_string(difference_kind kind) {
  switch (kind) {
    case difference_kind::settled_at_processor:
      return "settled_at_processor";
    case difference_kind::status_mismatch:
      return "status_mismatch";
    case difference_kind::missing_at_processor:
      return "missing_at_processor";
    case difference_kind::in_progress_at_processor:
      return "in_progress_at_processor";
    case difference_kind::unknown_to_engine:
      return "unknown_to_engine";
    case difference_kind::duplicate_at_processor:
      return "duplicate_at_processor";
    case difference_kind::amount_mismatch:
      return "amount_mismatch";
  }
  return "status_mismatch";
}

reconciliation_builder::reconciliation_builder(std::size_t differences_max)
    : differences_max_(differences_max) {}

void reconciliation_builder::add_processor_object(processor_object object) {
  ++report_.processor_objects_checked;
  if (object.operation_id.empty()) return;  // not one of escrowd's
  auto& entry = objects_[{object.kind, object.operation_id}];
  entry.objects.push_back(std::move(object));
}

void reconciliation_builder::use_window(const reconciliation_window& window) {
  judged_from_ = window.judged_from;
  report_.processor_objects_created_since = window.listed_from;
}

void reconciliation_builder::listing_started(processor_kind kind, std::int64_t at) {
  listings_started_[kind] = at;
}

bool reconciliation_builder::changed_since_listed(const processor_operation& operation) const {
  const auto listed_from = listings_started_.find(operation.kind);
  return listed_from != listings_started_.end() && operation.updated_at >= listed_from->second;
}

void reconciliation_builder::add(reconciliation_difference difference) {
  ++report_.differences_total;
  // Repairs are never dropped: the report may be cut, the repair work may not. Nor do they
  // take the places of the differences an operator must see: those have a bound of their own.
  if (!difference.repair) {
    if (differences_for_operator_ >= differences_max_) return;
    ++differences_for_operator_;
  }
  report_.differences.push_back(std::move(difference));
}

void reconciliation_builder::compare(const processor_operation& operation) {
  ++report_.operations_checked;
  auto found = objects_.find({operation.kind, operation.id});
  if (found == objects_.end()) {
    // A pending operation is still being driven; a failed or cancelled one moved nothing.
    // Before the window its object was not listed: earlier runs judged it.
    const bool suspicious = (operation.status == processor_status::requires_reconciliation ||
                             moved_money(operation.status)) &&
                            operation.created_at >= judged_from_;
    if (!suspicious || changed_since_listed(operation)) return;
    // Each is looked up before it is called missing, up to a bound per run; past it, only
    // complete lists may call it missing unconfirmed (a parked one is then still sent
    // again: under its key that is safe whatever the processor holds). Cut lists leave
    // older objects out, so the first ones of the window (a parked operation that widened
    // it) still get a judgement through their lookups.
    if (unlisted_.size() < reconciliation_unlisted_lookups_max)
      unlisted_.push_back(operation);
    else if (report_.processor_lists_complete)
      add(parked_unfinished(difference_kind::missing_at_processor, operation));
    return;
  }
  found->second.claimed = true;
  compare_found(operation, found->second.objects);
}

void reconciliation_builder::compare_found(const processor_operation& operation,
                                           const std::vector<processor_object>& objects) {
  if (objects.size() > 1)
    add(difference_for(difference_kind::duplicate_at_processor, operation, objects.front()));
  else
    compare_one(operation, objects.front());
}

std::optional<processor_operation> reconciliation_builder::next_unlisted() {
  if (unlisted_.empty()) return std::nullopt;
  auto operation = std::move(unlisted_.front());
  unlisted_.pop_front();
  return operation;
}

void reconciliation_builder::judge_unlisted(const processor_operation& operation,
                                            const processor_lookup& lookup) {
  if (lookup.answered && !lookup.objects.empty())
    compare_found(operation, lookup.objects);
  else if (lookup.answered)
    add(parked_unfinished(difference_kind::missing_at_processor, operation));
  else if (report_.processor_lists_complete)
    // No answer confirms nothing: only complete lists may call it missing unconfirmed, as
    // for one never looked up.
    add(difference_for(difference_kind::missing_at_processor, operation));
}

reconciliation_difference reconciliation_builder::parked_unfinished(
    difference_kind kind, const processor_operation& operation) {
  auto difference = difference_for(kind, operation);
  // One parked on a contradiction would get the same answer again: an operator's, not a retry.
  if (operation.status == processor_status::requires_reconciliation && retry_parked_since_ &&
      operation.created_at >= *retry_parked_since_ &&
      operation.failure_code != processor_contradiction_code)
    difference.repair.emplace().status = processor_status::pending;
  return difference;
}

void reconciliation_builder::compare_one(const processor_operation& operation,
                                         const processor_object& object) {
  if (object.amount != operation.amount ||
      (!object.currency.empty() && object.currency != operation.currency.view())) {
    add(difference_for(difference_kind::amount_mismatch, operation, object));
    return;
  }
  const auto verdict = verdict_of(object);
  // A final operation settled after its object was listed may have been settled from a
  // later state of the processor than the list shows (a poll, a webhook): not a
  // contradiction; the next run compares it with the object as it is then.
  const bool settled_since_listed = !is_open(operation.status) && changed_since_listed(operation);
  if (!verdict) {
    if (operation.status == processor_status::requires_reconciliation) {
      auto difference = parked_unfinished(difference_kind::in_progress_at_processor, operation);
      difference.processor_status = object.status;
      difference.processor_object_id = object.id;
      add(std::move(difference));
    } else if (!is_open(operation.status) && !settled_since_listed)
      add(difference_for(difference_kind::status_mismatch, operation, object));
    return;
  }
  if (is_open(operation.status)) {
    auto difference = difference_for(difference_kind::settled_at_processor, operation, object);
    difference.repair = *verdict;
    add(std::move(difference));
    return;
  }
  if (agrees(operation.status, verdict->status)) return;
  // A paid payout that failed since the list was read; the reverse (listed failed, paid
  // here) is no such lag: it is the reversal below.
  if (settled_since_listed && verdict->status == processor_status::paid &&
      operation.status == processor_status::failed)
    return;
  auto difference = difference_for(difference_kind::status_mismatch, operation, object);
  // A paid payout that failed later: the engine reverses it like the webhook would.
  if (operation.status == processor_status::paid && verdict->status == processor_status::failed)
    difference.repair = *verdict;
  add(std::move(difference));
}

std::vector<reconciliation_builder::object_key> reconciliation_builder::unclaimed_operations()
    const {
  std::vector<object_key> unclaimed;
  for (const auto& [key, entry] : objects_)
    if (!entry.claimed) unclaimed.push_back(key);
  return unclaimed;
}

reconciliation_report reconciliation_builder::finish() {
  for (const auto& operation : unlisted_)
    if (report_.processor_lists_complete)
      add(parked_unfinished(difference_kind::missing_at_processor, operation));
  unlisted_.clear();
  for (const auto& [key, entry] : objects_) {
    if (entry.claimed) continue;
    for (const auto& object : entry.objects) {
      reconciliation_difference difference;
      difference.kind = difference_kind::unknown_to_engine;
      difference.operation_kind = key.first;
      difference.operation_id = key.second;
      difference.account_id = object.account_id;
      difference.processor_status = object.status;
      difference.processor_object_id = object.id;
      difference.outcome = "none";
      add(std::move(difference));
    }
  }
  return std::move(report_);
}

}  // namespace escrowd::actors
