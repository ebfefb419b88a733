-- A page of a search, best match first. A search ranks every match, so it
-- visits them all anyway: the number of matches is a window over the same rows
-- (`count(*) OVER ()`) instead of a second scan, carried by every row. The
-- rank reads `search_head` (title and description), not the whole `search`
-- vector (see migration 00000000000007_read_paths). Only the page's rows are
-- joined to their authors. {term} is bound, never spliced into the text.
WITH matches AS (
    SELECT posts.id, posts.published_at, ts_rank(posts.search_head, query) AS rank,
           count(*) OVER () AS total
    FROM posts, websearch_to_tsquery('english', {term}) AS query
    WHERE posts.status = 'published' AND posts.deleted_at IS NULL AND posts.search @@ query
    ORDER BY rank DESC, posts.published_at DESC, posts.id DESC
    LIMIT {limit} OFFSET {offset}
)
SELECT {columns}, matches.total
FROM matches JOIN posts ON posts.id = matches.id
JOIN users ON users.id = posts.author_id
ORDER BY matches.rank DESC, matches.published_at DESC, matches.id DESC
