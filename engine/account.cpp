#include "engine/account.hpp"

#include "engine/error_message.hpp"
#include "engine/id.hpp"

namespace escrowd {
namespace {

// One switch for the const and the mutable access.
template <class account_type>
auto& field_ref(account_type& target, balance_field field) {
  switch (field) {
    case balance_field::available:
      return target.available;
    case balance_field::pending_withdrawal:
      return target.pending_withdrawal;
    case balance_field::escrowed:
      return target.escrowed;
    case balance_field::pending_topup:
      return target.pending_topup;
  }
  return target.available;  // unreachable: every enumerator is handled above
}

}  // namespace

result<account> create_account(const create_account_command& command, std::int64_t now) {
  if (!is_valid_id(command.id)) return error{error_code::id_invalid, "id"};
  if (command.owner.size() > owner_length_max) return too_long("owner", owner_length_max);
  account created;
  created.id = command.id;
  created.currency = command.currency;
  created.owner = command.owner;
  created.created_at = now;
  return created;
}

result<account> apply_deltas(const account& current, std::span<const account_delta> deltas) {
  account next = current;
  for (const auto& delta : deltas) {
    if (delta.account_id != current.id) continue;
    std::int64_t& value = field_ref(next, delta.field);
    auto sum = checked_add(value, delta.amount);
    if (!sum) return error{error_code::balance_overflow, "amount"};
    value = *sum;
  }
  // Checked after all deltas so that a credit and a debit of one record net out.
  for (auto field : {balance_field::available, balance_field::pending_withdrawal,
                     balance_field::escrowed, balance_field::pending_topup}) {
    if (field_ref(next, field) < 0) return error{error_code::insufficient_funds, "amount"};
  }
  return next;
}

std::int64_t field_value(const account& target, balance_field field) {
  return field_ref(target, field);
}

}  // namespace escrowd
