-- An author's live posts, from `author_post_counts`; 0 for an author without any.
SELECT coalesce(max(posts), 0)::bigint FROM author_post_counts WHERE author_id = {author}
