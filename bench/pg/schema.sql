-- The PostgreSQL baseline of issue 8: the escrow story as a team would build it on
-- PostgreSQL 15 instead of escrowd, with the same guarantees:
--   * durable commits: the cluster runs with fsync=on and synchronous_commit=on (bench/compare
--     sets both explicitly), so a call returns only after its WAL record is flushed;
--   * balances never go negative under concurrency: CHECK constraints on every balance, row
--     locks (SELECT ... FOR UPDATE, or a conditional UPDATE) before every debit, accounts
--     locked in id order where a transaction credits two;
--   * idempotency: a key table written in the same transaction as the effect; a replay returns
--     the stored status and body; a different request under the same key gets 422; a
--     concurrent duplicate waits on the key's unique index (escrowd answers it 409 instead);
--   * double entry: every money movement is one journal entry whose legs sum to zero, written
--     in the same transaction; balances are checked against the journal by api_verify_ledger.
-- Each API operation is one PL/pgSQL function answering (status, body) like the HTTP API, so
-- the load generator (bench/loadgen/pg_driver.cpp) makes one round trip per operation.
--
-- What the baseline is spared, which favours it: no HTTP, no JSON request parsing, no key
-- hashing or authentication (the principal's name is passed in: 'admin', 'arbiter' or an
-- account id), no processor: top-ups succeed at once and withdrawals stay pending (escrowd
-- calls its processor and settles on webhooks), and task answers carry no history array.
--
-- Books of the journal: 'acct:<id>:available', 'acct:<id>:pending_withdrawal',
-- 'task:<id>:escrow' and 'processor_clearing:<currency>'. Load into a fresh database.

SET client_min_messages = warning;

CREATE TABLE accounts (
  id                 text PRIMARY KEY,
  currency           text NOT NULL,
  available          bigint NOT NULL DEFAULT 0 CHECK (available >= 0),
  pending_withdrawal bigint NOT NULL DEFAULT 0 CHECK (pending_withdrawal >= 0),
  created_at         bigint NOT NULL
);

CREATE TABLE tasks (
  id            text PRIMARY KEY,
  payer         text NOT NULL REFERENCES accounts (id),
  worker        text REFERENCES accounts (id),
  amount        bigint NOT NULL CHECK (amount > 0),
  currency      text NOT NULL,
  state         text NOT NULL,
  worker_amount bigint,
  history_count integer NOT NULL,
  created_at    bigint NOT NULL,
  updated_at    bigint NOT NULL
);
-- An account's `escrowed` is the sum of its funded, unsettled tasks (api.md).
CREATE INDEX tasks_escrowed_by_payer ON tasks (payer)
  WHERE state IN ('funded', 'submitted', 'disputed');

CREATE TABLE task_history (
  task_id text NOT NULL,
  seq     integer NOT NULL,
  state   text NOT NULL,
  actor   text NOT NULL,
  at      bigint NOT NULL,
  PRIMARY KEY (task_id, seq)
);

CREATE TABLE journal_entries (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind       text NOT NULL,
  reference  text NOT NULL,
  created_at bigint NOT NULL
);

CREATE TABLE journal_legs (
  entry_id bigint NOT NULL REFERENCES journal_entries (id),
  book     text NOT NULL,
  currency text NOT NULL,
  amount   bigint NOT NULL CHECK (amount <> 0)
);
-- GET /v1/accounts/{id}/entries reads an account's legs by book.
CREATE INDEX journal_legs_by_book ON journal_legs (book);

CREATE TABLE idempotency_keys (
  principal   text NOT NULL,
  key         text NOT NULL,
  endpoint    text NOT NULL,
  fingerprint bytea NOT NULL,
  status      integer,
  body        text,
  created_at  bigint NOT NULL,
  PRIMARY KEY (principal, key)
);

CREATE TABLE topups (
  id         text PRIMARY KEY,
  account    text NOT NULL REFERENCES accounts (id),
  amount     bigint NOT NULL CHECK (amount > 0),
  status     text NOT NULL,
  created_at bigint NOT NULL
);

CREATE TABLE withdrawals (
  id          text PRIMARY KEY,
  account     text NOT NULL REFERENCES accounts (id),
  amount      bigint NOT NULL CHECK (amount > 0),
  destination text NOT NULL,
  status      text NOT NULL,
  created_at  bigint NOT NULL
);

