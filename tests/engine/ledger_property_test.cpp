// Property test of the whole domain core: 100,000 random operations (seeded; the seed is in
// every failure message, set ESCROWD_TEST_SEED to replay, ESCROWD_PROPERTY_STEPS to run
// longer) over hundreds of accounts in three currencies and their tasks, top-ups and
// withdrawals, through the engine's public functions only, with random and often invalid
// arguments. A model keeps what the storage layer would: accounts, tasks, operations and the
// journal; an outcome whose deltas an account refuses is discarded whole.
//
// Each operation is checked against a prediction written from the contract: the acceptable
// rejection codes, whether a natural-idempotency no-op or a change is acceptable, and for a
// change the exact net movement of every book and every account field. After every step the
// touched books, accounts and tasks are checked against the invariants (entries balanced,
// each currency sums to zero, no user book negative, escrow = escrow_by_state = its book,
// available and pending_withdrawal = their books, escrowed = the escrow of the tasks the
// account pays, pending_topup = its open top-ups); every 1,000 steps (1% of a longer run)
// everything is recomputed from scratch, and every 10,000 steps (10%) and at the end the
// journal is replayed from empty and must reproduce every book.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "engine/account.hpp"
#include "engine/id.hpp"
#include "engine/journal.hpp"
#include "engine/processor_operation.hpp"
#include "engine/task.hpp"
#include "tests/support/engine_printers.hpp"
#include "tests/support/fake_clock.hpp"
#include "tests/support/seeded_random.hpp"

namespace escrowd {
namespace {

constexpr std::uint64_t seed_default = 20'240'601;
constexpr long steps_default = 100'000;
// Full checks cost O(ledger size): longer runs space them out to stay about linear in time.
constexpr long full_checks_per_run_min = 100;
constexpr long replays_per_run_min = 10;
constexpr std::size_t accounts_max = 300;
constexpr std::size_t live_tasks_max = 600;

long steps_from_environment() {
  const char* text = std::getenv("ESCROWD_PROPERTY_STEPS");
  if (text == nullptr) return steps_default;
  const long steps = std::strtol(text, nullptr, 10);
  return steps > 0 ? steps : steps_default;
}

// ---- predictions -----------------------------------------------------------------------

struct book_key {
  book_kind kind = book_kind::available;
  std::string owner;
  std::uint32_t currency = 0;
  auto operator<=>(const book_key&) const = default;
};

struct book_key_hash {
  std::size_t operator()(const book_key& key) const {
    return std::hash<std::string>{}(key.owner) ^ (std::size_t(key.kind) << 56) ^
           (std::size_t(key.currency) * 0x9e3779b97f4a7c15ULL);
  }
};
using book_balances = std::unordered_map<book_key, std::int64_t, book_key_hash>;

book_key key_of(const book_account& book) {
  return {book.kind, book.owner, book.currency.packed()};
}

using field_key = std::pair<std::string, balance_field>;
using book_moves = std::map<book_key, std::int64_t>;
using field_moves = std::map<field_key, std::int64_t>;

// What the model accepts as the engine's answer to one operation.
struct prediction {
  std::vector<error_code> rejections;  // acceptable rejection codes
  bool may_noop = false;               // the natural-idempotency no-op
  bool may_change = false;
  // When it changes: the entry's kind (none: no entry), the net movement of each book and
  // of each account field, and where the object ends up.
  std::optional<entry_kind> entry;
  book_moves books;
  field_moves fields;
  std::optional<task_state> to_state;
  std::optional<task_transition> transition;
  std::optional<processor_status> to_status;
};

// The contract's order of concerns: repeating the transition that produced the state is a
// no-op; any other out-of-state transition is invalid_state_transition; then the argument
// faults; then the history limit. Where the engine may reasonably check in another order,
// every applicable code is accepted.
prediction decide(bool noop, bool state_ok, std::vector<error_code> faults,
                  bool history_full = false) {
  prediction made;
  if (noop) {
    made.may_noop = true;
    made.rejections = std::move(faults);
  } else if (!state_ok) {
    made.rejections = std::move(faults);
    made.rejections.push_back(error_code::invalid_state_transition);
  } else if (!faults.empty()) {
    made.rejections = std::move(faults);
  } else if (history_full) {
    made.rejections = {error_code::task_history_full};
  } else {
    made.may_change = true;
  }
  return made;
}

// A transfer of `amount` from one book to another, mirrored on the account fields that the
// books are (available, pending_withdrawal); escrow and clearing have no account field.
void move_money(prediction& made, const book_account& from, const book_account& to,
                std::int64_t amount) {
  made.books[key_of(from)] -= amount;
  made.books[key_of(to)] += amount;
  for (const auto& [book, sign] : {std::pair{&from, -1}, std::pair{&to, 1}}) {
    if (book->kind == book_kind::available)
      made.fields[{book->owner, balance_field::available}] += sign * amount;
    if (book->kind == book_kind::pending_withdrawal)
      made.fields[{book->owner, balance_field::pending_withdrawal}] += sign * amount;
  }
}

void expect_field(prediction& made, const std::string& account_id, balance_field field,
                  std::int64_t amount) {
  made.fields[{account_id, field}] += amount;
}

bool is_open(processor_status status) {
  return status == processor_status::pending || status == processor_status::requires_reconciliation;
}

// The escrow leaves a task: `to_worker` to the worker, the rest back to the payer.
void pay_out(prediction& made, entry_kind kind, const task& held, std::int64_t to_worker) {
  made.entry = kind;
  const auto escrow = escrow_book(held.id, held.currency);
  if (to_worker > 0)
    move_money(made, escrow, available_book(held.worker, held.currency), to_worker);
  if (held.amount - to_worker > 0)
    move_money(made, escrow, available_book(held.payer, held.currency), held.amount - to_worker);
  expect_field(made, held.payer, balance_field::escrowed, -held.amount);
}

void fund_from_payer(prediction& made, const task& held) {
  made.entry = entry_kind::task_fund;
  move_money(made, available_book(held.payer, held.currency), escrow_book(held.id, held.currency),
             held.amount);
  expect_field(made, held.payer, balance_field::escrowed, held.amount);
}

prediction predict_settle(const processor_operation& current, processor_status said) {
  const bool is_topup = current.kind == processor_kind::topup;
  const processor_status success = is_topup ? processor_status::succeeded : processor_status::paid;
  if (said != success && said != processor_status::failed)
    return decide(false, true, {error_code::parameter_invalid});
  const bool reversal =
      !is_topup && said == processor_status::failed && current.status == processor_status::paid;
  prediction made = decide(current.status == said, is_open(current.status) || reversal, {});
  made.to_status = said;
  const std::string& owner = current.account_id;
  const currency ccy = current.currency;
  const std::int64_t amount = current.amount;
  if (is_topup && said == success) {
    made.entry = entry_kind::topup_succeeded;
    move_money(made, clearing_book(ccy), available_book(owner, ccy), amount);
    expect_field(made, owner, balance_field::pending_topup, -amount);
  } else if (is_topup) {
    expect_field(made, owner, balance_field::pending_topup, -amount);
  } else if (said == success) {
    made.entry = entry_kind::withdrawal_paid;
    move_money(made, pending_withdrawal_book(owner, ccy), clearing_book(ccy), amount);
  } else if (reversal) {
    made.entry = entry_kind::withdrawal_reversed;
    move_money(made, clearing_book(ccy), available_book(owner, ccy), amount);
  } else {
    made.entry = entry_kind::withdrawal_returned;
    move_money(made, pending_withdrawal_book(owner, ccy), available_book(owner, ccy), amount);
  }
  return made;
}

prediction predict_cancel_operation(const processor_operation& current) {
  prediction made = decide(current.status == processor_status::cancelled,
                           current.status == processor_status::requires_reconciliation, {});
  made.to_status = processor_status::cancelled;
  if (current.kind == processor_kind::topup) {
    expect_field(made, current.account_id, balance_field::pending_topup, -current.amount);
  } else {
    made.entry = entry_kind::withdrawal_returned;
    move_money(made, pending_withdrawal_book(current.account_id, current.currency),
               available_book(current.account_id, current.currency), current.amount);
  }
  return made;
}

std::vector<error_code> request_faults(const processor_request_command& command,
                                       std::size_t instrument_length_max) {
  std::vector<error_code> faults;
  if (!is_valid_id(command.id)) faults.push_back(error_code::id_invalid);
  if (!is_valid_amount(command.amount)) faults.push_back(error_code::amount_invalid);
  if (command.instrument.empty()) faults.push_back(error_code::parameter_missing);
  if (command.instrument.size() > instrument_length_max)
    faults.push_back(error_code::parameter_invalid);
  return faults;
}

// ---- the model -------------------------------------------------------------------------

class ledger_model {
 public:
  explicit ledger_model(testing::seeded_random& random) : random_(random) {
    for (const char* code : {"usd", "eur", "jpy"}) currencies_.push_back(*currency::parse(code));
  }

