// processor_chaos_driver: the process the chaos test (chaos_test.cpp) kills. It opens a
// ledger on --data-dir whose gateway talks to the simulator on --sim-port through the real
// Beast client, receives the simulator's webhooks on --webhook-port, and requests a fixed
// plan of top-ups and withdrawals (the same plan for the same --seed, so a restarted
// driver requests exactly the operations the killed one did not get to). Then it waits
// until no operation is pending, lets the gateway's background reconciliation (every
// second here) repair what the processor settled until a report (the GET, which changes
// nothing) shows no repair pending, cancels what stayed parked with nothing at the
// processor, and exits 0. Progress lines on stdout: "progress <acknowledged>",
// "submitted", "drained", "reconciled <status>", "cancelled <n> <refused>",
// "done".
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "actors/ledger.hpp"
#include "actors/wall_clock.hpp"
#include "http/processor_client/stripe_client.hpp"
#include "tests/http/processor_client/chaos_plan.hpp"
#include "tests/http/processor_client/webhook_forwarder.hpp"

namespace {

using namespace escrowd;
using namespace std::chrono_literals;

constexpr std::size_t requests_outstanding_max = 64;
constexpr auto drain_limit = std::chrono::minutes(10);
// How long the background reconciliation gets to apply every pending repair.
constexpr auto repair_limit = std::chrono::minutes(2);

struct options {
  std::string data_dir;
  std::uint16_t sim_port = 0;
  std::uint16_t webhook_port = 0;
  std::string secret = "whsec_chaos";
  std::size_t count = 3000;
  std::uint64_t seed = 1;
};

bool parse(int argc, char** argv, options& into) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    const std::string value = argv[i + 1];
    if (name == "--data-dir")
      into.data_dir = value;
    else if (name == "--sim-port")
      into.sim_port = static_cast<std::uint16_t>(std::stoi(value));
    else if (name == "--webhook-port")
      into.webhook_port = static_cast<std::uint16_t>(std::stoi(value));
    else if (name == "--secret")
      into.secret = value;
    else if (name == "--count")
      into.count = std::stoul(value);
    else if (name == "--seed")
      into.seed = std::stoull(value);
    else
      return false;
  }
  return !into.data_dir.empty() && into.sim_port != 0 && into.webhook_port != 0;
}

actors::rendered_response render(const actors::operation_result& result) {
  if (!result.outcome.ok())
    return {describe(result.outcome.code()).http_status,
            std::string(describe(result.outcome.code()).code),
            false,
            {},
            {}};
  std::string body = "ok";
  if (const auto* operation = std::get_if<processor_operation>(&result.object))
    body += " " + std::string(to_string(operation->status));
  return {200, body, false, {}, {}};
}

actors::request_context context(principal who) {
  actors::request_context made;
  made.principal = who;
  made.actor = who.actor_name();
  made.now = actors::unix_now();
  made.render = render;
  return made;
}

template <class Command>
actors::rendered_response call(actors::ledger& ledger, Command command) {
  auto answered = std::make_shared<std::promise<actors::rendered_response>>();
  auto answer = answered->get_future();
  ledger.submit(std::move(command),
                [answered](actors::rendered_response response) { answered->set_value(response); });
  return answer.get();
}

std::optional<processor_operation> read(actors::ledger& ledger, const chaos::planned& step) {
  auto row = ledger.read_operation(step.kind, step.id);
  if (!row || !*row) return std::nullopt;
  return **row;
}

void create_accounts(actors::ledger& ledger) {
  const principal admin{principal_role::admin, "key_admin", {}};
  for (std::size_t i = 0; i < chaos::accounts; ++i) {
    actors::account_command command;
    command.kind = actors::account_command_kind::create;
    command.account_id = chaos::account_id(i);
    command.create = {command.account_id, *currency::parse("usd"), {}};
    command.context = context(admin);
    call(ledger, std::move(command));  // already_exists after a restart
  }
}

// Requests every planned operation the store does not have yet, a bounded number at once.
void request_plan(actors::ledger& ledger, const std::vector<chaos::planned>& plan) {
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t outstanding = 0;
  std::size_t acknowledged = 0;
  for (const auto& step : plan) {
    if (read(ledger, step)) continue;
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return outstanding < requests_outstanding_max; });
      ++outstanding;
    }
    actors::account_command command;
    command.kind = step.kind == processor_kind::topup
                       ? actors::account_command_kind::request_topup
                       : actors::account_command_kind::request_withdrawal;
    command.account_id = step.account_id;
    command.processor_request = {step.id, step.amount, step.instrument};
    command.context = context({principal_role::account, "key_" + step.account_id, step.account_id});
    ledger.submit(std::move(command), [&](actors::rendered_response) {
      std::lock_guard lock(mutex);
      --outstanding;
      if (++acknowledged % 100 == 0) std::cout << "progress " << acknowledged << std::endl;
      changed.notify_all();
    });
  }
  std::unique_lock lock(mutex);
  changed.wait(lock, [&] { return outstanding == 0; });
  std::cout << "submitted" << std::endl;
}

