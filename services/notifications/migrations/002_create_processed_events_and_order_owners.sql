-- The events the bus consumers applied (one effect per event however often it is delivered), and
-- whose each order is: only OrderCreated names the user, later order events name the order alone.
-- processed_events is documented in backend/db/include/fleetdeck/db/processed_events.h.
CREATE TABLE processed_events (
  consumer text NOT NULL,
  event_id text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id));
CREATE INDEX processed_events_processed_at_idx ON processed_events (processed_at);

CREATE TABLE order_owners (
  order_id    uuid PRIMARY KEY,
  user_id     uuid NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
