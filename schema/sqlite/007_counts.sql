-- Counts for the overview, /api/v1/ca and /metrics without a pass over the
-- certificates (issue 12): how many certificates of each status expire on
-- each UTC day, kept by triggers in the same transaction as every write, by
-- whoever writes (the service, `privca revoke` in another process, tidy).
--
-- Why a per-day histogram and not four counters: "expired" and "expiring
-- within 30 days" change as time passes with no write at all, which a
-- counter cannot see. With buckets by expiry day, a count at time T is the
-- sum of the whole days on each side of T (a few hundred small rows) plus
-- an index range count of the certificates expiring in T's own day and in
-- the day 30 days on (ca/store/sqlite_inventory.c). Nothing is refreshed in
-- the background, so there is no age to show: the answer is exact at T.
--
-- day is floor(not_after / 86400), written so that it floors for negative
-- times too (SQLite's integer division truncates). Rows whose n drops to 0
-- are left (tidy deletes them).
CREATE TABLE cert_days (
	status TEXT NOT NULL,
	day INTEGER NOT NULL,
	n INTEGER NOT NULL,
	PRIMARY KEY (status, day)
) WITHOUT ROWID;

INSERT INTO cert_days (status, day, n)
SELECT status, (not_after - ((not_after % 86400) + 86400) % 86400) / 86400, count(*)
FROM certificates GROUP BY 1, 2;

CREATE TRIGGER cert_days_insert AFTER INSERT ON certificates
BEGIN
	INSERT INTO cert_days (status, day, n)
	VALUES (NEW.status, (NEW.not_after - ((NEW.not_after % 86400) + 86400) % 86400) / 86400, 1)
	ON CONFLICT (status, day) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER cert_days_delete AFTER DELETE ON certificates
BEGIN
	UPDATE cert_days SET n = n - 1 WHERE status = OLD.status
	AND day = (OLD.not_after - ((OLD.not_after % 86400) + 86400) % 86400) / 86400;
END;

CREATE TRIGGER cert_days_update AFTER UPDATE OF status, not_after ON certificates
WHEN NEW.status IS NOT OLD.status OR NEW.not_after IS NOT OLD.not_after
BEGIN
	UPDATE cert_days SET n = n - 1 WHERE status = OLD.status
	AND day = (OLD.not_after - ((OLD.not_after % 86400) + 86400) % 86400) / 86400;
	INSERT INTO cert_days (status, day, n)
	VALUES (NEW.status, (NEW.not_after - ((NEW.not_after % 86400) + 86400) % 86400) / 86400, 1)
	ON CONFLICT (status, day) DO UPDATE SET n = n + 1;
END;
