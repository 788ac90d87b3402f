-- Newest first means in the order certificates were issued, also within one
-- second. Lists used to break created_at ties by serial, which is random:
-- certificates issued in the same second came back in any order, and the
-- overview's "latest" could miss the one just issued. Rows are appended in
-- issue order (one writer thread), so the tie-break is the rowid. An index
-- ends with the rowid, so dropping serial from the ordering indexes makes
-- them (key, rowid) orders; the status and search columns stay in them so
-- filters are still answered from the index (schema/002_search.sql).
DROP INDEX certificates_issued;
DROP INDEX certificates_expires;
CREATE INDEX certificates_issued ON certificates (created_at, status, not_after, search);
CREATE INDEX certificates_expires ON certificates (not_after, status, created_at, search);
