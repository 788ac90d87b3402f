-- Retention (issue 12): `privca tidy` and the background tidy delete
-- certificates long expired (ca/store/sqlite_inventory.c: sq_tidy). How
-- many were ever deleted is kept here, in the same transaction as each
-- deletion, for /metrics (privca_certificates_tidied_total) whoever tidied.
--
-- New stores are made with auto_vacuum = INCREMENTAL (sqlite_store.c, before the
-- first table), so the pages a tidy frees go back to the file system a few
-- at a time in the background, never by a VACUUM that would stop issuance.
-- A store made before keeps auto_vacuum = NONE (switching needs one VACUUM,
-- `sqlite3 privca.db 'PRAGMA auto_vacuum = INCREMENTAL; VACUUM'` while the
-- service is stopped): its freed pages are reused by later certificates,
-- so it stops growing instead.
CREATE TABLE tidy_state (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	deleted INTEGER NOT NULL
);
INSERT INTO tidy_state (id, deleted) VALUES (1, 0);
