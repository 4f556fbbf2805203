#include "storage/verify.hpp"

#include <map>
#include <unordered_map>
#include <unordered_set>

#include "storage/api_key_codec.hpp"
#include "storage/idempotency_codec.hpp"
#include "storage/implied_entries.hpp"
#include "storage/keys.hpp"
#include "storage/limits.hpp"
#include "storage/meta_codec.hpp"
#include "storage/outbox_codec.hpp"

namespace escrowd::storage {
namespace {

std::string book_key(book_kind kind, std::string_view owner, const currency& code) {
  std::string key(1, char(kind));
  key.append(code.view()).append(owner);
  return key;
}

std::string describe_book(std::string_view key) {
  static constexpr std::string_view names[] = {"?", "available", "pending_withdrawal", "escrow",
                                               "processor_clearing"};
  const auto kind = std::uint8_t(key[0]);
  std::string text(kind < 5 ? names[kind] : "?");
  text.append(" book of '").append(key.substr(4)).append("' in ").append(key.substr(1, 3));
  return text;
}

// Sums wider than any stored balance: a stored balance is an int64, but the clearing book
// (all the money in a currency, which no row stores) and the sums over a corrupt store's
// rows may pass it, and those must be counted exactly, not reported as overflowing.
__extension__ using wide_sum = __int128;

std::string decimal(wide_sum value) {
  if (value == 0) return "0";
  const bool negative = value < 0;
  std::string digits;
  for (; value != 0; value /= 10) {
    const auto digit = static_cast<int>(value % 10);
    digits.push_back(static_cast<char>('0' + (negative ? -digit : digit)));
  }
  if (negative) digits.push_back('-');
  return {digits.rbegin(), digits.rend()};
}

std::string reference_key(entry_family family, std::string_view id) {
  std::string key(1, char(family));
  key.append(id);
  return key;
}

// A book's journal sum (legs are int64, so 2^64 legs would be needed to pass wide_sum) and,
// for a task's escrow book, the entries naming the task: a well-formed task entry has a
// leg on it, so they cost no lookup of their own.
struct book_state {
  wide_sum balance = 0;
  referenced_entries task_entries;
};

struct derived_sums {
  wide_sum escrowed = 0;
  wide_sum pending_topup = 0;
  wide_sum held = 0;
};

// Accumulates problems and the recomputed balances during one verification.
class verifier {
 public:
  explicit verifier(const read_snapshot& snapshot) : snapshot_(snapshot) {}

  verify_report run() {
    scan_journal();
    scan_accounts();
    scan_tasks();
    scan_operations();
    check_unreferenced();
    check_derived();
    check_books();
    scan_review_deadlines();
    scan_other_tables();
    return std::move(report_);
  }

 private:
  void problem(std::string text) {
    report_.ok = false;
    if (report_.problems_total++ < verify_problems_max) report_.problems.push_back(std::move(text));
  }
  void scan_failed(std::string_view table, const status& failure) {
    if (!failure)
      problem("cannot read " + std::string(table) + ": " + std::string(failure.failure().param) +
              " is unreadable or corrupt");
  }
  book_state take_book(book_kind kind, std::string_view owner, const currency& code) {
    auto found = books_.find(book_key(kind, owner, code));
    if (found == books_.end()) return {};
    const auto book = found->second;
    books_.erase(found);  // what remains after the row scans has no row
    return book;
  }

