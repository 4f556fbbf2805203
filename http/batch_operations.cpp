#include "http/batch_operations.hpp"

#include <algorithm>
#include <boost/json/value.hpp>
#include <utility>

#include "engine/error_message.hpp"
#include "http/api_settings.hpp"
#include "http/body_reader.hpp"
#include "http/json_codec.hpp"
#include "http/query.hpp"

namespace escrowd::http {
namespace {

namespace json = boost::json;

std::string field_param(std::size_t index, std::string_view field) {
  return "operations[" + std::to_string(index) + "]" +
         (field.empty() ? std::string{} : "." + std::string(field));
}

// The ids an operation names: the path's {id} and the body's id, payer and worker. A GET
// only reads them; a task creation only reads its payer (unless it funds the task) and
// its worker; everything else counts as a write.
std::vector<object_touch> named_objects(batch_operation& operation, const json::object* body) {
  const bool reads_only = operation.method == "GET";
  std::vector<object_touch> objects;
  if (operation.match && !operation.match->id.empty())
    objects.push_back({operation.match->id, !reads_only});
  if (body != nullptr) {
    const bool creates_task = operation.match && operation.match->route == route::create_task;
    const auto* fund = body->if_contains("fund");
    const bool funds = fund != nullptr && (!fund->is_bool() || fund->as_bool());
    for (std::string_view field : {"id", "payer", "worker"}) {
      const auto* value = body->if_contains(field);
      if (value == nullptr || !value->is_string()) continue;
      const bool writes = !creates_task || field == "id" || (field == "payer" && funds);
      objects.push_back({std::string(value->as_string()), writes && !reads_only});
      if (field == "id") operation.body_id = objects.back().id;
    }
  }
  return objects;
}

result<batch_operation> read_operation(const json::value& item, std::size_t index) {
  const auto* fields = item.if_object();
  if (fields == nullptr) return error{error_code::parameter_invalid, field_param(index, {})};
  batch_operation operation;
  const json::object* body = nullptr;
  bool keyed = false;
  for (const auto& [name, value] : *fields) {
    if (value.is_null() &&
        (name == "method" || name == "path" || name == "idempotency_key" || name == "body"))
      continue;  // null counts as left out (api.md)
    if (name == "method" || name == "path" || name == "idempotency_key") {
      if (!value.is_string()) return error{error_code::parameter_invalid, field_param(index, name)};
      keyed = keyed || name == "idempotency_key";
      std::string text(value.as_string());
      if (name == "method") operation.method = std::move(text);
      if (name == "path") operation.target = normalized_target(text);  // as if sent alone
      if (name == "idempotency_key") operation.idempotency_key = std::move(text);
    } else if (name == "body") {
      body = value.if_object();
      if (body == nullptr) return error{error_code::parameter_invalid, field_param(index, name)};
      operation.body = http::serialize(*body);
    } else {
      return error{error_code::parameter_unknown, field_param(index, name)};
    }
  }
  if (operation.method.empty())
    return error{error_code::parameter_missing, field_param(index, "method")};
  if (operation.target.empty())
    return error{error_code::parameter_missing, field_param(index, "path")};
  if (operation.method != "GET" && operation.method != "POST" && operation.method != "DELETE")
    return error{error_code::parameter_invalid, field_param(index, "method")};
  if (!operation.target.starts_with("/v1/") || operation.target.starts_with("/v1/batch"))
    return error{error_code::parameter_invalid, field_param(index, "path")};
  if (keyed && !is_valid_idempotency_key(operation.idempotency_key))
    return error{error_code::idempotency_key_invalid, field_param(index, "idempotency_key")};
  if (auto matched = match_route(operation.method, split_request_target(operation.target).path))
    operation.match = std::move(*matched);
  operation.objects = named_objects(operation, body);
  return operation;
}

bool is_task_route(route which) {
  switch (which) {
    case route::get_task:
    case route::assign_task:
    case route::fund_task:
    case route::submit_task:
    case route::approve_task:
    case route::dispute_task:
    case route::resolve_task:
    case route::cancel_task:
      return true;
    default:
      return false;
  }
}

// A task operation also touches the task's payer and worker (funding debits one,
// releases credit them), so it must keep its place among their operations. The parties
// come from an operation earlier in the batch that created the task or assigned its worker,
// or from storage.
std::vector<std::string> stored_task_parties(const actors::ledger& ledger,
                                             const std::string& task_id) {
  auto stored = ledger.read_task(task_id);
  if (!stored || !*stored) return {};  // an operation on it answers not_found
  std::vector<std::string> parties{(*stored)->payer};
  if (!(*stored)->worker.empty()) parties.push_back((*stored)->worker);
  return parties;
}

}  // namespace

result<std::vector<batch_operation>> read_operations(std::string_view text, std::size_t max) {
  auto parsed = parse_json_object(text);
  if (!parsed) return parsed.failure();
  const auto& fields = *parsed;
  for (const auto& member : fields)
    if (member.key() != "operations")
      return error{error_code::parameter_unknown, std::string(member.key())};
  const auto* list = fields.if_contains("operations");
  if (list == nullptr || list->is_null()) return error{error_code::parameter_missing, "operations"};
  if (!list->is_array() || list->as_array().empty())
    return rejection(error_code::parameter_invalid, "operations",
                     "operations is a non-empty array of operations.");
  if (list->as_array().size() > max) return error{error_code::batch_too_large, "operations"};
  std::vector<batch_operation> operations;
  operations.reserve(list->as_array().size());
  for (const auto& item : list->as_array()) {
    auto operation = read_operation(item, operations.size());
    if (!operation) return operation.failure();
    operations.push_back(std::move(*operation));
  }
  return operations;
}

void add_task_parties(const actors::ledger& ledger, const task_parties& known,
                      batch_operation& operation) {
  if (!operation.match || !is_task_route(operation.match->route)) return;
  const bool writes = operation.method != "GET";
  const auto& task_id = operation.match->id;
  const auto found = known.find(task_id);
  for (const auto& party :
       found != known.end() ? found->second : stored_task_parties(ledger, task_id))
    operation.objects.push_back({party, writes});
}

void note_task_parties(const actors::ledger& ledger, const batch_operation& operation,
                       task_parties& known) {
  if (!operation.match) return;
  const bool creates = operation.match->route == route::create_task && !operation.body_id.empty();
  if (!creates && operation.match->route != route::assign_task) return;
  const auto& task_id = creates ? operation.body_id : operation.match->id;
  auto [found, first] = known.try_emplace(task_id);
  auto& parties = found->second;
  if (first && creates) parties = stored_task_parties(ledger, task_id);
  for (const auto& object : operation.objects)
    if (object.id != task_id &&
        std::find(parties.begin(), parties.end(), object.id) == parties.end())
      parties.push_back(object.id);
}

}  // namespace escrowd::http
