// Tests the actors layer under concurrent load on a real store: many client threads run
// seeded random escrow stories (fund, submit, approve / dispute+resolve / cancel) over
// many accounts, once with the default directory and once with a tiny live-actor cap and
// an idle timeout of a millisecond, so that actors are retired and reloaded mid-story.
// After each run the journal verifies, and the money in the accounts equals what came in.
#include <atomic>
#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

#include "tests/actors/ledger_fixture.hpp"

namespace escrowd::actors::testing {
namespace {

constexpr int account_count = 24;
constexpr std::int64_t opening_balance = 100'000;

unsigned test_seed() {
  const char* configured = std::getenv("ESCROWD_TEST_SEED");
  return configured != nullptr ? unsigned(std::strtoul(configured, nullptr, 10)) : 20261123u;
}

class load_test : public ledger_fixture {
 protected:
  void SetUp() override {}  // each test opens the ledger with its own configuration

  void open_and_fill(ledger_config config) {
    open_ledger(config);
    for (int i = 0; i < account_count; ++i) {
      ASSERT_EQ(create_account(name(i)).status, 200);
      top_up(name(i), opening_balance, "top_" + name(i));
    }
  }

  static std::string name(int i) { return "acct_" + std::to_string(i); }

  // One kind's series of an actors family; -1 if not exposed.
  double actor_gauge(const std::string& family, const std::string& kind) {
    const auto text = ledger_->metrics_exposition();
    const auto name = family + "{kind=\"" + kind + "\"} ";
    const auto at = text.find(name);
    return at == std::string::npos ? -1.0 : std::stod(text.substr(at + name.size()));
  }

