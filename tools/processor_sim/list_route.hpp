// The answer every Stripe list route gives: a page of objects in Stripe's list shape, or
// resource_missing (400) when the cursor names no object of the kind.
#pragma once

#include <boost/json/array.hpp>
#include <string>
#include <string_view>

#include "param_rules.hpp"
#include "routes.hpp"
#include "sim_state.hpp"
#include "stripe_error.hpp"
#include "stripe_objects.hpp"

namespace escrowd::processor_sim {

// `noun`: the object kind as Stripe's message names it ("payout"); `url`: the list's path.
template <typename object>
route_outcome list_outcome(const list_page<object>& page, const list_query& query,
                           std::string_view noun, std::string_view url) {
  if (page.cursor_missing) {
    return error_outcome(errors::resource_missing(
        query.starting_after.empty() ? "ending_before" : "starting_after",
        "No such " + std::string(noun) + ": '" + query.starting_after + query.ending_before + "'",
        400));
  }
  boost::json::array data;
  for (const object* item : page.data) data.push_back(to_json(*item));
  route_outcome out;
  out.body = list_json(std::move(data), page.has_more, std::string(url));
  return out;
}

}  // namespace escrowd::processor_sim
