-- Refresh tokens: opaque to clients, stored only as SHA-256 hashes (they carry 256 random bits, so a
-- fast hash is enough). Every token rotated from one login shares a family; reusing a retired token
-- revokes the whole family, which is how a stolen token is caught.
CREATE TABLE refresh_tokens (
  id             uuid PRIMARY KEY,
  family_id      uuid NOT NULL,
  user_id        uuid NOT NULL REFERENCES users (id),
  token_hash     text NOT NULL,
  client_address text NOT NULL DEFAULT '',
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  used_at        timestamptz,
  revoked_at     timestamptz
);

CREATE UNIQUE INDEX refresh_tokens_hash_key ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id) WHERE revoked_at IS NULL;
