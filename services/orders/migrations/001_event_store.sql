-- The order event store: every change of every order, append-only, in order.
CREATE TABLE events (
  global_position bigserial PRIMARY KEY,
  event_id        uuid NOT NULL UNIQUE,
  stream_id       text NOT NULL,
  version         bigint NOT NULL CHECK (version > 0),
  event_type      text NOT NULL,
  payload         jsonb NOT NULL,
  actor           text NOT NULL,
  trace_id        text NOT NULL DEFAULT '',
  causation_id    text NOT NULL DEFAULT '',
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream_id, version)
);

CREATE TABLE snapshots (
  stream_id text PRIMARY KEY,
  version   bigint NOT NULL,
  state     jsonb NOT NULL,
  taken_at  timestamptz NOT NULL DEFAULT now()
);

-- Events are facts: correcting one means appending another, never rewriting history.
CREATE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'events are append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION events_are_append_only();
