-- A certificate's events found by the certificate's rowid, not its serial
-- (issue 12). The only reader of events by certificate is the tidy
-- (ca/store/sqlite_inventory.c), which deletes the events of the rows it
-- deletes, the oldest rowids first. On events_serial those were random
-- entries (serials are random): a 2,000-row step wrote about 2,000 pages of
-- that index, as many as every other table and index of the step together.
-- In rowid order they sit side by side: a few dozen pages. Events without
-- a certificate (refusals, tokens, tidies) have none. privca names an
-- event's certificate when it writes the event (sqlite_certs.c:
-- sq_event_insert); the trigger below names it for any other writer (an
-- import, a script) that gives a serial only, so that no event outlives its
-- certificate; the UPDATE names it for the events there are.
ALTER TABLE events ADD COLUMN cert INTEGER;
UPDATE events SET cert = (SELECT rowid FROM certificates c WHERE c.serial = events.serial)
WHERE serial IS NOT NULL;
CREATE INDEX events_cert ON events (cert) WHERE cert IS NOT NULL;
DROP INDEX events_serial;
CREATE TRIGGER events_cert_named AFTER INSERT ON events
WHEN NEW.cert IS NULL AND NEW.serial IS NOT NULL
BEGIN
	UPDATE events SET cert = (SELECT rowid FROM certificates WHERE serial = NEW.serial)
	WHERE id = NEW.id;
END;
