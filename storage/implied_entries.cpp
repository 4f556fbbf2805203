#include "storage/implied_entries.hpp"

#include <algorithm>

namespace escrowd::storage {
namespace {

// The legs of a two-leg entry moving `amount` from one book to another.
std::uint64_t transfer_hash(book_kind from, std::string_view from_owner, book_kind to,
                            std::string_view to_owner, const currency& code, std::int64_t amount) {
  return leg_hash(from, from_owner, code, -amount) + leg_hash(to, to_owner, code, amount);
}

}  // namespace

std::uint64_t leg_hash(book_kind kind, std::string_view owner, const currency& code,
                       std::int64_t amount) {
  const auto ccy = code.view();
  const std::uint64_t book = std::uint64_t(kind) << 24 | std::uint64_t(std::uint8_t(ccy[0])) << 16 |
                             std::uint64_t(std::uint8_t(ccy[1])) << 8 | std::uint8_t(ccy[2]);
  std::uint64_t mixed = std::hash<std::string_view>{}(owner) + book * 0xff51afd7ed558ccdu +
                        std::uint64_t(amount) * 0x9e3779b97f4a7c15u;
  mixed = (mixed ^ (mixed >> 30)) * 0xbf58476d1ce4e5b9u;
  mixed = (mixed ^ (mixed >> 27)) * 0x94d049bb133111ebu;
  return mixed ^ (mixed >> 31);
}

// Switches without a default: a new entry kind fails the build (-Wswitch, -Werror) until
// it is given a family and a slot here, rather than being counted as another kind.
entry_family family_of(entry_kind kind) {
  switch (kind) {
    case entry_kind::task_fund:
    case entry_kind::task_release:
    case entry_kind::task_refund:
    case entry_kind::task_resolve:
      return entry_family::task;
    case entry_kind::topup_succeeded:
      return entry_family::topup;
    case entry_kind::withdrawal_hold:
    case entry_kind::withdrawal_paid:
    case entry_kind::withdrawal_returned:
    case entry_kind::withdrawal_reversed:
      return entry_family::withdrawal;
  }
  return entry_family::withdrawal;  // not an entry_kind: the decoder refuses such entries
}

std::size_t slot_of(entry_kind kind) {
  switch (kind) {
    case entry_kind::task_fund:
    case entry_kind::topup_succeeded:
    case entry_kind::withdrawal_hold:
      return 0;
    case entry_kind::task_release:
    case entry_kind::withdrawal_paid:
      return 1;
    case entry_kind::task_refund:
    case entry_kind::withdrawal_returned:
      return 2;
    case entry_kind::task_resolve:
    case entry_kind::withdrawal_reversed:
      return 3;
  }
  return 0;
}

entry_kind kind_of(entry_family family, std::size_t slot) {
  const std::size_t first = family == entry_family::task    ? 1
                            : family == entry_family::topup ? 5
                                                            : 6;
  return entry_kind(std::uint8_t(first + slot));
}

std::string_view kind_name(entry_kind kind) {
  static constexpr std::string_view names[] = {"?",
                                               "task_fund",
                                               "task_release",
                                               "task_refund",
                                               "task_resolve",
                                               "topup_succeeded",
                                               "withdrawal_hold",
                                               "withdrawal_paid",
                                               "withdrawal_returned",
                                               "withdrawal_reversed"};
  return names[std::uint8_t(kind) < 10 ? std::uint8_t(kind) : 0];
}

std::string_view family_name(entry_family family) {
  return family == entry_family::task    ? "task"
         : family == entry_family::topup ? "top-up"
                                         : "withdrawal";
}

void referenced_entries::note(entry_kind kind, std::uint64_t sequence, std::uint64_t hash) {
  const auto slot = slot_of(kind);
  if (count[slot]++ != 0) return;
  first_sequence[slot] = sequence;
  legs_hash[slot] = hash;
}

void referenced_entries::merge(const referenced_entries& other) {
  for (std::size_t slot = 0; slot < count.size(); ++slot) {
    if (other.count[slot] == 0) continue;
    if (count[slot] == 0 || other.first_sequence[slot] < first_sequence[slot]) {
      first_sequence[slot] = other.first_sequence[slot];
      legs_hash[slot] = other.legs_hash[slot];
    }
    count[slot] += other.count[slot];
  }
}

void implied_entries::add(entry_kind kind, std::uint64_t hash) {
  implied[slot_of(kind)] = true;
  legs_hash[slot_of(kind)] = hash;
}

implied_entries implied_by(const task& row) {
  implied_entries implied;
  const auto funded_once =
      std::any_of(row.history.begin(), row.history.end(),
                  [](const auto& item) { return item.transition == task_transition::fund; });
  if (row.state == task_state::open || (row.state == task_state::cancelled && !funded_once))
    return implied;
  constexpr auto escrow = book_kind::escrow;
  constexpr auto available = book_kind::available;
  const auto& code = row.currency;
  implied.add(entry_kind::task_fund,
              transfer_hash(available, row.payer, escrow, row.id, code, row.amount));
  if (row.state == task_state::released)
    implied.add(entry_kind::task_release,
                transfer_hash(escrow, row.id, available, row.worker, code, row.amount));
  if (row.state == task_state::cancelled)
    implied.add(entry_kind::task_refund,
                transfer_hash(escrow, row.id, available, row.payer, code, row.amount));
  if (row.state == task_state::resolved) {
    // Only the shares that are not zero are legs (an entry has no zero leg).
    const auto to_worker = row.worker_amount, to_payer = row.amount - row.worker_amount;
    std::uint64_t legs = leg_hash(escrow, row.id, code, -row.amount);
    if (to_worker > 0) legs += leg_hash(available, row.worker, code, to_worker);
    if (to_payer > 0) legs += leg_hash(available, row.payer, code, to_payer);
    implied.add(entry_kind::task_resolve, legs);
  }
  return implied;
}

implied_entries implied_by(const processor_operation& row, bool paid_once) {
  implied_entries implied;
  constexpr auto available = book_kind::available;
  constexpr auto held = book_kind::pending_withdrawal;
  constexpr auto clearing = book_kind::processor_clearing;
  const auto& owner = row.account_id;
  const auto& code = row.currency;
  const auto amount = row.amount;
  if (row.kind == processor_kind::topup) {
    if (row.status == processor_status::succeeded)
      implied.add(entry_kind::topup_succeeded,
                  transfer_hash(clearing, {}, available, owner, code, amount));
    return implied;
  }
  implied.add(entry_kind::withdrawal_hold,
              transfer_hash(available, owner, held, owner, code, amount));
  const bool failed = row.status == processor_status::failed;
  if (row.status == processor_status::paid || (failed && paid_once))
    implied.add(entry_kind::withdrawal_paid,
                transfer_hash(held, owner, clearing, {}, code, amount));
  if (failed && paid_once)
    implied.add(entry_kind::withdrawal_reversed,
                transfer_hash(clearing, {}, available, owner, code, amount));
  if (row.status == processor_status::cancelled || (failed && !paid_once))
    implied.add(entry_kind::withdrawal_returned,
                transfer_hash(held, owner, available, owner, code, amount));
  return implied;
}

}  // namespace escrowd::storage
