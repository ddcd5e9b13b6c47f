-- Decision 013: the double-entry checks become set-based, once per statement, instead of one
-- plpgsql call per posting and per entry at commit (which capped the batched path at a few
-- thousand postings per second). The guarantee is the same and checked earlier:
-- * after any statement that inserts postings, every entry they belong to sums to zero per
--   asset (so an entry's postings arrive in one statement, as the service writes them);
-- * after any statement that inserts entries, each new entry has at least two postings (so
--   postings go in first; their foreign key to the entry is DEFERRABLE, checked at commit).
DROP TRIGGER IF EXISTS fund_posting_balanced ON fund_posting;
DROP TRIGGER IF EXISTS fund_entry_has_postings ON fund_entry;
DROP FUNCTION IF EXISTS fund_posting_check_balanced();
DROP FUNCTION IF EXISTS fund_entry_check_postings();

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

CREATE TRIGGER fund_postings_balanced
  AFTER INSERT ON fund_posting
  REFERENCING NEW TABLE AS inserted_postings
  FOR EACH STATEMENT EXECUTE FUNCTION fund_postings_check_balanced();

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

CREATE TRIGGER fund_entries_have_postings
  AFTER INSERT ON fund_entry
  REFERENCING NEW TABLE AS inserted_entries
  FOR EACH STATEMENT EXECUTE FUNCTION fund_entries_check_postings();
--- reverse:
DROP TRIGGER IF EXISTS fund_entries_have_postings ON fund_entry;
DROP TRIGGER IF EXISTS fund_postings_balanced ON fund_posting;
DROP FUNCTION IF EXISTS fund_entries_check_postings();
DROP FUNCTION IF EXISTS fund_postings_check_balanced();
CREATE OR REPLACE FUNCTION fund_posting_check_balanced() RETURNS trigger AS $$
DECLARE
  bad record;
BEGIN
  SELECT asset_id, SUM(amount) AS total INTO bad
    FROM fund_posting WHERE entry_id = NEW.entry_id
    GROUP BY asset_id HAVING SUM(amount) <> 0 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'entry % is unbalanced: asset % sums to %', NEW.entry_id, bad.asset_id, bad.total
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER fund_posting_balanced
  AFTER INSERT ON fund_posting
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION fund_posting_check_balanced();
CREATE OR REPLACE FUNCTION fund_entry_check_postings() RETURNS trigger AS $$
BEGIN
  IF (SELECT COUNT(*) FROM fund_posting WHERE entry_id = NEW.id) < 2 THEN
    RAISE EXCEPTION 'entry % has fewer than two postings', NEW.id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER fund_entry_has_postings
  AFTER INSERT ON fund_entry
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION fund_entry_check_postings();
