-- Search (q=) at scale. Two ways, chosen per query by store_list:
--
-- 1. A trigram full-text index over the search text (FTS5, external content:
--    the text lives once, in certificates.search). A term of 3 or more
--    characters is looked up as a phrase of trigrams and walked newest first
--    by rowid, so a rare name and a common one both cost about a millisecond
--    among 100k certificates (bench pages).
-- 2. For shorter terms and for sort=expires: a scan in list order. With the
--    search text and status columns in the ordering indexes, SQLite filters
--    on the index alone and reads a table row (with its DER) only for a match.
--
-- The trigram index is not maintained by a trigger: indexing ~140 trigrams
-- in every issuance's commit cost a quarter of the issuance rate. Rows are
-- indexed in bulk, in rowid order, up to fts_state.last_rowid: by the
-- service's background thread every fraction of a second, and by any search
-- before it runs (store.c: fts_catch_up), so a search never misses a row.
CREATE VIRTUAL TABLE cert_fts USING fts5(
	search,
	content = 'certificates',
	content_rowid = 'rowid',
	tokenize = 'trigram'
);
INSERT INTO cert_fts (cert_fts) VALUES ('rebuild');
CREATE TABLE fts_state (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	last_rowid INTEGER NOT NULL
);
INSERT INTO fts_state (id, last_rowid) SELECT 1, coalesce(max(rowid), 0) FROM certificates;

DROP INDEX certificates_issued;
DROP INDEX certificates_expires;
CREATE INDEX certificates_issued ON certificates (created_at, serial, status, not_after, search);
CREATE INDEX certificates_expires ON certificates (not_after, serial, status, created_at, search);

-- Counts by status (the overview page, /api/v1/ca, /metrics) as index range
-- counts instead of a pass over every row: 22 ms -> ~2 ms at 100k.
CREATE INDEX certificates_status ON certificates (status, not_after);
