// Tests actors/commit_queue.hpp: the writer is told once per batch, takes records oldest
// first with their reply addresses, at most a batch at a time, and is told again only
// after it took everything.
#include "actors/commit_queue.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace escrowd::actors {
namespace {

storage::commit_record record_named(const std::string& key) {
  storage::commit_record record;
  record.idempotency = storage::idempotency_record{};
  record.idempotency->key = key;
  return record;
}

commit_reply_address address(std::uint64_t request) {
  return {nullptr, caf::make_message_id(request).response_id()};
}

caf::message_id response_to(std::uint64_t request) {
  return caf::make_message_id(request).response_id();
}

// What one take() moved out: whether more stay queued, each record's key, each answer's id.
struct taken {
  bool more = false;
  std::vector<std::string> keys;
  std::vector<caf::message_id> response_ids;
};

taken take_from(commit_queue& queue, std::size_t records_max) {
  std::vector<storage::commit_record> records;
  std::vector<commit_reply_address> replies;
  taken out;
  out.more = queue.take(records, replies, records_max);
  for (const auto& record : records)
    out.keys.push_back(record.idempotency ? record.idempotency->key : std::string{});
  for (const auto& reply : replies) out.response_ids.push_back(reply.response_id);
  return out;
}

TEST(CommitQueue, TellsTheWriterOnlyForTheFirstRecordSinceItLastTookEverything) {
  commit_queue queue;
  EXPECT_TRUE(queue.push(record_named("a"), address(1)));
  EXPECT_FALSE(queue.push(record_named("b"), address(2)));
  const auto batch = take_from(queue, 10);
  EXPECT_FALSE(batch.more);
  EXPECT_EQ(batch.keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(batch.response_ids, (std::vector<caf::message_id>{response_to(1), response_to(2)}));
  // Taken: the next record must tell the writer again.
  EXPECT_TRUE(queue.push(record_named("c"), address(3)));
}

TEST(CommitQueue, TakesAtMostABatchAndSaysMoreAreQueued) {
  commit_queue queue;
  for (int i = 0; i < 5; ++i) (void)queue.push(record_named(std::to_string(i)), address(i + 1));
  const auto first = take_from(queue, 2);
  EXPECT_TRUE(first.more);
  EXPECT_EQ(first.keys, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(first.response_ids, (std::vector<caf::message_id>{response_to(1), response_to(2)}));
  // The writer still owes itself a look: a push does not tell it again.
  EXPECT_FALSE(queue.push(record_named("5"), address(6)));
  const auto second = take_from(queue, 10);
  EXPECT_FALSE(second.more);
  EXPECT_EQ(second.keys, (std::vector<std::string>{"2", "3", "4", "5"}));
  EXPECT_EQ(second.response_ids.back(), response_to(6));
}

TEST(CommitQueue, AnEmptyTakeTakesNothing) {
  commit_queue queue;
  const auto batch = take_from(queue, 10);
  EXPECT_FALSE(batch.more);
  EXPECT_TRUE(batch.keys.empty());
  EXPECT_TRUE(batch.response_ids.empty());
}

TEST(CommitQueue, ClearDropsWhatIsQueuedAndTheNextRecordTellsTheWriter) {
  commit_queue queue;
  EXPECT_TRUE(queue.push(record_named("a"), address(1)));
  queue.clear();
  EXPECT_TRUE(take_from(queue, 10).keys.empty());
  EXPECT_TRUE(queue.push(record_named("b"), address(2)));
}

}  // namespace
}  // namespace escrowd::actors
