#include "http/processor_client/stripe_wire.hpp"

#include <boost/json/parse.hpp>
#include <cctype>
#include <charconv>

#include "actors/processor_json.hpp"

namespace escrowd::processor_client {
namespace {

namespace json = boost::json;
using actors::processor_lookup;
using actors::processor_page;
using actors::processor_reply;
using actors::reply_kind;

constexpr std::string_view user_agent = "escrowd-gateway/0.1";

bool same_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string_view collection(processor_kind kind) {
  return kind == processor_kind::topup ? "/v1/payment_intents" : "/v1/payouts";
}

wire_request base_request(std::string method, std::string target, const client_identity& identity) {
  wire_request request;
  request.method = std::move(method);
  request.target = identity.path_prefix + target;
  request.headers = {{"Host", identity.host_header},
                     {"Authorization", "Bearer " + identity.api_key},
                     {"User-Agent", std::string(user_agent)},
                     {"Accept", "application/json"}};
  if (!identity.stripe_version.empty())
    request.headers.emplace_back("Stripe-Version", identity.stripe_version);
  return request;
}

std::optional<json::value> parse_body(std::string_view body) {
  boost::system::error_code failed;
  auto value = json::parse(json::string_view(body.data(), body.size()), failed);
  if (failed) return std::nullopt;
  return value;
}

struct stripe_error_body {
  std::string type;
  std::string code;
  std::string decline_code;
  std::string message;
  std::optional<actors::processor_object> payment_intent;
};

std::string text_at(const json::object& object, std::string_view name) {
  const auto* found = object.if_contains(name);
  return found != nullptr && found->is_string() ? std::string(found->get_string()) : std::string();
}

stripe_error_body read_error(std::string_view body) {
  stripe_error_body parsed;
  auto value = parse_body(body);
  if (!value || !value->is_object()) return parsed;
  const auto* error = value->get_object().if_contains("error");
  if (error == nullptr || !error->is_object()) return parsed;
  const auto& fields = error->get_object();
  parsed.type = text_at(fields, "type");
  parsed.code = text_at(fields, "code");
  parsed.decline_code = text_at(fields, "decline_code");
  parsed.message = text_at(fields, "message");
  if (const auto* intent = fields.if_contains("payment_intent"))
    parsed.payment_intent = actors::processor_object_from_json(*intent);
  return parsed;
}

processor_reply reply_of(reply_kind kind, const wire_answer& answer, std::string detail) {
  processor_reply reply;
  reply.kind = kind;
  reply.http_status = answer.status;
  reply.timed_out = answer.timed_out;
  reply.detail = std::move(detail);
  return reply;
}

std::string error_detail(const wire_answer& answer, const stripe_error_body& error) {
  std::string detail = std::to_string(answer.status);
  if (!error.type.empty()) detail += " " + error.type;
  if (!error.code.empty()) detail += "/" + error.code;
  return detail;
}

processor_reply retryable(const wire_answer& answer, const stripe_error_body& error) {
  auto reply = reply_of(reply_kind::retryable, answer, error_detail(answer, error));
  reply.retry_after = retry_after(answer);
  reply.rate_limited = answer.status == 429 && error.code != "lock_timeout";
  return reply;
}

processor_reply declined(const wire_answer& answer, const stripe_error_body& error) {
  auto reply = reply_of(reply_kind::declined, answer, error_detail(answer, error));
  reply.failure_code = !error.decline_code.empty() ? error.decline_code
                       : !error.code.empty()       ? error.code
                                                   : error.type;
  reply.failure_message = error.message;
  reply.object = error.payment_intent;
  return reply;
}

processor_reply classify_error(const wire_answer& answer) {
  const auto error = read_error(answer.body);
  const bool replayed = same_ignoring_case(answer.header("Idempotent-Replayed"), "true");
  // The processor saved this failure under the key: every retry replays it. Only its
  // records can tell whether anything happened.
  if (answer.status >= 500 && replayed) {
    auto reply = reply_of(reply_kind::uncertain, answer, "replayed " + error_detail(answer, error));
    reply.failure_saved_under_key = true;
    return reply;
  }
  const auto should_retry = answer.header("Stripe-Should-Retry");
  if (same_ignoring_case(should_retry, "false")) {
    if (answer.status >= 500 || error.type == "idempotency_error")
      return reply_of(reply_kind::uncertain, answer, error_detail(answer, error));
    return declined(answer, error);
  }
  if (same_ignoring_case(should_retry, "true")) return retryable(answer, error);
  if (answer.status == 409 || answer.status == 429 || answer.status >= 500)
    return retryable(answer, error);
  if (error.type == "idempotency_error")
    return reply_of(reply_kind::uncertain, answer, error_detail(answer, error));
  // Our key, our permissions or our URL are wrong: nothing the customer did; keep trying
  // until the operator fixes it or the attempts run out.
  if (answer.status == 401 || answer.status == 403 || answer.status == 404)
    return retryable(answer, error);
  return declined(answer, error);
}

std::optional<actors::processor_object> object_in(processor_kind kind, std::string_view body) {
  auto value = parse_body(body);
  if (!value) return std::nullopt;
  auto object = actors::processor_object_from_json(*value);
  if (!object || object->kind != kind) return std::nullopt;
  return object;
}

struct listed {
  bool readable = false;
  std::vector<actors::processor_object> objects;
  bool has_more = false;
};

listed list_in(processor_kind kind, std::string_view body) {
  listed result;
  auto value = parse_body(body);
  if (!value || !value->is_object()) return result;
  const auto& fields = value->get_object();
  const auto* data = fields.if_contains("data");
  if (data == nullptr || !data->is_array()) return result;
  for (const auto& item : data->get_array()) {
    auto object = actors::processor_object_from_json(item);
    if (object && object->kind == kind) result.objects.push_back(std::move(*object));
  }
  const auto* more = fields.if_contains("has_more");
  result.has_more = more != nullptr && more->is_bool() && more->get_bool();
  result.readable = true;
  return result;
}

std::string not_answered_detail(const wire_answer& answer) {
  if (!answer.answered)
    return answer.timed_out ? "timeout" : "connection: " + answer.transport_error;
  return "status " + std::to_string(answer.status);
}

}  // namespace

std::string_view wire_answer::header(std::string_view name) const {
  for (const auto& [field, value] : headers)
    if (same_ignoring_case(field, name)) return value;
  return {};
}

result<processor_url> parse_processor_url(std::string_view url) {
  processor_url parsed;
  if (url.starts_with("https://")) {
    parsed.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return error{error_code::parameter_invalid, "processor_url"};
  }
  const auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : url.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  parsed.path_prefix = std::string(path);
  const auto colon = authority.rfind(':');
  const bool bracketed = authority.starts_with('[');
  if (colon != std::string_view::npos && (!bracketed || authority.find(']') < colon)) {
    parsed.port = std::string(authority.substr(colon + 1));
    authority = authority.substr(0, colon);
  } else {
    parsed.port = parsed.tls ? "443" : "80";
  }
  if (bracketed && authority.size() >= 2 && authority.back() == ']')
    authority = authority.substr(1, authority.size() - 2);
  parsed.host = std::string(authority);
  if (parsed.host.empty() || parsed.port.empty())
    return error{error_code::parameter_invalid, "processor_url"};
  for (char c : parsed.port)
    if (c < '0' || c > '9') return error{error_code::parameter_invalid, "processor_url"};
  return parsed;
}

std::string form_escape(std::string_view text) {
  static constexpr std::string_view digits = "0123456789ABCDEF";
  std::string escaped;
  escaped.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      escaped.push_back(c);
    } else {
      escaped.push_back('%');
      escaped.push_back(digits[byte >> 4]);
      escaped.push_back(digits[byte & 0xf]);
    }
  }
  return escaped;
}

