ALTER TABLE users ALTER COLUMN username TYPE text COLLATE "default";
ALTER TABLE posts ALTER COLUMN slug TYPE text COLLATE "default";
