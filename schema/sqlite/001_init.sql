-- privca store, first migration. Applied once, tracked by PRAGMA user_version.

-- Every certificate ever issued. status is 'valid' or 'revoked'; "expired"
-- is derived from not_after at read time so it never goes stale.
-- dns_names / ip_addresses are comma-separated canonical names (names never
-- contain commas), kept as text so search is one instr() per column.
CREATE TABLE certificates (
	serial TEXT PRIMARY KEY NOT NULL,	-- 32 lowercase hex digits
	subject TEXT NOT NULL,			-- RFC 4514 string
	dns_names TEXT NOT NULL,
	ip_addresses TEXT NOT NULL,
	not_before INTEGER NOT NULL,		-- Unix seconds
	not_after INTEGER NOT NULL,
	profile TEXT NOT NULL CHECK (profile IN ('server', 'client', 'peer')),
	requester TEXT NOT NULL,
	fingerprint_sha256 TEXT NOT NULL,
	der BLOB NOT NULL,
	status TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'revoked')),
	revoked_at INTEGER,
	revocation_reason INTEGER,
	created_at INTEGER NOT NULL,
	search TEXT NOT NULL			-- lowercase subject, names and serial, for q=
);

-- Keyset pagination: (created_at, serial) and (not_after, serial) are total orders.
CREATE INDEX certificates_issued ON certificates (created_at, serial);
CREATE INDEX certificates_expires ON certificates (not_after, serial);
CREATE INDEX certificates_revoked ON certificates (status, not_after) WHERE status = 'revoked';

CREATE TABLE tokens (
	name TEXT PRIMARY KEY NOT NULL,
	sha256 TEXT NOT NULL UNIQUE,		-- hex SHA-256 of the token text; the token is never stored
	allow TEXT NOT NULL DEFAULT '',		-- newline-separated patterns
	allow_ip TEXT NOT NULL DEFAULT '',	-- newline-separated CIDRs
	allow_wildcard INTEGER NOT NULL DEFAULT 0,
	max_days INTEGER NOT NULL DEFAULT 0,
	profiles INTEGER NOT NULL DEFAULT 0,	-- bit set of profiles, 0 = all
	admin INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	revoked_at INTEGER
);

-- The CRL last signed, and the number it used (monotonic).
CREATE TABLE crl_state (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	number INTEGER NOT NULL,
	der BLOB NOT NULL,
	this_update INTEGER NOT NULL,
	next_update INTEGER NOT NULL
);

CREATE TABLE events (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	at INTEGER NOT NULL,
	kind TEXT NOT NULL,		-- issue, refuse, revoke, token-create, token-revoke
	serial TEXT,
	actor TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_serial ON events (serial) WHERE serial IS NOT NULL;

-- A counter bumped by every revocation, whoever makes it (the service or
-- `privca revoke` in another process): the CRL builder and the OCSP cache
-- compare it with what they last saw instead of rescanning certificates.
CREATE TABLE revocation_state (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	generation INTEGER NOT NULL
);
INSERT INTO revocation_state (id, generation) VALUES (1, 0);
CREATE TRIGGER certificates_revoked AFTER UPDATE OF status ON certificates
WHEN NEW.status = 'revoked' AND OLD.status <> 'revoked'
BEGIN
	UPDATE revocation_state SET generation = generation + 1 WHERE id = 1;
END;
