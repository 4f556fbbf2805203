// Who may do what (api.md "Authentication and roles"), as one pure function so the HTTP
// layer only asks. Thread affinity: none.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace escrowd {

// Do not renumber: on disk (API key records).
enum class principal_role : std::uint8_t { admin = 1, arbiter = 2, account = 3 };

std::string_view to_string(principal_role role);

struct principal {
  principal_role role = principal_role::account;
  std::string key_id;
  std::string account_id;  // set for account keys only

  // The actor recorded in task history: the account id, or the role's name.
  std::string actor_name() const;
};

enum class action : std::uint8_t {
  create_account,
  read_account,
  list_entries,
  create_account_key,
  create_key,
  revoke_key,
  create_task,
  read_task,
  assign_task,
  fund_task,
  submit_task,
  approve_task,
  dispute_task,
  resolve_task,
  cancel_task,
  create_topup,
  read_topup,
  create_withdrawal,
  read_withdrawal,
  manage_processor_operation,  // admin retry / cancel of requires_reconciliation
  reconcile,
  verify_ledger,
};

// What the request touches. For account-scoped actions `account_id` is the account in
// the path (or the payer of a new task); for task actions payer and worker of the task.
struct resource_scope {
  std::string_view account_id;
  std::string_view payer;
  std::string_view worker;
};

enum class access : std::uint8_t {
  allowed,
  forbidden,  // 403: the principal may see the object but not do this
  hidden,     // 404: the principal may not even learn that the object exists
};

[[nodiscard]] access authorize(const principal& who, action what, const resource_scope& scope);

}  // namespace escrowd
