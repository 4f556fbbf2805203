#!/usr/bin/env python3
"""Helpers of bench/scripts/processor-outage (see its header): the HTTP clients that run
against escrowd during a processor outage, and the final check and summary.

  setup   PORT DIR N                     create and fund N accounts -> DIR/accounts.json
  load    PORT DIR RATE SECONDS THREADS  top-ups (80%) and withdrawals (20%) -> DIR/load.jsonl
  probe   PORT DIR                       a round of reads and writes every 0.25 s -> probe.jsonl
  recon   PORT DIR EVERY                 GET /v1/reconciliation every EVERY s -> recon.jsonl
  monitor PORT DIR                       /metrics and resident memory every 2 s -> monitor.jsonl
  check   PORT SIM_PORT DIR TIMEOUT      wait for every operation to be final, compare with the
                                         simulator -> DIR/check.json; exit 1 on a problem
  report  DIR                            print the summary from DIR's files

probe, recon and monitor run until SIGTERM. Every record carries its epoch time `t`; the
driver's DIR/events.log (`EPOCH NAME [k=v...]`) marks the phases. The admin key comes from
ESCROWD_ADMIN_KEY.
"""
import collections
import http.client
import json
import os
import random
import re
import sys
import threading
import time
import urllib.request

ADMIN = os.environ.get("ESCROWD_ADMIN_KEY", "")


class Client:
    """One keep-alive connection; a request that gets no answer is sent again (same
    Idempotency-Key) up to twice. Returns (status or None, body bytes, seconds)."""

    def __init__(self, port, timeout=120.0):
        self.port, self.timeout, self.conn = port, timeout, None

    def req(self, method, path, body=None, idem=None):
        headers = {"Authorization": "Bearer " + ADMIN}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if idem:
            headers["Idempotency-Key"] = idem
        data = json.dumps(body) if body is not None else None
        for attempt in range(3):
            start = time.perf_counter()
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                payload = resp.read()
                return resp.status, payload, time.perf_counter() - start
            except (OSError, http.client.HTTPException) as error:
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if attempt == 2:
                    return None, str(error).encode(), time.perf_counter() - start
                time.sleep(0.2)
        raise AssertionError("unreachable")


def jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def pct(values, p):
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    xs = sorted(values)
    return xs[min(len(xs) - 1, max(0, int(round(p / 100 * len(xs) + 0.5)) - 1))]


def fmt(value, digits=1):
    return "-" if value is None else f"{value:.{digits}f}"


def run_forever(step, period):
    while True:
        began = time.time()
        step()
        time.sleep(max(0.0, period - (time.time() - began)))


def setup(port, d, n):
    c = Client(port)
    accounts = [f"acc{i}" for i in range(n)]
    for a in accounts:
        s, b, _ = c.req("POST", "/v1/accounts", {"id": a, "currency": "usd"}, idem="mk-" + a)
        if s not in (200, 201):
            sys.exit(f"create account {a}: {s} {b[:200]!r}")
        s, b, _ = c.req("POST", f"/v1/accounts/{a}/topups",
                        {"amount": 50_000_000, "payment_method": "pm_card_visa"}, idem="fund-" + a)
        if s != 202:
            sys.exit(f"fund account {a}: {s} {b[:200]!r}")
    deadline = time.time() + 120
    for a in accounts:
        while True:
            s, b, _ = c.req("GET", f"/v1/accounts/{a}")
            if s == 200 and json.loads(b)["available"] >= 50_000_000:
                break
            if time.time() > deadline:
                sys.exit(f"account {a} not funded after 120 s: {s} {b[:200]!r}")
            time.sleep(0.1)
    with open(os.path.join(d, "accounts.json"), "w") as f:
        json.dump(accounts, f)
    print(f"{n} accounts funded")


def load(port, d, rate, seconds, threads):
    accounts = json.load(open(os.path.join(d, "accounts.json")))
    out = open(os.path.join(d, "load.jsonl"), "a", buffering=1)
    lock, seq, t0 = threading.Lock(), [0], time.time()

    def worker(tid):
        c, rnd = Client(port), random.Random(f"outage-{tid}")
        period = threads / rate
        due = t0 + rnd.random() * period
        while time.time() - t0 < seconds:
            if due > time.time():
                time.sleep(due - time.time())
            due += period
            with lock:
                seq[0] += 1
                n = seq[0]
            a = rnd.choice(accounts)
            if rnd.random() < 0.8:
                pm = "pm_card_chargeDeclined" if rnd.random() < 0.05 else "pm_card_visa"
                kind, body = "topup", {"amount": rnd.randint(100, 10000), "payment_method": pm}
            else:
                dest = "ba_fail" if rnd.random() < 0.05 else "ba_test"
                kind, body = "withdrawal", {"amount": rnd.randint(100, 1000), "destination": dest}
            s, b, dt = c.req("POST", f"/v1/accounts/{a}/{kind}s", body, idem=f"load-{n}")
            rec = {"t": time.time(), "kind": kind, "acct": a, "idem": f"load-{n}", "status": s, "lat": dt}
            try:
                j = json.loads(b)
                rec["id"], rec["error"] = j.get("id"), (j.get("error") or {}).get("code")
            except ValueError:
                rec["raw"] = b[:200].decode(errors="replace")
            with lock:
                out.write(json.dumps(rec) + "\n")

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(f"{seq[0]} requests sent")


