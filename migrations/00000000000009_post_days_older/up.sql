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

-- Adds signed counts per day (changed_days ascending and distinct, deltas
-- beside them) and restates `older` from the first changed day on. The
-- caller holds post_total's row lock.
CREATE FUNCTION folio_shift_post_days(changed_days integer[], deltas integer[]) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    first_day integer := changed_days[1];
BEGIN
    IF first_day IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO post_days (day, posts)
    SELECT change.day, change.delta FROM unnest(changed_days, deltas) AS change (day, delta) ORDER BY 1
    ON CONFLICT (day) DO UPDATE SET posts = post_days.posts + excluded.posts;

    -- Only rows whose count of older posts moved are written.
    UPDATE post_days SET older = restated.older
    FROM (SELECT days.day,
                 base.older + coalesce(sum(days.posts) OVER (ORDER BY days.day
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS older
          FROM post_days AS days,
               (SELECT coalesce((SELECT before.older + before.posts FROM post_days AS before
                                 WHERE before.day < first_day ORDER BY before.day DESC LIMIT 1), 0) AS older)
                   AS base
          WHERE days.day >= first_day) AS restated
    WHERE post_days.day = restated.day AND post_days.older <> restated.older;
END
$$;

-- The day changes of a statement's new and old rows (published, live posts
-- only), as the two arrays folio_shift_post_days takes; both NULL when no
-- day changes.
CREATE FUNCTION folio_post_day_changes(entering timestamptz[], leaving timestamptz[],
                                       OUT changed_days integer[], OUT deltas integer[])
    LANGUAGE sql STABLE AS $$
    SELECT array_agg(day ORDER BY day), array_agg(delta ORDER BY day) FROM (
        SELECT day, sum(delta)::integer AS delta FROM (
            SELECT folio_post_day(at) AS day, 1 AS delta FROM unnest(entering) AS at
            UNION ALL
            SELECT folio_post_day(at), -1 FROM unnest(leaving) AS at
        ) AS changes
        GROUP BY day HAVING sum(delta) <> 0
    ) AS per_day
$$;

-- Serialises the writers of the counts (see the top of this file). Called
-- only by a statement that changes a count, so a favourite's
-- favorites_count bump still locks nothing.
CREATE FUNCTION folio_lock_post_counts() RETURNS void LANGUAGE sql AS $$
    SELECT 1 FROM post_total FOR UPDATE
$$;

CREATE OR REPLACE FUNCTION folio_count_inserted_posts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changes record;
BEGIN
    SELECT * INTO changes FROM folio_post_day_changes(
        ARRAY(SELECT published_at FROM new_rows WHERE status = 'published' AND deleted_at IS NULL), '{}');
    IF changes.changed_days IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM folio_lock_post_counts();
    PERFORM folio_shift_post_days(changes.changed_days, changes.deltas);

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
DECLARE
    changes record;
BEGIN
    SELECT * INTO changes FROM folio_post_day_changes(
        '{}', ARRAY(SELECT published_at FROM old_rows WHERE status = 'published' AND deleted_at IS NULL));
    IF changes.changed_days IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM folio_lock_post_counts();
    PERFORM folio_shift_post_days(changes.changed_days, changes.deltas);

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

-- A post whose tags change while it stays published changes tag_counts
-- only: relative upserts that need no lock of post_total.
CREATE OR REPLACE FUNCTION folio_count_updated_posts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changes record;
BEGIN
    SELECT * INTO changes FROM folio_post_day_changes(
        ARRAY(SELECT published_at FROM new_rows WHERE status = 'published' AND deleted_at IS NULL),
        ARRAY(SELECT published_at FROM old_rows WHERE status = 'published' AND deleted_at IS NULL));
    IF changes.changed_days IS NOT NULL THEN
        PERFORM folio_lock_post_counts();
        PERFORM folio_shift_post_days(changes.changed_days, changes.deltas);

        UPDATE post_total SET posts = post_total.posts + change.delta
        FROM (SELECT (SELECT count(*) FROM new_rows WHERE status = 'published' AND deleted_at IS NULL)
                  - (SELECT count(*) FROM old_rows WHERE status = 'published' AND deleted_at IS NULL) AS delta)
            AS change
        WHERE change.delta <> 0;
    END IF;

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
