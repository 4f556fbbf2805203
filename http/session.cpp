// session: the per-connection state machine described in session.hpp.
#include "http/session.hpp"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <chrono>
#include <exception>
#include <utility>

#include "http/query.hpp"
#include "http/request_framing.hpp"
#include "http/request_id.hpp"
#include "http/response_encoder.hpp"
#include "http/transport_error.hpp"

namespace escrowd::http {
namespace {

namespace asio = boost::asio;
namespace beast_http = boost::beast::http;
using boost::system::error_code;

// Beast reads at most 64 KiB at a time; the buffer holds one header plus one such read.
constexpr std::size_t read_ahead_bytes_max = 2 * 64 * 1024;

constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";

template <class Header>
request_framing framing_of(const Header& header) {
  request_framing framing;
  framing.version = header.version();
  for (const auto& field : header) {
    if (field.name() == beast_http::field::host) ++framing.host_fields;
    if (field.name() == beast_http::field::transfer_encoding)
      framing.transfer_encodings.emplace_back(field.value().data(), field.value().size());
  }
  return framing;
}

bool is_http_error(const error_code& failure) {
  return failure.category() ==
         beast_http::make_error_code(beast_http::error::bad_method).category();
}

// The client left or went silent: nothing to answer. Everything else from the parser is a
// request we can and should answer before closing.
bool is_disconnect(const error_code& failure) {
  return !is_http_error(failure) || failure == beast_http::error::end_of_stream ||
         failure == beast_http::error::partial_message;
}

// A handler bug must not produce an invalid status line.
response checked(response answer) {
  if (answer.status < 200 || answer.status > 599) {
    return transport_error(escrowd::error_code::internal,
                           "The request handler produced an invalid status.");
  }
  return answer;
}

std::string to_string(boost::beast::string_view text) {
  return {text.data(), text.size()};
}

}  // namespace

session::session(asio::ip::tcp::socket socket, session_context& context, kind connection_kind)
    : context_(context),
      kind_(connection_kind),
      strand_(socket.get_executor()),
      socket_(std::move(socket)),
      read_deadline_(strand_),
      write_deadline_(strand_),
      buffer_(context.config.request_header_bytes_max + read_ahead_bytes_max) {
  error_code ignored;
  remote_address_ = socket_.remote_endpoint(ignored).address().to_string();
  // Small answers must not wait for Nagle's timer behind the previous one.
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
}

session::~session() = default;

void session::start() {
  registry_key_ = context_.registry.add(kind_, shared_from_this());
  asio::dispatch(strand_, [self = shared_from_this()] { self->read_next(); });
}

void session::drain() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->closed_) return;
    self->draining_ = true;
    self->read_stopped_ = true;
    if (self->phase_ == read_phase::linger) return self->close_socket();
    // Shutting the receive side completes the outstanding read (end of stream) without
    // cancelling a write in progress, which socket::cancel would.
    error_code ignored;
    if (self->phase_ != read_phase::none) {
      self->socket_.shutdown(asio::ip::tcp::socket::shutdown_receive, ignored);
    }
    self->finish_if_done();
  });
}

void session::close_now() {
  asio::post(strand_, [self = shared_from_this()] { self->close_socket(); });
}

void session::evict_if_waiting() {
  asio::post(strand_, [self = shared_from_this()] {
    const auto phase = self->phase_;
    const bool reading =
        phase == read_phase::idle || phase == read_phase::header || phase == read_phase::body;
    if (reading && self->slots_.empty() && self->waiting_since_ns() == evicting)
      self->close_socket();
  });
}

void session::begin_waiting() {
  if (waiting_since_ns() == 0) waiting_since_ns_.store(steady_now_ns(), std::memory_order_relaxed);
}

void session::deliver(std::uint64_t sequence, response answer) {
  asio::post(strand_, [self = shared_from_this(), sequence, answer = std::move(answer)]() mutable {
    self->on_answer(sequence, std::move(answer));
  });
}

// ---- Reading ---------------------------------------------------------------------------

