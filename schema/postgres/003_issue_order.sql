-- Newest first means in the order certificates were issued, also within one
-- second (the twin of schema/sqlite/003_issue_order.sql). SQLite breaks
-- created_at ties by the rowid; PostgreSQL has none, so the issue order is
-- a sequence column, drawn at insert: seq is the list's tie-breaker and its
-- cursor's. Rows already there are numbered in serial order.
ALTER TABLE certificates ADD COLUMN seq BIGINT;
UPDATE certificates SET seq = o.n FROM
	(SELECT serial, row_number() OVER (ORDER BY created_at, serial) AS n FROM certificates) o
	WHERE certificates.serial = o.serial;
CREATE SEQUENCE certificates_seq OWNED BY certificates.seq;
SELECT setval('certificates_seq', coalesce((SELECT max(seq) FROM certificates), 0) + 1, false);
ALTER TABLE certificates ALTER COLUMN seq SET DEFAULT nextval('certificates_seq');
ALTER TABLE certificates ALTER COLUMN seq SET NOT NULL;
CREATE UNIQUE INDEX certificates_seq_key ON certificates (seq);

DROP INDEX certificates_issued;
DROP INDEX certificates_expires;
CREATE INDEX certificates_issued ON certificates (created_at, seq);
CREATE INDEX certificates_expires ON certificates (not_after, seq);
