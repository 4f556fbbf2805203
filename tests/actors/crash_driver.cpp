// actors_crash_driver: the victim process of the actors crash test (crash_test.cpp). It opens
// actors::ledger on a data directory and drives escrow stories through the facade from
// several client threads, each keeping `stories_in_flight` stories going at once (every
// story's next step is submitted from the previous step's completion, so the payer's
// account actor pipelines fundings of many tasks). Paths: create funded -> submit ->
// approve; create funded -> submit -> dispute -> resolve; create funded -> cancel; create
// open -> fund -> submit -> approve; and an unaffordable create funded that must be
// refused. Money comes in the way the actor tests bring it in: a top-up request settled as
// succeeded (no processor involved). Every command carries an Idempotency-Key, so each
// acknowledged change must also have its idempotency record with the acknowledged body.
// Once a completion reported a 2xx (so after its sync) the driver prints one line:
//   ack account <id>                        ack topup <id> pending|succeeded
//   ack task <id> <state> <scope> <key>     rej <task id> <scope> <key>  (insufficient_funds)
//   fail <what> <id> <status> <body>        (anything unexpected: the test fails)
//   resumed <count>                         (after the resumed tasks were looked up)
// Lines are written with one write(2) each (atomic on a pipe), so a SIGKILL leaves only
// whole lines or one torn last line, which the test ignores.
// Restart: the optional resume file lists task ids (one per line) that an earlier run
// left unfinished; the driver reads each through the facade (state reloaded from disk),
// replays its create request (must come back as a stored replay) and drives it to the end.
// Usage: actors_crash_driver <data dir> <run id> <threads> [resume file]
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <memory>
#include <random>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "actors/ledger.hpp"
#include "actors/wall_clock.hpp"

namespace {

using namespace escrowd;
using namespace escrowd::actors;

constexpr int stories_in_flight = 8;
constexpr std::int64_t topup_amount = 1'000'000;
constexpr int stories_per_topup = 200;
// More than any payer here can ever hold: the payer's account actor must refuse it.
constexpr std::int64_t unaffordable_amount = 100'000'000'000'000;
constexpr std::int64_t idempotency_retention_s = 24 * 3600;

void say(const std::string& line) {
  const std::string text = line + "\n";
  if (::write(STDOUT_FILENO, text.data(), text.size()) < 0) std::_Exit(3);
}

// "ok changed task <id> <state>", "ok changed account <id>", "ok changed operation <id>
// <status>" or "error <code>": what the crash test compares with the stored records.
rendered_response render(const operation_result& result) {
  if (!result.outcome.ok()) {
    const auto described = describe(result.outcome.code());
    return {described.http_status, "error " + std::string(described.code), false, {}, {}};
  }
  std::string body = result.changed ? "ok changed" : "ok unchanged";
  if (const auto* row = std::get_if<account>(&result.object)) body += " account " + row->id;
  if (const auto* row = std::get_if<task>(&result.object))
    body += " task " + row->id + " " + std::string(to_string(row->state));
  if (const auto* row = std::get_if<processor_operation>(&result.object))
    body += " operation " + row->id + " " + std::string(to_string(row->status));
  return {200, body, false, {}, {}};
}

principal admin() {
  return {principal_role::admin, "key_admin", {}};
}
principal arbiter() {
  return {principal_role::arbiter, "key_arbiter", {}};
}
principal account_key(const std::string& account_id) {
  return {principal_role::account, "key_" + account_id, account_id};
}

request_context context_for(const principal& who, const std::string& key = {}) {
  request_context context;
  context.principal = who;
  context.actor = who.actor_name();
  context.now = unix_now();
  context.render = render;
  if (!key.empty()) {
    idempotency_claim claim;
    claim.scope = who.key_id;
    claim.key = key;
    claim.fingerprint = "fp_" + key;
    claim.endpoint = "POST /v1/tasks";
    claim.request_id = "req_" + key;
    claim.created_at = context.now;
    claim.expires_at = context.now + idempotency_retention_s;
    context.idempotency = std::move(claim);
  }
  return context;
}

currency usd() {
  return *currency::parse("usd");
}

template <class Command>
rendered_response call(ledger& books, Command command) {
  std::promise<rendered_response> answered;
  auto answer = answered.get_future();
  books.submit(std::move(command), [&answered](rendered_response response) {
    answered.set_value(std::move(response));
  });
  return answer.get();
}

void fail(const std::string& what, const std::string& id, const rendered_response& response) {
  say("fail " + what + " " + id + " " + std::to_string(response.status) + " " + response.body);
}

void ensure_account(ledger& books, const std::string& id) {
  account_command command;
  command.kind = account_command_kind::create;
  command.account_id = id;
  command.create = {id, usd(), {}};
  command.context = context_for(admin());
  auto response = call(books, std::move(command));
  if (response.status == 200)
    say("ack account " + id);
  else if (response.body != "error already_exists")
    fail("account", id, response);
}

// A top-up requested and settled as succeeded: the only way money enters the books.
void top_up(ledger& books, const std::string& account_id, const std::string& topup_id) {
  account_command request;
  request.kind = account_command_kind::request_topup;
  request.account_id = account_id;
  request.processor_request = {topup_id, topup_amount, "pm_card_visa"};
  request.context = context_for(account_key(account_id));
  auto requested = call(books, std::move(request));
  if (requested.status != 200) return fail("topup", topup_id, requested);
  say("ack topup " + topup_id + " pending");
  account_command settle;
  settle.kind = account_command_kind::settle_operation;
  settle.account_id = account_id;
  settle.operation_kind = processor_kind::topup;
  settle.operation_id = topup_id;
  settle.settlement = {processor_status::succeeded, "pi_" + topup_id, {}, {}};
  settle.context = context_for(admin());
  auto settled = call(books, std::move(settle));
  if (settled.status != 200) return fail("settle", topup_id, settled);
  say("ack topup " + topup_id + " succeeded");
}

// Bounds how many stories one client thread has going.
using story_window = std::counting_semaphore<stories_in_flight>;

enum class story_path : std::uint8_t { approve, dispute, cancel, fund_later, unaffordable };

// One task's story; each step is submitted from the previous step's completion.
struct story : std::enable_shared_from_this<story> {
  ledger& books;
  story_window* window = nullptr;  // null for resumed stories
  std::string task_id;
  std::string payer;
  std::string worker;
  std::int64_t amount = 0;
  story_path path = story_path::approve;

