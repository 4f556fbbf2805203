// Tests --state-file on the real escrowd-processor-sim binary: records and idempotency keys
// survive SIGKILL right after an answer and a clean SIGTERM restart (the unit tests in
// sim_journal_test.cpp cover the file's details), and an unreadable file stops the start.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

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
  void start() {
    client_.reset();
    sim_.reset();
    // Payouts stay pending for the test's length, so records compare equal across restarts.
    sim_.emplace(std::vector<std::string>{"--listen", "127.0.0.1:0", "--seed", "11",
                                          "--payout-settle-ms", "600000", "--state-file",
                                          (root_ / "sim.log").string()});
    client_.emplace(sim_->port());
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

TEST_F(state_file_process, an_unreadable_state_file_stops_the_start) {
  std::ofstream(root_ / "sim.log") << "{\"format\":\"escrowd-processor-sim-state\",\"version\":"
                                      "1,\"generation\":0}\ngarbage\n{\"changes\":[]}\n";
  EXPECT_THROW(start(), std::runtime_error);
  sim_.reset();
}

}  // namespace
}  // namespace escrowd::processor_sim::testing
