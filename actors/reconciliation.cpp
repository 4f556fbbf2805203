#include "actors/reconciliation.hpp"

#include <algorithm>

namespace escrowd::actors {

reconciliation_window reconciliation_window_at(std::int64_t now, std::chrono::seconds length,
                                               std::optional<std::int64_t> oldest_open_created) {
  reconciliation_window window;
  window.judged_from = now - length.count();
  if (oldest_open_created) window.judged_from = std::min(window.judged_from, *oldest_open_created);
  window.listed_from = window.judged_from - reconciliation_clock_skew_margin_s;
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

void reconciliation_builder::add(reconciliation_difference difference) {
  ++report_.differences_total;
  // Repairs are never dropped: the report may be cut, the repair work may not.
  if (difference.repair || report_.differences.size() < differences_max_)
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
    const auto listed_from = listings_started_.find(operation.kind);
    const bool changed_while_listed =
        listed_from != listings_started_.end() && operation.updated_at >= listed_from->second;
    if (report_.processor_lists_complete && suspicious && !changed_while_listed)
      add(difference_for(difference_kind::missing_at_processor, operation));
    return;
  }
  found->second.claimed = true;
  if (found->second.objects.size() > 1) {
    add(difference_for(difference_kind::duplicate_at_processor, operation,
                       found->second.objects.front()));
    return;
  }
  compare_one(operation, found->second.objects.front());
}

void reconciliation_builder::compare_one(const processor_operation& operation,
                                         const processor_object& object) {
  if (object.amount != operation.amount ||
      (!object.currency.empty() && object.currency != operation.currency.view())) {
    add(difference_for(difference_kind::amount_mismatch, operation, object));
    return;
  }
  const auto verdict = verdict_of(object);
  if (!verdict) {
    if (operation.status == processor_status::requires_reconciliation)
      add(difference_for(difference_kind::in_progress_at_processor, operation, object));
    else if (!is_open(operation.status))
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
