// Tests that no way out of a request leaves its Idempotency-Key executing: a call dropped
// between its two phases, or handling that throws (injected through api::set_stage_hook, as
// a failed allocation or a library error would) before execution frees the key for a fresh
// retry; one that throws after the route ran saves a 500 for replay, as Stripe saves every
// answer once execution began (processor-notes.md §1.5), so the effect never happens twice.
#include <gtest/gtest.h>

#include <new>
#include <stdexcept>

#include "api_fixture.hpp"

namespace escrowd::processor_sim::testing {
namespace {

class key_claim_test : public api_test {
 protected:
  // The next time handling reaches `stage`, it throws `error`; later calls run normally.
  template <typename exception>
  void throw_once_at(call_stage stage, exception error) {
    logic_.set_stage_hook([this, stage, error, armed = true](call_stage reached) mutable {
      if (reached != stage || !armed) return;
      armed = false;
      throw error;
    });
  }
};

// The key stayed executing for good: every retry was 409, and because expiry waits on an
// executing key, no younger key left memory (nor, compacted, the state file) either.
TEST_F(key_claim_test, a_call_dropped_before_it_executes_frees_its_key) {
  {
    auto prepared = logic_.prepare(keyed_visa_payment("dropped"));
    ASSERT_TRUE(prepared.call.has_value());
  }  // as when the network layer throws between the phases
  auto retry = call("POST", "/v1/payment_intents", visa, "dropped");
  EXPECT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(header(retry, "Idempotent-Replayed"), "");
  EXPECT_EQ(charges(), 1u);
}

TEST_F(key_claim_test, a_throw_before_execution_frees_the_key_for_a_fresh_retry) {
  throw_once_at(call_stage::key_claimed, std::bad_alloc());
  EXPECT_THROW((void)logic_.prepare(keyed_visa_payment("k")), std::bad_alloc);
  EXPECT_EQ(charges(), 0u);
  ASSERT_EQ(call("POST", "/v1/payment_intents", visa, "younger").status, 200);

  auto retry = call("POST", "/v1/payment_intents", visa, "k");
  EXPECT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(header(retry, "Idempotent-Replayed"), "");
  EXPECT_EQ(charges(), 2u);
  // Other parameters under the key are a mismatch again: the retry's outcome is saved.
  EXPECT_EQ(call("POST", "/v1/payment_intents", visa + "&description=x", "k").status, 400);

  // No executing key holds expiry back: after the ttl (default_options: 60 s) all are gone.
  ASSERT_EQ(call("POST", "/_sim/clock/advance", "seconds=61").status, 200);
  logic_.tick();
  EXPECT_EQ(json(call("GET", "/_sim/stats"))["idempotency_keys"], 0);
}

TEST_F(key_claim_test, a_throw_after_the_effect_saves_a_500_that_the_retry_replays) {
  throw_once_at(call_stage::answer_ready, std::runtime_error("injected"));
  auto prepared = logic_.prepare(keyed_visa_payment("k"));
  ASSERT_TRUE(prepared.call.has_value());
  api_reply first;
  ASSERT_NO_THROW(first = logic_.execute(std::move(*prepared.call)));
  EXPECT_EQ(first.status, 500) << first.body;
  EXPECT_EQ(json(first)["error"].as_object()["type"], "api_error");
  EXPECT_EQ(header(first, "Stripe-Should-Retry"), "false");
  EXPECT_EQ(charges(), 1u) << "the route ran before the throw";

  auto retry = call("POST", "/v1/payment_intents", visa, "k");
  EXPECT_EQ(retry.status, 500) << retry.body;
  EXPECT_EQ(header(retry, "Idempotent-Replayed"), "true");
  EXPECT_EQ(retry.body, first.body);
  EXPECT_EQ(charges(), 1u) << "a replay, not a second charge";
}

}  // namespace
}  // namespace escrowd::processor_sim::testing
