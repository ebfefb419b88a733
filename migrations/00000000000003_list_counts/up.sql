-- Counts that lists read instead of counting posts on every request, kept in
-- step with `posts` by triggers, in the same transaction as the change, so
-- they are exact and never stale. Both count exactly the posts that lists
-- show: status = 'published' AND deleted_at IS NULL.
--
-- post_days: those posts per publication day (UTC). Page N of the public
-- list starts in the day where the running count of newer posts passes N's
-- offset, so a deep page skips at most one day of posts, not every newer one.
-- post_total: their number, the public list's total, as one row.
--
-- tag_counts: those posts per tag. The tag list (GET /tags) reads it, and so
-- does the total of a list filtered by one tag.
--
-- The triggers are per statement, with transition tables: a bulk load (COPY
-- of 100,000 posts) updates each day and tag once, not once per row. Rows
-- are updated in key order, so concurrent writers cannot deadlock on them.
-- Should the counts ever drift (rows changed with triggers disabled), empty
-- both tables and run the two INSERT ... SELECT statements at the end again.

CREATE TABLE post_days (
    -- Days since 1970-01-01 of published_at, in UTC (folio_post_day).
    day integer CONSTRAINT post_days_pkey PRIMARY KEY,
    -- integer: summing integers is much cheaper than summing bigints (whose
    -- sum is a numeric). No CHECK (posts >= 0): PostgreSQL checks the row an
    -- INSERT ... ON CONFLICT proposes before it sees the conflict, so a
    -- signed delta could never be applied that way.
    posts integer NOT NULL
);

CREATE TABLE post_total (
    -- Exactly one row.
    singleton boolean CONSTRAINT post_total_pkey PRIMARY KEY DEFAULT true
        CONSTRAINT post_total_singleton CHECK (singleton),
    posts bigint NOT NULL
);

CREATE TABLE tag_counts (
    tag text CONSTRAINT tag_counts_pkey PRIMARY KEY,
    posts bigint NOT NULL
);

-- The post_days key of a publication time. The adapter's list query bounds
-- a day with to_timestamp((day + 1) * 86400), the inverse of this.
CREATE FUNCTION folio_post_day(published_at timestamptz) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT floor(extract(epoch FROM published_at) / 86400)::integer $$;

-- One function per trigger event, because a transition table exists only
-- for the events that have it. Each adds signed counts with INSERT ... ON
-- CONFLICT in key order (a key always exists before its count goes down, so
-- a negative count is never inserted), and always in the same order of
-- tables (post_days, post_total, tag_counts), so writers cannot deadlock.
CREATE FUNCTION folio_count_inserted_posts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO post_days (day, posts)
    SELECT folio_post_day(published_at), count(*)::integer FROM new_rows
    WHERE status = 'published' AND deleted_at IS NULL
    GROUP BY 1 ORDER BY 1
    ON CONFLICT (day) DO UPDATE SET posts = post_days.posts + excluded.posts;

    UPDATE post_total SET posts = post_total.posts + change.delta
    FROM (SELECT count(*) AS delta FROM new_rows WHERE status = 'published' AND deleted_at IS NULL) AS change
    WHERE change.delta <> 0;

    INSERT INTO tag_counts (tag, posts)
    SELECT tag, count(*) FROM new_rows CROSS JOIN LATERAL unnest(new_rows.tags) AS tag
    WHERE status = 'published' AND deleted_at IS NULL
    GROUP BY 1 ORDER BY 1
    ON CONFLICT (tag) DO UPDATE SET posts = tag_counts.posts + excluded.posts;
    RETURN NULL;
END
$$;

CREATE FUNCTION folio_count_deleted_posts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO post_days (day, posts)
    SELECT folio_post_day(published_at), -count(*)::integer FROM old_rows
    WHERE status = 'published' AND deleted_at IS NULL
    GROUP BY 1 ORDER BY 1
    ON CONFLICT (day) DO UPDATE SET posts = post_days.posts + excluded.posts;

    UPDATE post_total SET posts = post_total.posts + change.delta
    FROM (SELECT -count(*) AS delta FROM old_rows WHERE status = 'published' AND deleted_at IS NULL) AS change
    WHERE change.delta <> 0;

    INSERT INTO tag_counts (tag, posts)
    SELECT tag, -count(*) FROM old_rows CROSS JOIN LATERAL unnest(old_rows.tags) AS tag
    WHERE status = 'published' AND deleted_at IS NULL
    GROUP BY 1 ORDER BY 1
    ON CONFLICT (tag) DO UPDATE SET posts = tag_counts.posts + excluded.posts;
    RETURN NULL;
