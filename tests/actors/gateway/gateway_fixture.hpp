// A ledger facade with a gateway driving a fake processor port (fake_processor_port.hpp),
// timings shrunk to milliseconds, and blocking helpers for the processor boundary's
// facade methods: request a top-up or withdrawal, wait for an operation's status, deliver
// a signed webhook, admin retry/cancel, reconcile (the GET's report), turn background
// reconciliation on, read an outbox row after closing.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "actors/webhook_signature.hpp"
#include "storage/ledger_store.hpp"
#include "tests/actors/gateway/fake_processor_port.hpp"
#include "tests/actors/ledger_fixture.hpp"

namespace escrowd::actors::testing {

inline constexpr std::string_view webhook_secret = "whsec_test_gateway";
inline constexpr auto wait_limit = std::chrono::seconds(20);

inline ledger_config fast_gateway_config(std::shared_ptr<processor_port> port) {
  using std::chrono::milliseconds;
  ledger_config config;
  config.processor = std::move(port);
  config.gateway.retry_delay_base = milliseconds(5);
  config.gateway.retry_delay_cap = milliseconds(20);
  config.gateway.retry_delay_floor = milliseconds(1);
  config.gateway.attempts_max = 4;
  config.gateway.poll_delay_initial = milliseconds(10);
  config.gateway.poll_delay_cap = milliseconds(40);
  config.gateway.outbox_scan_interval = milliseconds(50);
  config.gateway.calls_per_second = 10'000;
  config.gateway.calls_burst = 1'000;
  config.gateway.random_seed = 7;
  // Off unless a test turns it on (with_background_reconciliation): a background run
  // settles operations and lists the processor, which most tests count exactly.
  config.gateway.reconciliation_interval = reconciliation_off;
  config.webhook_secrets = {std::string(webhook_secret)};
  return config;
}

// A Stripe event for `object`, as the simulator and Stripe shape it.
inline std::string event_json(const std::string& event_id, const std::string& type,
                              const processor_object& object) {
  const bool topup = object.kind == processor_kind::topup;
  std::string json = R"({"id":")" + event_id + R"(","object":"event","type":")" + type +
                     R"(","data":{"object":{"id":")" + object.id + R"(","object":")" +
                     (topup ? "payment_intent" : "payout") + R"(","amount":)" +
                     std::to_string(object.amount) + R"(,"currency":")" + object.currency +
                     R"(","status":")" + object.status + R"(","metadata":{")" +
                     (topup ? "escrowd_topup" : "escrowd_withdrawal") + R"(":")" +
                     object.operation_id + R"("}}}})";
  return json;
}

// An object at the processor, as a successful send leaves it (`status` may differ later):
// a PaymentIntent for a top-up, a Payout for a withdrawal.
inline processor_object processor_object_of(processor_kind kind, const std::string& operation_id,
                                            std::int64_t amount, std::string status) {
  processor_object object;
  object.kind = kind;
  object.id = (kind == processor_kind::topup ? "pi_" : "po_") + operation_id;
  object.operation_id = operation_id;
  object.amount = amount;
  object.currency = "usd";
  object.status = std::move(status);
  return object;
}

inline processor_object topup_object(const std::string& operation_id, std::int64_t amount,
                                     std::string status = "succeeded") {
  return processor_object_of(processor_kind::topup, operation_id, amount, std::move(status));
}

inline processor_object payout_object(const std::string& operation_id, std::int64_t amount,
                                      std::string status = "paid") {
  return processor_object_of(processor_kind::withdrawal, operation_id, amount, std::move(status));
}

class gateway_fixture : public ledger_fixture {
 protected:
  void SetUp() override {
    port_ = std::make_shared<fake_processor_port>();
    open_ledger(fast_gateway_config(port_));
  }
  void TearDown() override {
    port_->hold(false);
    ledger_fixture::TearDown();
    port_->release();  // late answers after the ledger is gone must be harmless
  }

  // Reopens the ledger on the same store and port with the gateway's config changed.
  void reopen_with_gateway(const std::function<void(gateway_config&)>& change) {
    ledger_.reset();
    auto config = fast_gateway_config(port_);
    change(config.gateway);
    open_ledger(config);
  }
  // The same, with background reconciliation every `interval`.
  void with_background_reconciliation(std::chrono::milliseconds interval) {
    reopen_with_gateway(
        [interval](gateway_config& gateway) { gateway.reconciliation_interval = interval; });
  }

  rendered_response request(processor_kind kind, const std::string& account_id,
                            const std::string& id, std::int64_t amount,
                            const std::string& instrument) {
    account_command command;
    command.kind = kind == processor_kind::topup ? account_command_kind::request_topup
                                                 : account_command_kind::request_withdrawal;
    command.account_id = account_id;
    command.processor_request = {id, amount, instrument};
    command.context = context_for(account_key(account_id));
    return call(std::move(command));
  }

