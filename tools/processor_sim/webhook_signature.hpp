// Stripe's webhook signature scheme: `Stripe-Signature: t=<unix>,v1=<hex>` where v1 is
// HMAC-SHA256 keyed by the endpoint secret over "<t>.<raw body>". Pure: any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace escrowd::processor_sim {

[[nodiscard]] std::string hmac_sha256_hex(std::string_view key, std::string_view message);

[[nodiscard]] std::string stripe_signature_header(std::string_view secret, std::int64_t timestamp_s,
                                                  std::string_view body);

}  // namespace escrowd::processor_sim
