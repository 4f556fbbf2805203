// setup: four bulk phases (arbiter key, accounts, account keys, top-ups), then polling of the
// top-ups until none is pending.
#include "bench/loadgen/setup.hpp"

#include <algorithm>
#include <stdexcept>

#include "bench/loadgen/body_fields.hpp"
#include "bench/loadgen/bulk.hpp"

namespace escrowd::loadgen {
namespace {

// Polls back off from the first to the last interval: settlements take a few webhook round
// trips, and re-reading a thousand pending top-ups every 100 ms would load the server that
// is settling them.
constexpr std::chrono::milliseconds settle_poll_interval_first{100};
constexpr std::chrono::milliseconds settle_poll_interval_max{1'000};
// Rounds of key creation, each remaking the keys whose answers were replays without a secret:
// a replay needs a timeout and a retry, so several in a row mean the timeout is too short.
constexpr int key_creation_rounds_max = 8;

std::string describe(const operation& op, const op_result& result) {
  return std::string{to_string(op.kind)} + " " + op.account + ": " +
         (result.answered ? std::to_string(result.status) + " " + result.body : result.error);
}

// Runs the phase; throws on the first failure.
std::vector<op_result> run_phase(boost::asio::io_context& io, driver& target,
                                 const std::vector<operation>& ops, std::size_t concurrency) {
  auto results = run_bulk(io, target, ops, concurrency);
  for (std::size_t index = 0; index < ops.size(); ++index) {
    if (!results[index].ok()) {
      throw std::runtime_error("setup failed: " + describe(ops[index], results[index]));
    }
  }
  return results;
}

// Creates the keys and returns their secrets, in the order of `creations`. A creation that
// the server answered from its idempotency record (the client retried one that had already
// succeeded, e.g. after a timeout) carries `"key": null`, since secrets are never stored
// (docs/architecture.md): that key is revoked, so no key nobody holds stays valid, and made
// again under a fresh idempotency key (the client draws one per request).
std::vector<std::string> create_keys(boost::asio::io_context& io, driver& target,
                                     const std::vector<operation>& creations,
                                     const setup_config& config, std::size_t& remade) {
  std::vector<std::string> secrets(creations.size());
  std::vector<std::size_t> missing(creations.size());
  for (std::size_t index = 0; index < missing.size(); ++index) missing[index] = index;
  for (int round = 0; !missing.empty(); ++round) {
    if (round == key_creation_rounds_max) {
      throw std::runtime_error(
          "setup failed: " + std::to_string(missing.size()) + " key creations answered " +
          std::to_string(key_creation_rounds_max) +
          " times without their secret (replays of retried creations: is --timeout too short?)");
    }
    std::vector<operation> attempts;
    for (const auto index : missing) attempts.push_back(creations[index]);
    const auto results = run_phase(io, target, attempts, config.concurrency);
    std::vector<std::size_t> still_missing;
    std::vector<operation> revocations;
    for (std::size_t attempt = 0; attempt < attempts.size(); ++attempt) {
      const auto object = parse_object(results[attempt].body);
      auto secret = object ? string_field(*object, "key") : std::string{};
      if (!secret.empty()) {
        secrets[missing[attempt]] = std::move(secret);
        continue;
      }
      auto key_id = object ? string_field(*object, "id") : std::string{};
      if (key_id.empty()) {
        throw std::runtime_error("setup failed: no key in " + results[attempt].body);
      }
      operation revoke;
      revoke.kind = op_kind::revoke_key;
      revoke.principal = config.admin_key;
      revoke.object = std::move(key_id);
      revocations.push_back(std::move(revoke));
      still_missing.push_back(missing[attempt]);
    }
    run_phase(io, target, revocations, config.concurrency);
    remade += revocations.size();
    missing = std::move(still_missing);
  }
  return secrets;
}

// Polls the top-ups until none is pending; returns the sum of those that succeeded. Gives up
// when settle_timeout passes without one settling.
std::int64_t wait_for_topups(boost::asio::io_context& io, driver& target, const plan& run,
                             const setup_config& config) {
  auto deadline = std::chrono::steady_clock::now() + config.settle_timeout;
  std::vector<std::string> pending = run.setup_topups;
  std::int64_t succeeded = 0;
  auto interval = settle_poll_interval_first;
  while (!pending.empty()) {
    std::vector<operation> reads;
    for (const auto& id : pending) {
      operation read;
      read.kind = op_kind::get_topup;
      read.principal = run.admin_key;
      read.object = id;
      reads.push_back(std::move(read));
    }
    const auto results = run_phase(io, target, reads, config.concurrency);
    std::vector<std::string> still_pending;
    for (std::size_t index = 0; index < reads.size(); ++index) {
      const auto object = parse_object(results[index].body);
      const auto state = object ? string_field(*object, "status") : std::string{};
      if (state == "succeeded") {
        succeeded += object ? integer_field(*object, "amount").value_or(0) : 0;
      } else if (state == "pending") {
        still_pending.push_back(pending[index]);
      } else {
        throw std::runtime_error("setup failed: top-up " + pending[index] + " is " + state);
      }
    }
    if (still_pending.size() < pending.size()) {
      deadline = std::chrono::steady_clock::now() + config.settle_timeout;
    }
    pending = std::move(still_pending);
    if (pending.empty()) break;
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("setup failed: " + std::to_string(pending.size()) +
                               " top-ups still pending, none settled in the last " +
                               std::to_string(config.settle_timeout.count()) +
                               " ms (is the processor connected?)");
    }
    pause(io, interval);
    interval = std::min(interval * 2, settle_poll_interval_max);
  }
  return succeeded;
}

}  // namespace

setup_outcome run_setup(boost::asio::io_context& io, driver& target, const setup_config& config) {
  const auto started = std::chrono::steady_clock::now();
  setup_outcome outcome;
  plan& run = outcome.run;
  run.run_id = config.run_id;
  run.admin_key = config.admin_key;
  run.hot_accounts = std::min(config.hot_accounts, config.accounts);

  operation arbiter;
  arbiter.kind = op_kind::create_arbiter_key;
  arbiter.principal = config.admin_key;
  run.arbiter_key = create_keys(io, target, {arbiter}, config, outcome.keys_remade).front();

  std::vector<operation> accounts;
  std::vector<operation> keys;
  for (std::size_t index = 0; index < config.accounts; ++index) {
    run.accounts.push_back(config.run_id + "-a" + std::to_string(index));
    operation create;
    create.kind = op_kind::create_account;
    create.principal = config.admin_key;
    create.account = run.accounts.back();
    accounts.push_back(create);
    create.kind = op_kind::create_account_key;
    keys.push_back(std::move(create));
  }
  run_phase(io, target, accounts, config.concurrency);
  run.keys = create_keys(io, target, keys, config, outcome.keys_remade);

  std::vector<operation> topups;
  for (std::size_t index = 0; index < config.accounts; ++index) {
    auto left =
        index < run.hot_accounts ? config.funding_per_hot_account : config.funding_per_account;
    while (left > 0) {
      operation topup;
      topup.kind = op_kind::topup;
      topup.principal = run.keys[index];
      topup.account = run.accounts[index];
      topup.amount = std::min(left, topup_amount_max);
      left -= topup.amount;
      topups.push_back(std::move(topup));
    }
  }
  for (const auto& result : run_phase(io, target, topups, config.concurrency)) {
    const auto object = parse_object(result.body);
    run.setup_topups.push_back(object ? string_field(*object, "id") : std::string{});
  }
  outcome.funded = wait_for_topups(io, target, run, config);
  outcome.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return outcome;
}

}  // namespace escrowd::loadgen
