#include "actors/processor_payload.hpp"

namespace escrowd::actors {
namespace {

// application/x-www-form-urlencoded, as Stripe's clients encode it.
std::string form_encode(std::string_view text) {
  static constexpr std::string_view digits = "0123456789ABCDEF";
  std::string encoded;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      encoded.push_back(c);
    } else {
      encoded.push_back('%');
      encoded.push_back(digits[byte >> 4]);
      encoded.push_back(digits[byte & 0xf]);
    }
  }
  return encoded;
}

void append_field(std::string& form, std::string_view name, std::string_view value) {
  if (!form.empty()) form.push_back('&');
  form += form_encode(name);
  form.push_back('=');
  form += form_encode(value);
}

}  // namespace

std::string processor_request_payload(const processor_operation& operation) {
  std::string form;
  append_field(form, "amount", std::to_string(operation.amount));
  append_field(form, "currency", operation.currency.view());
  if (operation.kind == processor_kind::topup) {
    append_field(form, "payment_method", operation.instrument);
    append_field(form, "confirm", "true");
    // Card only: since API version 2023-08-16 an intent without payment_method_types
    // accepts the Dashboard's methods, redirect-based ones included, and confirming it
    // server-side without a return_url is refused.
    append_field(form, "payment_method_types[]", "card");
    append_field(form, "metadata[escrowd_topup]", operation.id);
  } else {
    append_field(form, "destination", operation.instrument);
    append_field(form, "metadata[escrowd_withdrawal]", operation.id);
  }
  append_field(form, "metadata[escrowd_account]", operation.account_id);
  return form;
}

storage::outbox_row outbox_row_for(const processor_operation& operation, std::int64_t now) {
  storage::outbox_row row;
  row.key = processor_idempotency_key(operation);
  row.operation_kind = operation.kind;
  row.operation_id = operation.id;
  row.request_payload = processor_request_payload(operation);
  row.next_attempt_at = now;
  row.state = storage::outbox_state::pending;
  row.created_at = now;
  return row;
}

}  // namespace escrowd::actors
