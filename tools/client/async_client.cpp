// async_client: a core (backlog, retry timers, deadline tick) and its pipelined connections.
// A connection's socket, buffer and parser live in a `link` that is replaced whole when the
// connection breaks, so a handler of a dead link recognises itself and does nothing.
#include "tools/client/async_client.hpp"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <chrono>
#include <deque>
#include <list>
#include <optional>
#include <random>
#include <stdexcept>
#include <vector>

#include "tools/client/retry_policy.hpp"
#include "tools/client/wire.hpp"

namespace escrowd::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

// Deadlines are checked on a tick rather than with a timer per request: re-arming a timer
// for each of 100k answers a second costs more than the whole parse.
constexpr std::chrono::milliseconds tick_interval_max{100};
constexpr std::chrono::milliseconds tick_interval_min{1};

struct call {
  api_request request;
  std::string wire;
  async_client::completion done;
  unsigned attempts = 0;
  clock_type::time_point sent_at;
};
using call_ptr = std::unique_ptr<call>;

struct link {
  explicit link(asio::io_context& io) : socket(io) {}
  tcp::socket socket;
  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::string_body>> parser;
  std::string write_data;  // the bytes of the write in progress
  bool open = false;
  bool writing = false;
  bool reading = false;
  clock_type::time_point connect_started;
};

}  // namespace

class connection;

namespace detail {

class async_core : public std::enable_shared_from_this<async_core> {
 public:
  using completion = async_client::completion;

  async_core(asio::io_context& io, client_config config);

  void start() { tick(); }
  void send(api_request request, completion done);
  void close();
  // close() without running the completions still owed: for the client's destructor.
  void abandon() {
    discard_completions_ = true;
    close();
  }

  // Called by connections.
  void settle(call_ptr finished, api_result result, attempt_outcome outcome);
  void settle_failure(call_ptr failed, bool timed_out, std::string reason);
  void requeue_front(std::vector<call_ptr> unsent);
  // Hands backlog calls to connections with room, `freed` first (the connection that just
  // answered: under a full backlog it is the one with room, found without a scan).
  void pump(connection* freed = nullptr);
  // Calls left a connection (answered, or handed back when it broke).
  void left_connection(std::size_t count) { in_connections_ -= count; }
  void count_connection() { ++stats_.connections_opened; }

  asio::io_context& io() { return io_; }
  const client_config& config() const { return config_; }
  const tcp::endpoint& endpoint() const { return endpoint_; }
  std::size_t outstanding() const { return outstanding_; }
  async_client_stats stats() const { return stats_; }

 private:
  void tick();
  void complete(call_ptr finished, api_result result);
  void complete_later(call_ptr finished, std::string reason);
  void schedule_retry(call_ptr failed, const retry_decision& decision);
  connection* pick_connection();

  asio::io_context& io_;
  client_config config_;
  std::string host_header_;
  tcp::endpoint endpoint_;
  std::vector<std::unique_ptr<connection>> connections_;
  std::size_t next_connection_ = 0;
  std::deque<call_ptr> backlog_;
  std::list<std::shared_ptr<asio::steady_timer>> retry_timers_;
  asio::steady_timer tick_timer_;
  std::chrono::milliseconds tick_interval_;
  std::mt19937_64 random_;
  std::size_t outstanding_ = 0;
  std::size_t in_connections_ = 0;  // calls assigned to connections, of connections x depth
  async_client_stats stats_;
  bool closed_ = false;
  bool discard_completions_ = false;
};

}  // namespace detail

// One keep-alive connection: the calls assigned to it, in the order they are written and
// answered. Calls [0, sent_count_) are on the wire; the rest wait for the current write.
class connection {
 public:
  explicit connection(detail::async_core& owner) : owner_(owner) {}

