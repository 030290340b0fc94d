-- A sign-in attempt is recorded as a failure before its password is checked, and forgotten when it
-- succeeds: concurrent guesses then count against each other instead of all passing the check made
-- before any of them failed. attempt_id names the rows of one attempt (NULL for rows written before).
ALTER TABLE login_failures ADD COLUMN attempt_id uuid;
CREATE INDEX login_failures_attempt_idx ON login_failures (attempt_id) WHERE attempt_id IS NOT NULL;