wire_request create_request(const actors::processor_request& request,
                            const client_identity& identity) {
  auto wire = base_request("POST", std::string(collection(request.kind)), identity);
  wire.headers.emplace_back("Idempotency-Key", request.idempotency_key);
  wire.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  wire.body = request.payload;
  return wire;
}

wire_request retrieve_request(processor_kind kind, std::string_view object_id,
                              const client_identity& identity) {
  return base_request("GET", std::string(collection(kind)) + "/" + form_escape(object_id),
                      identity);
}

wire_request get_request(std::string target, const client_identity& identity) {
  return base_request("GET", std::move(target), identity);
}

wire_request list_request(processor_kind kind, std::int64_t created_since,
                          std::string_view starting_after, std::size_t limit,
                          const client_identity& identity) {
  std::string target(collection(kind));
  target += "?limit=" + std::to_string(limit);
  if (created_since > 0)
    target += "&" + form_escape("created[gte]") + "=" + std::to_string(created_since);
  if (!starting_after.empty()) target += "&starting_after=" + form_escape(starting_after);
  return base_request("GET", std::move(target), identity);
}

std::chrono::milliseconds retry_after(const wire_answer& answer) {
  const auto text = answer.header("Retry-After");
  std::int64_t seconds = 0;
  auto [end, failure] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (text.empty() || failure != std::errc{} || end != text.data() + text.size() || seconds < 0)
    return std::chrono::milliseconds(0);
  return std::chrono::seconds(std::min<std::int64_t>(seconds, 3600));
}

