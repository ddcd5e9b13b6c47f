-- The statement checks of 0009/0010 joined the new rows to fund_posting, and plpgsql keeps
-- one plan per session, made the first time the check runs: a plan made while the table was
-- small may be a join over all of fund_posting, and it stays that way as the table grows
-- (3 ms per one-entry statement at 9,000 postings was seen in the settlement benchmark).
-- Each check is now a subquery correlated to one new entry, which the planner cannot turn
-- into a join, and sequential scans are priced out inside the two functions, so each new
-- entry's postings are read through the (entry) index whatever the table's size when planned.
CREATE OR REPLACE FUNCTION fund_postings_check_balanced() RETURNS trigger AS $$
DECLARE
  bad record;
BEGIN
  SELECT e.entry_id INTO bad
    FROM (SELECT DISTINCT entry_id FROM inserted_postings) e
    WHERE EXISTS (
      SELECT 1 FROM fund_posting p WHERE p.entry_id = e.entry_id
      GROUP BY p.asset_id HAVING SUM(p.amount) <> 0
    ) LIMIT 1;
  IF FOUND THEN
    SELECT bad.entry_id AS entry_id, p.asset_id, SUM(p.amount) AS total INTO bad
      FROM fund_posting p WHERE p.entry_id = bad.entry_id
      GROUP BY p.asset_id HAVING SUM(p.amount) <> 0 LIMIT 1;
    RAISE EXCEPTION 'entry % is unbalanced: asset % sums to %', bad.entry_id, bad.asset_id, bad.total
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  SELECT p.entry_id, p.account_id, p.asset_id INTO bad
    FROM inserted_postings p LEFT JOIN fund_ledgeraccount a ON a.id = p.account_id
    WHERE a.id IS NULL OR a.asset_id <> p.asset_id LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'a posting of entry % names account %, which does not exist or does not hold asset %',
      bad.entry_id, bad.account_id, bad.asset_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql SET enable_seqscan = off;

CREATE OR REPLACE FUNCTION fund_entries_check_postings() RETURNS trigger AS $$
DECLARE
  bad bigint;
BEGIN
  SELECT e.id INTO bad
    FROM inserted_entries e
    WHERE (SELECT COUNT(*) FROM fund_posting p WHERE p.entry_id = e.id) < 2 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'entry % has fewer than two postings', bad
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  SELECT e.fund_id INTO bad
    FROM inserted_entries e LEFT JOIN fund_fund f ON f.id = e.fund_id
    WHERE e.fund_id IS NOT NULL AND f.id IS NULL LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'an entry names fund %, which does not exist', bad
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql SET enable_seqscan = off;
--- reverse:
ALTER FUNCTION fund_postings_check_balanced() RESET enable_seqscan;
ALTER FUNCTION fund_entries_check_postings() RESET enable_seqscan;
CREATE OR REPLACE FUNCTION fund_postings_check_balanced() RETURNS trigger AS $$
DECLARE
  bad record;
BEGIN
  SELECT p.entry_id, p.asset_id, SUM(p.amount) AS total INTO bad
    FROM fund_posting p
    WHERE p.entry_id IN (SELECT DISTINCT entry_id FROM inserted_postings)
    GROUP BY p.entry_id, p.asset_id HAVING SUM(p.amount) <> 0 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'entry % is unbalanced: asset % sums to %', bad.entry_id, bad.asset_id, bad.total
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  SELECT p.entry_id, p.account_id, p.asset_id INTO bad
    FROM inserted_postings p LEFT JOIN fund_ledgeraccount a ON a.id = p.account_id
    WHERE a.id IS NULL OR a.asset_id <> p.asset_id LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'a posting of entry % names account %, which does not exist or does not hold asset %',
      bad.entry_id, bad.account_id, bad.asset_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION fund_entries_check_postings() RETURNS trigger AS $$
DECLARE
  bad bigint;
BEGIN
  SELECT e.id INTO bad
    FROM inserted_entries e LEFT JOIN fund_posting p ON p.entry_id = e.id
    GROUP BY e.id HAVING COUNT(p.id) < 2 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'entry % has fewer than two postings', bad
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  SELECT e.fund_id INTO bad
    FROM inserted_entries e LEFT JOIN fund_fund f ON f.id = e.fund_id
    WHERE e.fund_id IS NOT NULL AND f.id IS NULL LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'an entry names fund %, which does not exist', bad
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
