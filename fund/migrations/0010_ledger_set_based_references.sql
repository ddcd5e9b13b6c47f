-- Decision 016: a posting's account and asset, and an entry's fund, are checked once per
-- statement, set-based, instead of by foreign keys checked row by row at commit (three
-- lookups per posting, each locking the referenced row, were half the batched path's time).
-- The check is stronger than the keys it replaces: a posting's asset must be its account's.
-- Rows that postings or entries name cannot be deleted while they are named.
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

CREATE OR REPLACE FUNCTION fund_refuse_delete_named() RETURNS trigger AS $$
BEGIN
  IF (TG_TABLE_NAME = 'fund_ledgeraccount'
      AND EXISTS (SELECT 1 FROM fund_posting WHERE account_id = OLD.id))
     OR (TG_TABLE_NAME = 'fund_fund'
      AND (EXISTS (SELECT 1 FROM fund_entry WHERE fund_id = OLD.id)
           OR EXISTS (SELECT 1 FROM fund_fundentry WHERE fund_id = OLD.id))) THEN
    RAISE EXCEPTION '% % is named by ledger entries and cannot be deleted', TG_TABLE_NAME, OLD.id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER fund_ledgeraccount_named BEFORE DELETE ON fund_ledgeraccount
  FOR EACH ROW EXECUTE FUNCTION fund_refuse_delete_named();
CREATE TRIGGER fund_fund_named BEFORE DELETE ON fund_fund
  FOR EACH ROW EXECUTE FUNCTION fund_refuse_delete_named();
--- reverse:
DROP TRIGGER IF EXISTS fund_fund_named ON fund_fund;
DROP TRIGGER IF EXISTS fund_ledgeraccount_named ON fund_ledgeraccount;
DROP FUNCTION IF EXISTS fund_refuse_delete_named();
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
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