void session::read_next() {
  if (closed_ || read_stopped_ || phase_ != read_phase::none) return;
  if (slots_.size() >= context_.config.pipelined_requests_max) return;      // resumed by a write
  if (answer_bytes_owed_ >= context_.config.answer_bytes_owed_max) return;  // the same
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(context_.config.request_header_bytes_max));
  // The largest any request may have: on_header narrows it once the target is known
  // (Beast refuses a declared Content-Length over the limit while reading the header).
  parser_->body_limit(
      std::max(context_.config.request_body_bytes_max, context_.config.batch_body_bytes_max));
  if (buffer_.size() == 0) return wait_for_bytes();
  read_header();  // a pipelined request is already buffered
}

void session::wait_for_bytes() {
  phase_ = read_phase::idle;
  if (slots_.empty()) begin_waiting();
  // A client waiting for answers we owe is not idle. A rejected connection gets no idle
  // allowance: it holds one of the few rejected_connections_max places.
  // Nor does a connection that has sent nothing yet: a client that opens connections and
  // stays silent would otherwise hold places under the connection cap for the idle timeout.
  if (kind_ == kind::rejected || next_sequence_ == 0) {
    arm_read_deadline(context_.config.header_timeout_ms);
  } else if (slots_.empty()) {
    arm_read_deadline(context_.config.idle_timeout_ms);
  } else {
    disarm_read_deadline();
  }
  socket_.async_read_some(buffer_.prepare(read_chunk_bytes),
                          [self = shared_from_this()](error_code failure, std::size_t bytes) {
                            self->on_bytes(failure, bytes);
                          });
}

void session::on_bytes(error_code failure, std::size_t bytes) {
  buffer_.commit(bytes);
  if (failure) return on_read_failed(failure);
  if (draining_) return on_read_failed(asio::error::operation_aborted);
  read_header();
}

void session::read_header() {
  if (skip_empty_lines()) return wait_for_bytes();
  phase_ = read_phase::header;
  if (slots_.empty()) begin_waiting();  // also a header already buffered, owing nothing
  arm_read_deadline(context_.config.header_timeout_ms);
  beast_http::async_read_header(
      socket_, buffer_, *parser_,
      [self = shared_from_this()](error_code failure, std::size_t) { self->on_header(failure); });
}

bool session::skip_empty_lines() {
  constexpr std::size_t empty_line_bytes_max = 8;
  while (empty_line_bytes_ < empty_line_bytes_max) {
    const std::string_view buffered(static_cast<const char*>(buffer_.data().data()),
                                    buffer_.size());
    const std::size_t line = buffered.starts_with("\r\n") ? 2 : buffered.starts_with('\n') ? 1 : 0;
    // Nothing, or a CR whose LF is yet to come: wait for more before parsing.
    if (line == 0) return buffered.empty() || buffered == "\r";
    buffer_.consume(line);
    empty_line_bytes_ += line;
  }
  return buffer_.size() == 0;
}

void session::on_header(error_code failure) {
  if (failure) return on_read_failed(failure);
  if (kind_ == kind::rejected) {
    phase_ = read_phase::none;
    disarm_read_deadline();
    return enqueue_error(escrowd::error_code::overloaded, {});
  }
  if (auto refused = framing_refusal(framing_of(parser_->get()))) {
    phase_ = read_phase::none;
    disarm_read_deadline();
    return enqueue_error(escrowd::error_code::parameter_invalid, *refused);
  }
  const auto& header = parser_->get();
  reading_.method = to_string(header.method_string());
  reading_.target =
      normalized_target(std::string_view(header.target().data(), header.target().size()));
  reading_.headers.clear();
  reading_.headers.reserve(8);
  for (const auto& field : header)
    reading_.headers.emplace_back(to_string(field.name_string()), to_string(field.value()));
  reading_keep_alive_ = header.keep_alive();
  const auto body_limit = body_limit_for(header.method(), reading_.target);
  parser_->body_limit(body_limit);
  if (const auto declared = parser_->content_length(); declared && *declared > body_limit) {
    phase_ = read_phase::none;
    disarm_read_deadline();
    return enqueue_error(escrowd::error_code::body_too_large, {});
  }
  if (parser_->is_done()) return on_request();
  send_continue_if_expected();
  phase_ = read_phase::body;
  arm_read_deadline(context_.config.body_timeout_ms);
  beast_http::async_read(socket_, buffer_, *parser_,
                         [self = shared_from_this()](error_code body_failure, std::size_t) {
                           self->on_body(body_failure);
                         });
}

