// The session's closing (a lingering close after the last answer, RFC 9112 9.6) and its
// read and write deadlines; reading and answering are in session.cpp.
#include <boost/asio/ip/tcp.hpp>

#include "http/session.hpp"

namespace escrowd::http {

namespace asio = boost::asio;
using boost::system::error_code;

// Reading has stopped for good; once nothing is owed or being written, close.
void session::finish_if_done() {
  if (closed_ || !read_stopped_ || phase_ != read_phase::none) return;
  if (writing_ || !slots_.empty()) return;
  close_socket();
}

void session::begin_linger() {
  read_stopped_ = true;
  // While stopping, or if a read is still outstanding, do not linger: close.
  if (draining_ || phase_ != read_phase::none) return close_socket();
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  phase_ = read_phase::linger;
  lingered_bytes_ = 0;
  arm_read_deadline(context_.config.linger_timeout_ms);
  linger_read();
}

void session::linger_read() {
  buffer_.clear();
  socket_.async_read_some(buffer_.prepare(read_chunk_bytes),
                          [self = shared_from_this()](error_code failure, std::size_t bytes) {
                            self->on_lingered(failure, bytes);
                          });
}

void session::on_lingered(error_code failure, std::size_t bytes) {
  lingered_bytes_ += bytes;
  if (closed_) return;
  if (failure || lingered_bytes_ >= context_.config.linger_bytes_max) return close_socket();
  linger_read();
}

void session::close_socket() {
  if (closed_) return;
  closed_ = true;
  phase_ = read_phase::none;
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  read_deadline_.cancel();
  write_deadline_.cancel();
  // The caller is a handler holding its own reference, so this is not the last one.
  context_.registry.remove(registry_key_);
}

// ---- Deadlines -------------------------------------------------------------------------

void session::arm_read_deadline(std::chrono::milliseconds timeout) {
  if (read_deadline_.arm(timeout)) wait_on(read_deadline_, &session::on_read_deadline);
}

void session::disarm_read_deadline() {
  read_deadline_.disarm();
}

void session::on_read_deadline(error_code failure) {
  if (deadline_passed(read_deadline_, failure, &session::on_read_deadline) && !closed_ &&
      phase_ != read_phase::none)
    close_socket();
}

void session::arm_write_deadline() {
  if (write_deadline_.arm(context_.config.write_timeout_ms))
    wait_on(write_deadline_, &session::on_write_deadline);
}

void session::on_write_deadline(error_code failure) {
  if (deadline_passed(write_deadline_, failure, &session::on_write_deadline) && !closed_ &&
      writing_)
    close_socket();
}

void session::wait_on(lazy_deadline& deadline, deadline_handler on_end) {
  deadline.timer().async_wait(
      [self = shared_from_this(), on_end](error_code failure) { ((*self).*on_end)(failure); });
}

bool session::deadline_passed(lazy_deadline& deadline, error_code failure,
                              deadline_handler on_end) {
  const auto end = deadline.wait_ended(failure);
  if (end == deadline_wait_end::rewait) wait_on(deadline, on_end);
  return end == deadline_wait_end::passed;
}

}  // namespace escrowd::http
