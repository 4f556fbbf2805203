// commit_waiters: what a deciding actor does once each of its records is durable (or has
// failed), kept in the actor's own state and found again by the waiter id its record
// carries through the commit queue (commit_queue.hpp). The storage writer answers each
// actor's records of a batch in one `commit_answers` message.
// Why not a CAF response handler per record, as before: registering one cost an allocated
// behavior and a map entry (~1.7k instructions), and every answer was a message of its own
// to dispatch and free on the scheduler thread: a hot payer with a few hundred fundings in
// a batch took a few hundred messages where one now does.
// The writer answers an actor's records in the order the actor queued them (one FIFO
// queue, batches committed in order, answers sent in order), so the waiter answered is
// almost always the oldest; a search covers anything else.
// Thread affinity: the owning actor's handlers only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "actors/commands.hpp"
#include "actors/head_vector.hpp"
#include "storage/commit_record.hpp"

namespace escrowd::actors {

// One record's outcome for the waiter `waiter` of the actor that queued it.
struct commit_answer {
  std::uint64_t waiter = 0;
  storage::commit_result result;
};

// The writer's answers to one actor, in the order its records were queued. The first is
// held inline: most messages carry one (an escrow cycle's actors commit one record at a
// time), and a vector for it would be one more allocation per record.
struct commit_answers {
  commit_answer first;
  std::vector<commit_answer> more;
};

class commit_waiters {
 public:
  using on_durable_handler = std::function<void(rendered_response, std::uint64_t sequence)>;
  using on_failure_handler = std::function<void(rendered_response, escrowd::error)>;

  struct waiter {
    std::uint64_t id = 0;
    response_renderer render;    // renders the failure, if the record fails
    rendered_response response;  // the answer once durable
    on_durable_handler on_durable;
    on_failure_handler on_failure;
  };

  // Returns the id the record's answer must name.
  std::uint64_t wait(response_renderer render, rendered_response response,
                     on_durable_handler on_durable, on_failure_handler on_failure) {
    const auto id = next_id_++;
    items_.push_back(waiter{id, std::move(render), std::move(response), std::move(on_durable),
                            std::move(on_failure)});
    return id;
  }

  // The waiter `id`, taken out; nullopt for an id not waiting (never answered twice).
  std::optional<waiter> take(std::uint64_t id) {
    for (std::size_t at = 0; at < items_.size(); ++at)
      if (items_[at].id == id) return items_.take(at);
    return std::nullopt;
  }

  [[nodiscard]] std::size_t size() const { return items_.size(); }

 private:
  head_vector<waiter> items_;
  std::uint64_t next_id_ = 1;
};

}  // namespace escrowd::actors
