// Money crossing the processor boundary (api.md "Processor boundary"): a top-up or a
// withdrawal is accepted (202) once its pending record and outbox row are durable; the
// gateway drives the processor call afterwards.
#include "engine/id.hpp"
#include "http/api_response.hpp"
#include "http/body_reader.hpp"
#include "http/endpoints.hpp"
#include "http/fresh_ids.hpp"
#include "http/json_codec.hpp"

namespace escrowd::http {
namespace {

struct processor_route {
  processor_kind kind;
  action create_action;
  action read_action;
  std::string_view id_prefix;
  std::string_view instrument_field;
  std::size_t instrument_length_max;
};

constexpr processor_route topups{processor_kind::topup, action::create_topup,
                                 action::read_topup,    topup_id_prefix,
                                 "payment_method",      payment_method_length_max};
constexpr processor_route withdrawals{processor_kind::withdrawal,
                                      action::create_withdrawal,
                                      action::read_withdrawal,
                                      withdrawal_id_prefix,
                                      "destination",
                                      destination_length_max};

status create_operation(api_call& call, const processor_route& kind) {
  if (!is_valid_id(call.match.id)) return error{error_code::not_found, "id"};
  const access decided =
      authorize(*call.who, kind.create_action, resource_scope{call.match.id, {}, {}});
  if (decided != access::allowed) return access_error(decided, "id");
  auto body = body_reader::parse(call.body);
  if (!body) return body.failure();
  auto amount = body->required_amount("amount");
  if (!amount) return amount.failure();
  auto instrument = body->required_string(kind.instrument_field);
  if (!instrument) return instrument.failure();
  if (instrument->empty() || instrument->size() > kind.instrument_length_max)
    return error{error_code::parameter_invalid, std::string(kind.instrument_field)};
  if (auto done = body->finish(); !done) return done;
  auto context = command_context(call, 202);
  if (!context) return context.failure();

  actors::account_command command;
  command.kind = kind.kind == processor_kind::topup
                     ? actors::account_command_kind::request_topup
                     : actors::account_command_kind::request_withdrawal;
  command.account_id = call.match.id;
  command.processor_request.id = make_object_id(kind.id_prefix);
  command.processor_request.amount = *amount;
  command.processor_request.instrument = std::move(*instrument);
  command.context = std::move(*context);
  call.ledger.submit(std::move(command), reply_with(call));
  return {};
}

status get_operation(api_call& call, const processor_route& kind) {
  if (!is_valid_id(call.match.id)) return error{error_code::not_found, "id"};
  auto found = call.ledger.read_operation(kind.kind, call.match.id);
  if (!found) return found.failure();
  if (!*found) return error{error_code::not_found, "id"};
  const access decided =
      authorize(*call.who, kind.read_action, resource_scope{(*found)->account_id, {}, {}});
  if (decided != access::allowed) return access_error(decided, "id");
  call.reply(json_response(200, processor_operation_body(**found)));
  return {};
}

}  // namespace

status create_topup(api_call& call) {
  return create_operation(call, topups);
}
status create_withdrawal(api_call& call) {
  return create_operation(call, withdrawals);
}
status get_topup(api_call& call) {
  return get_operation(call, topups);
}
status get_withdrawal(api_call& call) {
  return get_operation(call, withdrawals);
}

}  // namespace escrowd::http
