// Tests --state-file on the real escrowd-processor-sim binary: records and idempotency keys
// survive SIGKILL right after an answer, SIGKILL amid traffic while the file is being
// compacted after every line, and a clean SIGTERM restart (the unit tests in
// sim_journal_test.cpp and sim_journal_compaction_test.cpp cover the file's details), and an
// unreadable file stops the start.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "sim_harness.hpp"

namespace escrowd::processor_sim::testing {
namespace {

namespace fs = std::filesystem;

const std::string visa =
    "amount=2500&currency=usd&payment_method=pm_card_visa&confirm=true"
    "&payment_method_types[]=card";

class state_file_process : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "sim-state-XXXXXX").string();
    root_ = mkdtemp(pattern.data());
  }
  void TearDown() override {
    client_.reset();
    if (sim_) {
      EXPECT_EQ(sim_->stop(), 0) << "simulator exited uncleanly (leak or crash?)";
    }
    fs::remove_all(root_);
  }
  void start(const std::vector<std::string>& more_flags = {}) {
    client_.reset();
    sim_.reset();
    // Payouts stay pending for the test's length, so records compare equal across restarts.
    std::vector<std::string> flags{
        "--listen",           "127.0.0.1:0", "--seed",       "11",
        "--payout-settle-ms", "600000",      "--state-file", (root_ / "sim.log").string()};
    flags.insert(flags.end(), more_flags.begin(), more_flags.end());
    sim_.emplace(flags);
    client_.emplace(sim_->port());
  }
  // Idempotency key to PaymentIntent id, for every charge the simulator answered 200.
  std::map<std::string, std::string> charges_on_file() {
    std::map<std::string, std::string> by_key;
    const auto charges = client_->get("/_sim/charges").json();
    for (const auto& charge : charges.as_array()) {
      const auto& record = charge.as_object();
      by_key[std::string(record.at("idempotency_key").as_string())] =
          std::string(record.at("id").as_string());
    }
    return by_key;
  }
  // The answered charges the file lacks, or has under another id. The file may hold more:
  // charges whose answer the kill cut off.
  std::map<std::string, std::string> missing_from_file(
      const std::map<std::string, std::string>& answered) {
    const auto on_file = charges_on_file();
    std::map<std::string, std::string> missing;
    for (const auto& [key, id] : answered) {
      const auto found = on_file.find(key);
      if (found == on_file.end() || found->second != id) missing.emplace(key, id);
    }
    return missing;
  }
  std::string records() {
    return client_->get("/_sim/charges").body + client_->get("/_sim/payouts").body;
  }

  fs::path root_;
  std::optional<sim_process> sim_;
  std::optional<http_client> client_;
};

TEST_F(state_file_process, records_and_keys_survive_kill_9_and_sigterm) {
  start();
  const auto charged = client_->post("/v1/payment_intents", visa, "key-charge");
  ASSERT_EQ(charged.status, 200) << charged.body;
  ASSERT_EQ(client_->post("/v1/payouts", "amount=700&currency=usd", "key-payout").status, 200);
  const std::string before = records();
  sim_->kill_hard();  // at once after the answers: they must already be on file
  start();
  EXPECT_EQ(records(), before);
  const auto retried = client_->post("/v1/payment_intents", visa, "key-charge");
  EXPECT_EQ(retried.body, charged.body);
  EXPECT_EQ(retried.header("idempotent-replayed"), "true");
  EXPECT_EQ(sim_->stop(), 0);
  start();
  EXPECT_EQ(client_->get("/v1/payment_intents?limit=10").json().at("data").as_array().size(), 1u);
}

// With a growth factor of 1 the file is rewritten after every line, so the I/O thread spends
// most of its time compacting and a kill lands inside a rewrite as often as not: whatever
// it interrupts, every charge answered before it is on file after the restart, under its key.
TEST_F(state_file_process, nothing_answered_is_lost_to_kill_9_while_compacting_under_load) {
  const std::vector<std::string> compact_after_every_line{
      "--state-file-compaction-floor-bytes", "0", "--state-file-compaction-growth", "1"};
  constexpr int rounds = 3;
  constexpr std::size_t answers_per_round_min = 40;
  std::map<std::string, std::string> answered;  // idempotency key -> PaymentIntent id
  std::mutex answered_mutex;
  for (int round = 0; round < rounds; ++round) {
    start(compact_after_every_line);
    ASSERT_EQ(missing_from_file(answered), (std::map<std::string, std::string>{}));
    std::atomic<std::size_t> answers{0};
    std::vector<std::thread> senders;
    for (int sender = 0; sender < 2; ++sender) {
      senders.emplace_back([&, sender, port = sim_->port()] {
        http_client http(port);
        for (int i = 0;; ++i) {
          const std::string key = "key-" + std::to_string(round) + "-" + std::to_string(sender) +
                                  "-" + std::to_string(i);
          const auto reply = http.post("/v1/payment_intents", visa, key);
          if (!reply.answered) return;  // killed
          if (reply.status != 200) continue;
          std::lock_guard lock(answered_mutex);
          answered[key] = std::string(reply.json().at("id").as_string());
          ++answers;
        }
      });
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (answers < answers_per_round_min && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const auto stats = client_->get("/_sim/stats").json();
    sim_->kill_hard();
    for (auto& sender : senders) sender.join();
    ASSERT_GE(answers, answers_per_round_min);
    EXPECT_GT(stats.at("state_file").at("compactions").to_number<std::uint64_t>(), 0u);
  }
  start(compact_after_every_line);
  EXPECT_EQ(missing_from_file(answered), (std::map<std::string, std::string>{}));
  const auto& [key, id] = *answered.begin();
  const auto retried = client_->post("/v1/payment_intents", visa, key);
  EXPECT_EQ(retried.header("idempotent-replayed"), "true");
  EXPECT_EQ(std::string(retried.json().at("id").as_string()), id);
}

TEST_F(state_file_process, an_unreadable_state_file_stops_the_start) {
  std::ofstream(root_ / "sim.log") << "{\"format\":\"escrowd-processor-sim-state\",\"version\":"
                                      "1,\"generation\":0}\ngarbage\n{\"changes\":[]}\n";
  EXPECT_THROW(start(), std::runtime_error);
  sim_.reset();
}

}  // namespace
}  // namespace escrowd::processor_sim::testing
