// Decoding of application/x-www-form-urlencoded bodies and query strings as Stripe's API
// reads them: percent-decoding, '+' as space, and bracket notation (`metadata[key]=value`,
// `expand[]=a`). Pure functions, no state: callable from any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace escrowd::processor_sim {

// A decoded form. Keys are canonical bracket paths: `metadata%5Bk%5D` and `metadata[k]`
// both become "metadata[k]", and `a[]` entries are numbered `a[0]`, `a[1]` in order.
// A repeated key keeps its last value, as Stripe does. Sorted, so two forms with the same
// fields in another order compare equal (idempotency fingerprints rely on that).
struct form_params {
  std::map<std::string, std::string> fields;

  [[nodiscard]] const std::string* find(std::string_view key) const;
  [[nodiscard]] bool contains(std::string_view key) const { return find(key) != nullptr; }
};

struct form_result {
  std::optional<form_params> params;
  std::string error;  // why the input was refused, when params is empty
};

[[nodiscard]] form_result parse_form(std::string_view text);

// Decodes %XX escapes (and '+' as a space when asked); nullopt on a malformed escape.
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space);

// Encodes everything except unreserved characters (RFC 3986), for URLs we build.
[[nodiscard]] std::string percent_encode(std::string_view text);

// Splits "a[b][c]" into {"a", "b", "c"}; nullopt when brackets are malformed.
[[nodiscard]] std::optional<std::vector<std::string>> split_bracket_key(std::string_view key);

// The one-level children of `name`: for "metadata[k]=v" entries, k -> v.
[[nodiscard]] std::map<std::string, std::string> nested_fields(const form_params& params,
                                                               std::string_view name);

// The top-level name of every field ("metadata" for "metadata[k]"), sorted and unique.
[[nodiscard]] std::vector<std::string> top_level_names(const form_params& params);

// A stable text of the whole form, equal for equal forms: the idempotency fingerprint.
[[nodiscard]] std::string canonical_text(const form_params& params);

}  // namespace escrowd::processor_sim
