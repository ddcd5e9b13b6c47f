-- Double entry, enforced where the data lives: at COMMIT every entry's postings must sum to
-- zero per asset (deferred, so postings can be inserted one by one), and an entry needs at
-- least two postings.
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

-- Append-only: history is corrected by a reversing entry, never by editing or deleting.
CREATE TRIGGER fund_posting_append_only
  BEFORE UPDATE OR DELETE ON fund_posting
  FOR EACH ROW EXECUTE FUNCTION backstop_refuse_change();
CREATE TRIGGER fund_entry_append_only
  BEFORE UPDATE OR DELETE ON fund_entry
  FOR EACH ROW EXECUTE FUNCTION backstop_refuse_change();
--- reverse:
DROP TRIGGER IF EXISTS fund_entry_append_only ON fund_entry;
DROP TRIGGER IF EXISTS fund_posting_append_only ON fund_posting;
DROP TRIGGER IF EXISTS fund_entry_has_postings ON fund_entry;
DROP TRIGGER IF EXISTS fund_posting_balanced ON fund_posting;
DROP FUNCTION IF EXISTS fund_entry_check_postings();
DROP FUNCTION IF EXISTS fund_posting_check_balanced();
