// Integration of the processor boundary with the real simulator binary: the Beast client
// against escrowd-processor-sim (create, replay, decline, retrieve, find, list), then the
// ledger facade with its gateway on that client and the simulator's signed webhooks
// forwarded to ledger.handle_webhook: top-ups succeeded and declined, withdrawals paid,
// failed (hold returned) and paid-then-failed (reversed), webhook-first and
// response-first, injected 500s before and after the effect, and reconciliation. Every
// test counts the simulator's records per idempotency key: at most one effect per key.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <future>
#include <thread>

#include "actors/ledger.hpp"
#include "actors/processor_payload.hpp"
#include "actors/wall_clock.hpp"
#include "http/processor_client/stripe_client.hpp"
#include "tests/actors/ledger_fixture.hpp"
#include "tests/http/processor_client/webhook_forwarder.hpp"
#include "tests/tools/processor_sim/sim_harness.hpp"

namespace escrowd::processor_client::testing {
namespace {

using namespace std::chrono_literals;
using actors::testing::account_key;
using actors::testing::admin;
using actors::testing::context_for;
using actors::testing::usd;
using processor_sim::testing::http_client;
using processor_sim::testing::sim_process;

constexpr std::string_view secret = "whsec_integration";
constexpr auto topup = processor_kind::topup;
constexpr auto withdrawal = processor_kind::withdrawal;

// Lets the real client's answers to sends through, or holds them until released (the
// processor has applied the request; only its answer is late).
class held_port final : public actors::processor_port {
 public:
  explicit held_port(std::shared_ptr<actors::processor_port> inner) : inner_(std::move(inner)) {}
  void hold(bool on) {
    std::lock_guard lock(mutex_);
    holding_ = on;
  }
  std::size_t held() {
    std::lock_guard lock(mutex_);
    return held_.size();
  }
  void release() {
    std::vector<std::function<void()>> answers;
    {
      std::lock_guard lock(mutex_);
      answers.swap(held_);
      holding_ = false;
    }
    for (auto& answer : answers) answer();
  }
  void send(const actors::processor_request& request, reply_callback done) override {
    inner_->send(request, [this, done](actors::processor_reply reply) {
      std::unique_lock lock(mutex_);
      if (holding_) {
        held_.push_back([done, reply] { done(reply); });
        return;
      }
      lock.unlock();
      done(std::move(reply));
    });
  }
  void retrieve(processor_kind kind, const std::string& id, lookup_callback done) override {
    inner_->retrieve(kind, id, std::move(done));
  }
  void find(processor_kind kind, const std::string& id, lookup_callback done) override {
    inner_->find(kind, id, std::move(done));
  }
  void list(processor_kind kind, std::int64_t created_since, const std::string& after,
            std::size_t limit, page_callback done) override {
    inner_->list(kind, created_since, after, limit, std::move(done));
  }

 private:
  std::shared_ptr<actors::processor_port> inner_;
  std::mutex mutex_;
  bool holding_ = false;
  std::vector<std::function<void()>> held_;
};

class processor_integration : public ::testing::Test {
 protected:
  void TearDown() override {
    forwarder_.reset();  // first: nothing reaches the ledger while it closes
    ledger_.reset();
    if (client_) client_->stop();  // no answer reaches the held port once it is gone
    if (held_) held_->release();
    port_.reset();
    held_.reset();
    client_.reset();
    if (http_) http_.reset();
    if (sim_) {
      EXPECT_EQ(sim_->stop(), 0);
    }
    if (!data_dir_.empty()) std::filesystem::remove_all(data_dir_);
  }

  // Starts the forwarder, the simulator (extra flags appended), the client and the ledger.
  void start(std::vector<std::string> flags = {}, bool forward_webhooks = true) {
    forward_ = forward_webhooks;
    forwarder_ = std::make_unique<webhook_forwarder>([this](const delivery& received) {
      if (!forward_) return std::pair<int, std::string>{200, "{}"};
      auto answer = deliver(received);
      return std::pair<int, std::string>{answer.status, answer.body};
    });
    std::vector<std::string> args{"--listen",
                                  "127.0.0.1:0",
                                  "--seed",
                                  "5",
                                  "--webhook-url",
                                  forwarder_->url(),
                                  "--webhook-secret",
                                  std::string(secret),
                                  "--payout-settle-ms",
                                  "50",
                                  "--webhook-retry-delay-ms",
                                  "20"};
    args.insert(args.end(), flags.begin(), flags.end());
    sim_.emplace(args);
    http_.emplace(sim_->port());
    stripe_client_config config;
    config.url = "http://127.0.0.1:" + std::to_string(sim_->port());
    config.api_key = "sk_test_escrowd";
    config.request_timeout = 2s;
    auto started = stripe_client::start(config);
    ASSERT_TRUE(started.has_value());
    client_ = *started;
    held_ = std::make_shared<held_port>(client_);
    port_ = held_;
    open_ledger();
  }

