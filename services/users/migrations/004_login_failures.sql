-- Failed sign-ins, per account ("account:<username>") and per client address ("address:<ip>"), so
-- every replica of the users service throttles the same guesser. Rows older than the window are
-- deleted as new ones arrive.
CREATE TABLE login_failures (
  subject   text NOT NULL,
  failed_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX login_failures_subject_idx ON login_failures (subject, failed_at);
CREATE INDEX login_failures_time_idx ON login_failures (failed_at);
