// account_actor: one per user account (protocol: account_actor in actors.hpp). It holds
// the account's balances in memory and decides every operation whose constraint is its
// available balance, pipelining them: it applies a decision in memory, hands the record to
// the storage writer and goes on, answering each request once its record is durable.
// If a record fails, its memory may be ahead of the disk: it turns stale, finishes what
// is in flight, and reloads from storage before deciding anything else.
// Other actors' records only ever credit an account (a task's release, refund or split),
// and nobody tells its actor: its memory is the disk as last loaded plus its own
// decisions, so its `available` is never more than the truth and whatever it allows is
// allowed (the storage writer checks every record against the disk besides). A shortfall
// may be stale, though: before refusing one it reloads, once nothing of its own is in
// flight (then the disk is exactly the balance), and decides again.
// Lifetime: spawned by the directory on first use; stops after `retire` once idle.
#pragma once

#include <caf/typed_event_based_actor.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "actors/actors.hpp"
#include "actors/commit_waiters.hpp"
#include "actors/entity_lifecycle.hpp"
#include "storage/ledger_store.hpp"

namespace escrowd::actors {

// An operation decided by this actor whose record is not durable yet: the next decision
// on it must start from here, not from the disk (a webhook and the gateway's result may
// settle the same operation back to back; the second must see the first).
struct operation_ahead {
  processor_operation operation;
  std::size_t records_in_flight = 0;
};

struct account_actor_state {
  std::string id;
  std::optional<account> current;  // empty: no such account on disk
  std::map<std::pair<processor_kind, std::string>, operation_ahead> operations_ahead;
  entity_lifecycle lifecycle;
  commit_waiters commits;  // this actor's records in flight (reply.hpp)
  storage::ledger_store* store = nullptr;
  storage_writer_ref writer;
  directory_actor directory;
  static constexpr entity_kind kind = entity_kind::account;
  static inline const char* name = "account";

  // Reads the durable row; false if storage could not be read (stays stale).
  bool reload();
  void vacate() {
    id.clear();
    current.reset();
    operations_ahead.clear();
  }
};

account_actor::behavior_type account_actor_behavior(
    account_actor::stateful_pointer<account_actor_state> self, std::string id,
    storage::ledger_store* store, storage_writer_ref writer, directory_actor directory);

}  // namespace escrowd::actors
