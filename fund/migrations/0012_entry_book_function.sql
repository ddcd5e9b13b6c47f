-- fund_entries_book: a small booking (a few entries) done by the server in one call.
--
-- The service validates the input, encodes each entry's content and its digest, and calls
-- this function once. The function answers retries, reserves entry ids and inserts the
-- postings before it takes any lock; then it takes the chain-head lock, then the accounts'
-- locks in id order (decision 012), and either writes everything or answers why it wrote
-- nothing (a refusal under the locks leaves the inner block, which undoes the postings).
-- Its statements keep generic plans for the session, and in autocommit the call is its own
-- transaction: the head lock is held for the rest of this call and the commit, not for
-- several round trips (decision 019). Same rules as the service's Python path; the ledger's
-- property test runs on both.
--
-- Input: one element per entry in the entry arrays; one element per posting in the posting
-- arrays, p_entry naming the entry (1-based) it belongs to, in the entry's posting order.
-- Answer rows, by tag:
--   known      pos = entry, id = the entry already booked under that key with that digest
--   conflict   pos = entry whose key was booked with another digest (nothing written)
--   no_account pos = entry, n = posting index (0-based) naming no account (nothing written)
--   overdraft  pos = entry, n = posting index, amount = balance before it, detail kind:key
--   entry      pos = entry, id, seq, prev_hash, hash of the new entry
--   balance    id = account, amount = its balance after the booking
--   retry      a key was booked by another transaction while this one waited for the head:
--              nothing written; calling again answers known or conflict
CREATE OR REPLACE FUNCTION fund_entries_book(
  p_keys text[], p_kinds text[], p_funds bigint[], p_times timestamptz[], p_memos text[],
  p_data text[], p_digests text[], p_contents text[], p_created timestamptz,
  p_entry int[], p_accounts bigint[], p_amounts numeric[]
) RETURNS TABLE (r_tag text, r_pos int, r_n int, r_id bigint, r_seq bigint, r_prev text,
                 r_hash text, r_amount numeric, r_detail text) AS $$
DECLARE
  known_pos int[] := '{}';
  bad record;
  tip_seq bigint;
  tip_hash text;
  ids bigint[] := '{}';
  seqs bigint[] := '{}';
  prevs text[] := '{}';
  links text[] := '{}';
  -- the locked accounts, in id order
  a_id bigint[];
  a_balance numeric[];
  a_protected boolean[];
  a_kind text[];
  a_key text[];
  a_fund bigint[];
  a_asset bigint[];
  -- the new postings in booking order: entry, account (index into a_*), amount, balance after
  q_entry int[];
  q_at int[];
  q_amount numeric[];
  q_after numeric[];
  -- each touched account and its balance after the booking
  b_id bigint[];
  b_balance numeric[];
  -- what each new entry did to each fund
  m_fund bigint[];
  m_entry int[];
  m_change numeric[];
  m_after numeric[];
  m_in numeric[];
  m_out numeric[];
  i int;
  day_move record;
  refusal record;
  refused text;
