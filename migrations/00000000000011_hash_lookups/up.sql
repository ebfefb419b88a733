-- Hash indexes for the two look-ups by equality that every read makes
-- (issue 7): a post by its slug, and each listed post's author by id.
--
-- A B-tree descent compares the key at every step of a binary search on each
-- level, through the type's comparison function: for a uuid or a slug that
-- was the largest part of PostgreSQL's work on a page of the list (twenty
-- author look-ups) after sending the rows. A hash index hashes the key once
-- and reads one bucket page. The B-trees stay: they enforce uniqueness,
-- which a hash index cannot, and serve the foreign keys. The planner picks
-- the hash index for equality because it prices it cheaper; measured with
-- `just instructions --postgres` (README, "Performance").
CREATE INDEX users_id_hash_idx ON users USING hash (id);
CREATE INDEX posts_slug_hash_idx ON posts USING hash (slug);
