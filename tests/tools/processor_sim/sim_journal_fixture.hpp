// Test support for the state file's unit tests (sim_journal_test.cpp,
// sim_journal_compaction_test.cpp): a simulator process (a clock and an api on a state file)
// driven as the server drives it, restarted at will on the same file in a fresh temporary
// directory, a world of objects in every state a client can leave them in, and a small
// tmpfs to fill up. Thread affinity: the test's thread.
#pragma once

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "api.hpp"
#include "api_fixture.hpp"

namespace escrowd::processor_sim::testing {

// One simulator process: a clock and an api on the state file.
struct simulator {
  sim_clock clock;
  api logic;
  std::optional<std::string> problem;

  simulator(const api_options& options, const std::filesystem::path& file) : logic(options, clock) {
    problem = logic.open_state_file(file.string());
  }

  api_reply call(std::string method, std::string target, std::string body = {},
                 std::optional<std::string> key = std::nullopt) {
    api_request request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    request.authorization = "Bearer sk_test_abc";
    request.has_idempotency_key = key.has_value();
    request.idempotency_key = key.value_or("");
    auto prepared = logic.prepare(request);
    if (prepared.reply) return *prepared.reply;
    return logic.execute(std::move(*prepared.call));
  }
  std::string post(std::string target, std::string body, std::optional<std::string> key = {}) {
    auto reply = call("POST", std::move(target), std::move(body), std::move(key));
    EXPECT_LT(reply.status, 300) << reply.body;
    return std::string(boost::json::parse(reply.body).at("id").as_string());
  }
  std::string status_of(const std::string& target) {
    return std::string(boost::json::parse(call("GET", target).body).at("status").as_string());
  }
  void advance_ms(std::int64_t ms) {
    EXPECT_EQ(call("POST", "/_sim/clock/advance", "ms=" + std::to_string(ms)).status, 200);
  }
  // Everything a client or reconciliation sees, in list order.
  std::string everything() {
    return call("GET", "/v1/payment_intents?limit=100").body + "\n" +
           call("GET", "/v1/payouts?limit=100").body + "\n" + call("GET", "/_sim/charges").body +
           "\n" + call("GET", "/_sim/payouts").body;
  }
};

inline std::string header_of(const api_reply& reply, std::string_view name) {
  for (const auto& [n, v] : reply.headers)
    if (n == name) return v;
  return {};
}

class sim_journal_test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "sim-journal-XXXXXX").string();
    root_ = mkdtemp(pattern.data());
    file_ = root_ / "state.log";
    start();
  }
  void TearDown() override {
    sim_.reset();
    if (small_disk_mounted_) ::umount2(small_disk().c_str(), MNT_DETACH);
    std::filesystem::remove_all(root_);
  }
  // A restart: the old simulator is gone before the new one reads the file.
  void start(const api_options& options = default_options()) {
    sim_.reset();
    sim_.emplace(options, file_);
    ASSERT_FALSE(sim_->problem) << *sim_->problem;
  }
  void append_to_file(const std::string& text) {
    std::ofstream out(file_, std::ios::app | std::ios::binary);
    out << text;
  }
  std::string file_text() {
    std::ifstream in(file_, std::ios::binary);
    std::stringstream all;
    all << in.rdbuf();
    return all.str();
  }
  simulator& sim() { return *sim_; }

  // Intents in each state a client can leave them in, and payouts pending and settled.
  void build_world() {
    const std::string manual = visa + "&capture_method=manual";
    sim().post("/v1/payment_intents", visa, "key-confirmed");
    held_ = sim().post("/v1/payment_intents", manual, "key-held");
    const auto captured = sim().post("/v1/payment_intents", manual);
    sim().post("/v1/payment_intents/" + captured + "/capture", "");
    const auto canceled = sim().post("/v1/payment_intents", manual);
    sim().post("/v1/payment_intents/" + canceled + "/cancel", "");
    sim().post("/v1/payment_intents", "amount=300&currency=usd&payment_method_types[]=card");
    settled_ = sim().post("/v1/payouts", "amount=500&currency=usd", "key-payout-settled");
    sim().advance_ms(1000);  // default_options: payouts settle after 1 s
    pending_ = sim().post("/v1/payouts", "amount=700&currency=usd", "key-payout-pending");
    ASSERT_EQ(sim().status_of("/v1/payouts/" + settled_), "paid");
    ASSERT_EQ(sim().status_of("/v1/payouts/" + pending_), "pending");
  }

  // A 256 KiB tmpfs at small_disk(), unmounted at TearDown; false where mounting is not
  // allowed (not root).
  bool mount_small_disk() {
    std::filesystem::create_directory(small_disk());
    small_disk_mounted_ = ::mount("tmpfs", small_disk().c_str(), "tmpfs", 0, "size=256k") == 0;
    return small_disk_mounted_;
  }
  std::filesystem::path small_disk() const { return root_ / "small"; }
  // Takes every free block of the small disk, until remove_filler().
  void fill_small_disk() {
    std::ofstream filler(small_disk() / "filler", std::ios::binary);
    const std::string block(4096, 'f');
    while (filler.write(block.data(), std::streamsize(block.size())) && filler.flush()) {
    }
  }
  void remove_filler() { std::filesystem::remove(small_disk() / "filler"); }

  std::filesystem::path root_;
  std::filesystem::path file_;
  std::optional<simulator> sim_;
  std::string held_, settled_, pending_;
  bool small_disk_mounted_ = false;
};

}  // namespace escrowd::processor_sim::testing
