// The end-of-run audit against the client library's scripted fake server (tests/tools/client)
// and against a port nobody listens on: balances that match what went in are conserved,
// balances that do not are not, and a target that answers nothing leaves the audit marked as
// not run rather than as a balance sheet of zeros.
#include "bench/loadgen/audit.hpp"

#include <gtest/gtest.h>

#include <optional>

#include "tests/tools/client/fake_server.hpp"

namespace escrowd::loadgen {
namespace {

using client::testing::fake_server;
using client::testing::scripted_reply;
using client::testing::seen_request;

plan two_accounts() {
  plan run;
  run.run_id = "lgaudit";
  run.admin_key = "admin-key";
  run.accounts = {"lgaudit-a0", "lgaudit-a1"};
  run.keys = {"k0", "k1"};
  return run;
}

// Every account holds `available`; the ledger verifies.
fake_server::script holding(std::int64_t available) {
  return [available](const seen_request& seen) {
    scripted_reply reply;
    if (seen.target == "/v1/ledger/verify") {
      reply.body = R"({"ok":true,"accounts_checked":2,"entries_checked":0,"problems":[]})";
    } else {
      reply.body = R"({"available":)" + std::to_string(available) +
                   R"(,"escrowed":0,"pending_withdrawal":0,"pending_topup":0})";
    }
    return reply;
  };
}

audit_result audit_at(std::uint16_t port) {
  boost::asio::io_context io;
  target_config target;
  target.url = "http://127.0.0.1:" + std::to_string(port);
  target.connections = 2;
  auto driver = make_driver(io, target);
  audit_config config;
  config.settle_timeout = std::chrono::milliseconds{500};
  auto result = run_audit(io, *driver, two_accounts(), {}, {}, config);
  driver->close();
  io.run();
  return result;
}

TEST(Audit, NothingPutInAndNothingHeldIsConserved) {
  fake_server server{holding(0)};
  const auto audit = audit_at(server.port());
  EXPECT_TRUE(audit.answered);
  EXPECT_TRUE(audit.money_checked);
  EXPECT_TRUE(audit.ok());
}

TEST(Audit, MoneyHeldThatNothingPutInIsNotConserved) {
  fake_server server{holding(5)};
  const auto audit = audit_at(server.port());
  EXPECT_TRUE(audit.money_checked);
  EXPECT_FALSE(audit.money_ok);
  EXPECT_EQ(audit.held, 10);
  EXPECT_FALSE(audit.ok());
}

TEST(Audit, ATargetThatAnswersNothingLeavesTheAuditNotRun) {
  std::uint16_t port = 0;
  {
    fake_server gone{holding(0)};
    port = gone.port();
  }  // closed: connections to the port are refused
  const auto audit = audit_at(port);
  EXPECT_FALSE(audit.answered);
  EXPECT_FALSE(audit.money_checked);
  EXPECT_FALSE(audit.ok());
  EXPECT_FALSE(audit.problems.empty());
}

}  // namespace
}  // namespace escrowd::loadgen
