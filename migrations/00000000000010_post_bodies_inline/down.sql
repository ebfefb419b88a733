-- Reverts 00000000000010_post_bodies_inline: every column of posts back to
-- the default storage (rows keep their layout until rewritten).
ALTER TABLE posts
    ALTER COLUMN search SET STORAGE EXTENDED,
    ALTER COLUMN body SET STORAGE EXTENDED,
    ALTER COLUMN title SET STORAGE EXTENDED,
    ALTER COLUMN description SET STORAGE EXTENDED,
    ALTER COLUMN slug SET STORAGE EXTENDED,
    ALTER COLUMN tags SET STORAGE EXTENDED,
    ALTER COLUMN status SET STORAGE EXTENDED,
    ALTER COLUMN search_head SET STORAGE EXTENDED;
