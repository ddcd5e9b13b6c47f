-- A fund's asset and name are part of its booked history: the fund account is keyed by them
-- and every entry's hash covers the fund's name. Once any entry names the fund or any posting
-- touches one of its accounts, changing either would silently rewrite that history.
CREATE OR REPLACE FUNCTION fund_fund_identity_check() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM fund_entry WHERE fund_id = OLD.id)
     OR EXISTS (SELECT 1 FROM fund_posting p JOIN fund_ledgeraccount a ON a.id = p.account_id
                WHERE a.fund_id = OLD.id) THEN
    RAISE EXCEPTION 'fund % already has ledger entries: its asset and name cannot change', OLD.name
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER fund_fund_identity_locked
  BEFORE UPDATE ON fund_fund
  FOR EACH ROW
  WHEN (OLD.asset_id IS DISTINCT FROM NEW.asset_id OR OLD.name IS DISTINCT FROM NEW.name)
  EXECUTE FUNCTION fund_fund_identity_check();
--- reverse:
DROP TRIGGER IF EXISTS fund_fund_identity_locked ON fund_fund;
DROP FUNCTION IF EXISTS fund_fund_identity_check();
