// Parameter checks. Messages imitate Stripe's so that logs read the same as in production.
#include "param_rules.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "limits.hpp"

namespace escrowd::processor_sim {
namespace {

constexpr std::array<std::string_view, 12> supported_currencies{
    "aud", "brl", "cad", "chf", "dkk", "eur", "gbp", "jpy", "nok", "nzd", "sek", "usd"};

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

std::string ascii_lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return lower;
}

// Metadata is one level of strings: `metadata[a][b]=x` is no key and value, and dropping it
// silently would store something other than what was asked.
std::optional<stripe_error> check_flat_metadata(const form_params& params) {
  const std::string prefix = "metadata[";
  for (auto it = params.fields.lower_bound(prefix);
       it != params.fields.end() && it->first.starts_with(prefix); ++it) {
    const std::string_view key = std::string_view(it->first).substr(prefix.size());
    if (key.find('[') != std::string_view::npos) {
      const std::string outer = prefix + std::string(key.substr(0, key.find(']') + 1));
      return errors::parameter_invalid(outer, "Invalid string: metadata values are strings.");
    }
  }
  return std::nullopt;
}

stripe_error too_many_metadata_keys() {
  return errors::parameter_invalid("metadata", "You can specify up to 50 keys.");
}

// What a request asks of an object's metadata: the pairs as sent, an empty value meaning
// "unset this key", and whether a bare `metadata=` unsets every key first.
struct metadata_changes {
  metadata_map pairs;
  bool unset_all = false;
  std::optional<stripe_error> error;
};

metadata_changes read_metadata_changes(const form_params& params) {
  metadata_changes out;
  if (auto nested = check_flat_metadata(params)) {
    out.error = nested;
    return out;
  }
  out.pairs = nested_fields(params, "metadata");
  if (out.pairs.size() > metadata_keys_max) {
    out.error = too_many_metadata_keys();
    return out;
  }
  for (const auto& [key, value] : out.pairs) {
    if (key.empty() || key.size() > metadata_key_chars_max) {
      out.error = errors::parameter_invalid("metadata[" + key + "]",
                                            "Metadata keys must be 1 to 40 characters.");
      return out;
    }
    if (value.size() > metadata_value_chars_max) {
      out.error = errors::parameter_invalid("metadata[" + key + "]",
                                            "Metadata values can have up to 500 characters.");
      return out;
    }
  }
  // An empty bare value is Stripe's "unset every key"; any other bare value is not a map.
  if (const std::string* bare = params.find("metadata")) {
    if (!bare->empty()) {
      out.error = errors::parameter_invalid("metadata", "Invalid hash");
      return out;
    }
    out.unset_all = true;
  }
  return out;
}

checked<std::int64_t> parse_integer_param(std::string_view name, const std::string& text) {
  auto value = parse_integer(text);
  if (!value) return {0, errors::parameter_invalid_integer(name, "Invalid integer: " + text)};
  return {*value, std::nullopt};
}

// `created=T`, or any of `created[gt]`, `[gte]`, `[lt]` and `[lte]`; anything else under
// `created` is unknown, as at Stripe, rather than a filter silently not applied.
checked<created_range> parse_created_range(const form_params& params) {
  created_range range;
  const std::string prefix = "created[";
  for (auto it = params.fields.lower_bound(prefix);
       it != params.fields.end() && it->first.starts_with(prefix); ++it) {
    const std::string& name = it->first;
    std::optional<std::int64_t>* bound = name == "created[gt]"    ? &range.gt
                                         : name == "created[gte]" ? &range.gte
                                         : name == "created[lt]"  ? &range.lt
                                         : name == "created[lte]" ? &range.lte
                                                                  : nullptr;
    if (bound == nullptr) return {{}, errors::parameter_unknown(name)};
    auto value = parse_integer_param(name, it->second);
    if (value.error) return {{}, value.error};
    *bound = value.value;
  }
  if (const std::string* exact = params.find("created")) {
    if (range.gt || range.gte || range.lt || range.lte) {
      return {{},
              errors::parameter_invalid("created",
                                        "created is either an integer or a hash of gt, gte, "
                                        "lt and lte, not both.")};
    }
    auto value = parse_integer_param("created", *exact);
    if (value.error) return {{}, value.error};
    range.gte = value.value;
    range.lte = value.value;
  }
  return {range, std::nullopt};
}

}  // namespace

std::optional<stripe_error> check_known_params(const form_params& params,
                                               std::initializer_list<std::string_view> allowed) {
  for (const auto& name : top_level_names(params)) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return errors::parameter_unknown(name);
    }
  }
  return std::nullopt;
}

checked<std::optional<std::int64_t>> parse_amount(const form_params& params, std::string_view name,
                                                  bool required) {
  const std::string* text = params.find(name);
  if (text == nullptr) {
    if (required) return {std::nullopt, errors::parameter_missing(name)};
    return {std::nullopt, std::nullopt};
  }
  auto value = parse_integer_param(name, *text);
  if (value.error) return {std::nullopt, value.error};
  if (value.value < amount_min) {
    return {std::nullopt, errors::parameter_invalid_integer(
                              name, "This value must be greater than or equal to 1.")};
  }
  if (value.value > amount_max) {
    return {std::nullopt,
            errors::amount_too_large(name, "Amount must be no more than $999,999.99")};
  }
  return {value.value, std::nullopt};
}

