-- A deep page of the public list found its first day by summing post_days
-- from the newest day until the sum passed the page's offset: a scan of
-- every newer day, longer the deeper the page. Each day now also keeps
-- `older`, the number of published, live posts of all earlier days, so the
-- first day of a page is one descent of an index: the newest day with
-- older < total - offset (see the adapter's LatestPage).
--
-- `older` of a day changes only when an earlier day's count changes. New
-- posts are published today, the newest day, so publishing restates one
-- row; deleting an old post restates every newer day.
--
-- Restating reads other days' counts, so it must not interleave with
-- another writer's: the writers of any count now take the row lock of
-- post_total first (it serialised them already, taken later), then change
-- post_days, post_total, tag_counts, in that order. In READ COMMITTED each
-- later statement then sees every earlier writer's committed counts.

ALTER TABLE post_days ADD COLUMN older bigint NOT NULL DEFAULT 0;

UPDATE post_days SET older = restated.older
FROM (SELECT day, coalesce(sum(posts) OVER (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
          AS older
      FROM post_days) AS restated
WHERE post_days.day = restated.day;

-- older grows with day, so this is also day order; INCLUDE lets the page
-- read a day's count without visiting the table.
CREATE INDEX post_days_older_idx ON post_days (older, day) INCLUDE (posts);

-- Applies one statement's change to every count, given the publication
-- times and the tags of the published, live rows it adds (entering) and
-- removes (leaving); each trigger below only gathers those from its
-- transition tables. Rows that leave and enter unchanged (a favourite's
-- favorites_count bump) cancel out: nothing is written or locked.
CREATE FUNCTION folio_count_post_changes(entering timestamptz[], leaving timestamptz[],
                                         entering_tags text[], leaving_tags text[]) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    changed_days integer[];
    deltas integer[];
BEGIN
    SELECT array_agg(per_day.day ORDER BY per_day.day), array_agg(per_day.delta ORDER BY per_day.day)
    INTO changed_days, deltas
    FROM (
        SELECT changes.day, sum(changes.delta)::integer AS delta FROM (
            SELECT folio_post_day(at) AS day, 1 AS delta FROM unnest(entering) AS at
            UNION ALL
            SELECT folio_post_day(at), -1 FROM unnest(leaving) AS at
        ) AS changes
        GROUP BY changes.day HAVING sum(changes.delta) <> 0
    ) AS per_day;

    IF changed_days IS NOT NULL THEN
        -- Serialises the writers of the counts (see the top of this file).
        PERFORM 1 FROM post_total FOR UPDATE;

        INSERT INTO post_days (day, posts)
        SELECT change.day, change.delta FROM unnest(changed_days, deltas) AS change (day, delta) ORDER BY 1
        ON CONFLICT (day) DO UPDATE SET posts = post_days.posts + excluded.posts;

        -- `older` from the first changed day on; only rows whose count of
        -- older posts moved are written.
        UPDATE post_days SET older = restated.older
        FROM (SELECT days.day,
                     base.older + coalesce(sum(days.posts) OVER (ORDER BY days.day
                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS older
              FROM post_days AS days,
                   (SELECT coalesce((SELECT before.older + before.posts FROM post_days AS before
                                     WHERE before.day < changed_days[1] ORDER BY before.day DESC LIMIT 1), 0)
                       AS older) AS base
              WHERE days.day >= changed_days[1]) AS restated
        WHERE post_days.day = restated.day AND post_days.older <> restated.older;

        UPDATE post_total SET posts = post_total.posts + cardinality(entering) - cardinality(leaving)
        WHERE cardinality(entering) <> cardinality(leaving);
    END IF;

    -- Tags change without a day changing when a published post is retagged:
    -- relative upserts, in key order, that need no lock of post_total.
    INSERT INTO tag_counts (tag, posts)
    SELECT changes.tag, sum(changes.delta) FROM (
        SELECT tag, 1 AS delta FROM unnest(entering_tags) AS tag
        UNION ALL
        SELECT tag, -1 FROM unnest(leaving_tags) AS tag
    ) AS changes
    GROUP BY changes.tag HAVING sum(changes.delta) <> 0 ORDER BY changes.tag
    ON CONFLICT (tag) DO UPDATE SET posts = tag_counts.posts + excluded.posts;
END
$$;

CREATE OR REPLACE FUNCTION folio_count_inserted_posts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM folio_count_post_changes(
        ARRAY(SELECT published_at FROM new_rows WHERE status = 'published' AND deleted_at IS NULL), '{}',
        ARRAY(SELECT tag FROM new_rows CROSS JOIN LATERAL unnest(new_rows.tags) AS tag
              WHERE status = 'published' AND deleted_at IS NULL), '{}');
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION folio_count_deleted_posts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM folio_count_post_changes(
        '{}', ARRAY(SELECT published_at FROM old_rows WHERE status = 'published' AND deleted_at IS NULL),
        '{}', ARRAY(SELECT tag FROM old_rows CROSS JOIN LATERAL unnest(old_rows.tags) AS tag
                    WHERE status = 'published' AND deleted_at IS NULL));
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION folio_count_updated_posts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM folio_count_post_changes(
        ARRAY(SELECT published_at FROM new_rows WHERE status = 'published' AND deleted_at IS NULL),
        ARRAY(SELECT published_at FROM old_rows WHERE status = 'published' AND deleted_at IS NULL),
        ARRAY(SELECT tag FROM new_rows CROSS JOIN LATERAL unnest(new_rows.tags) AS tag
              WHERE status = 'published' AND deleted_at IS NULL),
        ARRAY(SELECT tag FROM old_rows CROSS JOIN LATERAL unnest(old_rows.tags) AS tag
              WHERE status = 'published' AND deleted_at IS NULL));
    RETURN NULL;
END
$$;
