/*
 * The code in this file implements the PostgreSQL store's migrations
 * (pg_int.h): schema/postgres/NNN_*.sql, the same numbers as
 * schema/sqlite/, applied in order at open and recorded one row each in
 * privca_schema.
 *
 * Before anything is written the database is looked at, and each way it
 * cannot be privca's is one sentence naming it: a read-only server (a
 * replica given as the primary), a database holding another
 * application's tables, a schema newer than this binary. All of it runs in
 * one transaction under an advisory lock, so nodes starting together take
 * turns and a failed migration leaves nothing behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "pg_int.h"

struct embed_file {
	const char *name;
	const unsigned char *data;
	size_t len;
};
extern const struct embed_file pg_schema_files[];

/* Any constant: the key of the advisory lock migrations take. */
#define MIGRATE_LOCK "7085706163" /* "privca" */

/* One value of a query without parameters, into out (size n). */
static enum ca_err one(PGconn *c, const char *sql, char *out, size_t n, struct ca_error *err)
{
	struct pg_query q = {0};
	PGresult *r;
	pg_sql(&q, sql);
	enum ca_err rc = pg_run(c, &q, &r, err);
	if (rc != CA_OK)
		return rc;
	if (PQntuples(r) != 1)
		rc = ca_fail(err, CA_ERR_STORE, "PostgreSQL gave no answer to '%s'", sql);
	else
		snprintf(out, n, "%s", pg_str(r, 0, 0));
	PQclear(r);
	return rc;
}

/* A primary that takes writes? A replica (in recovery) or a read-only
 * default is refused before a statement could fail half way. */
static enum ca_err writable(struct pg_store *s, PGconn *c, struct ca_error *err)
{
	char rec[8], ro[8];
	enum ca_err rc;
	if ((rc = one(c, "SELECT pg_is_in_recovery()", rec, sizeof(rec), err)) != CA_OK ||
	    (rc = one(c, "SHOW default_transaction_read_only", ro, sizeof(ro), err)) != CA_OK)
		return rc;
	if (strcmp(rec, "t") == 0 || strcmp(ro, "on") == 0)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "the PostgreSQL server of %s is read-only (%s): privca needs the "
			       "primary; with replicas, list the hosts and add "
			       "target_session_attrs=read-write to the URL",
			       s->where,
			       strcmp(rec, "t") == 0 ? "a replica in recovery"
						     : "default_transaction_read_only");
	return CA_OK;
}

/* The version recorded (0: no privca schema); CA_ERR_BAD_REQUEST for a
 * database whose tables are someone else's. */
static enum ca_err version_of(struct pg_store *s, PGconn *c, bool create, int *version,
			      struct ca_error *err)
{
	char have[8], others[16], first[128] = "";
	enum ca_err rc;
	*version = 0;
	if ((rc = one(c,
		      "SELECT to_regclass(quote_ident(current_schema()) || '.privca_schema') IS "
		      "NOT NULL",
		      have, sizeof(have), err)) != CA_OK)
		return rc;
	if (strcmp(have, "t") == 0) {
		char v[16];
		if ((rc = one(c, "SELECT coalesce(max(version), 0) FROM privca_schema", v,
			      sizeof(v), err)) != CA_OK)
			return rc;
		*version = atoi(v);
		return CA_OK;
	}
	static const char tables[] = "FROM pg_catalog.pg_class k JOIN pg_catalog.pg_namespace n "
				     "ON n.oid = k.relnamespace WHERE k.relkind IN ('r', 'v', "
				     "'m', 'p') AND n.nspname = current_schema()";
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT count(*) %s", tables);
	if ((rc = one(c, sql, others, sizeof(others), err)) != CA_OK)
		return rc;
	if (atoi(others) > 0) {
		snprintf(sql, sizeof(sql), "SELECT min(k.relname) %s", tables);
		if ((rc = one(c, sql, first, sizeof(first), err)) != CA_OK)
			return rc;
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "the PostgreSQL database %s holds %s tables of another application "
			       "(%s, ...) and no privca store: give privca a database of its own",
			       s->where, others, first);
	}
	if (!create)
		return ca_fail(
		    err, CA_ERR_NOT_FOUND,
		    "the PostgreSQL database %s holds no privca store yet: make one with "
		    "privca init --store URL, or copy a SQLite CA there with privca "
		    "store copy --to URL",
		    s->where);
	return CA_OK;
}

/* Apply the migrations after version, inside the caller's transaction. */
static enum ca_err apply(struct pg_store *s, PGconn *c, int version, int n, struct ca_error *err)
{
	enum ca_err rc = CA_OK;
	if (version == 0)
		rc = pg_exec(c,
			     "CREATE TABLE privca_schema (version INTEGER PRIMARY KEY, name TEXT "
			     "NOT NULL, applied_at BIGINT NOT NULL DEFAULT "
			     "extract(epoch FROM now())::bigint)",
			     err);
	for (int i = version; rc == CA_OK && i < n; i++) {
		/* A migration is constant text of this binary: several statements,
		 * no parameters. */
		struct ca_error e = {0};
		if ((rc = pg_exec(c, (const char *)pg_schema_files[i].data, &e)) != CA_OK) {
			rc = ca_fail(err, rc, "migration postgres/%s of %s failed: %s",
				     pg_schema_files[i].name, s->where, e.detail);
			break;
		}
		struct pg_query q = {0};
		pg_sql(&q, "INSERT INTO privca_schema (version, name) VALUES (");
		pg_int(&q, i + 1);
		pg_sql(&q, ", ");
		pg_text(&q, pg_schema_files[i].name);
		pg_sql(&q, ")");
		rc = pg_run(c, &q, NULL, err);
	}
	return rc;
}

enum ca_err pg_migrate(struct pg_store *s, PGconn *c, bool create, struct ca_error *err)
{
	int n = 0, version;
	while (pg_schema_files[n].name != NULL)
		n++;
	enum ca_err rc = writable(s, c, err);
	if (rc != CA_OK)
		return rc;
	if ((rc = pg_begin(c, err)) != CA_OK)
		return rc;
	/* Serialised with every other node's migration; the lock ends with
	 * the transaction. */
	rc = pg_exec(c, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")", err);
	if (rc == CA_OK)
		rc = version_of(s, c, create, &version, err);
	if (rc == CA_OK && version > n)
		rc = ca_fail(err, CA_ERR_STORE,
			     "the PostgreSQL store %s is at schema version %d, newer than this "
			     "privca (%d); run a newer privca",
			     s->where, version, n);
	if (rc == CA_OK && version < n)
		rc = apply(s, c, version, n, err);
	return pg_end(c, rc, err);
}