def probe(port, d):
    accounts = json.load(open(os.path.join(d, "accounts.json")))
    c, out, n = Client(port, timeout=30), open(os.path.join(d, "probe.jsonl"), "a", buffering=1), [0]
    pre = f"probe{int(time.time())}"

    def rec(ep, s, dt):
        out.write(json.dumps({"t": time.time(), "ep": ep, "s": s, "lat": dt}) + "\n")

    def step():
        n[0] += 1
        i = n[0]
        payer, worker = accounts[i % len(accounts)], accounts[(i + 1) % len(accounts)]
        tid = f"{pre}t{i}"
        rec("get_account", *c.req("GET", f"/v1/accounts/{payer}")[::2])
        rec("create_task_funded", *c.req("POST", "/v1/tasks", {"id": tid, "payer": payer, "worker": worker,
            "amount": 100, "currency": "usd", "fund": True}, idem=f"{tid}-c")[::2])
        rec("submit", *c.req("POST", f"/v1/tasks/{tid}/submit", None, idem=f"{tid}-s")[::2])
        rec("approve", *c.req("POST", f"/v1/tasks/{tid}/approve", None, idem=f"{tid}-a")[::2])
        rec("get_task", *c.req("GET", f"/v1/tasks/{tid}")[::2])

    run_forever(step, 0.25)


def recon(port, d, every):
    out = open(os.path.join(d, "recon.jsonl"), "a", buffering=1)

    def step():
        c = Client(port, timeout=300)
        began = time.time()
        s, b, dt = c.req("GET", "/v1/reconciliation")
        rec = {"t": began, "s": s, "lat": dt}
        try:
            j = json.loads(b)
            for k in ("ok", "operations_checked", "processor_objects_checked", "processor_lists_complete"):
                rec[k] = j.get(k)
            rec["error"] = (j.get("error") or {}).get("code")
        except ValueError:
            rec["raw"] = b[:200].decode(errors="replace")
        out.write(json.dumps(rec) + "\n")

    run_forever(step, every)


METRIC = re.compile(r'^(escrowd_processor_outbox_depth|escrowd_processor_operations_awaiting_reconciliation'
                    r'|escrowd_reconciliation_runs_total|escrowd_reconciliation_repairs_total)(\{[^}]*\})? (\S+)$')


def scrape(port):
    """Selected metrics as {name or name{labels}: value}; awaiting summed over kinds."""
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    m = {}
    for line in body.splitlines():
        g = METRIC.match(line)
        if not g:
            continue
        name, labels, value = g.group(1), g.group(2) or "", float(g.group(3))
        if name == "escrowd_processor_operations_awaiting_reconciliation":
            m["awaiting"] = m.get("awaiting", 0.0) + value
        elif name == "escrowd_processor_outbox_depth":
            m["depth"] = value
        else:
            m[name.removeprefix("escrowd_reconciliation_") + labels] = value
    return m


def monitor(port, d):
    out = open(os.path.join(d, "monitor.jsonl"), "a", buffering=1)

    def step():
        rec = {"t": time.time()}
        try:
            pid = open(os.path.join(d, "escrowd.pid")).read().strip()
            with open(f"/proc/{pid}/status") as f:
                rec["rss_mb"] = next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024
        except (OSError, StopIteration, ValueError):
            pass
        try:
            rec["m"] = scrape(port)
        except (OSError, ValueError) as error:
            rec["error"] = str(error)[:80]
        out.write(json.dumps(rec) + "\n")

    run_forever(step, 2.0)


FINAL_MATCH = {("topup", "succeeded"): {"succeeded"}, ("topup", "failed"): {"requires_payment_method", "canceled"},
               ("withdrawal", "paid"): {"paid"}, ("withdrawal", "failed"): {"failed"}}


