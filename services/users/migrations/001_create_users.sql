-- Accounts of everyone who uses the fleet. Passwords are argon2id hashes, never plain text.
CREATE TABLE users (
  id            uuid PRIMARY KEY,
  username      text NOT NULL,
  email         text NOT NULL,
  display_name  text NOT NULL,
  role          text NOT NULL CHECK (role IN ('customer', 'operator', 'admin')),
  status        text NOT NULL CHECK (status IN ('active', 'disabled')),
  password_hash text NOT NULL,
  version       bigint NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX users_username_key ON users (username);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_role_status_idx ON users (role, status);
