-- A deeper page of the public list. `start` is the newest day with fewer than
-- `total - offset` older posts (one descent of `post_days_older_idx`);
-- `before` posts lie in newer days, so the page skips `offset - before` of the
-- posts published before the end of that day. An offset past the end finds no
-- day and an empty page. Every row carries the number of published posts.
WITH start AS (
    SELECT day, (SELECT posts FROM post_total) - older - posts AS before FROM post_days
    WHERE older < (SELECT posts FROM post_total) - {offset}
    ORDER BY older DESC, day DESC LIMIT 1
)
SELECT {columns}, (SELECT posts FROM post_total)
FROM (
    SELECT * FROM posts WHERE status = 'published' AND deleted_at IS NULL
    AND published_at < (SELECT to_timestamp(((day + 1) * 86400)::double precision) FROM start)
    ORDER BY published_at DESC, id DESC LIMIT {limit}
    OFFSET (SELECT {offset} - before FROM start)
) AS posts
JOIN users ON users.id = posts.author_id
ORDER BY posts.published_at DESC, posts.id DESC
