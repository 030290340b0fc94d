-- Creates sent with an idempotency key: a repeat (its answer was lost) finds the product it made.
-- `request` is what was asked (sku, name, description, price, initial stock), so the key used for
-- another product is told apart from a repeat.
CREATE TABLE create_requests (
  idempotency_key text PRIMARY KEY,
  product_id      uuid NOT NULL REFERENCES products (id),
  request         text NOT NULL,
  requested_at    timestamptz NOT NULL DEFAULT now()
);
