// test_client: blocking socket with poll()-bounded reads.
#include "tests/http/test_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace escrowd::http::testing {
namespace {

bool iequals(std::string_view left, std::string_view right) {
  return left.size() == right.size() &&
         std::equal(left.begin(), left.end(), right.begin(),
                    [](char a, char b) { return (a | 0x20) == (b | 0x20); });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::optional<std::string> parsed_response::header(std::string_view name) const {
  for (const auto& [field, value] : headers) {
    if (iequals(field, name)) return value;
  }
  return std::nullopt;
}

test_client::test_client(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    close();
    return;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

test_client::~test_client() {
  close();
}

bool test_client::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

void test_client::shutdown_write() {
  ::shutdown(fd_, SHUT_WR);
}

void test_client::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool test_client::receive_more(std::chrono::steady_clock::time_point deadline) {
  if (peer_closed_ || fd_ < 0) return false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd waiting{.fd = fd_, .events = POLLIN, .revents = 0};
    const int ready = ::poll(&waiting, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char chunk[16 * 1024];
    const auto received = ::recv(fd_, chunk, sizeof chunk, 0);
    if (received < 0 && errno == EINTR) continue;
    if (received <= 0) {
      peer_closed_ = true;
      return false;
    }
    pending_.append(chunk, static_cast<std::size_t>(received));
    return true;
  }
}

std::optional<parsed_response> test_client::read_response(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t header_end;
  while ((header_end = pending_.find("\r\n\r\n")) == std::string::npos) {
    if (!receive_more(deadline)) return std::nullopt;
  }
  parsed_response parsed;
  std::string_view head{pending_.data(), header_end};
  const auto line_end = head.find("\r\n");
  parsed.status_line = std::string{head.substr(0, line_end)};
  if (parsed.status_line.size() < 12) return std::nullopt;
  parsed.status = static_cast<unsigned>(std::stoul(parsed.status_line.substr(9, 3)));
  head = line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
  while (!head.empty()) {
    const auto end = std::min(head.find("\r\n"), head.size());
    const auto line = head.substr(0, end);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      parsed.headers.emplace_back(std::string{line.substr(0, colon)},
                                  std::string{trim(line.substr(colon + 1))});
    }
    head.remove_prefix(std::min(end + 2, head.size()));
  }
  const auto length_field = parsed.header("Content-Length");
  const std::size_t length = length_field ? std::stoul(*length_field) : 0;
  const auto body_start = header_end + 4;
  while (pending_.size() < body_start + length) {
    if (!receive_more(deadline)) return std::nullopt;
  }
  parsed.body = pending_.substr(body_start, length);
  pending_.erase(0, body_start + length);
  return parsed;
}

std::string test_client::read_bytes(std::size_t size, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pending_.size() < size && receive_more(deadline)) {
  }
  auto taken = pending_.substr(0, size);
  pending_.erase(0, taken.size());
  return taken;
}

bool test_client::wait_closed(std::chrono::milliseconds timeout, std::string* received) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (receive_more(deadline)) {
  }
  if (received) *received = pending_;
  pending_.clear();
  return peer_closed_;
}

std::string get_request(std::string_view target, std::string_view extra_headers) {
  std::string out = "GET ";
  out.append(target).append(" HTTP/1.1\r\nHost: localhost\r\n").append(extra_headers);
  return out.append("\r\n");
}

std::string post_request(std::string_view target, std::string_view body,
                         std::string_view extra_headers) {
  std::string out = "POST ";
  out.append(target).append(" HTTP/1.1\r\nHost: localhost\r\n");
  out.append("Content-Type: application/json\r\nContent-Length: ");
  out.append(std::to_string(body.size())).append("\r\n").append(extra_headers).append("\r\n");
  return out.append(body);
}

}  // namespace escrowd::http::testing
