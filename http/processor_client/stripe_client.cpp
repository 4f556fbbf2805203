// The pool and its connections. One I/O thread runs everything: the queue, the idle list
// and every connection's handlers, so none of them needs a lock. A connection is either
// idle and connected, busy with one exchange, or discarded (after any failure or a
// response without keep-alive); a new one is opened while the pool is below its bound.
#include "http/processor_client/stripe_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <deque>
#include <functional>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include "http/processor_client/stripe_find.hpp"
#include "http/processor_client/stripe_wire.hpp"

namespace escrowd::processor_client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

using answer_callback = std::function<void(wire_answer)>;

struct exchange {
  wire_request request;
  answer_callback done;
  bool retried = false;  // already re-sent once after a stale keep-alive connection
};

// What a connection tells the pool when its exchange is over.
struct exchange_end {
  bool reusable = false;           // connected, keep-alive: back to the idle list
  std::optional<exchange> resend;  // a stale reused connection failed before any answer
};

class connection {
 public:
  virtual ~connection() = default;
  virtual void run(exchange work, std::function<void(exchange_end)> finished) = 0;
};

struct connection_settings {
  processor_url url;
  std::chrono::milliseconds timeout{0};
  bool verify_certificates = true;
};

http::request<http::string_body> to_beast(const wire_request& wire) {
  http::request<http::string_body> request;
  request.method_string(wire.method);
  request.target(wire.target);
  request.version(11);
  for (const auto& [name, value] : wire.headers) request.set(name, value);
  request.keep_alive(true);
  if (wire.method == "POST") request.body() = wire.body;
  request.prepare_payload();
  return request;
}

wire_answer from_beast(const http::response<http::string_body>& response) {
  wire_answer answer;
  answer.answered = true;
  answer.status = static_cast<int>(response.result_int());
  for (const auto& field : response)
    answer.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  answer.body = response.body();
  return answer;
}

// A keep-alive connection the server closed while it was idle fails this way on reuse.
bool is_stale_connection_error(const beast::error_code& failure) {
  return failure == http::error::end_of_stream || failure == asio::error::eof ||
         failure == asio::error::connection_reset || failure == asio::error::broken_pipe;
}

