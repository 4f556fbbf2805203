// Which handler serves which route.
#include "http/endpoints.hpp"

namespace escrowd::http {

endpoint endpoint_for(route which) {
  switch (which) {
    case route::create_account:
      return create_account;
    case route::get_account:
      return get_account;
    case route::create_account_key:
      return create_account_key;
    case route::list_entries:
      return list_entries;
    case route::create_topup:
      return create_topup;
    case route::create_withdrawal:
      return create_withdrawal;
    case route::create_key:
      return create_key;
    case route::revoke_key:
      return revoke_key;
    case route::create_task:
      return create_task;
    case route::get_task:
      return get_task;
    case route::assign_task:
    case route::fund_task:
    case route::submit_task:
    case route::approve_task:
    case route::dispute_task:
    case route::resolve_task:
    case route::cancel_task:
      return transition_task;
    case route::get_topup:
      return get_topup;
    case route::get_withdrawal:
      return get_withdrawal;
    case route::verify_ledger:
      return verify_ledger;
    case route::healthz:
      return healthz;
    case route::readyz:
      return readyz;
    case route::retry_topup:
      return retry_topup;
    case route::cancel_topup:
      return cancel_topup;
    case route::retry_withdrawal:
      return retry_withdrawal;
    case route::cancel_withdrawal:
      return cancel_withdrawal;
    case route::processor_webhooks:
      return processor_webhooks;
    case route::reconciliation:
      return reconciliation;
    case route::metrics:
      return metrics;
    case route::batch:  // the api runs batches itself
      return nullptr;
  }
  return nullptr;
}

bool is_public(route which) {
  return which == route::healthz || which == route::readyz || which == route::metrics ||
         which == route::processor_webhooks;
}

}  // namespace escrowd::http