  // What the gateway did, for a failure message: a stuck operation says where it stopped.
  std::string gateway_summary() {
    auto stats = ledger_->processor_gateway_stats();
    if (!stats) return "gateway stats unavailable";
    std::ostringstream out;
    out << "gateway: calls_started " << stats->calls_started << ", sends " << stats->sends
        << ", polls " << stats->polls << ", lookups " << stats->lookups << ", settlements "
        << stats->settlements << ", retries " << stats->retries_scheduled << ", parked "
        << stats->parked << ", rows_tracked " << stats->rows_tracked << ", calls_queued "
        << stats->calls_queued << ", calls_in_flight " << stats->calls_in_flight;
    return out.str();
  }

  std::optional<processor_operation> read(processor_kind kind, const std::string& id) {
    auto row = ledger_->read_operation(kind, id);
    if (!row || !*row) return std::nullopt;
    return **row;
  }

  // Waits until the operation has `status` (the test fails on the limit) and returns it.
  processor_operation wait_for(processor_kind kind, const std::string& id,
                               processor_status status) {
    const auto deadline = std::chrono::steady_clock::now() + wait_limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (auto found = read(kind, id); found && found->status == status) return *found;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    auto found = read(kind, id);
    ADD_FAILURE() << id << " never became " << to_string(status) << "; it is "
                  << (found ? to_string(found->status) : "absent") << "; " << gateway_summary();
    return found.value_or(processor_operation{});
  }

  template <class Predicate>
  void wait_until(Predicate done, const std::string& what) {
    const auto deadline = std::chrono::steady_clock::now() + wait_limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "never happened: " << what;
  }

  gateway_stats stats() {
    auto stats = ledger_->processor_gateway_stats();
    EXPECT_TRUE(stats.has_value());
    return stats.has_value() ? *stats : gateway_stats{};
  }

  // Waits until the gateway works on nothing (every answer handled).
  void wait_idle() {
    wait_until(
        [&] {
          auto now = stats();
          return now.rows_tracked == 0 && now.calls_in_flight == 0 && now.calls_queued == 0;
        },
        "gateway idle");
  }

  rendered_response webhook(const std::string& payload, const std::string& signature) {
    std::promise<rendered_response> answered;
    auto answer = answered.get_future();
    ledger_->handle_webhook(
        payload, signature, unix_now(),
        [&answered](rendered_response response) { answered.set_value(std::move(response)); });
    return answer.get();
  }
  rendered_response signed_webhook(const std::string& payload) {
    return webhook(payload, sign_webhook(webhook_secret, unix_now(), payload));
  }

  rendered_response admin(operation_admin_kind what, processor_kind kind, const std::string& id) {
    operation_admin_command command;
    command.kind = what;
    command.operation_kind = kind;
    command.operation_id = id;
    command.context = context_for(testing::admin());
    auto answered = std::make_shared<std::promise<rendered_response>>();
    auto answer = answered->get_future();
    ledger_->submit(std::move(command),
                    [answered](rendered_response response) { answered->set_value(response); });
    return answer.get();
  }

  rendered_response reconcile() {
    auto answered = std::make_shared<std::promise<rendered_response>>();
    auto answer = answered->get_future();
    ledger_->reconcile([answered](rendered_response response) { answered->set_value(response); });
    return answer.get();
  }

  // Parks `id`: every send fails retryably, and the processor's records show nothing.
  void park(processor_kind kind, const std::string& account_id, const std::string& id,
            std::int64_t amount, const std::string& instrument) {
    const std::string key =
        kind == processor_kind::topup ? "topup:" + id + ":charge" : "withdrawal:" + id + ":payout";
    port_->script(key, std::vector<processor_reply>(8, retryable_reply()));
    ASSERT_EQ(request(kind, account_id, id, amount, instrument).status, 200);
    wait_for(kind, id, processor_status::requires_reconciliation);
    wait_idle();
  }

  // Money in through the gateway: a top-up the fake processor charges.
  void fund(const std::string& account_id, const std::string& id, std::int64_t amount) {
    ASSERT_EQ(request(processor_kind::topup, account_id, id, amount, "pm_card_visa").status, 200);
    wait_for(processor_kind::topup, id, processor_status::succeeded);
  }

  // Closes the ledger and reads one outbox row from the store it leaves behind.
  std::optional<storage::outbox_row> outbox_row_after_close(const std::string& key) {
    ledger_.reset();
    storage::store_options options;
    options.data_dir = data_dir_;
    options.read_only = true;
    auto store = storage::ledger_store::open(options);
    EXPECT_TRUE(store.has_value());
    if (!store) return std::nullopt;
    auto snapshot = (*store)->snapshot();
    if (!snapshot) return std::nullopt;
    auto row = snapshot->get_outbox(key);
    if (!row) return std::nullopt;
    return *row;
  }

  std::shared_ptr<fake_processor_port> port_;
};

}  // namespace escrowd::actors::testing
