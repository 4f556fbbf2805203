// Tests the actors layer through its facade on a real LMDB store: the escrow story, the
// natural idempotency of transitions, role checks made by the task actor, funding races
// on one payer from many threads (never an overdraft), an account spending a credit its
// actor was not told of, many threads on many accounts with the ledger verified after,
// actor eviction and reload under load, and a restart that keeps every acknowledged change.
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>
#include <vector>

#include "actors/clock_checkpoint.hpp"
#include "tests/actors/ledger_fixture.hpp"

namespace escrowd::actors::testing {
namespace {

class ledger_test : public ledger_fixture {
 protected:
  struct fund_tally {
    int funded = 0;
    int refused = 0;  // insufficient_funds
  };
  // Funds every task of `ids` (paid by `payer`) at once from `clients` threads.
  fund_tally fund_concurrently(const std::vector<std::string>& ids, const std::string& payer,
                               int clients) {
    std::atomic<int> funded{0};
    std::atomic<int> refused{0};
    std::vector<std::thread> threads;
    for (int client = 0; client < clients; ++client) {
      threads.emplace_back([&, client] {
        for (std::size_t i = std::size_t(client); i < ids.size(); i += std::size_t(clients)) {
          auto answer = task_call(task_command_kind::fund, ids[i], account_key(payer));
          if (answer.body == "ok changed task " + ids[i] + " funded")
            ++funded;
          else if (answer.body == "error insufficient_funds")
            ++refused;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    return {funded.load(), refused.load()};
  }
};

TEST_F(ledger_test, escrow_story_moves_money_once) {
  ASSERT_EQ(create_account("payer").status, 200);
  ASSERT_EQ(create_account("worker").status, 200);
  top_up("payer", 1'000, "top_1");
  EXPECT_EQ(read_account("payer").available, 1'000);

  EXPECT_EQ(create_task("t1", "payer", "worker", 300, true).body, "ok changed task t1 funded");
  EXPECT_EQ(read_account("payer").available, 700);
  EXPECT_EQ(read_account("payer").escrowed, 300);

  EXPECT_EQ(task_call(task_command_kind::submit, "t1", account_key("worker")).body,
            "ok changed task t1 submitted");
  EXPECT_EQ(task_call(task_command_kind::approve, "t1", account_key("payer")).body,
            "ok changed task t1 released");
  EXPECT_EQ(task_call(task_command_kind::approve, "t1", account_key("payer")).body,
            "ok unchanged task t1 released");

  EXPECT_EQ(read_account("payer").available, 700);
  EXPECT_EQ(read_account("payer").escrowed, 0);
  EXPECT_EQ(read_account("worker").available, 300);
}

TEST_F(ledger_test, dispute_resolution_splits_and_cancel_refunds) {
  create_account("payer");
  create_account("worker");
  top_up("payer", 1'000, "top_1");
  create_task("t1", "payer", "worker", 400, true);
  task_call(task_command_kind::submit, "t1", account_key("worker"));
  EXPECT_EQ(task_call(task_command_kind::dispute, "t1", account_key("payer")).body,
            "ok changed task t1 disputed");
  task_command resolve;
  resolve.kind = task_command_kind::resolve;
  resolve.task_id = "t1";
  resolve.worker_amount = 100;
  resolve.context = context_for(arbiter());
  EXPECT_EQ(call(std::move(resolve)).body, "ok changed task t1 resolved");

  create_task("t2", "payer", "", 200, true);
  EXPECT_EQ(task_call(task_command_kind::cancel, "t2", account_key("payer")).body,
            "ok changed task t2 cancelled");

  const auto payer = read_account("payer");
  EXPECT_EQ(payer.available, 900);
  EXPECT_EQ(payer.escrowed, 0);
  EXPECT_EQ(read_account("worker").available, 100);
}

TEST_F(ledger_test, task_actor_enforces_roles_and_states) {
  create_account("payer");
  create_account("worker");
  create_account("stranger");
  top_up("payer", 500, "top_1");
  create_task("t1", "payer", "worker", 100, true);
  EXPECT_EQ(task_call(task_command_kind::approve, "t1", account_key("worker")).body,
            "error permission_denied");
  EXPECT_EQ(task_call(task_command_kind::approve, "t1", account_key("stranger")).body,
            "error not_found");
  EXPECT_EQ(task_call(task_command_kind::submit, "t1", account_key("payer")).body,
            "error permission_denied");
  EXPECT_EQ(task_call(task_command_kind::approve, "t1", account_key("payer")).body,
            "error invalid_state_transition");
  EXPECT_EQ(task_call(task_command_kind::fund, "missing", account_key("payer")).body,
            "error not_found");
  EXPECT_EQ(create_task("t2", "stranger", "worker", 100, true).body, "error insufficient_funds");
  EXPECT_EQ(ledger_->read_task("t2")->has_value(), false);
  EXPECT_EQ(create_task("t1", "payer", "worker", 100, false).body, "error already_exists");
}

// Task creation keeps what it read of an account (id and currency, which never change):
// the same checks hold when they come from what was kept, and an account that did not
// exist is looked for again.
TEST_F(ledger_test, task_creation_checks_kept_accounts_as_it_checks_read_ones) {
  create_account("payer");
  create_account("worker");
  account_command euro;
  euro.kind = account_command_kind::create;
  euro.account_id = "euro_worker";
  euro.create = {"euro_worker", *currency::parse("eur"), {}};
  euro.context = context_for(admin());
  ASSERT_EQ(call(std::move(euro)).status, 200);
  top_up("payer", 1'000, "top_1");
  for (const std::string round : {"read", "kept"}) {
    SCOPED_TRACE(round);
    EXPECT_EQ(create_task("ok_" + round, "payer", "worker", 10, true).body,
              "ok changed task ok_" + round + " funded");
    EXPECT_EQ(create_task("eur_" + round, "payer", "euro_worker", 10, false).body,
              "error currency_mismatch");
    EXPECT_EQ(create_task("self_" + round, "payer", "payer", 10, false).body,
              "error parameter_invalid");
    EXPECT_EQ(create_task("nobody_" + round, "payer", "nobody", 10, false).body, "error not_found");
    EXPECT_EQ(create_task("ghost_" + round, "ghost", "worker", 10, false).body, "error not_found");
  }
  ASSERT_EQ(create_account("nobody").status, 200);
  EXPECT_EQ(create_task("nobody_now", "payer", "nobody", 10, false).body,
            "ok changed task nobody_now open");
  EXPECT_EQ(read_account("payer").escrowed, 20);
}

TEST_F(ledger_test, concurrent_funding_never_overdraws_the_payer) {
  create_account("payer");
  create_account("worker");
  top_up("payer", 100, "top_1");
  constexpr int tasks = 40;
  for (int i = 0; i < tasks; ++i)
    ASSERT_EQ(create_task("t" + std::to_string(i), "payer", "worker", 10, false).status, 200);

  std::vector<std::string> ids;
  for (int i = 0; i < tasks; ++i) ids.push_back("t" + std::to_string(i));
  const auto tally = fund_concurrently(ids, "payer", 8);
  EXPECT_EQ(tally.funded, 10);
  EXPECT_EQ(tally.refused, tasks - 10);
  const auto payer = read_account("payer");
  EXPECT_EQ(payer.available, 0);
  EXPECT_EQ(payer.escrowed, 100);
}

// Releases credit the worker's account on disk without telling its live actor, whose
// memory then holds less than the truth (account_actor.hpp): a debit it would refuse must
// be decided again on the reloaded row, at once and also behind records in flight.
TEST_F(ledger_test, a_credited_account_spends_its_credit_at_once) {
  create_account("payer");
  create_account("worker");  // the worker's actor is live from here, its memory at 0
  top_up("payer", 1'000, "top_1");
  create_task("t1", "payer", "worker", 300, true);
  task_call(task_command_kind::submit, "t1", account_key("worker"));
  task_call(task_command_kind::approve, "t1", account_key("payer"));
  ASSERT_EQ(read_account("worker").available, 300);

  EXPECT_EQ(create_task("w1", "worker", "payer", 100, true).body, "ok changed task w1 funded");

  // 200 left: eight fundings of 50 at once, most behind records still in flight.
  constexpr int tasks = 8;
  std::vector<std::string> ids;
  for (int i = 0; i < tasks; ++i) {
    ids.push_back("w" + std::to_string(i + 2));
    ASSERT_EQ(create_task(ids.back(), "worker", "payer", 50, false).status, 200);
  }
  const auto tally = fund_concurrently(ids, "worker", tasks);
  EXPECT_EQ(tally.funded, 4);
  EXPECT_EQ(tally.refused, tasks - 4);
  auto worker = read_account("worker");
  EXPECT_EQ(worker.available, 0);
  EXPECT_EQ(worker.escrowed, 300);

  // A second credit after the reload: the actor's memory is behind again.
  create_task("t2", "payer", "worker", 120, true);
  task_call(task_command_kind::submit, "t2", account_key("worker"));
  task_call(task_command_kind::approve, "t2", account_key("payer"));
  EXPECT_EQ(create_task("w20", "worker", "payer", 120, true).body, "ok changed task w20 funded");
  EXPECT_EQ(create_task("w21", "worker", "payer", 1, true).body, "error insufficient_funds");
  worker = read_account("worker");
  EXPECT_EQ(worker.available, 0);
  EXPECT_EQ(worker.escrowed, 420);
}

TEST_F(ledger_test, restart_keeps_every_acknowledged_change) {
  create_account("payer");
  create_account("worker");
  top_up("payer", 1'000, "top_1");
  create_task("t1", "payer", "worker", 250, true);
  task_call(task_command_kind::submit, "t1", account_key("worker"));
  ledger_.reset();
  open_ledger({});
  EXPECT_EQ(read_account("payer").available, 750);
  EXPECT_EQ(read_account("payer").escrowed, 250);
  auto row = ledger_->read_task("t1");
  ASSERT_TRUE(row.has_value() && row->has_value());
  EXPECT_EQ((*row)->state, task_state::submitted);
  EXPECT_EQ(task_call(task_command_kind::approve, "t1", account_key("payer")).body,
            "ok changed task t1 released");
  EXPECT_EQ(read_account("worker").available, 250);
}

TEST_F(ledger_test, a_lapsed_review_window_releases_to_the_worker_also_after_a_restart) {
  create_account("payer");
  create_account("worker");
  top_up("payer", 1'000, "top_1");
  ASSERT_EQ(create_task("t1", "payer", "worker", 400, true, 1).status, 200);
  ASSERT_EQ(task_call(task_command_kind::submit, "t1", account_key("worker")).status, 200);
  // Down before the window lapses: only the stored deadline can release it.
  ledger_.reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(2'100));
  ledger_config config;
  config.review_scan_interval = std::chrono::milliseconds(20);
  open_ledger(config);
  ASSERT_EQ(state_when("t1", task_state::released), task_state::released);
  const auto released = **ledger_->read_task("t1");
  EXPECT_EQ(released.last_transition, task_transition::review_window_lapsed);
  EXPECT_EQ(released.history.back().actor, "system");
  EXPECT_EQ(read_account("worker").available, 400);
  EXPECT_EQ(read_account("payer").escrowed, 0);
  EXPECT_EQ(task_call(task_command_kind::approve, "t1", account_key("payer")).body,
            "error invalid_state_transition");
  EXPECT_TRUE(ledger_->verify()->ok);
}

// The ledger saves its clock in the data directory (actors/clock_checkpoint.hpp) while it
// runs and when it closes, for the next start on this boot to resume.
TEST_F(ledger_test, the_ledger_leaves_its_clock_in_the_data_directory) {
  create_account("payer");
  ledger_.reset();
  const auto saved =
      load_clock_checkpoint(std::filesystem::path(data_dir_) / clock_checkpoint_name);
  ASSERT_TRUE(saved.has_value());
  EXPECT_EQ(saved->boot_id, current_boot_id());
  EXPECT_LE(std::abs(saved->reading.ledger_ns / 1'000'000'000 - system_unix_now()), 2);
  open_ledger({});
  EXPECT_EQ(read_account("payer").available, 0);
}

}  // namespace
}  // namespace escrowd::actors::testing