  void run(long steps);
  void full_check();
  void replay_check();
  const std::map<std::string, long>& counts() const { return counts_; }

 private:
  // One random operation; it names itself in operation_ for the failure messages.
  void step();
  void create_account_step();
  void request_topup_step();
  void request_withdrawal_step();
  void settle_step(processor_kind kind);
  void reconcile_step();
  void create_task_step(bool funded);
  void assign_step();
  void fund_step();
  void submit_step();
  void approve_step();
  void dispute_step();
  void resolve_step();
  void cancel_step();
  void lapse_step();

  // Checks one answer against its prediction and commits it when it changed something.
  template <class outcome_type>
  const outcome_type* accept(const prediction& expected, const result<outcome_type>& outcome,
                             bool stale_view);
  bool commit_money(const prediction& expected, const std::optional<journal_entry>& entry,
                    const std::vector<account_delta>& deltas, const std::string& reference,
                    bool stale_view);
  void commit_task(const prediction& expected, const task_outcome& outcome);
  void commit_operation(const prediction& expected, const processor_outcome& outcome);
  void check_account(const std::string& account_id);
  void check_task(const task& held);

  // Random arguments.
  std::string fresh_id(std::string_view prefix);
  std::int64_t random_amount(std::int64_t typical_max);
  account* random_account();
  account* random_account_in(currency ccy);
  task* random_task(std::initializer_list<task_state> preferred);
  processor_operation* random_operation(processor_kind kind);
  account view_of(const account& real, bool& stale);

  std::string where() const {
    return random_.describe() + " step " + std::to_string(step_) + " (" + operation_ + ")";
  }
  void count(const std::string& what) { ++counts_[what]; }

