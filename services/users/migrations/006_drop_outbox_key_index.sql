-- The outbox relay now reads unsent rows in seq order (outbox_unsent_seq_idx) under an advisory lock,
-- one replica at a time; the per-key index served the per-key "heads" query that replaced. Dropping
-- it saves an index insertion for every event written.
DROP INDEX IF EXISTS outbox_unsent_idx;
