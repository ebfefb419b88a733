-- Reverts 00000000000001_create_accounts: drops what up.sql created, children first.

DROP TABLE IF EXISTS refresh_tokens;
DROP TABLE IF EXISTS sessions;
DROP TABLE IF EXISTS users;

-- Only the indexes above used pg_trgm. If an operator had installed it before
-- this migration for other uses, re-create it after reverting.
DROP EXTENSION IF EXISTS pg_trgm;