  story(ledger& target, std::string id) : books(target), task_id(std::move(id)) {}

  void finish() {
    if (window != nullptr) window->release();
  }

  // Sends a transition; on the expected 2xx prints the ack and runs `next`.
  void step(task_command_kind kind, const principal& who, const std::string& key,
            std::function<void()> next, std::int64_t worker_amount = 0) {
    task_command command;
    command.kind = kind;
    command.task_id = task_id;
    command.worker_amount = worker_amount;
    command.text = key;
    command.context = context_for(who, key);
    books.submit(std::move(command), [self = shared_from_this(), scope = who.key_id, key,
                                      next = std::move(next)](rendered_response response) {
      self->acknowledge(response, scope, key, next);
    });
  }

  void acknowledge(const rendered_response& response, const std::string& scope,
                   const std::string& key, const std::function<void()>& next) {
    const std::string prefix = "ok changed task " + task_id + " ";
    if (response.status != 200 || response.body.rfind(prefix, 0) != 0) {
      fail(key, task_id, response);
      return finish();
    }
    say("ack task " + task_id + " " + response.body.substr(prefix.size()) + " " + scope + " " +
        key);
    next();
  }

  void create(bool funded, std::function<void()> next) {
    task_command command;
    command.kind = funded ? task_command_kind::create_funded : task_command_kind::create;
    command.task_id = task_id;
    command.payer = payer;
    command.create = {task_id, worker, amount, usd(), std::nullopt, payer};
    const auto who = account_key(payer);
    const auto key = "create_" + task_id;
    command.context = context_for(who, key);
    books.submit(std::move(command), [self = shared_from_this(), scope = who.key_id, key,
                                      next = std::move(next)](rendered_response response) {
      if (self->path == story_path::unaffordable) {
        if (response.status == 409 && response.body == "error insufficient_funds")
          say("rej " + self->task_id + " " + scope + " " + key);
        else
          fail("unaffordable", self->task_id, response);
        return self->finish();
      }
      self->acknowledge(response, scope, key, next);
    });
  }

