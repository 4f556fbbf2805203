// The load generator's logical operations: one escrow API call each, independent of the
// target that runs it (escrowd over HTTP, or the PostgreSQL baseline over libpq), and the
// result every target reports in the API's own terms (an HTTP-style status and a JSON body).
// Thread affinity: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace escrowd::loadgen {

enum class op_kind : std::uint8_t {
  // Setup and audit.
  create_account,
  create_account_key,
  create_arbiter_key,
  revoke_key,  // DELETE /v1/keys/{object}: a key whose secret a replay withheld
  get_topup,
  get_withdrawal,
  verify_ledger,
  // The workload.
  topup,
  create_task,
  fund_task,
  submit_task,
  approve_task,
  dispute_task,
  resolve_task,
  cancel_task,
  withdraw,
  get_account,
  get_task,
};
inline constexpr std::size_t op_kind_count = static_cast<std::size_t>(op_kind::get_task) + 1;

std::string_view to_string(op_kind kind);
// Changes state (a POST), as opposed to a read.
bool is_write(op_kind kind);

struct operation {
  op_kind kind = op_kind::get_account;
  // The principal's credential: an API key for escrowd, the principal's name for PostgreSQL
  // (which skips authentication; see bench/pg/schema.sql).
  std::string principal;
  std::string account;  // the account acted on (accounts, top-ups, withdrawals, reads)
  std::string task;     // task id
  std::string payer;    // create_task
  std::string worker;   // create_task
  std::string object;   // top-up or withdrawal id (reads), key id (revoke_key)
  std::int64_t amount = 0;
  std::int64_t worker_amount = 0;  // resolve_task
  bool fund = true;                // create_task: create and fund in one step
};

struct op_result {
  bool answered = false;  // false: no answer after the client's retries
  unsigned status = 0;
  std::string body;
  std::string error;  // transport error when !answered
  unsigned attempts = 0;

  [[nodiscard]] bool ok() const { return answered && status >= 200 && status < 300; }
  // A business rejection: the request executed and its refusal is durable (409 and 404).
  [[nodiscard]] bool rejected() const { return answered && (status == 409 || status == 404); }
};

}  // namespace escrowd::loadgen
