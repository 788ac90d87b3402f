-- The twin of schema/sqlite/012_crl_file.sql, which moves the complete
-- CRL's DER out of the SQLite row into a file beside the database.
-- PostgreSQL keeps it in crl_state.der: every node reads it from there, and
-- no node shares a filesystem with another. This number is kept so both
-- dialects count their migrations alike.
COMMENT ON COLUMN crl_state.der IS 'the complete CRL recorded last (ca/store/pg_certs.c)';
