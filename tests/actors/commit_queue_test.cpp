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

std::string key_of(const storage::commit_record& record) {
  return record.idempotency ? record.idempotency->key : std::string{};
}

TEST(CommitQueue, TellsTheWriterOnlyForTheFirstRecordSinceItLastTookEverything) {
  commit_queue queue;
  EXPECT_TRUE(queue.push(record_named("a"), address(1)));
  EXPECT_FALSE(queue.push(record_named("b"), address(2)));
  std::vector<storage::commit_record> records;
  std::vector<commit_reply_address> replies;
  EXPECT_FALSE(queue.take(records, replies, 10));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(key_of(records[0]), "a");
  EXPECT_EQ(key_of(records[1]), "b");
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].response_id, caf::make_message_id(1).response_id());
  EXPECT_EQ(replies[1].response_id, caf::make_message_id(2).response_id());
  // Taken: the next record must tell the writer again.
  EXPECT_TRUE(queue.push(record_named("c"), address(3)));
}

TEST(CommitQueue, TakesAtMostABatchAndSaysMoreAreQueued) {
  commit_queue queue;
  for (int i = 0; i < 5; ++i) (void)queue.push(record_named(std::to_string(i)), address(i + 1));
  std::vector<storage::commit_record> records;
  std::vector<commit_reply_address> replies;
  EXPECT_TRUE(queue.take(records, replies, 2));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(key_of(records[0]), "0");
  EXPECT_EQ(key_of(records[1]), "1");
  EXPECT_EQ(replies[1].response_id, caf::make_message_id(2).response_id());
  // The writer still owes itself a look: a push does not tell it again.
  EXPECT_FALSE(queue.push(record_named("5"), address(6)));
  records.clear();
  replies.clear();
  EXPECT_FALSE(queue.take(records, replies, 10));
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(key_of(records[0]), "2");
  EXPECT_EQ(key_of(records[3]), "5");
  EXPECT_EQ(replies[3].response_id, caf::make_message_id(6).response_id());
}

TEST(CommitQueue, AnEmptyTakeTakesNothing) {
  commit_queue queue;
  std::vector<storage::commit_record> records;
  std::vector<commit_reply_address> replies;
  EXPECT_FALSE(queue.take(records, replies, 10));
  EXPECT_TRUE(records.empty());
  EXPECT_TRUE(replies.empty());
}

TEST(CommitQueue, ClearDropsWhatIsQueuedAndTheNextRecordTellsTheWriter) {
  commit_queue queue;
  EXPECT_TRUE(queue.push(record_named("a"), address(1)));
  queue.clear();
  std::vector<storage::commit_record> records;
  std::vector<commit_reply_address> replies;
  EXPECT_FALSE(queue.take(records, replies, 10));
  EXPECT_TRUE(records.empty());
  EXPECT_TRUE(queue.push(record_named("b"), address(2)));
}

}  // namespace
}  // namespace escrowd::actors
