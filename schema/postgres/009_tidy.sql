-- Retention: the twin of schema/sqlite/009_tidy.sql. `privca tidy` and the
-- background tidy delete certificates long expired (ca/store/pg_tidy.c).
-- How many were ever deleted is kept here, in the same transaction as each
-- deletion, for /metrics (privca_certificates_tidied_total) whichever node
-- tidied. PostgreSQL's autovacuum makes the freed space reusable.
CREATE TABLE tidy_state (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	deleted BIGINT NOT NULL
);
INSERT INTO tidy_state (id, deleted) VALUES (1, 0);
