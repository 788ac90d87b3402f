-- Delta CRLs (RFC 5280 5.2.4): the twin of schema/sqlite/006_crl_delta.sql.
-- Each revocation keeps the revocation generation it raised the counter
-- to (revoked_gen), indexed, so a delta finds the revocations made since
-- its base without reading every revoked row. SQLite sets it in a
-- trigger; here the revocation's own transaction does (ca/store/pg_certs.c,
-- plain SQL as for the counter itself).
--
-- Rows revoked before this migration get the generation of now: a base
-- built from here on reflects them, so no delta lists them again.
ALTER TABLE certificates ADD COLUMN revoked_gen BIGINT;
UPDATE certificates SET revoked_gen = (SELECT generation FROM revocation_state WHERE id = 1)
WHERE status = 'revoked';
CREATE INDEX certificates_revoked_gen ON certificates (revoked_gen, not_after)
WHERE revoked_gen IS NOT NULL;

-- The complete CRL the deltas are relative to: its number, the generation
-- it reflects and when it was signed (0 / -1 / 0: none yet).
ALTER TABLE crl_state ADD COLUMN base_number BIGINT NOT NULL DEFAULT 0;
ALTER TABLE crl_state ADD COLUMN base_generation BIGINT NOT NULL DEFAULT -1;
ALTER TABLE crl_state ADD COLUMN base_this_update BIGINT NOT NULL DEFAULT 0;
