// The test payment methods and payout destinations the simulator understands, with the
// outcome each one produces. One table each, documented in README.md. Pure: any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace escrowd::processor_sim {

struct card_outcome {
  bool approved = true;
  std::string code;          // with a decline: card_declined, expired_card, ...
  std::string decline_code;  // with a decline: generic_decline, insufficient_funds, ...
  std::string message;
};

// nullopt: not a payment method the simulator knows (Stripe answers resource_missing).
[[nodiscard]] std::optional<card_outcome> find_test_card(std::string_view payment_method);

struct destination_outcome {
  bool pays = true;               // false: pending -> failed
  bool fails_after_paid = false;  // pending -> paid -> failed (a paid payout is not final)
  std::string failure_code;
  std::string failure_message;
};

// nullopt: not a destination the simulator accepts.
[[nodiscard]] std::optional<destination_outcome> find_test_destination(
    std::string_view destination);

// The destination used when a payout names none (Stripe uses the default bank account).
inline constexpr std::string_view default_destination = "ba_default";

}  // namespace escrowd::processor_sim