checked<std::string> parse_currency(const form_params& params) {
  const std::string* text = params.find("currency");
  if (text == nullptr) return {{}, errors::parameter_missing("currency")};
  std::string lower = ascii_lower(*text);
  if (std::find(supported_currencies.begin(), supported_currencies.end(), lower) ==
      supported_currencies.end()) {
    return {{},
            errors::parameter_invalid("currency", "Invalid currency: " + lower +
                                                      ". The simulator supports aud, brl, "
                                                      "cad, chf, dkk, eur, gbp, jpy, nok, "
                                                      "nzd, sek and usd.")};
  }
  return {lower, std::nullopt};
}

checked<metadata_map> parse_metadata(const form_params& params) {
  auto changes = read_metadata_changes(params);
  if (changes.error) return {{}, changes.error};
  // On a new object an unset key is simply not set. Stored as "", it would show up in
  // answers, events and list filters as a key the client asked to have removed.
  std::erase_if(changes.pairs, [](const auto& entry) { return entry.second.empty(); });
  return {std::move(changes.pairs), std::nullopt};
}

checked<metadata_map> parse_metadata_update(const form_params& params,
                                            const metadata_map& current) {
  auto changes = read_metadata_changes(params);
  if (changes.error) return {{}, changes.error};
  metadata_map updated = changes.unset_all ? metadata_map{} : current;
  for (auto& [key, value] : changes.pairs) {
    if (value.empty()) {
      updated.erase(key);
    } else {
      updated.insert_or_assign(key, std::move(value));
    }
  }
  // Each request may hold 50 pairs, so keys added to an object already holding some can
  // overflow it: refused whole, like every error, rather than trimmed.
  if (updated.size() > metadata_keys_max) return {{}, too_many_metadata_keys()};
  return {std::move(updated), std::nullopt};
}

checked<bool> parse_bool(const form_params& params, std::string_view name, bool fallback) {
  const std::string* text = params.find(name);
  if (text == nullptr) return {fallback, std::nullopt};
  // Case-blind as at Stripe: stripe-python sends Python's `True` and `False` as they print.
  std::string lower = ascii_lower(*text);
  if (lower == "true") return {true, std::nullopt};
  if (lower == "false") return {false, std::nullopt};
  return {false, errors::parameter_invalid(name, "Invalid boolean: " + *text)};
}

checked<std::string> parse_choice(const form_params& params, std::string_view name,
                                  std::initializer_list<std::string_view> choices,
                                  std::string_view fallback) {
  const std::string* text = params.find(name);
  if (text == nullptr) return {std::string(fallback), std::nullopt};
  if (std::find(choices.begin(), choices.end(), *text) == choices.end()) {
    return {{},
            errors::parameter_invalid(name, "Invalid " + std::string(name) +
                                                ": must be one "
                                                "of the documented values")};
  }
  return {*text, std::nullopt};
}

checked<std::string> parse_text(const form_params& params, std::string_view name,
                                std::size_t chars_max) {
  const std::string* text = params.find(name);
  if (text == nullptr) return {{}, std::nullopt};
  if (text->size() > chars_max) {
    return {{}, errors::parameter_invalid(name, std::string(name) + " is too long")};
  }
  return {*text, std::nullopt};
}

checked<std::int64_t> parse_list_limit(const form_params& params) {
  const std::string* text = params.find("limit");
  if (text == nullptr) return {list_limit_default, std::nullopt};
  auto value = parse_integer(*text);
  if (!value || *value < 1 || *value > list_limit_max) {
    return {0, errors::parameter_invalid_integer(
                   "limit", "This value must be between 1 and 100 (it is " + *text + ").")};
  }
  return {*value, std::nullopt};
}

checked<list_query> parse_list_query(const form_params& params, bool with_status_filter) {
  auto unknown =
      with_status_filter
          ? check_known_params(
                params, {"limit", "starting_after", "ending_before", "expand", "created", "status"})
          : check_known_params(params,
                               {"limit", "starting_after", "ending_before", "expand", "created"});
  if (unknown) return {{}, unknown};
  list_query query;
  auto limit = parse_list_limit(params);
  if (limit.error) return {{}, limit.error};
  query.limit = limit.value;
  if (const std::string* text = params.find("starting_after")) query.starting_after = *text;
  if (const std::string* text = params.find("ending_before")) query.ending_before = *text;
  if (!query.starting_after.empty() && !query.ending_before.empty()) {
    return {{},
            errors::parameter_invalid("ending_before",
                                      "You may only specify one of these parameters: "
                                      "ending_before, starting_after.")};
  }
  if (const std::string* text = params.find("status")) query.status = *text;
  auto created = parse_created_range(params);
  if (created.error) return {{}, created.error};
  query.created = created.value;
  return {std::move(query), std::nullopt};
}

}  // namespace escrowd::processor_sim
