CREATE TRIGGER governance_paramvalue_append_only
  BEFORE UPDATE OR DELETE ON governance_paramvalue
  FOR EACH ROW EXECUTE FUNCTION backstop_refuse_change();
--- reverse:
DROP TRIGGER IF EXISTS governance_paramvalue_append_only ON governance_paramvalue;
