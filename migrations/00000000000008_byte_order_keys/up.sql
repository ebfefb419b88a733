-- Slugs and usernames are keys of a fixed ASCII alphabet (see their CHECK
-- constraints), looked up by equality on every read of a post or profile.
-- Under the database's default (linguistic) collation every B-tree comparison
-- of those lookups goes through strcoll; under "C" it compares bytes. Equality
-- means the same under both, so no lookup changes its answer; only the order
-- of '-' and '_' against letters differs, and nothing is ordered by these keys.
ALTER TABLE posts ALTER COLUMN slug TYPE text COLLATE "C";
ALTER TABLE users ALTER COLUMN username TYPE text COLLATE "C";
