// A batch's operations as read from its body (api.md "Batch"), with what each reads or
// writes for their order (batch_order.hpp): the objects it names, and for a task operation
// the task's payer and worker, from an earlier operation of the batch or from storage.
// Thread affinity: none (storage reads through the ledger facade are thread-safe).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/ledger.hpp"
#include "engine/result.hpp"
#include "http/batch_order.hpp"
#include "http/route_table.hpp"

namespace escrowd::http {

struct batch_operation {
  std::optional<route_match> match;  // empty when no route matches (answered 404/405)
  std::string method;
  std::string target;
  std::string body;
  std::string idempotency_key;
  std::vector<object_touch> objects;  // ids it reads or writes, for ordering
  std::string body_id;                // the body's "id" (an object it creates)
};

// The operations of a batch body, each checked (400 with the operation's index in
// `param`); at most `max`.
[[nodiscard]] result<std::vector<batch_operation>> read_operations(std::string_view text,
                                                                   std::size_t max);

// The parties of the tasks that operations earlier in the batch created or assigned a
// worker to, by task id: what storage does not know yet.
using task_parties = std::map<std::string, std::vector<std::string>, std::less<>>;

// Adds a task operation's payer and worker to what it touches.
void add_task_parties(const actors::ledger& ledger, const task_parties& known,
                      batch_operation& operation);

// What a later operation on a task also touches, once `operation` ran: a creation's payer
// and worker, an assignment's new worker. The parties it had stay too (the creation of an
// id that exists fails; an assignment's old worker only orders more than needed).
void note_task_parties(const actors::ledger& ledger, const batch_operation& operation,
                       task_parties& known);

}  // namespace escrowd::http
