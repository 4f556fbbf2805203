// End to end through real servers: starts `escrowd serve` on a fresh data directory and a
// real Prometheus (Debian package prometheus) on loopback with a temporary configuration
// that scrapes escrowd's GET /metrics every second; creates two accounts and a task through
// the HTTP API with the admin key; then asks Prometheus's HTTP API (/api/v1/query) for the
// metrics that this changed and checks their values. Both processes bind 127.0.0.1;
// escrowd picks its own port (reported on its ready line), Prometheus gets a free one.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto server_start_timeout = 30s;  // Prometheus replays an empty WAL in < 1 s here
constexpr auto scrape_wait_timeout = 30s;   // a scrape a second: many chances
constexpr const char* admin_secret = "telemetry-test-admin-secret";

struct http_answer {
  int status = 0;
  std::string body;
};

std::string dechunk(const std::string& body) {
  std::string out;
  std::size_t at = 0;
  while (at < body.size()) {
    const auto line_end = body.find("\r\n", at);
    if (line_end == std::string::npos) break;
    const auto size = std::stoul(body.substr(at, line_end - at), nullptr, 16);
    if (size == 0) break;
    out += body.substr(line_end + 2, size);
    at = line_end + 2 + size + 2;
  }
  return out;
}

// One HTTP/1.1 exchange on a fresh connection (Connection: close); nullopt if nobody answers.
std::optional<http_answer> http_call(int port, const std::string& method, const std::string& target,
                                     const std::string& body = {},
                                     const std::vector<std::string>& headers = {}) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(std::uint16_t(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return std::nullopt;
  }
  std::string request = method + " " + target +
                        " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                        "\r\nConnection: close\r\n";
  for (const auto& header : headers) request += header + "\r\n";
  if (!body.empty())
    request +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  request += "\r\n" + body;
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) != ssize_t(request.size())) {
    close(fd);
    return std::nullopt;
  }
  std::string response;
  std::array<char, 4096> buffer{};
  for (ssize_t got; (got = recv(fd, buffer.data(), buffer.size(), 0)) > 0;)
    response.append(buffer.data(), std::size_t(got));
  close(fd);
  const auto head_end = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos) return std::nullopt;
  http_answer answer;
  answer.status = std::atoi(response.c_str() + 9);
  const auto head = response.substr(0, head_end);
  answer.body = response.substr(head_end + 4);
  std::string lower_head = head;
  for (auto& c : lower_head) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (lower_head.find("transfer-encoding: chunked") != std::string::npos)
    answer.body = dechunk(answer.body);
  return answer;
}

std::string url_encode(const std::string& text) {
  std::string out;
  char escaped[4];
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(char(c));
    } else {
      std::snprintf(escaped, sizeof escaped, "%%%02X", c);
      out += escaped;
    }
  }
  return out;
}

int free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) close(fd);
    return 0;
  }
  const int port = ntohs(address.sin_port);
  close(fd);  // Prometheus binds it next; nothing else on this machine races for it
  return port;
}

