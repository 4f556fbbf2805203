#include "actors/commit_queue.hpp"

#include <cassert>
#include <iterator>
#include <utility>

namespace escrowd::actors {

bool commit_queue::push(storage::commit_record record, commit_reply_address reply) {
  std::lock_guard guard(mutex_);
  records_.push_back(std::move(record));
  replies_.push_back(std::move(reply));
  // The writer was told by the record that found the queue empty, and takes the queue
  // empty again only when it takes everything.
  return records_.size() == 1;
}

bool commit_queue::take(std::vector<storage::commit_record>& records,
                        std::vector<commit_reply_address>& replies, std::size_t records_max) {
  assert(records.empty() && replies.empty());  // swapped in below: the queue must end empty
  std::lock_guard guard(mutex_);
  if (records_.size() <= records_max) {
    // Swapped, not moved: the queue goes on in the taker's (reserved) vectors.
    records.swap(records_);
    replies.swap(replies_);
    return false;
  }
  const auto end = records_.begin() + static_cast<std::ptrdiff_t>(records_max);
  records.assign(std::make_move_iterator(records_.begin()), std::make_move_iterator(end));
  records_.erase(records_.begin(), end);
  const auto replies_end = replies_.begin() + static_cast<std::ptrdiff_t>(records_max);
  replies.assign(std::make_move_iterator(replies_.begin()), std::make_move_iterator(replies_end));
  replies_.erase(replies_.begin(), replies_end);
  return true;
}

std::size_t commit_queue::size() {
  std::lock_guard guard(mutex_);
  return records_.size();
}

void commit_queue::clear() {
  // Destroyed outside the lock: releasing a requester's handle may destroy its actor.
  std::vector<storage::commit_record> records;
  std::vector<commit_reply_address> replies;
  {
    std::lock_guard guard(mutex_);
    records.swap(records_);
    replies.swap(replies_);
  }
}

}  // namespace escrowd::actors
