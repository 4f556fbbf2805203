// operation: names of the kinds, for reports.
#include "bench/loadgen/operation.hpp"

namespace escrowd::loadgen {

std::string_view to_string(op_kind kind) {
  switch (kind) {
    case op_kind::create_account:
      return "create_account";
    case op_kind::create_account_key:
      return "create_account_key";
    case op_kind::create_arbiter_key:
      return "create_arbiter_key";
    case op_kind::revoke_key:
      return "revoke_key";
    case op_kind::get_topup:
      return "get_topup";
    case op_kind::get_withdrawal:
      return "get_withdrawal";
    case op_kind::verify_ledger:
      return "verify_ledger";
    case op_kind::topup:
      return "topup";
    case op_kind::create_task:
      return "create_task";
    case op_kind::fund_task:
      return "fund_task";
    case op_kind::submit_task:
      return "submit_task";
    case op_kind::approve_task:
      return "approve_task";
    case op_kind::dispute_task:
      return "dispute_task";
    case op_kind::resolve_task:
      return "resolve_task";
    case op_kind::cancel_task:
      return "cancel_task";
    case op_kind::withdraw:
      return "withdraw";
    case op_kind::get_account:
      return "get_account";
    case op_kind::get_task:
      return "get_task";
  }
  return "unknown";
}

bool is_write(op_kind kind) {
  switch (kind) {
    case op_kind::get_topup:
    case op_kind::get_withdrawal:
    case op_kind::verify_ledger:
    case op_kind::get_account:
    case op_kind::get_task:
      return false;
    default:
      return true;
  }
}

}  // namespace escrowd::loadgen
