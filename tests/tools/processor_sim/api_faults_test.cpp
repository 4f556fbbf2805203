// Tests the simulator's injected faults through its request pipeline, each drawn with
// probability 1: 500s before and after the effect, faults on reads, lost responses, rate
// limits and slow execution with the key in flight.
#include <gtest/gtest.h>

#include "api_fixture.hpp"

namespace escrowd::processor_sim::testing {
namespace {

class api_fault_test : public api_test {
 protected:
  static api_options with(double fault_options::*field) {
    api_options options = default_options();
    options.faults.*field = 1.0;
    options.faults.slow_ms = 250;
    return options;
  }
  explicit api_fault_test(double fault_options::*field) : api_test(with(field)) {}
};

struct fail_before : api_fault_test {
  fail_before() : api_fault_test(&fault_options::fail_before_effect) {}
};
TEST_F(fail_before, answers_500_applies_nothing_and_replays_the_500) {
  auto first = call("POST", "/v1/payment_intents", visa, "k");
  EXPECT_EQ(first.status, 500);
  EXPECT_EQ(json(first)["error"].as_object()["type"], "api_error");
  EXPECT_EQ(header(first, "Stripe-Should-Retry"), "false");  // a retry would replay it
  EXPECT_EQ(charges(), 0u);
  auto again = call("POST", "/v1/payment_intents", visa, "k");
  EXPECT_EQ(again.status, 500);
  EXPECT_EQ(header(again, "Idempotent-Replayed"), "true");
  EXPECT_EQ(charges(), 0u);
  EXPECT_EQ(call("GET", "/v1/payment_intents").status, 200);  // reads are not faulted
}

struct fail_reads : api_test {
  static api_options with_reads() {
    api_options options = default_options();
    options.faults.fail_before_effect = 1.0;
    options.faults.fault_reads = true;
    return options;
  }
  fail_reads() : api_test(with_reads()) {}
};
TEST_F(fail_reads, fault_reads_extends_faults_to_gets_but_not_to_inspection) {
  EXPECT_EQ(call("GET", "/v1/payouts").status, 500);
  EXPECT_EQ(call("GET", "/_sim/stats").status, 200);
}

struct fail_after : api_fault_test {
  fail_after() : api_fault_test(&fault_options::fail_after_effect) {}
};
TEST_F(fail_after, answers_500_after_the_charge_exists) {
  EXPECT_EQ(call("POST", "/v1/payment_intents", visa, "k").status, 500);
  EXPECT_EQ(charges(), 1u);
}

struct drop_after : api_fault_test {
  drop_after() : api_fault_test(&fault_options::drop_after_effect) {}
};
TEST_F(drop_after, loses_the_response_but_keeps_the_charge_and_replays) {
  auto first = call("POST", "/v1/payment_intents", visa, "k");
  EXPECT_EQ(first.how, delivery::reset);
  EXPECT_EQ(charges(), 1u);
  auto retry = call("POST", "/v1/payment_intents", visa, "k");
  EXPECT_EQ(retry.how, delivery::send);
  EXPECT_EQ(retry.status, 200);
  EXPECT_EQ(header(retry, "Idempotent-Replayed"), "true");
  EXPECT_EQ(charges(), 1u);
}

struct rate_limited : api_fault_test {
  rate_limited() : api_fault_test(&fault_options::rate_limit) {}
};
TEST_F(rate_limited, answers_429_with_retry_after_and_saves_nothing) {
  auto reply = call("POST", "/v1/payment_intents", visa, "k");
  EXPECT_EQ(reply.status, 429);
  EXPECT_EQ(json(reply)["error"].as_object()["code"], "rate_limit");
  EXPECT_EQ(header(reply, "Retry-After"), "1");
  EXPECT_EQ(header(reply, "Stripe-Rate-Limited-Reason"), "global-rate");
  EXPECT_EQ(charges(), 0u);
  EXPECT_EQ(logic_.stats().rate_limit, 1u);
}

struct slow : api_fault_test {
  slow() : api_fault_test(&fault_options::slow) {}
};
TEST_F(slow, delays_execution_with_the_key_in_flight) {
  api_request request;
  request.method = "POST";
  request.target = "/v1/payouts";
  request.body = "amount=5&currency=usd";
  request.authorization = "Bearer sk_test_abc";
  auto prepared = logic_.prepare(request);
  ASSERT_TRUE(prepared.call.has_value());
  EXPECT_EQ(prepared.delay_ms, 250);
}

}  // namespace
}  // namespace escrowd::processor_sim::testing
