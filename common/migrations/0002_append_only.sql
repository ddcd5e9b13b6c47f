-- A reusable trigger function: rows of the table it guards can be inserted, never changed.
CREATE OR REPLACE FUNCTION backstop_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER common_auditentry_append_only
  BEFORE UPDATE OR DELETE ON common_auditentry
  FOR EACH ROW EXECUTE FUNCTION backstop_refuse_change();
--- reverse:
DROP TRIGGER IF EXISTS common_auditentry_append_only ON common_auditentry;
DROP FUNCTION IF EXISTS backstop_refuse_change();
