-- The complete CRL's list (issue 11): every revoked certificate not yet
-- expired, in serial order. The index of 001, (status, not_after), finds
-- them but makes SQLite read each one's row, DER and all, and sort a
-- million serials; this one holds every column the query reads, in the
-- order it wants (ca/store/sqlite_certs.c names it with INDEXED BY). About
-- 60 bytes per revoked certificate, nothing for the others.
CREATE INDEX certificates_revoked_list
	ON certificates (serial, not_after, revoked_at, revocation_reason, status)
	WHERE status = 'revoked';
