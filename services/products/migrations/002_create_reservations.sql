-- Stock held for order sagas, keyed by the saga id. Lines keep the sku, name and unit price the
-- product had when it was reserved: the order is priced with them.
CREATE TABLE reservations (
  reservation_key text PRIMARY KEY,
  state           text NOT NULL CHECK (state IN ('RESERVED', 'COMMITTED', 'RELEASED', 'RETURNED')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Finding reservations held for long (a stuck saga) without scanning them all.
CREATE INDEX reservations_state_idx ON reservations (state, updated_at);

CREATE TABLE reservation_lines (
  reservation_key  text NOT NULL REFERENCES reservations (reservation_key),
  line_number      integer NOT NULL,
  product_id       uuid NOT NULL REFERENCES products (id),
  sku              text NOT NULL,
  name             text NOT NULL,
  quantity         bigint NOT NULL CHECK (quantity > 0),
  unit_price_units bigint NOT NULL,
  currency_code    text NOT NULL,
  PRIMARY KEY (reservation_key, line_number)
);
CREATE INDEX reservation_lines_product_idx ON reservation_lines (product_id);
