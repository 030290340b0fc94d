-- The catalog: prices in integer minor units, stock on hand and reserved by unfinished orders.
CREATE TABLE products (
  id            uuid PRIMARY KEY,
  sku           text NOT NULL,
  name          text NOT NULL,
  description   text NOT NULL DEFAULT '',
  price_units   bigint NOT NULL CHECK (price_units > 0),
  currency_code text NOT NULL CHECK (currency_code ~ '^[A-Z]{3}$'),
  on_hand       bigint NOT NULL CHECK (on_hand >= 0),
  reserved      bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  active        boolean NOT NULL DEFAULT true,
  version       bigint NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  -- available = on_hand - reserved never goes below zero, whatever the code above does.
  CONSTRAINT products_available_check CHECK (reserved <= on_hand)
);

-- Skus are unique case-insensitively (the service stores them upper-case).
CREATE UNIQUE INDEX products_sku_key ON products (upper(sku));

-- Restocks sent with an idempotency key. `result` is the product row right after the first call
-- (row_to_json of products): a repeat answers with it and adds nothing.
CREATE TABLE restock_requests (
  idempotency_key text PRIMARY KEY,
  product_id      uuid NOT NULL REFERENCES products (id),
  quantity        bigint NOT NULL,
  result          jsonb,
  requested_at    timestamptz NOT NULL DEFAULT now()
);

-- Who changed what through the admin API (fleetdeck/db/audit_log.h), written with the change.
CREATE TABLE audit_log (
  id          uuid PRIMARY KEY,
  resource    text NOT NULL,
  resource_id text NOT NULL,
  action      text NOT NULL,
  actor       text NOT NULL,
  trace_id    text NOT NULL,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  before_json jsonb,
  after_json  jsonb
);
CREATE INDEX audit_log_resource_idx ON audit_log (resource_id, occurred_at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, occurred_at);
