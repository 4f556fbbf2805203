// Validation of Stripe request parameters shared by the routes: integers, currencies,
// metadata, booleans, enumerations, list paging and the unknown-parameter check. Pure
// functions: any thread. Each returns the parsed value or the Stripe error to answer.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "form_codec.hpp"
#include "sim_state.hpp"
#include "stripe_error.hpp"

namespace escrowd::processor_sim {

template <typename value_type>
struct checked {
  value_type value{};
  std::optional<stripe_error> error;
};

// Refuses any top-level parameter not in `allowed` (Stripe's parameter_unknown).
[[nodiscard]] std::optional<stripe_error> check_known_params(
    const form_params& params, std::initializer_list<std::string_view> allowed);

// An amount in minor units, amount_min..amount_max. Absent and required: parameter_missing.
[[nodiscard]] checked<std::optional<std::int64_t>> parse_amount(const form_params& params,
                                                                std::string_view name,
                                                                bool required);

// A lower-cased ISO currency Stripe supports (a short fixed list).
[[nodiscard]] checked<std::string> parse_currency(const form_params& params);

// Metadata as Stripe reads it (docs.stripe.com/metadata): `metadata[k]=v` sets k, an empty
// value unsets k and a bare `metadata=` unsets every key before the pairs apply. Both forms
// check the request the same way (flat, 1..40-char keys, values up to 500, at most 50 pairs).
//
// A new object: the pairs without the keys given an empty value, and none at all for a bare
// `metadata=`; unsetting can only mean "not set" there.
[[nodiscard]] checked<metadata_map> parse_metadata(const form_params& params);

// An existing object (an update such as a capture): `current` with the request's changes
// applied. The result must still fit in 50 keys, which depends on what the object holds, so
// only a route executing against the object can know; validation before execution passes an
// empty `current` to check the request alone.
[[nodiscard]] checked<metadata_map> parse_metadata_update(const form_params& params,
                                                          const metadata_map& current);

// "true"/"false"; absent gives `fallback`.
[[nodiscard]] checked<bool> parse_bool(const form_params& params, std::string_view name,
                                       bool fallback);

// One of `choices`; absent gives `fallback`.
[[nodiscard]] checked<std::string> parse_choice(const form_params& params, std::string_view name,
                                                std::initializer_list<std::string_view> choices,
                                                std::string_view fallback);

[[nodiscard]] checked<std::string> parse_text(const form_params& params, std::string_view name,
                                              std::size_t chars_max);

// `limit` of a list or a search: 1..100, default 10.
[[nodiscard]] checked<std::int64_t> parse_list_limit(const form_params& params);

// limit, starting_after or ending_before, created (an integer or created[gt|gte|lt|lte])
// and, with `with_status_filter`, status. Not metadata: Stripe's lists refuse it as an
// unknown parameter (finding objects by metadata is what search is for).
[[nodiscard]] checked<list_query> parse_list_query(const form_params& params,
                                                   bool with_status_filter);

}  // namespace escrowd::processor_sim
