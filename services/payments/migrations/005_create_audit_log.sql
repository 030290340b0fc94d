-- Who changed what through the admin API (fleetdeck/db/audit_log.h), as users, products and orders
-- keep it: an admin's wallet top-up is written with the top-up's transaction, a fault injection
-- change in a transaction of its own before it applies (the settings live in memory).
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
