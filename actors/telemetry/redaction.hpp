// The redaction rules of escrowd's logs: what may never be written (api keys and their
// secrets, bearer tokens, processor secret keys, webhook secrets, card numbers). Names are
// judged case-insensitively with '-' read as '_' (so HTTP header names work too).
// Thread affinity: none; pure functions.
#pragma once

#include <string_view>

namespace escrowd::actors::telemetry {

inline constexpr std::string_view redacted_text = "[redacted]";

// A field whose name says it carries a secret: "key" or any "*_key" (api_key, secret_key;
// but not idempotency_key, a client's request label), anything containing "secret",
// "password", "token", "card", "authorization", "cookie", "signature", "cvc" or "cvv".
// "key_id" and "principal" are allowed: a key's id is not its secret.
[[nodiscard]] bool is_sensitive_field(std::string_view name);

// A value that holds a secret whatever its field is called: an escrowd API secret
// ("esk_..."), a Stripe secret or restricted key ("sk_live_", "sk_test_", "rk_live_",
// "rk_test_"), a webhook secret ("whsec_"), a "Bearer ..." credential, or a run of 13-19
// digits (spaces or dashes allowed between them) that passes the Luhn check: a card number.
[[nodiscard]] bool looks_secret(std::string_view value);

}  // namespace escrowd::actors::telemetry
