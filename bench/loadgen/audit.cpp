// audit: wait for settlements, read statuses, balances, statuses again (until they agree),
// then ask the target to verify its own ledger.
#include "bench/loadgen/audit.hpp"

#include <algorithm>

#include "bench/loadgen/body_fields.hpp"
#include "bench/loadgen/bulk.hpp"

namespace escrowd::loadgen {
namespace {

constexpr std::chrono::milliseconds settle_poll_interval_first{100};
constexpr std::chrono::milliseconds settle_poll_interval_max{1'000};
constexpr int stable_reading_attempts = 5;
constexpr std::size_t problems_max = 20;

struct money_state {
  std::string status;  // "" when the read failed
  std::int64_t amount = 0;
  bool operator==(const money_state&) const = default;
};

std::vector<money_state> read_states(boost::asio::io_context& io, driver& target, const plan& run,
                                     op_kind kind, const std::vector<std::string>& ids,
                                     std::size_t concurrency) {
  std::vector<operation> reads;
  reads.reserve(ids.size());
  for (const auto& id : ids) {
    operation read;
    read.kind = kind;
    read.principal = run.admin_key;
    read.object = id;
    reads.push_back(std::move(read));
  }
  std::vector<money_state> states;
  for (const auto& result : run_bulk(io, target, reads, concurrency)) {
    const auto object = result.ok() ? parse_object(result.body) : std::nullopt;
    states.push_back(object ? money_state{string_field(*object, "status"),
                                          integer_field(*object, "amount").value_or(0)}
                            : money_state{});
  }
  return states;
}

std::size_t count_with(const std::vector<money_state>& states, std::string_view status) {
  std::size_t count = 0;
  for (const auto& state : states) count += state.status == status ? 1 : 0;
  return count;
}

void add_problem(audit_result& out, std::string problem) {
  if (out.problems.size() < problems_max) out.problems.push_back(std::move(problem));
}

// Sums the run's account balances; false if any read failed.
bool read_holdings(boost::asio::io_context& io, driver& target, const plan& run,
                   std::size_t concurrency, audit_result& out) {
  std::vector<operation> reads;
  for (std::size_t index = 0; index < run.accounts.size(); ++index) {
    operation read;
    read.kind = op_kind::get_account;
    read.principal = run.admin_key;
    read.account = run.accounts[index];
    reads.push_back(std::move(read));
  }
  out.held = 0;
  out.pending_topup = 0;
  const auto results = run_bulk(io, target, reads, concurrency);
  for (const auto& result : results) out.answered = out.answered || result.answered;
  for (std::size_t index = 0; index < results.size(); ++index) {
    const auto object = results[index].ok() ? parse_object(results[index].body) : std::nullopt;
    if (!object) {
      add_problem(out, "cannot read account " + run.accounts[index] + ": " +
                           std::to_string(results[index].status) + " " + results[index].error);
      return false;
    }
    out.held += integer_field(*object, "available").value_or(0) +
                integer_field(*object, "escrowed").value_or(0) +
                integer_field(*object, "pending_withdrawal").value_or(0);
    out.pending_topup += integer_field(*object, "pending_topup").value_or(0);
  }
  return true;
}

void check_money(audit_result& out, const std::vector<money_state>& topups,
                 const std::vector<money_state>& withdrawals) {
  out.put_in = 0;
  out.left = 0;
  for (const auto& topup : topups) {
    if (topup.status == "succeeded") out.put_in += topup.amount;
  }
  for (const auto& withdrawal : withdrawals) {
    if (withdrawal.status == "paid") out.left += withdrawal.amount;
  }
  out.topups_pending = count_with(topups, "pending");
  out.topups_failed = count_with(topups, "failed");
  out.withdrawals_failed = count_with(withdrawals, "failed");
  out.withdrawals_pending =
      withdrawals.size() - count_with(withdrawals, "paid") - out.withdrawals_failed;
  out.money_checked = true;
  out.money_ok = out.put_in == out.held + out.left;
  if (!out.money_ok) {
    add_problem(out, "money: put in " + std::to_string(out.put_in) + " != held " +
                         std::to_string(out.held) + " + withdrawn " + std::to_string(out.left));
  }
}

void verify(boost::asio::io_context& io, driver& target, const plan& run, audit_result& out) {
  operation check;
  check.kind = op_kind::verify_ledger;
  check.principal = run.admin_key;
  const auto result = run_bulk(io, target, {check}, 1).front();
  out.answered = out.answered || result.answered;
  const auto object = result.ok() ? parse_object(result.body) : std::nullopt;
  if (!object) {
    add_problem(
        out, "ledger verify: " + std::to_string(result.status) + " " + result.error + result.body);
    return;
  }
  const auto* ok = object->if_contains("ok");
  out.verify_ok = ok != nullptr && ok->is_bool() && ok->as_bool();
  out.accounts_checked =
      static_cast<std::uint64_t>(integer_field(*object, "accounts_checked").value_or(0));
  out.entries_checked =
      static_cast<std::uint64_t>(integer_field(*object, "entries_checked").value_or(0));
  if (const auto* problems = object->if_contains("problems");
      problems != nullptr && problems->is_array()) {
    for (const auto& problem : problems->as_array()) {
      add_problem(out, problem.is_string() ? std::string{problem.as_string()}
                                           : std::string{"(unreadable problem)"});
    }
  }
}

// Waits until no top-up, and unless told otherwise no withdrawal, is pending, re-reading only
// those still pending, less often as time goes by; gives up when settle_timeout passes
// without one settling (a processor that is slow but moving is waited for).
void wait_for_settlements(boost::asio::io_context& io, driver& target, const plan& run,
                          const std::vector<std::string>& topups,
                          const std::vector<std::string>& withdrawals, const audit_config& config,
                          audit_result& out) {
  auto deadline = std::chrono::steady_clock::now() + config.settle_timeout;
  auto pending_topups = topups;
  auto pending_withdrawals = config.wait_for_withdrawals ? withdrawals : std::vector<std::string>{};
  auto interval = settle_poll_interval_first;
  const auto still_pending = [&](op_kind kind, const std::vector<std::string>& ids) {
    const auto states = read_states(io, target, run, kind, ids, config.concurrency);
    std::vector<std::string> left;
    for (std::size_t index = 0; index < ids.size(); ++index) {
      if (states[index].status == "pending") left.push_back(ids[index]);
    }
    return left;
  };
  for (;;) {
    const auto before = pending_topups.size() + pending_withdrawals.size();
    pending_topups = still_pending(op_kind::get_topup, pending_topups);
    pending_withdrawals = still_pending(op_kind::get_withdrawal, pending_withdrawals);
    const auto left = pending_topups.size() + pending_withdrawals.size();
    if (left == 0) return;
    if (left < before) deadline = std::chrono::steady_clock::now() + config.settle_timeout;
    if (std::chrono::steady_clock::now() > deadline) {
      add_problem(out, std::to_string(left) + " settlements still pending, none settled in " +
                           "the last settle timeout");
      return;
    }
    pause(io, interval);
    interval = std::min(interval * 2, settle_poll_interval_max);
  }
}

}  // namespace

audit_result run_audit(boost::asio::io_context& io, driver& target, const plan& run,
                       const std::vector<std::string>& topups,
                       const std::vector<std::string>& withdrawals, const audit_config& config) {
  audit_result out;
  wait_for_settlements(io, target, run, topups, withdrawals, config, out);
  for (int attempt = 0; attempt < stable_reading_attempts; ++attempt) {
    const auto topups_before =
        read_states(io, target, run, op_kind::get_topup, topups, config.concurrency);
    const auto withdrawals_before =
        read_states(io, target, run, op_kind::get_withdrawal, withdrawals, config.concurrency);
    if (!read_holdings(io, target, run, config.concurrency, out)) break;
    const auto topups_after =
        read_states(io, target, run, op_kind::get_topup, topups, config.concurrency);
    const auto withdrawals_after =
        read_states(io, target, run, op_kind::get_withdrawal, withdrawals, config.concurrency);
    if (topups_before == topups_after && withdrawals_before == withdrawals_after) {
      if (count_with(topups_after, "") + count_with(withdrawals_after, "") > 0) {
        add_problem(out, "some top-ups or withdrawals could not be read");
      }
      check_money(out, topups_after, withdrawals_after);
      break;
    }
    if (attempt + 1 == stable_reading_attempts) {
      add_problem(out, "settlements kept changing while the balances were read");
    }
  }
  verify(io, target, run, out);
  return out;
}

}  // namespace escrowd::loadgen
