// Tests idempotency_store with explicit timestamps: replay, parameter and endpoint
// mismatches, the in-flight answer, release of unsaved outcomes, expiry (including a key
// recreated after expiry) and the capacity bound.
#include "idempotency_store.hpp"

#include <gtest/gtest.h>

namespace escrowd::processor_sim {
namespace {

constexpr std::int64_t ttl_ms = 1000;
const std::string endpoint = "POST /v1/payment_intents";

stored_response response(int status, std::string body) {
  return stored_response{status, std::move(body), "req_first", {}};
}

// Begins `scope`, which must be new, and returns the request's claim on it.
key_claim started(idempotency_store& store, const std::string& scope, const std::string& on,
                  const std::string& fingerprint, std::int64_t now_ms) {
  auto begun = store.begin(scope, on, fingerprint, now_ms);
  EXPECT_EQ(begun.status, begin_status::started) << scope;
  EXPECT_TRUE(begun.claim.held()) << scope;
  return std::move(begun.claim);
}

TEST(idempotency_store, replays_the_saved_response) {
  idempotency_store store(ttl_ms, 10);
  started(store, "k", endpoint, "amount=1", 0).complete(response(402, "declined"));
  auto again = store.begin("k", endpoint, "amount=1", 10);
  ASSERT_EQ(again.status, begin_status::replay);
  EXPECT_FALSE(again.claim.held());
  EXPECT_EQ(again.response->status, 402);
  EXPECT_EQ(again.response->body, "declined");
  EXPECT_EQ(again.response->request_id, "req_first");
}

TEST(idempotency_store, other_parameters_are_a_mismatch) {
  idempotency_store store(ttl_ms, 10);
  started(store, "k", endpoint, "amount=1", 0).complete(response(200, "{}"));
  EXPECT_EQ(store.begin("k", endpoint, "amount=2", 1).status, begin_status::params_mismatch);
}

TEST(idempotency_store, another_endpoint_is_a_mismatch_naming_the_first) {
  idempotency_store store(ttl_ms, 10);
  started(store, "k", endpoint, "amount=1", 0).complete(response(200, "{}"));
  auto other = store.begin("k", "POST /v1/payouts", "amount=1", 1);
  EXPECT_EQ(other.status, begin_status::endpoint_mismatch);
  EXPECT_EQ(other.first_endpoint, endpoint);
}

TEST(idempotency_store, executing_key_is_in_use_until_completed) {
  idempotency_store store(ttl_ms, 10);
  auto first = started(store, "k", endpoint, "a", 0);
  auto second = store.begin("k", endpoint, "a", 1);
  EXPECT_EQ(second.status, begin_status::in_use);
  EXPECT_FALSE(second.claim.held());
  first.complete(response(200, "{}"));
  EXPECT_EQ(store.begin("k", endpoint, "a", 2).status, begin_status::replay);
}

// Pins a decision rather than a fix: other parameters are a mismatch (400) even while the
// first request executes, not "in use" (409); idempotency_store.cpp says why.
TEST(idempotency_store, executing_key_with_other_parameters_is_a_mismatch_not_in_use) {
  idempotency_store store(ttl_ms, 10);
  auto first = started(store, "k", endpoint, "amount=1", 0);
  EXPECT_EQ(store.begin("k", endpoint, "amount=2", 1).status, begin_status::params_mismatch);
  EXPECT_EQ(store.begin("k", "POST /v1/payouts", "amount=1", 1).status,
            begin_status::endpoint_mismatch);
  EXPECT_EQ(store.begin("k", endpoint, "amount=1", 2).status, begin_status::in_use);
}

TEST(idempotency_store, released_key_executes_anew) {
  idempotency_store store(ttl_ms, 10);
  started(store, "k", endpoint, "bad", 0).release();
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.begin("k", endpoint, "good", 1).status, begin_status::started);
}

// A key refused by validation and sent again within the same millisecond was listed twice
// by finished_keys(), so compaction wrote it twice.
TEST(idempotency_store, a_released_key_begun_again_is_listed_once) {
  idempotency_store store(60'000, 10);
  started(store, "k", "POST /v1/payouts", "amount=0", 5).release();
  started(store, "k", "POST /v1/payouts", "amount=1", 5)
      .complete(stored_response{200, "{}", "req_1", {}});
  EXPECT_EQ(store.finished_keys().size(), 1u);
}

// A claim dropped without an answer (an exception, a call never executed) frees its key;
// one that saved an answer, or was moved from, does not.
TEST(idempotency_store, a_claim_frees_its_key_unless_it_saved_an_answer) {
  idempotency_store store(ttl_ms, 10);
  {
    auto dropped = started(store, "dropped", endpoint, "a", 0);
    auto saved = started(store, "saved", endpoint, "a", 0);
    saved.complete(response(200, "{}"));
    EXPECT_FALSE(saved.held());
    key_claim moved = std::move(dropped);
    EXPECT_TRUE(moved.held());
  }
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.begin("saved", endpoint, "a", 1).status, begin_status::replay);
  EXPECT_EQ(store.begin("dropped", endpoint, "a", 1).status, begin_status::started);
}

// A claim dropped after younger keys began (a slow call) left its queue element behind when
// it was not the last, so the key begun again within the same millisecond was listed twice.
TEST(idempotency_store, a_key_released_behind_younger_ones_is_listed_once) {
  idempotency_store store(60'000, 10);
  auto slow = started(store, "slow", endpoint, "a", 5);
  auto young = started(store, "young", endpoint, "a", 5);
  slow.release();
  started(store, "slow", endpoint, "a", 5).complete(response(200, "{}"));
  young.complete(response(200, "{}"));
  EXPECT_EQ(store.finished_keys().size(), 2u);
}

// After a clear() (/_sim/reset) the key of a slow call may be begun by another request: the
// slow call's late answer went into the new request's entry (replayed to its retries), and
// a slow call dropped unanswered freed it (its retries executed again).
TEST(idempotency_store, a_claim_from_before_a_clear_leaves_the_key_begun_since_alone) {
  idempotency_store store(ttl_ms, 10);
  auto before_clear = started(store, "k", endpoint, "a", 0);
  auto dropped_before_clear = started(store, "d", endpoint, "a", 0);
  store.clear();
  auto after_clear = started(store, "k", endpoint, "a", 1);
  auto begun_again = started(store, "d", endpoint, "a", 1);
  before_clear.complete(response(500, "late"));
  dropped_before_clear.release();
  EXPECT_EQ(store.begin("k", endpoint, "a", 2).status, begin_status::in_use);
  EXPECT_EQ(store.begin("d", endpoint, "a", 2).status, begin_status::in_use);
  after_clear.complete(response(200, "mine"));
  auto replayed = store.begin("k", endpoint, "a", 3);
  ASSERT_EQ(replayed.status, begin_status::replay);
  EXPECT_EQ(replayed.response->body, "mine");
  EXPECT_EQ(store.finished_keys().size(), 1u);
}

TEST(idempotency_store, release_never_forgets_a_saved_response) {
  idempotency_store store(ttl_ms, 10);
  auto claim = started(store, "k", endpoint, "a", 0);
  claim.complete(response(200, "{}"));
  claim.release();
  EXPECT_EQ(store.begin("k", endpoint, "a", 1).status, begin_status::replay);
}

TEST(idempotency_store, keys_expire_after_the_ttl_and_then_execute_anew) {
  idempotency_store store(ttl_ms, 10);
  started(store, "k", endpoint, "a", 0).complete(response(200, "first"));
  EXPECT_EQ(store.begin("k", endpoint, "a", ttl_ms - 1).status, begin_status::replay);
  started(store, "k", endpoint, "b", ttl_ms).complete(response(200, "second"));
  // The recreated key lives its own full ttl: the first one's expiry must not remove it.
  store.expire(ttl_ms + 10);
  auto again = store.begin("k", endpoint, "b", 2 * ttl_ms - 1);
  ASSERT_EQ(again.status, begin_status::replay);
  EXPECT_EQ(again.response->body, "second");
}

TEST(idempotency_store, executing_key_survives_expiry_until_completed) {
  idempotency_store store(ttl_ms, 10);
  auto slow = started(store, "slow", endpoint, "a", 0);
  started(store, "fast", endpoint, "a", 1).complete(response(200, "{}"));
  store.expire(5 * ttl_ms);
  EXPECT_EQ(store.begin("slow", endpoint, "a", 5 * ttl_ms).status, begin_status::in_use);
  // "fast" expired even though the older "slow" still blocks the age queue.
  EXPECT_EQ(store.begin("fast", endpoint, "a", 5 * ttl_ms).status, begin_status::started);
}

TEST(idempotency_store, refuses_new_keys_when_full) {
  idempotency_store store(ttl_ms, 2);
  auto a = started(store, "a", endpoint, "x", 0);
  auto b = started(store, "b", endpoint, "x", 0);
  EXPECT_EQ(store.begin("c", endpoint, "x", 0).status, begin_status::full);
  a.complete(response(200, "{}"));
  b.complete(response(200, "{}"));
  EXPECT_EQ(store.begin("c", endpoint, "x", ttl_ms).status, begin_status::started);
}

}  // namespace
}  // namespace escrowd::processor_sim