std::uint64_t session::body_limit_for(beast_http::verb method, std::string_view target) const {
  const auto& config = context_.config;
  const auto path = target.substr(0, target.find('?'));
  if (method == beast_http::verb::post && path == config.batch_path)
    return config.batch_body_bytes_max;
  return config.request_body_bytes_max;
}

void session::on_body(error_code failure) {
  if (failure) return on_read_failed(failure);
  on_request();
}

void session::on_request() {
  waiting_since_ns_.store(0, std::memory_order_relaxed);  // a whole request: owed an answer
  phase_ = read_phase::none;
  disarm_read_deadline();
  auto message = parser_->release();
  parser_.reset();

  request incoming = std::move(reading_);
  reading_ = request{};
  empty_line_bytes_ = 0;
  incoming.body = std::move(message.body());
  incoming.request_id = make_request_id();
  incoming.remote_address = remote_address_;

  const bool keep_alive = reading_keep_alive_ && !draining_;
  slots_.push_back(slot{.request_id = incoming.request_id,
                        .answer = std::nullopt,
                        .http_version = message.version(),
                        .keep_alive = keep_alive,
                        .head_request = message.method() == beast_http::verb::head,
                        .safe = message.method() == beast_http::verb::get ||
                                message.method() == beast_http::verb::head ||
                                message.method() == beast_http::verb::options});
  if (!keep_alive) read_stopped_ = true;
  const auto sequence = next_sequence_++;
  if (held_.empty() && may_start(sequence)) {
    dispatch(std::move(incoming), sequence);
  } else {
    held_.emplace_back(std::move(incoming), sequence);
  }
  read_next();
}

bool session::may_start(std::uint64_t sequence) const {
  const auto& candidate = slots_[sequence - first_sequence_];
  for (std::uint64_t earlier = first_sequence_; earlier < sequence; ++earlier) {
    const auto& before = slots_[earlier - first_sequence_];
    if (before.answer) continue;
    if (!candidate.safe || !before.safe) return false;
  }
  return true;
}

void session::start_held() {
  while (!held_.empty() && !closed_ && may_start(held_.front().second)) {
    auto [incoming, sequence] = std::move(held_.front());
    held_.pop_front();
    dispatch(std::move(incoming), sequence);
  }
}

void session::dispatch(request incoming, std::uint64_t sequence) {
  try {
    auto pending = std::make_shared<detail::pending_response>(
        context_.gate, std::weak_ptr<detail::response_target>{shared_from_this()}, sequence);
    context_.handler.handle(std::move(incoming), responder{std::move(pending)});
  } catch (...) {
    // No exception crosses the handler boundary. If the handler answered before throwing,
    // that answer is still in flight and this one loses to nothing: first filled wins.
    on_answer(sequence, transport_error(escrowd::error_code::internal));
  }
}

void session::on_read_failed(error_code failure) {
  phase_ = read_phase::none;
  disarm_read_deadline();
  if (closed_) return;
  if (draining_ || is_disconnect(failure)) {
    read_stopped_ = true;
    return finish_if_done();
  }
  if (failure == beast_http::error::body_limit) {
    return enqueue_error(escrowd::error_code::body_too_large, {});
  }
  if (failure == beast_http::error::header_limit || failure == beast_http::error::buffer_overflow) {
    return enqueue_error(escrowd::error_code::header_too_large, {});
  }
  enqueue_error(escrowd::error_code::parameter_invalid,
                "The request is not valid HTTP/1.1: " + failure.message() + ".");
}

// Clients such as curl hold a large body back until "100 Continue" (or their own timeout).
// It may only be sent when no earlier answer is still owed, or it would land inside the
// stream of pipelined answers; otherwise the client just sends after its timeout.
void session::send_continue_if_expected() {
  const auto& header = parser_->get();
  if (header.version() < 11 || writing_ || !slots_.empty()) return;
  const auto expect = header[beast_http::field::expect];
  if (!ascii_iequals({expect.data(), expect.size()}, "100-continue")) return;
  writing_ = true;
  arm_write_deadline();
  asio::async_write(socket_, asio::buffer(continue_line.data(), continue_line.size()),
                    [self = shared_from_this()](error_code failure, std::size_t) {
                      self->on_written(failure, 0, false);
                    });
}