template <class Stream>
class connection_over final : public connection,
                              public std::enable_shared_from_this<connection_over<Stream>> {
 public:
  static constexpr bool tls = !std::is_same_v<Stream, beast::tcp_stream>;

  connection_over(asio::io_context& io, ssl::context* tls_context,
                  const connection_settings& settings)
      : resolver_(io), stream_(make_stream(io, tls_context)), deadline_(io), settings_(settings) {}

  void run(exchange work, std::function<void(exchange_end)> finished) override {
    work_ = std::move(work);
    finished_ = std::move(finished);
    request_ = to_beast(work_.request);
    reused_ = connected_;
    timed_out_ = false;
    ++exchange_number_;
    deadline_.expires_after(settings_.timeout);
    deadline_.async_wait(
        [weak = this->weak_from_this(), number = exchange_number_](beast::error_code failure) {
          auto self = weak.lock();
          if (!failure && self && self->exchange_number_ == number) self->on_deadline();
        });
    if (connected_)
      write();
    else
      resolve();
  }

 private:
  static Stream make_stream(asio::io_context& io, ssl::context* tls_context) {
    if constexpr (tls)
      return Stream(io, *tls_context);
    else
      return Stream(io);
  }

  void resolve() {
    resolver_.async_resolve(settings_.url.host, settings_.url.port,
                            [self = this->shared_from_this()](
                                beast::error_code failure, tcp::resolver::results_type endpoints) {
                              if (failure) return self->fail(failure);
                              self->connect(endpoints);
                            });
  }

  void connect(const tcp::resolver::results_type& endpoints) {
    beast::get_lowest_layer(stream_).async_connect(
        endpoints,
        [self = this->shared_from_this()](beast::error_code failure, const tcp::endpoint&) {
          if (failure) return self->fail(failure);
          if constexpr (tls)
            self->handshake();
          else
            self->write();
        });
  }

  void handshake() {
    if constexpr (tls) {
      const auto& host = settings_.url.host;
      // SNI: without it a shared TLS front (Stripe's) cannot pick the certificate.
      if (!SSL_set_tlsext_host_name(stream_.native_handle(), host.c_str()))
        return fail(beast::error_code(static_cast<int>(::ERR_get_error()),
                                      asio::error::get_ssl_category()));
      if (settings_.verify_certificates)
        stream_.set_verify_callback(ssl::host_name_verification(host));
      stream_.async_handshake(ssl::stream_base::client,
                              [self = this->shared_from_this()](beast::error_code failure) {
                                if (failure) return self->fail(failure);
                                self->write();
                              });
    }
  }

  void write() {
    connected_ = true;
    http::async_write(stream_, request_,
                      [self = this->shared_from_this()](beast::error_code failure, std::size_t) {
                        if (failure) return self->fail(failure);
                        self->read();
                      });
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(response_body_bytes_max);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code failure, std::size_t) {
                       if (failure) return self->fail(failure);
                       self->complete();
                     });
  }

  void complete() {
    deadline_.cancel();
    ++exchange_number_;
    const auto& response = parser_->get();
    const bool keep_alive = response.keep_alive();
    auto answer = from_beast(response);
    if (!keep_alive) close();
    auto done = std::move(work_.done);
    auto finished = std::move(finished_);
    done(std::move(answer));
    finished(exchange_end{keep_alive, std::nullopt});
  }

  void fail(beast::error_code failure) {
    deadline_.cancel();
    ++exchange_number_;
    close();
    auto finished = std::move(finished_);
    if (reused_ && !timed_out_ && !work_.retried && is_stale_connection_error(failure)) {
      work_.retried = true;
      return finished(exchange_end{false, std::move(work_)});
    }
    wire_answer answer;
    answer.timed_out = timed_out_;
    answer.transport_error = timed_out_ ? "timeout" : failure.message();
    auto done = std::move(work_.done);
    done(std::move(answer));
    finished(exchange_end{false, std::nullopt});
  }

  void on_deadline() {
    timed_out_ = true;
    resolver_.cancel();
    close();  // cancels whatever is pending; its handler reports the timeout
  }

  void close() {
    connected_ = false;
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().close(ignored);
  }

  tcp::resolver resolver_;
  Stream stream_;
  asio::steady_timer deadline_;
  const connection_settings& settings_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::optional<http::response_parser<http::string_body>> parser_;
  exchange work_;
  std::function<void(exchange_end)> finished_;
  std::uint64_t exchange_number_ = 0;
  bool connected_ = false;
  bool reused_ = false;
  bool timed_out_ = false;
};

}  // namespace

struct stripe_client::impl {
  stripe_client_config config;
  connection_settings settings;
  client_identity identity;
  std::unique_ptr<ssl::context> tls_context;  // https only; outlives every connection
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  std::thread thread;
  std::atomic<bool> stopped{false};
  std::deque<exchange> queue;
  std::vector<std::shared_ptr<connection>> idle;
  std::size_t open = 0;  // connections busy or idle

  std::shared_ptr<connection> open_connection() {
    if (settings.url.tls)
      return std::make_shared<connection_over<beast::ssl_stream<beast::tcp_stream>>>(
          io, tls_context.get(), settings);
    return std::make_shared<connection_over<beast::tcp_stream>>(io, nullptr, settings);
  }

  void enqueue(exchange work) {
    if (queue.size() >= queued_requests_max) {
      wire_answer refused;
      refused.transport_error = "client queue full";
      return work.done(std::move(refused));
    }
    queue.push_back(std::move(work));
    dispatch();
  }

  void dispatch() {
    while (!queue.empty()) {
      std::shared_ptr<connection> chosen;
      if (!idle.empty()) {
        chosen = std::move(idle.back());
        idle.pop_back();
      } else if (open < config.connections_max) {
        chosen = open_connection();
        ++open;
      } else {
        return;
      }
      auto work = std::move(queue.front());
      queue.pop_front();
      chosen->run(std::move(work),
                  [this, chosen](exchange_end end) { finished(chosen, std::move(end)); });
    }
  }

  void finished(const std::shared_ptr<connection>& used, exchange_end end) {
    if (end.reusable)
      idle.push_back(used);
    else
      --open;
    if (end.resend) {
      // The processor closed a connection that sat idle; the others idled as long, so the
      // resend (its one chance) goes on a new connection rather than another stale one.
      open -= idle.size();
      idle.clear();
      queue.push_front(std::move(*end.resend));
    }
    dispatch();
  }

  void submit(wire_request request, answer_callback done) {
    if (stopped) return;
    asio::post(io, [this, work = exchange{std::move(request), std::move(done), false}]() mutable {
      enqueue(std::move(work));
    });
  }
};

