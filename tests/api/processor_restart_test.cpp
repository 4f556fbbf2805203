// The bundled processor simulator across restarts of the real escrowd (README, "one command
// is a demo"): escrowd serve without --processor-url keeps the simulator's records in
// <data-dir>/processor-sim.log, so after SIGTERM or SIGKILL and a restart on the same data
// directory, GET /v1/reconciliation finds every settled top-up and withdrawal at the
// processor again (nothing missing_at_processor), balances are unchanged, and a withdrawal
// still pending at the kill settles afterwards. Each test restarts the suite's server.
#include <sys/wait.h>

#include <filesystem>

#include "tests/api/api_fixture.hpp"

namespace escrowd::api_testing {
namespace {

class processor_restart_api : public api_fixture {
 protected:
  void restart(bool hard) {
    if (hard) {
      server().kill_hard();
    } else {
      const int status = server().stop();
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    }
    ASSERT_TRUE(server().start()) << server().last_problem() << "\n" << server().log();
    reconnect_client();
  }

  // A settled top-up and a paid withdrawal, then one more withdrawal left in flight.
  account_handle settled_world(std::string& in_flight) {
    auto account = funded_account(5'000);
    const auto paid = withdraw(account, 1'500);
    EXPECT_EQ(poll_status("/v1/withdrawals/" + paid, {"paid", "failed"}).text("status"), "paid");
    in_flight = withdraw(account, 1'000);
    return account;
  }

  std::string withdraw(const account_handle& account, std::int64_t amount) {
    const auto requested =
        client().post("/v1/accounts/" + account.id + "/withdrawals", account.key,
                      body_of({{"amount", amount}, {"destination", "ba_test_payout"}}));
    EXPECT_EQ(requested.status, 202u) << describe(requested);
    return requested.text("id");
  }

  void expect_nothing_missing() {
    const auto reconciled = client().get("/v1/reconciliation", admin());
    ASSERT_EQ(reconciled.status, 200u) << describe(reconciled);
    EXPECT_EQ(reconciled.body.find("missing_at_processor"), std::string::npos) << reconciled.body;
    EXPECT_EQ(reconciled.integer("differences_total"), 0) << reconciled.body;
    EXPECT_NE(reconciled.body.find("\"ok\":true"), std::string::npos) << reconciled.body;
    EXPECT_GE(reconciled.integer("operations_checked"), 3) << reconciled.body;
  }

  void survives(bool hard) {
    std::string in_flight;
    const auto account = settled_world(in_flight);
    restart(hard);
    EXPECT_TRUE(std::filesystem::exists(server().data_dir() / "processor-sim.log"));
    const auto settled = poll_status("/v1/withdrawals/" + in_flight, {"paid", "failed"});
    EXPECT_EQ(settled.text("status"), "paid") << describe(settled);
    const auto before = balances_of(account.id);
    EXPECT_EQ(before, (balances{2'500, 0, 0, 0}));
    expect_nothing_missing();
    // Once more with everything settled: the same records, the same balances.
    restart(hard);
    EXPECT_EQ(balances_of(account.id), before);
    expect_nothing_missing();
  }
};

TEST_F(processor_restart_api, sigterm_keeps_the_processor_records) {
  survives(false);
}

TEST_F(processor_restart_api, sigkill_keeps_the_processor_records) {
  survives(true);
}

}  // namespace
}  // namespace escrowd::api_testing
