// POST /v1/batch (api.md "Batch"): up to batch_operations_max operations, each applied as
// if sent alone. An operation that writes an object (an id in the path, or the id, payer
// or worker of a body) starts once the earlier operations on it answered, and one that
// only reads it once the earlier writes did (batch_order.hpp); the others run at once, so
// the writes of one batch share group commits. A funding's successors that change state
// start once the payer decided it, before it is durable (batch_schedule.hpp): fundings
// from one payer would otherwise commit one sync after another.
// An Idempotency-Key on the batch keys the batch as a whole, as on any POST: the stored
// answer replayed, 422 on another body, 409 while it runs. Its operations without a key of
// their own run under keys derived from it and their index, which no client can send (they
// start with a control character), so a batch retried after its answer was lost midway
// (a crash before the answer was stored) replays the operations that were done.
#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "engine/error_message.hpp"
#include "engine/sha256.hpp"
#include "http/api.hpp"
#include "http/api_call.hpp"
#include "http/api_response.hpp"
#include "http/batch_operations.hpp"
#include "http/batch_order.hpp"
#include "http/batch_schedule.hpp"
#include "http/json_codec.hpp"
#include "http/query.hpp"

namespace escrowd::http {

// The batch in flight: results by index, and which operations wait for which.

// Called once with the whole answer's body and, when it differs, the body a replay shows
// (stored_body; empty: `body`); every_one_replayed: each operation's answer was a replay;
// keep: no operation's answer was one a retry must not see again (5xx, 409
// idempotency_key_in_use).
using batch_finish = std::function<void(std::string body, std::string stored_body,
                                        bool every_one_replayed, bool keep)>;

struct batch_run {
  std::optional<principal> who;
  std::string request_id;
  std::int64_t now = 0;
  std::vector<batch_operation> operations;
  std::vector<std::string> results;  // {"status":S,"body":B}
  // Where a replay shows another body than the answer (a new key's secret is shown once):
  // that result as stored; empty elsewhere.
  std::vector<std::string> stored_results;
  std::optional<batch_schedule> schedule;
  std::vector<bool> only_reads;                // a GET: its answer may be refused for its size
  std::vector<bool> may_release_when_decided;  // no later operation shares its key
  std::atomic<std::size_t> remaining{0};
  std::atomic<std::size_t> replayed{0};
  std::atomic<bool> transient{false};
  // api.md: a revocation takes effect at once, also for the operations of a batch its key
  // sent before: the ledger's revocations generation when the key was last found active.
  std::atomic<std::uint64_t> revocations_seen{0};
  std::atomic<bool> key_revoked{false};
  std::atomic<std::size_t> answer_bytes{0};  // of the results so far, counted in flight too
  batch_finish finish;
};

namespace {

// The key of operation `index` of a batch sent with `batch_key`: printable keys are the
// clients' (api.md), so the leading control character keeps these apart from all of them,
// and the digest keeps them short whatever the batch key's length.
std::string derived_operation_key(std::string_view batch_key, std::size_t index) {
  return "\x1f" + std::to_string(index) + "\x1f" + to_hex(sha256_of(batch_key));
}

std::string result_json(unsigned status, const std::string& body) {
  return "{\"status\":" + std::to_string(status) + ",\"body\":" + body + "}";
}

// The batch's answer from its results, each replaced by its stored variant where it has one.
std::string batch_json(const std::vector<std::string>& results,
                       const std::vector<std::string>& stored_results) {
  std::string body = R"({"object":"batch","results":[)";
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (i != 0) body.push_back(',');
    const bool stored = i < stored_results.size() && !stored_results[i].empty();
    body += stored ? stored_results[i] : results[i];
  }
  body += "]}";
  return body;
}

error answer_bound_refusal(const api_settings& settings) {
  return rejection(error_code::batch_too_large, "operations",
                   "The batch's answer reached its bound of " +
                       std::to_string(settings.batch_answer_bytes_max >> 20) +
                       " MiB: send this read in another request.");
}

// An answer a retry must get a fresh chance at: nothing was decided.
bool is_transient(const response& answer) {
  return answer.status >= 500 ||
         (answer.status == 409 &&
          answer.body.find("\"idempotency_key_in_use\"") != std::string::npos);
}

}  // namespace

