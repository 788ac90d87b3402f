/*
 * The code in this file implements store_copy (store.h): a SQLite store
 * copied into an empty PostgreSQL one, verified row for row.
 *
 * The SQLite side is read in one read transaction (a consistent snapshot
 * while the service may still run); the PostgreSQL side is written in one
 * transaction that is committed only after every table's row count and
 * digest match the source, so a copy that does not verify leaves the
 * target as it was. Tables are copied in the order of their keys; the
 * certificates in issue order (rowid), which becomes the seq column, so
 * lists page in the same order on both.
 *
 * The digest of a table is SHA-256 over its rows in key order, each value
 * written as PostgreSQL prints it in text (NULL as \N, integers in decimal,
 * bytes as \x and lowercase hex), values ended by 0x1f and rows by 0x1e.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "errors.h"
#include "pq.h"
#include "sqlite_int.h"
#include "store.h"

/* A table copied: its columns (constant SQL) and the key it is read in.
 * sqlite_cols: what SQLite is read as when it differs (NULL: cols). */
struct table {
	const char *name, *cols, *sqlite_order, *pg_order;
	int ncols;
	const char *sqlite_cols;
};

static const struct table tables[] = {
    {"certificates",
     "serial, subject, dns_names, ip_addresses, not_before, not_after, profile, requester, "
     "fingerprint_sha256, der, status, revoked_at, revocation_reason, created_at, search, "
     "revoked_gen",
     "rowid", "seq", 16,
     /* SQLite stores no search text (schema/sqlite/008_lean.sql): the same
      * expression it indexes gives PostgreSQL's column */
     "serial, subject, dns_names, ip_addresses, not_before, not_after, profile, requester, "
     "fingerprint_sha256, der, status, revoked_at, revocation_reason, created_at, " SQ_SEARCH_EXPR
     ", revoked_gen"},
    {"tokens",
     "name, sha256, allow, allow_ip, allow_wildcard, max_days, profiles, admin, created_at, "
     "revoked_at",
     "name", "name COLLATE \"C\"", 10, NULL},
    {"crl_state",
     "id, number, der, this_update, next_update, generation, base_number, base_generation, "
     "base_this_update",
     "id", "id", 9,
     /* SQLite keeps the DER in a file beside the database (012_crl_file.sql) */
     "id, number, privca_crl_der(der, der_sha256), this_update, next_update, generation, "
     "base_number, base_generation, base_this_update"},
    {"events", "id, at, kind, serial, actor, detail", "id", "id", 6, NULL},
    {"revocation_state", "id, generation", "id", "id", 2, NULL},
    {"tidy_state", "id, deleted", "id", "id", 2, NULL},
    {"acme_nonces", "nonce, expires_at", "nonce", "nonce COLLATE \"C\"", 2, NULL},
    {"acme_eab", "kid, team, created_at, expires_at, used_at, account_id, revoked_at", "kid",
     "kid COLLATE \"C\"", 7, NULL},
    {"acme_open_team", "id, team", "id", "id", 2, NULL},
    {"acme_accounts",
     "id, thumbprint, kty, crv, x, y, n, e, team, status, contact, eab_kid, created_at", "id",
     "id COLLATE \"C\"", 13, NULL},
    {"acme_orders",
     "id, account_id, status, expires_at, identifiers, error_type, error_detail, serial, "
     "replaces, created_at",
     "id", "id COLLATE \"C\"", 10, NULL},
    {"acme_authz", "id, order_id, account_id, type, value, wildcard, status, expires_at, position",
     "id", "id COLLATE \"C\"", 9, NULL},
    {"acme_challenges",
     "id, authz_id, type, token, status, validated_at, error_type, error_detail, position", "id",
     "id COLLATE \"C\"", 9, NULL},
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))
#define MAXCOLS 16

/* A growing byte buffer for a table's canonical rows. */
struct canon {
	uint8_t *p;
	size_t n, cap;
	bool failed;
};

static void canon_add(struct canon *c, const void *p, size_t n)
{
	if (c->failed)
		return;
	if (c->n + n > c->cap) {
		size_t cap = c->cap ? c->cap : 1 << 16;
		while (cap < c->n + n)
			cap *= 2;
		uint8_t *np = realloc(c->p, cap);
		if (np == NULL) {
			c->failed = true;
			return;
		}
		c->p = np;
		c->cap = cap;
	}
	memcpy(c->p + c->n, p, n);
	c->n += n;
}

static void canon_hex(struct canon *c, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	canon_add(c, "\\x", 2);
	for (size_t i = 0; i < n; i++) {
		char two[2] = {hx[p[i] >> 4], hx[p[i] & 15]};
		canon_add(c, two, 2);
	}
}

