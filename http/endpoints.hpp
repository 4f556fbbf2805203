// The handlers of the v1 endpoints, one per route. A handler validates the request,
// authorizes what it can before the deciding actor (account-scoped actions; task actions
// are authorized by the task actor against the task as it is), and either hands a command
// to the ledger (which replies through call.reply once durable) or fails: the router
// answers the returned error, which is never stored under an idempotency key.
// Thread affinity: called on an I/O thread; must not block.
#pragma once

#include "http/api_call.hpp"

namespace escrowd::http {

using endpoint = status (*)(api_call& call);

// nullptr for a route nothing serves in this build.
[[nodiscard]] endpoint endpoint_for(route which);

// Whether the route answers without an API key (health, metrics, signed webhooks).
[[nodiscard]] bool is_public(route which);

status create_account(api_call& call);
status get_account(api_call& call);
status list_entries(api_call& call);
status create_account_key(api_call& call);
status create_key(api_call& call);
status revoke_key(api_call& call);

status create_task(api_call& call);
status get_task(api_call& call);
status transition_task(api_call& call);  // assign, fund, submit, approve, dispute, ...

status create_topup(api_call& call);
status create_withdrawal(api_call& call);
status get_topup(api_call& call);
status get_withdrawal(api_call& call);

status retry_topup(api_call& call);
status cancel_topup(api_call& call);
status retry_withdrawal(api_call& call);
status cancel_withdrawal(api_call& call);
status processor_webhooks(api_call& call);
status reconciliation(api_call& call);
status metrics(api_call& call);

status verify_ledger(api_call& call);
status healthz(api_call& call);
status readyz(api_call& call);

}  // namespace escrowd::http
