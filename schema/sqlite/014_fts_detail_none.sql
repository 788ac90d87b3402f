-- The trigram index keeps no positions (detail = none; issue 12). With
-- positions (FTS5's default) the index was 321 bytes a certificate at a
-- million rows, and FTS5's automatic merges, which run inside the writes
-- that add entries, held the write lock 0.3-2 s about every 16 of them,
-- where issuance waited. Without: 90 bytes a certificate, and 12,000
-- entries added 300 to a transaction took 0.25 s in all, at most 41 ms
-- (6.8-11.7 s, at most 0.9-1.8 s, with positions; python3's sqlite3 on a
-- copy of scripts/bench --large pages' store). A search then asks for the
-- term's trigrams joined by AND, and checks the term against the row
-- (ca/store/sqlite_search.c), which it already did for the scans.
--
-- The index is built again here from the rows it held; a rebuild under
-- way (013) is dropped, and the dead entries go with the old index.
DROP TABLE IF EXISTS cert_fts_new;
DROP TABLE IF EXISTS cert_fts_old;
DROP TABLE cert_fts;
CREATE VIRTUAL TABLE cert_fts USING fts5(
	search,
	content = '',
	columnsize = 0,
	detail = none,
	tokenize = 'trigram'
);
INSERT INTO cert_fts (rowid, search)
SELECT rowid, lower(subject || ' ' || dns_names || ' ' || ip_addresses || ' ' || serial)
FROM certificates WHERE rowid <= (SELECT last_rowid FROM fts_state WHERE id = 1) ORDER BY rowid;
UPDATE fts_state SET dead = 0, rebuild_rowid = NULL, rebuild_dead = 0 WHERE id = 1;
