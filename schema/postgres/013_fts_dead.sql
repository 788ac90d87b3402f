-- The twin of schema/sqlite/013_fts_dead.sql, which lets the SQLite tidy
-- leave its rows' entries in the FTS5 trigram index and rebuilds that index
-- in the background. PostgreSQL's trigram index is its own GIN index, kept
-- by PostgreSQL when the tidy deletes (ca/store/pg_tidy.c). This number is
-- kept so both dialects count their migrations alike.
COMMENT ON TABLE tidy_state IS 'rows the tidy has deleted (ca/store/pg_tidy.c)';
