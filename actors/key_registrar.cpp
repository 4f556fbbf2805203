#include "actors/key_registrar.hpp"

#include "actors/reply.hpp"
#include "actors/store_reads.hpp"

namespace escrowd::actors {
namespace {

using self_pointer = key_registrar_actor::stateful_pointer<key_registrar_state>;

// What a create writes, or why it cannot: an account key needs its account.
result<storage::commit_record> creation_record(const storage::ledger_store& store,
                                               const key_command& command) {
  if (command.role == principal_role::account) {
    auto owner = optional_row(store.get_account(command.account_id));
    if (!owner) return owner.failure();
    if (!*owner) return error{error_code::not_found, "id"};  // the path's account id
  }
  storage::api_key_record created;
  created.key_id = command.key_id;
  created.hash = storage::hash_api_key_secret(command.secret);
  created.role = command.role;
  created.account_id = command.account_id;
  created.created_at = command.context.now;
  storage::commit_record record;
  record.api_key_creates.push_back(std::move(created));
  return record;
}

void answer(self_pointer self, storage::commit_record record, const request_context& context,
            operation_result outcome, completion_handle done) {
  commit_then(
      self, self->state.writer, std::move(record), context, outcome,
      [done](rendered_response response, std::uint64_t) { done.call(std::move(response)); },
      [done](rendered_response response, escrowd::error) { done.call(std::move(response)); });
}

// A new key's secret is shown once and never stored, not even inside the idempotency
// record: a replay of the creation answers the same key without its secret.
void answer_issued(self_pointer self, storage::commit_record record, const request_context& context,
                   issued_api_key issued, completion_handle done) {
  issued_api_key without_secret = issued;
  without_secret.secret.clear();
  auto shown = context.render(operation_result{escrowd::status{}, std::move(issued), true});
  shown.stored_body = std::make_shared<const std::string>(
      context.render(operation_result{escrowd::status{}, std::move(without_secret), true}).body);
  commit_rendered(
      self, self->state.writer, std::move(record), context, std::move(shown),
      [done](rendered_response response, std::uint64_t) { done.call(std::move(response)); },
      [done](rendered_response response, escrowd::error) { done.call(std::move(response)); });
}

void create(self_pointer self, key_command& command, completion_handle& done) {
  auto record = creation_record(*self->state.store, command);
  if (!record) {
    // Decided (the account is absent): a business answer, stored under the key.
    answer(self, {}, command.context, operation_result{record.failure(), {}, false},
           std::move(done));
    return;
  }
  answer_issued(self, std::move(*record), command.context,
                issued_api_key{command.key_id, command.secret, command.role, command.account_id,
                               command.context.now},
                std::move(done));
}

// The key's record, read in a snapshot that ends before anything is sent to the writer
// (a live snapshot would hold up a map resize).
result<std::optional<storage::api_key_record>> read_key(const storage::ledger_store& store,
                                                        const std::string& key_id) {
  auto snapshot = store.snapshot();
  if (!snapshot) return snapshot.failure();
  return optional_row(snapshot->get_api_key_by_id(key_id));
}

// Whether an active admin key other than `key_id` remains, not counting those whose
// revocation is committing. A scan of every key, with an early exit: admin revocations
// are rare, and an admin key is found after scanning about keys / (admin keys + 1).
result<bool> another_active_admin(const storage::ledger_store& store, const std::string& key_id,
                                  const std::set<std::string>& revoking) {
  auto snapshot = store.snapshot();
  if (!snapshot) return snapshot.failure();
  bool found = false;
  auto scanned = snapshot->for_each_api_key([&](const storage::api_key_record& key) {
    found = key.role == principal_role::admin && !key.revoked && key.key_id != key_id &&
            !revoking.contains(key.key_id);
    return !found;
  });
  if (!scanned) return scanned.failure();
  return found;
}

void revoke_admin_key(self_pointer self, key_command& command, completion_handle& done) {
  auto& revoking = self->state.admin_revocations_in_flight;
  auto another = another_active_admin(*self->state.store, command.key_id, revoking);
  if (!another) {
    done.call(render_failure(command.context, another.failure()));
    return;
  }
  if (!*another) {
    answer(self, {}, command.context,
           operation_result{escrowd::error{error_code::last_admin_key, {}}, {}, false},
           std::move(done));
    return;
  }
  revoking.insert(command.key_id);
  storage::commit_record record;
  record.api_key_revocations.push_back({command.key_id, command.context.now});
  auto forget = [self, key_id = command.key_id, done](rendered_response response) {
    self->state.admin_revocations_in_flight.erase(key_id);
    done.call(std::move(response));
  };
  commit_then(
      self, self->state.writer, std::move(record), command.context,
      operation_result{escrowd::status{}, revoked_api_key{command.key_id}, true},
      [forget](rendered_response response, std::uint64_t) { forget(std::move(response)); },
      [forget](rendered_response response, escrowd::error) { forget(std::move(response)); });
}

void revoke(self_pointer self, key_command& command, completion_handle& done) {
  auto known = read_key(*self->state.store, command.key_id);
  if (!known) {
    done.call(render_failure(command.context, known.failure()));
    return;
  }
  if (!*known) {
    answer(self, {}, command.context,
           operation_result{escrowd::error{error_code::not_found, "id"}, {}, false},
           std::move(done));
    return;
  }
  if ((*known)->role == principal_role::admin && !(*known)->revoked)
    return revoke_admin_key(self, command, done);
  // Revoking a revoked key again is a no-op answered like the first revocation.
  storage::commit_record record;
  const bool changed = !(*known)->revoked;
  if (changed) record.api_key_revocations.push_back({command.key_id, command.context.now});
  answer(self, std::move(record), command.context,
         operation_result{escrowd::status{}, revoked_api_key{command.key_id}, changed},
         std::move(done));
}

}  // namespace

key_registrar_actor::behavior_type key_registrar(
    key_registrar_actor::stateful_pointer<key_registrar_state> self, storage::ledger_store* store,
    storage_writer_ref writer) {
  self->state.store = store;
  self->state.writer = std::move(writer);
  return {
      [=](key_command& command, completion_handle& done) {
        if (command.kind == key_command_kind::create) {
          create(self, command, done);
        } else {
          revoke(self, command, done);
        }
      },
      [=](stored_answer& stored, completion_handle& done) {
        commit_rendered(
            self, self->state.writer, {}, stored.context, std::move(stored.response),
            [done](rendered_response response, std::uint64_t) { done.call(std::move(response)); },
            [done](rendered_response response, escrowd::error) { done.call(std::move(response)); });
      },
      [=](commit_answers& answers) { take_commit_answers(self, answers); },
  };
}

}  // namespace escrowd::actors