END
$$;

-- An update counts as its old rows leaving and its new rows entering; rows
-- whose status, deletion, day and tags did not change cancel out and write
-- nothing (a favourite's favorites_count bump locks no counter).
CREATE FUNCTION folio_count_updated_posts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO post_days (day, posts)
    SELECT day, sum(delta) FROM (
        SELECT folio_post_day(published_at) AS day, 1 AS delta FROM new_rows
        WHERE status = 'published' AND deleted_at IS NULL
        UNION ALL
        SELECT folio_post_day(published_at), -1 FROM old_rows
        WHERE status = 'published' AND deleted_at IS NULL
    ) AS changes
    GROUP BY day HAVING sum(delta) <> 0 ORDER BY day
    ON CONFLICT (day) DO UPDATE SET posts = post_days.posts + excluded.posts;

    UPDATE post_total SET posts = post_total.posts + change.delta
    FROM (SELECT (SELECT count(*) FROM new_rows WHERE status = 'published' AND deleted_at IS NULL)
              - (SELECT count(*) FROM old_rows WHERE status = 'published' AND deleted_at IS NULL) AS delta)
        AS change
    WHERE change.delta <> 0;

    INSERT INTO tag_counts (tag, posts)
    SELECT tag, sum(delta) FROM (
        SELECT tag, 1 AS delta FROM new_rows CROSS JOIN LATERAL unnest(new_rows.tags) AS tag
        WHERE status = 'published' AND deleted_at IS NULL
        UNION ALL
        SELECT tag, -1 FROM old_rows CROSS JOIN LATERAL unnest(old_rows.tags) AS tag
        WHERE status = 'published' AND deleted_at IS NULL
    ) AS changes
    GROUP BY tag HAVING sum(delta) <> 0 ORDER BY tag
    ON CONFLICT (tag) DO UPDATE SET posts = tag_counts.posts + excluded.posts;
    RETURN NULL;
END
$$;

CREATE FUNCTION folio_reset_post_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM post_days;
    UPDATE post_total SET posts = 0;
    DELETE FROM tag_counts;
    RETURN NULL;
END
$$;

CREATE TRIGGER posts_count_inserted AFTER INSERT ON posts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION folio_count_inserted_posts();
CREATE TRIGGER posts_count_deleted AFTER DELETE ON posts
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION folio_count_deleted_posts();
CREATE TRIGGER posts_count_updated AFTER UPDATE ON posts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION folio_count_updated_posts();
CREATE TRIGGER posts_reset_counts AFTER TRUNCATE ON posts
    FOR EACH STATEMENT EXECUTE FUNCTION folio_reset_post_counts();

-- The counts of the posts already there.
INSERT INTO post_total (posts)
SELECT count(*) FROM posts WHERE status = 'published' AND deleted_at IS NULL;

INSERT INTO post_days (day, posts)
SELECT folio_post_day(published_at), count(*)::integer FROM posts
WHERE status = 'published' AND deleted_at IS NULL GROUP BY 1;

INSERT INTO tag_counts (tag, posts)
SELECT tag, count(*) FROM posts CROSS JOIN LATERAL unnest(posts.tags) AS tag
WHERE status = 'published' AND deleted_at IS NULL GROUP BY 1;

-- Every read of a post decompresses its body. lz4 decompresses several times
-- faster than PostgreSQL's default pglz, so bodies use it where the server
-- was built with it (from here on; stored values keep theirs until rewritten).
DO $$
BEGIN
    EXECUTE 'ALTER TABLE posts ALTER COLUMN body SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
    RAISE NOTICE 'lz4 is not available here; post bodies keep the default compression';
END
$$;
