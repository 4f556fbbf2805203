// What a caller asks of escrowd's v1 API and what it gets back, independent of how the request
// travelled (synchronous or pipelined client), plus the idempotency key every write carries.
// Thread affinity: plain values. key generation is thread-safe (a generator per thread).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace escrowd::client {

struct api_request {
  std::string method = "GET";  // "GET", "POST" or "DELETE"
  std::string target;          // "/v1/tasks/t1/approve", query included
  std::string body;            // JSON; empty for GET and for POSTs without a body
  // Empty on a POST: the client makes one (one key per logical request, reused on every
  // retry of it). Set it to control the key yourself, e.g. to replay a request on purpose.
  std::string idempotency_key;
  std::string api_key;  // empty: the client's configured key

  [[nodiscard]] bool is_write() const { return method != "GET" && method != "HEAD"; }
};

struct api_result {
  // false: no HTTP answer at all (transport failure or timeout on the last attempt);
  // `transport_error` then says why and status is 0.
  bool answered = false;
  unsigned status = 0;
  std::string body;
  std::string request_id;        // Request-Id
  bool replayed = false;         // Idempotent-Replayed: true
  std::string original_request;  // Original-Request, on replays
  std::string transport_error;
  unsigned attempts = 0;        // 1 when the first attempt settled it
  std::string idempotency_key;  // the key every attempt carried (empty on GET)

  [[nodiscard]] bool ok() const { return answered && status >= 200 && status < 300; }
  // The error envelope's `code` ("insufficient_funds", ...), or empty.
  [[nodiscard]] std::string error_code() const;
};

// A fresh random key: "ik_" and 32 hex digits (128 random bits, as a UUID v4 carries).
std::string new_idempotency_key();

// The `code` inside `{"error": {"code": ...}}`, or empty if the body is not such an envelope.
std::string error_code_of(std::string_view body);

}  // namespace escrowd::client