  testing::seeded_random& random_;
  testing::fake_clock clock_;
  std::vector<currency> currencies_;
  std::unordered_map<std::string, account> accounts_;
  std::vector<std::string> account_ids_;
  std::unordered_map<std::uint32_t, std::vector<std::string>> account_ids_by_currency_;
  std::unordered_map<std::string, task> tasks_;
  std::vector<std::string> task_ids_;
  std::vector<std::string> live_task_ids_;  // not settled yet
  std::unordered_map<std::string, processor_operation> operations_;
  std::vector<std::string> topup_ids_;
  std::vector<std::string> withdrawal_ids_;
  std::vector<journal_entry> journal_;
  book_balances books_;
  std::unordered_map<std::uint32_t, std::int64_t> currency_totals_;  // sum of all its books
  // Derived views recomputed by the model from task states and top-up statuses, never from
  // the engine's deltas: the engine's escrowed and pending_topup must agree with them.
  std::unordered_map<std::string, std::int64_t> escrowed_;
  std::unordered_map<std::string, std::int64_t> pending_topup_;
  std::map<std::string, long> counts_;
  long step_ = 0;
  std::string operation_;
  std::uint64_t next_id_ = 1;
};

void ledger_model::run(long steps) {
  const long full_check_every_steps = std::max(1'000L, steps / full_checks_per_run_min);
  const long replay_every_steps = std::max(10'000L, steps / replays_per_run_min);
  for (step_ = 1; step_ <= steps; ++step_) {
    clock_.advance(random_.between(0, 20));
    step();
    if (::testing::Test::HasFailure()) return;
    if (step_ % full_check_every_steps == 0) full_check();
    if (step_ % replay_every_steps == 0) replay_check();
    if (::testing::Test::HasFailure()) return;
  }
  operation_ = "final check";
  replay_check();
  full_check();
}

void ledger_model::step() {
  const bool room_for_accounts = accounts_.size() < accounts_max;
  const bool room_for_tasks = live_task_ids_.size() < live_tasks_max;
  if (accounts_.size() < 10) return create_account_step();
  const std::uint64_t roll = random_.below(100);
  if (roll < 3) return room_for_accounts ? create_account_step() : request_topup_step();
  if (roll < 15) return request_topup_step();
  if (roll < 25) return settle_step(processor_kind::topup);
  if (roll < 30) return reconcile_step();
  if (roll < 36) return request_withdrawal_step();
  if (roll < 42) return settle_step(processor_kind::withdrawal);
  if (roll < 50) return room_for_tasks ? create_task_step(false) : fund_step();
  if (roll < 56) return room_for_tasks ? create_task_step(true) : submit_step();
  if (roll < 60) return assign_step();
  if (roll < 67) return fund_step();
  if (roll < 75) return submit_step();
  if (roll < 81) return approve_step();
  if (roll < 85) return dispute_step();
  if (roll < 89) return resolve_step();
  if (roll < 93) return cancel_step();
  return lapse_step();
}

// ---- random arguments ------------------------------------------------------------------

std::string ledger_model::fresh_id(std::string_view prefix) {
  switch (random_.below(40)) {
    case 0:
      return "";
    case 1:
      return std::string(prefix) + "bad id";
    case 2:
      return std::string(prefix) + std::string(id_length_max, 'x');  // too long
    case 3:
      return make_id(prefix, random_.next(), random_.next());
    default:
      return std::string(prefix) + std::to_string(next_id_++);
  }
}

std::int64_t ledger_model::random_amount(std::int64_t typical_max) {
  switch (random_.below(50)) {
    case 0:
      return 0;
    case 1:
      return -random_.between(1, 1'000);
    case 2:
      return amount_max + 1;
    case 3:
      return amount_max;
    default:
      return random_.between(1, typical_max);
  }
}

account* ledger_model::random_account() {
  if (account_ids_.empty()) return nullptr;
  return &accounts_.at(random_.pick(account_ids_));
}

// Mostly an account of the given currency (a plausible worker), sometimes any account.
account* ledger_model::random_account_in(currency ccy) {
  const auto found = account_ids_by_currency_.find(ccy.packed());
  if (found == account_ids_by_currency_.end() || random_.chance(1, 5)) return random_account();
  return &accounts_.at(random_.pick(found->second));
}

// Mostly a live task in one of the states where the operation is legal, so that long
// lifecycles happen; sometimes any task at all, so that illegal transitions happen too.
task* ledger_model::random_task(std::initializer_list<task_state> preferred) {
  if (task_ids_.empty()) return nullptr;
  if (!live_task_ids_.empty() && random_.chance(9, 10)) {
    for (int attempt = 0; attempt < 8; ++attempt) {
      task& candidate = tasks_.at(random_.pick(live_task_ids_));
      if (std::find(preferred.begin(), preferred.end(), candidate.state) != preferred.end())
        return &candidate;
    }
  }
  return &tasks_.at(random_.pick(task_ids_));
}

processor_operation* ledger_model::random_operation(processor_kind kind) {
  const auto& ids = kind == processor_kind::topup ? topup_ids_ : withdrawal_ids_;
  if (ids.empty()) return nullptr;
  if (random_.chance(3, 4)) {
    for (int attempt = 0; attempt < 4; ++attempt) {
      processor_operation& candidate = operations_.at(random_.pick(ids));
      if (is_open(candidate.status)) return &candidate;
    }
  }
  return &operations_.at(random_.pick(ids));
}

// The account as the deciding actor sees it: sometimes stale, showing more available than
// the account really holds, so the engine accepts and the account must refuse the deltas.
account ledger_model::view_of(const account& real, bool& stale) {
  account view = real;
  stale = random_.chance(1, 10);
  if (stale) view.available += random_.between(1, 5'000);
  return view;
}

// ---- processor operations --------------------------------------------------------------

void ledger_model::create_account_step() {
  operation_ = "create_account";
  create_account_command command{fresh_id("acct_"), random_.pick(currencies_), "owner"};
  if (random_.chance(1, 50)) command.owner = std::string(owner_length_max + 1, 'o');
  if (accounts_.count(command.id) != 0) return;  // storage would answer already_exists
  std::vector<error_code> faults;
  if (!is_valid_id(command.id)) faults.push_back(error_code::id_invalid);
  if (command.owner.size() > owner_length_max) faults.push_back(error_code::parameter_invalid);
  auto created = create_account(command, clock_.now());
  if (!faults.empty()) {
    ASSERT_FALSE(created) << where();
    ASSERT_NE(std::find(faults.begin(), faults.end(), created.code()), faults.end())
        << where() << " unexpected code " << describe(created.code()).code;
    return count("rejected");
  }
  ASSERT_TRUE(created) << where() << " " << describe(created.code()).code;
  ASSERT_EQ(*created, (account{command.id, command.currency, command.owner, clock_.now()}))
      << where();
  accounts_.emplace(command.id, *created);
  account_ids_.push_back(command.id);
  account_ids_by_currency_[command.currency.packed()].push_back(command.id);
  count("create_account");
}

void ledger_model::request_topup_step() {
  operation_ = "request_topup";
  account* owner = random_account();
  if (owner == nullptr) return;
  processor_request_command command{fresh_id("top_"), random_amount(50'000), "pm_card_visa"};
  if (random_.chance(1, 40)) command.instrument = "";
  if (random_.chance(1, 40)) command.instrument = std::string(payment_method_length_max + 1, 'p');
  if (operations_.count(command.id) != 0) return;
  prediction expected = decide(false, true, request_faults(command, payment_method_length_max));
  expected.to_status = processor_status::pending;
  expect_field(expected, owner->id, balance_field::pending_topup, command.amount);
  const auto outcome = request_topup(*owner, command, clock_.now());
  if (const auto* done = accept(expected, outcome, false)) commit_operation(expected, *done);
}

void ledger_model::request_withdrawal_step() {
  operation_ = "request_withdrawal";
  account* owner = random_account();
  if (owner == nullptr) return;
  bool stale = false;
  const account view = view_of(*owner, stale);
  // Often the whole balance or near it, so both sides of the funds check are exercised.
  const std::int64_t amount = random_.chance(1, 4) && view.available > 0
                                  ? view.available + random_.between(-2, 1)
                                  : random_amount(20'000);
  processor_request_command command{fresh_id("wd_"), amount, "ba_checking"};
  if (random_.chance(1, 40)) command.instrument = "";
  if (random_.chance(1, 40)) command.instrument = std::string(destination_length_max + 1, 'd');
  if (operations_.count(command.id) != 0) return;
  auto faults = request_faults(command, destination_length_max);
  if (is_valid_amount(amount) && view.available < amount)
    faults.push_back(error_code::insufficient_funds);
  prediction expected = decide(false, true, faults);
  expected.to_status = processor_status::pending;
  expected.entry = entry_kind::withdrawal_hold;
  move_money(expected, available_book(owner->id, owner->currency),
             pending_withdrawal_book(owner->id, owner->currency), amount);
  const auto outcome = request_withdrawal(view, command, clock_.now());
  if (const auto* done = accept(expected, outcome, stale)) commit_operation(expected, *done);
}

void ledger_model::settle_step(processor_kind kind) {
  operation_ = kind == processor_kind::topup ? "settle_topup" : "settle_withdrawal";
  processor_operation* current = random_operation(kind);
  if (current == nullptr) return;
  const processor_status success =
      kind == processor_kind::topup ? processor_status::succeeded : processor_status::paid;
  const processor_status wrong =
      kind == processor_kind::topup ? processor_status::paid : processor_status::succeeded;
  const std::uint64_t roll = random_.below(20);
  const processor_status said = roll < 10   ? success
                                : roll < 18 ? processor_status::failed
                                : roll < 19 ? wrong
                                            : processor_status::pending;
  const prediction expected = predict_settle(*current, said);
  const settlement verdict{said, "obj_" + current->id,
                           said == processor_status::failed ? "declined" : "", ""};
  const auto outcome = settle(*current, verdict, clock_.now());
  if (const auto* done = accept(expected, outcome, false)) commit_operation(expected, *done);
}

void ledger_model::reconcile_step() {
  processor_operation* current =
      random_operation(random_.chance(1, 2) ? processor_kind::topup : processor_kind::withdrawal);
  if (current == nullptr) return;
  const std::uint64_t roll = random_.below(3);
  if (roll == 0) {
    operation_ = "require_reconciliation";
    prediction expected = decide(current->status == processor_status::requires_reconciliation,
                                 current->status == processor_status::pending, {});
    expected.to_status = processor_status::requires_reconciliation;
    const auto outcome = require_reconciliation(*current, "gave up", clock_.now());
    if (const auto* done = accept(expected, outcome, false)) commit_operation(expected, *done);
  } else if (roll == 1) {
    operation_ = "retry_operation";
    prediction expected = decide(current->status == processor_status::pending,
                                 current->status == processor_status::requires_reconciliation, {});
    expected.to_status = processor_status::pending;
    const auto outcome = retry_operation(*current, clock_.now());
    if (const auto* done = accept(expected, outcome, false)) commit_operation(expected, *done);
  } else {
    operation_ = "cancel_operation";
    const prediction expected = predict_cancel_operation(*current);
    const auto outcome = cancel_operation(*current, clock_.now());
    if (const auto* done = accept(expected, outcome, false)) commit_operation(expected, *done);
  }
}

// ---- tasks -----------------------------------------------------------------------------

void ledger_model::create_task_step(bool funded) {
  operation_ = funded ? "create_funded_task" : "create_task";
  account* payer = random_account();
  if (payer == nullptr) return;
  bool stale = false;
  const account view = view_of(*payer, stale);
  // Short review windows mostly, so that some submitted tasks outlive them and lapse.
  const std::int64_t window = random_.between(1, random_.chance(1, 2) ? 60 : 2'000);
  create_task_command command{fresh_id("task_"), "",     random_amount(5'000),
                              payer->currency,   window, payer->id};
  if (random_.chance(1, 10)) command.currency = random_.pick(currencies_);
  const std::uint64_t window_roll = random_.below(20);
  if (window_roll == 0) command.review_window_s.reset();
  if (window_roll == 1)
    command.review_window_s = random_.chance(1, 2) ? 0 : review_window_s_max + 1;
  const account* worker = nullptr;
  const std::uint64_t worker_roll = random_.below(20);
  if (worker_roll == 0) {
    command.worker = "acct_missing";
  } else if (worker_roll == 1) {
    worker = payer;
  } else if (worker_roll > 3) {
    worker = random_account_in(command.currency);
  }
  if (worker != nullptr) command.worker = worker->id;
  if (tasks_.count(command.id) != 0) return;

  std::vector<error_code> faults;
  if (!is_valid_id(command.id)) faults.push_back(error_code::id_invalid);
  if (!is_valid_amount(command.amount)) faults.push_back(error_code::amount_invalid);
  if (command.currency != payer->currency) faults.push_back(error_code::currency_mismatch);
  const std::int64_t window_s = command.review_window_s.value_or(review_window_s_default);
  if (window_s < 1 || window_s > review_window_s_max)
    faults.push_back(error_code::parameter_invalid);
  if (!command.worker.empty() && worker == nullptr) faults.push_back(error_code::not_found);
  if (worker != nullptr && worker->id == payer->id) faults.push_back(error_code::parameter_invalid);
  if (worker != nullptr && worker->currency != command.currency)
    faults.push_back(error_code::currency_mismatch);
  if (funded && is_valid_amount(command.amount) && view.available < command.amount)
    faults.push_back(error_code::insufficient_funds);

  prediction expected = decide(false, true, faults);
  expected.to_state = funded ? task_state::funded : task_state::open;
  expected.transition = funded ? task_transition::fund : task_transition::create;
  if (funded) {
    task shape;
    shape.id = command.id;
    shape.payer = payer->id;
    shape.amount = command.amount;
    shape.currency = command.currency;
    fund_from_payer(expected, shape);
  }
  const auto outcome = funded ? create_funded_task(command, view, worker, clock_.now())
                              : create_task(command, view, worker, clock_.now());
  if (const auto* done = accept(expected, outcome, stale)) commit_task(expected, *done);
}

void ledger_model::assign_step() {
  operation_ = "assign_task";
  task* current = random_task({task_state::open, task_state::funded});
  if (current == nullptr) return;
  const account* worker = random_account_in(current->currency);
  if (random_.chance(1, 10)) worker = &accounts_.at(current->payer);
  if (random_.chance(1, 5) && !current->worker.empty()) worker = &accounts_.at(current->worker);
  const bool state_ok = current->state == task_state::open || current->state == task_state::funded;
  std::vector<error_code> faults;
  if (worker->id == current->payer) faults.push_back(error_code::parameter_invalid);
  if (worker->currency != current->currency) faults.push_back(error_code::currency_mismatch);
  prediction expected = decide(state_ok && worker->id == current->worker, state_ok, faults,
                               current->history.size() >= task_assignments_history_max);
  expected.to_state = current->state;
  expected.transition = task_transition::assign;
  const auto outcome = assign_task(*current, *worker, current->payer, clock_.now());
  if (const auto* done = accept(expected, outcome, false)) commit_task(expected, *done);
}

void ledger_model::fund_step() {
  operation_ = "fund_task";
  task* current = random_task({task_state::open});
  if (current == nullptr) return;
  bool stale = false;
  account view = view_of(accounts_.at(current->payer), stale);
  if (random_.chance(1, 20)) {
    view = *random_account();
    stale = false;
  }
  std::vector<error_code> faults;
  if (view.id != current->payer) faults.push_back(error_code::parameter_invalid);
  if (view.currency != current->currency) faults.push_back(error_code::currency_mismatch);
  if (view.available < current->amount) faults.push_back(error_code::insufficient_funds);
  prediction expected =
      decide(current->state == task_state::funded, current->state == task_state::open, faults,
             /*history_full=*/false);
  expected.to_state = task_state::funded;
  expected.transition = task_transition::fund;
  fund_from_payer(expected, *current);
  const auto outcome = fund_task(*current, view, current->payer, clock_.now());
  if (const auto* done = accept(expected, outcome, stale)) commit_task(expected, *done);
}

void ledger_model::submit_step() {
  operation_ = "submit_task";
  task* current = random_task({task_state::funded});
  if (current == nullptr) return;
  std::string submission = "https://example.com/work";
  if (random_.chance(1, 40)) submission.assign(submission_length_max + 1, 's');
  std::vector<error_code> faults;
  if (submission.size() > submission_length_max) faults.push_back(error_code::parameter_invalid);
  prediction expected = decide(current->state == task_state::submitted,
                               current->state == task_state::funded && !current->worker.empty(),
                               faults, /*history_full=*/false);
  expected.to_state = task_state::submitted;
  expected.transition = task_transition::submit;
  const auto outcome = submit_task(*current, std::move(submission), current->worker, clock_.now());
  if (const auto* done = accept(expected, outcome, false)) commit_task(expected, *done);
}

void ledger_model::approve_step() {
  operation_ = "approve_task";
  task* current = random_task({task_state::submitted});
  if (current == nullptr) return;
  const bool noop = current->state == task_state::released &&
                    current->last_transition == task_transition::approve;
  prediction expected = decide(noop, current->state == task_state::submitted, {},
                               /*history_full=*/false);
  expected.to_state = task_state::released;
  expected.transition = task_transition::approve;
  pay_out(expected, entry_kind::task_release, *current, current->amount);
  const auto outcome = approve_task(*current, current->payer, clock_.now());
  if (const auto* done = accept(expected, outcome, false)) commit_task(expected, *done);
}

void ledger_model::dispute_step() {
  operation_ = "dispute_task";
  task* current = random_task({task_state::submitted});
  if (current == nullptr) return;
  std::string reason = "not what was asked";
  if (random_.chance(1, 40)) reason.assign(dispute_reason_length_max + 1, 'r');
  std::vector<error_code> faults;
  if (reason.size() > dispute_reason_length_max) faults.push_back(error_code::parameter_invalid);
  // Past its review deadline the task is the worker's, released or not yet.
  const bool window_open = current->review_deadline == 0 || clock_.now() < current->review_deadline;
  prediction expected = decide(current->state == task_state::disputed,
                               current->state == task_state::submitted && window_open, faults,
                               /*history_full=*/false);
  expected.to_state = task_state::disputed;
  expected.transition = task_transition::dispute;
  const auto outcome = dispute_task(*current, std::move(reason), current->payer, clock_.now());
  if (const auto* done = accept(expected, outcome, false)) commit_task(expected, *done);
}

void ledger_model::resolve_step() {
  operation_ = "resolve_task";
  task* current = random_task({task_state::disputed});
  if (current == nullptr) return;
  const std::int64_t amount = current->amount;
  std::int64_t worker_amount = 0;
  switch (random_.below(10)) {
    case 0:
    case 1:
      worker_amount = 0;
      break;
    case 2:
    case 3:
      worker_amount = amount;
      break;
    case 4:
      worker_amount = -random_.between(1, 100);
      break;
    case 5:
      worker_amount = amount + random_.between(1, 100);
      break;
    default:
      worker_amount = random_.between(0, amount);
      break;
  }
  std::vector<error_code> faults;
  if (worker_amount < 0 || worker_amount > amount) faults.push_back(error_code::parameter_invalid);
  prediction expected =
      decide(current->state == task_state::resolved, current->state == task_state::disputed, faults,
             /*history_full=*/false);
  expected.to_state = task_state::resolved;
  expected.transition = task_transition::resolve;
  if (expected.may_change) pay_out(expected, entry_kind::task_resolve, *current, worker_amount);
  const auto outcome = resolve_task(*current, worker_amount, "arbiter", clock_.now());
  if (const auto* done = accept(expected, outcome, false)) {
    count(worker_amount == 0        ? "resolve_to_payer"
          : worker_amount == amount ? "resolve_to_worker"
                                    : "resolve_split");
    commit_task(expected, *done);
  }
}

void ledger_model::cancel_step() {
  operation_ = "cancel_task";
  task* current = random_task({task_state::open, task_state::funded});
  if (current == nullptr) return;
  prediction expected =
      decide(current->state == task_state::cancelled,
             current->state == task_state::open || current->state == task_state::funded, {},
             /*history_full=*/false);
  expected.to_state = task_state::cancelled;
  expected.transition = task_transition::cancel;
  if (current->state == task_state::funded) pay_out(expected, entry_kind::task_refund, *current, 0);
  const auto outcome = cancel_task(*current, current->payer, clock_.now());
  if (const auto* done = accept(expected, outcome, false)) commit_task(expected, *done);
}

void ledger_model::lapse_step() {
  operation_ = "lapse_review_window";
  task* current = random_task({task_state::submitted});
  if (current == nullptr) return;
  const bool noop = current->state == task_state::released &&
                    current->last_transition == task_transition::review_window_lapsed;
  std::vector<error_code> faults;
  if (clock_.now() < current->review_deadline) faults.push_back(error_code::review_window_open);
  prediction expected = decide(noop, current->state == task_state::submitted, faults,
                               /*history_full=*/false);
  expected.to_state = task_state::released;
  expected.transition = task_transition::review_window_lapsed;
  pay_out(expected, entry_kind::task_release, *current, current->amount);
  const auto outcome = lapse_review_window(*current, clock_.now());
  if (const auto* done = accept(expected, outcome, false)) commit_task(expected, *done);
}

// ---- checking and committing outcomes --------------------------------------------------

template <class outcome_type>
const outcome_type* ledger_model::accept(const prediction& expected,
                                         const result<outcome_type>& outcome, bool stale_view) {
  if (!outcome) {
    const error_code code = outcome.code();
    EXPECT_NE(std::find(expected.rejections.begin(), expected.rejections.end(), code),
              expected.rejections.end())
        << where() << ": unexpected rejection " << describe(code).code
        << (expected.may_change ? " (a change was expected)" : "");
    count("rejected");
    count("rejected:" + std::string(describe(code).code));
    return nullptr;
  }
  if (!outcome->changed) {
    EXPECT_TRUE(expected.may_noop) << where() << ": unexpected no-op";
    EXPECT_FALSE(outcome->entry.has_value()) << where() << ": a no-op with an entry";
    EXPECT_TRUE(outcome->deltas.empty()) << where() << ": a no-op with deltas";
    count("noop");
    return nullptr;
  }
  EXPECT_TRUE(expected.may_change) << where() << ": unexpected change";
  if (!expected.may_change) return nullptr;
  const std::string& reference = [&]() -> const std::string& {
    if constexpr (std::is_same_v<outcome_type, task_outcome>)
      return outcome->task.id;
    else
      return outcome->operation.id;
  }();
  if (!commit_money(expected, outcome->entry, outcome->deltas, reference, stale_view))
    return nullptr;
  count(operation_);
  return &*outcome;
}

book_moves net_legs(const journal_entry& entry) {
  book_moves net;
  for (const auto& posted : entry.legs) net[key_of(posted.book)] += posted.amount;
  std::erase_if(net, [](const auto& item) { return item.second == 0; });
  return net;
}

field_moves net_deltas(const std::vector<account_delta>& deltas) {
  field_moves net;
  for (const auto& delta : deltas) net[{delta.account_id, delta.field}] += delta.amount;
  std::erase_if(net, [](const auto& item) { return item.second == 0; });
  return net;
}

// Checks the entry and the deltas against the prediction, then applies the deltas to every
// account they address, all or nothing. False when an account refused (operation dropped).
bool ledger_model::commit_money(const prediction& expected,
                                const std::optional<journal_entry>& entry,
                                const std::vector<account_delta>& deltas,
                                const std::string& reference, bool stale_view) {
  book_moves expected_books = expected.books;
  std::erase_if(expected_books, [](const auto& item) { return item.second == 0; });
  field_moves expected_fields = expected.fields;
  std::erase_if(expected_fields, [](const auto& item) { return item.second == 0; });
  EXPECT_EQ(entry.has_value(), expected.entry.has_value()) << where() << ": entry presence";
  if (entry) {
    EXPECT_TRUE(is_balanced(*entry)) << where() << ": unbalanced entry";
    if (expected.entry) {
      EXPECT_EQ(entry->kind, *expected.entry) << where();
    }
    EXPECT_EQ(entry->reference, reference) << where();
    EXPECT_EQ(entry->time, clock_.now()) << where();
    EXPECT_TRUE(net_legs(*entry) == expected_books)
        << where() << ": legs " << ::testing::PrintToString(*entry);
  }
  EXPECT_TRUE(net_deltas(deltas) == expected_fields)
      << where() << ": deltas " << ::testing::PrintToString(deltas);
  if (::testing::Test::HasFailure()) return false;

  std::map<std::string, account> next;
  for (const auto& delta : deltas) {
    if (next.count(delta.account_id) != 0) continue;
    const auto found = accounts_.find(delta.account_id);
    EXPECT_NE(found, accounts_.end()) << where() << ": delta for unknown " << delta.account_id;
    if (found == accounts_.end()) return false;
    auto applied = apply_deltas(found->second, deltas);
    if (!applied) {
      EXPECT_TRUE(stale_view && applied.code() == error_code::insufficient_funds)
          << where() << ": account refused the deltas with " << describe(applied.code()).code;
      count("discarded_stale");
      return false;
    }
    next.emplace(delta.account_id, std::move(*applied));
  }
  for (auto& [id, updated] : next) accounts_[id] = std::move(updated);
  if (entry) {
    for (const auto& posted : entry->legs) {
      std::int64_t& balance = books_[key_of(posted.book)];
      const auto sum = checked_add(balance, posted.amount);
      EXPECT_TRUE(sum.has_value()) << where() << ": a book overflowed";
      if (!sum) return false;
      balance = *sum;
      EXPECT_TRUE(balance >= 0 || may_be_negative(posted.book.kind))
          << where() << ": negative book " << ::testing::PrintToString(posted.book);
      currency_totals_[posted.book.currency.packed()] += posted.amount;
    }
    for (const auto& posted : entry->legs)
      EXPECT_EQ(currency_totals_[posted.book.currency.packed()], 0)
          << where() << ": currency " << posted.book.currency.view() << " does not sum to zero";
    journal_.push_back(*entry);
  }
  return true;
}

void ledger_model::commit_task(const prediction& expected, const task_outcome& outcome) {
  const task& next = outcome.task;
  const auto previous = tasks_.find(next.id);
  const bool created = previous == tasks_.end();
  const task_state from = created ? task_state::open : previous->second.state;
  const std::size_t history_before = created ? 0 : previous->second.history.size();
  const std::int64_t escrow_before = created ? 0 : escrow_by_state(previous->second);

  EXPECT_EQ(next.state, expected.to_state) << where();
  ASSERT_FALSE(next.history.empty()) << where();
  EXPECT_EQ(next.history.size(),
            history_before + (created && next.state == task_state::funded ? 2 : 1))
      << where();
  EXPECT_EQ(next.history.back().transition, expected.transition) << where();
  EXPECT_EQ(next.history.back().to, next.state) << where();
  EXPECT_EQ(next.history.back().time, clock_.now()) << where();
  if (from != next.state) {
    EXPECT_EQ(next.last_transition, expected.transition) << where();
  }
  if (next.state == task_state::submitted && from != task_state::submitted) {
    EXPECT_EQ(next.review_deadline, clock_.now() + next.review_window_s) << where();
  }

  escrowed_[next.payer] += escrow_by_state(next) - escrow_before;
  if (created) {
    task_ids_.push_back(next.id);
    live_task_ids_.push_back(next.id);
  }
  if (is_settled(next.state)) std::erase(live_task_ids_, next.id);
  if (next.state == task_state::cancelled && escrow_before > 0) count("cancel_funded");
  tasks_[next.id] = next;
  check_task(next);
  check_account(next.payer);
  if (!next.worker.empty()) check_account(next.worker);
}

void ledger_model::commit_operation(const prediction& expected, const processor_outcome& outcome) {
  const processor_operation& next = outcome.operation;
  const auto previous = operations_.find(next.id);
  const bool created = previous == operations_.end();
  auto open_topup = [](const processor_operation& held) {
    return held.kind == processor_kind::topup && is_open(held.status) ? held.amount : 0;
  };
  EXPECT_EQ(next.status, expected.to_status) << where();
  EXPECT_EQ(next.updated_at, clock_.now()) << where();
  EXPECT_EQ(processor_idempotency_key(next),
            std::string(to_string(next.kind)) + ":" + next.id +
                (next.kind == processor_kind::topup ? ":charge" : ":payout"))
      << where();
  if (outcome.entry) count(operation_ + ":" + std::to_string(int(outcome.entry->kind)));
  if (!created && next.status == processor_status::failed &&
      previous->second.status == processor_status::paid)
    count("withdrawal_reversed");

  pending_topup_[next.account_id] +=
      open_topup(next) - (created ? 0 : open_topup(previous->second));
  if (created) {
    (next.kind == processor_kind::topup ? topup_ids_ : withdrawal_ids_).push_back(next.id);
  }
  operations_[next.id] = next;
  check_account(next.account_id);
}

// ---- invariants ------------------------------------------------------------------------

std::int64_t book_balance(const book_balances& books, const book_key& key) {
  const auto found = books.find(key);
  return found == books.end() ? 0 : found->second;
}

void ledger_model::check_account(const std::string& account_id) {
  const account& held = accounts_.at(account_id);
  const std::uint32_t ccy = held.currency.packed();
  EXPECT_EQ(held.available, book_balance(books_, {book_kind::available, account_id, ccy}))
      << where() << " " << ::testing::PrintToString(held);
  EXPECT_EQ(held.pending_withdrawal,
            book_balance(books_, {book_kind::pending_withdrawal, account_id, ccy}))
      << where() << " " << ::testing::PrintToString(held);
  EXPECT_EQ(held.escrowed, escrowed_[account_id])
      << where() << " " << ::testing::PrintToString(held);
  EXPECT_EQ(held.pending_topup, pending_topup_[account_id])
      << where() << " " << ::testing::PrintToString(held);
  EXPECT_GE(held.available, 0) << where();
  EXPECT_GE(held.pending_withdrawal, 0) << where();
  EXPECT_GE(held.escrowed, 0) << where();
  EXPECT_GE(held.pending_topup, 0) << where();
}

void ledger_model::check_task(const task& held) {
  EXPECT_EQ(held.escrow, escrow_by_state(held)) << where() << " " << ::testing::PrintToString(held);
  EXPECT_EQ(held.escrow, book_balance(books_, {book_kind::escrow, held.id, held.currency.packed()}))
      << where() << " " << ::testing::PrintToString(held);
}

// Replays the journal from empty: it must reproduce every book exactly.
void ledger_model::replay_check() {
  book_balances replayed;
  for (const auto& entry : journal_) {
    ASSERT_TRUE(is_balanced(entry)) << where() << ": " << ::testing::PrintToString(entry);
    for (const auto& posted : entry.legs) {
      auto& balance = replayed[key_of(posted.book)];
      const auto sum = checked_add(balance, posted.amount);
      ASSERT_TRUE(sum.has_value()) << where() << ": replay overflowed";
      balance = *sum;
    }
  }
  ASSERT_TRUE(replayed == books_) << where() << ": the replayed journal differs from the books";
}

// Recomputes every invariant from scratch over all books, tasks, operations and accounts.
void ledger_model::full_check() {
  std::map<std::uint32_t, std::int64_t> currency_sums;
  for (const auto& [key, balance] : books_) {
    auto& total = currency_sums[key.currency];
    const auto sum = checked_add(total, balance);
    ASSERT_TRUE(sum.has_value()) << where() << ": a currency's books overflowed";
    total = *sum;
  }
  for (const auto& [ccy, total] : currency_sums)
    EXPECT_EQ(total, 0) << where() << ": currency " << ccy << " does not sum to zero";
  std::map<std::uint32_t, std::int64_t> clearing_expected;
  for (const auto& [key, balance] : books_) {
    EXPECT_TRUE(balance >= 0 || may_be_negative(key.kind)) << where() << ": " << key.owner;
    if (key.kind == book_kind::escrow) {
      EXPECT_EQ(tasks_.count(key.owner), 1u) << where() << ": escrow of unknown " << key.owner;
    } else if (key.kind != book_kind::processor_clearing) {
      ASSERT_EQ(accounts_.count(key.owner), 1u) << where() << ": book of unknown " << key.owner;
      EXPECT_EQ(accounts_.at(key.owner).currency.packed(), key.currency) << where();
    }
  }

  std::unordered_map<std::string, std::int64_t> escrowed;
  for (const auto& [id, held] : tasks_) {
    EXPECT_EQ(held.escrow, escrow_by_state(held)) << where() << " task " << id;
    EXPECT_EQ(held.escrow, book_balance(books_, {book_kind::escrow, id, held.currency.packed()}))
        << where() << " task " << id;
    escrowed[held.payer] += escrow_by_state(held);
  }
  std::unordered_map<std::string, std::int64_t> pending_topup;
  for (const auto& [id, held] : operations_) {
    const std::uint32_t ccy = held.currency.packed();
    if (held.kind == processor_kind::topup && is_open(held.status))
      pending_topup[held.account_id] += held.amount;
    // Clearing holds what crossed the boundary: minus every succeeded top-up, plus every
    // withdrawal that is paid (a reversed one came back and counts zero).
    if (held.kind == processor_kind::topup && held.status == processor_status::succeeded)
      clearing_expected[ccy] -= held.amount;
    if (held.kind == processor_kind::withdrawal && held.status == processor_status::paid)
      clearing_expected[ccy] += held.amount;
  }
  for (const auto& ccy : currencies_) {
    EXPECT_EQ(book_balance(books_, {book_kind::processor_clearing, "", ccy.packed()}),
              clearing_expected[ccy.packed()])
        << where() << ": clearing of " << ccy.view();
  }
  for (const auto& [id, held] : accounts_) {
    const std::uint32_t ccy = held.currency.packed();
    EXPECT_EQ(held.available, book_balance(books_, {book_kind::available, id, ccy}))
        << where() << " " << ::testing::PrintToString(held);
    EXPECT_EQ(held.pending_withdrawal,
              book_balance(books_, {book_kind::pending_withdrawal, id, ccy}))
        << where() << " " << ::testing::PrintToString(held);
    EXPECT_EQ(held.escrowed, escrowed[id]) << where() << " " << ::testing::PrintToString(held);
    EXPECT_EQ(held.pending_topup, pending_topup[id])
        << where() << " " << ::testing::PrintToString(held);
  }
}

TEST(ledger_property, random_operations_keep_every_ledger_invariant) {
  auto random = testing::seeded_random::from_environment(seed_default);
  SCOPED_TRACE(random.describe());
  RecordProperty("seed", std::to_string(random.seed()));
  const long steps = steps_from_environment();
  ledger_model model(random);
  model.run(steps);
  if (HasFailure()) return;

  // The run must have reached every path it is meant to exercise, or it proves little.
  const auto& counts = model.counts();
  std::string summary;
  for (const auto& [what, count] : counts) summary += what + "=" + std::to_string(count) + " ";
  RecordProperty("counts", summary);
  for (const char* path : {"create_account",
                           "request_topup",
                           "settle_topup",
                           "request_withdrawal",
                           "settle_withdrawal",
                           "require_reconciliation",
                           "retry_operation",
                           "cancel_operation",
                           "create_task",
                           "create_funded_task",
                           "assign_task",
                           "fund_task",
                           "submit_task",
                           "approve_task",
                           "dispute_task",
                           "resolve_to_payer",
                           "resolve_to_worker",
                           "resolve_split",
                           "cancel_task",
                           "cancel_funded",
                           "lapse_review_window",
                           "withdrawal_reversed",
                           "discarded_stale",
                           "noop",
                           "rejected"}) {
    EXPECT_GT(counts.count(path) ? counts.at(path) : 0, 0)
        << random.describe() << ": never exercised " << path << "\n"
        << summary;
  }
}

}  // namespace
}  // namespace escrowd