  void scan_journal() {
    std::uint64_t expected = 1;
    scan_failed("journal", snapshot_.for_each_entry(1, [&](const sequenced_entry& item) {
      ++report_.entries_checked;
      if (item.sequence != expected)
        problem("journal gap: expected sequence " + std::to_string(expected) + ", found " +
                std::to_string(item.sequence));
      expected = item.sequence + 1;
      const auto& entry = item.entry;
      const bool names_task = family_of(entry.kind) == entry_family::task;
      referenced_entries* named = nullptr;
      std::uint64_t legs_hash = 0;
      for (const auto& leg : entry.legs) {
        legs_hash += leg_hash(leg.book.kind, leg.book.owner, leg.book.currency, leg.amount);
        auto& book = books_[book_key(leg.book.kind, leg.book.owner, leg.book.currency)];
        book.balance += leg.amount;
        if (names_task && !named && leg.book.kind == book_kind::escrow &&
            leg.book.owner == entry.reference)
          named = &book.task_entries;  // stays valid: an unordered_map's nodes never move
        currency_sums_[leg.book.currency.str()] += leg.amount;
      }
      check_links(item);
      if (!named) {
        named = &references_[reference_key(family_of(entry.kind), entry.reference)];
        stray_task_entries_ = stray_task_entries_ || names_task;
      }
      named->note(entry.kind, item.sequence, legs_hash);
      return true;
    }));
    for (const auto& [code, sum] : currency_sums_)
      if (sum != 0) problem("currency " + code + " sums to " + decimal(sum) + ", not 0");
  }

  // Every account's entries must form its chain: each entry's link for an owner is the
  // owner's previous entry, so the scan in sequence order predicts every link exactly.
  void check_links(const sequenced_entry& item) {
    const auto& legs = item.entry.legs;
    for (std::size_t i = 0; i < legs.size(); ++i) {
      if (!is_account_book(legs[i].book.kind)) continue;
      auto& newest = newest_entry_[legs[i].book.owner];
      if (newest == item.sequence) continue;  // a second leg of this owner
      if (item.owner_previous[i] != newest)
        problem("entry " + std::to_string(item.sequence) + " links account " + legs[i].book.owner +
                " to entry " + std::to_string(item.owner_previous[i]) +
                ", but its previous entry is " + std::to_string(newest));
      newest = item.sequence;
    }
  }

  // Takes the journal's entries naming `id` out of references_ (what remains after the row
  // scans names nothing that exists).
  referenced_entries take_references(entry_family group, std::string_view id) {
    auto found = references_.find(reference_key(group, id));
    if (found == references_.end()) return {};
    const auto seen = found->second;
    references_.erase(found);
    return seen;
  }

  // Each entry the row's status implies must be in the journal once, with the legs the row
  // implies; no other entry of its family may name it. The balances alone miss a top-up
  // credited twice and debited elsewhere, or a release paid to the payer.
  void check_entries(entry_family group, std::string_view id, std::string_view status,
                     const referenced_entries& seen, const implied_entries& implied) {
    auto what = [&] { return std::string(family_name(group)) + " " + std::string(id); };
    for (std::size_t slot = 0; slot < seen.count.size(); ++slot) {
      const auto kind = kind_of(group, slot);
      const std::uint32_t count = implied.implied[slot] ? 1 : 0;
      if (seen.count[slot] != count) {
        problem(what() + " is " + std::string(status) + ", which implies " +
                (count == 0 ? "no " : "one ") + std::string(kind_name(kind)) +
                " entry, but the journal has " + std::to_string(seen.count[slot]) +
                (seen.count[slot] == 0
                     ? ""
                     : " (the first is entry " + std::to_string(seen.first_sequence[slot]) + ")"));
        continue;
      }
      if (count != 0 && implied.legs_hash[slot] != seen.legs_hash[slot])
        problem("entry " + std::to_string(seen.first_sequence[slot]) + ", the " +
                std::string(kind_name(kind)) + " of " + what() +
                ", moves other books or amounts than the " + std::string(family_name(group)) +
                " implies");
    }
  }

