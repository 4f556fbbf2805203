// escrowd's composition root: parses the command line and wires the layers together.
// No library folder depends on this one.
#include <iostream>
#include <string>
#include <vector>

#include "actors/malloc_tuning.hpp"
#include "storage/ledger_store.hpp"
#include "storage/verify.hpp"
#include "tools/escrowd/command_line.hpp"
#include "tools/escrowd/serve.hpp"
#include "tools/escrowd/storage_failure.hpp"

namespace {

int verify(const escrowd::command_line& line) {
  escrowd::storage::store_options options;
  options.data_dir = line.data_dir;
  options.read_only = true;
  auto store = escrowd::storage::ledger_store::open(options);
  if (!store) {
    std::cerr << "escrowd: cannot open " << line.data_dir << ": "
              << escrowd::explain_storage_failure(store.failure()) << "\n";
    return 1;
  }
  auto report = escrowd::storage::verify_ledger(**store);
  if (!report) {
    std::cerr << "escrowd: cannot read " << line.data_dir << "\n";
    return 1;
  }
  std::cout << (report->ok ? "ok" : "FAILED") << " accounts_checked=" << report->accounts_checked
            << " entries_checked=" << report->entries_checked
            << " problems=" << report->problems_total << "\n";
  for (const auto& problem : report->problems) std::cout << "  " << problem << "\n";
  return report->ok ? 0 : 1;
}

int backup(const escrowd::command_line& line) {
  auto copied = escrowd::storage::backup_data_dir(line.data_dir, line.backup_to);
  if (!copied.ok()) {
    std::cerr << "escrowd: backup failed: " << escrowd::explain_storage_failure(copied.failure())
              << "\n";
    return 1;
  }
  std::cout << "backup of " << line.data_dir << " written to " << line.backup_to << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  escrowd::actors::reexec_with_malloc_tuning(argv);
  std::vector<std::string> arguments(argv + 1, argv + argc);
  auto outcome = escrowd::parse_command_line(arguments);
  if (!outcome.parsed) {
    std::cerr << "escrowd: " << outcome.problem << "\n\n" << escrowd::usage_text();
    return 2;
  }
  const auto& line = *outcome.parsed;
  switch (line.subcommand) {
    case escrowd::subcommand::help:
      std::cout << escrowd::usage_text();
      return 0;
    case escrowd::subcommand::serve:
      return escrowd::serve(line);
    case escrowd::subcommand::verify:
      return verify(line);
    case escrowd::subcommand::backup:
      return backup(line);
  }
  return 2;
}
