// Tests engine/error_message.hpp and the sentences the engine's refusals carry: a refusal's
// own sentence wins, parameter refusals without one name their parameter, everything else
// falls back to the code's default; task and withdrawal refusals say which state, which
// transition or which balance. Equality of errors ignores the wording.
#include "engine/error_message.hpp"

#include <gtest/gtest.h>

#include "engine/account.hpp"
#include "engine/processor_operation.hpp"
#include "engine/task.hpp"
#include "tests/support/engine_expectations.hpp"

namespace escrowd {
namespace {

using testing::must;

const currency usd = *currency::parse("usd");
const currency eur = *currency::parse("eur");
constexpr std::int64_t now = 1'700'000'000;

account make_account(const std::string& id, currency ccy, std::int64_t available) {
  account made = must(create_account({id, ccy, {}}, now));
  made.available = available;
  return made;
}

task open_task(const account& payer, const account& worker, std::int64_t amount) {
  return must(create_task({"task_1", worker.id, amount, payer.currency, {}, "admin"}, payer,
                          &worker, now))
      .task;
}

std::string message_of(const error& failure) {
  return error_message(failure);
}

TEST(error_message, own_sentence_then_param_then_the_codes_default) {
  EXPECT_EQ(message_of(rejection(error_code::parameter_invalid, "limit", "limit is 1 to 100.")),
            "limit is 1 to 100.");
  EXPECT_EQ(message_of({error_code::parameter_missing, "currency"}),
            "Missing required parameter: currency.");
  EXPECT_EQ(message_of({error_code::parameter_unknown, "colour"}),
            "Received unknown parameter: colour.");
  EXPECT_EQ(message_of({error_code::parameter_invalid, "owner"}),
            "Invalid value for parameter: owner.");
  EXPECT_EQ(message_of({error_code::amount_invalid, "amount"}),
            describe(error_code::amount_invalid).message);
  EXPECT_EQ(message_of({error_code::parameter_missing, {}}),
            describe(error_code::parameter_missing).message);
}

TEST(error_message, equal_errors_are_the_same_code_and_param_whatever_the_wording) {
  EXPECT_EQ(rejection(error_code::parameter_invalid, "limit", "one wording"),
            (error{error_code::parameter_invalid, "limit"}));
  EXPECT_NE(rejection(error_code::parameter_invalid, "limit", "same"),
            rejection(error_code::parameter_invalid, "owner", "same"));
}

TEST(error_message, task_refusals_name_the_transition_and_the_state) {
  const account payer = make_account("payer", usd, 500);
  const account worker = make_account("worker", usd, 0);
  const task open = open_task(payer, worker, 200);
  EXPECT_EQ(message_of(approve_task(open, "payer", now).failure()),
            "Cannot approve a task that is open.");
  EXPECT_EQ(message_of(resolve_task(open, 0, "arbiter", now).failure()),
            "Cannot resolve a task that is open.");
  EXPECT_EQ(message_of(lapse_review_window(open, now).failure()),
            "The review window of a task that is open cannot lapse.");

  task unassigned =
      must(create_task({"task_2", {}, 200, usd, {}, "admin"}, payer, nullptr, now)).task;
  unassigned = must(fund_task(unassigned, payer, "payer", now)).task;
  EXPECT_EQ(message_of(submit_task(unassigned, {}, "worker", now).failure()),
            "The task has no worker to submit it: assign one first.");

  const task funded = must(fund_task(open, payer, "payer", now)).task;
  const task released =
      must(approve_task(must(submit_task(funded, {}, "worker", now)).task, "payer", now)).task;
  EXPECT_EQ(message_of(cancel_task(released, "payer", now).failure()),
            "Cannot cancel a task that is released.");
}

TEST(error_message, refusals_say_which_value_was_wrong) {
  const account payer = make_account("payer", usd, 150);
  const account worker = make_account("worker", usd, 0);
  const account euro_worker = make_account("euro_worker", eur, 0);
  const task open = open_task(payer, worker, 200);
  EXPECT_EQ(message_of(fund_task(open, payer, "payer", now).failure()),
            "The payer's available balance is 150, less than the 200 required.");
  EXPECT_EQ(message_of(assign_task(open, payer, "payer", now).failure()),
            "The worker must be another account than the task's payer.");
  EXPECT_EQ(message_of(assign_task(open, euro_worker, "payer", now).failure()),
            "The worker's account is not in the task's currency, usd.");
  EXPECT_EQ(
      message_of(create_task({"task_3", {}, 5, eur, {}, "admin"}, payer, nullptr, now).failure()),
      "The payer's account is in usd, the task in eur.");
  EXPECT_EQ(
      message_of(create_task({"task_4", {}, 5, usd, 0, "admin"}, payer, nullptr, now).failure()),
      "review_window_s is 1 to 31536000 seconds.");
  EXPECT_EQ(message_of(request_withdrawal(payer, {"wd_1", 151, "ba_default"}, now).failure()),
            "The available balance is 150, less than the 151 required.");
  EXPECT_EQ(
      message_of(
          create_account({"acct", usd, std::string(owner_length_max + 1, 'o')}, now).failure()),
      "owner is at most 256 bytes.");
}

}  // namespace
}  // namespace escrowd
