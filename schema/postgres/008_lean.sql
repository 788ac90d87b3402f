-- The twin of schema/sqlite/008_lean.sql by number only. SQLite drops its
-- stored search text for an expression over the columns under a contentless
-- trigram index; here the search column stays: the pg_trgm GIN index
-- (002_search.sql) indexes a column, and store copy fills it from SQLite's
-- expression (ca/store/copy.c), so the same q= finds the same rows.
COMMENT ON COLUMN certificates.search IS
	'lower(subject || '' '' || dns_names || '' '' || ip_addresses || '' '' || serial), for q=';
