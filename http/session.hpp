// One HTTP/1.1 connection: reads requests (keep-alive, pipelined), hands each to the
// request_handler, and writes the answers back strictly in request order, whatever order the
// handler completes them in. Modelled on Beast's advanced_server: a strand per connection and
// a bounded queue of pipelined responses.
//
// How a connection moves:
//   idle -> header -> body -> (handler) ... reading continues while answers are pending, up to
//   pipelined_requests_max slots; each slot is filled by its responder (posted onto the
//   strand) and the ready prefix of the queue goes out in one gathered write.
//   A request that closes (Connection: close, HTTP/1.0, a transport error answered 4xx, or the
//   one request of a rejected connection) stops reading; once its answer is written the
//   session half-closes and lingers: it reads and discards what the client still sends, for a
//   bounded time and size, so the answer is not destroyed by a reset before the client reads
//   it. Missing a deadline (idle, header, body, write, linger) closes the socket at once.
//
// Thread affinity: everything runs on the connection's strand except start(), drain(),
// close_now() and deliver(), which may be called from any thread and post onto it.
// Lifetimes: owned by the context's connection_registry from start() until the socket closes
// (a session waiting for answers may have no operation pending), and by its pending
// operations and posted answers. Responders hold it weakly: once closed, answers vanish.
// The session_context must outlive every session (the server clears the registry and
// destroys the io_context, and with them every session, before the context).
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/error_code.hpp"
#include "http/connection_registry.hpp"
#include "http/lazy_deadline.hpp"
#include "http/pending_response.hpp"
#include "http/request.hpp"
#include "http/server_config.hpp"

namespace escrowd::http {

// What every session of one server shares. Owned by the server.
struct session_context {
  session_context(server_config server_settings, request_handler& request_handler_ref)
      : config(std::move(server_settings)), handler(request_handler_ref) {}

  server_config config;
  request_handler& handler;
  connection_registry registry;
  std::shared_ptr<detail::response_gate> gate = std::make_shared<detail::response_gate>();
};

class session final : public std::enable_shared_from_this<session>, public detail::response_target {
 public:
  using kind = connection_registry::kind;

  // `socket` must have been accepted onto its own strand.
  session(boost::asio::ip::tcp::socket socket, session_context& context, kind connection_kind);
  ~session();

  session(const session&) = delete;
  session& operator=(const session&) = delete;

  // Registers with the context's registry and starts reading. Call once, from the listener.
  void start();
  // stop(), phase one: read no more requests, write the answers still owed, then close.
  void drain();
  // stop(), phase two: close now, whatever is owed.
  void close_now();
  // Closes the connection if it still waits for a request with nothing owed (the listener
  // needs its place under the cap).
  void evict_if_waiting();
  // Since when (steady clock, ns) the connection has owed nothing while waiting for a whole
  // request (idle, or its header or body still arriving); 0 once a request is whole, while
  // it runs and while an answer is owed. Any thread.
  [[nodiscard]] std::int64_t waiting_since_ns() const {
    return waiting_since_ns_.load(std::memory_order_relaxed);
  }
  // Marks the connection as taken for eviction if it still waits since `since_ns`.
  [[nodiscard]] bool claim_for_eviction(std::int64_t since_ns) {
    return waiting_since_ns_.compare_exchange_strong(since_ns, evicting, std::memory_order_relaxed);
  }

  void deliver(std::uint64_t sequence, response answer) override;

 private:
  // What the single outstanding read (if any) is doing; the read deadline follows it.
  enum class read_phase : std::uint8_t { none, idle, header, body, linger };

  // One request's place in the pipeline; `answer` is empty until its responder is called.
  struct slot {
    std::string request_id;
    std::optional<response> answer;
    unsigned http_version = 11;
    bool keep_alive = true;
    bool head_request = false;
    bool safe = true;  // GET/HEAD/OPTIONS: may run beside other safe requests
  };

  using parser_type = boost::beast::http::request_parser<boost::beast::http::string_body>;

