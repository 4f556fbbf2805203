# Sourced by the wrk scripts: creates the accounts bench/wrk/*.lua use (payers p0..p7,
# funded through the processor, and worker w) on the server at $1 with the admin key in
# ESCROWD_ADMIN_KEY, and waits until the last top-up has settled.
create_wrk_payers() {
  local url=$1
  local auth="Authorization: Bearer $ESCROWD_ADMIN_KEY"
  post() { curl -sf -X POST "$url$1" -H "$auth" -H "Content-Type: application/json" -d "$2" > /dev/null; }
  local account
  for account in p0 p1 p2 p3 p4 p5 p6 p7 w; do post /v1/accounts "{\"id\":\"$account\",\"currency\":\"usd\"}"; done
  for account in p0 p1 p2 p3 p4 p5 p6 p7; do
    post "/v1/accounts/$account/topups" '{"amount":99999999,"payment_method":"pm_card_visa"}'
  done
  local available
  for _ in $(seq 600); do
    available=$(curl -s "$url/v1/accounts/p7" -H "$auth" | jq .available)
    [[ "$available" == 99999999 ]] && return 0
    sleep 0.1
  done
  echo "wrk payers: the top-ups did not settle" >&2
  return 1
}
