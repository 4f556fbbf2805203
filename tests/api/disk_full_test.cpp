// A full disk under the running server (api.md: 503 `storage_full`; `/readyz` is "recovered
// and accepting writes"): writes fail while the disk is full and /readyz fails, reads go on,
// nothing acknowledged is lost, and once space is freed the server reopens its store by
// itself (no restart): /readyz passes again, a retry with the same Idempotency-Key succeeds
// and the ledger verifies. The data directory is a small tmpfs mounted by the test, so it
// needs root; elsewhere it is skipped.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/api/api_client.hpp"
#include "tests/api/api_fixture.hpp"
#include "tests/api/api_server.hpp"

namespace escrowd::api_testing {
namespace {

// Mounts a tmpfs of `size` on `path` (created first); unmounts on destruction.
struct mounted_tmpfs {
  mounted_tmpfs(std::filesystem::path where, const char* size) : path(std::move(where)) {
    std::filesystem::create_directories(path);
    if (::mount("tmpfs", path.c_str(), "tmpfs", 0, size) != 0) refusal = std::strerror(errno);
  }
  ~mounted_tmpfs() {
    if (refusal.empty()) ::umount2(path.c_str(), MNT_DETACH);
  }
  std::filesystem::path path;
  std::string refusal;
};

std::uint64_t free_bytes(const std::filesystem::path& path) {
  struct statvfs space {};
  if (::statvfs(path.c_str(), &space) != 0) return 0;
  return std::uint64_t(space.f_bavail) * space.f_frsize;
}

std::string account_body(const std::string& id) {
  return body_of({{"id", id}, {"currency", "usd"}});
}

// Polls GET /readyz until it answers `status` or the deadline passes; the last status.
unsigned readiness_within(api_client& client, unsigned status, std::chrono::seconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  unsigned last = 0;
  while (std::chrono::steady_clock::now() < until) {
    last = client.get("/readyz", {}).status;
    if (last == status) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return last;
}

TEST(disk_full_api, writes_fail_while_the_disk_is_full_and_resume_once_space_is_freed) {
  escrowd_server server;
  mounted_tmpfs data(server.data_dir(), "size=64m");
  if (!data.refusal.empty())
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << data.refusal;
  ASSERT_TRUE(server.start()) << server.last_problem();
  api_client client(server.port());
  ASSERT_EQ(client.get("/readyz", {}).status, 200u);

  // Leaves the store about 1.5 MiB: far less than the 16 MiB it waits for before reopening.
  const auto filler = data.path / "filler";
  const auto room = free_bytes(data.path);
  ASSERT_GT(room, 8u << 20);
  std::ofstream(filler) << std::string(room - (3u << 19), 'x');

  std::vector<std::string> acknowledged;
  api_response refused;
  std::string refused_id;
  const std::string run =
      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  for (int i = 0; i < 50'000; ++i) {
    const auto id = "full_" + run + "_" + std::to_string(i);
    auto created = client.post("/v1/accounts", server.admin_key(), account_body(id), "key_" + id);
    if (created.status != 201) {
      refused = std::move(created);
      refused_id = id;
      break;
    }
    acknowledged.push_back(id);
  }
  ASSERT_FALSE(refused_id.empty()) << "the disk never filled up";
  ASSERT_FALSE(acknowledged.empty());
  expect_error(refused, 503, "storage_full");
  EXPECT_EQ(client.get("/readyz", {}).status, 503u);
  auto again = client.post("/v1/accounts", server.admin_key(), account_body(refused_id + "_b"));
  expect_error(again, 503, "storage_full");
  // Reads go on from the last good commit.
  EXPECT_EQ(client.get("/v1/accounts/" + acknowledged.front(), server.admin_key()).status, 200u);

  std::filesystem::remove(filler);
  ASSERT_EQ(readiness_within(client, 200, std::chrono::seconds(15)), 200u)
      << "the store did not reopen once space was freed";
  // The same request, retried under its key as a client would after a 503, now succeeds (an
  // actor that read its rows before the reopening may refuse once more: 503 not_ready).
  api_response retried;
  for (int attempt = 0; attempt < 5; ++attempt) {
    retried = client.post("/v1/accounts", server.admin_key(), account_body(refused_id),
                          "key_" + refused_id);
    if (retried.status != 503) break;
  }
  ASSERT_EQ(retried.status, 201u) << describe(retried);
  for (const auto& id : acknowledged)
    ASSERT_EQ(client.get("/v1/accounts/" + id, server.admin_key()).status, 200u) << id;
  const auto verified = client.get("/v1/ledger/verify", server.admin_key());
  ASSERT_EQ(verified.status, 200u) << describe(verified);
  EXPECT_TRUE(verified.json.as_object().at("ok").as_bool()) << verified.body;
  const auto metrics = client.get("/metrics", server.admin_key());
  EXPECT_NE(metrics.body.find("escrowd_storage_recoveries_total 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("escrowd_storage_failed 0"), std::string::npos);
  const int stopped = server.stop();
  EXPECT_TRUE(WIFEXITED(stopped) && WEXITSTATUS(stopped) == 0) << server.log();
}

}  // namespace
}  // namespace escrowd::api_testing
