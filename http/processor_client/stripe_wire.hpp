// Stripe's wire format for the processor client, without sockets: the HTTP requests that
// create, retrieve and list PaymentIntents and Payouts (form-encoded bodies and
// queries, `Authorization: Bearer <key>`, `Idempotency-Key` on every create), and the
// classification of an answer into what the gateway decides on (actors/processor_port.hpp).
// Pure functions: unit-tested on their own, used by stripe_client on its I/O thread.
// Thread affinity: none.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/processor_port.hpp"
#include "engine/result.hpp"

namespace escrowd::processor_client {

// Where the processor is: "https://api.stripe.com" or "http://127.0.0.1:12111[/prefix]".
struct processor_url {
  bool tls = false;
  std::string host;
  std::string port;         // "443" / "80" when the URL names none
  std::string path_prefix;  // "" or "/prefix" (no trailing slash)
};

// parameter_invalid for anything but http:// or https:// with a host.
[[nodiscard]] result<processor_url> parse_processor_url(std::string_view url);

// What every request carries besides its own fields.
struct client_identity {
  std::string api_key;         // STRIPE_API_KEY (the simulator accepts any sk_test_...)
  std::string host_header;     // "api.stripe.com" or "127.0.0.1:12111"
  std::string path_prefix;     // from the URL
  std::string stripe_version;  // empty: the account's default API version
};

struct wire_request {
  std::string method;  // "POST" or "GET"
  std::string target;  // path and query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // form-encoded (POST only)
};

struct wire_answer {
  bool answered = false;  // false: no complete response arrived
  bool timed_out = false;
  std::string transport_error;  // when not answered
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body;

  // The first header with this name, compared case-insensitively; empty if absent.
  [[nodiscard]] std::string_view header(std::string_view name) const;
};

// Percent-encoding of application/x-www-form-urlencoded values (RFC 3986 unreserved kept).
[[nodiscard]] std::string form_escape(std::string_view text);

[[nodiscard]] wire_request create_request(const actors::processor_request& request,
                                          const client_identity& identity);
[[nodiscard]] wire_request retrieve_request(processor_kind kind, std::string_view object_id,
                                            const client_identity& identity);
// A GET of `target` (path and query, below the URL's prefix).
[[nodiscard]] wire_request get_request(std::string target, const client_identity& identity);
// Stripe's `created[gte]` filter when `created_since` is positive.
[[nodiscard]] wire_request list_request(processor_kind kind, std::int64_t created_since,
                                        std::string_view starting_after, std::size_t limit,
                                        const client_identity& identity);

// The create's answer, in Stripe's client libraries' order: no answer -> retryable; a
// replayed 5xx -> uncertain; Stripe-Should-Retry false/true; 409 and 429 -> retryable (a
// 429 that is not lock_timeout slows everything down); 5xx -> retryable; an
// idempotency_error -> uncertain; 401/403/404 (our configuration) -> retryable; any other
// 4xx -> declined; 2xx -> the object (uncertain if it cannot be read).
[[nodiscard]] actors::processor_reply classify_create(processor_kind kind,
                                                      const wire_answer& answer);
// 200 -> the object; 404 -> answered, no object; anything else -> not answered.
[[nodiscard]] actors::processor_lookup classify_retrieve(processor_kind kind,
                                                         const wire_answer& answer);
// The search's objects of this operation (filtered again here: a query the processor read
// otherwise must not make another operation's object look like this one's).
[[nodiscard]] actors::processor_lookup classify_find(processor_kind kind,
                                                     std::string_view operation_id,
                                                     const wire_answer& answer);
[[nodiscard]] actors::processor_page classify_list(processor_kind kind, const wire_answer& answer);

// Retry-After in seconds (Stripe sends whole seconds); 0 when absent or unreadable.
[[nodiscard]] std::chrono::milliseconds retry_after(const wire_answer& answer);

}  // namespace escrowd::processor_client
