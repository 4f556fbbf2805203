// Tests engine/authorization.hpp against api.md "Authentication and roles": every role x
// every action x every relation of the principal to the object (its own account or the payer
// of the task, the task's worker, a stranger), with the expected allowed / forbidden (403) /
// hidden (404). The table below is written from the contract; a test checks that it covers
// every enumerator of `action`, so a new action cannot go unauthorized-by-accident.
#include "engine/authorization.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace escrowd {
namespace {

constexpr std::string_view me = "acct_me";
constexpr std::string_view bob = "acct_bob";
constexpr std::string_view carol = "acct_carol";

enum class relation { own, payer, worker, stranger };
constexpr relation relations[] = {relation::own, relation::payer, relation::worker,
                                  relation::stranger};

const char* relation_name(relation which) {
  switch (which) {
    case relation::own:
      return "own";
    case relation::payer:
      return "payer";
    case relation::worker:
      return "worker";
    case relation::stranger:
      return "stranger";
  }
  return "?";
}

// What the request touches for each relation of the account key `me` to it. For account
// actions the account in the path; for task actions the task's payer and worker.
resource_scope scope_for(relation which) {
  switch (which) {
    case relation::own:
      return {me, me, ""};  // my account; my task, no worker yet
    case relation::payer:
      return {me, me, bob};  // my account; a task I pay bob for
    case relation::worker:
      return {bob, bob, me};  // bob's account; bob pays me
    case relation::stranger:
      return {bob, bob, carol};
  }
  return {};
}

const char* access_name(access granted) {
  switch (granted) {
    case access::allowed:
      return "allowed";
    case access::forbidden:
      return "forbidden";
    case access::hidden:
      return "hidden";
  }
  return "?";
}

constexpr access A = access::allowed;
constexpr access F = access::forbidden;
constexpr access H = access::hidden;

struct account_key_row {
  const char* name;
  access own, payer, worker, stranger;
};

// api.md: an account key "may top up and withdraw its own account, create and fund tasks it
// pays for, approve/dispute/cancel those tasks, submit tasks it is the worker of, and read
// only its own accounts, tasks and entries". Objects it may not see are 404; operations on
// objects it may see, or that are reserved to other principals, are 403.
// clang-format off
const std::map<action, account_key_row> account_key_table = {
    //                                                      own payer worker stranger
    {action::create_account,             {"create_account",     F, F, F, F}},
    {action::read_account,               {"read_account",       A, A, H, H}},
    {action::list_entries,               {"list_entries",       A, A, H, H}},
    {action::create_account_key,         {"create_account_key", F, F, F, F}},
    {action::create_key,                 {"create_key",         F, F, F, F}},
    {action::revoke_key,                 {"revoke_key",         F, F, F, F}},
    {action::create_task,                {"create_task",        A, A, F, F}},
    {action::read_task,                  {"read_task",          A, A, A, H}},
    {action::assign_task,                {"assign_task",        A, A, F, H}},
    {action::fund_task,                  {"fund_task",          A, A, F, H}},
    {action::submit_task,                {"submit_task",        F, F, A, H}},
    {action::approve_task,               {"approve_task",       A, A, F, H}},
    {action::dispute_task,               {"dispute_task",       A, A, F, H}},
    {action::resolve_task,               {"resolve_task",       F, F, F, H}},
    {action::cancel_task,                {"cancel_task",        A, A, F, H}},
    {action::create_topup,               {"create_topup",       A, A, H, H}},
    {action::read_topup,                 {"read_topup",         A, A, H, H}},
    {action::create_withdrawal,          {"create_withdrawal",  A, A, H, H}},
    {action::read_withdrawal,            {"read_withdrawal",    A, A, H, H}},
    {action::manage_processor_operation, {"manage_processor_operation", F, F, F, F}},
    {action::reconcile,                  {"reconcile",          F, F, F, F}},
    {action::verify_ledger,              {"verify_ledger",      F, F, F, F}},
};
// clang-format on

access expected_for(const account_key_row& row, relation which) {
  switch (which) {
    case relation::own:
      return row.own;
    case relation::payer:
      return row.payer;
    case relation::worker:
      return row.worker;
    case relation::stranger:
      return row.stranger;
  }
  return F;
}

// The arbiter "may resolve disputes and read anything".
bool arbiter_may(action what) {
  switch (what) {
    case action::read_account:
    case action::list_entries:
    case action::read_task:
    case action::read_topup:
    case action::read_withdrawal:
    case action::resolve_task:
      return true;
    default:
      return false;
  }
}

std::vector<action> every_action() {
  std::vector<action> all;
  for (int value = 0; value <= static_cast<int>(action::verify_ledger); ++value)
    all.push_back(static_cast<action>(value));
  return all;
}

const principal admin{principal_role::admin, "key_admin", ""};
const principal arbiter{principal_role::arbiter, "key_arbiter", ""};
const principal account_key{principal_role::account, "key_me", std::string(me)};

TEST(authorization_table, covers_every_action) {
  EXPECT_EQ(account_key_table.size(), every_action().size());
  for (action what : every_action())
    EXPECT_EQ(account_key_table.count(what), 1u) << static_cast<int>(what);
}

TEST(authorization_admin, may_do_everything_everywhere) {
  for (action what : every_action())
    for (relation which : relations)
      EXPECT_EQ(authorize(admin, what, scope_for(which)), access::allowed)
          << account_key_table.at(what).name << " " << relation_name(which);
}

TEST(authorization_arbiter, may_read_anything_and_resolve_only) {
  for (action what : every_action()) {
    const access expected = arbiter_may(what) ? access::allowed : access::forbidden;
    for (relation which : relations)
      EXPECT_EQ(access_name(authorize(arbiter, what, scope_for(which))), access_name(expected))
          << account_key_table.at(what).name << " " << relation_name(which);
  }
}

TEST(authorization_account_key, follows_the_contract_table) {
  for (action what : every_action()) {
    const auto& row = account_key_table.at(what);
    for (relation which : relations)
      EXPECT_EQ(access_name(authorize(account_key, what, scope_for(which))),
                access_name(expected_for(row, which)))
          << row.name << " as " << relation_name(which);
  }
}

TEST(authorization_account_key, never_reveals_objects_of_others) {
  // A stranger's account and task are hidden for every read, whatever else is asked.
  for (action what : {action::read_account, action::list_entries, action::read_task,
                      action::read_topup, action::read_withdrawal})
    EXPECT_EQ(authorize(account_key, what, scope_for(relation::stranger)), access::hidden);
}

TEST(authorization_account_key, an_unassigned_task_has_no_worker_to_match) {
  // An account whose id were empty must not become the worker of every unassigned task.
  const principal odd{principal_role::account, "key_odd", ""};
  EXPECT_EQ(authorize(odd, action::submit_task, {bob, bob, ""}), access::hidden);
}

TEST(authorization_principal, actor_names_and_role_names) {
  EXPECT_EQ(admin.actor_name(), "admin");
  EXPECT_EQ(arbiter.actor_name(), "arbiter");
  EXPECT_EQ(account_key.actor_name(), me);
  EXPECT_EQ(to_string(principal_role::admin), "admin");
  EXPECT_EQ(to_string(principal_role::arbiter), "arbiter");
  EXPECT_EQ(to_string(principal_role::account), "account");
  EXPECT_EQ(static_cast<int>(principal_role::admin), 1);
  EXPECT_EQ(static_cast<int>(principal_role::arbiter), 2);
  EXPECT_EQ(static_cast<int>(principal_role::account), 3);
}

}  // namespace
}  // namespace escrowd
