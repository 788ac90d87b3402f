-- The twin of schema/sqlite/014_fts_detail_none.sql, which builds SQLite's
-- FTS5 trigram index again without positions. PostgreSQL's trigram index
-- is a GIN index of pg_trgm, which keeps none. This number is kept so both
-- dialects count their migrations alike.
COMMENT ON COLUMN certificates.search IS 'the text searched (pg_trgm GIN index, no positions; ca/store/pg_search.c)';
