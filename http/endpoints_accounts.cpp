// Accounts, their journal entries and API keys (api.md "Accounts").
#include <boost/json/array.hpp>

#include "engine/account.hpp"
#include "engine/error_message.hpp"
#include "engine/id.hpp"
#include "http/api_response.hpp"
#include "http/body_reader.hpp"
#include "http/endpoints.hpp"
#include "http/fresh_ids.hpp"
#include "http/json_codec.hpp"
#include "http/query.hpp"

namespace escrowd::http {
namespace {

constexpr std::string_view entry_id_prefix = "entry_";

// "entry_<sequence>" back to the sequence, for starting_after.
std::optional<std::uint64_t> entry_sequence(std::string_view id) {
  if (!id.starts_with(entry_id_prefix)) return std::nullopt;
  id.remove_prefix(entry_id_prefix.size());
  if (id.empty() || id.size() > 19) return std::nullopt;
  std::uint64_t sequence = 0;
  for (char digit : id) {
    if (digit < '0' || digit > '9') return std::nullopt;
    sequence = sequence * 10 + static_cast<std::uint64_t>(digit - '0');
  }
  return sequence;
}

status check_access(const api_call& call, action what, std::string_view account_id) {
  const access decided = authorize(*call.who, what, resource_scope{account_id, {}, {}});
  if (decided == access::allowed) return {};
  return access_error(decided, "id");
}

// The path's account id, which must be well formed (anything else cannot exist: 404).
status check_path_id(const api_call& call) {
  if (!is_valid_id(call.match.id)) return error{error_code::not_found, "id"};
  return {};
}

status submit_key(api_call& call, actors::key_command command) {
  auto context = command_context(call, 201);
  if (!context) return context.failure();
  command.context = std::move(*context);
  call.ledger.submit(std::move(command), reply_with(call));
  return {};
}

}  // namespace

status create_account(api_call& call) {
  if (auto allowed = check_access(call, action::create_account, {}); !allowed) return allowed;
  auto body = body_reader::parse(call.body);
  if (!body) return body.failure();
  auto id = body->optional_id("id");
  if (!id) return id.failure();
  auto currency = body->required_currency("currency");
  if (!currency) return currency.failure();
  auto owner = body->optional_string("owner");
  if (!owner) return owner.failure();
  if (*owner && (*owner)->size() > owner_length_max) return too_long("owner", owner_length_max);
  if (auto done = body->finish(); !done) return done;
  auto context = command_context(call, 201);
  if (!context) return context.failure();

  actors::account_command command;
  command.kind = actors::account_command_kind::create;
  command.account_id = id->value_or(make_object_id(account_id_prefix));
  command.create = create_account_command{command.account_id, *currency, owner->value_or("")};
  command.context = std::move(*context);
  call.ledger.submit(std::move(command), reply_with(call));
  return {};
}

status get_account(api_call& call) {
  if (auto valid = check_path_id(call); !valid) return valid;
  if (auto allowed = check_access(call, action::read_account, call.match.id); !allowed)
    return allowed;
  auto found = call.ledger.read_account(call.match.id);
  if (!found) return found.failure();
  if (!*found) return error{error_code::not_found, "id"};
  call.reply(json_response(200, account_body(**found)));
  return {};
}

status list_entries(api_call& call) {
  if (auto valid = check_path_id(call); !valid) return valid;
  if (auto allowed = check_access(call, action::list_entries, call.match.id); !allowed)
    return allowed;
  auto parameters = query_parameters::parse(call.query);
  if (!parameters) return parameters.failure();
  auto limit = read_list_limit(*parameters);
  if (!limit) return limit.failure();
  std::optional<std::uint64_t> starting_after;
  if (auto after = parameters->take("starting_after")) {
    starting_after = entry_sequence(*after);
    if (!starting_after)
      return rejection(error_code::parameter_invalid, "starting_after",
                       "starting_after takes the id of an entry of this list (entry_<n>).");
  }
  if (auto done = parameters->finish(); !done) return done;
  auto owner = call.ledger.read_account(call.match.id);
  if (!owner) return owner.failure();
  if (!*owner) return error{error_code::not_found, "id"};
  auto page = call.ledger.list_entries(call.match.id, *limit, starting_after);
  if (!page) return page.failure();

  boost::json::array data;
  data.reserve(page->data.size());
  for (const auto& item : page->data) data.push_back(entry_json(item.sequence, item.entry));
  boost::json::object list{{"object", "list"},
                           {"url", call.path},
                           {"data", std::move(data)},
                           {"has_more", page->has_more}};
  call.reply(json_response(200, http::serialize(list)));
  return {};
}

status create_account_key(api_call& call) {
  if (auto valid = check_path_id(call); !valid) return valid;
  if (auto allowed = check_access(call, action::create_account_key, call.match.id); !allowed)
    return allowed;
  auto body = body_reader::parse(call.body);
  if (!body) return body.failure();
  if (auto done = body->finish(); !done) return done;
  actors::key_command command;
  command.kind = actors::key_command_kind::create;
  command.key_id = make_object_id(key_id_prefix);
  command.secret = make_api_secret();
  command.role = principal_role::account;
  command.account_id = call.match.id;
  return submit_key(call, std::move(command));
}

status create_key(api_call& call) {
  if (auto allowed = check_access(call, action::create_key, {}); !allowed) return allowed;
  auto body = body_reader::parse(call.body);
  if (!body) return body.failure();
  auto role = body->required_string("role");
  if (!role) return role.failure();
  if (auto done = body->finish(); !done) return done;
  actors::key_command command;
  if (*role == "admin") {
    command.role = principal_role::admin;
  } else if (*role == "arbiter") {
    command.role = principal_role::arbiter;
  } else {
    return rejection(error_code::parameter_invalid, "role", "role is admin or arbiter.");
  }
  command.kind = actors::key_command_kind::create;
  command.key_id = make_object_id(key_id_prefix);
  command.secret = make_api_secret();
  return submit_key(call, std::move(command));
}

status revoke_key(api_call& call) {
  if (auto allowed = check_access(call, action::revoke_key, {}); !allowed) return allowed;
  if (auto valid = check_path_id(call); !valid) return valid;
  // api.md: unknown fields are rejected, a DELETE's body included (it takes none).
  if (!call.body.empty()) {
    auto body = body_reader::parse(call.body);
    if (!body) return body.failure();
    if (auto unread = body->finish(); !unread) return unread;
  }
  actors::key_command command;
  command.kind = actors::key_command_kind::revoke;
  command.key_id = call.match.id;
  call.idempotency_key.clear();  // DELETE: not an idempotent-key endpoint (api.md: POSTs)
  auto context = command_context(call, 200);
  if (!context) return context.failure();
  command.context = std::move(*context);
  call.ledger.submit(std::move(command), reply_with(call));
  return {};
}

}  // namespace escrowd::http
