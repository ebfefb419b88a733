-- A page of the feed. A page can only hold posts among the newest `window`
-- (offset + limit) of their author: take that many from each followed author
-- (an index-only scan of `posts_author_live_idx` each), sort those few
-- candidates, and join only the page's rows to their authors.
WITH candidates AS (
    SELECT newest.id, newest.published_at FROM follows
    CROSS JOIN LATERAL (
        SELECT id, published_at FROM posts
        WHERE posts.author_id = follows.followee_id
          AND status = 'published' AND deleted_at IS NULL
        ORDER BY published_at DESC, id DESC
        LIMIT {window}
    ) AS newest
    WHERE follows.follower_id = {reader}
), page AS (
    SELECT id FROM candidates ORDER BY published_at DESC, id DESC LIMIT {limit} OFFSET {offset}
)
SELECT {columns}
FROM page JOIN posts ON posts.id = page.id JOIN users ON users.id = posts.author_id
ORDER BY posts.published_at DESC, posts.id DESC
