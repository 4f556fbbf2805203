// Test cards follow Stripe's test PaymentMethod names; the failing payout destinations are
// the simulator's own (Stripe's test bank account numbers have no ids that survive into the
// API), chosen so their name says what they do.
#include "test_instruments.hpp"

#include <array>

namespace escrowd::processor_sim {
namespace {

struct card_row {
  std::string_view payment_method;
  bool approved;
  std::string_view code;
  std::string_view decline_code;
  std::string_view message;
};

constexpr std::array<card_row, 10> test_cards{{
    {"pm_card_visa", true, "", "", ""},
    {"pm_card_visa_debit", true, "", "", ""},
    {"pm_card_mastercard", true, "", "", ""},
    {"pm_card_amex", true, "", "", ""},
    {"pm_card_chargeDeclined", false, "card_declined", "generic_decline",
     "Your card was declined."},
    {"pm_card_chargeDeclinedInsufficientFunds", false, "card_declined", "insufficient_funds",
     "Your card has insufficient funds."},
    {"pm_card_chargeDeclinedLostCard", false, "card_declined", "lost_card",
     "Your card was declined."},
    {"pm_card_chargeDeclinedFraudulent", false, "card_declined", "fraudulent",
     "Your card was declined."},
    {"pm_card_chargeDeclinedExpiredCard", false, "expired_card", "expired_card",
     "Your card has expired."},
    {"pm_card_chargeDeclinedProcessingError", false, "processing_error", "processing_error",
     "An error occurred while processing your card. Try again in a little bit."},
}};

struct destination_row {
  std::string_view destination;
  bool pays;
  bool fails_after_paid;
  std::string_view failure_code;
  std::string_view failure_message;
};

constexpr std::array<destination_row, 5> failing_destinations{{
    {"ba_fail", false, false, "account_closed", "The bank account has been closed."},
    {"ba_fail_account_closed", false, false, "account_closed", "The bank account has been closed."},
    {"ba_fail_no_account", false, false, "no_account",
     "The bank account details on file are probably incorrect."},
    {"ba_fail_insufficient_funds", false, false, "insufficient_funds",
     "Your Stripe account has insufficient funds to cover the payout."},
    {"ba_paid_then_fail", true, true, "account_closed", "The bank account has been closed."},
}};

}  // namespace

std::optional<card_outcome> find_test_card(std::string_view payment_method) {
  for (const auto& row : test_cards) {
    if (row.payment_method == payment_method) {
      return card_outcome{row.approved, std::string(row.code), std::string(row.decline_code),
                          std::string(row.message)};
    }
  }
  return std::nullopt;
}

std::optional<destination_outcome> find_test_destination(std::string_view destination) {
  for (const auto& row : failing_destinations) {
    if (row.destination == destination) {
      return destination_outcome{row.pays, row.fails_after_paid, std::string(row.failure_code),
                                 std::string(row.failure_message)};
    }
  }
  // Any other bank account or debit card id pays.
  if (destination.starts_with("ba_") || destination.starts_with("card_")) {
    return destination_outcome{};
  }
  return std::nullopt;
}

}  // namespace escrowd::processor_sim
