#include "storage/group_commit_writer.hpp"

#include <algorithm>
#include <vector>

namespace escrowd::storage {

group_commit_writer::group_commit_writer(ledger_store& store, group_commit_options options)
    : store_(store),
      options_{std::clamp<std::size_t>(options.batch_records_max, 1, batch_records_max),
               std::max(options.queue_records_max, std::size_t{1})},
      thread_([this] { run(); }) {}

group_commit_writer::~group_commit_writer() {
  stop();
}

void group_commit_writer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_available_.notify_all();
  space_available_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

status group_commit_writer::submit(commit_record record, commit_completion completion) {
  return enqueue(record, completion, true);
}

status group_commit_writer::try_submit(commit_record record, commit_completion completion) {
  return enqueue(record, completion, false);
}

status group_commit_writer::enqueue(commit_record& record, commit_completion& completion,
                                    bool wait) {
  std::unique_lock lock(mutex_);
  if (wait)
    space_available_.wait(lock,
                          [&] { return stopping_ || queue_.size() < options_.queue_records_max; });
  if (stopping_) return error{error_code::not_ready, {}};
  if (queue_.size() >= options_.queue_records_max) {
    ++stats_.rejected_overloaded;
    return error{error_code::overloaded, {}};
  }
  const bool was_empty = queue_.empty();
  queue_.push_back({std::move(record), std::move(completion)});
  ++stats_.submitted;
  stats_.queue_depth_max = std::max<std::uint64_t>(stats_.queue_depth_max, queue_.size());
  lock.unlock();
  if (was_empty) work_available_.notify_one();
  return {};
}

void group_commit_writer::run() {
  std::vector<commit_record> records;
  std::vector<commit_completion> completions;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      work_available_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      // Everything that queued while the previous batch synced joins this one.
      const std::size_t take = std::min(queue_.size(), options_.batch_records_max);
      records.clear();
      completions.clear();
      for (std::size_t i = 0; i < take; ++i) {
        records.push_back(std::move(queue_.front().record));
        completions.push_back(std::move(queue_.front().completion));
        queue_.pop_front();
      }
    }
    space_available_.notify_all();
    auto outcome = store_.commit_batch(records);
    // Durable (or failed as a whole) from here on: acknowledge.
    for (std::size_t i = 0; i < completions.size(); ++i)
      if (completions[i]) completions[i](outcome.records[i]);
    std::lock_guard lock(mutex_);
    stats_.completed += completions.size();
  }
}

group_commit_stats group_commit_writer::stats() const {
  group_commit_stats copy;
  {
    std::lock_guard lock(mutex_);
    copy = stats_;
  }
  copy.store = store_.stats();
  return copy;
}

}  // namespace escrowd::storage
