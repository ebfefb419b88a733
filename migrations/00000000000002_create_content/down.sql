-- Reverts 00000000000002_create_content: drops what up.sql created, children
-- first (their indexes go with them).

DROP TABLE IF EXISTS comments;
DROP TABLE IF EXISTS favorites;
DROP TABLE IF EXISTS posts;
DROP TABLE IF EXISTS follows;
