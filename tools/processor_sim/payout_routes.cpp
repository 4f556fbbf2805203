// Payout endpoints and their state machine: pending -> paid or failed after the settle delay
// (the destination decides which, see test_instruments), pending -> canceled on request, and
// for the `ba_paid_then_fail` destination paid -> failed one settle delay later, because a
// paid payout is not final at Stripe either.
#include "limits.hpp"
#include "list_route.hpp"
#include "param_rules.hpp"
#include "routes.hpp"
#include "test_instruments.hpp"

namespace escrowd::processor_sim::payout_routes {
namespace {

constexpr std::int64_t seconds_per_day = 24 * 60 * 60;

std::optional<stripe_error> validate_create(const form_params& params) {
  if (auto e = check_known_params(
          params, {"amount", "currency", "destination", "metadata", "description", "method",
                   "statement_descriptor", "source_type", "expand"})) {
    return e;
  }
  if (auto amount = parse_amount(params, "amount", true); amount.error) return amount.error;
  if (auto currency = parse_currency(params); currency.error) return currency.error;
  if (auto metadata = parse_metadata(params); metadata.error) return metadata.error;
  if (auto d = parse_text(params, "description", description_chars_max); d.error) return d.error;
  if (auto m = parse_choice(params, "method", {"standard", "instant"}, ""); m.error) {
    return m.error;
  }
  const std::string* destination = params.find("destination");
  if (destination != nullptr && !find_test_destination(*destination)) {
    return errors::resource_missing("destination",
                                    "No such external account: '" + *destination + "'", 400);
  }
  return std::nullopt;
}

route_outcome not_found(const std::string& id) {
  return error_outcome(errors::resource_missing("payout", "No such payout: '" + id + "'"));
}

route_outcome create(const route_context& context) {
  if (context.state.payout_count() >= payouts_max) {
    return error_outcome(errors::capacity_exhausted("payouts_max"));
  }
  const form_params& params = context.params;
  payout created;
  created.id = context.state.next_id("po_");
  created.amount = parse_amount(params, "amount", true).value.value_or(0);
  created.currency = parse_currency(params).value;
  created.metadata = parse_metadata(params).value;
  created.description = parse_text(params, "description", description_chars_max).value;
  created.method = parse_choice(params, "method", {"standard", "instant"}, "standard").value;
  const std::string* destination = params.find("destination");
  created.destination = destination ? *destination : std::string(default_destination);
  created.created_s = context.now_ms / 1000;
  created.arrival_date_s =
      created.created_s - created.created_s % seconds_per_day + seconds_per_day;
  created.balance_transaction = context.state.next_id("txn_");
  created.idempotency_key = context.idempotency_key;
  created.request_id = context.request_id;
  payout& stored = context.state.add_payout(std::move(created));
  context.state.schedule_payout(stored.id, context.now_ms + context.settings.payout_settle_ms);
  route_outcome out;
  out.body = to_json(stored);
  out.events.push_back({"payout.created", out.body});
  return out;
}

route_outcome cancel(const route_context& context) {
  payout* found = context.state.find_payout(context.object_id);
  if (found == nullptr) return not_found(context.object_id);
  if (found->status != "pending") {
    return error_outcome(errors::unexpected_state(
        "", "Payouts can only be canceled while they are pending (this one is " + found->status +
                ")."));
  }
  found->status = "canceled";
  route_outcome out;
  out.body = to_json(*found);
  out.events.push_back({"payout.canceled", out.body});
  return out;
}

route_outcome list(const route_context& context) {
  auto query = parse_list_query(context.params, true).value;
  return list_outcome(context.state.list_payouts(query), query, "payout", "/v1/payouts");
}

void fail(payout& item, const destination_outcome& outcome, sim_state& state) {
  item.status = "failed";
  item.failure_code = outcome.failure_code;
  item.failure_message = outcome.failure_message;
  item.failure_balance_transaction = state.next_id("txn_");
}

}  // namespace

std::optional<stripe_error> validate(route_id id, const form_params& params) {
  switch (id) {
    case route_id::create_payout:
      return validate_create(params);
    case route_id::list_payouts:
      return parse_list_query(params, true).error;
    default:
      return check_known_params(params, {"expand"});
  }
}

route_outcome execute(route_id id, const route_context& context) {
  switch (id) {
    case route_id::create_payout:
      return create(context);
    case route_id::cancel_payout:
      return cancel(context);
    case route_id::list_payouts:
      return list(context);
    default: {
      const sim_state& records = context.state;  // a read: not a change for the state file
      const payout* found = records.find_payout(context.object_id);
      if (found == nullptr) return not_found(context.object_id);
      route_outcome out;
      out.body = to_json(*found);
      return out;
    }
  }
}

std::vector<pending_event> settle(sim_state& state, std::int64_t now_ms,
                                  const sim_settings& settings) {
  std::vector<pending_event> events;
  for (const std::string& id : state.take_due_payouts(now_ms)) {
    payout* item = state.find_payout(id);
    if (item == nullptr) continue;
    auto outcome = find_test_destination(item->destination).value_or(destination_outcome{});
    if (item->status == "pending" && outcome.pays) {
      item->status = "paid";
      events.push_back({"payout.paid", to_json(*item)});
      if (outcome.fails_after_paid) state.schedule_payout(id, now_ms + settings.payout_settle_ms);
    } else if (item->status == "pending" || (item->status == "paid" && outcome.fails_after_paid)) {
      fail(*item, outcome, state);
      events.push_back({"payout.failed", to_json(*item)});
    }
  }
  return events;
}

}  // namespace escrowd::processor_sim::payout_routes
