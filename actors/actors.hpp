// Every actor interface of escrowd, in one place (style.md, after Tenzir's actors.hpp).
// Each alias names its protocol; handlers live in <name>.cpp beside a <name>_state.
// CAF 0.17: typed interfaces use replies_to<...>::with<...> and atom_constant.
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <memory>

#include "actors/answer_slot.hpp"
#include "actors/commit_waiters.hpp"
#include "actors/gateway_config.hpp"
#include "actors/messages.hpp"
#include "storage/commit_record.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<escrowd::storage::commit_record>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(escrowd::storage::commit_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(escrowd::actors::commit_answers)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(escrowd::actors::rendered_response)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(escrowd::actors::task_command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(escrowd::actors::account_command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(escrowd::actors::key_command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(escrowd::actors::stored_answer)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(escrowd::actors::fund_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(escrowd::actors::fund_verdict)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(escrowd::actors::entity_kind)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(escrowd::actors::webhook_confirmation)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(escrowd::actors::completion_handle)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(escrowd::actors::answer_slot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(escrowd::actors::gateway_task)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(escrowd::actors::operation_cancel_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(escrowd::actors::gateway_stats)

namespace escrowd::actors {

using flush_atom = caf::atom_constant<caf::atom("flush")>;
using retire_atom = caf::atom_constant<caf::atom("retire")>;
using retired_atom = caf::atom_constant<caf::atom("retired")>;
using settled_atom = caf::atom_constant<caf::atom("settled")>;
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;
using evict_atom = caf::atom_constant<caf::atom("evict")>;
using resume_atom = caf::atom_constant<caf::atom("resume")>;
using reap_atom = caf::atom_constant<caf::atom("reap")>;
using reload_atom = caf::atom_constant<caf::atom("reload")>;
using kick_atom = caf::atom_constant<caf::atom("kick")>;
using drive_atom = caf::atom_constant<caf::atom("drive")>;
using reconcile_atom = caf::atom_constant<caf::atom("reconcile")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;

// storage_writer: owns LMDB's single write transaction. Records come through its
// commit_queue (commit_queue.hpp), not its mailbox: `flush` tells it to take what is
// queued and commit it as one batch. A record is answered only after the batch that
// carries it is durable (`commit_answers` to the actor that queued it, commit_waiters.hpp);
// records queued while a batch syncs form the next batch. After a failed commit every
// record is refused with the failure until the store reopens: the writer sends itself
// `resume` every second to ask it to (ledger_store::recover_from_failure). `reap` (self-sent on a
// timer) deletes expired idempotency records in small chunks between batches, so it never stalls
// writes.
using storage_writer_actor = caf::typed_actor<caf::reacts_to<flush_atom>, caf::reacts_to<reap_atom>,
                                              caf::reacts_to<resume_atom>>;

class commit_queue;

// What a deciding actor holds to commit through the storage writer (reply.hpp).
struct storage_writer_ref {
  storage_writer_actor actor;
  std::shared_ptr<commit_queue> queue;
};

// account_actor: one per user account; serializes the operations whose constraint is its
// available balance, and pipelines them (next decision while earlier records sync).
// `retire` asks it to stop serving its id once nothing of its own is in flight; it then
// tells the directory `retired` and waits, vacant, until the directory forwards it the
// commands of another id: it serves the id of the first (loaded from disk before its first
// decision). `retire` to a vacant actor stops it.
// A command with an answer_slot is answered through the slot (the facade's path); one
// without, by CAF's reply (actors asking actors).
using account_actor = caf::typed_actor<
    caf::replies_to<account_command>::with<rendered_response>,
    caf::reacts_to<account_command, answer_slot>, caf::replies_to<fund_request>::with<fund_verdict>,
    caf::reacts_to<commit_answers>, caf::reacts_to<retire_atom>, caf::reacts_to<reload_atom>>;

// task_actor: one per task; decides its transitions, queueing commands while a funding
// decision is with the payer's account actor. `retire` and vacancy as for accounts.
using task_actor =
    caf::typed_actor<caf::replies_to<task_command>::with<rendered_response>,
                     caf::reacts_to<task_command, answer_slot>, caf::reacts_to<commit_answers>,
                     caf::reacts_to<retire_atom>, caf::reacts_to<reload_atom>>;

// directory: id -> live actor, lazy spawn, idle passivation with a cap on live actors.
// Every message to an entity goes through it (forwarded), so a retiring actor and its
// successor never run at once: commands for an id whose actor is retiring wait until it
// reported `retired` (all its records durable). `settled` is a task actor's word that its
// task reached a final state: it retires at once instead of idling out (task_actor.hpp).
using directory_actor = caf::typed_actor<caf::replies_to<task_command>::with<rendered_response>,
                                         caf::replies_to<account_command>::with<rendered_response>,
                                         caf::reacts_to<task_command, answer_slot>,
                                         caf::reacts_to<account_command, answer_slot>,
                                         caf::replies_to<fund_request>::with<fund_verdict>,
                                         caf::reacts_to<retired_atom, entity_kind, std::string>,
                                         caf::reacts_to<settled_atom, std::string>,
                                         caf::reacts_to<sweep_atom>, caf::reacts_to<evict_atom>>;

// review_timer: releases submitted tasks whose review window lapsed; `sweep` is its
// self-sent tick.
using review_timer_actor = caf::typed_actor<caf::reacts_to<sweep_atom>>;

// key_registrar: issues and revokes API keys, and stores the answers no entity decides;
// calls the completion once durable.
using key_registrar_actor = caf::typed_actor<caf::reacts_to<key_command, completion_handle>,
                                             caf::reacts_to<stored_answer, completion_handle>,
                                             caf::reacts_to<commit_answers>>;

// gateway: drives the durable outbox to the payment processor (gateway.hpp). `sweep` is its
// periodic scan of due rows; `kick` asks it to drive one key now (a new top-up or withdrawal,
// an admin retry); `drive` is its own backoff or poll timer for a key, `resume` its timer
// for calls held back by the rate limit; `gateway_task`
// carries a processor port's answer back onto its thread. It answers admin cancels (after
// looking the operation up at the processor), webhook confirmations and report-only
// reconciliation runs (the GET) through the completion, and its counters on `stats`;
// `reconcile` alone is its own timer for a background run, the only kind that repairs.
using gateway_actor = caf::typed_actor<
    caf::reacts_to<sweep_atom>, caf::reacts_to<kick_atom, std::string>,
    caf::reacts_to<drive_atom, std::string>, caf::reacts_to<resume_atom>,
    caf::reacts_to<gateway_task>, caf::reacts_to<operation_cancel_request, completion_handle>,
    caf::reacts_to<webhook_confirmation, completion_handle>,
    caf::reacts_to<reconcile_atom, completion_handle>, caf::reacts_to<reconcile_atom>,
    caf::replies_to<stats_atom>::with<gateway_stats>>;

}  // namespace escrowd::actors
