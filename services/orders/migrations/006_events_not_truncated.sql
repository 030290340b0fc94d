-- TRUNCATE bypasses row triggers: history could be wiped in one statement. Events are facts.
CREATE TRIGGER events_never_truncated BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only();
