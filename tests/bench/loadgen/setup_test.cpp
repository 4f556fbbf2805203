// A run's setup against the client library's scripted fake server (tests/tools/client): a key
// creation answered from its idempotency record (escrowd replays it with "key": null, since
// secrets are never stored) is revoked and made again under a fresh idempotency key, and a
// creation that never yields its secret fails the setup after a bounded number of rounds.
// Fundings are 0, so the setup makes no top-ups and needs no processor.
#include "bench/loadgen/setup.hpp"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include "tests/tools/client/fake_server.hpp"

namespace escrowd::loadgen {
namespace {

using client::testing::fake_server;
using client::testing::scripted_reply;
using client::testing::seen_request;

setup_config small_setup() {
  setup_config config;
  config.run_id = "lgsetup";
  config.admin_key = "admin-key";
  config.accounts = 3;
  config.hot_accounts = 1;
  config.funding_per_account = 0;
  config.funding_per_hot_account = 0;
  config.concurrency = 4;
  return config;
}

// "arbiter" for POST /v1/keys, the account for POST /v1/accounts/{id}/keys.
std::string owner_of(const std::string& key_creation_target) {
  const std::string prefix = "/v1/accounts/";
  if (!key_creation_target.starts_with(prefix)) return "arbiter";
  const auto account = key_creation_target.substr(prefix.size());
  return account.substr(0, account.find('/'));
}

// Answers key creations: the first `replays` creations on each of `replayed_targets` as a
// replay ({"key": null}), every other one with a secret. Key ids and secrets name the target
// and the creation's number on it. Everything else is answered 200.
class key_server {
 public:
  key_server(std::set<std::string> replayed_targets, int replays)
      : replayed_targets_(std::move(replayed_targets)), replays_(replays) {}

  scripted_reply answer(const seen_request& seen) {
    scripted_reply reply;
    const bool key_creation = seen.method == "POST" && seen.target.ends_with("/keys");
    if (!key_creation) return reply;
    int number = 0;
    {
      std::lock_guard lock{mutex_};
      number = creations_[seen.target]++;
    }
    const auto name = owner_of(seen.target) + "_" + std::to_string(number);
    const bool replay = replayed_targets_.contains(seen.target) && number < replays_;
    reply.status = 201;
    reply.body = R"({"object":"api_key","id":"key_)" + name + R"(","key":)" +
                 (replay ? std::string{"null"} : "\"sk_" + name + "\"") + "}";
    return reply;
  }

 private:
  std::set<std::string> replayed_targets_;
  int replays_;
  std::mutex mutex_;
  std::map<std::string, int> creations_;
};

std::unique_ptr<driver> driver_for(boost::asio::io_context& io, const fake_server& server) {
  target_config target;
  target.url = "http://127.0.0.1:" + std::to_string(server.port());
  target.connections = 2;
  return make_driver(io, target);
}

TEST(Setup, AKeyCreationReplayedWithoutItsSecretIsRevokedAndMadeAgain) {
  key_server keys{{"/v1/keys", "/v1/accounts/lgsetup-a1/keys"}, 1};
  fake_server server{[&keys](const seen_request& seen) { return keys.answer(seen); }};
  boost::asio::io_context io;
  auto target = driver_for(io, server);
  const auto outcome = run_setup(io, *target, small_setup());
  target->close();
  io.run();

  EXPECT_EQ(outcome.keys_remade, 2u);
  EXPECT_EQ(outcome.run.arbiter_key, "sk_arbiter_1");
  EXPECT_EQ(outcome.run.keys,
            (std::vector<std::string>{"sk_lgsetup-a0_0", "sk_lgsetup-a1_1", "sk_lgsetup-a2_0"}));
  std::set<std::string> revoked;
  std::set<std::string> arbiter_idempotency_keys;
  for (const auto& request : server.requests()) {
    EXPECT_EQ(request.target.find("/topups"), std::string::npos) << "funding 0 tops up";
    if (request.target == "/v1/keys") arbiter_idempotency_keys.insert(request.idempotency_key);
    if (request.method != "DELETE") continue;
    EXPECT_EQ(request.authorization, "Bearer admin-key");
    revoked.insert(request.target);
  }
  EXPECT_EQ(revoked,
            (std::set<std::string>{"/v1/keys/key_arbiter_0", "/v1/keys/key_lgsetup-a1_0"}));
  EXPECT_EQ(arbiter_idempotency_keys.size(), 2u) << "the new creation reused the replayed key";
}

TEST(Setup, AKeyCreationThatNeverYieldsItsSecretFailsTheSetup) {
  key_server keys{{"/v1/keys"}, 1'000};
  fake_server server{[&keys](const seen_request& seen) { return keys.answer(seen); }};
  boost::asio::io_context io;
  auto target = driver_for(io, server);
  try {
    (void)run_setup(io, *target, small_setup());
    ADD_FAILURE() << "the setup went on without an arbiter key";
  } catch (const std::runtime_error& failure) {
    EXPECT_NE(std::string{failure.what()}.find("without their secret"), std::string::npos)
        << failure.what();
  }
  target->close();
  io.run();
  std::size_t creations = 0;
  for (const auto& request : server.requests()) creations += request.target == "/v1/keys";
  EXPECT_GT(creations, 1u);
  EXPECT_LT(creations, 20u);  // bounded, not a loop until the test times out
}

}  // namespace
}  // namespace escrowd::loadgen
