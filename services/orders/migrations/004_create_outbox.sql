-- Events this service publishes (order events and saga step transitions), written in the same
-- transaction as the event-store append or saga transition they describe; the outbox relay sends
-- them to NATS. Layout: backend/db/include/fleetdeck/db/outbox.h.
CREATE TABLE outbox (
  seq bigserial PRIMARY KEY,
  id uuid NOT NULL UNIQUE,
  aggregate_key text NOT NULL CHECK (aggregate_key <> ''),
  subject text NOT NULL CHECK (subject <> ''),
  headers jsonb NOT NULL DEFAULT '{}',
  payload bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text NOT NULL DEFAULT '');
CREATE INDEX outbox_unsent_idx ON outbox (aggregate_key, seq) WHERE sent_at IS NULL;
CREATE INDEX outbox_unsent_seq_idx ON outbox (seq) WHERE sent_at IS NULL;
CREATE INDEX outbox_sent_at_idx ON outbox (sent_at) WHERE sent_at IS NOT NULL;