// ---- Answers and writing ---------------------------------------------------------------

void session::enqueue_error(escrowd::error_code code, std::string_view message) {
  waiting_since_ns_.store(0, std::memory_order_relaxed);  // owed this answer now
  read_stopped_ = true;
  const auto version = parser_ ? parser_->get().version() : 11u;
  auto answer = transport_error(code, message);
  if (parser_) {
    // The request line is parsed before the fields, so it is known even when a field or
    // the declared length was refused (empty when the line itself was not valid).
    const auto& header = parser_->get();
    const auto method = header.method_string();
    const auto target = header.target();
    context_.handler.answered_by_transport({method.data(), method.size()},
                                           {target.data(), target.size()}, answer.status);
  } else {
    context_.handler.answered_by_transport({}, {}, answer.status);
  }
  parser_.reset();
  answer_bytes_owed_ += answer.body.size();
  slots_.push_back(slot{.request_id = make_request_id(),
                        .answer = std::move(answer),
                        .http_version = version == 10 ? 10u : 11u,
                        .keep_alive = false,
                        .head_request = false});
  ++next_sequence_;
  write_ready();
}

void session::on_answer(std::uint64_t sequence, response answer) {
  if (closed_ || sequence < first_sequence_ || sequence >= next_sequence_) return;
  auto& target = slots_[sequence - first_sequence_];
  if (target.answer) return;
  target.answer = checked(std::move(answer));
  answer_bytes_owed_ += target.answer->body.size();
  start_held();
  write_ready();
}

// Writes the ready prefix of the queue, up to and including the first answer that closes.
void session::write_ready() {
  if (closed_ || writing_) return;
  write_headers_.clear();
  write_buffers_.clear();
  write_headers_.reserve(slots_.size());  // no reallocation: buffers point into the headers
  std::size_t count = 0;
  bool close_after = false;
  while (count < slots_.size() && slots_[count].answer && !close_after) {
    const auto& item = slots_[count];
    // Once reading stopped, the last slot is the connection's last answer: say so.
    const bool last = read_stopped_ && count + 1 == slots_.size();
    close_after = !item.keep_alive || last;
    const response_framing framing{.request_id = item.request_id,
                                   .http_version = item.http_version,
                                   .keep_alive = !close_after,
                                   .head_request = item.head_request};
    const auto& header = write_headers_.emplace_back(encode_header(*item.answer, framing));
    write_buffers_.emplace_back(header.data(), header.size());
    const auto& body = item.answer->body;
    if (body_is_sent(*item.answer, framing) && !body.empty()) {
      write_buffers_.emplace_back(body.data(), body.size());
    }
    ++count;
  }
  if (count == 0) return finish_if_done();

  writing_ = true;
  arm_write_deadline();
  asio::async_write(
      socket_, write_buffers_,
      [self = shared_from_this(), count, close_after](error_code failure, std::size_t) {
        self->on_written(failure, count, close_after);
      });
}

void session::on_written(error_code failure, std::size_t slots_written, bool close_after) {
  writing_ = false;
  write_deadline_.disarm();
  if (closed_) return;
  if (failure) return close_socket();
  for (std::size_t written = 0; written < slots_written; ++written)
    answer_bytes_owed_ -= slots_[written].answer->body.size();
  slots_.erase(slots_.begin(), slots_.begin() + static_cast<std::ptrdiff_t>(slots_written));
  first_sequence_ += slots_written;
  write_headers_.clear();
  write_buffers_.clear();
  if (close_after) return begin_linger();
  if (phase_ == read_phase::idle && slots_.empty()) {
    arm_read_deadline(context_.config.idle_timeout_ms);  // nothing owed: now it is idle
  }
  // Owing nothing while a request is still coming (or none): it waits on its client.
  if (slots_.empty() && phase_ != read_phase::none && phase_ != read_phase::linger) begin_waiting();
  read_next();  // reading may have paused on a full pipeline
  write_ready();
}

// ---- Closing ---------------------------------------------------------------------------

}  // namespace escrowd::http
