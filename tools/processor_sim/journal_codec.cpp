// Field tables drive both directions, so that a field added to an object and to its table is
// written and read back alike. Strings are written even when empty (empty means null in the
// objects), so every field is present in every change and a missing one is corruption.
#include "journal_codec.hpp"

#include <array>
#include <string>
#include <utility>

namespace escrowd::processor_sim {
namespace {

namespace json = boost::json;

template <typename object>
using text_field = std::pair<const char*, std::string object::*>;
template <typename object>
using integer_field = std::pair<const char*, std::int64_t object::*>;

constexpr std::array<text_field<payment_intent>, 13> intent_texts{{
    {"id", &payment_intent::id},
    {"currency", &payment_intent::currency},
    {"capture_method", &payment_intent::capture_method},
    {"status", &payment_intent::status},
    {"payment_method", &payment_intent::payment_method},
    {"description", &payment_intent::description},
    {"latest_charge", &payment_intent::latest_charge},
    {"cancellation_reason", &payment_intent::cancellation_reason},
    {"client_secret", &payment_intent::client_secret},
    {"allow_redirects", &payment_intent::allow_redirects},
    {"return_url", &payment_intent::return_url},
    {"idempotency_key", &payment_intent::idempotency_key},
    {"request_id", &payment_intent::request_id},
}};
constexpr std::array<integer_field<payment_intent>, 4> intent_integers{{
    {"amount", &payment_intent::amount},
    {"amount_capturable", &payment_intent::amount_capturable},
    {"amount_received", &payment_intent::amount_received},
    {"created_s", &payment_intent::created_s},
}};

constexpr std::array<text_field<payout>, 12> payout_texts{{
    {"id", &payout::id},
    {"currency", &payout::currency},
    {"destination", &payout::destination},
    {"description", &payout::description},
    {"method", &payout::method},
    {"status", &payout::status},
    {"balance_transaction", &payout::balance_transaction},
    {"failure_balance_transaction", &payout::failure_balance_transaction},
    {"failure_code", &payout::failure_code},
    {"failure_message", &payout::failure_message},
    {"idempotency_key", &payout::idempotency_key},
    {"request_id", &payout::request_id},
}};
constexpr std::array<integer_field<payout>, 4> payout_integers{{
    {"amount", &payout::amount},
    {"created_s", &payout::created_s},
    {"arrival_date_s", &payout::arrival_date_s},
    {"next_transition_ms", &payout::next_transition_ms},
}};

const json::value& field(const json::object& from, const char* name) {
  const json::value* found = from.if_contains(name);
  if (found == nullptr) throw journal_format_error(std::string("field '") + name + "' missing");
  return *found;
}

std::string text(const json::object& from, const char* name) {
  const json::value& value = field(from, name);
  if (!value.is_string()) throw journal_format_error(std::string("'") + name + "' not a string");
  return std::string(value.get_string());
}

std::int64_t integer(const json::object& from, const char* name) {
  const json::value& value = field(from, name);
  if (!value.is_int64() && !value.is_uint64())
    throw journal_format_error(std::string("'") + name + "' not an integer");
  return value.to_number<std::int64_t>();
}

const json::object& object_field(const json::object& from, const char* name) {
  const json::value& value = field(from, name);
  if (!value.is_object()) throw journal_format_error(std::string("'") + name + "' not an object");
  return value.get_object();
}

metadata_map metadata_of(const json::object& from) {
  metadata_map out;
  for (const auto& [key, value] : object_field(from, "metadata")) {
    if (!value.is_string()) throw journal_format_error("metadata value not a string");
    out.emplace(std::string(key), std::string(value.get_string()));
  }
  return out;
}

template <typename object, std::size_t texts, std::size_t integers>
json::object encode(const object& from, const std::array<text_field<object>, texts>& text_fields,
                    const std::array<integer_field<object>, integers>& integer_fields) {
  json::object out;
  for (const auto& [name, member] : text_fields) out[name] = from.*member;
  for (const auto& [name, member] : integer_fields) out[name] = from.*member;
  out["metadata"] = metadata_json(from.metadata);
  return out;
}

template <typename object, std::size_t texts, std::size_t integers>
object decode(const json::object& from, const std::array<text_field<object>, texts>& text_fields,
              const std::array<integer_field<object>, integers>& integer_fields) {
  object out;
  for (const auto& [name, member] : text_fields) out.*member = text(from, name);
  for (const auto& [name, member] : integer_fields) out.*member = integer(from, name);
  out.metadata = metadata_of(from);
  return out;
}

json::object encode_intent(const payment_intent& intent) {
  json::object out = encode(intent, intent_texts, intent_integers);
  out["last_payment_error"] =
      intent.last_payment_error ? json::value(*intent.last_payment_error) : json::value(nullptr);
  out["canceled_at_s"] =
      intent.canceled_at_s ? json::value(*intent.canceled_at_s) : json::value(nullptr);
  return out;
}

payment_intent decode_intent(const json::object& from) {
  payment_intent out = decode(from, intent_texts, intent_integers);
  if (!field(from, "last_payment_error").is_null())
    out.last_payment_error = object_field(from, "last_payment_error");
  if (!field(from, "canceled_at_s").is_null()) out.canceled_at_s = integer(from, "canceled_at_s");
  return out;
}

transition_queue queue_named(const std::string& name) {
  if (name == "payouts") return transition_queue::payouts;
  if (name == "hold_expiries") return transition_queue::hold_expiries;
  throw journal_format_error("unknown queue '" + name + "'");
}

stored_response decode_response(const json::object& from) {
  stored_response out{
      static_cast<int>(integer(from, "status")), text(from, "body"), text(from, "request_id"), {}};
  const json::value& headers = field(from, "headers");
  if (!headers.is_array()) throw journal_format_error("'headers' not an array");
  for (const json::value& header : headers.get_array()) {
    const json::array* pair = header.if_array();
    if (pair == nullptr || pair->size() != 2 || !(*pair)[0].is_string() || !(*pair)[1].is_string())
      throw journal_format_error("a header is not a [name, value] pair");
    out.headers.emplace_back(std::string((*pair)[0].get_string()),
                             std::string((*pair)[1].get_string()));
  }
  return out;
}

std::uint64_t delivery_of(const json::object& from) {
  const std::int64_t delivery = integer(from, "delivery");
  if (delivery <= 0) throw journal_format_error("delivery number not positive");
  return static_cast<std::uint64_t>(delivery);
}

}  // namespace

json::object reset_change() {
  return {{"type", "reset"}};
}

json::object object_change(const payment_intent& intent) {
  return {{"type", "payment_intent"}, {"object", encode_intent(intent)}};
}

json::object object_change(const payout& payout) {
  return {{"type", "payout"}, {"object", encode(payout, payout_texts, payout_integers)}};
}

json::object queue_change_json(const queue_change& change) {
  const char* queue = change.queue == transition_queue::payouts ? "payouts" : "hold_expiries";
  if (change.taken) return {{"type", "take_due"}, {"queue", queue}, {"until_ms", change.ms}};
  return {{"type", "schedule"}, {"queue", queue}, {"id", change.id}, {"due_ms", change.ms}};
}

json::object finished_key_change(const finished_key& key) {
  json::array headers;
  for (const auto& [name, value] : key.response.headers) headers.push_back({name, value});
  json::object response{{"status", key.response.status},
                        {"body", key.response.body},
                        {"request_id", key.response.request_id},
                        {"headers", std::move(headers)}};
  return {{"type", "idempotency_key"},    {"scope", key.scope},
          {"endpoint", key.endpoint},     {"fingerprint", key.fingerprint},
          {"created_ms", key.created_ms}, {"response", std::move(response)}};
}

json::object clock_change(std::int64_t offset_ms) {
  return {{"type", "clock"}, {"offset_ms", offset_ms}};
}

json::object webhook_queued_change(const webhook_event& event) {
  return {{"type", "webhook_queued"},
          {"delivery", event.delivery},
          {"id", event.id},
          {"event_type", event.type},
          {"body", event.body}};
}

json::object webhook_settled_change(std::uint64_t delivery) {
  return {{"type", "webhook_settled"}, {"delivery", delivery}};
}

void apply_change(const json::object& change, sim_records& records) {
  const std::string type = text(change, "type");
  if (type == "reset") {
    records.state.clear();
    records.idempotency.clear();
    records.undelivered.clear();
  } else if (type == "payment_intent") {
    records.state.restore_payment_intent(decode_intent(object_field(change, "object")));
  } else if (type == "payout") {
    records.state.restore_payout(
        decode(object_field(change, "object"), payout_texts, payout_integers));
  } else if (type == "schedule") {
    records.state.apply_queue_change(
        {queue_named(text(change, "queue")), false, text(change, "id"), integer(change, "due_ms")});
  } else if (type == "take_due") {
    records.state.apply_queue_change(
        {queue_named(text(change, "queue")), true, {}, integer(change, "until_ms")});
  } else if (type == "idempotency_key") {
    records.idempotency.restore({text(change, "scope"), text(change, "endpoint"),
                                 text(change, "fingerprint"), integer(change, "created_ms"),
                                 decode_response(object_field(change, "response"))});
  } else if (type == "clock") {
    records.clock.restore_offset_ms(integer(change, "offset_ms"));
  } else if (type == "webhook_queued") {
    const std::uint64_t delivery = delivery_of(change);
    records.undelivered[delivery] = {text(change, "id"), text(change, "event_type"),
                                     text(change, "body"), delivery};
  } else if (type == "webhook_settled") {
    records.undelivered.erase(delivery_of(change));
  } else {
    throw journal_format_error("unknown change type '" + type + "'");
  }
}

}  // namespace escrowd::processor_sim
