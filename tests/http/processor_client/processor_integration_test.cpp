// Integration of the processor boundary with the real simulator binary: the Beast client
// against escrowd-processor-sim (create, replay, decline, retrieve, find, list), then the
// ledger facade with its gateway on that client and the simulator's signed webhooks
// forwarded to ledger.handle_webhook: top-ups succeeded and declined, withdrawals paid,
// failed (hold returned) and paid-then-failed (reversed), webhook-first and
// response-first, injected 500s before and after the effect, and reconciliation. Every
// test counts the simulator's records per idempotency key: at most one effect per key.
#include "tests/http/processor_client/processor_integration_fixture.hpp"

namespace escrowd::processor_client::testing {
namespace {

TEST_F(processor_integration, the_client_speaks_stripe_to_the_simulator) {
  start({}, false);
  const auto operation = topup_operation("top_c1", "pm_card_visa");
  const actors::processor_request request{topup, processor_idempotency_key(operation),
                                          actors::processor_request_payload(operation)};
  const auto first = send_now(request);
  ASSERT_EQ(first.kind, actors::reply_kind::object) << first.detail;
  EXPECT_EQ(first.object->status, "succeeded");
  EXPECT_EQ(first.object->operation_id, "top_c1");
  EXPECT_EQ(first.object->account_id, "acct_1");
  const auto replay = send_now(request);
  ASSERT_EQ(replay.kind, actors::reply_kind::object);
  EXPECT_EQ(replay.object->id, first.object->id);
  EXPECT_EQ(effects("charges", request.idempotency_key), 1u);

  const auto declined_operation = topup_operation("top_c2", "pm_card_chargeDeclined");
  const auto declined = send_now({topup, processor_idempotency_key(declined_operation),
                                  actors::processor_request_payload(declined_operation)});
  EXPECT_EQ(declined.kind, actors::reply_kind::declined);
  EXPECT_EQ(declined.failure_code, "generic_decline");

  std::promise<actors::processor_lookup> found;
  client_->find(topup, "top_c1", actors::unix_now(),
                [&found](actors::processor_lookup lookup) { found.set_value(std::move(lookup)); });
  const auto lookup = found.get_future().get();
  ASSERT_TRUE(lookup.answered);
  ASSERT_EQ(lookup.objects.size(), 1u);
  EXPECT_EQ(lookup.objects[0].id, first.object->id);

  std::promise<actors::processor_lookup> retrieved;
  client_->retrieve(topup, first.object->id, [&retrieved](actors::processor_lookup by_id) {
    retrieved.set_value(std::move(by_id));
  });
  EXPECT_EQ(retrieved.get_future().get().objects.size(), 1u);

  // Reconciliation's window: created[gte] is sent and honoured.
  for (const std::int64_t since : {std::int64_t{0}, actors::unix_now() - 3'600}) {
    const auto page = list_topups_now(since);
    ASSERT_TRUE(page.answered) << page.detail;
    EXPECT_EQ(page.objects.size(), 1u);
    EXPECT_TRUE(page.has_more);
  }
  const auto from_tomorrow = list_topups_now(actors::unix_now() + 86'400);
  EXPECT_TRUE(from_tomorrow.answered && from_tomorrow.objects.empty() && !from_tomorrow.has_more);
}

// The processor closes keep-alive connections that sit idle (Stripe's and the simulator's
// servers do). The pool's connections idled together, so after a pause every one is stale:
// the one resend a stale connection earns must go out on a new connection, or a list (a
// reconciliation) fails with a connection error that blames the processor.
TEST_F(processor_integration, after_a_pause_longer_than_the_processors_keep_alive_calls_succeed) {
  start({"--connection-idle-timeout-ms", "200"}, false);
  constexpr int concurrent = 6;
  std::vector<std::promise<actors::processor_page>> warm(concurrent);
  for (auto& promise : warm)
    client_->list(topup, 0, "", 1,
                  [&promise](actors::processor_page page) { promise.set_value(std::move(page)); });
  for (auto& promise : warm) ASSERT_TRUE(promise.get_future().get().answered);
  std::this_thread::sleep_for(600ms);
  for (int round = 0; round < 3; ++round) {
    const auto page = list_topups_now();
    EXPECT_TRUE(page.answered) << "round " << round << ": " << page.detail;
    std::this_thread::sleep_for(300ms);
  }
}

TEST_F(processor_integration, https_to_a_plain_server_fails_retryably) {
  start({}, false);
  stripe_client_config config;
  config.url = "https://127.0.0.1:" + std::to_string(sim_->port());
  config.api_key = "sk_test_escrowd";
  config.request_timeout = 2s;
  auto tls = stripe_client::start(config);
  ASSERT_TRUE(tls.has_value());
  std::promise<actors::processor_reply> answered;
  (*tls)->send({topup, "topup:x:charge", "amount=1"}, [&answered](actors::processor_reply reply) {
    answered.set_value(std::move(reply));
  });
  const auto reply = answered.get_future().get();
  EXPECT_EQ(reply.kind, actors::reply_kind::retryable);
  EXPECT_EQ(reply.http_status, 0);
}

TEST_F(processor_integration, top_up_succeeded_and_then_the_webhook_is_a_no_op) {
  start({}, false);  // webhooks recorded, delivered by hand after the answer settled
  create_account("alice");
  ASSERT_EQ(request(topup, "alice", "top_1", 700, "pm_card_visa").status, 200);
  const auto settled = wait_for(topup, "top_1", processor_status::succeeded);
  EXPECT_TRUE(settled.processor_object_id.starts_with("pi_"));
  EXPECT_EQ(read_account("alice").available, 700);
  EXPECT_EQ(effects("charges", "topup:top_1:charge"), 1u);
  // The simulator's payment_intent.succeeded arrives after the answer: a no-op.
  std::optional<delivery> succeeded;
  for (int i = 0; i < 2000 && !succeeded; ++i) {
    for (const auto& received : forwarder_->deliveries())
      if (received.body.find("payment_intent.succeeded") != std::string::npos) succeeded = received;
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(succeeded.has_value());
  const auto receipt = deliver(*succeeded);
  EXPECT_EQ(receipt.status, 200);
  EXPECT_NE(receipt.body.find(R"("outcome":"unchanged")"), std::string::npos) << receipt.body;
  // It matched the state already settled, so nothing was asked or stored: delivered again,
  // it is unchanged again (an event that changes something is recorded: duplicate).
  EXPECT_NE(deliver(*succeeded).body.find(R"("outcome":"unchanged")"), std::string::npos);
  EXPECT_EQ(read_account("alice").available, 700);
}

TEST_F(processor_integration, top_up_declined_fails_without_money) {
  start();
  create_account("alice");
  request(topup, "alice", "top_1", 700, "pm_card_chargeDeclinedInsufficientFunds");
  const auto failed = wait_for(topup, "top_1", processor_status::failed);
  EXPECT_EQ(failed.failure_code, "insufficient_funds");
  EXPECT_EQ(read_account("alice").available, 0);
  EXPECT_EQ(read_account("alice").pending_topup, 0);
  EXPECT_EQ(effects("charges", "topup:top_1:charge"), 1u);
}

TEST_F(processor_integration, webhook_first_settles_and_the_late_answer_is_a_no_op) {
  start();
  create_account("alice");
  held_->hold(true);
  request(topup, "alice", "top_1", 700, "pm_card_visa");
  // The charge is made and its webhook settles the top-up while the answer is held.
  wait_for(topup, "top_1", processor_status::succeeded);
  EXPECT_EQ(held_->held(), 1u);
  EXPECT_EQ(read_account("alice").available, 700);
  held_->release();
  wait_gateway_idle();
  EXPECT_EQ(read_account("alice").available, 700);
  EXPECT_EQ(effects("charges", "topup:top_1:charge"), 1u);
}

TEST_F(processor_integration, withdrawal_paid) {
  start();
  create_account("alice");
  fund("alice", "top_1", 1'000);
  ASSERT_EQ(request(withdrawal, "alice", "wd_1", 400, "ba_default").status, 200);
  const auto paid = wait_for(withdrawal, "wd_1", processor_status::paid);
  EXPECT_TRUE(paid.processor_object_id.starts_with("po_"));
  EXPECT_EQ(read_account("alice").available, 600);
  EXPECT_EQ(read_account("alice").pending_withdrawal, 0);
  EXPECT_EQ(effects("payouts", "withdrawal:wd_1:payout"), 1u);
}

TEST_F(processor_integration, withdrawal_failed_returns_the_hold) {
  start({}, false);  // no webhooks: the gateway polls the pending payout itself
  create_account("alice");
  fund("alice", "top_1", 1'000);
  request(withdrawal, "alice", "wd_1", 400, "ba_fail_no_account");
  EXPECT_EQ(read_account("alice").available, 600);
  const auto failed = wait_for(withdrawal, "wd_1", processor_status::failed);
  EXPECT_EQ(failed.failure_code, "no_account");
  EXPECT_EQ(read_account("alice").available, 1'000);
  EXPECT_EQ(read_account("alice").pending_withdrawal, 0);
}

TEST_F(processor_integration, a_paid_payout_that_fails_later_is_reversed_by_its_webhook) {
  start();
  create_account("alice");
  fund("alice", "top_1", 1'000);
  request(withdrawal, "alice", "wd_1", 400, "ba_paid_then_fail");
  const auto failed = wait_for(withdrawal, "wd_1", processor_status::failed);
  EXPECT_EQ(failed.failure_code, "account_closed");
  EXPECT_EQ(read_account("alice").available, 1'000);
}

TEST_F(processor_integration, a_500_after_the_effect_is_resolved_from_the_records) {
  start({"--fail-after-effect", "1"}, false);
  create_account("alice");
  request(topup, "alice", "top_1", 700, "pm_card_visa");
  wait_for(topup, "top_1", processor_status::succeeded);
  EXPECT_EQ(read_account("alice").available, 700);
  EXPECT_EQ(effects("charges", "topup:top_1:charge"), 1u);
}

// The simulator saves the 500 under the key and replays it: the key is finished there,
// and its records never show the charge. The top-up fails and releases pending_topup (the
// audit found it held for good, waiting for an admin).
TEST_F(processor_integration, a_500_before_the_effect_fails_the_operation) {
  start({"--fail-before-effect", "1"}, false);
  create_account("alice");
  request(topup, "alice", "top_1", 700, "pm_card_visa");
  const auto failed = wait_for(topup, "top_1", processor_status::failed);
  EXPECT_EQ(failed.failure_code, "processor_error");
  wait_gateway_idle();
  EXPECT_EQ(effects("charges", "topup:top_1:charge"), 0u);
  EXPECT_EQ(read_account("alice").pending_topup, 0);
  EXPECT_EQ(read_account("alice").available, 0);
}

TEST_F(processor_integration, reconciliation_agrees_after_a_mixed_run) {
  start();
  create_account("alice");
  fund("alice", "top_1", 1'000);
  request(topup, "alice", "top_2", 300, "pm_card_chargeDeclined");
  request(withdrawal, "alice", "wd_1", 200, "ba_default");
  wait_for(topup, "top_2", processor_status::failed);
  wait_for(withdrawal, "wd_1", processor_status::paid);
  std::promise<actors::rendered_response> answered;
  ledger_->reconcile(
      [&answered](actors::rendered_response response) { answered.set_value(std::move(response)); });
  const auto report = answered.get_future().get();
  EXPECT_EQ(report.status, 200);
  EXPECT_NE(report.body.find(R"("ok":true)"), std::string::npos) << report.body;
  EXPECT_NE(report.body.find(R"("operations_checked":3)"), std::string::npos) << report.body;
  EXPECT_NE(report.body.find(R"("processor_objects_checked":3)"), std::string::npos);
}

}  // namespace
}  // namespace escrowd::processor_client::testing
