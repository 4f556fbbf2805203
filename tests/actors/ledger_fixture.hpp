// A ledger facade on a fresh temporary data directory, with blocking helpers that turn
// the facade's completions into return values, and a renderer whose bodies tests can
// read ("ok <changed> <object fields>" or "error <code>").
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <string>
#include <thread>

#include "actors/ledger.hpp"
#include "actors/wall_clock.hpp"

namespace escrowd::actors::testing {

inline rendered_response render_for_tests(const operation_result& result) {
  if (!result.outcome.ok())
    return {describe(result.outcome.code()).http_status,
            "error " + std::string(describe(result.outcome.code()).code),
            false,
            {},
            {}};
  std::string body = result.changed ? "ok changed" : "ok unchanged";
  if (const auto* row = std::get_if<account>(&result.object)) body += " account " + row->id;
  if (const auto* row = std::get_if<task>(&result.object))
    body += " task " + row->id + " " + std::string(to_string(row->state));
  if (const auto* row = std::get_if<processor_operation>(&result.object))
    body += " operation " + row->id + " " + std::string(to_string(row->status));
  return {200, body, false, {}, {}};
}

inline principal admin() {
  return {principal_role::admin, "key_admin", {}};
}
inline principal arbiter() {
  return {principal_role::arbiter, "key_arbiter", {}};
}
inline principal account_key(const std::string& account_id) {
  return {principal_role::account, "key_" + account_id, account_id};
}

inline request_context context_for(const principal& who) {
  request_context context;
  context.principal = who;
  context.actor = who.actor_name();
  context.now = unix_now();  // real time: the review timer compares it with the wall clock
  context.render = render_for_tests;
  return context;
}

inline currency usd() {
  return *currency::parse("usd");
}

class ledger_fixture : public ::testing::Test {
 protected:
  void SetUp() override { open_ledger({}); }
  void TearDown() override {
    ledger_.reset();
    std::filesystem::remove_all(data_dir_);
  }

  void open_ledger(ledger_config config) {
    if (data_dir_.empty()) {
      std::string pattern = (std::filesystem::temp_directory_path() / "escrowd-actors-XXXXXX");
      data_dir_ = mkdtemp(pattern.data());
    }
    config.data_dir = data_dir_;
    auto opened = ledger::open(config);
    ASSERT_TRUE(opened.has_value()) << describe(opened.code()).code;
    ledger_ = std::move(*opened);
  }

  template <class Command>
  rendered_response call(Command command) {
    auto answered = std::make_shared<std::promise<rendered_response>>();
    auto future = answered->get_future();
    ledger_->submit(std::move(command),
                    [answered](rendered_response response) { answered->set_value(response); });
    return future.get();
  }

  rendered_response create_account(const std::string& id) {
    account_command command;
    command.kind = account_command_kind::create;
    command.account_id = id;
    command.create = {id, usd(), {}};
    command.context = context_for(admin());
    return call(std::move(command));
  }

  // Brings `amount` into the account the only way money enters: a settled top-up.
  void top_up(const std::string& account_id, std::int64_t amount, const std::string& topup_id) {
    account_command request;
    request.kind = account_command_kind::request_topup;
    request.account_id = account_id;
    request.processor_request = {topup_id, amount, "pm_card_visa"};
    request.context = context_for(account_key(account_id));
    ASSERT_EQ(call(std::move(request)).status, 200);
    account_command settle;
    settle.kind = account_command_kind::settle_operation;
    settle.account_id = account_id;
    settle.operation_kind = processor_kind::topup;
    settle.operation_id = topup_id;
    settle.settlement = {processor_status::succeeded, "pi_" + topup_id, {}, {}};
    settle.context = context_for(admin());
    ASSERT_EQ(call(std::move(settle)).status, 200);
  }

  rendered_response task_call(task_command_kind kind, const std::string& task_id,
                              const principal& who) {
    task_command command;
    command.kind = kind;
    command.task_id = task_id;
    command.context = context_for(who);
    return call(std::move(command));
  }

  rendered_response create_task(const std::string& task_id, const std::string& payer,
                                const std::string& worker, std::int64_t amount, bool fund,
                                std::optional<std::int64_t> review_window_s = {}) {
    task_command command;
    command.kind = fund ? task_command_kind::create_funded : task_command_kind::create;
    command.task_id = task_id;
    command.payer = payer;
    command.create = {task_id, worker, amount, usd(), review_window_s, payer};
    command.context = context_for(account_key(payer));
    return call(std::move(command));
  }

  account read_account(const std::string& id) {
    auto row = ledger_->read_account(id);
    EXPECT_TRUE(row.has_value() && row->has_value()) << id;
    return row.has_value() && row->has_value() ? **row : account{};
  }

  // The task's state once it is `wanted`, or after about 5 s (the review timer's releases).
  task_state state_when(const std::string& id, task_state wanted) {
    task_state state = (*ledger_->read_task(id))->state;
    for (int attempt = 0; attempt < 250 && state != wanted; ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      state = (*ledger_->read_task(id))->state;
    }
    return state;
  }

  std::string data_dir_;
  std::unique_ptr<ledger> ledger_;
};

}  // namespace escrowd::actors::testing
