-- The twin of schema/sqlite/010_crl_list.sql: the complete CRL's list read
-- from one index in serial order ("C" collation, as ca/store/pg_certs.c
-- orders it), without a visit to each row's DER.
CREATE INDEX certificates_revoked_list
	ON certificates (serial COLLATE "C") INCLUDE (not_after, revoked_at, revocation_reason)
	WHERE status = 'revoked';
