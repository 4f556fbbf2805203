// verify_ledger: recomputes every book balance from the journal legs and compares it with
// the stored rows, inside one read snapshot so the picture is consistent. Checks that
//   - the journal sequences are contiguous, every entry decodes (CRC, version) and is
//     balanced, and every currency sums to zero over all books;
//   - each account's available and pending_withdrawal equal their books; each task's
//     escrow equals its book and what its state requires; no book but the processor's
//     clearing is negative, and every book belongs to a stored account or task;
//   - the derived views agree: escrowed = the payer's funded tasks, pending_topup = the
//     open top-ups, pending_withdrawal = the open withdrawals;
//   - every account's chain of entries links each entry touching its books to the one
//     before, and its row's head is its newest entry.
//   - every task and operation has exactly the entries its status implies (a released task
//     its fund and release, a pending top-up none, a failed withdrawal its hold and either
//     its return or its payout and reversal), each with the legs its row implies, and no
//     entry names a task or operation that does not exist;
//   - the review-deadline index holds exactly the submitted tasks, at their deadlines, and
//     every outbox row, idempotency record, API key and webhook event can be read.
// Used by GET /v1/ledger/verify and `escrowd verify`. Memory: proportional to the number
// of accounts, tasks, operations and books: it holds one balance per book, each beside 80
// bytes of entry counts (used by a task's escrow book), and, per operation with entries, the
// same counts in a map node of their own (about 150 bytes).
// Thread affinity: any; it only reads. Lifetime: the snapshot must outlive the call.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/result.hpp"
#include "storage/ledger_store.hpp"
#include "storage/read_snapshot.hpp"

namespace escrowd::storage {

struct verify_report {
  bool ok = true;
  std::uint64_t accounts_checked = 0;
  std::uint64_t entries_checked = 0;
  std::uint64_t tasks_checked = 0;
  std::uint64_t operations_checked = 0;
  std::vector<std::string> problems;  // the first verify_problems_max, as sentences
  std::uint64_t problems_total = 0;
};

// An error only when the store cannot be read at all; corrupt values are problems.
[[nodiscard]] result<verify_report> verify_ledger(const read_snapshot& snapshot);
[[nodiscard]] result<verify_report> verify_ledger(const ledger_store& store);

}  // namespace escrowd::storage
