// Tests the metrics of a real ledger (actors, LMDB) under a small workload: the money
// gauges equal the sums of the stored rows (escrow, held withdrawals, pending top-ups),
// before and after a restart (which rebuilds them from one storage scan); durable task
// transitions, idempotent replays and conflicts, commit batches and scrape-time storage
// values show up; metrics off gives an empty exposition and a working ledger; and the real
// exposition passes `promtool check metrics` (Debian package prometheus).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "tests/actors/ledger_fixture.hpp"
#include "tests/actors/telemetry/exposition_reader.hpp"

namespace escrowd::actors::testing {
namespace {

using telemetry::testing::value_of;

class ledger_metrics_test : public ledger_fixture {
 protected:
  rendered_response processor_request(account_command_kind kind, const std::string& account_id,
                                      const std::string& id, std::int64_t amount) {
    account_command command;
    command.kind = kind;
    command.account_id = account_id;
    command.processor_request = {
        id, amount, kind == account_command_kind::request_topup ? "pm_card_visa" : "ba_test"};
    command.context = context_for(account_key(account_id));
    return call(std::move(command));
  }

  // payer: tops up 10,000; funds t1 (3,000, stays funded) and t2 (1,000, submitted and
  // approved); holds a 500 withdrawal and asks for a 700 top-up that stays pending.
  void run_workload() {
    ASSERT_EQ(create_account("payer").status, 200);
    ASSERT_EQ(create_account("worker").status, 200);
    top_up("payer", 10'000, "top_1");
    ASSERT_EQ(create_task("t1", "payer", "worker", 3'000, true).status, 200);
    ASSERT_EQ(create_task("t2", "payer", "worker", 1'000, true).status, 200);
    ASSERT_EQ(task_call(task_command_kind::submit, "t2", account_key("worker")).status, 200);
    ASSERT_EQ(task_call(task_command_kind::approve, "t2", account_key("payer")).status, 200);
    ASSERT_EQ(
        processor_request(account_command_kind::request_withdrawal, "payer", "wd_1", 500).status,
        200);
    ASSERT_EQ(processor_request(account_command_kind::request_topup, "payer", "top_2", 700).status,
              200);
  }

  static double value(const std::string& text, std::string_view name,
                      const telemetry::testing::label_map& labels = {}) {
    auto found = value_of(text, name, labels);
    EXPECT_TRUE(found.has_value()) << name;
    return found.value_or(-1);
  }

  void expect_money(const std::string& text) {
    EXPECT_EQ(value(text, "escrowd_escrow_minor_units", {{"currency", "usd"}}), 3'000);
    EXPECT_EQ(value(text, "escrowd_processor_in_flight_minor_units",
                    {{"currency", "usd"}, {"direction", "to_processor"}}),
              500);
    EXPECT_EQ(value(text, "escrowd_processor_in_flight_minor_units",
                    {{"currency", "usd"}, {"direction", "from_processor"}}),
              700);
    // The gauges agree with the rows they summarize.
    const auto payer = read_account("payer");
    EXPECT_EQ(payer.escrowed, 3'000);
    EXPECT_EQ(payer.pending_withdrawal, 500);
    EXPECT_EQ(payer.pending_topup, 700);
  }
};

TEST_F(ledger_metrics_test, money_gauges_follow_committed_changes_and_survive_a_restart) {
  run_workload();
  expect_money(ledger_->metrics_exposition());
  ledger_.reset();
  open_ledger({});
  expect_money(ledger_->metrics_exposition());
  // And keep following changes after the reload: cancelling t1 returns its escrow.
  ASSERT_EQ(task_call(task_command_kind::cancel, "t1", account_key("payer")).status, 200);
  EXPECT_EQ(
      value(ledger_->metrics_exposition(), "escrowd_escrow_minor_units", {{"currency", "usd"}}), 0);
}

TEST_F(ledger_metrics_test, durable_task_transitions_are_counted_by_from_and_to) {
  run_workload();
  ASSERT_EQ(create_task("t3", "payer", "worker", 10, false).status, 200);
  ASSERT_EQ(task_call(task_command_kind::cancel, "t3", account_key("payer")).status, 200);
  // A refused transition is not a transition.
  ASSERT_EQ(task_call(task_command_kind::approve, "t1", account_key("payer")).body,
            "error invalid_state_transition");
  const auto text = ledger_->metrics_exposition();
  EXPECT_EQ(value(text, "escrowd_task_transitions_total", {{"from", "none"}, {"to", "open"}}), 3);
  EXPECT_EQ(value(text, "escrowd_task_transitions_total", {{"from", "open"}, {"to", "funded"}}), 2);
  EXPECT_EQ(
      value(text, "escrowd_task_transitions_total", {{"from", "funded"}, {"to", "submitted"}}), 1);
  EXPECT_EQ(
      value(text, "escrowd_task_transitions_total", {{"from", "submitted"}, {"to", "released"}}),
      1);
  EXPECT_EQ(value(text, "escrowd_task_transitions_total", {{"from", "open"}, {"to", "cancelled"}}),
            1);
  EXPECT_EQ(
      value(text, "escrowd_task_transitions_total", {{"from", "funded"}, {"to", "cancelled"}}), 0);
}

TEST_F(ledger_metrics_test, idempotent_replays_and_conflicts) {
  run_workload();
  ASSERT_EQ(create_task("t4", "payer", "worker", 10, false).status, 200);
  auto fund = [](const std::string& fingerprint, const std::string& request_id) {
    task_command command;
    command.kind = task_command_kind::fund;
    command.task_id = "t4";
    command.context = context_for(account_key("payer"));
    const auto now = unix_now();
    command.context.idempotency = idempotency_claim{
        "key_payer", "k1", fingerprint, "POST /v1/tasks/{id}/fund", request_id, now, now + 3'600};
    return command;
  };
  // Two submits back to back: the second finds the key in flight (409) unless the first
  // was already durable (then it is a replay). Either way it is counted as what it was.
  auto first = std::make_shared<std::promise<rendered_response>>();
  auto second = std::make_shared<std::promise<rendered_response>>();
  ledger_->submit(fund("fp", "req_1"), [first](rendered_response r) { first->set_value(r); });
  ledger_->submit(fund("fp", "req_2"), [second](rendered_response r) { second->set_value(r); });
  const auto first_answer = first->get_future().get();
  const auto second_answer = second->get_future().get();
  ASSERT_EQ(first_answer.status, 200);
  const bool second_in_use = second_answer.status == 409;
  ASSERT_TRUE(second_in_use || second_answer.replayed) << second_answer.body;

  EXPECT_TRUE(call(fund("fp", "req_3")).replayed);
  EXPECT_EQ(call(fund("other", "req_4")).body, "error idempotency_key_reused");

  const auto text = ledger_->metrics_exposition();
  EXPECT_EQ(value(text, "escrowd_idempotency_replays_total"), second_in_use ? 1 : 2);
  EXPECT_EQ(value(text, "escrowd_idempotency_conflicts_total", {{"reason", "in_use"}}),
            second_in_use ? 1 : 0);
  EXPECT_EQ(value(text, "escrowd_idempotency_conflicts_total", {{"reason", "reused"}}), 1);
  EXPECT_EQ(value(text, "escrowd_idempotency_keys_in_flight"), 0);
}

TEST_F(ledger_metrics_test, storage_and_actor_values) {
  run_workload();
  const auto text = ledger_->metrics_exposition();
  const auto stats = ledger_->storage_statistics();
  // Every durable request of the workload was one record of some batch.
  EXPECT_GE(value(text, "escrowd_storage_commit_batch_records_sum"), 10);
  EXPECT_EQ(value(text, "escrowd_storage_commit_batch_records_count"),
            double(stats.batches + stats.batches_failed));
  EXPECT_GT(value(text, "escrowd_storage_commit_duration_seconds_sum"), 0);
  EXPECT_GE(value(text, "escrowd_storage_syncs_total"), double(stats.batches));
  EXPECT_EQ(value(text, "escrowd_storage_failed"), 0);
  EXPECT_GT(value(text, "escrowd_storage_map_used_bytes"), 0);
  EXPECT_GE(value(text, "escrowd_storage_map_size_bytes"),
            value(text, "escrowd_storage_map_used_bytes"));
  EXPECT_EQ(value(text, "escrowd_ledger_rows", {{"table", "accounts"}}), 2);
  EXPECT_EQ(value(text, "escrowd_ledger_rows", {{"table", "tasks"}}), 2);
  // The pending withdrawal and top-up each left one row for the gateway.
  EXPECT_EQ(value(text, "escrowd_processor_outbox_depth"), 2);
  // Every request was answered: nothing waits for the writer (it samples after a batch,
  // which may be just after the answer).
  auto writer_backlog = [&] {
    return value(ledger_->metrics_exposition(), "escrowd_actor_mailbox_backlog",
                 {{"actor", "storage_writer"}});
  };
  for (int wait = 0; wait < 300 && writer_backlog() != 0; ++wait)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(writer_backlog(), 0);
  // payer, worker: nothing idles out within the test.
  EXPECT_EQ(value(text, "escrowd_actors_live", {{"kind", "account"}}), 2);
  // t1; t2 is settled, so its actor retires at once (it may still be reporting back).
  auto live_tasks = [&] {
    return value(ledger_->metrics_exposition(), "escrowd_actors_live", {{"kind", "task"}});
  };
  for (int wait = 0; wait < 300 && live_tasks() != 1; ++wait)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(live_tasks(), 1);
  EXPECT_EQ(value(ledger_->metrics_exposition(), "escrowd_actors_vacant", {{"kind", "task"}}), 1);
}

TEST_F(ledger_metrics_test, http_requests_recorded_through_the_facade) {
  ledger_->record_http_request("POST /v1/accounts", 201, 0.003);
  EXPECT_EQ(value(ledger_->metrics_exposition(), "escrowd_http_requests_total",
                  {{"route", "POST /v1/accounts"}, {"status", "201"}}),
            1);
}

// A window that lapsed while the ledger was down: the first scan after the restart finds it
// overdue by the downtime (one scan an hour here, so nothing overwrites that reading) and
// releases it; an approval is not a lapse.
TEST_F(ledger_metrics_test, review_window_releases_and_how_overdue_the_earliest_one_is) {
  ASSERT_EQ(create_account("payer").status, 200);
  ASSERT_EQ(create_account("worker").status, 200);
  top_up("payer", 1'000, "top_1");
  ASSERT_EQ(create_task("lapses", "payer", "worker", 100, true, 1).status, 200);
  ASSERT_EQ(task_call(task_command_kind::submit, "lapses", account_key("worker")).status, 200);
  ledger_.reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(3'100));
  ledger_config config;
  config.review_scan_interval = std::chrono::hours(1);
  open_ledger(config);
  ASSERT_EQ(create_task("approved", "payer", "worker", 100, true).status, 200);
  ASSERT_EQ(task_call(task_command_kind::submit, "approved", account_key("worker")).status, 200);
  ASSERT_EQ(task_call(task_command_kind::approve, "approved", account_key("payer")).status, 200);
  ASSERT_EQ(state_when("lapses", task_state::released), task_state::released);
  const auto text = ledger_->metrics_exposition();
  EXPECT_EQ(value(text, "escrowd_review_window_releases_total"), 1);
  EXPECT_EQ(
      value(text, "escrowd_task_transitions_total", {{"from", "submitted"}, {"to", "released"}}),
      2);
  // Deadline = submission second + 2; down for 3.1 s: at least a second overdue.
  EXPECT_GE(value(text, "escrowd_review_window_overdue_seconds"), 1);
  EXPECT_LE(value(text, "escrowd_review_window_overdue_seconds"), 10);
}

// GET /metrics needs no key: scrapes within the age share one rendering.
TEST_F(ledger_metrics_test, recent_exposition_is_rendered_once_per_age) {
  const auto first = ledger_->recent_metrics_exposition(std::chrono::hours(1));
  ASSERT_NE(first, nullptr);
  ledger_->record_http_request("POST /v1/accounts", 201, 0.003);
  const auto shared = ledger_->recent_metrics_exposition(std::chrono::hours(1));
  EXPECT_EQ(shared.get(), first.get()) << "rendered again within its age";
  EXPECT_FALSE(value_of(*shared, "escrowd_http_requests_total",
                        {{"route", "POST /v1/accounts"}, {"status", "201"}})
                   .has_value());
  const auto fresh = ledger_->recent_metrics_exposition(std::chrono::milliseconds(0));
  EXPECT_NE(fresh.get(), first.get());
  EXPECT_EQ(value(*fresh, "escrowd_http_requests_total",
                  {{"route", "POST /v1/accounts"}, {"status", "201"}}),
            1);
}

TEST_F(ledger_metrics_test, metrics_off_counts_nothing_and_the_ledger_still_works) {
  ledger_.reset();
  ledger_config config;
  config.metrics_enabled = false;
  open_ledger(config);
  run_workload();
  ledger_->record_http_request("POST /v1/accounts", 201, 0.003);
  EXPECT_EQ(ledger_->metrics_exposition(), "");
  EXPECT_EQ(read_account("payer").escrowed, 3'000);
}

// promtool reads the exposition on stdin; exit 0 and no output means no problem found.
TEST_F(ledger_metrics_test, exposition_passes_promtool_check_metrics) {
  ASSERT_TRUE(std::filesystem::exists(ESCROWD_PROMTOOL_PATH))
      << "promtool is missing: run scripts/install-deps (Debian package prometheus)";
  run_workload();
  ledger_->record_http_request("POST /v1/accounts", 201, 0.003);
  ledger_->record_http_request("GET /v1/tasks/{id}", 404, 0.0004);
  const auto text = ledger_->metrics_exposition();
  const auto file = std::filesystem::path(data_dir_) / "exposition.txt";
  std::ofstream(file) << text;
  const std::string command =
      std::string(ESCROWD_PROMTOOL_PATH) + " check metrics < " + file.string() + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "");
}

}  // namespace
}  // namespace escrowd::actors::testing
