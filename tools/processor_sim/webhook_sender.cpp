// Webhook delivery with Beast: one short-lived connection per attempt, which is simple and
// exercises the receiver's connection handling the way Stripe's senders do.
#include "webhook_sender.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>

#include "limits.hpp"
#include "webhook_signature.hpp"

namespace escrowd::processor_sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// One HTTP POST: resolve, connect, write, read, then report. Owned by its own handlers.
class attempt_op : public std::enable_shared_from_this<attempt_op> {
 public:
  using done_fn = std::function<void(bool ok)>;

  attempt_op(asio::io_context& io, const webhook_target& target, std::string signature,
             const std::string& body, done_fn done)
      : resolver_(io), stream_(io), target_(target), done_(std::move(done)) {
    request_.method(http::verb::post);
    request_.target(target.path);
    request_.version(11);
    request_.set(http::field::host, target.host + ":" + target.port);
    request_.set(http::field::content_type, "application/json; charset=utf-8");
    request_.set(http::field::user_agent, "Stripe/1.0 (+https://stripe.com/docs/webhooks)");
    request_.set("Stripe-Signature", signature);
    request_.keep_alive(false);
    request_.body() = body;
    request_.prepare_payload();
    parser_.body_limit(webhook_response_bytes_max);
  }

  void run() {
    stream_.expires_after(std::chrono::milliseconds(webhook_attempt_timeout_ms));
    resolver_.async_resolve(target_.host, target_.port,
                            [self = shared_from_this()](beast::error_code ec, auto results) {
                              if (ec) return self->report(false);
                              self->stream_.async_connect(
                                  results, [self](beast::error_code connect_ec, auto) {
                                    self->on_connect(connect_ec);
                                  });
                            });
  }

 private:
  void on_connect(beast::error_code ec) {
    if (ec) return report(false);
    http::async_write(stream_, request_, [self = shared_from_this()](beast::error_code w, auto) {
      if (w) return self->report(false);
      http::async_read(self->stream_, self->buffer_, self->parser_,
                       [self](beast::error_code r, auto) {
                         unsigned status = r ? 0 : self->parser_.get().result_int();
                         self->report(status >= 200 && status < 300);
                       });
    });
  }

  void report(bool ok) {
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
    if (done_) std::exchange(done_, nullptr)(ok);
  }

  asio::ip::tcp::resolver resolver_;
  beast::tcp_stream stream_;
  webhook_target target_;
  done_fn done_;
  http::request<http::string_body> request_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
};

std::int64_t unix_seconds_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::optional<webhook_target> parse_webhook_url(const std::string& url) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) return std::nullopt;
  std::string rest = url.substr(scheme.size());
  std::size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  webhook_target target;
  target.path = slash == std::string::npos ? "/" : rest.substr(slash);
  std::size_t colon = authority.rfind(':');
  target.host = authority.substr(0, colon);
  target.port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  if (target.host.empty() || target.port.empty()) return std::nullopt;
  return target;
}

webhook_sender::webhook_sender(asio::io_context& io, webhook_target target, std::string secret,
                               std::int64_t retry_delay_ms)
    : io_(io),
      target_(std::move(target)),
      secret_(std::move(secret)),
      retry_delay_ms_(retry_delay_ms) {}

void webhook_sender::enqueue(std::vector<webhook_event> events) {
  for (auto& event : events) {
    if (ready_.size() + retrying_ >= webhook_queue_max) {
      ++stats_.dropped_queue_full;
      settled(event);
      continue;
    }
    ++stats_.queued;
    ready_.push_back({std::move(event), 0});
  }
  start_ready();
}

void webhook_sender::start_ready() {
  while (in_flight_ < webhook_concurrency_max && !ready_.empty()) {
    delivery item = std::move(ready_.front());
    ready_.pop_front();
    attempt(std::move(item));
  }
}

void webhook_sender::attempt(delivery item) {
  ++in_flight_;
  ++item.attempt;
  std::string signature = stripe_signature_header(secret_, unix_seconds_now(), item.event.body);
  auto op = std::make_shared<attempt_op>(
      io_, target_, std::move(signature), item.event.body,
      [this, item](bool ok) mutable { finished(std::move(item), ok); });
  op->run();
}

void webhook_sender::finished(delivery item, bool ok) {
  --in_flight_;
  if (ok) {
    ++stats_.delivered;
    settled(item.event);
  } else if (item.attempt >= webhook_attempts_max) {
    ++stats_.failed_attempts;
    ++stats_.abandoned;
    settled(item.event);
  } else {
    ++stats_.failed_attempts;
    std::int64_t delay_ms =
        std::min(retry_delay_ms_ << std::min(item.attempt - 1, 20), webhook_retry_delay_ms_max);
    auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(delay_ms));
    ++retrying_;
    timer->async_wait([this, timer, item = std::move(item)](beast::error_code ec) mutable {
      --retrying_;
      if (ec) return;
      ready_.push_back(std::move(item));
      start_ready();
    });
  }
  start_ready();
}

boost::json::object webhook_sender::stats_json() const {
  return {{"queued", stats_.queued},
          {"delivered", stats_.delivered},
          {"failed_attempts", stats_.failed_attempts},
          {"abandoned", stats_.abandoned},
          {"dropped_queue_full", stats_.dropped_queue_full},
          {"in_flight", in_flight_},
          {"waiting", ready_.size()},
          {"retrying", retrying_}};
}

}  // namespace escrowd::processor_sim