result<std::shared_ptr<stripe_client>> stripe_client::start(stripe_client_config config) {
  auto url = parse_processor_url(config.url);
  if (!url) return url.failure();
  if (config.api_key.empty()) return error{error_code::parameter_missing, "api_key"};
  if (config.connections_max == 0) config.connections_max = connections_max_default;
  if (config.request_timeout.count() <= 0) config.request_timeout = request_timeout_default;
  auto state = std::make_unique<impl>();
  state->settings = connection_settings{*url, config.request_timeout, config.verify_certificates};
  const bool default_port = url->port == (url->tls ? "443" : "80");
  state->identity =
      client_identity{config.api_key, default_port ? url->host : url->host + ":" + url->port,
                      url->path_prefix, config.stripe_version};
  if (url->tls) {
    state->tls_context = std::make_unique<ssl::context>(ssl::context::tls_client);
    beast::error_code failure;
    state->tls_context->set_default_verify_paths(failure);
    if (failure) return error{error_code::internal, "tls"};
    state->tls_context->set_verify_mode(config.verify_certificates ? ssl::verify_peer
                                                                   : ssl::verify_none);
  }
  state->config = std::move(config);
  state->keep_running.emplace(asio::make_work_guard(state->io));
  auto* io = &state->io;
  state->thread = std::thread([io] { io->run(); });
  return std::shared_ptr<stripe_client>(new stripe_client(std::move(state)));
}

stripe_client::stripe_client(std::unique_ptr<impl> state) : impl_(std::move(state)) {}

stripe_client::~stripe_client() {
  stop();
}

void stripe_client::stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->keep_running.reset();
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void stripe_client::send(const actors::processor_request& request, reply_callback done) {
  impl_->submit(create_request(request, impl_->identity),
                [kind = request.kind, done = std::move(done)](wire_answer answer) {
                  done(classify_create(kind, answer));
                });
}

void stripe_client::retrieve(processor_kind kind, const std::string& object_id,
                             lookup_callback done) {
  impl_->submit(retrieve_request(kind, object_id, impl_->identity),
                [kind, done = std::move(done)](wire_answer answer) {
                  done(classify_retrieve(kind, answer));
                });
}

void stripe_client::find(processor_kind kind, const std::string& operation_id,
                         std::int64_t created_at, lookup_callback done) {
  auto scan = std::make_shared<object_scan>(kind, operation_id, created_at);
  if (kind == processor_kind::withdrawal) return scan_objects(impl_.get(), scan, std::move(done));
  // The search finds a charge in one call, but its "none" may be up to an hour old: the
  // current list decides then (also when the search is refused: an old API version, a
  // country without it), unless it is too long to read (past the page bound), when the
  // search's answer stands, with its lag for the gateway to wait out.
  auto* state = impl_.get();
  state->submit(payment_intent_search_request(operation_id, state->identity),
                [state, scan, operation_id, done = std::move(done)](wire_answer answer) mutable {
                  auto searched = classify_find(processor_kind::topup, operation_id, answer);
                  if (searched.answered && !searched.objects.empty())
                    return done(std::move(searched));
                  if (searched.answered) searched.search_lag = state->config.search_lag;
                  scan_objects(state, scan,
                               [searched = std::move(searched),
                                done = std::move(done)](actors::processor_lookup scanned) mutable {
                                 done(scanned.answered ? std::move(scanned) : std::move(searched));
                               });
                });
}

// Callbacks run on the I/O thread, which stop() joins before `state` goes: the raw pointer
// outlives every page's answer.
void stripe_client::scan_objects(impl* state, std::shared_ptr<object_scan> scan,
                                 lookup_callback done) {
  state->submit(scan->next_request(state->identity),
                [state, scan, done = std::move(done)](wire_answer answer) mutable {
                  if (scan->take(answer)) return done(scan->lookup());
                  scan_objects(state, std::move(scan), std::move(done));
                });
}

void stripe_client::list(processor_kind kind, std::int64_t created_since,
                         const std::string& starting_after, std::size_t limit, page_callback done) {
  impl_->submit(
      list_request(kind, created_since, starting_after, limit, impl_->identity),
      [kind, done = std::move(done)](wire_answer answer) { done(classify_list(kind, answer)); });
}

}  // namespace escrowd::processor_client
