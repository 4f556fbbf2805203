// Tests the entity actors against a storage writer the test drives (records stay queued
// until the test answers them), for what their memory running ahead of the disk may not do
// (entity_lifecycle.hpp):
// - an answer that writes nothing (a repeated submit, an account created twice) is not given
//   while the record it rests on is in flight, and is decided again from the disk when that
//   record fails: no 2xx tells of a state the ledger never reached;
// - a decision held while the store was closed (a reopen after a full disk) is made once it
//   is open again, with nothing else sent for the id, and even if the directory retired the
//   actor meanwhile (which then waits for it instead of holding the id's messages forever);
// - a retry that reaches the actors while the request it retries still runs (the caller's
//   deadline gave up on it and released its key) hears 409 idempotency_key_in_use when
//   the first commits its key, and the first's answer stays the key's.
#include <gtest/gtest.h>

#include <algorithm>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "actors/answer_slot.hpp"
#include "actors/commit_queue.hpp"
#include "actors/directory.hpp"
#include "actors/storage_writer.hpp"
#include "storage/ledger_store.hpp"
#include "tests/actors/ledger_fixture.hpp"

namespace escrowd::actors::testing {
namespace {

using namespace std::chrono_literals;

// Takes no record: they stay in the queue for the test to answer.
storage_writer_actor::behavior_type idle_writer(storage_writer_actor::pointer, int) {
  return {
      [](flush_atom) {},
      [](reap_atom) {},
      [](resume_atom) {},
  };
}

struct pending_answer {
  std::shared_ptr<std::promise<rendered_response>> promise =
      std::make_shared<std::promise<rendered_response>>();
  std::shared_future<rendered_response> future = promise->get_future().share();

  completion done() const {
    return [kept = promise](rendered_response response) { kept->set_value(std::move(response)); };
  }
  bool within(std::chrono::milliseconds wait) const {
    return future.wait_for(wait) == std::future_status::ready;
  }
};

class ahead_of_disk : public ledger_fixture {
 protected:
  // Closes the facade; the directory and its actors run on the same data directory with
  // the test's writer (idle) or the real one.
  void start_actors(directory_config config, bool real_writer) {
    ledger_.reset();
    options_.data_dir = data_dir_;
    auto opened = storage::ledger_store::open(options_);
    ASSERT_TRUE(opened.has_value());
    store_ = std::move(*opened);
    system_config_ = std::make_unique<caf::actor_system_config>();
    system_config_->set("scheduler.max-threads", 2);
    system_ = std::make_unique<caf::actor_system>(*system_config_);
    writer_.queue = std::make_shared<commit_queue>();
    if (real_writer)
      writer_.actor = system_->spawn<caf::detached>(storage_writer, store_.get(), writer_.queue,
                                                    nullptr, storage_writer_settings{});
    else
      writer_.actor = system_->spawn(idle_writer, 0);
    directory_ = system_->spawn(directory, store_.get(), writer_, config);
  }

  void TearDown() override {
    if (system_) {
      caf::anon_send_exit(directory_, caf::exit_reason::user_shutdown);
      caf::anon_send_exit(writer_.actor, caf::exit_reason::user_shutdown);
      system_->await_all_actors_done();
      writer_.queue->clear();
      directory_ = nullptr;
      writer_.actor = nullptr;
      system_.reset();
    }
    store_.reset();
    ledger_fixture::TearDown();
  }

  template <class Command>
  pending_answer send(Command command) {
    pending_answer answer;
    auto render = command.context.render;
    caf::anon_send(directory_, std::move(command), answer_slot::open(answer.done(), render));
    return answer;
  }

  void wait_until_queued(std::size_t records) {
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (writer_.queue->size() < records) {
      ASSERT_LT(std::chrono::steady_clock::now(), until) << "no record queued";
      std::this_thread::sleep_for(2ms);
    }
  }

  // Answers every queued record with `failure`, as the writer answers a failed batch.
  void fail_queued(error_code failure) {
    std::vector<storage::commit_record> records;
    std::vector<commit_reply_address> replies;
    writer_.queue->take(records, replies, 1000);
    for (auto& reply : replies)
      reply.requester->enqueue(
          nullptr, caf::make_message_id(),
          caf::make_message(commit_answers{
              {reply.waiter, storage::commit_result{escrowd::error{failure, {}}, 0}}, {}}),
          nullptr);
  }

  static task_command submit(const std::string& task_id, const std::string& worker) {
    task_command command;
    command.kind = task_command_kind::submit;
    command.task_id = task_id;
    command.text = "the work";
    command.context = context_for(account_key(worker));
    return command;
  }

  static account_command create(const std::string& account_id) {
    account_command command;
    command.kind = account_command_kind::create;
    command.account_id = account_id;
    command.create = {account_id, usd(), {}};
    command.context = context_for(admin());
    return command;
  }

