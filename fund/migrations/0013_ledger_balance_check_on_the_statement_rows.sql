-- Decision 017: the balance check sums the statement's own postings (its transition table)
-- instead of looking up every posting of each named entry in fund_posting by index (10,000
-- index probes for a 5,000-entry batch). Same guarantee: every earlier statement was held to
-- the same rule and postings are append-only, so after a statement an entry's postings in the
-- table sum to zero per asset exactly when the statement's own postings of it do. Postings
-- added to an old entry are refused unless they balance among themselves, as before.
CREATE OR REPLACE FUNCTION fund_postings_check_balanced() RETURNS trigger AS $$
DECLARE
  bad record;
BEGIN
  SELECT p.entry_id, p.asset_id, SUM(p.amount) AS total INTO bad
    FROM inserted_postings p
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
$$ LANGUAGE plpgsql SET enable_seqscan = off;
--- reverse:
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
