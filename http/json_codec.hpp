// JSON renderings of the engine's objects, in the shapes of api.md ("object", ids, integer
// minor units, created_at in Unix seconds), and the error envelope.
// Thread affinity: none; pure functions over values.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>

#include "engine/account.hpp"
#include "engine/journal.hpp"
#include "engine/processor_operation.hpp"
#include "engine/result.hpp"
#include "engine/task.hpp"

namespace escrowd::http {

// The objects every endpoint answers with, serialized (http/json_writer.hpp).
std::string account_body(const account& account);
std::string task_body(const task& task);
std::string processor_operation_body(const processor_operation& operation);
// `sequence` is the journal position storage gave the entry; the entry's id derives from it.
boost::json::object entry_json(std::uint64_t sequence, const journal_entry& entry);

std::string entry_id(std::uint64_t sequence);

// {"error": {"type", "code", "message", "param"?}}; `message` overrides the default.
boost::json::object error_json(const error& failure, std::string_view message = {});

std::string serialize(const boost::json::object& object);

}  // namespace escrowd::http
