// escrowd_server: fork/exec with output appended to a log file, readiness by polling that
// file, so a chatty server can never block on a full pipe.
#include "tests/api/api_server.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace escrowd::api_testing {
namespace {

namespace fs = std::filesystem;

std::string read_file_from(const fs::path& path, std::size_t offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(static_cast<std::streamoff>(offset));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::size_t file_size_or_zero(const fs::path& path) {
  std::error_code ignored;
  const auto size = fs::file_size(path, ignored);
  return ignored ? 0 : static_cast<std::size_t>(size);
}

// The port in " listen=HOST:PORT" of the ready line, or 0.
std::uint16_t port_of_ready_line(const std::string& output) {
  const auto ready = output.find("escrowd ready ");
  if (ready == std::string::npos) return 0;
  const auto line_end = output.find('\n', ready);
  if (line_end == std::string::npos) return 0;  // the line is not complete yet
  const auto line = output.substr(ready, line_end - ready);
  const auto listen = line.find(" listen=");
  if (listen == std::string::npos) return 0;
  const auto colon = line.find_last_of(':', line.find(' ', listen + 1));
  if (colon == std::string::npos) return 0;
  return static_cast<std::uint16_t>(std::strtoul(line.c_str() + colon + 1, nullptr, 10));
}

std::string random_hex(std::size_t length) {
  std::random_device device;
  std::string out;
  constexpr char digits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < length; ++i) out.push_back(digits[device() % 16]);
  return out;
}

}  // namespace

std::string escrowd_binary() {
  if (const char* configured = std::getenv("ESCROWD_BINARY"); configured && *configured) {
    return configured;
  }
  return ESCROWD_PATH;
}

escrowd_server::escrowd_server() {
  std::string pattern = (fs::temp_directory_path() / "escrowd-api-XXXXXX").string();
  if (mkdtemp(pattern.data()) != nullptr) root_ = pattern;
  data_dir_ = root_ / "data";
  log_path_ = root_ / "escrowd.log";
  admin_key_ = "sk_admin_" + random_hex(32);
}

escrowd_server::~escrowd_server() {
  if (running()) kill_hard();
  std::error_code ignored;
  if (!root_.empty()) fs::remove_all(root_, ignored);
}

bool escrowd_server::start(std::chrono::milliseconds timeout) {
  if (running()) return true;
  const auto offset = file_size_or_zero(log_path_);
  const std::string binary = escrowd_binary();
  const pid_t child = fork();
  if (child < 0) {
    problem_ = "fork failed";
    return false;
  }
  if (child == 0) {
    // A test process that dies (timeout, crash, ^C) must not leave servers behind.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log_fd >= 0) {
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
    }
    setenv("ESCROWD_ADMIN_KEY", admin_key_.c_str(), 1);
    execl(binary.c_str(), binary.c_str(), "serve", "--listen", "127.0.0.1:0", "--data-dir",
          data_dir_.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  pid_ = child;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    port_ = port_of_ready_line(read_file_from(log_path_, offset));
    if (port_ != 0) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      problem_ = "escrowd exited before it was ready (" + binary + "):\n" + log();
      return false;
    }
    std::this_thread::sleep_for(5ms);
  }
  problem_ = "escrowd was not ready in time:\n" + log();
  kill_hard();
  return false;
}

int escrowd_server::stop(std::chrono::milliseconds timeout) {
  if (!running()) return -1;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return status;
    }
    std::this_thread::sleep_for(5ms);
  }
  problem_ = "escrowd did not stop on SIGTERM in time";
  kill_hard();
  return -1;
}

void escrowd_server::kill_hard() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string escrowd_server::log() const {
  return read_file_from(log_path_, 0);
}

}  // namespace escrowd::api_testing