BEGIN
  -- Before any lock: retries (a key booked meanwhile by someone else surfaces as a unique
  -- violation at the entry insert, below), the accounts' assets, the new entries' ids, and
  -- the postings, which the block undoes if the booking is refused.
  FOR bad IN
    SELECT k.ord::int AS pos, e.id AS entry_id, e.digest = p_digests[k.ord] AS same
      FROM unnest(p_keys) WITH ORDINALITY AS k(key, ord) JOIN fund_entry e ON e.key = k.key
      ORDER BY k.ord
  LOOP
    IF NOT bad.same THEN
      RETURN QUERY SELECT 'conflict', bad.pos, NULL::int, NULL::bigint, NULL::bigint,
        NULL::text, NULL::text, NULL::numeric, NULL::text;
      RETURN;
    END IF;
    known_pos := known_pos || bad.pos;
    RETURN QUERY SELECT 'known', bad.pos, NULL::int, bad.entry_id, NULL::bigint, NULL::text,
      NULL::text, NULL::numeric, NULL::text;
  END LOOP;
  IF cardinality(known_pos) = cardinality(p_keys) THEN
    RETURN;
  END IF;

  SELECT array_agg(a.id ORDER BY a.id), array_agg(a.asset_id ORDER BY a.id) INTO a_id, a_asset
    FROM fund_ledgeraccount a WHERE a.id = ANY(p_accounts);
  SELECT * INTO bad FROM (
    SELECT p.e, p.ord, p.ord - MIN(p.ord) OVER (PARTITION BY p.e) AS n, p.account
      FROM unnest(p_entry, p_accounts) WITH ORDINALITY AS p(e, account, ord)
      WHERE NOT p.e = ANY(known_pos)
  ) r WHERE array_position(a_id, r.account) IS NULL ORDER BY r.ord LIMIT 1;
  IF FOUND THEN
    RETURN QUERY SELECT 'no_account', bad.e, bad.n::int, NULL::bigint, NULL::bigint,
      NULL::text, NULL::text, NULL::numeric, NULL::text;
    RETURN;
  END IF;
  FOR i IN 1 .. cardinality(p_keys) LOOP
    ids := ids || CASE WHEN i = ANY(known_pos) THEN NULL ELSE nextval('fund_entry_id_seq') END;
  END LOOP;

  BEGIN
  -- Postings first: the entry trigger checks that each new entry has its postings.
  INSERT INTO fund_posting (entry_id, account_id, asset_id, amount)
    SELECT ids[p.e], p.account, a_asset[array_position(a_id, p.account)], p.amount
      FROM unnest(p_entry, p_accounts, p_amounts) WITH ORDINALITY AS p(e, account, amount, ord)
      WHERE ids[p.e] IS NOT NULL ORDER BY p.ord;

  PERFORM 1 FROM fund_ledgerhead h WHERE h.id = 1 FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO fund_ledgerhead (id) VALUES (1) ON CONFLICT DO NOTHING;
    PERFORM 1 FROM fund_ledgerhead h WHERE h.id = 1 FOR UPDATE;
  END IF;
  SELECT array_agg(l.balance), array_agg(l.protected), array_agg(l.kind), array_agg(l.key),
         array_agg(l.fund_id)
    INTO a_balance, a_protected, a_kind, a_key, a_fund
    FROM (SELECT a.balance, a.protected, a.kind, a.key, a.fund_id
            FROM fund_ledgeraccount a WHERE a.id = ANY(a_id) ORDER BY a.id FOR UPDATE) l;

  SELECT array_agg(w.e ORDER BY w.ord), array_agg(w.at ORDER BY w.ord),
         array_agg(w.amount ORDER BY w.ord), array_agg(w.after ORDER BY w.ord)
    INTO q_entry, q_at, q_amount, q_after
    FROM (
      SELECT p.e, p.ord, p.amount, array_position(a_id, p.account) AS at,
             a_balance[array_position(a_id, p.account)]
               + SUM(p.amount) OVER (PARTITION BY p.account ORDER BY p.ord) AS after
        FROM unnest(p_entry, p_accounts, p_amounts) WITH ORDINALITY AS p(e, account, amount, ord)
        WHERE NOT p.e = ANY(known_pos)
    ) w;

  -- The first posting, in booking order, that takes a protected account below zero stops
  -- the booking: the block's end undoes the postings.
  SELECT * INTO bad FROM (
    SELECT q.e, q.ord - MIN(q.ord) OVER (PARTITION BY q.e) AS n, q.at, q.amount, q.after
      FROM unnest(q_entry, q_at, q_amount, q_after) WITH ORDINALITY AS q(e, at, amount, after, ord)
  ) r WHERE a_protected[r.at] AND r.after < 0 ORDER BY r.e, r.n LIMIT 1;
  IF FOUND THEN
    refusal := bad;
    refused := a_kind[bad.at] || ':' || a_key[bad.at];
    RAISE EXCEPTION 'refused' USING ERRCODE = 'BK001';
  END IF;

  SELECT e.seq, e.hash INTO tip_seq, tip_hash FROM fund_entry e ORDER BY e.seq DESC LIMIT 1;
  IF NOT FOUND THEN
    tip_seq := 0;
    tip_hash := repeat('0', 64);
  END IF;
  FOR i IN 1 .. cardinality(p_keys) LOOP
    IF i = ANY(known_pos) THEN
      seqs := seqs || NULL::bigint;
      prevs := prevs || NULL::text;
      links := links || NULL::text;
      CONTINUE;
    END IF;
    tip_seq := tip_seq + 1;
    seqs := seqs || tip_seq;
    prevs := prevs || tip_hash;
    tip_hash := encode(sha256(decode(tip_hash, 'hex') || convert_to(
      left(p_contents[i], -1) || ',"seq":' || tip_seq || '}', 'UTF8')), 'hex');
    links := links || tip_hash;
  END LOOP;

  INSERT INTO fund_entry (id, seq, key, kind, fund_id, event_time, created_at, memo, data,
                          digest, prev_hash, hash)
    SELECT ids[k], seqs[k], p_keys[k], p_kinds[k], p_funds[k], p_times[k], p_created,
           p_memos[k], p_data[k]::jsonb, p_digests[k], prevs[k], links[k]
      FROM generate_subscripts(p_keys, 1) AS k WHERE ids[k] IS NOT NULL ORDER BY k;
  -- Each touched account's balance after the booking: its last posting's.
  SELECT array_agg(a_id[q.at]), array_agg(q.last) INTO b_id, b_balance
    FROM (
      SELECT q.at, (array_agg(q.after ORDER BY q.ord DESC))[1] AS last
        FROM unnest(q_at, q_after) WITH ORDINALITY AS q(at, after, ord) GROUP BY q.at
    ) q;
  UPDATE fund_ledgeraccount a SET balance = d.balance
    FROM unnest(b_id, b_balance) AS d(id, balance) WHERE a.id = d.id;

  -- What each new entry did to each fund: net change, balance after, gross in and out.
  SELECT array_agg(r.fund ORDER BY r.e, r.fund), array_agg(r.e ORDER BY r.e, r.fund),
         array_agg(r.change ORDER BY r.e, r.fund), array_agg(r.after ORDER BY r.e, r.fund),
         array_agg(r.inflow ORDER BY r.e, r.fund), array_agg(r.outflow ORDER BY r.e, r.fund)
    INTO m_fund, m_entry, m_change, m_after, m_in, m_out
    FROM (
      SELECT a_fund[q.at] AS fund, q.e, SUM(q.amount) AS change,
             (array_agg(q.after ORDER BY q.ord DESC))[1] AS after,
             SUM(GREATEST(q.amount, 0)) AS inflow, SUM(GREATEST(-q.amount, 0)) AS outflow
        FROM unnest(q_entry, q_at, q_amount, q_after) WITH ORDINALITY AS q(e, at, amount, after, ord)
        WHERE a_kind[q.at] = 'fund' AND a_fund[q.at] IS NOT NULL
        GROUP BY a_fund[q.at], q.e
    ) r;

  IF m_fund IS NOT NULL THEN
    INSERT INTO fund_fundentry (fund_id, entry_id, seq, kind, event_time, change, balance_after)
      SELECT m.f, ids[m.e], seqs[m.e], p_kinds[m.e], p_times[m.e], m.c, m.a
        FROM unnest(m_fund, m_entry, m_change, m_after) AS m(f, e, c, a);
    -- Day rows in day order per fund: a day's change also moves the closing of every later
    -- day, and a new day opens from the closing of the day before it.
    FOR day_move IN
      SELECT m.f, (p_times[m.e] AT TIME ZONE 'UTC')::date AS day, SUM(m.c) AS net,
             COUNT(*) AS entries, MIN(seqs[m.e]) AS first_seq, MAX(seqs[m.e]) AS last_seq
        FROM unnest(m_fund, m_entry, m_change) AS m(f, e, c) GROUP BY 1, 2 ORDER BY 1, 2
    LOOP
      IF day_move.net <> 0 THEN
        UPDATE fund_fundday d SET closing = d.closing + day_move.net
          WHERE d.fund_id = day_move.f AND d.day > day_move.day;
      END IF;
      INSERT INTO fund_fundday AS d (fund_id, day, net, closing, entries, first_seq, last_seq)
        VALUES (day_move.f, day_move.day, day_move.net,
                COALESCE((SELECT b.closing FROM fund_fundday b
                           WHERE b.fund_id = day_move.f AND b.day < day_move.day
                           ORDER BY b.day DESC LIMIT 1), 0) + day_move.net,
                day_move.entries, day_move.first_seq, day_move.last_seq)
        ON CONFLICT (fund_id, day) DO UPDATE SET
          net = d.net + excluded.net, closing = d.closing + excluded.net,
          entries = d.entries + excluded.entries,
          first_seq = LEAST(d.first_seq, excluded.first_seq),
          last_seq = GREATEST(d.last_seq, excluded.last_seq);
    END LOOP;
    INSERT INTO fund_funddaykind AS d (fund_id, day, kind, inflow, outflow, entries)
      SELECT m.f, (p_times[m.e] AT TIME ZONE 'UTC')::date, p_kinds[m.e], SUM(m.i), SUM(m.o),
             COUNT(*)
        FROM unnest(m_fund, m_entry, m_in, m_out) AS m(f, e, i, o) GROUP BY 1, 2, 3
      ON CONFLICT (fund_id, day, kind) DO UPDATE SET
        inflow = d.inflow + excluded.inflow, outflow = d.outflow + excluded.outflow,
        entries = d.entries + excluded.entries;
  END IF;
  EXCEPTION
    WHEN SQLSTATE 'BK001' THEN
      RETURN QUERY SELECT 'overdraft', refusal.e, refusal.n::int, NULL::bigint, NULL::bigint,
        NULL::text, NULL::text, refusal.after - refusal.amount, refused;
      RETURN;
    WHEN unique_violation THEN
      RETURN QUERY SELECT 'retry', NULL::int, NULL::int, NULL::bigint, NULL::bigint,
        NULL::text, NULL::text, NULL::numeric, NULL::text;
      RETURN;
  END;

  RETURN QUERY
    SELECT 'entry', k, NULL::int, ids[k], seqs[k], prevs[k], links[k], NULL::numeric, NULL::text
      FROM generate_subscripts(p_keys, 1) AS k WHERE ids[k] IS NOT NULL
    UNION ALL
    SELECT 'balance', NULL::int, NULL::int, d.id, NULL::bigint, NULL::text, NULL::text,
           d.balance, NULL::text
      FROM unnest(b_id, b_balance) AS d(id, balance);
END;
$$ LANGUAGE plpgsql SET enable_seqscan = off SET plan_cache_mode = force_generic_plan;
--- reverse:
DROP FUNCTION IF EXISTS fund_entries_book(text[], text[], bigint[], timestamptz[], text[], text[],
  text[], text[], timestamptz, int[], bigint[], numeric[]);
