/*
 * The code in this file implements the PostgreSQL store as a class
 * (store.h): its ops table, store_pg_open, close, ping and backup. It sits
 * above pg.c (statements, pool, writer) and the files of each part
 * (pg_certs.c, pg_search.c, pg_tokens.c, pg_watch.c, pg_migrate.c), so
 * that those never call up into each other through the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "pg_int.h"

/* ---- the class's own operations ---- */

static void pg_close(struct store *base)
{
	struct pg_store *s = pg_of(base);
	pg_stop(s);
	pg_watch_close(s);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	batch_destroy(&s->queue);
	pthread_mutex_destroy(&s->wmu);
	free(s->url);
	free(s);
}

static enum ca_err pg_ping(struct store *base, struct ca_error *err)
{
	struct pg_store *s = pg_of(base);
	struct pg_conn *c = pg_get(s, err);
	if (c == NULL)
		return CA_ERR_UNAVAILABLE;
	enum ca_err rc = pg_exec(c->db, "SELECT 1 FROM crl_state LIMIT 1", err);
	pg_put(s, c);
	return rc;
}

static enum ca_err pg_backup(struct store *base, const char *path, struct ca_error *err)
{
	(void)base;
	(void)path;
	return ca_fail(err, CA_ERR_BAD_REQUEST,
		       "a PostgreSQL store is backed up by PostgreSQL (pg_dump, or its "
		       "replication), not by privca backup");
}

static enum ca_err pg_maintain(struct store *base, bool *more)
{
	(void)base; /* the trigram index is PostgreSQL's own (GIN), kept by it */
	*more = false;
	return CA_OK;
}

static const struct store_ops pg_ops = {
    .scheme = "postgresql",
    .close = pg_close,
    .ping = pg_ping,
    .backup = pg_backup,
    .cert_put = pg_cert_put,
    .cert_get = pg_cert_get,
    .list = pg_list,
    .count = pg_count,
    .revoke = pg_revoke,
    .revoked_list = pg_revoked_list,
    .revoked_since = pg_revoked_since,
    .status = pg_status,
    .revocation_gen = pg_revocation_gen,
    .crl_get = pg_crl_get,
    .crl_number = pg_crl_number,
    .crl_put = pg_crl_put,
    .token_put = pg_token_put,
    .token_by_hash = pg_token_by_hash,
    .token_by_name = pg_token_by_name,
    .token_list = pg_token_list,
    .token_revoke = pg_token_revoke,
    .event = pg_event,
    .event_list = pg_event_list,
    .tidy = pg_tidy,
    .watch = pg_watch,
    .maintain = pg_maintain,
    .acme = &store_pg_acme_ops,
};

/* "host:port/dbname" of url for messages: never its password. */
static void describe(struct pg_store *s)
{
	PQconninfoOption *o = PQconninfoParse(s->url, NULL);
	const char *host = "", *port = "", *db = "";
	for (PQconninfoOption *p = o; p != NULL && p->keyword != NULL; p++) {
		if (p->val == NULL)
			continue;
		if (strcmp(p->keyword, "host") == 0)
			host = p->val;
		else if (strcmp(p->keyword, "port") == 0)
			port = p->val;
		else if (strcmp(p->keyword, "dbname") == 0)
			db = p->val;
	}
	snprintf(s->where, sizeof(s->where), "%s%s%s/%s", host, *port ? ":" : "", port, db);
	PQconninfoFree(o);
}

enum ca_err store_pg_open(const char *url, bool create, struct store **out, struct ca_error *err)
{
	enum ca_err rc = pq_load(err);
	if (rc != CA_OK)
		return rc;
	char *msg = NULL;
	PQconninfoOption *o = PQconninfoParse(url, &msg);
	if (o == NULL) {
		rc = ca_fail(err, CA_ERR_BAD_REQUEST, "the store URL is not a PostgreSQL URL: %s",
			     msg != NULL ? msg : "out of memory");
		PQfreemem(msg);
		return rc;
	}
	PQconninfoFree(o);
	struct pg_store *s = calloc(1, sizeof(*s));
	if (s == NULL || (s->url = strdup(url)) == NULL) {
		free(s);
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	}
	s->base.ops = &pg_ops;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	pg_queue_init(s);
	pthread_mutex_init(&s->wmu, NULL);
	const char *listen = getenv("PRIVCA_PG_LISTEN");
	s->listen_off = listen != NULL && strcmp(listen, "off") == 0;
	describe(s);
	/* The first connection says what is wrong with the URL, the password
	 * or the database in libpq's words; the pool connects later, lazily. */
	rc = CA_ERR_UNAVAILABLE;
	PGconn *db = pg_connect(s, err);
	if (db != NULL) {
		rc = pg_migrate(s, db, create, err);
		PQfinish(db);
	}
	if (rc != CA_OK) {
		pg_close(&s->base);
		return rc;
	}
	*out = &s->base;
	return CA_OK;
}
