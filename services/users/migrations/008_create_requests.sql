-- Account creations sent with an idempotency key (register, and an admin's create): a repeat (its
-- answer was lost) finds the account it made instead of "username is already taken". `request` is
-- what was asked, without the password (which is kept only as the account's argon2 hash), so a key
-- used for another account is told apart from a repeat.
CREATE TABLE create_requests (
  idempotency_key text PRIMARY KEY,
  user_id         uuid NOT NULL REFERENCES users (id),
  request         text NOT NULL,
  requested_at    timestamptz NOT NULL DEFAULT now()
);
