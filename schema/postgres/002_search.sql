-- Search (q=) at scale: the twin of schema/sqlite/002_search.sql. SQLite
-- keeps an FTS5 trigram index; here pg_trgm's GIN index over the same
-- lowercase search column answers the same substring match (search LIKE
-- '%term%', ca/store/pg_search.c), maintained by PostgreSQL itself.
--
-- pg_trgm is an extension: where it cannot be had (not installed, or a
-- PostgreSQL-compatible database without it) the search scans in list
-- order instead, with the same answers.
DO $$
BEGIN
	CREATE EXTENSION IF NOT EXISTS pg_trgm;
	EXECUTE 'CREATE INDEX certificates_search ON certificates USING gin (search gin_trgm_ops)';
EXCEPTION WHEN OTHERS THEN
	RAISE NOTICE 'pg_trgm is not available (%): search scans in list order', SQLERRM;
END
$$;

DROP INDEX certificates_issued;
DROP INDEX certificates_expires;
CREATE INDEX certificates_issued ON certificates (created_at, serial, status, not_after);
CREATE INDEX certificates_expires ON certificates (not_after, serial, status, created_at);
CREATE INDEX certificates_status ON certificates (status, not_after);
