#include "engine/authorization.hpp"

namespace escrowd {
namespace {

bool is_read(action what) {
  switch (what) {
    case action::read_account:
    case action::list_entries:
    case action::read_task:
    case action::read_topup:
    case action::read_withdrawal:
      return true;
    default:
      return false;
  }
}

// Which party of a task may perform a task action.
enum class task_party : std::uint8_t { none, payer, worker, either };

task_party party_for(action what) {
  switch (what) {
    case action::read_task:
      return task_party::either;
    case action::assign_task:
    case action::fund_task:
    case action::approve_task:
    case action::dispute_task:
    case action::cancel_task:
      return task_party::payer;
    case action::submit_task:
      return task_party::worker;
    case action::resolve_task:
      return task_party::none;
    default:
      return task_party::none;
  }
}

bool is_task_action(action what) {
  switch (what) {
    case action::read_task:
    case action::assign_task:
    case action::fund_task:
    case action::submit_task:
    case action::approve_task:
    case action::dispute_task:
    case action::resolve_task:
    case action::cancel_task:
      return true;
    default:
      return false;
  }
}

// An account key acting on its own account's resources.
bool is_own_account_action(action what) {
  switch (what) {
    case action::read_account:
    case action::list_entries:
    case action::create_topup:
    case action::read_topup:
    case action::create_withdrawal:
    case action::read_withdrawal:
      return true;
    default:
      return false;
  }
}

access authorize_account_key(const principal& who, action what, const resource_scope& scope) {
  const std::string_view own = who.account_id;
  if (is_own_account_action(what))
    return scope.account_id == own ? access::allowed : access::hidden;
  if (what == action::create_task)
    return scope.account_id == own ? access::allowed : access::forbidden;
  if (is_task_action(what)) {
    const bool is_payer = scope.payer == own;
    const bool is_worker = !scope.worker.empty() && scope.worker == own;
    if (!is_payer && !is_worker) return access::hidden;
    switch (party_for(what)) {
      case task_party::either:
        return access::allowed;
      case task_party::payer:
        return is_payer ? access::allowed : access::forbidden;
      case task_party::worker:
        return is_worker ? access::allowed : access::forbidden;
      case task_party::none:
        return access::forbidden;
    }
  }
  return access::forbidden;  // admin-only operations
}

}  // namespace

std::string_view to_string(principal_role role) {
  switch (role) {
    case principal_role::admin:
      return "admin";
    case principal_role::arbiter:
      return "arbiter";
    case principal_role::account:
      return "account";
  }
  return "unknown";
}

std::string principal::actor_name() const {
  return role == principal_role::account ? account_id : std::string(to_string(role));
}

access authorize(const principal& who, action what, const resource_scope& scope) {
  switch (who.role) {
    case principal_role::admin:
      return access::allowed;
    case principal_role::arbiter:
      return is_read(what) || what == action::resolve_task ? access::allowed : access::forbidden;
    case principal_role::account:
      return authorize_account_key(who, what, scope);
  }
  return access::forbidden;
}

}  // namespace escrowd
