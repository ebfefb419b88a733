-- Reverts 00000000000009_post_days_older: the count functions as
-- 00000000000003_list_counts defined them.
CREATE OR REPLACE FUNCTION folio_count_inserted_posts() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE OR REPLACE FUNCTION folio_count_deleted_posts() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE OR REPLACE FUNCTION folio_count_updated_posts() RETURNS trigger LANGUAGE plpgsql AS $$
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

DROP FUNCTION IF EXISTS folio_count_post_changes(timestamptz[], timestamptz[], text[], text[]);
DROP INDEX IF EXISTS post_days_older_idx;
ALTER TABLE post_days DROP COLUMN IF EXISTS older;
