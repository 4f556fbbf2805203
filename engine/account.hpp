// Accounts: a user's balances in one currency, and the deltas that operations apply.
// `available` and `pending_withdrawal` are books of the ledger; `escrowed` (money of this
// payer held in funded, unsettled tasks) and `pending_topup` (card top-ups not yet settled)
// are derived views kept current by the same operations (api.md GET /v1/accounts/{id}).
// Thread affinity: none; plain values. In the running server one actor owns each account.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/money.hpp"
#include "engine/result.hpp"

namespace escrowd {

inline constexpr std::size_t owner_length_max = 256;

struct account {
  std::string id;
  escrowd::currency currency;
  std::string owner;  // free-form label of the platform's choosing
  std::int64_t created_at = 0;
  std::int64_t available = 0;
  std::int64_t pending_withdrawal = 0;
  std::int64_t escrowed = 0;
  std::int64_t pending_topup = 0;

  friend bool operator==(const account&, const account&) = default;
};

// Do not renumber: on disk.
enum class balance_field : std::uint8_t {
  available = 1,
  pending_withdrawal = 2,
  escrowed = 3,
  pending_topup = 4,
};

// One change to one field of one account. Debits are negative.
struct account_delta {
  std::string account_id;
  balance_field field = balance_field::available;
  std::int64_t amount = 0;

  friend bool operator==(const account_delta&, const account_delta&) = default;
};

struct create_account_command {
  std::string id;  // already chosen (client-given or server-made)
  escrowd::currency currency;
  std::string owner;
};

[[nodiscard]] result<account> create_account(const create_account_command& command,
                                             std::int64_t now);

// Applies every delta addressed to `current.id` (others are skipped) all-or-nothing.
// insufficient_funds when a field would go negative; balance_overflow past int64.
[[nodiscard]] result<account> apply_deltas(const account& current,
                                           std::span<const account_delta> deltas);

[[nodiscard]] std::int64_t field_value(const account& account, balance_field field);

}  // namespace escrowd
