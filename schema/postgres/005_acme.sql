-- ACME (RFC 8555) state: nonces, external account binding keys, accounts,
-- orders, authorizations, challenges (design section 10); the twin of
-- schema/sqlite/005_acme.sql, table for table.
--
-- Identifiers are random base64url strings made by the core. Times are Unix
-- seconds. Statuses are the RFC's words, checked here so a bug cannot store
-- another.

-- Single-use nonces (RFC 8555 6.5): a row is a nonce that may still be used.
CREATE TABLE acme_nonces (
	nonce TEXT PRIMARY KEY NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX acme_nonces_expires ON acme_nonces (expires_at);

-- External account binding keys (RFC 8555 7.3.4). The HMAC key itself is not
-- stored: it is derived from the kid and DIR/acme-eab.key (ca/acme/eab.c).
CREATE TABLE acme_eab (
	kid TEXT PRIMARY KEY NOT NULL,
	team TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at BIGINT,
	account_id TEXT,
	revoked_at BIGINT
);
CREATE INDEX acme_eab_team ON acme_eab (team, created_at);

-- The open team (design section 10): accounts made without EAB get its policy.
CREATE TABLE acme_open_team (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	team TEXT NOT NULL
);

CREATE TABLE acme_accounts (
	id TEXT PRIMARY KEY NOT NULL,
	thumbprint TEXT NOT NULL UNIQUE,	-- RFC 7638, base64url of SHA-256
	kty TEXT NOT NULL,			-- the JWK's members, base64url as sent
	crv TEXT NOT NULL DEFAULT '',
	x TEXT NOT NULL DEFAULT '',
	y TEXT NOT NULL DEFAULT '',
	n TEXT NOT NULL DEFAULT '',
	e TEXT NOT NULL DEFAULT '',
	team TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('valid', 'deactivated', 'revoked')),
	contact TEXT NOT NULL DEFAULT '',	-- newline-separated URLs
	eab_kid TEXT,
	created_at BIGINT NOT NULL
);
CREATE INDEX acme_accounts_team ON acme_accounts (team);

CREATE TABLE acme_orders (
	id TEXT PRIMARY KEY NOT NULL,
	account_id TEXT NOT NULL REFERENCES acme_accounts (id),
	status TEXT NOT NULL CHECK (status IN ('pending', 'ready', 'processing', 'valid', 'invalid')),
	expires_at BIGINT NOT NULL,
	identifiers TEXT NOT NULL,		-- newline-separated "dns:NAME" / "ip:ADDR"
	error_type TEXT,
	error_detail TEXT,
	serial TEXT,				-- the certificate, once valid
	replaces TEXT,				-- RFC 9773 4.2
	created_at BIGINT NOT NULL
);
CREATE INDEX acme_orders_account ON acme_orders (account_id, created_at);

CREATE TABLE acme_authz (
	id TEXT PRIMARY KEY NOT NULL,
	order_id TEXT NOT NULL REFERENCES acme_orders (id),
	account_id TEXT NOT NULL,
	type TEXT NOT NULL CHECK (type IN ('dns', 'ip')),
	value TEXT NOT NULL,
	wildcard INTEGER NOT NULL DEFAULT 0,
	status TEXT NOT NULL CHECK (status IN ('pending', 'valid', 'invalid', 'deactivated',
		'expired', 'revoked')),
	expires_at BIGINT NOT NULL,
	position INTEGER NOT NULL
);
CREATE INDEX acme_authz_order ON acme_authz (order_id, position);

CREATE TABLE acme_challenges (
	id TEXT PRIMARY KEY NOT NULL,
	authz_id TEXT NOT NULL REFERENCES acme_authz (id),
	type TEXT NOT NULL CHECK (type IN ('http-01', 'dns-01', 'tls-alpn-01')),
	token TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'valid', 'invalid')),
	validated_at BIGINT,
	error_type TEXT,
	error_detail TEXT,
	position INTEGER NOT NULL
);
CREATE INDEX acme_challenges_authz ON acme_challenges (authz_id, position);
CREATE INDEX acme_challenges_processing ON acme_challenges (status) WHERE status = 'processing';
