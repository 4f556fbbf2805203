// Durability across restarts of the real escrowd (api.md "A 2xx is sent only after the change
// is durable"): after SIGTERM and a restart on the same data directory, accounts, tasks,
// keys (and revocations) and idempotency records are all there and byte-identical; after
// SIGKILL in the middle of a stream of state changes, every acknowledged change is there,
// the unacknowledged ones are all-or-nothing, the balances agree with the tasks that exist
// and the ledger verifies.
#include <sys/wait.h>

#include <atomic>
#include <thread>

#include "tests/api/api_fixture.hpp"

namespace escrowd::api_testing {
namespace {

class restart_api : public api_fixture {
 protected:
  void restart_after(bool hard) {
    if (hard) {
      server().kill_hard();
    } else {
      const int status = server().stop();
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    }
    ASSERT_TRUE(server().start()) << server().last_problem();
    reconnect_client();
    EXPECT_EQ(client().get("/readyz", "").status, 200u);
  }
  void expect_ledger_verifies() {
    const auto verified = client().get("/v1/ledger/verify", admin());
    EXPECT_EQ(verified.status, 200u) << describe(verified);
    EXPECT_NE(verified.body.find("\"ok\":true"), std::string::npos) << verified.body;
  }
};

TEST_F(restart_api, clean_restart_keeps_objects_keys_revocations_and_idempotency_records) {
  const auto payer = funded_account(5'000);
  const auto worker = create_account();
  const auto task = create_task(payer, worker, 1'000, R"(,"fund":true)");
  transition(task, "submit", worker.key);
  const auto arbiter = client().post("/v1/keys", admin(), R"({"role":"arbiter"})");
  const auto revoked = client().post("/v1/accounts/" + payer.id + "/keys", admin(), "{}");
  ASSERT_EQ(client().del("/v1/keys/" + revoked.text("id"), admin()).status, 200u);
  const auto key = unique_id("idem");
  const auto keyed = client().post("/v1/accounts", admin(), R"({"currency":"usd"})", key);
  ASSERT_EQ(keyed.status, 201u);
  const auto payer_before = client().get("/v1/accounts/" + payer.id, admin()).body;
  const auto task_before = client().get("/v1/tasks/" + task, admin()).body;

  restart_after(false);

  EXPECT_EQ(client().get("/v1/accounts/" + payer.id, admin()).body, payer_before);
  EXPECT_EQ(client().get("/v1/tasks/" + task, admin()).body, task_before);
  EXPECT_EQ(client().get("/v1/accounts/" + payer.id, payer.key).status, 200u);
  EXPECT_EQ(client().get("/v1/tasks/" + task, arbiter.text("key")).status, 200u);
  expect_error_shape(client().get("/v1/accounts/" + payer.id, revoked.text("key")), 401);
  const auto replay = client().post("/v1/accounts", admin(), R"({"currency":"usd"})", key);
  EXPECT_EQ(replay.body, keyed.body);
  EXPECT_EQ(replay.header("Idempotent-Replayed").value_or(""), "true");
  EXPECT_EQ(replay.header("Original-Request"), keyed.header("Request-Id"));
  // Work goes on where it stopped.
  transition(task, "approve", payer.key);
  EXPECT_EQ(balances_of(worker.id), (balances{1'000, 0, 0, 0}));
  EXPECT_EQ(balances_of(payer.id), (balances{4'000, 0, 0, 0}));
  expect_ledger_verifies();
}

// api.md: the first admin key comes from ESCROWD_ADMIN_KEY at first start. Another secret at
// a later start is reported and never becomes a key; the first one keeps working.
TEST_F(restart_api, a_changed_admin_key_at_a_later_start_is_not_stored) {
  const std::string first = admin();
  const std::string other = first + "_changed";
  server().set_admin_key(other);
  restart_after(false);
  expect_error_shape(client().get("/v1/ledger/verify", other), 401);
  EXPECT_NE(server().log().find("was not stored"), std::string::npos) << server().log();
  server().set_admin_key(first);
  restart_after(false);
  expect_error_shape(client().get("/v1/ledger/verify", other), 401);
  expect_ledger_verifies();
}

TEST_F(restart_api, every_acknowledged_change_survives_sigkill) {
  constexpr int writers = 4;
  constexpr int attempts_per_writer = 400;
  constexpr int acknowledged_before_kill = 60;
  constexpr std::int64_t amount = 10;
  constexpr std::int64_t initial = amount * writers * attempts_per_writer;
  const auto payer = funded_account(initial);
  ASSERT_FALSE(HasFailure()) << "no funded payer";
  std::vector<std::vector<std::string>> ids(writers);
  for (auto& list : ids) {
    for (int i = 0; i < attempts_per_writer; ++i) list.push_back(unique_id("crash"));
  }
  std::vector<std::vector<std::string>> acknowledged(writers);
  std::atomic<int> acknowledged_total{0};
  std::atomic<int> writers_done{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      api_client connection(server().port());
      for (const auto& id : ids[static_cast<std::size_t>(w)]) {
        const auto created = connection.send_unlisted("POST", "/v1/tasks",
                                                      body_of({{"id", id},
                                                               {"payer", payer.id},
                                                               {"amount", amount},
                                                               {"currency", "usd"},
                                                               {"fund", true}}),
                                                      {.key = payer.key});
        if (created.status != 201) break;  // the server is gone
        acknowledged[static_cast<std::size_t>(w)].push_back(id);
        ++acknowledged_total;
      }
      ++writers_done;
    });
  }
  while (acknowledged_total < acknowledged_before_kill && writers_done < writers) {
    std::this_thread::sleep_for(1ms);
  }
  server().kill_hard();
  for (auto& thread : threads) thread.join();
  ASSERT_LT(acknowledged_total.load(), writers * attempts_per_writer)
      << "the kill came after every request finished";

  ASSERT_TRUE(server().start()) << server().last_problem();
  reconnect_client();
  for (const auto& list : acknowledged) {
    for (const auto& id : list) {
      const auto found = client().get("/v1/tasks/" + id, admin());
      ASSERT_EQ(found.status, 200u) << "acknowledged task lost: " << id << " " << describe(found);
      EXPECT_EQ(found.text("state"), "funded");
    }
  }
  // Unacknowledged ones may or may not exist, but each is whole: its money is in escrow.
  std::int64_t existing = 0;
  for (const auto& list : ids) {
    for (const auto& id : list) {
      const auto found = client().get("/v1/tasks/" + id, admin());
      if (found.status == 200) ++existing;
    }
  }
  EXPECT_EQ(balances_of(payer.id),
            (balances{initial - amount * existing, amount * existing, 0, 0}));
  expect_ledger_verifies();
}

}  // namespace
}  // namespace escrowd::api_testing
