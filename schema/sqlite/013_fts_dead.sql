-- Tidy leaves its rows' trigram entries (issue 12). In FTS5 3.40 a delete
-- from a contentless table writes markers that its merging carries into the
-- big segments: at a million rows about 0.3 s (up to 1.5 s) of each
-- 2,000-row tidy step, in the write lock, where issuance waited. A dead
-- entry is harmless (every search joins the certificates, and no rowid is
-- handed out twice); the tidy counts them in dead, and when they pass a
-- quarter of the rows the service builds a new index beside the old,
-- rebuild_rowid the row it has reached (NULL: none under way), and swaps
-- them (ca/store/sqlite_reindex.c). rebuild_dead: dead when it began.
ALTER TABLE fts_state ADD COLUMN dead INTEGER NOT NULL DEFAULT 0;
ALTER TABLE fts_state ADD COLUMN rebuild_rowid INTEGER;
ALTER TABLE fts_state ADD COLUMN rebuild_dead INTEGER NOT NULL DEFAULT 0;
