-- A user's refresh tokens by expiry: every sign-in and refresh deletes the user's tokens that expired
-- more than a day ago (each refresh adds a row, so a long-lived session would otherwise keep one per
-- refresh for ever), and ending a user's sessions revokes only their live, unused tokens.
DROP INDEX refresh_tokens_user_idx;
CREATE INDEX refresh_tokens_user_expiry_idx ON refresh_tokens (user_id, expires_at);