  void open_ledger() {
    std::string pattern = std::filesystem::temp_directory_path() / "escrowd-processor-XXXXXX";
    data_dir_ = mkdtemp(pattern.data());
    actors::ledger_config config;
    config.data_dir = data_dir_;
    config.processor = port_;
    config.gateway.retry_delay_base = 20ms;
    config.gateway.retry_delay_cap = 200ms;
    config.gateway.retry_delay_floor = 5ms;
    config.gateway.attempts_max = 6;
    config.gateway.poll_delay_initial = 50ms;
    config.gateway.poll_delay_cap = 200ms;
    config.gateway.outbox_scan_interval = 100ms;
    config.webhook_secrets = {std::string(secret)};
    auto opened = actors::ledger::open(config);
    ASSERT_TRUE(opened.has_value());
    ledger_ = std::move(*opened);
  }

  actors::rendered_response deliver(const delivery& received) {
    std::promise<actors::rendered_response> answered;
    auto answer = answered.get_future();
    ledger_->handle_webhook(received.body, received.signature, actors::unix_now(),
                            [&answered](actors::rendered_response response) {
                              answered.set_value(std::move(response));
                            });
    return answer.get();
  }

  template <class Command>
  actors::rendered_response call(Command command) {
    auto answered = std::make_shared<std::promise<actors::rendered_response>>();
    auto answer = answered->get_future();
    ledger_->submit(std::move(command), [answered](actors::rendered_response response) {
      answered->set_value(response);
    });
    return answer.get();
  }

  void create_account(const std::string& id) {
    actors::account_command command;
    command.kind = actors::account_command_kind::create;
    command.account_id = id;
    command.create = {id, usd(), {}};
    command.context = context_for(admin());
    ASSERT_EQ(call(std::move(command)).status, 200);
  }

  actors::rendered_response request(processor_kind kind, const std::string& account_id,
                                    const std::string& id, std::int64_t amount,
                                    const std::string& instrument) {
    actors::account_command command;
    command.kind = kind == topup ? actors::account_command_kind::request_topup
                                 : actors::account_command_kind::request_withdrawal;
    command.account_id = account_id;
    command.processor_request = {id, amount, instrument};
    command.context = context_for(account_key(account_id));
    return call(std::move(command));
  }

  processor_operation wait_for(processor_kind kind, const std::string& id,
                               processor_status status) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    std::optional<processor_operation> seen;
    while (std::chrono::steady_clock::now() < deadline) {
      auto row = ledger_->read_operation(kind, id);
      if (row && *row) {
        seen = **row;
        if (seen->status == status) return *seen;
      }
      std::this_thread::sleep_for(5ms);
    }
    ADD_FAILURE() << id << " never became " << to_string(status) << "; it is "
                  << (seen ? to_string(seen->status) : "absent");
    return seen.value_or(processor_operation{});
  }

  account read_account(const std::string& id) {
    auto row = ledger_->read_account(id);
    EXPECT_TRUE(row && *row);
    return row && *row ? **row : account{};
  }

  void wait_gateway_idle() {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto stats = ledger_->processor_gateway_stats();
      if (stats && stats->rows_tracked == 0 && stats->calls_in_flight == 0) return;
      std::this_thread::sleep_for(5ms);
    }
    ADD_FAILURE() << "the gateway never went idle";
  }

  // The simulator's records with this idempotency key ("charges" or "payouts").
  std::size_t effects(const std::string& kind, const std::string& key) {
    auto reply = http_->get("/_sim/" + kind);
    EXPECT_EQ(reply.status, 200);
    std::size_t count = 0;
    const auto records = reply.json();
    for (const auto& record : records.as_array()) {
      const auto& stored = record.as_object().at("idempotency_key");
      if (stored.is_string() && stored.as_string() == key) ++count;
    }
    return count;
  }

  void fund(const std::string& account_id, const std::string& id, std::int64_t amount) {
    ASSERT_EQ(request(topup, account_id, id, amount, "pm_card_visa").status, 200);
    wait_for(topup, id, processor_status::succeeded);
  }

  actors::processor_reply send_now(const actors::processor_request& request) {
    std::promise<actors::processor_reply> answered;
    auto answer = answered.get_future();
    client_->send(request, [&answered](actors::processor_reply reply) {
      answered.set_value(std::move(reply));
    });
    return answer.get();
  }
  // The first page (of one) of the top-ups created since `created_since`.
  actors::processor_page list_topups_now(std::int64_t created_since = 0) {
    std::promise<actors::processor_page> listed;
    client_->list(topup, created_since, "", 1,
                  [&listed](actors::processor_page page) { listed.set_value(std::move(page)); });
    return listed.get_future().get();
  }

  std::string data_dir_;
  std::atomic<bool> forward_{true};
  std::unique_ptr<webhook_forwarder> forwarder_;
  std::optional<sim_process> sim_;
  std::optional<http_client> http_;
  std::shared_ptr<stripe_client> client_;
  std::shared_ptr<held_port> held_;
  std::shared_ptr<actors::processor_port> port_;
  std::unique_ptr<actors::ledger> ledger_;
};

processor_operation topup_operation(const std::string& id, std::string instrument) {
  processor_operation operation;
  operation.kind = topup;
  operation.id = id;
  operation.account_id = "acct_1";
  operation.amount = 700;
  operation.currency = usd();
  operation.instrument = std::move(instrument);
  return operation;
}

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
  client_->find(topup, "top_c1",
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
