// commit_record: the complete durable effect of one operation (state rows, its journal
// entry, its idempotency record, its outbox rows), applied all or nothing inside a batch.
// The caller (the actors layer) builds it from engine outcomes; storage re-checks the
// ledger invariants before writing, as the last line of defence:
//   - every "create" fails with already_exists if the key exists, every "update" with
//     not_found if it does not;
//   - account deltas are applied to the stored rows: insufficient_funds if a balance would
//     go negative, balance_overflow past int64;
//   - the entry must be balanced, and its legs must equal the record's changes on ledger
//     books: per account, deltas of `available` / `pending_withdrawal` equal the legs on
//     those books; per task, the change of `escrow` equals the legs on its escrow book.
//     A mismatch is a bug upstream and is rejected as `internal` (param "entry").
// Thread affinity: none; a plain value, moved into the writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/account.hpp"
#include "engine/journal.hpp"
#include "engine/processor_operation.hpp"
#include "engine/result.hpp"
#include "engine/task.hpp"
#include "storage/records.hpp"

namespace escrowd::storage {

struct commit_record {
  std::vector<account> account_creates;  // balances must be zero: money enters by entries
  std::vector<account_delta> account_deltas;
  std::vector<task> task_creates;
  std::vector<task> task_updates;  // whole rows, replacing the stored ones
  std::vector<processor_operation> operation_creates;
  std::vector<processor_operation> operation_updates;
  std::optional<journal_entry> entry;
  // Created, or replacing an expired record with the same scope and key; already_exists
  // if a live one exists.
  std::optional<idempotency_record> idempotency;
  std::vector<outbox_row> outbox_puts;                  // insert or replace by key
  std::vector<std::string> outbox_deletes;              // by key; absent keys are ignored
  std::vector<api_key_record> api_key_creates;          // already_exists on a known hash or id
  std::vector<api_key_revocation> api_key_revocations;  // not_found on an unknown id
  std::vector<webhook_event_record> webhook_events;     // already_exists on a known id
  // The store opening (ledger_store::opening) in which the deciding actor last read its
  // rows from disk; 0: not checked. A record from an earlier opening is refused with
  // not_ready (503, retry): its actor may have decided it on top of a change that failed
  // before the store reopened, and must reload first. Set by actors that decide from memory.
  std::uint64_t decided_in_opening = 0;
  // The stored values of task_creates then task_updates, encoded by encode_tasks off the
  // writer's thread (the writer is the one serial stage of a commit); empty: the writer
  // encodes them itself. A record whose bytes disagree with its rows on a field the writer
  // checks or keeps is refused (whole bytes compared in builds with assertions).
  std::vector<std::string> encoded_tasks;
};

// Fills record.encoded_tasks from the record's task rows, replacing what it held.
void encode_tasks(commit_record& record);

// The outcome of one record of a batch.
struct commit_result {
  status outcome;
  std::uint64_t sequence = 0;  // the journal sequence assigned to the entry; 0 without one
};

}  // namespace escrowd::storage
