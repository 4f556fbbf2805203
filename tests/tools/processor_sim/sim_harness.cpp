// Test support for the simulator's integration tests; see sim_harness.hpp.
#include "sim_harness.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <cctype>
#include <memory>
#include <stdexcept>

namespace escrowd::processor_sim::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto startup_timeout = std::chrono::seconds(10);
constexpr auto exit_timeout = std::chrono::seconds(10);

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Reads the announcement line "... listening on HOST:PORT" and returns PORT.
std::uint16_t read_port(int fd) {
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + startup_timeout;
  while (line.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd pfd{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) {
      throw std::runtime_error("simulator did not announce its port; got: " + line);
    }
    char buffer[256];
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) throw std::runtime_error("simulator exited before listening; got: " + line);
    line.append(buffer, static_cast<std::size_t>(n));
  }
  std::size_t colon = line.rfind(':');
  if (line.find("listening on") == std::string::npos || colon == std::string::npos) {
    throw std::runtime_error("unexpected announcement: " + line);
  }
  return static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)));
}

}  // namespace

sim_process::sim_process(const std::vector<std::string>& args) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Die with the test process, even if it crashes before its destructors run.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    std::vector<char*> argv;
    std::string path = ESCROWD_PROCESSOR_SIM_PATH;
    argv.push_back(path.data());
    std::vector<std::string> copies(args);
    for (auto& arg : copies) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execv(path.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  stdout_fd_ = fds[0];
  try {
    port_ = read_port(stdout_fd_);
  } catch (...) {
    stop();
    throw;
  }
}

sim_process::~sim_process() {
  stop();
}

int sim_process::stop() {
  if (exit_status_) return *exit_status_;
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + exit_timeout;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
  exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return *exit_status_;
}

void sim_process::kill_hard() {
  if (exit_status_ || pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
  exit_status_ = -1;
}

boost::json::value http_result::json() const {
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec);
  return ec ? boost::json::value() : value;
}

http_result http_client::request(const std::string& method, const std::string& target,
                                 const std::string& body,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 std::chrono::milliseconds timeout) {
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) req.set(name, value);
  if (!body.empty() || method == "POST") {
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.body() = body;
  }
  req.prepare_payload();

  http_result result;
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  beast::error_code failure;
  auto fail = [&](beast::error_code ec) {
    failure = ec;
    connected_ = false;
    beast::error_code ignored;
    stream_.socket().close(ignored);
  };
  auto do_read = [&] {
    http::async_read(stream_, buffer, res, [&](beast::error_code ec, std::size_t) {
      if (ec) return fail(ec);
      result.answered = true;
    });
  };
  auto do_write = [&] {
    http::async_write(stream_, req, [&](beast::error_code ec, std::size_t) {
      if (ec) return fail(ec);
      do_read();
    });
  };
  stream_.expires_after(timeout);
  if (!connected_) {
    stream_.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_),
                          [&](beast::error_code ec) {
                            if (ec) return fail(ec);
                            connected_ = true;
                            do_write();
                          });
  } else {
    do_write();
  }
  io_.restart();
  io_.run();
  if (!result.answered) {
    result.error = failure.message();
    return result;
  }
  result.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    result.headers[lower(std::string(field.name_string()))] = std::string(field.value());
  }
  result.body = res.body();
  if (!res.keep_alive()) fail({});
  return result;
}

http_result http_client::post(const std::string& target, const std::string& form,
                              const std::string& idempotency_key) {
  std::vector<std::pair<std::string, std::string>> headers{
      {"Authorization", "Bearer sk_test_integration"}};
  if (!idempotency_key.empty()) headers.emplace_back("Idempotency-Key", idempotency_key);
  return request("POST", target, form, headers);
}

http_result http_client::get(const std::string& target) {
  return request("GET", target, {}, {{"Authorization", "Bearer sk_test_integration"}});
}

webhook_receiver::webhook_receiver(std::function<int(std::size_t)> respond)
    : respond_(std::move(respond)),
      acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  port_ = acceptor_.local_endpoint().port();
  accept();
  thread_ = std::thread([this] { io_.run(); });
}

webhook_receiver::~webhook_receiver() {
  io_.stop();
  thread_.join();
}

void webhook_receiver::accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) return;
    // One request per connection (the simulator sends Connection: close).
    struct exchange {
      beast::tcp_stream stream;
      beast::flat_buffer buffer;
      http::request<http::string_body> request;
      http::response<http::string_body> response;
    };
    auto ex =
        std::make_shared<exchange>(exchange{beast::tcp_stream(std::move(socket)), {}, {}, {}});
    http::async_read(
        ex->stream, ex->buffer, ex->request, [this, ex](beast::error_code r, std::size_t) {
          if (r) return;
          int status = 200;
          {
            std::lock_guard lock(mutex_);
            std::size_t attempt = attempts_++;
            if (respond_) status = respond_(attempt);
            if (status >= 200 && status < 300) {
              received_.push_back(
                  {std::string(ex->request["Stripe-Signature"]), ex->request.body()});
            }
          }
          arrived_.notify_all();
          ex->response.result(static_cast<unsigned>(status));
          ex->response.version(11);
          ex->response.keep_alive(false);
          ex->response.body() = "{}";
          ex->response.prepare_payload();
          http::async_write(ex->stream, ex->response, [ex](beast::error_code, std::size_t) {
            beast::error_code ignored;
            ex->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
          });
        });
    accept();
  });
}

std::vector<received_webhook> webhook_receiver::wait_for(std::size_t count,
                                                         std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  arrived_.wait_for(lock, timeout, [&] { return received_.size() >= count; });
  return received_;
}

}  // namespace escrowd::processor_sim::testing
