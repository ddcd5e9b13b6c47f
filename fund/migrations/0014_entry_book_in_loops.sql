-- fund_entries_book, same contract as migration 0012, with fewer SQL statements (decision 018).
--
-- Each SQL statement a PL/pgSQL function runs pays for an executor start and end, a snapshot
-- and the trigger bookkeeping, and aggregate or window nodes cost most to start. A booking
-- holds a handful of postings, so what 0012 computed with aggregate statements over unnested
-- arrays (the missing account, running balances and the overdraft, each account's final
-- balance, each entry's effect on each fund, the day groups of a single-fund booking) is
-- computed here by loops over the arrays, which PL/pgSQL evaluates without the executor. The
-- chain tip is read in the statement that locks the accounts, the later days' closings move
-- in the statement that writes the day, and the answer rows are returned one by one.
-- Everything else — the order of locks, what is done before the head lock, the refusals and
-- the answer — is 0012's.
CREATE OR REPLACE FUNCTION fund_entries_book(
  p_keys text[], p_kinds text[], p_funds bigint[], p_times timestamptz[], p_memos text[],
  p_data text[], p_digests text[], p_contents text[], p_created timestamptz,
  p_entry int[], p_accounts bigint[], p_amounts numeric[]
) RETURNS TABLE (r_tag text, r_pos int, r_n int, r_id bigint, r_seq bigint, r_prev text,
                 r_hash text, r_amount numeric, r_detail text) AS $$
DECLARE
  n_entries int := cardinality(p_keys);
  n_postings int := cardinality(p_entry);
  known_pos int[] := '{}';
  bad record;
  tip_seq bigint;
  tip_hash text;
  ids bigint[] := '{}';
  seqs bigint[] := '{}';
  prevs text[] := '{}';
  links text[] := '{}';
  -- the accounts named, in id order; their balances running through the booking
  a_id bigint[];
  a_asset bigint[];
  a_balance numeric[];
  a_after numeric[];
  a_touched boolean[];
  a_protected boolean[];
  a_kind text[];
  a_key text[];
  a_fund bigint[];
  -- per posting: its account's index into a_*
  q_at int[];
  -- what each new entry did to each fund: per entry, funds in the order its postings name
  -- them (the Python path's order of history rows)
  m_fund bigint[] := '{}';
  m_entry int[] := '{}';
  m_change numeric[] := '{}';
  m_after numeric[] := '{}';
  m_in numeric[] := '{}';
  m_out numeric[] := '{}';
  -- per fund and day (fund, day order): net change, entries, first and last seq
  d_fund bigint[];
  d_day date[];
  d_net numeric[];
  d_entries bigint[];
  d_first bigint[];
  d_last bigint[];
  -- per fund, day and kind: inflow, outflow, entries
  k_fund bigint[];
  k_day date[];
  k_kind text[];
  k_in numeric[];
  k_out numeric[];
  k_entries bigint[];
  i int;
  j int;
  acct int;
  the_fund bigint;
  entry_start int := 1;
  entry_rows int := 1;
  refusal_e int;
  refusal_n int;
  refusal_before numeric;
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
  IF cardinality(known_pos) = n_entries THEN
    RETURN;
  END IF;

  SELECT array_agg(a.id ORDER BY a.id), array_agg(a.asset_id ORDER BY a.id) INTO a_id, a_asset
    FROM fund_ledgeraccount a WHERE a.id = ANY(p_accounts);
  q_at := array_fill(NULL::int, ARRAY[n_postings]);
  FOR i IN 1 .. n_postings LOOP
    IF i > 1 AND p_entry[i] <> p_entry[i - 1] THEN
      entry_start := i;
    END IF;
    CONTINUE WHEN p_entry[i] = ANY(known_pos);
    q_at[i] := array_position(a_id, p_accounts[i]);
    IF q_at[i] IS NULL THEN
      RETURN QUERY SELECT 'no_account', p_entry[i], i - entry_start, NULL::bigint,
        NULL::bigint, NULL::text, NULL::text, NULL::numeric, NULL::text;
      RETURN;
    END IF;
  END LOOP;
  FOR i IN 1 .. n_entries LOOP
    ids := ids || CASE WHEN i = ANY(known_pos) THEN NULL ELSE nextval('fund_entry_id_seq') END;
  END LOOP;

  BEGIN
  -- Postings first: the entry trigger checks that each new entry has its postings.
  INSERT INTO fund_posting (entry_id, account_id, asset_id, amount)
    SELECT ids[p.e], p.account, a_asset[q_at[p.ord]], p.amount
      FROM unnest(p_entry, p_accounts, p_amounts) WITH ORDINALITY AS p(e, account, amount, ord)
      WHERE ids[p.e] IS NOT NULL ORDER BY p.ord;

  PERFORM 1 FROM fund_ledgerhead h WHERE h.id = 1 FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO fund_ledgerhead (id) VALUES (1) ON CONFLICT DO NOTHING;
    PERFORM 1 FROM fund_ledgerhead h WHERE h.id = 1 FOR UPDATE;
  END IF;
  -- Under the head lock, so the tip read here is the last entry anyone committed.
  SELECT l.balance, l.protected, l.kind, l.key, l.fund, t.seq, t.hash
    INTO a_balance, a_protected, a_kind, a_key, a_fund, tip_seq, tip_hash
    FROM (
      SELECT array_agg(a.balance) AS balance, array_agg(a.protected) AS protected,
             array_agg(a.kind) AS kind, array_agg(a.key) AS key, array_agg(a.fund_id) AS fund
        FROM (SELECT a.balance, a.protected, a.kind, a.key, a.fund_id
                FROM fund_ledgeraccount a WHERE a.id = ANY(a_id) ORDER BY a.id FOR UPDATE) a
    ) l LEFT JOIN (SELECT e.seq, e.hash FROM fund_entry e ORDER BY e.seq DESC LIMIT 1) t ON true;
  IF tip_seq IS NULL THEN
    tip_seq := 0;
    tip_hash := repeat('0', 64);
  END IF;

  -- Postings in booking order: the first that takes a protected account below zero stops
  -- the booking (the block's end undoes the postings); a posting on a fund's own account
  -- adds to what its entry did to that fund.
  a_after := a_balance;
  a_touched := array_fill(false, ARRAY[cardinality(a_id)]);
  entry_start := 1;
  FOR i IN 1 .. n_postings LOOP
    IF i > 1 AND p_entry[i] <> p_entry[i - 1] THEN
      entry_start := i;
      entry_rows := cardinality(m_fund) + 1;
    END IF;
    CONTINUE WHEN ids[p_entry[i]] IS NULL;
    acct := q_at[i];
    a_touched[acct] := true;
    a_after[acct] := a_after[acct] + p_amounts[i];
    IF a_protected[acct] AND a_after[acct] < 0 THEN
      refusal_e := p_entry[i];
      refusal_n := i - entry_start;
      refusal_before := a_after[acct] - p_amounts[i];
      refused := a_kind[acct] || ':' || a_key[acct];
      RAISE EXCEPTION 'refused' USING ERRCODE = 'BK001';
    END IF;
    CONTINUE WHEN a_kind[acct] <> 'fund' OR a_fund[acct] IS NULL;
    the_fund := a_fund[acct];
    j := entry_rows;
    WHILE j <= cardinality(m_fund) AND m_fund[j] <> the_fund LOOP
      j := j + 1;
    END LOOP;
    IF j > cardinality(m_fund) THEN
      m_fund := m_fund || the_fund;
      m_entry := m_entry || p_entry[i];
      m_change := m_change || 0::numeric;
      m_after := m_after || NULL::numeric;
      m_in := m_in || 0::numeric;
      m_out := m_out || 0::numeric;
    END IF;
    m_change[j] := m_change[j] + p_amounts[i];
    m_after[j] := a_after[acct];
    m_in[j] := m_in[j] + GREATEST(p_amounts[i], 0);
    m_out[j] := m_out[j] - LEAST(p_amounts[i], 0);
  END LOOP;

  FOR i IN 1 .. n_entries LOOP
    IF ids[i] IS NULL THEN
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
  UPDATE fund_ledgeraccount a SET balance = d.balance
    FROM unnest(a_id, a_after, a_touched) AS d(id, balance, touched)
    WHERE d.touched AND a.id = d.id;

  IF cardinality(m_fund) > 0 THEN
    INSERT INTO fund_fundentry (fund_id, entry_id, seq, kind, event_time, change, balance_after)
      SELECT m.f, ids[m.e], seqs[m.e], p_kinds[m.e], p_times[m.e], m.c, m.a
        FROM unnest(m_fund, m_entry, m_change, m_after) AS m(f, e, c, a);
    IF cardinality(m_fund) = 1 THEN
      d_fund := m_fund;
      d_day := ARRAY[(p_times[m_entry[1]] AT TIME ZONE 'UTC')::date];
      d_net := m_change;
      d_entries := '{1}';
      d_first := ARRAY[seqs[m_entry[1]]];
      d_last := d_first;
      k_fund := m_fund;
      k_day := d_day;
      k_kind := ARRAY[p_kinds[m_entry[1]]];
      k_in := m_in;
      k_out := m_out;
      k_entries := '{1}';
    ELSE
      SELECT array_agg(g.f ORDER BY g.f, g.day), array_agg(g.day ORDER BY g.f, g.day),
             array_agg(g.net ORDER BY g.f, g.day), array_agg(g.n ORDER BY g.f, g.day),
             array_agg(g.first ORDER BY g.f, g.day), array_agg(g.last ORDER BY g.f, g.day)
        INTO d_fund, d_day, d_net, d_entries, d_first, d_last
        FROM (
          SELECT m.f, (p_times[m.e] AT TIME ZONE 'UTC')::date AS day, SUM(m.c) AS net,
                 COUNT(*) AS n, MIN(seqs[m.e]) AS first, MAX(seqs[m.e]) AS last
            FROM unnest(m_fund, m_entry, m_change) AS m(f, e, c) GROUP BY 1, 2
        ) g;
      SELECT array_agg(g.f), array_agg(g.day), array_agg(g.kind), array_agg(g.i),
             array_agg(g.o), array_agg(g.n)
        INTO k_fund, k_day, k_kind, k_in, k_out, k_entries
        FROM (
          SELECT m.f, (p_times[m.e] AT TIME ZONE 'UTC')::date AS day, p_kinds[m.e] AS kind,
                 SUM(m.i) AS i, SUM(m.o) AS o, COUNT(*) AS n
            FROM unnest(m_fund, m_entry, m_in, m_out) AS m(f, e, i, o) GROUP BY 1, 2, 3
        ) g;
    END IF;
    -- Day rows in day order per fund: a day's change also moves the closing of every later
    -- day, and a new day opens from the closing of the day before it.
    FOR i IN 1 .. cardinality(d_fund) LOOP
      WITH later AS (
        UPDATE fund_fundday d SET closing = d.closing + d_net[i]
          WHERE d_net[i] <> 0 AND d.fund_id = d_fund[i] AND d.day > d_day[i]
      )
      INSERT INTO fund_fundday AS d (fund_id, day, net, closing, entries, first_seq, last_seq)
        VALUES (d_fund[i], d_day[i], d_net[i],
                COALESCE((SELECT b.closing FROM fund_fundday b
                           WHERE b.fund_id = d_fund[i] AND b.day < d_day[i]
                           ORDER BY b.day DESC LIMIT 1), 0) + d_net[i],
                d_entries[i], d_first[i], d_last[i])
        ON CONFLICT (fund_id, day) DO UPDATE SET
          net = d.net + excluded.net, closing = d.closing + excluded.net,
          entries = d.entries + excluded.entries,
          first_seq = LEAST(d.first_seq, excluded.first_seq),
          last_seq = GREATEST(d.last_seq, excluded.last_seq);
    END LOOP;
    INSERT INTO fund_funddaykind AS d (fund_id, day, kind, inflow, outflow, entries)
      SELECT * FROM unnest(k_fund, k_day, k_kind, k_in, k_out, k_entries)
      ON CONFLICT (fund_id, day, kind) DO UPDATE SET
        inflow = d.inflow + excluded.inflow, outflow = d.outflow + excluded.outflow,
        entries = d.entries + excluded.entries;
  END IF;
  EXCEPTION
    WHEN SQLSTATE 'BK001' THEN
      RETURN QUERY SELECT 'overdraft', refusal_e, refusal_n, NULL::bigint, NULL::bigint,
        NULL::text, NULL::text, refusal_before, refused;
      RETURN;
    WHEN unique_violation THEN
      RETURN QUERY SELECT 'retry', NULL::int, NULL::int, NULL::bigint, NULL::bigint,
        NULL::text, NULL::text, NULL::numeric, NULL::text;
      RETURN;
  END;

  FOR i IN 1 .. n_entries LOOP
    CONTINUE WHEN ids[i] IS NULL;
    r_tag := 'entry';
    r_pos := i;
    r_n := NULL;
    r_id := ids[i];
    r_seq := seqs[i];
    r_prev := prevs[i];
    r_hash := links[i];
    r_amount := NULL;
    r_detail := NULL;
    RETURN NEXT;
  END LOOP;
  FOR i IN 1 .. cardinality(a_id) LOOP
    CONTINUE WHEN NOT a_touched[i];
    r_tag := 'balance';
    r_pos := NULL;
    r_n := NULL;
    r_id := a_id[i];
    r_seq := NULL;
    r_prev := NULL;
    r_hash := NULL;
    r_amount := a_after[i];
    r_detail := NULL;
    RETURN NEXT;
  END LOOP;
END;
$$ LANGUAGE plpgsql SET enable_seqscan = off SET plan_cache_mode = force_generic_plan;
--- reverse:
