// Verification of a processor webhook's `Stripe-Signature` header (api.md "Processor
// boundary"): `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw payload>")>`, any
// number of v1 entries (during a secret roll the processor signs with each secret), other
// schemes (v0) ignored, and a timestamp at most `tolerance_s` away from now, so a captured
// delivery cannot be replayed later. Pure: the clock is an argument. OpenSSL HMAC.
// Thread affinity: none.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace escrowd::actors {

inline constexpr std::int64_t webhook_tolerance_s_default = 300;
// A header longer than this is refused unparsed (one t and a few v1 entries fit easily).
inline constexpr std::size_t webhook_signature_header_bytes_max = 4096;

enum class signature_verdict : std::uint8_t {
  valid,
  missing,                      // no header, or no secret configured
  malformed,                    // no t=, a t= that is not a number, no v1=
  timestamp_outside_tolerance,  // |now - t| > tolerance: too old or in the future
  no_matching_secret,           // no v1 matches any secret
};

[[nodiscard]] std::string_view to_string(signature_verdict verdict);

// Checks `header` against each of `secrets` (empty secrets are skipped).
[[nodiscard]] signature_verdict verify_webhook_signature(std::span<const std::string> secrets,
                                                         std::string_view header,
                                                         std::string_view payload,
                                                         std::int64_t now_s,
                                                         std::int64_t tolerance_s);

// Lower-case hex of HMAC-SHA256(key, message): what a sender puts into v1 (tests use it).
[[nodiscard]] std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// "t=<t>,v1=<hex>" for `payload` signed with `secret` at `t`.
[[nodiscard]] std::string sign_webhook(std::string_view secret, std::int64_t t,
                                       std::string_view payload);

}  // namespace escrowd::actors
