-- The orders read model, projected from the events in the same transaction as each append.
-- Times are microseconds since the epoch, copied from the events, so a rebuild reproduces them exactly.
CREATE TABLE orders (
  id              uuid PRIMARY KEY,
  user_id         uuid NOT NULL,
  status          text NOT NULL,
  items           jsonb NOT NULL,
  total_units     bigint NOT NULL,
  currency        text NOT NULL,
  saga_id         uuid NOT NULL,
  cancel_reason   text NOT NULL DEFAULT '',
  tracking_number text NOT NULL DEFAULT '',
  version         bigint NOT NULL,
  created_at_us   bigint NOT NULL,
  updated_at_us   bigint NOT NULL
);
CREATE INDEX orders_newest_idx ON orders (id DESC);
CREATE INDEX orders_user_idx ON orders (user_id, id DESC);
CREATE INDEX orders_status_idx ON orders (status, id DESC);

-- A repeated create with the same Idempotency-Key returns the first order.
CREATE TABLE order_idempotency (
  user_id         uuid NOT NULL,
  idempotency_key text NOT NULL,
  order_id        uuid NOT NULL,
  PRIMARY KEY (user_id, idempotency_key)
);

-- Projection rebuilds and their reports.
CREATE TABLE projection_rebuilds (
  id               uuid PRIMARY KEY,
  projection       text NOT NULL,
  state            text NOT NULL,
  processed_events bigint NOT NULL DEFAULT 0,
  total_events     bigint NOT NULL DEFAULT 0,
  difference_count bigint NOT NULL DEFAULT 0,
  differences      jsonb NOT NULL DEFAULT '[]',
  error            text NOT NULL DEFAULT '',
  started_at_us    bigint NOT NULL,
  finished_at_us   bigint
);