processor_reply classify_create(processor_kind kind, const wire_answer& answer) {
  if (!answer.answered) {
    processor_reply reply;
    reply.kind = reply_kind::retryable;
    reply.timed_out = answer.timed_out;
    reply.detail = not_answered_detail(answer);
    return reply;
  }
  if (answer.status >= 200 && answer.status < 300) {
    auto object = object_in(kind, answer.body);
    if (!object) return reply_of(reply_kind::uncertain, answer, "unreadable success");
    auto reply = reply_of(reply_kind::object, answer, std::to_string(answer.status));
    reply.object = std::move(object);
    return reply;
  }
  return classify_error(answer);
}

processor_lookup classify_retrieve(processor_kind kind, const wire_answer& answer) {
  processor_lookup lookup;
  lookup.http_status = answer.answered ? answer.status : 0;
  lookup.timed_out = answer.timed_out;
  lookup.detail = not_answered_detail(answer);
  if (answer.answered && answer.status == 404) {
    lookup.answered = true;
    return lookup;
  }
  if (!answer.answered || answer.status != 200) return lookup;
  auto object = object_in(kind, answer.body);
  if (!object) return lookup;
  lookup.answered = true;
  lookup.objects.push_back(std::move(*object));
  return lookup;
}

processor_lookup classify_find(processor_kind kind, std::string_view operation_id,
                               const wire_answer& answer) {
  processor_lookup lookup;
  lookup.http_status = answer.answered ? answer.status : 0;
  lookup.timed_out = answer.timed_out;
  lookup.detail = not_answered_detail(answer);
  if (!answer.answered || answer.status != 200) return lookup;
  auto page = list_in(kind, answer.body);
  if (!page.readable) return lookup;
  lookup.answered = true;
  for (auto& object : page.objects)
    if (object.operation_id == operation_id) lookup.objects.push_back(std::move(object));
  return lookup;
}

processor_page classify_list(processor_kind kind, const wire_answer& answer) {
  processor_page page;
  page.http_status = answer.answered ? answer.status : 0;
  page.timed_out = answer.timed_out;
  page.detail = not_answered_detail(answer);
  if (!answer.answered || answer.status != 200) return page;
  auto listed_page = list_in(kind, answer.body);
  if (!listed_page.readable) return page;
  page.answered = true;
  page.objects = std::move(listed_page.objects);
  page.has_more = listed_page.has_more;
  return page;
}

}  // namespace escrowd::processor_client
