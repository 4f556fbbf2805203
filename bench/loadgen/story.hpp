// The workload: stories (one escrow lifecycle, one withdrawal, one read ...) drawn from a
// named mix, each a short sequence of operations run one after another. A step that fails
// or is rejected ends its story, so a task never gets a transition its state forbids.
// Thread affinity: a story_source and its stories belong to one shard's thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "bench/loadgen/operation.hpp"
#include "bench/loadgen/plan.hpp"

namespace escrowd::loadgen {

enum class story_kind : std::uint8_t {
  release,           // create funded -> submit -> approve
  create_then_fund,  // create -> fund -> submit -> approve
  dispute,           // create funded -> submit -> dispute -> resolve (a random split)
  cancel,            // create funded -> cancel
  withdraw,          // a worker withdraws a little
  topup,             // a payer tops up
  read_account,      // GET an account
  read_task,         // GET a recently created task
  fund_only,         // create funded: one durable request, the task left in escrow
};
inline constexpr std::size_t story_kind_count = static_cast<std::size_t>(story_kind::fund_only) + 1;

struct mix {
  std::string name;
  std::array<unsigned, story_kind_count> weights{};  // relative, by story_kind
  bool hot_payers = false;  // payers drawn from the plan's hot accounts only
  std::int64_t amount_min = 100;
  std::int64_t amount_max = 10'000;
};

// "escrow", "hot", "read", "fund" (single fundings, the durable request of issue 5's
// benchmark) or "batch" (the escrow mix, sent through POST /v1/batch).
[[nodiscard]] std::optional<mix> mix_named(std::string_view name);
// The mix with one kind of story left out (--funding 0 leaves out the top-ups, which would
// call the processor). The mix must keep another kind.
[[nodiscard]] mix without(mix chosen, story_kind left_out);

class story {
 public:
  story(story_kind kind, std::uint32_t payer, std::uint32_t worker, std::string task,
        std::int64_t amount, std::int64_t worker_amount);

  // The next operation, or nullopt once the story is over.
  [[nodiscard]] std::optional<operation> next(const plan& run) const;
  // Advances past the step just run; a failure or rejection ends the story.
  void on_result(const op_result& result);
  [[nodiscard]] bool over() const;

  [[nodiscard]] story_kind kind() const { return kind_; }
  [[nodiscard]] const std::string& task() const { return task_; }
  [[nodiscard]] std::uint32_t payer() const { return payer_; }

 private:
  story_kind kind_;
  std::uint32_t payer_;
  std::uint32_t worker_;
  std::string task_;  // the task, or for read_task the task read
  std::int64_t amount_;
  std::int64_t worker_amount_;
  unsigned step_ = 0;
  bool ended_ = false;
};

// Draws stories for one shard from its own seeded generator; task ids carry the run id and
// the shard so shards never collide.
class story_source {
 public:
  story_source(const plan& run, mix chosen, unsigned shard, std::uint64_t seed);

  story draw();
  // Remembers the story's task (created lately) for read_task stories to read as its payer.
  void remember_task(const story& created);

 private:
  std::uint32_t any_account();

  const plan& run_;
  mix mix_;
  std::discrete_distribution<unsigned> kinds_;
  std::string task_prefix_;
  std::uint64_t tasks_made_ = 0;
  std::mt19937_64 random_;
  std::vector<std::pair<std::string, std::uint32_t>> recent_tasks_;  // (task, payer), a ring
  std::size_t recent_next_ = 0;
};

}  // namespace escrowd::loadgen
