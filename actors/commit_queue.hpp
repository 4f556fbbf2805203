// commit_queue: how deciding actors hand their records to the storage writer, outside
// CAF's mailbox. A CAF request per record cost the writer, the one serial stage every
// commit passes through, a message to dispatch, a response promise and a free of a message
// its thread never allocates (which goes back through the allocating thread's arena lock):
// about a fifth of its time. Here a record costs the writer a move out of a vector taken
// whole, and the writer is told once per batch: the first record queued after the writer
// took the last batch sends it `flush`, and everything queued until the writer runs joins
// that batch (group commit without a timer, as before).
// The answers go back as one `commit_answers` message per actor and batch, each naming the
// waiter the deciding actor registered for its record (commit_waiters.hpp).
// Thread affinity: any thread; one mutex.
// Lifetime: shared by the writer and every deciding actor; clear() before the actor
// system goes (queued entries hold their requesters' handles).
#pragma once

#include <caf/actor_control_block.hpp>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "storage/commit_record.hpp"

namespace escrowd::actors {

// Where the writer sends a record's commit_result: to `requester`, for its waiter `waiter`.
struct commit_reply_address {
  caf::strong_actor_ptr requester;
  std::uint64_t waiter = 0;
};

class commit_queue {
 public:
  // Queues a record. True when the caller must send the writer `flush`: nothing has told
  // it about the records queued since it last took them.
  [[nodiscard]] bool push(storage::commit_record record, commit_reply_address reply);

  // Moves up to `records_max` queued records, oldest first, into `records` and their reply
  // addresses into `replies` (both empty on entry). True when more stay queued: the caller must
  // take again (no push tells it, since it was already told).
  bool take(std::vector<storage::commit_record>& records,
            std::vector<commit_reply_address>& replies, std::size_t records_max);

  // Records queued and not yet taken.
  [[nodiscard]] std::size_t size();

  // Drops everything queued, unanswered: for shutdown, once no actor runs.
  void clear();

 private:
  std::mutex mutex_;
  std::vector<storage::commit_record> records_;
  std::vector<commit_reply_address> replies_;  // replies_[i] answers records_[i]
};

}  // namespace escrowd::actors
