// Tests the real escrowd binary as a process: `serve` opens a fresh data directory,
// verifies the ledger, reports readiness and stops cleanly on SIGTERM; `verify` exits 0 on
// that directory and non-zero on a directory that holds no store; `backup` writes a copy
// that `verify` accepts; a store of another format is refused with what to do; a second
// server on a data directory in use is refused; bad command lines exit 2.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>

#include "storage/keys.hpp"
#include "storage/ledger_store.hpp"
#include "storage/meta_codec.hpp"
#include "tests/storage/raw_lmdb.hpp"

namespace {

namespace fs = std::filesystem;

struct run_result {
  int exit_code = -1;
  std::string output;
};

run_result run(const std::string& arguments) {
  const std::string command = std::string(ESCROWD_PATH) + " " + arguments + " 2>&1";
  run_result result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 512> buffer{};
  while (fgets(buffer.data(), int(buffer.size()), pipe) != nullptr) result.output += buffer.data();
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class escrowd_process : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "escrowd-process-XXXXXX").string();
    root_ = mkdtemp(pattern.data());
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(escrowd_process, serve_reports_ready_and_stops_on_sigterm) {
  const auto data_dir = root_ / "data";
  int out[2];
  int err[2];
  ASSERT_EQ(pipe(out), 0);
  ASSERT_EQ(pipe(err), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    close(out[0]);
    close(err[0]);
    execl(ESCROWD_PATH, ESCROWD_PATH, "serve", "--data-dir", data_dir.c_str(), nullptr);
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  FILE* lines = fdopen(out[0], "r");
  std::array<char, 512> line{};
  ASSERT_NE(fgets(line.data(), int(line.size()), lines), nullptr);
  EXPECT_EQ(std::string(line.data()).rfind("escrowd ready", 0), 0u) << line.data();
  EXPECT_TRUE(fs::exists(data_dir / "data.mdb"));
  kill(child, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  fclose(lines);
  std::string said;
  for (char chunk[512]; const auto got = read(err[0], chunk, sizeof chunk);) {
    if (got <= 0) break;
    said.append(chunk, std::size_t(got));
  }
  close(err[0]);
  // Without --processor-url: the operator is told the bundled simulator stands in.
  EXPECT_NE(said.find("bundled processor simulator"), std::string::npos) << said;
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);

  auto verified = run("verify --data-dir " + data_dir.string());
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_EQ(verified.output.rfind("ok ", 0), 0u) << verified.output;

  const auto copy = root_ / "copy";
  fs::create_directories(copy);
  auto backed_up =
      run("backup --data-dir " + data_dir.string() + " --to " + (copy / "data.mdb").string());
  EXPECT_EQ(backed_up.exit_code, 0) << backed_up.output;
  EXPECT_EQ(run("verify --data-dir " + copy.string()).exit_code, 0);
}

TEST_F(escrowd_process, verify_fails_where_there_is_no_ledger) {
  const auto file = root_ / "not-a-directory";
  std::FILE* created = std::fopen(file.c_str(), "w");
  ASSERT_NE(created, nullptr);
  std::fclose(created);
  EXPECT_NE(run("verify --data-dir " + file.string()).exit_code, 0);
}

TEST_F(escrowd_process, a_store_of_another_format_is_refused_with_what_to_do) {
  const auto data_dir = root_ / "data";
  {
    escrowd::storage::store_options options;
    options.data_dir = data_dir;
    ASSERT_TRUE(escrowd::storage::ledger_store::open(options).has_value());
  }
  ASSERT_TRUE(escrowd::storage::testing::rewrite_raw_value(
      data_dir, "meta", escrowd::storage::header_key, [](std::string_view) {
        std::string value;
        escrowd::storage::encode_header({escrowd::storage::store_format_version - 1, 0}, value);
        return value;
      }));
  for (const auto* command : {"verify", "serve --listen 127.0.0.1:0"}) {
    auto refused = run(std::string(command) + " --data-dir " + data_dir.string());
    EXPECT_EQ(refused.exit_code, 1) << command;
    EXPECT_NE(refused.output.find("a store written in another format than this build's (format " +
                                  std::to_string(escrowd::storage::store_format_version) + ";"),
              std::string::npos)
        << command << ": " << refused.output;
  }
}

// Two servers on one directory would commit on top of each other's journal.
TEST_F(escrowd_process, a_second_server_on_a_directory_in_use_is_refused) {
  const auto data_dir = root_ / "data";
  escrowd::storage::store_options options;
  options.data_dir = data_dir;
  auto holder = escrowd::storage::ledger_store::open(options);  // the running server's store
  ASSERT_TRUE(holder.has_value());
  auto refused = run("serve --listen 127.0.0.1:0 --data-dir " + data_dir.string());
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("is in use by another escrowd process"), std::string::npos)
      << refused.output;
  auto verified = run("verify --data-dir " + data_dir.string());
  EXPECT_EQ(verified.exit_code, 0) << "a reader needs no lock: " << verified.output;
}

TEST_F(escrowd_process, bad_command_lines_exit_2_with_usage) {
  auto unknown = run("frobnicate");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.output.find("usage:"), std::string::npos);
  EXPECT_EQ(run("--help").exit_code, 0);
}

}  // namespace
