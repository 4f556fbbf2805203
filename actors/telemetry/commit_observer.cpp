#include "actors/telemetry/commit_observer.hpp"

namespace escrowd::actors::telemetry {
namespace {

std::size_t kind_slot(processor_kind kind) {
  return static_cast<std::size_t>(kind) - 1;
}

// The currency of `account_id` as this record knows it: a pending_topup delta always
// travels with the top-up it belongs to.
const currency* record_currency(const storage::commit_record& record,
                                const std::string& account_id) {
  for (const auto* operations : {&record.operation_creates, &record.operation_updates})
    for (const auto& operation : *operations)
      if (operation.account_id == account_id) return &operation.currency;
  for (const auto& created : record.account_creates)
    if (created.id == account_id) return &created.currency;
  return nullptr;
}

}  // namespace

status commit_observer::load(const storage::read_snapshot& snapshot) {
  sums_.clear();
  for (auto& ids : reconciling_) ids.clear();
  auto tasks = snapshot.for_each_task([this](const task& row) {
    add(row.currency, money_gauge::escrow, row.escrow);
    return true;
  });
  if (!tasks) return tasks;
  auto accounts = snapshot.for_each_account([this](const account& row) {
    add(row.currency, money_gauge::to_processor, row.pending_withdrawal);
    add(row.currency, money_gauge::from_processor, row.pending_topup);
    return true;
  });
  if (!accounts) return accounts;
  auto operations = snapshot.for_each_operation([this](const processor_operation& row) {
    if (row.status == processor_status::requires_reconciliation)
      reconciling_[kind_slot(row.kind)].insert(row.id);
    return true;
  });
  if (!operations) return operations;
  reconciling_dirty_ = true;
  publish();
  return {};
}

void commit_observer::observe_batch(std::span<const storage::commit_record> records,
                                    const storage::batch_result& outcome,
                                    std::chrono::nanoseconds elapsed) {
  metrics_.record_commit_batch(records.size(), std::chrono::duration<double>(elapsed).count());
  if (!outcome.outcome.ok()) return;
  for (std::size_t i = 0; i < records.size() && i < outcome.records.size(); ++i)
    if (outcome.records[i].outcome.ok()) observe_record(records[i]);
  publish();
}

void commit_observer::observe_record(const storage::commit_record& record) {
  if (record.entry) {
    for (const auto& leg : record.entry->legs) {
      if (leg.book.kind == book_kind::escrow)
        add(leg.book.currency, money_gauge::escrow, leg.amount);
      else if (leg.book.kind == book_kind::pending_withdrawal)
        add(leg.book.currency, money_gauge::to_processor, leg.amount);
    }
  }
  for (const auto& delta : record.account_deltas) {
    if (delta.field != balance_field::pending_topup) continue;
    if (const auto* code = record_currency(record, delta.account_id))
      add(*code, money_gauge::from_processor, delta.amount);
  }
  observe_tasks(record);
  observe_operations(record);
}

// Every transition appends one history item, so a created row's history is all its
// transitions (a task created funded has two) and an updated row's last item is the new one.
void commit_observer::observe_tasks(const storage::commit_record& record) {
  for (const auto& created : record.task_creates) {
    std::optional<task_state> from;
    for (const auto& item : created.history) {
      metrics_.record_task_transition(from, item.to);
      from = item.to;
    }
  }
  for (const auto& updated : record.task_updates) {
    const auto& history = updated.history;
    if (history.empty()) continue;
    std::optional<task_state> from;
    if (history.size() >= 2) from = history[history.size() - 2].to;
    metrics_.record_task_transition(from, history.back().to);
    if (history.back().transition == task_transition::review_window_lapsed)
      metrics_.record_review_window_release();
  }
}

void commit_observer::observe_operations(const storage::commit_record& record) {
  for (const auto* operations : {&record.operation_creates, &record.operation_updates}) {
    for (const auto& operation : *operations) {
      auto& ids = reconciling_[kind_slot(operation.kind)];
      if (operation.status == processor_status::requires_reconciliation)
        reconciling_dirty_ |= ids.insert(operation.id).second;
      else
        reconciling_dirty_ |= ids.erase(operation.id) > 0;
    }
  }
}

void commit_observer::add(const currency& which, money_gauge gauge, std::int64_t amount) {
  auto& sums = sums_[which.packed()];
  sums.code = which;
  sums.dirty = true;
  switch (gauge) {
    case money_gauge::escrow:
      sums.escrow += amount;
      break;
    case money_gauge::to_processor:
      sums.to_processor += amount;
      break;
    case money_gauge::from_processor:
      sums.from_processor += amount;
      break;
  }
}

void commit_observer::publish() {
  for (auto& [packed, sums] : sums_) {
    if (!sums.dirty) continue;
    metrics_.set_money(sums.code, money_gauge::escrow, sums.escrow);
    metrics_.set_money(sums.code, money_gauge::to_processor, sums.to_processor);
    metrics_.set_money(sums.code, money_gauge::from_processor, sums.from_processor);
    sums.dirty = false;
  }
  if (!reconciling_dirty_) return;
  for (auto kind : {processor_kind::topup, processor_kind::withdrawal})
    metrics_.set_operations_awaiting_reconciliation(kind, reconciling_[kind_slot(kind)].size());
  reconciling_dirty_ = false;
}

}  // namespace escrowd::actors::telemetry
