// The real escrowd binary as a child process for the black-box API tests: `escrowd serve
// --listen 127.0.0.1:0 --data-dir DIR` with ESCROWD_ADMIN_KEY in its environment, its output
// in a log file beside the data, the port read from its "escrowd ready ... listen=H:P" line.
// It can be stopped with SIGTERM or SIGKILL and started again on the same data directory.
// Thread affinity: the test thread. Lifetimes: owns the child (killed in the destructor) and
// its temporary directory (removed in the destructor).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>

namespace escrowd::api_testing {

using namespace std::chrono_literals;

// The escrowd binary: $ESCROWD_BINARY if set, else the path CMake compiled in.
std::string escrowd_binary();

class escrowd_server {
 public:
  // Creates a fresh temporary directory and an admin key; does not start anything.
  escrowd_server();
  ~escrowd_server();

  escrowd_server(const escrowd_server&) = delete;
  escrowd_server& operator=(const escrowd_server&) = delete;

  // Starts the binary on the data directory (kept across restarts) and waits for readiness.
  // false (with the reason in last_problem()) if it exits or is not ready before the timeout.
  bool start(std::chrono::milliseconds timeout = 20s);
  // SIGTERM and wait; the exit status as waitpid reports it (-1 if not running).
  int stop(std::chrono::milliseconds timeout = 20s);
  // SIGKILL and reap: a crash at an arbitrary point.
  void kill_hard();

  bool running() const { return pid_ > 0; }
  std::uint16_t port() const { return port_; }
  const std::string& admin_key() const { return admin_key_; }
  // The ESCROWD_ADMIN_KEY of the next start.
  void set_admin_key(std::string key) { admin_key_ = std::move(key); }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  const std::string& last_problem() const { return problem_; }
  // Everything the server printed so far (stdout and stderr, all runs).
  std::string log() const;

 private:
  std::filesystem::path root_;
  std::filesystem::path data_dir_;
  std::filesystem::path log_path_;
  std::string admin_key_;
  std::string problem_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace escrowd::api_testing