CREATE SEQUENCE object_ids;

-- Helpers -----------------------------------------------------------------------------------

CREATE FUNCTION now_s() RETURNS bigint LANGUAGE sql STABLE AS
$$ SELECT extract(epoch FROM now())::bigint $$;

CREATE FUNCTION error_body(p_type text, p_code text, p_message text) RETURNS text
LANGUAGE sql IMMUTABLE AS
$$ SELECT json_build_object('error',
     json_build_object('type', p_type, 'code', p_code, 'message', p_message))::text $$;

CREATE FUNCTION fingerprint(p_parts text[]) RETURNS bytea LANGUAGE sql IMMUTABLE AS
$$ SELECT sha256(convert_to(array_to_string(p_parts, '|', ''), 'UTF8')) $$;

-- One balanced journal entry.
CREATE FUNCTION post_entry(p_kind text, p_reference text, p_books text[], p_amounts bigint[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_entry bigint;
BEGIN
  ASSERT (SELECT sum(a) FROM unnest(p_amounts) AS a) = 0, 'unbalanced entry ' || p_reference;
  INSERT INTO journal_entries (kind, reference, created_at)
    VALUES (p_kind, p_reference, now_s()) RETURNING id INTO v_entry;
  INSERT INTO journal_legs (entry_id, book, currency, amount)
    SELECT v_entry, b, 'usd', a FROM unnest(p_books, p_amounts) AS legs (b, a) WHERE a <> 0;
END $$;

-- Claims (principal, key) for this request inside the caller's transaction. o_status NULL:
-- the key is new and now ours until commit. Otherwise the answer to return: the stored one,
-- or 422 when the key was used for another request. A concurrent holder of the key makes
-- the INSERT wait for its commit (the unique index), after which its answer is read.
CREATE FUNCTION idempotency_claim(p_principal text, p_key text, p_endpoint text,
                                  p_fingerprint bytea, OUT o_status integer, OUT o_body text)
LANGUAGE plpgsql AS $$
DECLARE
  v_row idempotency_keys%ROWTYPE;
BEGIN
  INSERT INTO idempotency_keys (principal, key, endpoint, fingerprint, created_at)
    VALUES (p_principal, p_key, p_endpoint, p_fingerprint, now_s())
    ON CONFLICT DO NOTHING;
  IF FOUND THEN
    RETURN;
  END IF;
  SELECT * INTO v_row FROM idempotency_keys WHERE principal = p_principal AND key = p_key;
  IF v_row.endpoint <> p_endpoint OR v_row.fingerprint <> p_fingerprint THEN
    o_status := 422;
    o_body := error_body('idempotency_error', 'idempotency_key_reused',
                         'This key was used for a different request.');
    RETURN;
  END IF;
  o_status := v_row.status;
  o_body := v_row.body;
END $$;

CREATE FUNCTION idempotency_store(p_principal text, p_key text, p_status integer, p_body text)
RETURNS void LANGUAGE sql AS $$
  UPDATE idempotency_keys SET status = p_status, body = p_body
  WHERE principal = p_principal AND key = p_key
$$;

CREATE FUNCTION account_json(p_id text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT json_build_object(
    'id', a.id, 'object', 'account', 'currency', a.currency, 'available', a.available,
    'escrowed', (SELECT coalesce(sum(t.amount), 0) FROM tasks t
                 WHERE t.payer = a.id AND t.state IN ('funded', 'submitted', 'disputed')),
    'pending_withdrawal', a.pending_withdrawal, 'pending_topup', 0,
    'created_at', a.created_at)::text
  FROM accounts a WHERE a.id = p_id
$$;

CREATE FUNCTION task_json(t tasks) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT json_build_object(
    'id', t.id, 'object', 'task', 'payer', t.payer, 'worker', t.worker, 'amount', t.amount,
    'currency', t.currency, 'state', t.state, 'worker_amount', t.worker_amount,
    'created_at', t.created_at, 'updated_at', t.updated_at)::text
$$;

CREATE FUNCTION forbidden() RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT error_body('permission_error', 'permission_denied', 'Not allowed for this key.') $$;

CREATE FUNCTION not_found() RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT error_body('invalid_request_error', 'not_found', 'No such object.') $$;

CREATE FUNCTION insufficient_funds() RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT error_body('invalid_request_error', 'insufficient_funds', 'Not enough available.') $$;

-- Accounts ----------------------------------------------------------------------------------

CREATE FUNCTION api_create_account(p_principal text, p_key text, p_id text, p_currency text,
                                   OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
BEGIN
  IF p_principal <> 'admin' THEN
    status := 403; body := forbidden(); RETURN;
  END IF;
  SELECT c.o_status, c.o_body INTO status, body
    FROM idempotency_claim(p_principal, p_key, 'POST /v1/accounts',
                           fingerprint(ARRAY[p_id, p_currency])) c;
  IF status IS NOT NULL THEN RETURN; END IF;
  INSERT INTO accounts (id, currency, created_at) VALUES (p_id, p_currency, now_s())
    ON CONFLICT DO NOTHING;
  IF FOUND THEN
    status := 201; body := account_json(p_id);
  ELSE
    status := 409;
    body := error_body('invalid_request_error', 'already_exists', 'The id is taken.');
  END IF;
  PERFORM idempotency_store(p_principal, p_key, status, body);
END $$;

CREATE FUNCTION api_get_account(p_principal text, p_id text, OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
BEGIN
  IF p_principal NOT IN ('admin', 'arbiter', p_id) THEN
    status := 404; body := not_found(); RETURN;
  END IF;
  body := account_json(p_id);
  status := CASE WHEN body IS NULL THEN 404 ELSE 200 END;
  IF body IS NULL THEN body := not_found(); END IF;
END $$;

-- Money in and out --------------------------------------------------------------------------

-- A top-up: no processor here, so it succeeds at once (escrowd answers 202 pending and
-- settles on the processor's webhook).
CREATE FUNCTION api_topup(p_principal text, p_key text, p_account text, p_amount bigint,
                          OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
  v_id text;
BEGIN
  IF p_principal NOT IN ('admin', p_account) THEN
    status := 404; body := not_found(); RETURN;
  END IF;
  SELECT c.o_status, c.o_body INTO status, body
    FROM idempotency_claim(p_principal, p_key, 'POST /v1/accounts/{id}/topups',
                           fingerprint(ARRAY[p_account, p_amount::text])) c;
  IF status IS NOT NULL THEN RETURN; END IF;
  UPDATE accounts SET available = available + p_amount WHERE id = p_account;
  IF NOT FOUND THEN
    status := 404; body := not_found();
  ELSE
    v_id := 'top_' || nextval('object_ids');
    INSERT INTO topups (id, account, amount, status, created_at)
      VALUES (v_id, p_account, p_amount, 'succeeded', now_s());
    PERFORM post_entry('topup', v_id,
                       ARRAY['processor_clearing:usd', 'acct:' || p_account || ':available'],
                       ARRAY[-p_amount, p_amount]);
    status := 202;
    body := json_build_object('id', v_id, 'object', 'topup', 'account', p_account,
                              'amount', p_amount, 'currency', 'usd', 'status', 'succeeded',
                              'created_at', now_s())::text;
  END IF;
  PERFORM idempotency_store(p_principal, p_key, status, body);
END $$;

-- A withdrawal: the hold (available -> pending_withdrawal), as escrowd does at once; with no
-- processor it stays pending.
CREATE FUNCTION api_withdraw(p_principal text, p_key text, p_account text, p_amount bigint,
                             OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
  v_id text;
BEGIN
  IF p_principal NOT IN ('admin', p_account) THEN
    status := 404; body := not_found(); RETURN;
  END IF;
  SELECT c.o_status, c.o_body INTO status, body
    FROM idempotency_claim(p_principal, p_key, 'POST /v1/accounts/{id}/withdrawals',
                           fingerprint(ARRAY[p_account, p_amount::text])) c;
  IF status IS NOT NULL THEN RETURN; END IF;
  UPDATE accounts
    SET available = available - p_amount, pending_withdrawal = pending_withdrawal + p_amount
    WHERE id = p_account AND available >= p_amount;
  IF NOT FOUND THEN
    IF EXISTS (SELECT 1 FROM accounts WHERE id = p_account) THEN
      status := 409; body := insufficient_funds();
    ELSE
      status := 404; body := not_found();
    END IF;
  ELSE
    v_id := 'wd_' || nextval('object_ids');
    INSERT INTO withdrawals (id, account, amount, destination, status, created_at)
      VALUES (v_id, p_account, p_amount, 'ba_default', 'pending', now_s());
    PERFORM post_entry('withdrawal_hold', v_id,
                       ARRAY['acct:' || p_account || ':available',
                             'acct:' || p_account || ':pending_withdrawal'],
                       ARRAY[-p_amount, p_amount]);
    status := 202;
    body := json_build_object('id', v_id, 'object', 'withdrawal', 'account', p_account,
                              'amount', p_amount, 'currency', 'usd', 'status', 'pending',
                              'created_at', now_s())::text;
  END IF;
  PERFORM idempotency_store(p_principal, p_key, status, body);
END $$;

CREATE FUNCTION api_get_topup(p_principal text, p_id text, OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
  v topups%ROWTYPE;
BEGIN
  SELECT * INTO v FROM topups WHERE id = p_id;
  IF NOT FOUND OR p_principal NOT IN ('admin', 'arbiter', v.account) THEN
    status := 404; body := not_found(); RETURN;
  END IF;
  status := 200;
  body := json_build_object('id', v.id, 'object', 'topup', 'account', v.account,
                            'amount', v.amount, 'currency', 'usd', 'status', v.status,
                            'created_at', v.created_at)::text;
END $$;

CREATE FUNCTION api_get_withdrawal(p_principal text, p_id text,
                                   OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
  v withdrawals%ROWTYPE;
BEGIN
  SELECT * INTO v FROM withdrawals WHERE id = p_id;
  IF NOT FOUND OR p_principal NOT IN ('admin', 'arbiter', v.account) THEN
    status := 404; body := not_found(); RETURN;
  END IF;
  status := 200;
  body := json_build_object('id', v.id, 'object', 'withdrawal', 'account', v.account,
                            'amount', v.amount, 'currency', 'usd', 'status', v.status,
                            'created_at', v.created_at)::text;
END $$;

-- Tasks -------------------------------------------------------------------------------------

CREATE FUNCTION api_create_task(p_principal text, p_key text, p_id text, p_payer text,
                                p_worker text, p_amount bigint, p_currency text,
                                p_fund boolean, OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
  v_available bigint;
  v_task tasks%ROWTYPE;
BEGIN
  IF p_principal NOT IN ('admin', p_payer) THEN
    status := 403; body := forbidden(); RETURN;
  END IF;
  SELECT c.o_status, c.o_body INTO status, body
    FROM idempotency_claim(p_principal, p_key, 'POST /v1/tasks',
                           fingerprint(ARRAY[p_id, p_payer, p_worker, p_amount::text,
                                             p_currency, p_fund::text])) c;
  IF status IS NOT NULL THEN RETURN; END IF;
  -- The payer's row lock serializes every debit of its balance.
  SELECT available INTO v_available FROM accounts WHERE id = p_payer FOR UPDATE;
  IF NOT FOUND THEN
    status := 404; body := not_found();
  ELSIF p_fund AND v_available < p_amount THEN
    status := 409; body := insufficient_funds();
  ELSE
    INSERT INTO tasks (id, payer, worker, amount, currency, state, history_count, created_at,
                       updated_at)
      VALUES (p_id, p_payer, nullif(p_worker, ''), p_amount, p_currency,
              CASE WHEN p_fund THEN 'funded' ELSE 'open' END, 1, now_s(), now_s())
      ON CONFLICT DO NOTHING
      RETURNING * INTO v_task;
    IF v_task.id IS NULL THEN
      status := 409;
      body := error_body('invalid_request_error', 'already_exists', 'The id is taken.');
    ELSE
      INSERT INTO task_history (task_id, seq, state, actor, at)
        VALUES (p_id, 1, v_task.state, p_principal, now_s());
      IF p_fund THEN
        UPDATE accounts SET available = available - p_amount WHERE id = p_payer;
        PERFORM post_entry('fund', p_id,
                           ARRAY['acct:' || p_payer || ':available', 'task:' || p_id || ':escrow'],
                           ARRAY[-p_amount, p_amount]);
      END IF;
      status := 201; body := task_json(v_task);
    END IF;
  END IF;
  PERFORM idempotency_store(p_principal, p_key, status, body);
END $$;

-- Credits two accounts in id order, so two transactions crediting the same pair never
-- deadlock.
CREATE FUNCTION credit_pair(p_first text, p_first_amount bigint, p_second text,
                            p_second_amount bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_second < p_first THEN
    PERFORM credit_pair(p_second, p_second_amount, p_first, p_first_amount);
    RETURN;
  END IF;
  IF p_first_amount <> 0 THEN
    UPDATE accounts SET available = available + p_first_amount WHERE id = p_first;
  END IF;
  IF p_second_amount <> 0 THEN
    UPDATE accounts SET available = available + p_second_amount WHERE id = p_second;
  END IF;
END $$;

-- fund, submit, approve, dispute, resolve (p_worker_amount to the worker, the rest back to
-- the payer) and cancel.
CREATE FUNCTION api_task_transition(p_principal text, p_key text, p_id text, p_action text,
                                    p_worker_amount bigint, OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
  v_task tasks%ROWTYPE;
  v_target text;
  v_from text[];
  v_allowed text[];
  v_escrow text := 'task:' || p_id || ':escrow';
BEGIN
  -- Authorization reads the task without a lock: payer and worker never change here.
  SELECT * INTO v_task FROM tasks WHERE id = p_id;
  IF NOT FOUND THEN
    status := 404; body := not_found(); RETURN;
  END IF;
  v_allowed := CASE p_action
    WHEN 'submit' THEN ARRAY['admin', v_task.worker]
    WHEN 'resolve' THEN ARRAY['admin', 'arbiter']
    ELSE ARRAY['admin', v_task.payer] END;
  IF NOT coalesce(p_principal = ANY (v_allowed), false) THEN
    status := 403; body := forbidden(); RETURN;
  END IF;
  IF p_action = 'resolve' AND (p_worker_amount < 0 OR p_worker_amount > v_task.amount) THEN
    status := 400;
    body := error_body('invalid_request_error', 'parameter_invalid', 'worker_amount');
    RETURN;
  END IF;
  SELECT c.o_status, c.o_body INTO status, body
    FROM idempotency_claim(p_principal, p_key, 'POST /v1/tasks/{id}/' || p_action,
                           fingerprint(ARRAY[p_id, p_worker_amount::text])) c;
  IF status IS NOT NULL THEN RETURN; END IF;

  SELECT * INTO v_task FROM tasks WHERE id = p_id FOR UPDATE;
  v_target := CASE p_action WHEN 'fund' THEN 'funded' WHEN 'submit' THEN 'submitted'
    WHEN 'approve' THEN 'released' WHEN 'dispute' THEN 'disputed'
    WHEN 'resolve' THEN 'resolved' WHEN 'cancel' THEN 'cancelled' END;
  v_from := CASE p_action WHEN 'fund' THEN ARRAY['open'] WHEN 'submit' THEN ARRAY['funded']
    WHEN 'approve' THEN ARRAY['submitted'] WHEN 'dispute' THEN ARRAY['submitted']
    WHEN 'resolve' THEN ARRAY['disputed'] WHEN 'cancel' THEN ARRAY['open', 'funded'] END;

  IF v_task.state = v_target THEN
    -- Natural idempotency: the transition that made the state, repeated, moves nothing.
    status := 200; body := task_json(v_task);
  ELSIF NOT v_task.state = ANY (v_from) THEN
    status := 409;
    body := error_body('invalid_request_error', 'invalid_state_transition',
                       'Cannot ' || p_action || ' a ' || v_task.state || ' task.');
  ELSE
    status := 200;
    IF p_action = 'fund' THEN
      UPDATE accounts SET available = available - v_task.amount
        WHERE id = v_task.payer AND available >= v_task.amount;
      IF NOT FOUND THEN
        status := 409; body := insufficient_funds();
      ELSE
        PERFORM post_entry('fund', p_id, ARRAY['acct:' || v_task.payer || ':available', v_escrow],
                           ARRAY[-v_task.amount, v_task.amount]);
      END IF;
    ELSIF p_action = 'approve' THEN
      UPDATE accounts SET available = available + v_task.amount WHERE id = v_task.worker;
      PERFORM post_entry('release', p_id, ARRAY[v_escrow, 'acct:' || v_task.worker || ':available'],
                         ARRAY[-v_task.amount, v_task.amount]);
    ELSIF p_action = 'resolve' THEN
      PERFORM credit_pair(v_task.worker, p_worker_amount, v_task.payer,
                          v_task.amount - p_worker_amount);
      PERFORM post_entry('resolve', p_id,
                         ARRAY[v_escrow, 'acct:' || v_task.worker || ':available',
                               'acct:' || v_task.payer || ':available'],
                         ARRAY[-v_task.amount, p_worker_amount, v_task.amount - p_worker_amount]);
    ELSIF p_action = 'cancel' AND v_task.state = 'funded' THEN
      UPDATE accounts SET available = available + v_task.amount WHERE id = v_task.payer;
      PERFORM post_entry('refund', p_id, ARRAY[v_escrow, 'acct:' || v_task.payer || ':available'],
                         ARRAY[-v_task.amount, v_task.amount]);
    END IF;
    IF status = 200 THEN
      UPDATE tasks SET state = v_target, updated_at = now_s(),
                       history_count = history_count + 1,
                       worker_amount = CASE WHEN p_action = 'resolve' THEN p_worker_amount
                                            ELSE worker_amount END
        WHERE id = p_id RETURNING * INTO v_task;
      INSERT INTO task_history (task_id, seq, state, actor, at)
        VALUES (p_id, v_task.history_count, v_target, p_principal, now_s());
      body := task_json(v_task);
    END IF;
  END IF;
  PERFORM idempotency_store(p_principal, p_key, status, body);
END $$;

CREATE FUNCTION api_get_task(p_principal text, p_id text, OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
  v_task tasks%ROWTYPE;
BEGIN
  SELECT * INTO v_task FROM tasks WHERE id = p_id;
  IF NOT FOUND OR NOT coalesce(p_principal = ANY (ARRAY['admin', 'arbiter', v_task.payer,
                                                        v_task.worker]), false) THEN
    status := 404; body := not_found(); RETURN;
  END IF;
  status := 200; body := task_json(v_task);
END $$;

-- Audit -------------------------------------------------------------------------------------

-- Recomputes every balance from the journal: each entry sums to zero, each account's
-- available and pending_withdrawal equal the sums of their books, each task's escrow book
-- holds its amount exactly while the task is funded and unsettled, and nothing otherwise.
CREATE FUNCTION api_verify_ledger(p_principal text, OUT status integer, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
  v_problems text[];
  v_accounts bigint;
  v_entries bigint;
BEGIN
  IF p_principal <> 'admin' THEN
    status := 403; body := forbidden(); RETURN;
  END IF;
  CREATE TEMP TABLE book_sums ON COMMIT DROP AS
    SELECT book, sum(amount) AS total FROM journal_legs GROUP BY book;
  CREATE INDEX ON book_sums (book);
  SELECT array_agg(problem) INTO v_problems FROM (
    (SELECT 'entry ' || entry_id || ' sums to ' || sum(amount) AS problem
       FROM journal_legs GROUP BY entry_id HAVING sum(amount) <> 0 LIMIT 20)
    UNION ALL
    (SELECT 'account ' || a.id || ' available ' || a.available || ' journal '
            || coalesce(s.total, 0)
       FROM accounts a LEFT JOIN book_sums s ON s.book = 'acct:' || a.id || ':available'
      WHERE a.available <> coalesce(s.total, 0) LIMIT 20)
    UNION ALL
    (SELECT 'account ' || a.id || ' pending_withdrawal ' || a.pending_withdrawal || ' journal '
            || coalesce(s.total, 0)
       FROM accounts a LEFT JOIN book_sums s ON s.book = 'acct:' || a.id || ':pending_withdrawal'
      WHERE a.pending_withdrawal <> coalesce(s.total, 0) LIMIT 20)
    UNION ALL
    (SELECT 'task ' || t.id || ' (' || t.state || ') escrow ' || coalesce(s.total, 0)
       FROM tasks t LEFT JOIN book_sums s ON s.book = 'task:' || t.id || ':escrow'
      WHERE coalesce(s.total, 0) <> CASE WHEN t.state IN ('funded', 'submitted', 'disputed')
                                         THEN t.amount ELSE 0 END LIMIT 20)
  ) found;
  SELECT count(*) INTO v_accounts FROM accounts;
  SELECT count(*) INTO v_entries FROM journal_entries;
  status := 200;
  body := json_build_object('ok', v_problems IS NULL, 'accounts_checked', v_accounts,
                            'entries_checked', v_entries,
                            'problems', coalesce(to_json(v_problems), '[]'::json))::text;
END $$;