  storage::store_options options_;
  std::unique_ptr<storage::ledger_store> store_;
  std::unique_ptr<caf::actor_system_config> system_config_;
  std::unique_ptr<caf::actor_system> system_;
  storage_writer_ref writer_;
  directory_actor directory_;
};

TEST_F(ahead_of_disk, a_repeated_submit_waits_for_the_first_and_is_decided_again_when_it_fails) {
  ASSERT_EQ(create_account("payer").status, 200);
  ASSERT_EQ(create_account("worker").status, 200);
  top_up("payer", 100, "topup_1");
  ASSERT_EQ(create_task("task_1", "payer", "worker", 60, true).status, 200);
  start_actors({}, false);

  auto first = send(submit("task_1", "worker"));
  wait_until_queued(1);
  auto repeated = send(submit("task_1", "worker"));
  EXPECT_FALSE(repeated.within(300ms))
      << "answered while the first submission is in flight: " << repeated.future.get().body;

  fail_queued(error_code::storage_full);  // the disk is full
  ASSERT_TRUE(first.within(5s));
  EXPECT_EQ(first.future.get().status, 503);
  // Decided again from the disk (funded): a submission of its own, which fails too.
  wait_until_queued(1);
  EXPECT_FALSE(repeated.within(100ms));
  fail_queued(error_code::storage_full);
  ASSERT_TRUE(repeated.within(5s));
  EXPECT_EQ(repeated.future.get().status, 503) << repeated.future.get().body;
  EXPECT_EQ((*store_->get_task("task_1")).state, task_state::funded);
}

TEST_F(ahead_of_disk, an_account_created_twice_is_not_answered_already_exists_before_it_does) {
  start_actors({}, false);
  auto first = send(create("acct_a"));
  wait_until_queued(1);
  auto again = send(create("acct_a"));
  EXPECT_FALSE(again.within(300ms)) << again.future.get().body;
  fail_queued(error_code::storage_full);
  ASSERT_TRUE(first.within(5s));
  EXPECT_EQ(first.future.get().status, 503);
  wait_until_queued(1);  // the second creates it now
  fail_queued(error_code::storage_full);
  ASSERT_TRUE(again.within(5s));
  EXPECT_EQ(again.future.get().status, 503) << again.future.get().body;
}

TEST_F(ahead_of_disk, a_decision_held_while_the_store_was_closed_is_made_once_it_reopens) {
  directory_config config;
  config.idle_timeout = 200ms;  // the directory retires the actor while its decision waits
  config.sweep_interval = 50ms;
  start_actors(config, true);
  auto unusable = options_;
  unusable.data_dir = "/proc/self/not-a-directory";
  ASSERT_FALSE(store_->reload(unusable).ok());  // a reopen that failed: the store is closed

  auto first = send(create("acct_a"));
  std::this_thread::sleep_for(100ms);  // its actor tried to load the id and could not
  EXPECT_FALSE(first.within(0ms));
  ASSERT_TRUE(store_->reload(options_).ok());
  std::this_thread::sleep_for(500ms);  // past the idle timeout, nothing else sent

  ASSERT_TRUE(first.within(5s)) << "the held create was never decided";
  // 503 when the actor loaded the id while the store reopened: its record rests on a read
  // from before the reopening and the writer refuses it (a retry runs again).
  const auto first_status = first.future.get().status;
  EXPECT_TRUE(first_status == 200 || first_status == 503) << first.future.get().body;
  auto second = send(create("acct_a"));
  ASSERT_TRUE(second.within(5s)) << "the id's next command was never delivered";
  EXPECT_EQ(second.future.get().status, first_status == 200 ? 409 : 200)
      << second.future.get().body;
}

TEST_F(ahead_of_disk, a_retry_racing_the_request_it_retries_hears_its_key_in_use) {
  start_actors({}, true);
  const auto now = unix_now();
  const idempotency_claim key{"admin", "k1", "fp", "POST /v1/accounts", "req_1", now, now + 3600};
  // Two accounts under one key: the gate lets only one in at a time, so this is what a
  // retry after the deadline looks like to the actors (the account ids are fresh per try).
  auto first_command = create("acct_1");
  first_command.context.idempotency = key;
  auto retry_command = create("acct_2");
  retry_command.context.idempotency = key;
  retry_command.context.idempotency->request_id = "req_2";
  auto first = send(first_command);
  auto retry = send(retry_command);
  ASSERT_TRUE(first.within(5s));
  ASSERT_TRUE(retry.within(5s));
  const auto answers = std::vector{first.future.get(), retry.future.get()};
  const auto succeeded = std::count_if(answers.begin(), answers.end(),
                                       [](const auto& answer) { return answer.status == 200; });
  const auto in_use = std::count_if(answers.begin(), answers.end(), [](const auto& answer) {
    return answer.status == 409 && answer.body == "error idempotency_key_in_use";
  });
  EXPECT_EQ(succeeded, 1) << answers[0].body << " / " << answers[1].body;
  EXPECT_EQ(in_use, 1) << answers[0].body << " / " << answers[1].body;
  const auto stored = store_->get_idempotency("admin", "k1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->status_code, 200);
}

}  // namespace
}  // namespace escrowd::actors::testing
