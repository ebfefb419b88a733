-- The feed's total: the live posts of the followed authors, summed from
-- `author_post_counts` (one index lookup per followed author).
SELECT coalesce(sum(counts.posts), 0)::bigint FROM follows
JOIN author_post_counts AS counts ON counts.author_id = follows.followee_id
WHERE follows.follower_id = {reader}
