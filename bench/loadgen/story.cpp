// story: each kind is a fixed list of steps; the story supplies the ids, amounts and the
// principal of each step.
#include "bench/loadgen/story.hpp"

#include <span>
#include <tuple>

namespace escrowd::loadgen {
namespace {

constexpr std::size_t recent_tasks_max = 4096;
constexpr std::int64_t withdrawal_amount_min = 100;
constexpr std::int64_t withdrawal_amount_max = 1'000;
constexpr std::int64_t topup_amount = 1'000'000;

constexpr std::array release_steps{op_kind::create_task, op_kind::submit_task,
                                   op_kind::approve_task};
constexpr std::array create_then_fund_steps{op_kind::create_task, op_kind::fund_task,
                                            op_kind::submit_task, op_kind::approve_task};
constexpr std::array dispute_steps{op_kind::create_task, op_kind::submit_task,
                                   op_kind::dispute_task, op_kind::resolve_task};
constexpr std::array cancel_steps{op_kind::create_task, op_kind::cancel_task};
constexpr std::array withdraw_steps{op_kind::withdraw};
constexpr std::array topup_steps{op_kind::topup};
constexpr std::array read_account_steps{op_kind::get_account};
constexpr std::array read_task_steps{op_kind::get_task};
constexpr std::array fund_only_steps{op_kind::create_task};

std::span<const op_kind> steps_of(story_kind kind) {
  switch (kind) {
    case story_kind::release:
      return release_steps;
    case story_kind::create_then_fund:
      return create_then_fund_steps;
    case story_kind::dispute:
      return dispute_steps;
    case story_kind::cancel:
      return cancel_steps;
    case story_kind::withdraw:
      return withdraw_steps;
    case story_kind::topup:
      return topup_steps;
    case story_kind::read_account:
      return read_account_steps;
    case story_kind::read_task:
      return read_task_steps;
    case story_kind::fund_only:
      return fund_only_steps;
  }
  return {};
}

mix weighted(std::string name, std::initializer_list<std::pair<story_kind, unsigned>> weights) {
  mix chosen;
  chosen.name = std::move(name);
  for (const auto& [kind, weight] : weights)
    chosen.weights[static_cast<std::size_t>(kind)] = weight;
  return chosen;
}

}  // namespace

std::optional<mix> mix_named(std::string_view name) {
  // The escrow story: mostly clean releases, a share of every other path through the API.
  const auto escrow = {
      std::pair{story_kind::release, 62u}, std::pair{story_kind::create_then_fund, 8u},
      std::pair{story_kind::dispute, 10u}, std::pair{story_kind::cancel, 10u},
      std::pair{story_kind::withdraw, 6u}, std::pair{story_kind::topup, 4u}};
  if (name == "escrow" || name == "batch") return weighted(std::string{name}, escrow);
  if (name == "hot") {
    auto hot =
        weighted("hot", {std::pair{story_kind::release, 80u}, std::pair{story_kind::cancel, 20u}});
    hot.hot_payers = true;
    hot.amount_min = 1;  // hot payers pay many small tasks: their funding must last the run
    hot.amount_max = 100;
    return hot;
  }
  if (name == "fund") {
    // Small amounts: a run of tens of thousands of fundings a second must not drain the
    // payers' setup top-ups.
    auto fund = weighted("fund", {std::pair{story_kind::fund_only, 1u}});
    fund.amount_min = 1;
    fund.amount_max = 100;
    return fund;
  }
  if (name == "read") {
    return weighted(
        "read", {std::pair{story_kind::read_account, 45u}, std::pair{story_kind::read_task, 45u},
                 std::pair{story_kind::release, 10u}});
  }
  return std::nullopt;
}

mix without(mix chosen, story_kind left_out) {
  chosen.weights[static_cast<std::size_t>(left_out)] = 0;
  return chosen;
}

story::story(story_kind kind, std::uint32_t payer, std::uint32_t worker, std::string task,
             std::int64_t amount, std::int64_t worker_amount)
    : kind_(kind),
      payer_(payer),
      worker_(worker),
      task_(std::move(task)),
      amount_(amount),
      worker_amount_(worker_amount) {}

std::optional<operation> story::next(const plan& run) const {
  const auto steps = steps_of(kind_);
  if (ended_ || step_ >= steps.size()) return std::nullopt;
  operation op;
  op.kind = steps[step_];
  op.task = task_;
  op.amount = amount_;
  const auto& payer_key = run.keys[payer_];
  const auto& worker_key = run.keys[worker_];
  switch (op.kind) {
    case op_kind::create_task:
      op.principal = payer_key;
      op.payer = run.accounts[payer_];
      op.worker = run.accounts[worker_];
      op.fund = kind_ != story_kind::create_then_fund;
      break;
    case op_kind::submit_task:
      op.principal = worker_key;
      break;
    case op_kind::resolve_task:
      op.principal = run.arbiter_key;
      op.worker_amount = worker_amount_;
      break;
    case op_kind::withdraw:
      op.principal = worker_key;
      op.account = run.accounts[worker_];
      break;
    case op_kind::topup:
    case op_kind::get_account:
      op.principal = payer_key;
      op.account = run.accounts[payer_];
      break;
    default:  // fund, approve, dispute, cancel and get_task: the payer's
      op.principal = payer_key;
      break;
  }
  return op;
}

bool story::over() const {
  return ended_ || step_ >= steps_of(kind_).size();
}

void story::on_result(const op_result& result) {
  if (!result.ok()) ended_ = true;
  ++step_;
}

story_source::story_source(const plan& run, mix chosen, unsigned shard, std::uint64_t seed)
    : run_(run),
      mix_(std::move(chosen)),
      kinds_(mix_.weights.begin(), mix_.weights.end()),
      task_prefix_(run.run_id + "-" + std::to_string(shard) + "-"),
      random_(seed) {}

std::uint32_t story_source::any_account() {
  return static_cast<std::uint32_t>(random_() % run_.accounts.size());
}

story story_source::draw() {
  const auto kind = static_cast<story_kind>(kinds_(random_));
  std::uint32_t payer = any_account();
  if (mix_.hot_payers && run_.hot_accounts > 0) {
    payer = static_cast<std::uint32_t>(random_() % run_.hot_accounts);
  }
  std::uint32_t worker = any_account();
  if (worker == payer) worker = static_cast<std::uint32_t>((worker + 1) % run_.accounts.size());
  const auto span = static_cast<std::uint64_t>(mix_.amount_max - mix_.amount_min + 1);
  auto amount = mix_.amount_min + static_cast<std::int64_t>(random_() % span);
  std::string task;
  switch (kind) {
    case story_kind::withdraw:
      amount = withdrawal_amount_min +
               static_cast<std::int64_t>(
                   random_() %
                   static_cast<std::uint64_t>(withdrawal_amount_max - withdrawal_amount_min + 1));
      break;
    case story_kind::topup:
      amount = topup_amount;
      break;
    case story_kind::read_account:
      break;
    case story_kind::read_task:
      if (recent_tasks_.empty()) return story{story_kind::read_account, payer, worker, {}, 0, 0};
      std::tie(task, payer) = recent_tasks_[random_() % recent_tasks_.size()];
      break;
    default:
      task = task_prefix_ + std::to_string(tasks_made_++);
      break;
  }
  const auto worker_amount =
      static_cast<std::int64_t>(random_() % static_cast<std::uint64_t>(amount + 1));
  return story{kind, payer, worker, std::move(task), amount, worker_amount};
}

void story_source::remember_task(const story& created) {
  if (recent_tasks_.size() < recent_tasks_max) {
    recent_tasks_.emplace_back(created.task(), created.payer());
  } else {
    recent_tasks_[recent_next_] = {created.task(), created.payer()};
    recent_next_ = (recent_next_ + 1) % recent_tasks_max;
  }
}

}  // namespace escrowd::loadgen
