#include "storage/commit_record.hpp"

#include "storage/task_codec.hpp"

namespace escrowd::storage {

namespace {

// A little above the encoded size, so a value is allocated once and never grown: fixed
// fields and framing, plus each string and history item with its length prefix.
std::size_t encoded_size_bound(const task& row) {
  std::size_t bound = 128 + row.id.size() + row.payer.size() + row.worker.size() +
                      row.submission.size() + row.dispute_reason.size();
  for (const auto& item : row.history) bound += 16 + item.actor.size();
  return bound;
}

}  // namespace

void encode_tasks(commit_record& record) {
  record.encoded_tasks.resize(record.task_creates.size() + record.task_updates.size());
  auto value = record.encoded_tasks.begin();
  for (const auto* rows : {&record.task_creates, &record.task_updates})
    for (const auto& row : *rows) {
      value->reserve(encoded_size_bound(row));
      encode_task(row, *value++);
    }
}

}  // namespace escrowd::storage