  void run() {
    auto self = shared_from_this();
    auto done = [self] { self->finish(); };
    auto approve = [self, done] {
      self->step(task_command_kind::approve, account_key(self->payer), "approve_" + self->task_id,
                 done);
    };
    auto submit_then = [self](std::function<void()> next) {
      return [self, next] {
        self->step(task_command_kind::submit, account_key(self->worker), "submit_" + self->task_id,
                   next);
      };
    };
    switch (path) {
      case story_path::approve:
        return create(true, submit_then(approve));
      case story_path::dispute: {
        auto resolve = [self, done] {
          self->step(task_command_kind::resolve, arbiter(), "resolve_" + self->task_id, done,
                     self->amount / 3);
        };
        auto dispute = [self, resolve] {
          self->step(task_command_kind::dispute, account_key(self->payer),
                     "dispute_" + self->task_id, resolve);
        };
        return create(true, submit_then(dispute));
      }
      case story_path::cancel:
        return create(true, [self, done] {
          self->step(task_command_kind::cancel, account_key(self->payer), "cancel_" + self->task_id,
                     done);
        });
      case story_path::fund_later:
        return create(false, [self, submit_then, approve] {
          self->step(task_command_kind::fund, account_key(self->payer), "fund_" + self->task_id,
                     submit_then(approve));
        });
      case story_path::unaffordable:
        return create(true, done);
    }
  }
};

story_path pick_path(std::mt19937_64& random) {
  const auto roll = random() % 20;
  if (roll < 9) return story_path::approve;
  if (roll < 13) return story_path::dispute;
  if (roll < 16) return story_path::cancel;
  if (roll < 19) return story_path::fund_later;
  return story_path::unaffordable;
}

void drive(ledger& books, const std::string& run, int client, int clients) {
  story_window window{stories_in_flight};
  std::mt19937_64 random(std::hash<std::string>{}(run) + unsigned(client));
  const std::string payer = "payer_" + std::to_string(client);
  const std::string tag = run + "_" + std::to_string(client);
  for (std::uint64_t n = 0;; ++n) {
    if (n % stories_per_topup == stories_per_topup - 1)
      top_up(books, payer, "top_" + tag + "_" + std::to_string(n));
    window.acquire();
    auto next = std::make_shared<story>(books, "task_" + tag + "_" + std::to_string(n));
    next->window = &window;
    next->payer = payer;
    // Every third story pays another client's payer, so account actors are credited by
    // tasks of other threads while they fund their own.
    next->worker = n % 3 == 0 ? "payer_" + std::to_string((client + 1) % clients)
                              : "worker_" + std::to_string(client);
    next->path = pick_path(random);
    next->amount = next->path == story_path::unaffordable ? unaffordable_amount
                                                          : std::int64_t(1 + random() % 1'000);
    next->run();
  }
}

// Drives each listed task from its durable state to the end of its story.
void resume(ledger& books, const std::string& resume_file) {
  std::ifstream listed(resume_file);
  std::string task_id;
  int resumed = 0;
  while (std::getline(listed, task_id)) {
    if (task_id.empty()) continue;
    auto row = books.read_task(task_id);
    if (!row || !*row) {
      say("fail resume " + task_id + " 0 unreadable");
      continue;
    }
    const task current = **row;
    // The create request again with its key: the stored answer, not a second task.
    task_command create;
    create.kind = task_command_kind::create_funded;
    create.task_id = task_id;
    create.payer = current.payer;
    create.create = {task_id, current.worker, current.amount, usd(), std::nullopt, current.payer};
    create.context = context_for(account_key(current.payer), "create_" + task_id);
    auto replay = call(books, std::move(create));
    if (!replay.replayed || replay.status != 200) fail("replay", task_id, replay);
    auto next = std::make_shared<story>(books, task_id);
    next->payer = current.payer;
    next->worker = current.worker;
    next->amount = current.amount;
    auto self = next;
    auto approve = [self] {
      self->step(task_command_kind::approve, account_key(self->payer), "approve_" + self->task_id,
                 [] {});
    };
    auto resolve = [self] {
      self->step(
          task_command_kind::resolve, arbiter(), "resolve_" + self->task_id, [] {},
          self->amount / 3);
    };
    switch (current.state) {
      case task_state::open:
        next->step(task_command_kind::fund, account_key(next->payer), "fund_" + task_id, [] {});
        break;
      case task_state::funded:
        next->step(task_command_kind::submit, account_key(next->worker), "submit_" + task_id,
                   approve);
        break;
      case task_state::submitted:
        approve();
        break;
      case task_state::disputed:
        resolve();
        break;
      default:
        say("fail resume " + task_id + " 0 settled " + std::string(to_string(current.state)));
    }
    ++resumed;
  }
  say("resumed " + std::to_string(resumed));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: %s <data dir> <run id> <threads> [resume file]\n", argv[0]);
    return 2;
  }
  ledger_config config;
  config.data_dir = argv[1];
  const std::string run = argv[2];
  const int clients = std::atoi(argv[3]);
  auto opened = ledger::open(config);
  if (!opened) {
    std::fprintf(stderr, "open failed: %s\n", std::string(describe(opened.code()).code).c_str());
    return 1;
  }
  auto& books = **opened;
  for (int client = 0; client < clients; ++client) {
    ensure_account(books, "payer_" + std::to_string(client));
    ensure_account(books, "worker_" + std::to_string(client));
    top_up(books, "payer_" + std::to_string(client), "top_" + run + "_" + std::to_string(client));
  }
  say("ready");
  if (argc == 5) resume(books, argv[4]);
  std::vector<std::thread> threads;
  for (int client = 0; client < clients; ++client)
    threads.emplace_back([&, client] { drive(books, run, client, clients); });
  for (auto& thread : threads) thread.join();  // never: the test kills us
  return 0;
}