/* One SQLite value as PostgreSQL prints it. */
static void canon_sqlite(struct canon *c, sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		canon_add(c, "\\N", 2);
		break;
	case SQLITE_INTEGER: {
		char num[24];
		int k = snprintf(num, sizeof(num), "%lld", (long long)sqlite3_column_int64(st, i));
		canon_add(c, num, (size_t)k);
		break;
	}
	case SQLITE_BLOB:
		canon_hex(c, sqlite3_column_blob(st, i), (size_t)sqlite3_column_bytes(st, i));
		break;
	default:
		canon_add(c, sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i));
	}
	canon_add(c, "\x1f", 1);
}

static enum ca_err canon_digest(struct canon *c, char out[65], struct ca_error *err)
{
	if (c->failed)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	if (hash_sha256_hex(c->p != NULL ? c->p : (const uint8_t *)"", c->n, out) != CA_OK)
		return ca_fail(err, CA_ERR_CRYPTO, "cannot hash a table");
	return CA_OK;
}

static enum ca_err pg_ok(PGconn *db, PGresult *r, const char *what, struct ca_error *err)
{
	ExecStatusType st = PQresultStatus(r);
	enum ca_err rc = CA_OK;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		rc = ca_fail(err, CA_ERR_STORE, "PostgreSQL refused %s: %s", what,
			     PQerrorMessage(db));
	return rc;
}

static enum ca_err pg_do(PGconn *db, const char *sql, struct ca_error *err)
{
	PGresult *r = PQexec(db, sql);
	enum ca_err rc = pg_ok(db, r, sql, err);
	PQclear(r);
	return rc;
}

/* INSERT INTO t (cols) VALUES ($1, ...) into sql (size n). */
static bool insert_sql(const struct table *t, char *sql, size_t n)
{
	size_t off = (size_t)snprintf(sql, n, "INSERT INTO %s (%s) VALUES (", t->name, t->cols);
	for (int i = 0; i < t->ncols && off < n; i++)
		off += (size_t)snprintf(sql + off, n - off, "%s$%d", i ? ", " : "", i + 1);
	if (off < n)
		off += (size_t)snprintf(sql + off, n - off, ")");
	return off < n;
}

/* Copy t's rows from the snapshot into PostgreSQL; digest them on the way. */
static enum ca_err copy_table(sqlite3 *src, PGconn *dst, const struct table *t,
			      struct ca_copy_table *o, struct ca_error *err)
{
	char sel[1024], ins[1024];
	struct canon c = {0};
	sqlite3_stmt *st = NULL;
	enum ca_err rc = CA_OK;
	snprintf(sel, sizeof(sel), "SELECT %s FROM %s ORDER BY %s",
		 t->sqlite_cols != NULL ? t->sqlite_cols : t->cols, t->name, t->sqlite_order);
	if (!insert_sql(t, ins, sizeof(ins)))
		return ca_fail(err, CA_ERR_INTERNAL, "the copy statement does not fit");
	if (sqlite3_prepare_v2(src, sel, -1, &st, NULL) != SQLITE_OK)
		return ca_fail(err, CA_ERR_STORE, "cannot read %s: %s", t->name,
			       sqlite3_errmsg(src));
	int r;
	while (rc == CA_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *val[MAXCOLS];
		int len[MAXCOLS], fmt[MAXCOLS];
		for (int i = 0; i < t->ncols; i++) {
			int type = sqlite3_column_type(st, i);
			canon_sqlite(&c, st, i);
			fmt[i] = type == SQLITE_BLOB;
			val[i] = type == SQLITE_NULL ? NULL
				 : fmt[i]	     ? sqlite3_column_blob(st, i)
						     : (const char *)sqlite3_column_text(st, i);
			len[i] = sqlite3_column_bytes(st, i);
			if (fmt[i] && val[i] == NULL)
				val[i] = "";
		}
		canon_add(&c, "\x1e", 1);
		PGresult *res = PQexecParams(dst, ins, t->ncols, NULL, val, len, fmt, 0);
		rc = pg_ok(dst, res, t->name, err);
		PQclear(res);
		o->rows++;
	}
	if (rc == CA_OK && r != SQLITE_DONE)
		rc = ca_fail(err, CA_ERR_STORE, "cannot read %s: %s", t->name, sqlite3_errmsg(src));
	sqlite3_finalize(st);
	if (rc == CA_OK)
		rc = canon_digest(&c, o->sha256, err);
	free(c.p);
	return rc;
}