  // What the row scans left names no task or operation that exists. A task takes its escrow
  // book in its own currency only, so a book left over says no task of that id in that
  // currency, which is all the scan knows.
  void check_unreferenced() {
    auto report = [&](entry_family group, std::string_view id, const referenced_entries& seen,
                      std::string_view currency_code) {
      for (std::size_t slot = 0; slot < seen.count.size(); ++slot) {
        if (seen.count[slot] == 0) continue;
        const std::string named = std::string(family_name(group)) + " '" + std::string(id) + "'";
        problem("entry " + std::to_string(seen.first_sequence[slot]) + " (" +
                std::string(kind_name(kind_of(group, slot))) + ") " +
                (currency_code.empty()
                     ? "names " + named + ", which does not exist"
                     : "moves the escrow of " + named + " in " + std::string(currency_code) +
                           ", and no " + named + " in " + std::string(currency_code) + " exists"));
        return;
      }
    };
    for (const auto& [key, seen] : references_)
      report(entry_family(key[0]), std::string_view(key).substr(1), seen, {});
    for (const auto& [key, book] : books_)
      if (book_kind(std::uint8_t(key[0])) == book_kind::escrow)
        report(entry_family::task, std::string_view(key).substr(4), book.task_entries,
               std::string_view(key).substr(1, 3));
  }

  void scan_accounts() {
    scan_failed("accounts", snapshot_.for_each_account_row([&](const account_row& stored) {
      const account& row = stored.data;
      ++report_.accounts_checked;
      const auto newest = newest_entry_.find(row.id);
      const std::uint64_t expected_head = newest == newest_entry_.end() ? 0 : newest->second;
      if (stored.last_entry_sequence != expected_head)
        problem("account " + row.id + ": newest entry " +
                std::to_string(stored.last_entry_sequence) + " but the journal's is " +
                std::to_string(expected_head));
      const auto available = take_book(book_kind::available, row.id, row.currency).balance;
      const auto held = take_book(book_kind::pending_withdrawal, row.id, row.currency).balance;
      if (row.available != available)
        problem("account " + row.id + ": available " + std::to_string(row.available) +
                " but its journal legs sum to " + decimal(available));
      if (row.pending_withdrawal != held)
        problem("account " + row.id + ": pending_withdrawal " +
                std::to_string(row.pending_withdrawal) + " but its journal legs sum to " +
                decimal(held));
      accounts_.emplace(row.id, row);
      return true;
    }));
  }

  void scan_tasks() {
    scan_failed("tasks", snapshot_.for_each_task([&](const task& row) {
      ++report_.tasks_checked;
      auto book = take_book(book_kind::escrow, row.id, row.currency);
      const auto escrow = book.balance;
      if (row.escrow != escrow)
        problem("task " + row.id + ": escrow " + std::to_string(row.escrow) +
                " but its journal legs sum to " + decimal(escrow));
      if (row.escrow != escrow_by_state(row))
        problem("task " + row.id + ": escrow " + std::to_string(row.escrow) +
                " does not match its state " + std::string(to_string(row.state)));
      derived_[row.payer].escrowed += row.escrow;
      if (stray_task_entries_) book.task_entries.merge(take_references(entry_family::task, row.id));
      check_entries(entry_family::task, row.id, to_string(row.state), book.task_entries,
                    implied_by(row));
      if (row.state == task_state::submitted) submitted_.emplace(row.id, row.review_deadline);
      return true;
    }));
  }

  void scan_operations() {
    scan_failed("operations", snapshot_.for_each_operation([&](const processor_operation& row) {
      ++report_.operations_checked;
      const auto group =
          row.kind == processor_kind::topup ? entry_family::topup : entry_family::withdrawal;
      const auto seen = take_references(group, row.id);
      const bool paid_once = group == entry_family::withdrawal &&
                             seen.count[slot_of(entry_kind::withdrawal_paid)] != 0;
      check_entries(group, row.id, to_string(row.status), seen, implied_by(row, paid_once));
      const bool open = is_open(row.status);
      if (open && row.kind == processor_kind::topup)
        derived_[row.account_id].pending_topup += row.amount;
      if (open && row.kind == processor_kind::withdrawal)
        derived_[row.account_id].held += row.amount;
      if (open) open_operation_keys_.insert(processor_idempotency_key(row));
      // Reconciliation reads the operations of its window through operation_times: one
      // missing there is never compared with the processor's records.
      if (snapshot_.tables().has_operation_times)
        check_index_key("operation_times", snapshot_.tables().operation_times,
                        operation_time_key(row.created_at, row.kind, row.id),
                        std::string(to_string(row.kind)) + " " + row.id + " created at " +
                            std::to_string(row.created_at));
      return true;
    }));
    if (snapshot_.tables().has_operation_times)
      check_index_count("operation_times", snapshot_.tables().operations,
                        snapshot_.tables().operation_times, "operations");
  }