  // Reading.
  void read_next();
  void wait_for_bytes();
  void begin_waiting();  // sets waiting_since_ns_ unless already set
  void on_bytes(boost::system::error_code failure, std::size_t bytes);
  void read_header();
  // Drops empty lines before a request line (RFC 9112 2.2: a server SHOULD ignore at least
  // one; some clients send a CRLF after a body), a few bytes' worth per request. True when
  // nothing is left to parse until more bytes arrive.
  [[nodiscard]] bool skip_empty_lines();
  void on_header(boost::system::error_code failure);
  // The body a request may have: larger for POST to config.batch_path (413 above it).
  [[nodiscard]] std::uint64_t body_limit_for(boost::beast::http::verb method,
                                             std::string_view target) const;
  void on_body(boost::system::error_code failure);
  void on_request();
  void on_read_failed(boost::system::error_code failure);
  void send_continue_if_expected();
  void dispatch(request incoming, std::uint64_t sequence);
  // Whether the request at `sequence` may start now (see held_).
  [[nodiscard]] bool may_start(std::uint64_t sequence) const;
  void start_held();

  // Answers and writing.
  void enqueue_error(error_code code, std::string_view message);
  void on_answer(std::uint64_t sequence, response answer);
  void write_ready();
  void on_written(boost::system::error_code failure, std::size_t slots_written, bool close_after);

  // Closing.
  void finish_if_done();
  void begin_linger();
  void linger_read();
  void on_lingered(boost::system::error_code failure, std::size_t bytes);
  void close_socket();

  // Deadlines: one per direction (lazy_deadline.hpp).
  using deadline_handler = void (session::*)(boost::system::error_code);
  void arm_read_deadline(std::chrono::milliseconds timeout);
  void disarm_read_deadline();
  void on_read_deadline(boost::system::error_code failure);
  void arm_write_deadline();
  void on_write_deadline(boost::system::error_code failure);
  // Starts a wait on `deadline`'s timer; `on_end` runs when it ends.
  void wait_on(lazy_deadline& deadline, deadline_handler on_end);
  // In `on_end`: true if the deadline passed; waits again if it moved later.
  bool deadline_passed(lazy_deadline& deadline, boost::system::error_code failure,
                       deadline_handler on_end);

  // What one read asks the kernel for while waiting for a request to start or lingering.
  static constexpr std::size_t read_chunk_bytes = 8 * 1024;

  session_context& context_;
  const kind kind_;
  const boost::asio::any_io_executor strand_;  // immutable: read from any thread by deliver()
  boost::asio::ip::tcp::socket socket_;
  lazy_deadline read_deadline_;
  lazy_deadline write_deadline_;
  boost::beast::flat_buffer buffer_;
  std::optional<parser_type> parser_;
  // The request being read, from its header section: fields a chunked body's trailer adds
  // to the parser's message are not headers (RFC 9110 6.5: never merged, nor trusted for
  // authentication), so they are neither handed on nor read for keep-alive.
  request reading_;
  bool reading_keep_alive_ = false;
  std::size_t empty_line_bytes_ = 0;  // skipped before the request being read
  std::string remote_address_;
  std::uint64_t registry_key_ = 0;

  std::deque<slot> slots_;             // at most pipelined_requests_max
  std::size_t answer_bytes_owed_ = 0;  // body bytes of the answers in slots_
  // 0: not waiting; `evicting`: claimed by the listener, closed by evict_if_waiting().
  std::atomic<std::int64_t> waiting_since_ns_{0};
  static constexpr std::int64_t evicting = -1;
  // Read but not yet handed to the handler: RFC 9112 9.3.2 lets a server process pipelined
  // requests in parallel only while they are all safe, so a request waits while an
  // earlier unsafe one is unanswered, and an unsafe one waits for every earlier answer.
  std::deque<std::pair<request, std::uint64_t>> held_;
  std::uint64_t first_sequence_ = 0;  // the sequence number of slots_.front()
  std::uint64_t next_sequence_ = 0;
  std::vector<std::string> write_headers_;  // kept alive until the gathered write completes
  std::vector<boost::asio::const_buffer> write_buffers_;

  read_phase phase_ = read_phase::none;
  bool writing_ = false;
  bool read_stopped_ = false;  // no further requests will be read on this connection
  bool draining_ = false;
  bool closed_ = false;
  std::size_t lingered_bytes_ = 0;
};

}  // namespace escrowd::http
