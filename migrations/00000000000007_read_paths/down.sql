-- Reverts 00000000000007_read_paths.
ALTER TABLE posts DROP COLUMN IF EXISTS search_head;
DROP TRIGGER IF EXISTS posts_reset_counts_authors ON posts;
DROP TRIGGER IF EXISTS posts_count_updated_authors ON posts;
DROP TRIGGER IF EXISTS posts_count_deleted_authors ON posts;
DROP TRIGGER IF EXISTS posts_count_inserted_authors ON posts;
DROP FUNCTION IF EXISTS folio_reset_author_post_counts();
DROP FUNCTION IF EXISTS folio_count_updated_author_posts();
DROP FUNCTION IF EXISTS folio_count_deleted_author_posts();
DROP FUNCTION IF EXISTS folio_count_inserted_author_posts();
DROP TABLE IF EXISTS author_post_counts;
DROP INDEX IF EXISTS posts_author_live_idx;