bool drain(actors::ledger& ledger, const std::vector<chaos::planned>& plan) {
  const auto deadline = std::chrono::steady_clock::now() + drain_limit;
  while (std::chrono::steady_clock::now() < deadline) {
    std::size_t pending = 0;
    std::string example;
    for (const auto& step : plan) {
      auto found = read(ledger, step);
      if (found && found->status == processor_status::pending) {
        ++pending;
        example = step.id;
      }
    }
    if (pending == 0) {
      std::cout << "drained" << std::endl;
      return true;
    }
    std::cerr << "pending " << pending << " e.g. " << example << std::endl;
    std::this_thread::sleep_for(1s);
  }
  return false;
}

actors::rendered_response reconciliation_report(actors::ledger& ledger) {
  std::promise<actors::rendered_response> answered;
  ledger.reconcile([&answered](actors::rendered_response report) { answered.set_value(report); });
  return answered.get_future().get();
}

void reconcile_and_cancel(actors::ledger& ledger, const std::vector<chaos::planned>& plan) {
  auto report = reconciliation_report(ledger);
  const auto deadline = std::chrono::steady_clock::now() + repair_limit;
  while (report.body.find("repair_pending") != std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1s);
    report = reconciliation_report(ledger);
  }
  std::cerr << "reconciliation " << report.status << " " << report.body.substr(0, 2'000) << "\n";
  std::cout << "reconciled " << report.status << std::endl;
  std::size_t cancelled = 0;
  std::size_t refused = 0;
  for (const auto& step : plan) {
    auto found = read(ledger, step);
    if (!found || found->status != processor_status::requires_reconciliation) continue;
    actors::operation_admin_command cancel;
    cancel.kind = actors::operation_admin_kind::cancel;
    cancel.operation_kind = step.kind;
    cancel.operation_id = step.id;
    cancel.context = context({principal_role::admin, "key_admin", {}});
    const auto answer = call(ledger, std::move(cancel));
    if (answer.status == 200) {
      ++cancelled;
    } else {
      ++refused;
      std::cerr << "cancel of " << step.id << " refused: " << answer.body << "\n";
    }
  }
  std::cout << "cancelled " << cancelled << " " << refused << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  options settings;
  if (!parse(argc, argv, settings)) {
    std::cerr << "usage: processor_chaos_driver --data-dir D --sim-port P --webhook-port P "
                 "[--secret S] [--count N] [--seed N]\n";
    return 2;
  }
  processor_client::stripe_client_config client_config;
  client_config.url = "http://127.0.0.1:" + std::to_string(settings.sim_port);
  client_config.api_key = "sk_test_chaos";
  client_config.request_timeout = 1s;
  client_config.connections_max = 16;
  client_config.search_lag = 0s;  // the simulator's search is current
  auto client = processor_client::stripe_client::start(client_config);
  if (!client) return 1;

  actors::ledger_config config;
  config.data_dir = settings.data_dir;
  config.processor = *client;
  config.gateway.retry_delay_base = 50ms;
  config.gateway.retry_delay_cap = 1s;
  config.gateway.retry_delay_floor = 10ms;
  config.gateway.attempts_max = 10;
  config.gateway.poll_delay_initial = 200ms;
  config.gateway.poll_delay_cap = 1s;
  config.gateway.outbox_scan_interval = 250ms;
  config.gateway.calls_per_second = 400;
  config.gateway.calls_burst = 50;
  config.gateway.reconciliation_interval = 1s;
  config.webhook_secrets = {settings.secret};
  auto opened = actors::ledger::open(config);
  if (!opened) return 1;
  auto& ledger = **opened;
  processor_client::testing::webhook_forwarder forwarder(
      [&ledger](const processor_client::testing::delivery& received) {
        std::promise<actors::rendered_response> answered;
        ledger.handle_webhook(received.body, received.signature, actors::unix_now(),
                              [&answered](actors::rendered_response response) {
                                answered.set_value(std::move(response));
                              });
        auto answer = answered.get_future().get();
        return std::pair<int, std::string>{answer.status, answer.body};
      },
      settings.webhook_port);

  const auto plan = chaos::make_plan(settings.count, settings.seed);
  create_accounts(ledger);
  request_plan(ledger, plan);
  if (!drain(ledger, plan)) return 3;
  reconcile_and_cancel(ledger, plan);
  std::cout << "done" << std::endl;
  return 0;
}