  void check_derived() {
    for (const auto& [id, row] : accounts_) {
      const auto found = derived_.find(id);
      const derived_sums sums = found == derived_.end() ? derived_sums{} : found->second;
      if (row.escrowed != sums.escrowed)
        problem("account " + id + ": escrowed " + std::to_string(row.escrowed) +
                " but its funded tasks hold " + decimal(sums.escrowed));
      if (row.pending_topup != sums.pending_topup)
        problem("account " + id + ": pending_topup " + std::to_string(row.pending_topup) +
                " but its open top-ups sum to " + decimal(sums.pending_topup));
      if (row.pending_withdrawal != sums.held)
        problem("account " + id + ": pending_withdrawal " + std::to_string(row.pending_withdrawal) +
                " but its open withdrawals sum to " + decimal(sums.held));
    }
    for (const auto& [id, sums] : derived_)
      if (!accounts_.contains(id)) problem("tasks or operations refer to unknown account " + id);
  }

  void check_books() {
    // Every book with a row was taken out above; what is left must be clearing books.
    for (const auto& [key, book] : books_) {
      if (book_kind(std::uint8_t(key[0])) == book_kind::processor_clearing) continue;
      if (book.balance != 0)
        problem(describe_book(key) + " holds " + decimal(book.balance) + " but has no stored row");
    }
  }

  // Visits every key and value of a table the snapshot has no typed scan for.
  template <class Visit>
  void scan_raw(std::string_view table, MDB_dbi dbi, Visit visit) {
    lmdb_cursor cursor;
    std::string_view key, value;
    int rc = cursor.open(snapshot_.txn(), dbi);
    if (rc == MDB_SUCCESS) rc = cursor.get(key, value, MDB_FIRST);
    for (; rc == MDB_SUCCESS; rc = cursor.get(key, value, MDB_NEXT)) visit(key, value);
    if (rc != MDB_NOTFOUND) problem("cannot read " + std::string(table));
  }

  // The review timer finds lapsed windows only through this index, which holds exactly the
  // submitted tasks (FORMAT.md): a submitted task missing from it is never released to its
  // worker, however long its window has lapsed.
  void scan_review_deadlines() {
    scan_raw("review_deadlines", snapshot_.tables().review_deadlines,
             [&](std::string_view key, std::string_view) {
               const bool whole = key.size() > 8;
               const std::string task_id(whole ? key.substr(8) : std::string_view());
               const auto deadline = whole ? unbias_time(read_big_endian(key)) : 0;
               const auto found = submitted_.find(task_id);
               if (whole && found != submitted_.end() && found->second == deadline) {
                 submitted_.erase(found);
                 return;
               }
               problem("review deadline " + std::to_string(deadline) + " of task '" + task_id +
                       "' names no task submitted with that deadline");
             });
    for (const auto& [id, deadline] : submitted_)
      problem("task " + id + " is submitted but has no review deadline key at " +
              std::to_string(deadline));
  }

