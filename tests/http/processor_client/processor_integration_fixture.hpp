// The integration fixture of the processor boundary: the real escrowd-processor-sim binary
// (flags per test), the Beast client on it (behind held_port, which can hold the answers to
// sends), the ledger with its gateway on that client, and the simulator's signed webhooks
// forwarded to the ledger.
#pragma once

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <future>
#include <thread>

#include "actors/ledger.hpp"
#include "actors/processor_payload.hpp"
#include "actors/wall_clock.hpp"
#include "http/processor_client/stripe_client.hpp"
#include "http/processor_client/stripe_find.hpp"
#include "tests/actors/ledger_fixture.hpp"
#include "tests/http/processor_client/webhook_forwarder.hpp"
#include "tests/tools/processor_sim/sim_harness.hpp"

namespace escrowd::processor_client::testing {

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
  void find(processor_kind kind, const std::string& id, std::int64_t created_at,
            lookup_callback done) override {
    inner_->find(kind, id, created_at, std::move(done));
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
  // `search_lag`: how far the client believes the processor's search lags (the simulator's
  // is current unless --search-lag-ms says otherwise).
  void start(std::vector<std::string> flags = {}, bool forward_webhooks = true,
             std::chrono::seconds search_lag = 0s) {
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
    config.search_lag = search_lag;
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

inline processor_operation topup_operation(const std::string& id, std::string instrument) {
  processor_operation operation;
  operation.kind = topup;
  operation.id = id;
  operation.account_id = "acct_1";
  operation.amount = 700;
  operation.currency = usd();
  operation.instrument = std::move(instrument);
  return operation;
}

}  // namespace escrowd::processor_client::testing
