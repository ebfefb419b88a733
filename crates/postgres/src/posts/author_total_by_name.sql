-- An author's live posts, from `author_post_counts`, by username; 0 for an
-- unknown author or one without posts.
SELECT coalesce(max(counts.posts), 0)::bigint FROM author_post_counts AS counts
JOIN users ON users.id = counts.author_id WHERE users.username = {author}
