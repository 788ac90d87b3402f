-- The twin of schema/sqlite/007_counts.sql by number only. SQLite keeps a
-- per-day expiry histogram in triggers so that a count needs no pass over
-- the certificates; PostgreSQL counts with one pass in pg_count
-- (ca/store/pg_certs.c) and keeps no second copy of the statuses, so this
-- migration only records that choice where an operator reading the schema
-- finds it.
COMMENT ON TABLE certificates IS
	'privca certificates; counts are read from these rows (no histogram, unlike SQLite 007)';