/* What PostgreSQL now holds of t: its count and digest must be o's. */
static enum ca_err verify_table(PGconn *dst, const struct table *t, const struct ca_copy_table *o,
				struct ca_error *err)
{
	char sel[1024], got[65];
	struct canon c = {0};
	snprintf(sel, sizeof(sel), "SELECT %s FROM %s ORDER BY %s", t->cols, t->name, t->pg_order);
	PGresult *r = PQexec(dst, sel);
	enum ca_err rc = pg_ok(dst, r, t->name, err);
	int rows = rc == CA_OK ? PQntuples(r) : 0;
	for (int i = 0; i < rows; i++) {
		for (int k = 0; k < t->ncols; k++) {
			if (PQgetisnull(r, i, k))
				canon_add(&c, "\\N", 2);
			else
				canon_add(&c, PQgetvalue(r, i, k), (size_t)PQgetlength(r, i, k));
			canon_add(&c, "\x1f", 1);
		}
		canon_add(&c, "\x1e", 1);
	}
	PQclear(r);
	if (rc == CA_OK)
		rc = canon_digest(&c, got, err);
	free(c.p);
	if (rc != CA_OK)
		return rc;
	if ((uint64_t)rows != o->rows || strcmp(got, o->sha256) != 0)
		return ca_fail(err, CA_ERR_STORE,
			       "table %s does not verify after the copy (%llu rows read, %d "
			       "written, digests %.12s / %.12s); nothing was committed",
			       t->name, (unsigned long long)o->rows, rows, o->sha256, got);
	return CA_OK;
}

/* The target must hold no CA yet: an empty privca store. */
static enum ca_err target_empty(PGconn *dst, struct ca_error *err)
{
	PGresult *r = PQexec(dst, "SELECT (SELECT count(*) FROM certificates) + (SELECT count(*) "
				  "FROM tokens) + (SELECT count(*) FROM events)");
	enum ca_err rc = pg_ok(dst, r, "the emptiness check", err);
	if (rc == CA_OK && strcmp(PQgetvalue(r, 0, 0), "0") != 0)
		rc = ca_fail(
		    err, CA_ERR_EXISTS,
		    "the PostgreSQL store already holds %s certificates, tokens and events: "
		    "store copy only fills an empty database",
		    PQgetvalue(r, 0, 0));
	PQclear(r);
	return rc;
}

static enum ca_err copy_all(sqlite3 *src, PGconn *dst, struct ca_copy_report *out,
			    struct ca_error *err)
{
	enum ca_err rc = target_empty(dst, err);
	for (size_t i = 0; rc == CA_OK && i < NTABLES; i++) {
		char del[128];
		struct ca_copy_table *o = &out->tables[out->n++];
		o->name = tables[i].name;
		/* the singleton rows a new store starts with (revocation_state) */
		snprintf(del, sizeof(del), "DELETE FROM %s", tables[i].name);
		if ((rc = pg_do(dst, del, err)) == CA_OK)
			rc = copy_table(src, dst, &tables[i], o, err);
	}
	if (rc == CA_OK)
		rc =
		    pg_do(dst,
			  "SELECT setval(pg_get_serial_sequence('events', 'id'), coalesce(max(id), "
			  "0) + 1, false) FROM events",
			  err);
	for (size_t i = 0; rc == CA_OK && i < NTABLES; i++)
		rc = verify_table(dst, &tables[i], &out->tables[i], err);
	return rc;
}

enum ca_err store_copy(const char *sqlite_path, const char *pg_url, struct ca_copy_report *out,
		       struct ca_error *err)
{
	struct store *target = NULL;
	sqlite3 *src = NULL;
	PGconn *dst = NULL;
	memset(out, 0, sizeof(*out));
	/* The target's schema first (it refuses a database that is not
	 * privca's, a read-only one, a newer schema). */
	enum ca_err rc = store_pg_open(pg_url, true, &target, err);
	if (rc != CA_OK)
		return rc;
	store_close(target);
	if (sqlite3_open_v2(sqlite_path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		rc = ca_fail(err, CA_ERR_STORE, "cannot open %s: %s", sqlite_path,
			     sqlite3_errmsg(src));
		goto out;
	}
	sqlite3_busy_timeout(src, 10000);
	if (sq_crl_der_function(src, sqlite_path) != CA_OK ||
	    sqlite3_exec(src, "BEGIN; SELECT count(*) FROM certificates", NULL, NULL, NULL) !=
		SQLITE_OK) {
		rc = ca_fail(err, CA_ERR_STORE, "cannot read %s: %s", sqlite_path,
			     sqlite3_errmsg(src));
		goto out;
	}
	dst = PQconnectdb(pg_url);
	if (PQstatus(dst) != CONNECTION_OK) {
		rc = ca_fail(err, CA_ERR_UNAVAILABLE, "cannot connect to PostgreSQL: %s",
			     PQerrorMessage(dst));
		goto out;
	}
	if ((rc = pg_do(dst, "SET synchronous_commit = on", err)) != CA_OK ||
	    (rc = pg_do(dst, "SET bytea_output = 'hex'", err)) != CA_OK ||
	    (rc = pg_do(dst, "BEGIN", err)) != CA_OK)
		goto out;
	rc = copy_all(src, dst, out, err);
	if (rc == CA_OK)
		rc = pg_do(dst, "COMMIT", err);
	else
		PQclear(PQexec(dst, "ROLLBACK"));
out:
	PQfinish(dst);
	if (src != NULL) {
		sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(src);
	}
	return rc;
}