  std::size_t load() const { return assigned_.size(); }
  void enqueue(call_ptr assigned);
  void check_deadlines(clock_type::time_point now);
  // Closes the socket and hands every call back: sent ones as failed attempts, unsent ones to
  // the front of the backlog (or all as failed attempts when the connect itself failed).
  void broken(bool timed_out, const std::string& reason, bool unsent_attempted);

 private:
  void connect();
  void on_connected(const std::shared_ptr<link>& from, beast::error_code failure);
  void write();
  void on_written(const std::shared_ptr<link>& from, beast::error_code failure);
  void read();
  void on_read(const std::shared_ptr<link>& from, beast::error_code failure);

  detail::async_core& owner_;
  std::shared_ptr<link> link_;
  std::deque<call_ptr> assigned_;
  std::size_t sent_count_ = 0;
};

void connection::enqueue(call_ptr assigned) {
  assigned_.push_back(std::move(assigned));
  if (!link_) return connect();
  write();
}

void connection::connect() {
  link_ = std::make_shared<link>(owner_.io());
  link_->connect_started = clock_type::now();
  link_->socket.async_connect(
      owner_.endpoint(), [keep = owner_.shared_from_this(), self = this, from = link_](
                             beast::error_code failure) { self->on_connected(from, failure); });
}

void connection::on_connected(const std::shared_ptr<link>& from, beast::error_code failure) {
  if (from != link_) return;
  if (failure) return broken(false, "connect: " + failure.message(), true);
  link_->open = true;
  beast::error_code ignored;
  link_->socket.set_option(tcp::no_delay{true}, ignored);
  owner_.count_connection();
  write();
}

void connection::write() {
  if (!link_ || !link_->open || link_->writing || sent_count_ == assigned_.size()) return;
  link_->write_data.clear();
  const auto now = clock_type::now();
  for (auto index = sent_count_; index < assigned_.size(); ++index) {
    auto& next = *assigned_[index];
    link_->write_data.append(next.wire);
    next.sent_at = now;
    ++next.attempts;
  }
  sent_count_ = assigned_.size();
  link_->writing = true;
  asio::async_write(
      link_->socket, asio::buffer(link_->write_data),
      [keep = owner_.shared_from_this(), self = this, from = link_](
          beast::error_code failure, std::size_t) { self->on_written(from, failure); });
  read();
}

void connection::on_written(const std::shared_ptr<link>& from, beast::error_code failure) {
  if (from != link_) return;
  link_->writing = false;
  if (failure) return broken(false, "write: " + failure.message(), false);
  write();
}

void connection::read() {
  if (!link_ || !link_->open || link_->reading || sent_count_ == 0) return;
  link_->parser.emplace();
  link_->parser->body_limit(owner_.config().response_body_bytes_max);
  link_->parser->header_limit(static_cast<std::uint32_t>(defaults::response_header_bytes_max));
  link_->reading = true;
  http::async_read(link_->socket, link_->buffer, *link_->parser,
                   [keep = owner_.shared_from_this(), self = this, from = link_](
                       beast::error_code failure, std::size_t) { self->on_read(from, failure); });
}

void connection::on_read(const std::shared_ptr<link>& from, beast::error_code failure) {
  if (from != link_) return;
  link_->reading = false;
  if (failure) return broken(false, "read: " + failure.message(), false);
  auto answered = std::move(assigned_.front());
  assigned_.pop_front();
  --sent_count_;
  owner_.left_connection(1);
  auto message = link_->parser->release();
  const bool keep_alive = message.keep_alive();
  api_result result;
  auto outcome = detail::take_response(message, result);
  // Settle our own state before any completion runs: a completion may send again.
  if (keep_alive) {
    read();
  } else {
    broken(false, "connection closed by the server", false);
  }
  owner_.settle(std::move(answered), std::move(result), outcome);
  owner_.pump(this);
}

void connection::check_deadlines(clock_type::time_point now) {
  if (!link_) return;
  if (!link_->open) {
    if (now - link_->connect_started > owner_.config().connect_timeout_ms) {
      broken(true, "connect timeout", true);
    }
    return;
  }
  if (sent_count_ > 0 && now - assigned_.front()->sent_at > owner_.config().request_timeout_ms) {
    broken(true, "timeout", false);
  }
}

