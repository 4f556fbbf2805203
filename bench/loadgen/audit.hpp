// The end-of-run checks: the target's own ledger verification (GET /v1/ledger/verify) and
// conservation of the run's money: what its top-ups put in equals what its accounts hold
// (available + escrowed + pending_withdrawal) plus what left through paid withdrawals.
// Processor settlements still in flight would move money between those terms while they are
// read, so the audit waits for them and re-reads until two readings of the statuses agree.
// Thread affinity: the caller's thread, which runs the driver's io_context meanwhile.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/loadgen/driver.hpp"
#include "bench/loadgen/plan.hpp"

namespace escrowd::loadgen {

struct audit_config {
  std::size_t concurrency = 64;
  std::chrono::milliseconds settle_timeout{60'000};  // longest wait without a settlement
  // false for a target that never settles withdrawals (the PostgreSQL baseline has no
  // processor): pending ones then simply stay in pending_withdrawal.
  bool wait_for_withdrawals = true;
};

struct audit_result {
  // false: the target answered none of the audit's requests (it is down or unreachable), so
  // nothing below was checked and the audit could not run at all.
  bool answered = false;
  bool verify_ok = false;
  std::uint64_t accounts_checked = 0;
  std::uint64_t entries_checked = 0;
  std::vector<std::string> problems;  // from the verification, or the audit's own

  std::int64_t put_in = 0;  // succeeded top-ups
  std::int64_t held = 0;    // available + escrowed + pending_withdrawal over the run's accounts
  std::int64_t left = 0;    // paid withdrawals
  std::int64_t pending_topup = 0;  // top-ups not yet settled: counted on neither side
  std::uint64_t topups_pending = 0;
  std::uint64_t topups_failed = 0;
  std::uint64_t withdrawals_pending = 0;
  std::uint64_t withdrawals_failed = 0;
  bool money_checked = false;  // two readings agreed and were compared; else money_ok is false
  bool money_ok = false;

  [[nodiscard]] bool ok() const { return verify_ok && money_ok; }
};

audit_result run_audit(boost::asio::io_context& io, driver& target, const plan& run,
                       const std::vector<std::string>& topups,
                       const std::vector<std::string>& withdrawals, const audit_config& config);

}  // namespace escrowd::loadgen