void api::run_batch(api_call& call) {
  auto operations = read_operations(call.body, settings_.batch_operations_max);
  if (!operations) {
    call.reply(error_response(operations.failure()));
    return;
  }
  // Such an operation would always find its key in use by the batch that carries it.
  for (std::size_t index = 0; index < operations->size(); ++index) {
    if (call.idempotency_key.empty() ||
        (*operations)[index].idempotency_key != call.idempotency_key)
      continue;
    call.reply(error_response(rejection(
        error_code::parameter_invalid, "operations[" + std::to_string(index) + "].idempotency_key",
        "An operation's idempotency_key must differ from the batch's Idempotency-Key.")));
    return;
  }
  auto run = std::make_shared<batch_run>();
  const std::size_t count = operations->size();
  run->operations = std::move(*operations);
  run->results.resize(count);
  run->stored_results.resize(count);
  std::vector<bool> changes_state(count);  // a POST: may start once its predecessors decided
  run->only_reads.resize(count);
  run->may_release_when_decided.resize(count, true);
  run->remaining = count;
  std::map<std::string_view, std::size_t> last_with_key;
  task_parties parties_known;
  std::vector<std::vector<object_touch>> touches(count);
  for (std::size_t index = 0; index < count; ++index) {
    auto& operation = run->operations[index];
    changes_state[index] = operation.method == "POST";
    run->only_reads[index] = operation.method == "GET";
    // A later operation with this key must find it stored, not in use (409): it waits
    // for the answer.
    if (!operation.idempotency_key.empty()) {
      auto [found, first] = last_with_key.try_emplace(operation.idempotency_key, index);
      if (!first) run->may_release_when_decided[std::exchange(found->second, index)] = false;
    }
    add_task_parties(ledger_, parties_known, operation);
    note_task_parties(ledger_, operation, parties_known);
    if (operation.idempotency_key.empty() && !call.idempotency_key.empty())
      operation.idempotency_key = derived_operation_key(call.idempotency_key, index);
    else if (!operation.idempotency_key.empty())
      // Operations sharing a key run one after the other, as if sent alone in order: the
      // later one replays the earlier (or is 422) instead of finding the key in use. The
      // control character keeps this name apart from every object id.
      operation.objects.push_back({"\x1fkey\x1f" + operation.idempotency_key, true});
    // Every operation acts as the batch's key, which a revocation in the batch may end:
    // operations after one wait for it, and those before it run before it.
    operation.objects.push_back(
        {"\x1fprincipals", operation.match && operation.match->route == route::revoke_key});
    touches[index] = std::move(operation.objects);
  }
  run->schedule.emplace(batch_predecessors(touches), std::move(changes_state));

  run->who = call.who;
  run->revocations_seen = ledger_.revocations_generation();
  run->request_id = call.request_id;
  run->now = call.now;
  auto start = [this, run] {
    // The roots are chosen before any starts: a root can finish (and start its
    // successors, whose counts reach 0) while this loop still runs, and such a successor
    // must not be started a second time here.
    start_batch_operations(run, run->schedule->roots());
  };
  if (call.idempotency_key.empty()) {
    run->finish = [reply = call.reply](std::string body, std::string, bool every_one_replayed,
                                       bool) {
      response combined = json_response(200, std::move(body));
      if (every_one_replayed) combined.headers.emplace_back("Idempotent-Replayed", "true");
      reply(std::move(combined));
    };
    start();
    return;
  }
  auto context = command_context(call, 200);
  if (!context) {
    call.reply(error_response(context.failure()));
    return;
  }
  ledger_.submit_composite(
      std::move(*context),
      [run, start](actors::ledger::composite_finish finish) {
        run->finish = [finish = std::move(finish)](std::string body, std::string stored_body, bool,
                                                   bool keep) {
          auto stored = stored_body.empty()
                            ? nullptr
                            : std::make_shared<const std::string>(std::move(stored_body));
          finish(actors::rendered_response{200, std::move(body), false, {}, std::move(stored)},
                 keep);
        };
        start();
      },
      reply_with(call));
}

// Operations that answer inline (reads, rejections) finish inside their own start, and
// finishing starts their successors: a chain of thousands of reads of one object would
// nest that deep and overflow the stack. So a thread that is already starting operations
// only queues the ones that become ready, and its outermost call starts them in turn.
void api::start_batch_operation(const std::shared_ptr<batch_run>& run, std::size_t index) {
  using ready_operation = std::pair<std::shared_ptr<batch_run>, std::size_t>;
  thread_local std::vector<ready_operation>* ready = nullptr;
  if (ready != nullptr) {
    ready->emplace_back(run, index);
    return;
  }
  std::vector<ready_operation> queue{{run, index}};
  ready = &queue;
  struct reset_on_exit {
    ~reset_on_exit() { ready = nullptr; }
  } reset;
  for (std::size_t next = 0; next < queue.size(); ++next) {
    auto [queued_run, queued_index] = queue[next];  // a copy: starting may grow the queue
    launch_batch_operation(queued_run, queued_index);
  }
}

// Soft bounds: reads finishing together may pass them by their own sizes, no more.
std::optional<error> api::read_size_refusal(batch_run& run, std::size_t size) {
  if (run.answer_bytes.load() + size > settings_.batch_answer_bytes_max)
    return answer_bound_refusal(settings_);
  if (batch_answer_bytes_in_flight_.load() + size > settings_.batch_answers_in_flight_bytes_max) {
    run.transient.store(true);  // a retry of the batch must run it again
    return rejection(error_code::overloaded, {},
                     "The server holds as many batch answers as it may: retry this read.");
  }
  return std::nullopt;
}