void connection::broken(bool timed_out, const std::string& reason, bool unsent_attempted) {
  if (link_) {
    beast::error_code ignored;
    link_->socket.close(ignored);
    link_.reset();
  }
  std::vector<call_ptr> attempted;
  std::vector<call_ptr> unsent;
  for (std::size_t index = 0; index < assigned_.size(); ++index) {
    if (index < sent_count_) {
      attempted.push_back(std::move(assigned_[index]));
    } else if (unsent_attempted) {
      ++assigned_[index]->attempts;
      attempted.push_back(std::move(assigned_[index]));
    } else {
      unsent.push_back(std::move(assigned_[index]));
    }
  }
  owner_.left_connection(assigned_.size());
  assigned_.clear();
  sent_count_ = 0;
  owner_.requeue_front(std::move(unsent));
  for (auto& failed : attempted) owner_.settle_failure(std::move(failed), timed_out, reason);
  owner_.pump();
}

detail::async_core::async_core(asio::io_context& io, client_config config)
    : io_(io),
      config_(std::move(config)),
      host_header_(config_.host + ":" + std::to_string(config_.port)),
      tick_timer_(io),
      random_(std::random_device{}()) {
  if (config_.connections_count == 0 || config_.connections_count > defaults::connections_max) {
    throw std::invalid_argument("connections_count out of range");
  }
  if (config_.pipeline_depth == 0 || config_.pipeline_depth > defaults::pipeline_depth_max) {
    throw std::invalid_argument("pipeline_depth out of range");
  }
  tcp::resolver resolver{io_};
  const auto results = resolver.resolve(config_.host, std::to_string(config_.port));
  if (results.empty()) throw std::runtime_error("cannot resolve " + config_.host);
  endpoint_ = results.begin()->endpoint();
  const auto shortest = std::min(config_.request_timeout_ms, config_.connect_timeout_ms);
  tick_interval_ = std::clamp(shortest / 4, tick_interval_min, tick_interval_max);
  for (std::size_t index = 0; index < config_.connections_count; ++index) {
    connections_.push_back(std::make_unique<connection>(*this));
  }
}

void detail::async_core::tick() {
  tick_timer_.expires_after(tick_interval_);
  tick_timer_.async_wait([self = shared_from_this()](beast::error_code failure) {
    if (failure || self->closed_) return;
    const auto now = clock_type::now();
    for (auto& each : self->connections_) each->check_deadlines(now);
    self->tick();
  });
}

void detail::async_core::send(api_request request, completion done) {
  auto next = std::make_unique<call>();
  if (request.is_write() && request.idempotency_key.empty()) {
    request.idempotency_key = new_idempotency_key();
  }
  next->wire = detail::render_request(request, host_header_, config_.api_key);
  next->request = std::move(request);
  next->done = std::move(done);
  ++outstanding_;
  if (closed_) return complete_later(std::move(next), "client closed");
  if (backlog_.size() >= defaults::backlog_calls_max) {
    return complete_later(std::move(next), "client backlog full");
  }
  backlog_.push_back(std::move(next));
  stats_.backlog_peak = std::max<std::uint64_t>(stats_.backlog_peak, backlog_.size());
  pump();
}

connection* detail::async_core::pick_connection() {
  for (std::size_t tried = 0; tried < connections_.size(); ++tried) {
    auto& candidate = connections_[next_connection_];
    next_connection_ = (next_connection_ + 1) % connections_.size();
    if (candidate->load() < config_.pipeline_depth) return candidate.get();
  }
  return nullptr;
}