  // One escrow story between two random accounts; returns false on an unexpected answer.
  bool run_story(std::mt19937_64& random, const std::string& task_id) {
    std::uniform_int_distribution<int> pick(0, account_count - 1);
    const auto payer = name(pick(random));
    auto worker = name(pick(random));
    if (worker == payer) worker = name((pick(random) + 1) % account_count);
    if (worker == payer) return true;
    const std::int64_t amount = std::uniform_int_distribution<std::int64_t>(1, 2'000)(random);
    auto created = create_task(task_id, payer, worker, amount, true);
    if (created.body == "error insufficient_funds") return true;
    if (created.status != 200) return false;
    switch (random() % 4) {
      case 0:
        return task_call(task_command_kind::cancel, task_id, account_key(payer)).status == 200;
      case 1: {
        if (task_call(task_command_kind::submit, task_id, account_key(worker)).status != 200)
          return false;
        if (task_call(task_command_kind::dispute, task_id, account_key(payer)).status != 200)
          return false;
        task_command resolve;
        resolve.kind = task_command_kind::resolve;
        resolve.task_id = task_id;
        resolve.worker_amount = amount / 3;
        resolve.context = context_for(arbiter());
        return call(std::move(resolve)).status == 200;
      }
      default:
        if (task_call(task_command_kind::submit, task_id, account_key(worker)).status != 200)
          return false;
        return task_call(task_command_kind::approve, task_id, account_key(payer)).status == 200;
    }
  }

  void run_clients(int clients, int stories_per_client) {
    const unsigned seed = test_seed();
    std::atomic<int> unexpected{0};
    std::vector<std::thread> threads;
    for (int client = 0; client < clients; ++client) {
      threads.emplace_back([&, client] {
        std::mt19937_64 random(seed + unsigned(client));
        for (int story = 0; story < stories_per_client; ++story) {
          const auto id = "task_" + std::to_string(client) + "_" + std::to_string(story);
          if (!run_story(random, id)) ++unexpected;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(unexpected.load(), 0) << "seed " << seed;
  }

  void expect_books_balance() {
    auto verified = ledger_->verify();
    ASSERT_TRUE(verified.has_value());
    EXPECT_TRUE(verified->ok) << (verified->problems.empty() ? "" : verified->problems.front());
    std::int64_t held = 0;
    for (int i = 0; i < account_count; ++i) {
      const auto row = read_account(name(i));
      EXPECT_GE(row.available, 0);
      held += row.available + row.escrowed + row.pending_withdrawal;
    }
    EXPECT_EQ(held, opening_balance * account_count) << "seed " << test_seed();
  }
};

TEST_F(load_test, many_clients_on_many_accounts_keep_the_ledger_balanced) {
  open_and_fill({});
  run_clients(8, 60);
  expect_books_balance();
}

// The same load on CAF's work-stealing scheduler (`escrowd serve --scheduler stealing`):
// actors then move between threads mid-story, which sharing does less often.
TEST_F(load_test, the_work_stealing_scheduler_keeps_the_ledger_balanced_too) {
  ledger_config config;
  config.scheduler = scheduler_policy::stealing;
  open_and_fill(config);
  run_clients(8, 60);
  expect_books_balance();
}

TEST_F(load_test, actors_retired_and_reloaded_mid_story_lose_nothing) {
  ledger_config config;
  config.live_actors_max = 4;
  config.actor_idle_timeout = std::chrono::milliseconds(1);
  config.directory_sweep_interval = std::chrono::milliseconds(2);
  open_and_fill(config);
  run_clients(6, 40);
  expect_books_balance();
}

// Past the cap, each new actor retires the least recently used one, one for one (no burst
// at the next sweep): the live count stays at the cap, and an evicted account's next
// command runs on a fresh actor loaded from disk.
TEST_F(load_test, the_cap_retires_the_least_recently_used_one_for_one) {
  ledger_config config;
  config.live_actors_max = 8;                               // 4 accounts, 4 tasks
  config.directory_sweep_interval = std::chrono::hours(1);  // only the cap retires
  open_ledger(config);
  for (int i = 0; i < 40; ++i) ASSERT_EQ(create_account("a" + std::to_string(i)).status, 200);
  auto live_accounts = [&] { return actor_gauge("escrowd_actors_live", "account"); };
  // The last retirement may still be reporting back.
  for (int wait = 0; wait < 200 && live_accounts() > 4; ++wait)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(live_accounts(), 4);
  top_up("a0", 50, "top_a0");  // a0 was evicted long ago
  EXPECT_EQ(read_account("a0").available, 50);
  top_up("a39", 70, "top_a39");  // still live
  EXPECT_EQ(read_account("a39").available, 70);
}

// A retired actor waits, vacant, and serves the next new id: past the cap, new accounts
// mostly reuse actors instead of spawning them, and a reused actor decides on its new
// account's balance, loaded from disk, never on what it held for the one before.
TEST_F(load_test, a_retired_actor_serves_a_new_id_from_its_own_disk_state) {
  ledger_config config;
  config.live_actors_max = 8;  // 4 accounts, 4 tasks
  config.directory_sweep_interval = std::chrono::hours(1);
  open_ledger(config);
  const auto spawned = [&](const char* kind) {
    return actor_gauge("escrowd_actors_spawned_total", kind);
  };
  constexpr int accounts = 40;
  for (int i = 0; i < accounts; ++i) {
    const auto id = "a" + std::to_string(i);
    ASSERT_EQ(create_account(id).status, 200);
    top_up(id, 100 + i, "top_" + id);
  }
  ASSERT_EQ(create_account("worker").status, 200);
  // Each payer funds exactly its own balance; one unit more is refused. An actor deciding
  // on the previous account's balance would refuse the first (a smaller balance) or allow
  // the second (a larger one).
  for (int i = 0; i < accounts; ++i) {
    const auto id = "a" + std::to_string(i);
    EXPECT_EQ(create_task("t" + id, id, "worker", 100 + i, true).status, 200) << id;
    EXPECT_EQ(create_task("u" + id, id, "worker", 1, true).body, "error insufficient_funds") << id;
    EXPECT_EQ(read_account(id).available, 0) << id;
  }
  EXPECT_GT(spawned("account"), 0);
  EXPECT_LT(spawned("account"), accounts / 2);  // one per account without reuse
  EXPECT_LT(spawned("task"), accounts);         // 80 tasks
}

// Idle actors retired all at once keep at most the kind's live cap vacant; the rest stop,
// and every account still works afterwards. Created concurrently, so that many actors are
// live at once (one after another, one or two would serve them all).
TEST_F(load_test, vacant_actors_are_bounded_by_the_live_cap) {
  ledger_config config;
  config.live_actors_max = 8;  // 4 accounts, 4 tasks
  config.actor_idle_timeout = std::chrono::milliseconds(100);
  config.directory_sweep_interval = std::chrono::milliseconds(20);
  open_ledger(config);
  constexpr int accounts = 40;
  std::vector<std::thread> clients;
  std::atomic<int> created{0};
  for (int i = 0; i < accounts; ++i)
    clients.emplace_back(
        [&, i] { created += create_account("a" + std::to_string(i)).status == 200; });
  for (auto& client : clients) client.join();
  ASSERT_EQ(created.load(), accounts);
  for (int wait = 0; wait < 300 && actor_gauge("escrowd_actors_live", "account") > 0; ++wait)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(actor_gauge("escrowd_actors_live", "account"), 0);
  EXPECT_GT(actor_gauge("escrowd_actors_spawned_total", "account"), 4);
  EXPECT_EQ(actor_gauge("escrowd_actors_vacant", "account"), 4);
  for (int i = 0; i < accounts; ++i) {
    const auto id = "a" + std::to_string(i);
    top_up(id, 10 + i, "top_" + id);
    EXPECT_EQ(read_account(id).available, 10 + i) << id;
  }
}

// A settled task (released, cancelled, resolved) retires at once instead of idling for
// the timeout: its actor waits, vacant, for the next new task. A command that still comes
// for a settled task reaches an actor that loads it from disk, and changes nothing.
TEST_F(load_test, a_settled_task_retires_at_once_and_still_answers_from_disk) {
  ledger_config config;
  config.directory_sweep_interval = std::chrono::hours(1);  // no idle retirements
  open_ledger(config);
  ASSERT_EQ(create_account("payer").status, 200);
  ASSERT_EQ(create_account("worker").status, 200);
  top_up("payer", 1'000, "top_payer");
  for (const char* id : {"released", "cancelled", "submitted"})
    ASSERT_EQ(create_task(id, "payer", "worker", 100, true).status, 200) << id;
  for (const char* id : {"released", "submitted"})
    ASSERT_EQ(task_call(task_command_kind::submit, id, account_key("worker")).status, 200) << id;
  ASSERT_EQ(task_call(task_command_kind::approve, "released", account_key("payer")).status, 200);
  ASSERT_EQ(task_call(task_command_kind::cancel, "cancelled", account_key("payer")).status, 200);
  auto live_tasks = [&] { return actor_gauge("escrowd_actors_live", "task"); };
  for (int wait = 0; wait < 300 && live_tasks() > 1; ++wait)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(live_tasks(), 1);  // the submitted one
  EXPECT_EQ(actor_gauge("escrowd_actors_vacant", "task"), 2);

  const auto approved_again =
      task_call(task_command_kind::approve, "released", account_key("payer"));
  EXPECT_EQ(approved_again.status, 200);
  EXPECT_EQ(task_call(task_command_kind::submit, "cancelled", account_key("worker")).body,
            "error invalid_state_transition");
  EXPECT_EQ(read_account("worker").available, 100);                   // released once
  EXPECT_EQ(read_account("payer").available, 800);                    // the cancelled one refunded
  EXPECT_EQ(read_account("payer").escrowed, 100);                     // the submitted one
  EXPECT_EQ(actor_gauge("escrowd_actors_spawned_total", "task"), 3);  // both reused a vacant
}

}  // namespace
}  // namespace escrowd::actors::testing