def check(port, sim_port, d, timeout):
    """Every operation the simulator holds or escrowd acknowledged: final, once, agreeing."""
    problems, c = [], Client(port)
    acked = {(r["kind"], r["id"]): r for r in jsonl(os.path.join(d, "load.jsonl")) if r["status"] == 202 and r.get("id")}
    sim = {}
    for kind, path, meta in (("topup", "charges", "escrowd_topup"), ("withdrawal", "payouts", "escrowd_withdrawal")):
        objs = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{sim_port}/_sim/{path}", timeout=300).read())
        keys = collections.Counter(o["idempotency_key"] for o in objs)
        ops = collections.Counter((o.get("metadata") or {}).get(meta) for o in objs)
        dup_keys, dup_ops = sum(v > 1 for v in keys.values()), sum(v > 1 for k, v in ops.items() if k and v > 1)
        if dup_keys or dup_ops:
            problems.append(f"simulator {path}: {dup_keys} idempotency keys and {dup_ops} operation ids twice")
        if None in ops:
            problems.append(f"simulator {path}: {ops[None]} objects without an escrowd operation id")
        for o in objs:
            sim[(kind, (o.get("metadata") or {}).get(meta))] = o
    # Wait for every operation to be final (payouts settle after their creation).
    todo, state, deadline = set(acked) | {k for k in sim if k[1]}, {}, time.time() + timeout
    while todo:
        for key in sorted(todo):
            if time.time() > deadline:
                break
            s, b, _ = c.req("GET", f"/v1/{key[0]}s/{key[1]}")
            state[key] = json.loads(b) if s == 200 else {"status": f"GET {s}"}
            if state[key]["status"] in ("succeeded", "paid", "failed", "cancelled") or s == 404:
                todo.discard(key)
        if not todo or time.time() > deadline:
            break
        time.sleep(2)
    combos, bad = collections.Counter(), 0
    for key, op in state.items():
        s_obj = sim.get(key)
        s_status = s_obj["status"] if s_obj else "absent"
        combos[f"{key[0]} {op['status']} / sim {s_status}"] += 1
        ok = s_status in FINAL_MATCH.get((key[0], op["status"]), set())
        if ok and op.get("processor_id") not in (None, s_obj["id"]):
            ok = False
        bad += not ok
        if not ok and len(problems) < 40:
            problems.append(f"{key[0]} {key[1]}: escrowd {op['status']} processor_id {op.get('processor_id')}, "
                            f"simulator {s_status} {s_obj['id'] if s_obj else ''}")
    lat = [(state[k]["updated_at"] - state[k]["created_at"]) for k in acked
           if k[0] == "withdrawal" and state.get(k, {}).get("status") in ("paid", "failed")]
    result = {"acked": len(acked), "acked_present": sum(1 for k in acked if k in state and not state[k]["status"].startswith("GET")),
              "acked_at_sim": sum(1 for k in acked if k in sim), "sim_charges": sum(1 for k in sim if k[0] == "topup"),
              "sim_payouts": sum(1 for k in sim if k[0] == "withdrawal"), "unacked_at_sim": sum(1 for k in sim if k not in acked),
              "combos": dict(combos), "disagreeing": bad, "final_after": time.time(), "not_final": len(todo),
              "withdrawal_final_s": lat, "problems": problems,
              "withdrawal_final_at": {k[1]: state[k]["updated_at"] for k in acked
                                      if k[0] == "withdrawal" and state.get(k, {}).get("status") in ("paid", "failed")},
              "last_final": max((state[k].get("updated_at", 0) for k in acked if k in state), default=None),
              "payout_created": {k[1]: sim[k]["created"] for k in acked if k[0] == "withdrawal" and k in sim},
              "charge_created": {k[1]: sim[k]["created"] for k in acked if k[0] == "topup" and k in sim}}
    if todo:
        problems.append(f"{len(todo)} operations not final after {timeout} s")
    json.dump(result, open(os.path.join(d, "check.json"), "w"))
    print(f"check: {len(problems)} problems" + "".join("\n  " + p for p in problems))
    sys.exit(1 if problems else 0)


def events(d):
    ev = collections.OrderedDict()
    for line in open(os.path.join(d, "events.log")):
        parts = line.split()
        ev.setdefault(parts[1], []).append((float(parts[0]), dict(p.split("=", 1) for p in parts[2:] if "=" in p)))
    return ev