  // Tables that hold no money but that money depends on: an unreadable outbox row stops the
  // gateway's scan (charges and payouts are never sent), an unreadable idempotency record
  // refuses its retries, an unreadable key its logins, an unreadable webhook event its
  // redeliveries.
  void scan_other_tables() {
    const auto& tables = snapshot_.tables();
    auto readable = [&](std::string_view table, bool ok, std::string_view key) {
      if (!ok)
        problem(std::string(table) + " value under key '" + std::string(key) + "' is corrupt");
    };
    scan_raw("outbox", tables.outbox, [&](std::string_view key, std::string_view value) {
      auto row = decode_outbox(value);
      readable("outbox", row && row->key == key, key);
      if (row && row->key == key) check_outbox_row(*row);
    });
    // The gateway drives, and reconciliation's window starts at, open operations found only
    // through their outbox rows (FORMAT.md).
    for (const auto& key : open_operation_keys_)
      problem("open operation with processor key '" + key + "' has no outbox row");
    scan_raw("idempotency", tables.idempotency, [&](std::string_view key, std::string_view value) {
      auto row = decode_idempotency(value);
      readable("idempotency", row && idempotency_key(row->scope, row->key) == key, key);
    });
    scan_raw("api_keys", tables.api_keys, [&](std::string_view, std::string_view value) {
      readable("api_keys", decode_api_key(value).has_value(), "(a key hash)");
    });
    scan_raw("webhook_events", tables.webhook_events,
             [&](std::string_view key, std::string_view value) {
               auto row = decode_webhook_event(value);
               readable("webhook_events", row && row->event_id == key, key);
               // The reaper finds old events only through webhook_event_times: an event
               // without its key there is kept forever.
               if (row && tables.has_webhook_event_times)
                 check_index_key("webhook_event_times", tables.webhook_event_times,
                                 webhook_event_time_key(row->processed_at, row->event_id),
                                 "webhook event '" + row->event_id + "' processed at " +
                                     std::to_string(row->processed_at));
             });
    if (tables.has_webhook_event_times)
      check_index_count("webhook_event_times", tables.webhook_events, tables.webhook_event_times,
                        "webhook events");
  }

  void check_outbox_row(const outbox_row& row) {
    if (processor_idempotency_key(row.operation_kind, row.operation_id) == row.key &&
        open_operation_keys_.erase(row.key) == 1)
      return;
    problem("outbox row '" + row.key + "' names no open operation " +
            std::string(to_string(row.operation_kind)) + " " + row.operation_id);
  }

  void check_index_key(std::string_view index_name, MDB_dbi index, std::string_view key,
                       const std::string& row_described) {
    std::string_view ignored;
    if (lmdb_get(snapshot_.txn(), index, key, ignored) != MDB_SUCCESS)
      problem(row_described + " has no key in " + std::string(index_name));
  }

  // With a key for every row, equal counts mean no key names a row that is gone.
  void check_index_count(std::string_view index_name, MDB_dbi rows, MDB_dbi index,
                         std::string_view rows_described) {
    MDB_stat row_stat{}, key_stat{};
    if (mdb_stat(snapshot_.txn(), rows, &row_stat) != MDB_SUCCESS ||
        mdb_stat(snapshot_.txn(), index, &key_stat) != MDB_SUCCESS)
      return problem("cannot read " + std::string(index_name));
    if (row_stat.ms_entries != key_stat.ms_entries)
      problem(std::string(index_name) + " holds " + std::to_string(key_stat.ms_entries) +
              " keys for " + std::to_string(row_stat.ms_entries) + " " +
              std::string(rows_described));
  }

  const read_snapshot& snapshot_;
  verify_report report_;
  std::unordered_map<std::string, book_state> books_;
  std::map<std::string, wide_sum> currency_sums_;
  std::map<std::string, account> accounts_;
  std::unordered_map<std::string, derived_sums> derived_;
  std::unordered_map<std::string, std::uint64_t> newest_entry_;  // by account id
  std::unordered_map<std::string, std::int64_t> submitted_;      // task id -> review deadline
  std::unordered_set<std::string> open_operation_keys_;          // processor keys without a row yet
  // By family and reference: the entries of operations, and task entries with no leg on
  // their task's escrow book (none in a sound journal).
  std::unordered_map<std::string, referenced_entries> references_;
  bool stray_task_entries_ = false;
};

}  // namespace

result<verify_report> verify_ledger(const read_snapshot& snapshot) {
  return verifier(snapshot).run();
}

result<verify_report> verify_ledger(const ledger_store& store) {
  auto snapshot = store.snapshot();
  if (!snapshot) return snapshot.failure();
  return verify_ledger(*snapshot);
}

}  // namespace escrowd::storage