void detail::async_core::pump(connection* freed) {
  const auto capacity = connections_.size() * config_.pipeline_depth;
  while (!backlog_.empty() && !closed_ && in_connections_ < capacity) {
    auto* target =
        freed != nullptr && freed->load() < config_.pipeline_depth ? freed : pick_connection();
    if (target == nullptr) return;
    auto next = std::move(backlog_.front());
    backlog_.pop_front();
    ++in_connections_;
    target->enqueue(std::move(next));
  }
}

void detail::async_core::requeue_front(std::vector<call_ptr> unsent) {
  for (auto it = unsent.rbegin(); it != unsent.rend(); ++it) {
    if (closed_) {
      complete_later(std::move(*it), "client closed");
    } else {
      backlog_.push_front(std::move(*it));
    }
  }
}

void detail::async_core::settle(call_ptr finished, api_result result, attempt_outcome outcome) {
  outcome.body = result.body;  // the view moved with the string
  const auto decision = decide_retry(outcome);
  if (!closed_ && decision.retry && finished->attempts <= config_.retries_max) {
    return schedule_retry(std::move(finished), decision);
  }
  complete(std::move(finished), std::move(result));
}

void detail::async_core::settle_failure(call_ptr failed, bool timed_out, std::string reason) {
  if (timed_out) ++stats_.timeouts;
  api_result result;
  result.transport_error = closed_ ? "client closed" : std::move(reason);
  const attempt_outcome outcome{.answered = false,
                                .timed_out = timed_out,
                                .status = 0,
                                .body = {},
                                .retry_after = std::nullopt};
  settle(std::move(failed), std::move(result), outcome);
}

void detail::async_core::schedule_retry(call_ptr failed, const retry_decision& decision) {
  const auto delay = retry_delay(decision, failed->attempts - 1, config_, random_());
  ++stats_.retries;
  if (config_.on_retry) {
    config_.on_retry(retry_event{.attempt = failed->attempts,
                                 .reason = decision.reason,
                                 .delay = delay,
                                 .idempotency_key = failed->request.idempotency_key});
  }
  auto timer = std::make_shared<asio::steady_timer>(io_, delay);
  retry_timers_.push_front(timer);
  timer->async_wait([self = shared_from_this(), position = retry_timers_.begin(),
                     waiting = std::move(failed)](beast::error_code) mutable {
    self->retry_timers_.erase(position);
    if (self->closed_) return self->complete_later(std::move(waiting), "client closed");
    self->backlog_.push_front(std::move(waiting));
    self->pump();
  });
}

void detail::async_core::complete(call_ptr finished, api_result result) {
  result.attempts = finished->attempts;
  result.idempotency_key = std::move(finished->request.idempotency_key);
  auto done = std::move(finished->done);
  finished.reset();
  --outstanding_;
  if (done && !discard_completions_) done(std::move(result));
}

void detail::async_core::complete_later(call_ptr finished, std::string reason) {
  asio::post(io_, [self = shared_from_this(), waiting = std::move(finished),
                   why = std::move(reason)]() mutable {
    api_result result;
    result.transport_error = std::move(why);
    self->complete(std::move(waiting), std::move(result));
  });
}

void detail::async_core::close() {
  if (closed_) return;
  closed_ = true;
  tick_timer_.cancel();
  for (auto& timer : retry_timers_) timer->cancel();
  for (auto& each : connections_) each->broken(false, "client closed", true);
  while (!backlog_.empty()) {
    auto waiting = std::move(backlog_.front());
    backlog_.pop_front();
    complete_later(std::move(waiting), "client closed");
  }
}

async_client::async_client(asio::io_context& io, client_config config)
    : core_(std::make_shared<detail::async_core>(io, std::move(config))) {
  core_->start();
}

async_client::~async_client() {
  core_->abandon();
}

void async_client::send(api_request request, completion done) {
  core_->send(std::move(request), std::move(done));
}

std::size_t async_client::outstanding() const {
  return core_->outstanding();
}

async_client_stats async_client::stats() const {
  return core_->stats();
}

void async_client::close() {
  core_->close();
}

}  // namespace escrowd::client
