// A full disk under the ledger facade, healing without a restart: writes fail with
// storage_full, the storage writer reopens the store once space is freed, and an actor that
// read its rows before the reopening has its next record refused (503 not_ready, nothing
// written) and reloads, so nothing it decided on top of a failed change can commit. The
// data directory is a small tmpfs mounted by the test (root only; skipped elsewhere).
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "tests/actors/ledger_fixture.hpp"

namespace escrowd::actors::testing {
namespace {

class disk_full_ledger : public ledger_fixture {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "escrowd-full-XXXXXX");
    data_dir_ = mkdtemp(pattern.data());
    if (::mount("tmpfs", data_dir_.c_str(), "tmpfs", 0, "size=64m") != 0)
      GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << std::strerror(errno);
    mounted_ = true;
    open_ledger({});
  }
  void TearDown() override {
    ledger_.reset();
    if (mounted_) ::umount2(data_dir_.c_str(), MNT_DETACH);
    std::filesystem::remove_all(data_dir_);
  }

  // Leaves the store about 1.5 MiB of the filesystem: far less than the 16 MiB the writer
  // waits for before it reopens the store.
  void fill_the_disk() {
    struct statvfs space {};
    ASSERT_EQ(::statvfs(data_dir_.c_str(), &space), 0);
    const std::uint64_t room = std::uint64_t(space.f_bavail) * space.f_frsize;
    ASSERT_GT(room, 8u << 20);
    std::ofstream(filler()) << std::string(room - (3u << 19), 'x');
  }
  std::filesystem::path filler() const { return std::filesystem::path(data_dir_) / "filler"; }

  bool accepting_writes_within(std::chrono::seconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      if (ledger_->accepting_writes()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  bool mounted_ = false;
};

TEST_F(disk_full_ledger, actors_that_read_their_rows_before_the_store_reopened_reload_first) {
  ASSERT_EQ(create_account("payer").status, 200);
  ASSERT_EQ(create_account("worker").status, 200);
  top_up("payer", 1'000, "top_1");
  ASSERT_EQ(create_task("t1", "payer", "worker", 100, true).body, "ok changed task t1 funded");

  fill_the_disk();
  rendered_response refused;
  for (int i = 0; i < 50'000; ++i) {
    refused = create_account("fill_" + std::to_string(i));
    if (refused.status != 200) break;
  }
  ASSERT_EQ(refused.body, "error storage_full");
  EXPECT_FALSE(ledger_->accepting_writes());
  EXPECT_EQ(task_call(task_command_kind::submit, "t1", account_key("worker")).body,
            "error storage_full");

  std::filesystem::remove(filler());
  ASSERT_TRUE(accepting_writes_within(std::chrono::seconds(15)));
  EXPECT_EQ(ledger_->storage_statistics().recoveries, 1u);
  // t1 reloaded after its refused submit, before the reopening: refused once more.
  EXPECT_EQ(task_call(task_command_kind::submit, "t1", account_key("worker")).body,
            "error not_ready");
  EXPECT_EQ(task_call(task_command_kind::submit, "t1", account_key("worker")).body,
            "ok changed task t1 submitted");
  // A new task (read after the reopening) funded by a payer that read its row before it:
  // the funding carries the earlier opening of the two and is refused whole.
  EXPECT_EQ(create_task("t2", "payer", "worker", 200, true).body, "error not_ready");
  EXPECT_EQ(create_task("t2", "payer", "worker", 200, true).body, "ok changed task t2 funded");
  const auto payer = read_account("payer");
  EXPECT_EQ(payer.available, 700);
  EXPECT_EQ(payer.escrowed, 300);
  auto verified = ledger_->verify();
  ASSERT_TRUE(verified.has_value());
  EXPECT_TRUE(verified->ok);
}

// One payer funds new tasks with 64 in flight (pipelined in its actor) while the disk fills,
// fails, and has space freed: every funding acknowledged is on disk, every one refused left
// nothing behind, and the payer's balance is exactly the acknowledged ones' sum.
TEST_F(disk_full_ledger, concurrent_fundings_across_a_failure_and_a_reopening_leave_exact_books) {
  constexpr std::int64_t initial = 1'000'000'000;
  constexpr std::int64_t amount = 7;
  constexpr int in_flight_max = 64;
  ASSERT_EQ(create_account("payer").status, 200);
  ASSERT_EQ(create_account("worker").status, 200);
  top_up("payer", initial, "top_1");

  std::mutex mutex;
  std::condition_variable answered;
  std::map<std::string, rendered_response> outcomes;
  int in_flight = 0;
  int refused = 0;
  int funded_since_ready = 0;
  bool ready_again = false;
  auto fund_next = [&](int number) {
    const auto id = "c_" + std::to_string(number);
    task_command command;
    command.kind = task_command_kind::create_funded;
    command.task_id = id;
    command.payer = "payer";
    command.create = {id, "worker", amount, usd(), {}, "payer"};
    command.context = context_for(account_key("payer"));
    ledger_->submit(std::move(command), [&, id](rendered_response response) {
      std::lock_guard lock(mutex);
      if (response.status != 200) ++refused;
      if (response.status == 200 && ready_again) ++funded_since_ready;
      outcomes[id] = std::move(response);
      --in_flight;
      answered.notify_all();
    });
  };

  fill_the_disk();
  bool filler_removed = false;
  for (int number = 0; number < 200'000; ++number) {
    std::unique_lock lock(mutex);
    answered.wait(lock, [&] { return in_flight < in_flight_max; });
    if (!filler_removed && refused > 0) {
      std::filesystem::remove(filler());
      filler_removed = true;
    }
    if (filler_removed && !ready_again && ledger_->accepting_writes()) ready_again = true;
    if (funded_since_ready >= 2'000) break;
    ++in_flight;
    lock.unlock();
    fund_next(number);
  }
  {
    std::unique_lock lock(mutex);
    answered.wait(lock, [&] { return in_flight == 0; });
  }
  ASSERT_TRUE(filler_removed) << "the disk never filled up";
  ASSERT_GE(funded_since_ready, 2'000) << "writes did not resume once space was freed";

  std::int64_t acknowledged = 0;
  for (const auto& [id, response] : outcomes) {
    auto stored = ledger_->read_task(id);
    ASSERT_TRUE(stored.has_value()) << id;
    if (response.status == 200) {
      ASSERT_EQ(response.body, "ok changed task " + id + " funded");
      ASSERT_TRUE(stored->has_value()) << "acknowledged funding lost: " << id;
      EXPECT_EQ((*stored)->state, task_state::funded) << id;
      acknowledged += amount;
    } else {
      ASSERT_EQ(response.status, 503) << id << ": " << response.body;
      ASSERT_FALSE(stored->has_value()) << "a refused funding left its task behind: " << id;
    }
  }
  const auto payer = read_account("payer");
  EXPECT_EQ(payer.available, initial - acknowledged);
  EXPECT_EQ(payer.escrowed, acknowledged);
  auto verified = ledger_->verify();
  ASSERT_TRUE(verified.has_value());
  EXPECT_TRUE(verified->ok);
}

}  // namespace
}  // namespace escrowd::actors::testing