def report(d):
    ev = events(d)
    first = lambda name: ev[name][0][0] if name in ev else None  # noqa: E731
    down, up = first("sim_down"), first("sim_up")
    drained, end = first("drained"), first("checked") or time.time()
    phases = [("baseline", 0, down), ("outage", down, up), ("drain", up, drained or end), ("after", drained or end, 1e12)]
    phase_of = lambda t: next((p for p, a, b in phases if a <= t < b), "after")  # noqa: E731
    cfg = ev["config"][0][1]
    print(f"processor-outage: {cfg.get('accounts')} accounts, {cfg.get('rate')} requests/s for {cfg.get('load_seconds')} s,"
          f" simulator down {up - down:.0f} s, kill -9 of escrowd: {cfg.get('kill9')}, --reconcile-every {cfg.get('reconcile_every')}")
    loadr = jsonl(os.path.join(d, "load.jsonl"))
    answers = collections.Counter(f"{r['status'] or 'no answer'}{' ' + r['error'] if r.get('error') else ''}" for r in loadr)
    lat = [r["lat"] * 1000 for r in loadr if r["status"] == 202]
    print(f"  load during the outage: {len(loadr)} requests: " + ", ".join(f"{k} x{v}" for k, v in answers.most_common())
          + f"; 202 latency p50 {fmt(pct(lat, 50))} / p99 {fmt(pct(lat, 99))} ms")
    for when, _ in ev.get("kill9_escrowd", []):
        ready = next((t for t, _ in ev.get("escrowd_ready", []) if t > when), None)
        print(f"  escrowd kill -9 at {phase_of(when)} +{when - (up if when >= up else down):.0f} s, ready again after "
              f"{fmt(ready - when if ready else None, 2)} s")
    mon = [r for r in jsonl(os.path.join(d, "monitor.jsonl")) if "m" in r]
    up_info = ev["sim_up"][0][1]
    print(f"  backlog at the simulator's return: outbox depth {up_info.get('depth')}, parked (awaiting reconciliation) "
          f"{up_info.get('awaiting')}; peak parked {max((r['m'].get('awaiting', 0) for r in mon), default=0):.0f}")
    dr = ev.get("drained", [(None, {})])[0]
    if drained:
        print(f"  drain: outbox depth 0 after {drained - up:.0f} s ({float(up_info.get('depth') or 0) / max(drained - up, 1):.0f} rows/s)")
    else:
        print(f"  drain: outbox depth NOT 0 after {dr[1].get('timeout', '?')} s")
    pz = first("parked_final")
    print("  parked operations: " + (f"all final {pz - up:.0f} s after the simulator's return" if pz else
          "none parked during the outage" if float(up_info.get("awaiting") or 0) == 0 and not any(
              r["m"].get("awaiting", 0) for r in mon if r["t"] >= up) else "NOT all final"))
    ck = json.load(open(os.path.join(d, "check.json"))) if os.path.exists(os.path.join(d, "check.json")) else {}
    if ck and up and ck.get("last_final"):
        print(f"  every acknowledged operation final {ck['last_final'] - up:.0f} s after the simulator's return"
              f" (their latest updated_at; the check saw them all final at +{ck['final_after'] - up:.0f} s)")
    recs = jsonl(os.path.join(d, "recon.jsonl"))
    for ph in ("outage", "drain", "after"):
        rs = [r for r in recs if phase_of(r["t"]) == ph]
        if rs:
            st = collections.Counter(str(r["s"]) + (" " + r["error"] if r.get("error") else "") for r in rs)
            ls = [r["lat"] for r in rs]
            objs = max((r.get("processor_objects_checked") or 0 for r in rs), default=0)
            print(f"  GET /v1/reconciliation, {ph}: {len(rs)} calls, " + ", ".join(f"{k} x{v}" for k, v in st.items())
                  + f"; {fmt(min(ls), 3)} / {fmt(pct(ls, 50), 3)} / {fmt(max(ls), 3)} s (min / p50 / max); up to {objs} objects listed")
    runs, prev = collections.Counter(), {}
    for r in mon:
        for k, v in r["m"].items():
            if k.startswith(("runs_total", "repairs_total")):
                inc = v - prev.get(k, 0) if v >= prev.get(k, 0) else v  # a restart resets the counters
                if inc > 0 and r["t"] >= up:
                    runs[k] += inc
                prev[k] = v
    print("  background reconciliation after the simulator's return: " + (", ".join(
        f"{k.replace('_total', '')} {v:.0f}" for k, v in sorted(runs.items())) or "no run finished"))
    pr = jsonl(os.path.join(d, "probe.jsonl"))
    for ph in ("baseline", "outage", "drain"):
        parts = []
        for group, eps in (("reads", ("get_account", "get_task")), ("writes", ("create_task_funded", "submit", "approve"))):
            xs = [r["lat"] * 1000 for r in pr if r["ep"] in eps and phase_of(r["t"]) == ph]
            errs = collections.Counter(r["s"] for r in pr if r["ep"] in eps and phase_of(r["t"]) == ph and r["s"] not in (200, 201))
            parts.append(f"{group} p50 {fmt(pct(xs, 50))} / p99 {fmt(pct(xs, 99))} ms (n={len(xs)}"
                         + (", not 2xx: " + ", ".join(f"{k} x{v}" for k, v in errs.items()) if errs else "") + ")")
        print(f"  probe, {ph}: " + "; ".join(parts))
    rss = [r["rss_mb"] for r in jsonl(os.path.join(d, "monitor.jsonl")) if "rss_mb" in r]
    if rss:
        print(f"  escrowd resident memory: {min(rss):.0f} - {max(rss):.0f} MB")
    if ck:
        asked = {r["id"]: r["t"] for r in loadr if r.get("id")}
        for name, key in (("payouts", "payout_created"), ("charges", "charge_created")):
            xs = [c - up for i, c in ck[key].items() if asked.get(i, up) < up]
            print(f"  {name} of the outage's operations created after the simulator's return: p50 / p90 / max "
                  f"{fmt(pct(xs, 50), 0)} / {fmt(pct(xs, 90), 0)} / {fmt(max(xs) if xs else None, 0)} s (n={len(xs)})")
        xs = [f - up for i, f in ck.get("withdrawal_final_at", {}).items() if asked.get(i, up) < up]
        print(f"  withdrawals of the outage, final in escrowd after the simulator's return (updated_at): p50 / p90 / max "
              f"{fmt(pct(xs, 50), 0)} / {fmt(pct(xs, 90), 0)} / {fmt(max(xs) if xs else None, 0)} s (n={len(xs)})")
        w = ck["withdrawal_final_s"]
        print(f"  withdrawals, asked to final in escrowd (updated_at - created_at): p50 / p90 / max "
              f"{fmt(pct(w, 50), 0)} / {fmt(pct(w, 90), 0)} / {fmt(max(w) if w else None, 0)} s (n={len(w)})")
        print(f"  simulator: {ck['sim_charges']} charges, {ck['sim_payouts']} payouts; acknowledged (202) {ck['acked']}, "
              f"in escrowd {ck['acked_present']}, at the simulator {ck['acked_at_sim']}; simulator objects not acknowledged "
              f"by a 202 (setup, answers lost to a kill) {ck['unacked_at_sim']}; not final {ck['not_final']}")
        print("  final states (escrowd / simulator): " + ", ".join(f"{k} x{v}" for k, v in sorted(ck["combos"].items())))
    fr = ev.get("final_reconciliation", [(0, {})])[0][1]
    print(f"  GET /v1/reconciliation at the end: {' '.join(f'{k}={v}' for k, v in fr.items())}")
    vr = ev.get("verify", [(0, {})])[0][1]
    out = open(os.path.join(d, "verify.out")).readline().strip() if os.path.exists(os.path.join(d, "verify.out")) else ""
    print(f"  escrowd verify after a SIGTERM: exit {vr.get('rc', '?')}: {out}")
    lines = collections.Counter()
    for path in sorted(p for p in os.listdir(d) if p.startswith("escrowd.log")):
        for line in open(os.path.join(d, path), errors="replace"):
            try:
                j = json.loads(line)
            except ValueError:
                continue
            if j.get("level") in ("warn", "warning", "error"):
                lines[f"{j['level']} {j.get('message')}" + (f" {j.get('route')} {j.get('status')}" if j.get("route") else "")] += 1
    print("  escrowd log, warnings and errors: " + (", ".join(f"{k} x{v}" for k, v in lines.most_common(8)) or "none"))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "setup":
        setup(int(args[0]), args[1], int(args[2]))
    elif cmd == "load":
        load(int(args[0]), args[1], float(args[2]), float(args[3]), int(args[4]))
    elif cmd == "probe":
        probe(int(args[0]), args[1])
    elif cmd == "recon":
        recon(int(args[0]), args[1], float(args[2]))
    elif cmd == "monitor":
        monitor(int(args[0]), args[1])
    elif cmd == "check":
        check(int(args[0]), int(args[1]), args[2], float(args[3]))
    elif cmd == "report":
        report(args[0])
    elif cmd == "metric":  # metric PORT NAME: one value for the driver, empty if unreachable
        try:
            value = scrape(int(args[0])).get(args[1])
            print("" if value is None else f"{value:.0f}")
        except (OSError, ValueError):
            print("")
    else:
        sys.exit(f"unknown command {cmd}")
