-- Wallets, the ledger of every movement of money, and the payments (charges) made from wallets.
-- A wallet's balance changes only together with a ledger row in the same transaction, so
-- balance = SUM(ledger_entries.amount) of the wallet at every commit.
CREATE TABLE wallets (
  user_id    uuid PRIMARY KEY,
  currency   text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  balance    bigint NOT NULL CHECK (balance >= 0),
  version    bigint NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ledger_entries (
  -- Order of recording: lists go newest first by it, and page tokens carry it.
  seq        bigserial PRIMARY KEY,
  id         uuid NOT NULL UNIQUE,
  user_id    uuid NOT NULL REFERENCES wallets (user_id),
  amount     bigint NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('opening_credit', 'top_up', 'charge', 'refund')),
  -- The payment id (charge, refund), the top-up's idempotency key or a generated id.
  reference  text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'opening_credit' AND amount >= 0) OR (kind IN ('top_up', 'refund') AND amount > 0) OR
         (kind = 'charge' AND amount < 0))
);

CREATE INDEX ledger_entries_user_seq_idx ON ledger_entries (user_id, seq);
-- A top-up key credits a wallet once.
CREATE UNIQUE INDEX ledger_entries_top_up_key ON ledger_entries (user_id, reference) WHERE kind = 'top_up';
-- A payment is debited once and refunded at most once.
CREATE UNIQUE INDEX ledger_entries_payment_key ON ledger_entries (reference, kind) WHERE kind IN ('charge', 'refund');
-- One opening credit per wallet.
CREATE UNIQUE INDEX ledger_entries_opening_key ON ledger_entries (user_id) WHERE kind = 'opening_credit';

CREATE TABLE payments (
  id              uuid PRIMARY KEY,
  seq             bigserial NOT NULL UNIQUE,
  -- The caller's key (the order saga's id): repeating a charge with it returns this row.
  idempotency_key text NOT NULL UNIQUE,
  -- No foreign key: a charge against a user without a wallet is stored too (declined).
  user_id         uuid NOT NULL,
  order_id        uuid NOT NULL,
  currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  amount          bigint NOT NULL CHECK (amount > 0),
  status          text NOT NULL CHECK (status IN ('CHARGED', 'DECLINED', 'REFUNDED')),
  decline_reason  text NOT NULL DEFAULT '',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'DECLINED') = (decline_reason <> ''))
);

CREATE INDEX payments_order_idx ON payments (order_id, seq);
CREATE INDEX payments_user_idx ON payments (user_id, seq);
