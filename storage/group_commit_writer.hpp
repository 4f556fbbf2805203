// group_commit_writer: one thread that owns all writes to a ledger_store. Submitters queue
// records with a completion callback; whenever the writer is free it takes everything
// queued (up to batch_records_max) as one batch, commits it with one sync, and only then
// runs the completions. No timer: an idle writer commits a lone record at once, and under
// load the batch grows while the previous one syncs, which is where durable throughput
// comes from (stack-notes.md: one fdatasync ~200 us here).
// Thread affinity: submit/try_submit/stats/stop from any thread. Completions run on the
// writer thread, in submission order, after the batch is durable: they must be cheap and
// must not block or submit-and-wait (hand the result to an actor or a promise).
// Lifetime: the store must outlive the writer; the destructor drains the queue and joins.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "storage/commit_record.hpp"
#include "storage/ledger_store.hpp"
#include "storage/limits.hpp"

namespace escrowd::storage {

using commit_completion = std::function<void(const commit_result&)>;

struct group_commit_options {
  std::size_t batch_records_max = storage::batch_records_max;
  std::size_t queue_records_max = storage::queue_records_max;
};

struct group_commit_stats {
  std::uint64_t submitted = 0;
  std::uint64_t completed = 0;
  std::uint64_t rejected_overloaded = 0;  // try_submit on a full queue
  std::uint64_t queue_depth_max = 0;
  storage_stats store;  // batches, syncs, batch size buckets, commit latency
};

class group_commit_writer {
 public:
  group_commit_writer(ledger_store& store, group_commit_options options = {});
  ~group_commit_writer();
  group_commit_writer(const group_commit_writer&) = delete;
  group_commit_writer& operator=(const group_commit_writer&) = delete;

  // Queues a record; blocks while the queue is full (back-pressure). not_ready after stop().
  [[nodiscard]] status submit(commit_record record, commit_completion completion);
  // As submit, but overloaded instead of blocking when the queue is full.
  [[nodiscard]] status try_submit(commit_record record, commit_completion completion);

  // Commits what is queued, then stops the thread. Later submits get not_ready.
  void stop();
  [[nodiscard]] group_commit_stats stats() const;

 private:
  struct pending {
    commit_record record;
    commit_completion completion;
  };
  [[nodiscard]] status enqueue(commit_record& record, commit_completion& completion, bool wait);
  void run();

  ledger_store& store_;
  const group_commit_options options_;
  mutable std::mutex mutex_;
  std::condition_variable work_available_;
  std::condition_variable space_available_;
  std::deque<pending> queue_;
  bool stopping_ = false;
  group_commit_stats stats_;
  std::thread thread_;  // last: started after every other member is ready
};

}  // namespace escrowd::storage
