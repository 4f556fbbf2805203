// API key extraction the way Stripe accepts it: `Authorization: Bearer sk_test_...` or HTTP
// basic auth with the key as the user name (some Stripe libraries send that). Pure: any
// thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "stripe_error.hpp"

namespace escrowd::processor_sim {

struct auth_result {
  std::string api_key;  // the principal: idempotency keys are scoped to it
  std::optional<stripe_error> error;
};

[[nodiscard]] auth_result authenticate(std::string_view authorization);

// Standard base64 (with padding); nullopt on malformed input.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

}  // namespace escrowd::processor_sim