std::optional<error> api::batch_key_refusal(batch_run& run) {
  if (run.key_revoked.load()) return error{error_code::api_key_invalid, {}};
  // Read before the store: a revocation during the read moves it on again.
  const auto generation = ledger_.revocations_generation();
  if (!run.who || generation == run.revocations_seen.load()) return std::nullopt;
  auto active = ledger_.key_is_active(run.who->key_id);
  if (!active) return active.failure();
  if (!*active) {
    run.key_revoked.store(true);
    return error{error_code::api_key_invalid, {}};
  }
  run.revocations_seen.store(generation);
  return std::nullopt;
}

void api::launch_batch_operation(const std::shared_ptr<batch_run>& run, std::size_t index) {
  if (auto refusal = batch_key_refusal(*run)) {
    finish_batch_operation(run, index, error_response(*refusal));
    return;
  }
  // A read that could only be refused for its size is not run at all.
  if (run->only_reads[index] && run->answer_bytes.load() >= settings_.batch_answer_bytes_max) {
    finish_batch_operation(run, index, error_response(answer_bound_refusal(settings_)));
    return;
  }
  auto& operation = run->operations[index];
  std::function<void()> on_decided;
  if (run->may_release_when_decided[index])
    on_decided = [this, run, index] { start_after_decision(run, index); };
  run_operation(
      *run, index, std::move(operation.method), std::move(operation.target),
      std::move(operation.body), std::move(operation.idempotency_key), std::move(on_decided),
      [this, run, index](response answer) { finish_batch_operation(run, index, answer); });
}

void api::start_batch_operations(const std::shared_ptr<batch_run>& run,
                                 const std::vector<std::size_t>& ready) {
  for (auto index : ready) start_batch_operation(run, index);
}

void api::start_after_decision(const std::shared_ptr<batch_run>& run, std::size_t index) {
  std::vector<std::size_t> ready;
  run->schedule->decided(index, ready);
  start_batch_operations(run, ready);
}

void api::finish_batch_operation(const std::shared_ptr<batch_run>& run, std::size_t index,
                                 const response& answer) {
  const bool replayed =
      std::any_of(answer.headers.begin(), answer.headers.end(),
                  [](const auto& header) { return header.first == "Idempotent-Replayed"; });
  if (replayed) run->replayed.fetch_add(1, std::memory_order_relaxed);
  if (is_transient(answer)) run->transient.store(true, std::memory_order_relaxed);
  auto result = result_json(answer.status, answer.body);
  if (run->only_reads[index]) {  // a change's answer is always given
    if (auto refusal = read_size_refusal(*run, result.size())) {
      const auto refused = error_response(*refusal);
      result = result_json(refused.status, refused.body);
    }
  }
  run->answer_bytes.fetch_add(result.size());
  batch_answer_bytes_in_flight_.fetch_add(result.size());
  run->results[index] = std::move(result);
  if (!answer.stored_body.empty())
    run->stored_results[index] = result_json(answer.status, answer.stored_body);
  std::vector<std::size_t> ready;
  run->schedule->answered(index, ready);
  start_batch_operations(run, ready);
  if (run->remaining.fetch_sub(1) != 1) return;
  auto body = batch_json(run->results, {});
  const bool shown_once = std::any_of(run->stored_results.begin(), run->stored_results.end(),
                                      [](const auto& stored) { return !stored.empty(); });
  auto stored_body = shown_once ? batch_json(run->results, run->stored_results) : std::string{};
  // Built: what the results held is the answer's now, which the transport sends on.
  batch_answer_bytes_in_flight_.fetch_sub(run->answer_bytes.load());
  run->finish(std::move(body), std::move(stored_body), run->replayed.load() == run->results.size(),
              !run->transient.load());
}

void api::run_operation(const batch_run& batch, std::size_t index, std::string method,
                        std::string target, std::string body, std::string idempotency_key,
                        std::function<void()> on_decided, reply_function reply) {
  const auto split = split_request_target(target);
  api_call call{ledger_,
                settings_,
                *background_,
                std::move(method),
                std::string(split.path),
                std::string(split.query),
                std::move(body),
                std::nullopt,
                batch.request_id + "_" + std::to_string(index),
                std::move(idempotency_key),
                {},
                batch.who,
                {},
                batch.now,
                std::move(reply),
                std::move(on_decided)};
  auto matched = match_route(call.method, call.path);
  if (!matched) {
    call.reply(error_response(matched.failure()));
    return;
  }
  call.match = std::move(*matched);
  if (call.match.route == route::processor_webhooks || call.match.route == route::metrics) {
    call.reply(error_response({error_code::parameter_invalid, "path"}));
    return;
  }
  dispatch(std::move(call));
}

}  // namespace escrowd::http
