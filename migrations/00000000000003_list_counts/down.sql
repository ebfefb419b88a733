-- Reverts 00000000000003_list_counts.

DO $$
BEGIN
    EXECUTE 'ALTER TABLE posts ALTER COLUMN body SET COMPRESSION default';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
    NULL;
END
$$;

DROP TRIGGER IF EXISTS posts_reset_counts ON posts;
DROP TRIGGER IF EXISTS posts_count_updated ON posts;
DROP TRIGGER IF EXISTS posts_count_deleted ON posts;
DROP TRIGGER IF EXISTS posts_count_inserted ON posts;
DROP FUNCTION IF EXISTS folio_reset_post_counts();
DROP FUNCTION IF EXISTS folio_count_updated_posts();
DROP FUNCTION IF EXISTS folio_count_deleted_posts();
DROP FUNCTION IF EXISTS folio_count_inserted_posts();
DROP FUNCTION IF EXISTS folio_post_day(timestamptz);
DROP TABLE IF EXISTS tag_counts;
DROP TABLE IF EXISTS post_total;
DROP TABLE IF EXISTS post_days;
