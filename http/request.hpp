// The transport's contract with whatever answers requests (the router, later): what a handler
// sees of a request, what it answers, and how it answers. No Beast or Asio type appears here,
// so routing and endpoint code compile without them.
//
// Thread affinity: `request_handler::handle` runs on an I/O thread and must not block; the
// `responder` it receives may be called from any thread (an actor's, typically), once.
// Lifetimes: a request is owned by the handler once handed over. A responder holds only a weak
// reference to its connection: calling it after the client left, or after server::stop(), is
// a harmless no-op.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace escrowd::http {

// Equal when compared without regard to ASCII case (header names, auth schemes: RFC 9110).
[[nodiscard]] bool ascii_iequals(std::string_view left, std::string_view right);
// Without the optional whitespace (spaces, tabs) around a header value or list element.
[[nodiscard]] std::string_view trimmed_ows(std::string_view text);

struct request {
  std::string method;          // "GET", "POST", ... as received (case-sensitive per RFC 9110)
  std::string target;          // path + query as received
  std::string body;            // already complete; never larger than request_body_bytes_max
  std::string request_id;      // "req_...": also sent back as the response's Request-Id
  std::string remote_address;  // the peer's IP address, without the port
  std::vector<std::pair<std::string, std::string>> headers;  // in arrival order

  // The first header with this name, compared without regard to ASCII case; empty if absent.
  std::string_view header(std::string_view name) const;
  // How many headers have this name (a field that must appear once may come twice).
  std::size_t header_count(std::string_view name) const;
};

struct response {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  // Extra headers (Idempotent-Replayed, Original-Request, ...). The transport owns framing:
  // Content-Length, Transfer-Encoding, Connection, Request-Id and Server given here are
  // ignored, as is any header whose name or value could break the framing (CR, LF, NUL).
  std::vector<std::pair<std::string, std::string>> headers;
  // Not sent: what a replay of this answer shows when it is not `body` (a new key's secret
  // is shown once), for a keyed batch to store of its operations (actors::rendered_response).
  std::string stored_body;
};

namespace detail {
class pending_response;
}  // namespace detail

// The one-shot completion handle for one request. Copyable and cheap to copy, so it can be
// captured by std::function-based continuations. The first call wins; later calls are
// ignored. If every copy is destroyed without a call, the client gets a 500 `api_error`
// rather than a connection stuck forever (a handler bug must not leak a connection).
class responder {
 public:
  explicit responder(std::shared_ptr<detail::pending_response> pending);

  void operator()(response answer) const;

 private:
  std::shared_ptr<detail::pending_response> pending_;
};

class request_handler {
 public:
  virtual ~request_handler() = default;

  // Must not block and should not throw: hand the request on and call `respond` later, from
  // any thread. An exception escaping here is caught by the session and answered with 500.
  virtual void handle(request incoming, responder respond) = 0;

  // An answer the connection gave by itself, without handing the request over (load
  // shedding, size limits, malformed HTTP), so that it is counted with the handler's own.
  // `method` and `target` are empty when the request line could not be read.
  virtual void answered_by_transport(std::string_view /*method*/, std::string_view /*target*/,
                                     unsigned /*status*/) {}
};

}  // namespace escrowd::http
