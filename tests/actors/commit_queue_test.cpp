// Tests actors/commit_queue.hpp: the writer is told once per batch, takes records oldest
// first with their reply addresses, at most a batch at a time, and is told again only
// after it took everything. And actors/commit_waiters.hpp: each waiter is answered once,
// by its id, in whatever order the answers come.
#include "actors/commit_queue.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "actors/commit_waiters.hpp"

namespace escrowd::actors {
namespace {

storage::commit_record record_named(const std::string& key) {
  storage::commit_record record;
  record.idempotency = storage::idempotency_record{};
  record.idempotency->key = key;
  return record;
}

commit_reply_address address(std::uint64_t waiter) {
  return {nullptr, waiter};
}

// What one take() moved out: whether more stay queued, each record's key, each answer's id.
struct taken {
  bool more = false;
  std::vector<std::string> keys;
  std::vector<std::uint64_t> waiters;
};

taken take_from(commit_queue& queue, std::size_t records_max) {
  std::vector<storage::commit_record> records;
  std::vector<commit_reply_address> replies;
  taken out;
  out.more = queue.take(records, replies, records_max);
  for (const auto& record : records)
    out.keys.push_back(record.idempotency ? record.idempotency->key : std::string{});
  for (const auto& reply : replies) out.waiters.push_back(reply.waiter);
  return out;
}

TEST(CommitQueue, TellsTheWriterOnlyForTheFirstRecordSinceItLastTookEverything) {
  commit_queue queue;
  EXPECT_TRUE(queue.push(record_named("a"), address(1)));
  EXPECT_FALSE(queue.push(record_named("b"), address(2)));
  const auto batch = take_from(queue, 10);
  EXPECT_FALSE(batch.more);
  EXPECT_EQ(batch.keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(batch.waiters, (std::vector<std::uint64_t>{1, 2}));
  // Taken: the next record must tell the writer again.
  EXPECT_TRUE(queue.push(record_named("c"), address(3)));
}

TEST(CommitQueue, TakesAtMostABatchAndSaysMoreAreQueued) {
  commit_queue queue;
  for (int i = 0; i < 5; ++i) (void)queue.push(record_named(std::to_string(i)), address(i + 1));
  const auto first = take_from(queue, 2);
  EXPECT_TRUE(first.more);
  EXPECT_EQ(first.keys, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(first.waiters, (std::vector<std::uint64_t>{1, 2}));
  // The writer still owes itself a look: a push does not tell it again.
  EXPECT_FALSE(queue.push(record_named("5"), address(6)));
  const auto second = take_from(queue, 10);
  EXPECT_FALSE(second.more);
  EXPECT_EQ(second.keys, (std::vector<std::string>{"2", "3", "4", "5"}));
  EXPECT_EQ(second.waiters.back(), 6u);
}

TEST(CommitQueue, AnEmptyTakeTakesNothing) {
  commit_queue queue;
  const auto batch = take_from(queue, 10);
  EXPECT_FALSE(batch.more);
  EXPECT_TRUE(batch.keys.empty());
  EXPECT_TRUE(batch.waiters.empty());
}

TEST(CommitQueue, ClearDropsWhatIsQueuedAndTheNextRecordTellsTheWriter) {
  commit_queue queue;
  EXPECT_TRUE(queue.push(record_named("a"), address(1)));
  queue.clear();
  EXPECT_TRUE(take_from(queue, 10).keys.empty());
  EXPECT_TRUE(queue.push(record_named("b"), address(2)));
}

// A waiter whose durable answer carries `body`, so a test can tell which one ran.
std::uint64_t wait_for(commit_waiters& waiters, const std::string& body) {
  rendered_response response;
  response.body = body;
  return waiters.wait({}, std::move(response), {}, {});
}

TEST(CommitWaiters, EachWaiterIsTakenOnceByItsId) {
  commit_waiters waiters;
  const auto a = wait_for(waiters, "a");
  const auto b = wait_for(waiters, "b");
  EXPECT_NE(a, b);
  EXPECT_EQ(waiters.size(), 2u);
  EXPECT_EQ(waiters.take(a)->response.body, "a");
  EXPECT_FALSE(waiters.take(a));  // answered already
  EXPECT_EQ(waiters.take(b)->response.body, "b");
  EXPECT_EQ(waiters.size(), 0u);
}

TEST(CommitWaiters, AnswersOutOfOrderFindTheirWaiters) {
  commit_waiters waiters;
  const auto a = wait_for(waiters, "a");
  const auto b = wait_for(waiters, "b");
  const auto c = wait_for(waiters, "c");
  EXPECT_EQ(waiters.take(b)->response.body, "b");
  EXPECT_EQ(waiters.take(c)->response.body, "c");
  EXPECT_EQ(waiters.take(a)->response.body, "a");
  EXPECT_EQ(waiters.size(), 0u);
}

// A hot payer: waiters come and go without the table ever emptying, past the point where
// taken slots are dropped.
TEST(CommitWaiters, AWaitingTableThatNeverEmptiesKeepsEveryWaiter) {
  commit_waiters waiters;
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 10; ++i) ids.push_back(wait_for(waiters, std::to_string(i)));
  for (int i = 10; i < 500; ++i) {
    ids.push_back(wait_for(waiters, std::to_string(i)));
    const auto oldest = static_cast<std::size_t>(i - 10);
    ASSERT_EQ(waiters.take(ids[oldest])->response.body, std::to_string(oldest));
    ASSERT_EQ(waiters.size(), 10u);
  }
  for (std::size_t i = 490; i < 500; ++i)
    EXPECT_EQ(waiters.take(ids[i])->response.body, std::to_string(i));
}

}  // namespace
}  // namespace escrowd::actors