class child_process {
 public:
  // Runs `argv` with `environment` added; stderr (and stdout unless captured) go to `log`.
  child_process(std::vector<std::string> argv, const std::vector<std::string>& environment,
                const fs::path& log, bool capture_stdout) {
    int out[2] = {-1, -1};
    if (capture_stdout && pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      for (const auto& variable : environment) putenv(const_cast<char*>(variable.c_str()));
      FILE* log_file = std::fopen(log.c_str(), "w");
      if (log_file != nullptr) {
        dup2(fileno(log_file), STDERR_FILENO);
        if (!capture_stdout) dup2(fileno(log_file), STDOUT_FILENO);
      }
      if (capture_stdout) {
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
      }
      std::vector<char*> args;
      for (auto& arg : argv) args.push_back(arg.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    if (capture_stdout) {
      close(out[1]);
      stdout_ = fdopen(out[0], "r");
    }
  }
  ~child_process() { stop(); }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  bool started() const { return pid_ > 0; }
  // The next line the child printed on stdout (blocks); empty at end of output.
  std::string read_line() {
    if (stdout_ == nullptr) return {};
    std::array<char, 1024> line{};
    if (fgets(line.data(), int(line.size()), stdout_) == nullptr) return {};
    return line.data();
  }
  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (stdout_ != nullptr) {
      fclose(stdout_);
      stdout_ = nullptr;
    }
  }

 private:
  pid_t pid_ = -1;
  FILE* stdout_ = nullptr;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

class prometheus_scrape : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "escrowd-prometheus-XXXXXX").string();
    root_ = mkdtemp(pattern.data());
  }
  void TearDown() override {
    prometheus_.reset();
    escrowd_.reset();
    if (HasFailure()) {
      std::cerr << "--- escrowd log\n" << read_file(root_ / "escrowd.log").substr(0, 8'000);
      std::cerr << "--- prometheus log (tail)\n";
      const auto log = read_file(root_ / "prometheus.log");
      std::cerr << log.substr(log.size() > 6'000 ? log.size() - 6'000 : 0) << "\n";
    }
    fs::remove_all(root_);
  }

  // Starts escrowd and returns its port (0 on failure).
  int start_escrowd() {
    escrowd_ = std::make_unique<child_process>(
        std::vector<std::string>{ESCROWD_PATH, "serve", "--listen", "127.0.0.1:0", "--data-dir",
                                 (root_ / "data").string()},
        std::vector<std::string>{std::string("ESCROWD_ADMIN_KEY=") + admin_secret},
        root_ / "escrowd.log", true);
    if (!escrowd_->started()) return 0;
    for (std::string line = escrowd_->read_line(); !line.empty(); line = escrowd_->read_line()) {
      if (line.rfind("escrowd ready ", 0) != 0) continue;
      const auto at = line.find(" listen=");
      if (at == std::string::npos) return 0;
      const auto address = line.substr(at + 8, line.find(' ', at + 8) - (at + 8));
      return std::atoi(address.c_str() + address.rfind(':') + 1);
    }
    return 0;
  }

  // Starts Prometheus scraping 127.0.0.1:target_port every second; returns its port once
  // it is ready (0 on failure).
  int start_prometheus(int target_port) {
    const int port = free_loopback_port();
    if (port == 0) return 0;
    const auto config = root_ / "prometheus.yml";
    std::ofstream(config) << "global:\n"
                             "  scrape_interval: 1s\n"
                             "  scrape_timeout: 1s\n"
                             "  evaluation_interval: 1s\n"
                             "scrape_configs:\n"
                             "  - job_name: escrowd\n"
                             "    metrics_path: /metrics\n"
                             "    static_configs:\n"
                             "      - targets: ['127.0.0.1:"
                          << target_port << "']\n";
    prometheus_ = std::make_unique<child_process>(
        std::vector<std::string>{ESCROWD_PROMETHEUS_PATH, "--config.file=" + config.string(),
                                 "--storage.tsdb.path=" + (root_ / "tsdb").string(),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port)},
        std::vector<std::string>{}, root_ / "prometheus.log", false);
    if (!prometheus_->started()) return 0;
    const auto deadline = std::chrono::steady_clock::now() + server_start_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto ready = http_call(port, "GET", "/-/ready");
      if (ready && ready->status == 200) return port;
      std::this_thread::sleep_for(100ms);
    }
    return 0;
  }

  // The value of the query's single series, once it equals `expected` (or the last value
  // seen when the deadline passed; nullopt if the series never appeared).
  std::optional<double> query_until(int port, const std::string& query, double expected) {
    std::optional<double> seen;
    const auto deadline = std::chrono::steady_clock::now() + scrape_wait_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto answer = http_call(port, "GET", "/api/v1/query?query=" + url_encode(query));
      if (answer && answer->status == 200) {
        const auto parsed = boost::json::parse(answer->body);
        const auto& result = parsed.at("data").at("result").as_array();
        if (result.size() == 1) {
          seen = std::stod(std::string(result[0].at("value").as_array()[1].as_string()));
          if (*seen == expected) return seen;
        }
      }
      std::this_thread::sleep_for(200ms);
    }
    return seen;
  }

  fs::path root_;
  std::unique_ptr<child_process> escrowd_;
  std::unique_ptr<child_process> prometheus_;
};

TEST_F(prometheus_scrape, prometheus_sees_a_metric_changed_through_the_api) {
  ASSERT_TRUE(fs::exists(ESCROWD_PROMETHEUS_PATH))
      << "prometheus is missing: run scripts/install-deps (Debian package prometheus)";
  const int escrowd_port = start_escrowd();
  ASSERT_NE(escrowd_port, 0) << "escrowd did not report ready";
  auto metrics = http_call(escrowd_port, "GET", "/metrics");
  ASSERT_TRUE(metrics.has_value());
  ASSERT_EQ(metrics->status, 200) << metrics->body;
  ASSERT_NE(metrics->body.find("escrowd_build_info"), std::string::npos) << metrics->body;

  const int prometheus_port = start_prometheus(escrowd_port);
  ASSERT_NE(prometheus_port, 0) << "prometheus did not become ready";
  EXPECT_EQ(query_until(prometheus_port, "up{job=\"escrowd\"}", 1), 1)
      << "prometheus never scraped escrowd";
  EXPECT_EQ(query_until(prometheus_port, "escrowd_ledger_rows{table=\"accounts\"}", 0), 0);

  const std::vector<std::string> admin{std::string("Authorization: Bearer ") + admin_secret};
  for (const char* id : {"acct_payer", "acct_worker"}) {
    auto created = http_call(escrowd_port, "POST", "/v1/accounts",
                             std::string(R"({"id":")") + id + R"(","currency":"usd"})", admin);
    ASSERT_TRUE(created.has_value());
    ASSERT_EQ(created->status, 201) << created->body;
  }
  auto task = http_call(escrowd_port, "POST", "/v1/tasks",
                        R"({"id":"task_1","payer":"acct_payer","worker":"acct_worker",)"
                        R"("amount":1250,"currency":"usd"})",
                        admin);
  ASSERT_TRUE(task.has_value());
  ASSERT_EQ(task->status, 201) << task->body;

  EXPECT_EQ(query_until(prometheus_port, "escrowd_ledger_rows{table=\"accounts\"}", 2), 2);
  EXPECT_EQ(
      query_until(prometheus_port, "escrowd_task_transitions_total{from=\"none\",to=\"open\"}", 1),
      1);
  // Recorded by the HTTP layer through the facade.
  EXPECT_EQ(
      query_until(prometheus_port,
                  "escrowd_http_requests_total{route=\"POST /v1/accounts\",status=\"201\"}", 2),
      2);
}

}  // namespace
