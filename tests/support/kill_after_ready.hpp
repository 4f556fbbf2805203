// Runs a program until it prints "ready", lets it go on for a while, then SIGKILLs it: the
// crash tests' way of stopping a real process at an arbitrary moment. The parent keeps
// reading its stdout throughout, so a full pipe never stalls the child, and returns every
// byte it printed before the kill (its acknowledgements).
// Thread affinity: none (forks; call from the test's thread).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

namespace escrowd::testing {

struct killed_run {
  std::string output;  // everything the program printed
  bool ready = false;  // it printed "ready\n" before ready_timeout
};

// `argv[0]` is the program's path. Waits up to `ready_timeout` for "ready\n", then `run_for`.
inline killed_run run_then_kill(const std::vector<std::string>& argv,
                                std::chrono::milliseconds ready_timeout,
                                std::chrono::microseconds run_for) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return {};
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const pid_t child = ::fork();
  if (child == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  killed_run result;
  auto deadline = std::chrono::steady_clock::now() + ready_timeout;
  char buffer[65536];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd poll_fd{pipe_fds[0], POLLIN, 0};
    if (::poll(&poll_fd, 1, int(left.count()) + 1) <= 0) continue;
    const ssize_t got = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (got <= 0) break;  // the program died on its own: the caller's checks will say why
    result.output.append(buffer, std::size_t(got));
    if (!result.ready && result.output.find("ready\n") != std::string::npos) {
      result.ready = true;
      deadline = std::chrono::steady_clock::now() +
                 std::chrono::duration_cast<std::chrono::steady_clock::duration>(run_for);
    }
  }
  ::kill(child, SIGKILL);
  int wait_status = 0;
  ::waitpid(child, &wait_status, 0);
  for (;;) {  // drain what was written before the kill
    const ssize_t got = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (got <= 0) break;
    result.output.append(buffer, std::size_t(got));
  }
  ::close(pipe_fds[0]);
  return result;
}

// An integer from the environment, or `fallback` when unset.
inline int env_int(const char* name, int fallback) {
  const char* text = std::getenv(name);
  return text ? std::atoi(text) : fallback;
}

}  // namespace escrowd::testing
