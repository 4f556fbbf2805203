// escrowd's composition root: parses the command line and wires the layers together.
// No library folder depends on this one.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "tools/escrowd/command_line.hpp"

namespace {

// Blocks SIGTERM and SIGINT in every thread started after this, so that the main thread
// alone receives them with sigwait.
sigset_t block_shutdown_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int serve(const escrowd::command_line& line) {
  const sigset_t signals = block_shutdown_signals();
  std::error_code failure;
  std::filesystem::create_directories(line.data_dir, failure);
  if (failure) {
    std::cerr << "escrowd: cannot create data directory " << line.data_dir << ": "
              << failure.message() << "\n";
    return 1;
  }
  std::cout << "escrowd ready data_dir=" << line.data_dir << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  std::cout << "escrowd stopping on signal " << received << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> arguments(argv + 1, argv + argc);
  auto outcome = escrowd::parse_command_line(arguments);
  if (!outcome.parsed) {
    std::cerr << "escrowd: " << outcome.problem << "\n\n" << escrowd::usage_text();
    return 2;
  }
  const auto& line = *outcome.parsed;
  switch (line.subcommand) {
    case escrowd::subcommand::help: std::cout << escrowd::usage_text(); return 0;
    case escrowd::subcommand::serve: return serve(line);
    case escrowd::subcommand::verify:
    case escrowd::subcommand::backup:
      std::cerr << "escrowd: this command needs the storage layer\n";
      return 1;
  }
  return 2;
}
