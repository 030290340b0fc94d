-- What the fleet told each customer. One row per source (the event or caller key that caused it):
-- the unique source_id is what makes Notify, and later the event consumer, idempotent.
CREATE TABLE notifications (
  id         uuid PRIMARY KEY,
  source_id  text NOT NULL CHECK (char_length(source_id) BETWEEN 1 AND 200),
  user_id    uuid NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('welcome', 'order_confirmed', 'order_cancelled', 'order_shipped',
                                           'payment_declined')),
  title      text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  body       text NOT NULL CHECK (char_length(body) <= 2000),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT notifications_source_id_key UNIQUE (source_id)
);

-- A user's inbox, newest first, paged by the keyset (created_at, id).
CREATE INDEX notifications_user_newest_idx ON notifications (user_id, created_at DESC, id DESC);
