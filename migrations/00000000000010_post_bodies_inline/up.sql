-- Post bodies stay in their row (issue 7). A post is read far more often than
-- it is written, and where its body is stored decides what a read costs.
--
-- A row over ~2 kB gets its largest values compressed and, if that is not
-- enough, moved to the table's TOAST table (storage EXTENDED, the default).
-- A post's row usually passed that size with two large values, the body and
-- `search` (the vector of the whole text), and many bodies were moved out:
-- reading such a post took a lookup in the TOAST table's index and a read of
-- each chunk, a sixth of PostgreSQL's time on post reads in a profile.
--
-- MAIN keeps a value in the row, compressed if the row needs it, and moves it
-- out only when the row would not fit in a page otherwise. EXTERNAL moves a
-- value out first, uncompressed. `search` is only read through its GIN index
-- (and by the rare recheck of a phrase search), so it goes out first and
-- leaves the room to the body. The columns that lists read are MAIN too, so
-- that a long body never pushes a title or a description out of its row,
-- which would cost a list a TOAST lookup per row.
--
-- Measured on the benchmark's dataset (README, "Performance"): per post read,
-- PostgreSQL's reads from the OS page cache fell from 0.67 to 0.11 and its
-- buffer hits from 9.5 to 7.1, and its share of the CPU by a tenth; its
-- instructions did not change (decompressing a body costs what the TOAST
-- look-up did), nor did a page of the list's; the table's rows grew from 135
-- to 227 MB (409 MB with TOAST and indexes, as before).
--
-- Rows stored before this keep their layout until they are rewritten.
ALTER TABLE posts
    ALTER COLUMN search SET STORAGE EXTERNAL,
    ALTER COLUMN body SET STORAGE MAIN,
    ALTER COLUMN title SET STORAGE MAIN,
    ALTER COLUMN description SET STORAGE MAIN,
    ALTER COLUMN slug SET STORAGE MAIN,
    ALTER COLUMN tags SET STORAGE MAIN,
    ALTER COLUMN status SET STORAGE MAIN,
    ALTER COLUMN search_head SET STORAGE MAIN;
