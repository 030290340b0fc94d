-- A repeated top-up key must answer what the first top-up answered (ARCHITECTURE.md: "repeating it
-- returns the first result"), not the wallet as later charges and top-ups left it: the wallet's
-- balance and version right after an entry are kept with it. Its updated_at then was the entry's
-- created_at (one transaction, one now()). NULL in rows written before this migration, and in the
-- kinds that do not write them (opening credits and charges, whose answers are not a wallet).
-- Nullable with no default and the check NOT VALID: no row is rewritten or scanned under the
-- table's lock (every existing row has NULLs, which the check allows anyway).
ALTER TABLE ledger_entries
  ADD COLUMN balance_after bigint,
  ADD COLUMN wallet_version_after bigint,
  ADD CONSTRAINT ledger_entries_result_whole
    CHECK ((balance_after IS NULL) = (wallet_version_after IS NULL) AND (balance_after IS NULL OR balance_after >= 0)) NOT VALID;
