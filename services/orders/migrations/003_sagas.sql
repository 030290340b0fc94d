-- Saga instances and their step log (fleetdeck::saga): an order placed or unwound step by step,
-- resumable after any crash. Claimed by workers with FOR UPDATE SKIP LOCKED under a lease.
CREATE TABLE saga_instances (
  id                uuid PRIMARY KEY,
  saga_type         text NOT NULL,
  state             text NOT NULL,
  current_step      int NOT NULL DEFAULT 0,
  compensating_step int NOT NULL DEFAULT -1,
  data              jsonb NOT NULL,
  attempts          int NOT NULL DEFAULT 0,
  step_started_at   timestamptz,
  next_attempt_at   timestamptz NOT NULL DEFAULT now(),
  lease_owner       text,
  lease_until       timestamptz,
  trace_id          text NOT NULL DEFAULT '',
  last_error        text NOT NULL DEFAULT '',
  outcome_reason    text NOT NULL DEFAULT '',
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  finished_at       timestamptz
);
CREATE INDEX saga_instances_due_idx ON saga_instances (next_attempt_at) WHERE state IN ('RUNNING', 'COMPENSATING');
CREATE INDEX saga_instances_state_idx ON saga_instances (state, id DESC);

CREATE TABLE saga_steps (
  saga_id     uuid NOT NULL REFERENCES saga_instances (id),
  step_index  int NOT NULL,
  phase       text NOT NULL,
  step_name   text NOT NULL,
  state       text NOT NULL,
  attempts    int NOT NULL DEFAULT 0,
  started_at  timestamptz,
  finished_at timestamptz,
  error       text NOT NULL DEFAULT '',
  PRIMARY KEY (saga_id, step_index, phase)
);
