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
CREATE VIRTUAL TABLE cert_fts USING fts5(
	search,
	content = 'certificates',
	content_rowid = 'rowid',
	tokenize = 'trigram'
);
INSERT INTO cert_fts (cert_fts) VALUES ('rebuild');

-- The search text never changes after insert; revocation updates other columns.
CREATE TRIGGER certificates_fts_insert AFTER INSERT ON certificates BEGIN
	INSERT INTO cert_fts (rowid, search) VALUES (NEW.rowid, NEW.search);
END;
CREATE TRIGGER certificates_fts_delete AFTER DELETE ON certificates BEGIN
	INSERT INTO cert_fts (cert_fts, rowid, search) VALUES ('delete', OLD.rowid, OLD.search);
END;

DROP INDEX certificates_issued;
DROP INDEX certificates_expires;
CREATE INDEX certificates_issued ON certificates (created_at, serial, status, not_after, search);
CREATE INDEX certificates_expires ON certificates (not_after, serial, status, created_at, search);
