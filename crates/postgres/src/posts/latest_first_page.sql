-- The public list's first page, by far the most read: the newest {limit}
-- published posts, straight from the partial index, joined to their authors.
-- Every row carries the number of published posts (`post_total`).
SELECT {columns}, (SELECT posts FROM post_total)
FROM (
    SELECT * FROM posts WHERE status = 'published' AND deleted_at IS NULL
    ORDER BY published_at DESC, id DESC LIMIT {limit}
) AS posts
JOIN users ON users.id = posts.author_id
ORDER BY posts.published_at DESC, posts.id DESC
