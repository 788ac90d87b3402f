-- A lean store (issue 12). Measured with dbstat on 100,000 rows of the
-- bench's shape (660 bytes of DER, two names), after VACUUM, in bytes per
-- certificate: before, 2105 in all: the table 1369 (the search column in
-- it), certificates_issued 171 and certificates_expires 171 (both carrying
-- the search text again), the trigram index 332, the serial key 41,
-- certificates_status 19. After: 1440 in all (780 beyond the DER): the
-- table 1027, the trigram index 321, the serial key 41, the two ordering
-- indexes 24 each.
--
-- Now the search text is nowhere stored: it is an expression over the
-- columns (ca/store/sqlite_int.h: SQ_SEARCH_EXPR, spelled the same below),
-- indexed by a contentless trigram FTS5 table without document sizes. The
-- ordering indexes keep status and not_after so filters stay on the index;
-- a scan that tests the text (terms under three characters, or a common
-- term sorted by expiry) reads the row of each entry that passes the
-- filters. certificates_status goes: its ranges are served by
-- certificates_expires (not_after first, status in the index).
--
-- Dropping the column rewrites the rows in place: an existing file keeps
-- its size (the freed space is reused by later rows; VACUUM gives it back),
-- a new store never grows it.
DROP INDEX certificates_issued;
DROP INDEX certificates_expires;
DROP INDEX certificates_status;
DROP TABLE cert_fts;
ALTER TABLE certificates DROP COLUMN search;
CREATE INDEX certificates_issued ON certificates (created_at, status, not_after);
CREATE INDEX certificates_expires ON certificates (not_after, status, created_at);
-- Revoked ones newest first: in issue order from a small partial index
-- (2% of rows at the bench's rate) instead of sorting every revoked row;
-- by expiry, certificates_revoked (status, not_after) already gives it.
CREATE INDEX certificates_revoked_issued ON certificates (created_at) WHERE status = 'revoked';

-- Contentless: rows are added by sq_index_catch_up in rowid order up to
-- fts_state.last_rowid, and removed by tidy with the 'delete' command and
-- the same text, which the expression gives back from the row.
CREATE VIRTUAL TABLE cert_fts USING fts5(
	search,
	content = '',
	columnsize = 0,
	tokenize = 'trigram'
);
INSERT INTO cert_fts (rowid, search)
SELECT rowid, lower(subject || ' ' || dns_names || ' ' || ip_addresses || ' ' || serial)
FROM certificates WHERE rowid <= (SELECT last_rowid FROM fts_state WHERE id = 1) ORDER BY rowid;
