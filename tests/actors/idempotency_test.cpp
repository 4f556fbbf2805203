// Tests Idempotency-Key handling at the facade (api.md "Idempotency"): a retry replays the
// stored response byte-identical with the original request id and moves no money again,
// business rejections are stored and replayed, the same key with other parameters is 422,
// a key in flight is 409, and refusals before execution are not stored.
#include "actors/idempotency_gate.hpp"
#include "tests/actors/ledger_fixture.hpp"

namespace escrowd::actors::testing {
namespace {

using idempotency_test = ledger_fixture;

idempotency_claim claim(const std::string& key, const std::string& fingerprint,
                        const std::string& request_id) {
  const auto now = unix_now();
  return {"key_payer", key, fingerprint, "POST /v1/tasks/{id}/fund", request_id, now,
          now + 86'400};
}

task_command fund(const std::string& task_id, std::optional<idempotency_claim> key) {
  task_command command;
  command.kind = task_command_kind::fund;
  command.task_id = task_id;
  command.context = context_for(account_key("payer"));
  command.context.idempotency = std::move(key);
  return command;
}

TEST(idempotency_gate, one_claim_per_scope_and_key) {
  idempotency_gate gate;
  EXPECT_TRUE(gate.try_claim("scope", "k"));
  EXPECT_FALSE(gate.try_claim("scope", "k"));
  EXPECT_TRUE(gate.try_claim("other", "k"));
  EXPECT_TRUE(gate.try_claim("scope", "k2"));
  EXPECT_EQ(gate.claims_in_flight(), 3u);
  gate.release("scope", "k");
  EXPECT_TRUE(gate.try_claim("scope", "k"));
}

TEST(idempotency_gate, judges_a_stored_record_against_the_request) {
  const auto incoming = claim("k", "fp", "req_2");
  auto same = judge_stored(incoming, "fp", incoming.endpoint, {200, "body", "req_1"});
  EXPECT_EQ(same.verdict, gate_verdict::replay);
  EXPECT_EQ(same.replay->original_request_id, "req_1");
  EXPECT_EQ(judge_stored(incoming, "other", incoming.endpoint, {}).verdict,
            gate_verdict::reused);
  EXPECT_EQ(judge_stored(incoming, "fp", "POST /v1/accounts", {}).verdict, gate_verdict::reused);
}

TEST_F(idempotency_test, retry_replays_the_stored_response_and_moves_money_once) {
  create_account("payer");
  create_account("worker");
  top_up("payer", 1'000, "top_1");
  create_task("t1", "payer", "worker", 300, false);

  auto first = call(fund("t1", claim("k1", "fp", "req_1")));
  EXPECT_EQ(first.body, "ok changed task t1 funded");
  EXPECT_FALSE(first.replayed);
  auto retry = call(fund("t1", claim("k1", "fp", "req_2")));
  EXPECT_TRUE(retry.replayed);
  EXPECT_EQ(retry.original_request_id, "req_1");
  EXPECT_EQ(retry.status, first.status);
  EXPECT_EQ(retry.body, first.body);
  EXPECT_EQ(read_account("payer").available, 700);

  EXPECT_EQ(call(fund("t1", claim("k1", "other", "req_3"))).body,
            "error idempotency_key_reused");
}

TEST_F(idempotency_test, business_rejections_are_stored_but_refusals_are_not) {
  create_account("payer");
  create_account("worker");
  create_task("t1", "payer", "worker", 300, false);

  auto rejected = call(fund("t1", claim("k1", "fp", "req_1")));
  EXPECT_EQ(rejected.body, "error insufficient_funds");
  top_up("payer", 1'000, "top_1");
  auto replayed = call(fund("t1", claim("k1", "fp", "req_2")));
  EXPECT_TRUE(replayed.replayed);
  EXPECT_EQ(replayed.body, "error insufficient_funds");
  EXPECT_EQ(read_account("payer").available, 1'000);

  // A refusal before execution (unknown task) is not stored: the same key runs again.
  EXPECT_EQ(call(fund("t9", claim("k2", "fp", "req_3"))).body, "error not_found");
  create_task("t9", "payer", "worker", 100, false);
  auto second = call(fund("t9", claim("k2", "fp", "req_4")));
  EXPECT_FALSE(second.replayed);
  EXPECT_EQ(second.body, "ok changed task t9 funded");
}

}  // namespace
}  // namespace escrowd::actors::testing
