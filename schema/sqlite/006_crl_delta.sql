-- Delta CRLs (RFC 5280 5.2.4). A delta lists the revocations made since
-- the complete CRL it names as its base; to find them without reading
-- every revoked row, each revocation keeps the revocation generation it
-- raised the counter to (revoked_gen), indexed.
--
-- Rows revoked before this migration get the generation of now: a base
-- built from here on reflects them, so no delta lists them again.
ALTER TABLE certificates ADD COLUMN revoked_gen INTEGER;
UPDATE certificates SET revoked_gen = (SELECT generation FROM revocation_state WHERE id = 1)
WHERE status = 'revoked';
CREATE INDEX certificates_revoked_gen ON certificates (revoked_gen, not_after)
WHERE revoked_gen IS NOT NULL;

DROP TRIGGER certificates_revoked;
CREATE TRIGGER certificates_revoked AFTER UPDATE OF status ON certificates
WHEN NEW.status = 'revoked' AND OLD.status <> 'revoked'
BEGIN
	UPDATE revocation_state SET generation = generation + 1 WHERE id = 1;
	UPDATE certificates SET revoked_gen = (SELECT generation FROM revocation_state WHERE id = 1)
	WHERE rowid = NEW.rowid;
END;

-- The complete CRL the deltas are relative to: its number, the generation
-- it reflects and when it was signed (0 / -1 / 0: none yet). Moved to the
-- CRL being recorded once a day, so a delta holds at most a day of
-- revocations.
ALTER TABLE crl_state ADD COLUMN base_number INTEGER NOT NULL DEFAULT 0;
ALTER TABLE crl_state ADD COLUMN base_generation INTEGER NOT NULL DEFAULT -1;
ALTER TABLE crl_state ADD COLUMN base_this_update INTEGER NOT NULL DEFAULT 0;
