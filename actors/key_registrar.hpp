// key_registrar: issues and revokes API keys (protocol: key_registrar_actor in actors.hpp).
// Keys are not entities with balances, so nothing serializes on them but the store: a key
// record is committed with the request's idempotency record and answered once durable.
// It also commits the idempotency records of answers no entity decides (stored_answer: a
// batch as a whole), for the same reason. The ledger keeps at least one active admin key:
// revoking the last one is refused (nothing could create another).
// Lifetime: one per actor system, owned by the ledger facade; the store outlives it.
#pragma once

#include <caf/typed_event_based_actor.hpp>
#include <set>
#include <string>

#include "actors/actors.hpp"
#include "actors/commit_waiters.hpp"
#include "storage/ledger_store.hpp"

namespace escrowd::actors {

struct key_registrar_state {
  key_registrar_state() = default;  // not an aggregate: see bridge_state
  storage::ledger_store* store = nullptr;
  storage_writer_ref writer;
  commit_waiters commits;  // this actor's records in flight (reply.hpp)
  // Admin keys whose revocation is committing: no longer counted as active, since the
  // store still shows them so until it is durable.
  std::set<std::string> admin_revocations_in_flight;
  static inline const char* name = "key_registrar";
};

key_registrar_actor::behavior_type key_registrar(
    key_registrar_actor::stateful_pointer<key_registrar_state> self, storage::ledger_store* store,
    storage_writer_ref writer);

}  // namespace escrowd::actors
