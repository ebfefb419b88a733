DROP TABLE account_tokens;
ALTER TABLE users DROP COLUMN notify_on_comment;
ALTER TABLE users DROP COLUMN email_verified_at;
