-- Read paths at scale (issue 7): what the feed, an author's list and search
-- need so that their cost follows the page, not the size of the tables.

-- The feed: for each followed author, that author's newest live posts, read
-- from this index alone (index-only: the page is chosen before any post row
-- is read). posts_author_published_idx cannot do it: it also holds drafts
-- and deleted posts, so every entry would need its row to be filtered.
CREATE INDEX posts_author_live_idx ON posts (author_id, published_at DESC, id DESC)
    WHERE status = 'published' AND deleted_at IS NULL;

-- Live published posts per author, kept in step with `posts` by triggers in
-- the same transaction, exactly like post_days and tag_counts (migration 3):
-- the feed's total is the sum over the followed authors (one index lookup
-- each) and an author's list reads its total here, instead of counting posts.
CREATE TABLE author_post_counts (
    author_id uuid CONSTRAINT author_post_counts_pkey PRIMARY KEY
        CONSTRAINT author_post_counts_author_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    -- No CHECK (posts >= 0), for the reason given at post_days.posts.
    posts integer NOT NULL
);

-- Same shape as migration 3's functions. The triggers are named so that they
-- fire after migration 3's (triggers of one event fire in name order), so
-- every writer takes the counters' row locks in the same table order.
CREATE FUNCTION folio_count_inserted_author_posts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO author_post_counts (author_id, posts)
    SELECT author_id, count(*)::integer FROM new_rows
    WHERE status = 'published' AND deleted_at IS NULL
    GROUP BY 1 ORDER BY 1
    ON CONFLICT (author_id) DO UPDATE SET posts = author_post_counts.posts + excluded.posts;
    RETURN NULL;
END
$$;

CREATE FUNCTION folio_count_deleted_author_posts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO author_post_counts (author_id, posts)
    SELECT author_id, -count(*)::integer FROM old_rows
    WHERE status = 'published' AND deleted_at IS NULL
    GROUP BY 1 ORDER BY 1
    ON CONFLICT (author_id) DO UPDATE SET posts = author_post_counts.posts + excluded.posts;
    RETURN NULL;
END
$$;

-- Rows whose author, status and deletion did not change cancel out and
-- write nothing (a favourite's favorites_count bump locks no counter).
CREATE FUNCTION folio_count_updated_author_posts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO author_post_counts (author_id, posts)
    SELECT author_id, sum(delta) FROM (
        SELECT author_id, 1 AS delta FROM new_rows
        WHERE status = 'published' AND deleted_at IS NULL
        UNION ALL
        SELECT author_id, -1 FROM old_rows
        WHERE status = 'published' AND deleted_at IS NULL
    ) AS changes
    GROUP BY author_id HAVING sum(delta) <> 0 ORDER BY author_id
    ON CONFLICT (author_id) DO UPDATE SET posts = author_post_counts.posts + excluded.posts;
    RETURN NULL;
END
$$;

CREATE FUNCTION folio_reset_author_post_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM author_post_counts;
    RETURN NULL;
END
$$;

CREATE TRIGGER posts_count_inserted_authors AFTER INSERT ON posts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION folio_count_inserted_author_posts();
CREATE TRIGGER posts_count_deleted_authors AFTER DELETE ON posts
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION folio_count_deleted_author_posts();
CREATE TRIGGER posts_count_updated_authors AFTER UPDATE ON posts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION folio_count_updated_author_posts();
CREATE TRIGGER posts_reset_counts_authors AFTER TRUNCATE ON posts
    FOR EACH STATEMENT EXECUTE FUNCTION folio_reset_author_post_counts();

-- The counts of the posts already there. Should they ever drift (rows
-- changed with triggers disabled), empty the table and run this again.
INSERT INTO author_post_counts (author_id, posts)
SELECT author_id, count(*)::integer FROM posts
WHERE status = 'published' AND deleted_at IS NULL GROUP BY 1;

-- Search ranks by the title and description only: `search` (which adds the
-- body) decides what matches, through its GIN index, but ranking a match by
-- it means decompressing a vector of the whole body for every match, the
-- bulk of a search's cost. This small vector of the same two weighted
-- fields stays inline in the row. A match in the title still ranks above
-- one in the description, and that above a match in the body only (rank 0
-- here); equal ranks fall back to newest first.
ALTER TABLE posts ADD COLUMN search_head tsvector NOT NULL GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', description), 'B')
) STORED;
