// The dispute path and cancellation over HTTP (api.md "Tasks"): a dispute keeps the funds in
// escrow, the arbiter's resolve splits them (worker_amount to the worker, the rest back to
// the payer, 0 and the full amount included, more than the amount refused), and cancel of an
// open or funded task refunds the escrow to the payer. Each case checks both accounts'
// four balances.
#include <latch>
#include <memory>
#include <thread>
#include <vector>

#include "tests/api/api_fixture.hpp"

namespace escrowd::api_testing {
namespace {

class dispute_api : public api_fixture {
 protected:
  struct disputed_task {
    account_handle payer;
    account_handle worker;
    std::string id;
  };
  // A task of `amount` funded from a payer holding `amount + 100`, submitted and disputed.
  disputed_task disputed(std::int64_t amount) {
    disputed_task made{funded_account(amount + 100), create_account(), {}};
    made.id = create_task(made.payer, made.worker, amount, R"(,"fund":true)");
    EXPECT_FALSE(made.id.empty());
    transition(made.id, "submit", made.worker.key);
    const auto opened = transition(made.id, "dispute", made.payer.key, R"({"reason":"broken"})");
    EXPECT_EQ(opened.text("state"), "disputed");
    return made;
  }
  std::string arbiter() {
    return client().post("/v1/keys", admin(), R"({"role":"arbiter"})").text("key");
  }
};

TEST_F(dispute_api, dispute_keeps_the_funds_in_escrow) {
  const auto task = disputed(1'000);
  EXPECT_EQ(balances_of(task.payer.id), (balances{100, 1'000, 0, 0}));
  EXPECT_EQ(balances_of(task.worker.id), (balances{0, 0, 0, 0}));
}

TEST_F(dispute_api, resolve_splits_worker_amount_to_the_worker_and_the_rest_to_the_payer) {
  const auto task = disputed(1'000);
  const auto resolved = transition(task.id, "resolve", arbiter(), R"({"worker_amount":300})");
  EXPECT_EQ(resolved.text("state"), "resolved");
  EXPECT_EQ(balances_of(task.worker.id), (balances{300, 0, 0, 0}));
  EXPECT_EQ(balances_of(task.payer.id), (balances{800, 0, 0, 0}));
}

TEST_F(dispute_api, resolve_with_zero_refunds_everything_and_with_the_amount_pays_everything) {
  const auto refunded = disputed(500);
  transition(refunded.id, "resolve", arbiter(), R"({"worker_amount":0})");
  EXPECT_EQ(balances_of(refunded.worker.id), (balances{0, 0, 0, 0}));
  EXPECT_EQ(balances_of(refunded.payer.id), (balances{600, 0, 0, 0}));

  const auto paid = disputed(500);
  transition(paid.id, "resolve", arbiter(), R"({"worker_amount":500})");
  EXPECT_EQ(balances_of(paid.worker.id), (balances{500, 0, 0, 0}));
  EXPECT_EQ(balances_of(paid.payer.id), (balances{100, 0, 0, 0}));
}

TEST_F(dispute_api, resolve_outside_zero_to_amount_is_400_worker_amount_and_moves_nothing) {
  const auto task = disputed(500);
  const auto key = arbiter();
  for (const auto* body : {R"({"worker_amount":501})", R"({"worker_amount":-1})",
                           R"({"worker_amount":2.5})", R"({"worker_amount":"5"})", "{}"}) {
    SCOPED_TRACE(body);
    expect_bad_request(client().post("/v1/tasks/" + task.id + "/resolve", key, body),
                       "worker_amount");
  }
  EXPECT_EQ(task_state(task.id), "disputed");
  EXPECT_EQ(balances_of(task.payer.id), (balances{100, 500, 0, 0}));
}

// Two arbiters deciding different splits at the same moment: one split is applied and
// answered 200; the other is 409 invalid_state_transition naming worker_amount (a 200
// showing the other's split would tell its arbiter the decision was theirs). The winner's
// repeat is the natural no-op.
TEST_F(dispute_api, two_arbiters_resolving_differently_one_wins_and_the_other_is_409) {
  const auto task = disputed(1'000);
  const std::vector<std::string> bodies = {R"({"worker_amount":100})", R"({"worker_amount":900})"};
  const std::vector<std::string> keys = {arbiter(), arbiter()};
  std::vector<std::unique_ptr<api_client>> clients;
  for (std::size_t i = 0; i < 2; ++i)
    clients.push_back(std::make_unique<api_client>(server().port()));
  std::vector<api_response> answers(2);
  std::latch start(2);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      answers[i] = clients[i]->post("/v1/tasks/" + task.id + "/resolve", keys[i], bodies[i]);
    });
  }
  for (auto& thread : threads) thread.join();
  const std::size_t winner = answers[0].status == 200 ? 0 : 1;
  const std::size_t loser = 1 - winner;
  ASSERT_EQ(answers[winner].status, 200u) << describe(answers[winner]);
  expect_error(answers[loser], 409, "invalid_state_transition", "worker_amount");
  const std::int64_t to_worker = winner == 0 ? 100 : 900;
  EXPECT_EQ(answers[winner].integer("worker_amount"), to_worker);
  EXPECT_EQ(balances_of(task.worker.id), (balances{to_worker, 0, 0, 0}));
  EXPECT_EQ(balances_of(task.payer.id), (balances{100 + 1'000 - to_worker, 0, 0, 0}));
  const auto repeated =
      client().post("/v1/tasks/" + task.id + "/resolve", keys[winner], bodies[winner]);
  EXPECT_EQ(repeated.status, 200u) << describe(repeated);
  EXPECT_EQ(balances_of(task.worker.id).available, to_worker);
}

TEST_F(dispute_api, a_second_dispute_with_another_reason_is_409_and_keeps_the_first) {
  const auto task = disputed(300);
  expect_error(client().post("/v1/tasks/" + task.id + "/dispute", task.payer.key,
                             R"({"reason":"also late"})"),
               409, "invalid_state_transition", "reason");
  EXPECT_EQ(client().get("/v1/tasks/" + task.id, task.payer.key).text("dispute_reason"), "broken");
  EXPECT_EQ(transition(task.id, "dispute", task.payer.key, R"({"reason":"broken"})").text("state"),
            "disputed");
}

TEST_F(dispute_api, dispute_requires_a_reason) {
  const auto payer = funded_account(100);
  const auto worker = create_account();
  const auto task = create_task(payer, worker, 100, R"(,"fund":true)");
  transition(task, "submit", worker.key);
  expect_bad_request(client().post("/v1/tasks/" + task + "/dispute", payer.key, "{}"), "reason");
  expect_bad_request(client().post("/v1/tasks/" + task + "/dispute", payer.key, R"({"reason":17})"),
                     "reason");
  EXPECT_EQ(task_state(task), "submitted");
}

TEST_F(dispute_api, cancel_of_a_funded_task_refunds_the_escrow_to_the_payer) {
  const auto payer = funded_account(2'000);
  const auto worker = create_account();
  const auto task = create_task(payer, worker, 1'500, R"(,"fund":true)");
  ASSERT_FALSE(task.empty());
  EXPECT_EQ(balances_of(payer.id), (balances{500, 1'500, 0, 0}));
  EXPECT_EQ(transition(task, "cancel", payer.key).text("state"), "cancelled");
  EXPECT_EQ(balances_of(payer.id), (balances{2'000, 0, 0, 0}));
  EXPECT_EQ(balances_of(worker.id), (balances{0, 0, 0, 0}));
}

TEST_F(dispute_api, cancel_of_an_open_task_moves_no_money) {
  const auto payer = create_account();
  const auto task = create_task(payer, create_account(), 200);
  ASSERT_FALSE(task.empty());
  EXPECT_EQ(transition(task, "cancel", payer.key).text("state"), "cancelled");
  EXPECT_EQ(balances_of(payer.id), (balances{0, 0, 0, 0}));
  expect_error(client().post("/v1/tasks/" + task + "/fund", payer.key, "{}"), 409,
               "invalid_state_transition");
}

TEST_F(dispute_api, escrowed_sums_every_funded_unsettled_task_of_the_payer) {
  const auto payer = funded_account(10'000);
  const auto worker = create_account();
  const auto funded = create_task(payer, worker, 1'000, R"(,"fund":true)");
  const auto submitted = create_task(payer, worker, 2'000, R"(,"fund":true)");
  transition(submitted, "submit", worker.key);
  const auto in_dispute = create_task(payer, worker, 3'000, R"(,"fund":true)");
  transition(in_dispute, "submit", worker.key);
  transition(in_dispute, "dispute", payer.key, R"({"reason":"r"})");
  const auto open = create_task(payer, worker, 500);
  ASSERT_FALSE(open.empty());
  EXPECT_EQ(balances_of(payer.id), (balances{4'000, 6'000, 0, 0}));
  transition(submitted, "approve", payer.key);
  EXPECT_EQ(balances_of(payer.id), (balances{4'000, 4'000, 0, 0}));
  transition(funded, "cancel", payer.key);
  EXPECT_EQ(balances_of(payer.id), (balances{5'000, 3'000, 0, 0}));
}

}  // namespace
}  // namespace escrowd::api_testing
