-- Reverts 00000000000011_hash_lookups.
DROP INDEX posts_slug_hash_idx;
DROP INDEX users_id_hash_idx;
