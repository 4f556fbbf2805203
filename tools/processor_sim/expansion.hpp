// Stripe's `expand[]` for the fields a client of these endpoints asks for: a PaymentIntent's
// `latest_charge` (the Charge) and a Payout's `balance_transaction`, in lists as
// `data.<field>`. Any other path is refused before execution, as Stripe refuses a property
// it cannot expand, rather than silently answered with the id. Pure functions over
// sim_state: called on the simulator's I/O thread like the routes.
#pragma once

#include <boost/json/object.hpp>
#include <optional>

#include "form_codec.hpp"
#include "routes.hpp"
#include "sim_state.hpp"
#include "stripe_error.hpp"

namespace escrowd::processor_sim {

// 400 for an expand path the route does not offer; nullopt when every one is offered.
[[nodiscard]] std::optional<stripe_error> check_expand(route_id id, const form_params& params);

// Replaces the ids named by the request's expand paths in a 200 answer with their objects.
void expand_answer(route_id id, const form_params& params, const sim_state& state,
                   boost::json::object& body);

}  // namespace escrowd::processor_sim
