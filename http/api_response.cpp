#include "http/api_response.hpp"

#include <type_traits>

#include "engine/authorization.hpp"
#include "http/json_codec.hpp"

namespace escrowd::http {
namespace {

namespace json = boost::json;

json::object key_json(const actors::issued_api_key& key) {
  json::object body{{"id", key.id},
                    {"object", "api_key"},
                    // Empty in the stored copy a replay returns: the secret is shown once.
                    {"key", key.secret.empty() ? json::value(nullptr) : json::value(key.secret)},
                    {"role", to_string(key.role)},
                    {"created_at", key.created_at}};
  if (key.role == principal_role::account) body["account"] = key.account_id;
  return body;
}

}  // namespace

std::string object_body(const actors::operation_object& object) {
  return std::visit(
      [](const auto& value) -> std::string {
        using type = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<type, account>) {
          return account_body(value);
        } else if constexpr (std::is_same_v<type, task>) {
          return task_body(value);
        } else if constexpr (std::is_same_v<type, processor_operation>) {
          return processor_operation_body(value);
        } else if constexpr (std::is_same_v<type, actors::issued_api_key>) {
          return http::serialize(key_json(value));
        } else if constexpr (std::is_same_v<type, actors::revoked_api_key>) {
          return http::serialize(
              json::object{{"id", value.id}, {"object", "api_key"}, {"deleted", true}});
        } else {
          return "{}";
        }
      },
      object);
}

actors::response_renderer make_renderer(unsigned success_status) {
  return [success_status](const actors::operation_result& outcome) {
    if (!outcome.outcome.ok()) {
      const auto& failure = outcome.outcome.failure();
      return actors::rendered_response{
          describe(failure.code).http_status, http::serialize(error_json(failure)), false, {}, {}};
    }
    return actors::rendered_response{
        static_cast<std::uint16_t>(success_status), object_body(outcome.object), false, {}, {}};
  };
}

response to_http(actors::rendered_response rendered) {
  response answer = json_response(rendered.status, std::move(rendered.body));
  if (rendered.stored_body) answer.stored_body = *rendered.stored_body;
  if (rendered.replayed) {
    answer.headers.emplace_back("Idempotent-Replayed", "true");
    answer.headers.emplace_back("Original-Request", std::move(rendered.original_request_id));
  }
  return answer;
}

response error_response(const error& failure, std::string_view message) {
  return json_response(describe(failure.code).http_status,
                       http::serialize(error_json(failure, message)));
}

response json_response(unsigned status, std::string body) {
  response answer;
  answer.status = status;
  answer.body = std::move(body);
  return answer;
}

}  // namespace escrowd::http
