// Engine benchmarks: the pure domain core on one core, no I/O.
// BM_Engine_FundSubmitApprove runs one task's fund + submit + approve per iteration, each
// outcome's deltas applied to the payer and worker accounts with apply_deltas, as the
// account owners would; an item is that whole lifecycle (three transitions, two entries).
// BM_Engine_Fingerprint canonicalizes and hashes a realistic create-task request body.
// Back of the envelope: HTTP parsing and actor hops on the 2 vCPU box should top out near
// 50,000 requests/s; for the engine to stay under 5% of one core there, a transition may
// cost 1 us. Target: >= 333,000 lifecycles/s (1M transitions/s). A transition copies the
// task (a few strings and its history vector) and builds a two-leg entry whose book owners
// ("task_" + 22 characters) do not fit the small-string buffer: a dozen small allocations
// at ~20 ns each, so ~0.3-0.5 us per transition is what to expect.
// Fingerprint target: >= 100,000 bodies/s (<= 10 us each), negligible next to a request.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>

#include "engine/account.hpp"
#include "engine/fingerprint.hpp"
#include "engine/id.hpp"
#include "engine/task.hpp"

namespace escrowd {
namespace {

account must_account(const std::string& id, currency ccy, std::int64_t available) {
  auto created = create_account({id, ccy, "bench"}, 1'700'000'000);
  if (!created) std::abort();
  created->available = available;
  return *created;
}

template <class value_type>
value_type must(result<value_type> held) {
  if (!held) std::abort();  // a benchmark that silently measures rejections measures nothing
  return std::move(held).value();
}

void BM_Engine_FundSubmitApprove(benchmark::State& state) {
  const currency usd = *currency::parse("usd");
  constexpr std::int64_t amount = 1'250;
  // Enough for 8e11 lifecycles: the payer never runs dry within a benchmark run.
  account payer = must_account(make_id(account_id_prefix, 1, 1), usd, amount_max);
  account worker = must_account(make_id(account_id_prefix, 2, 2), usd, 0);
  const create_task_command command{
      make_id(task_id_prefix, 3, 3), worker.id, amount, usd, 3'600, payer.id};
  const task open = must(create_task(command, payer, &worker, 1'700'000'000)).task;
  std::int64_t now = 1'700'000'000;

  for (auto _ : state) {
    auto funded = must(fund_task(open, payer, payer.id, ++now));
    payer = must(apply_deltas(payer, funded.deltas));
    auto submitted = must(submit_task(funded.task, "https://example.com/work", worker.id, ++now));
    auto approved = must(approve_task(submitted.task, payer.id, ++now));
    payer = must(apply_deltas(payer, approved.deltas));
    worker = must(apply_deltas(worker, approved.deltas));
    benchmark::DoNotOptimize(approved.entry);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["transitions/s"] =
      benchmark::Counter(3.0 * double(state.iterations()), benchmark::Counter::kIsRate);
  if (worker.available != amount * std::int64_t(state.iterations())) state.SkipWithError("lost");
}
BENCHMARK(BM_Engine_FundSubmitApprove);

void BM_Engine_Fingerprint(benchmark::State& state) {
  const std::string body = R"({
    "payer": "acct_0b7HqE2cY9mJ1xWq4ZrT8s",
    "worker": "acct_5nLp3KdV7aFg0Ue2Xy6Rb1",
    "amount": 125000,
    "currency": "usd",
    "review_window_s": 604800,
    "fund": true,
    "id": "task_9Zt4Wq1Lm8Nc3Vb7Xs2Kd0",
    "metadata": {"order": "A-1042", "tags": ["design", "logo"], "rush": false}
  })";
  for (auto _ : state) {
    auto fingerprint = request_fingerprint("POST", "/v1/tasks", body);
    if (!fingerprint) state.SkipWithError("rejected");
    benchmark::DoNotOptimize(fingerprint);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(body.size()));
}
BENCHMARK(BM_Engine_Fingerprint);

}  // namespace
}  // namespace escrowd
