/*
 * The code in this file implements the PostgreSQL store's machinery
 * (pg_int.h): statements with bound parameters, the connection pool and
 * the group-commit writer. The class itself (ops table, open, close) is
 * pg_store.c, above this file and the files of each part.
 *
 * Durability: every connection runs with synchronous_commit on, so a
 * COMMIT returns only when the server has the change on disk; a
 * certificate leaves the CA only after the COMMIT of the group holding it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "pg_int.h"

#define GROUP_MAX 64
/* After a failed connect, borrows fail at once for this long (an outage
 * answers 503 quickly instead of each request waiting for a timeout). */
#define DOWN_MS 1000
/* Seconds libpq waits for a connection (when the URL does not say). */
#define CONNECT_TIMEOUT "3"
/* A pooled connection idle longer than this is asked whether it still
 * answers before it is used. */
#define IDLE_CHECK_MS 500

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- statements ---- */

void pg_sql(struct pg_query *q, const char *fragment)
{
	size_t k = strlen(fragment);
	if (q->overflow || q->n + k >= sizeof(q->text)) {
		q->overflow = true;
		return;
	}
	memcpy(q->text + q->n, fragment, k + 1);
	q->n += k;
}

/* The next parameter's slot, its "$N" written; -1 if it does not fit. */
static int param(struct pg_query *q)
{
	char ref[16];
	if (q->nparams >= PG_PARAMS) {
		q->overflow = true;
		return -1;
	}
	snprintf(ref, sizeof(ref), "$%d", q->nparams + 1);
	pg_sql(q, ref);
	return q->overflow ? -1 : q->nparams++;
}

void pg_text(struct pg_query *q, const char *v)
{
	int i = param(q);
	if (i < 0)
		return;
	q->val[i] = v;
	q->len[i] = 0;
	q->fmt[i] = 0;
}

void pg_bind_int(struct pg_query *q, int64_t v)
{
	if (q->nparams >= PG_PARAMS) {
		q->overflow = true;
		return;
	}
	int i = q->nparams++;
	snprintf(q->num[i], sizeof(q->num[i]), "%lld", (long long)v);
	q->val[i] = q->num[i];
	q->len[i] = 0;
	q->fmt[i] = 0;
}

void pg_bind_text(struct pg_query *q, const char *v)
{
	if (q->nparams >= PG_PARAMS) {
		q->overflow = true;
		return;
	}
	int i = q->nparams++;
	q->val[i] = v;
	q->len[i] = 0;
	q->fmt[i] = 0;
}

void pg_int(struct pg_query *q, int64_t v)
{
	char ref[16];
	snprintf(ref, sizeof(ref), "$%d", q->nparams + 1);
	pg_sql(q, ref);
	pg_bind_int(q, v);
}

void pg_bytes(struct pg_query *q, const void *p, size_t n)
{
	int i = param(q);
	if (i < 0)
		return;
	if (n > INT32_MAX) {
		q->overflow = true;
		return;
	}
	q->val[i] = p != NULL ? p : "";
	q->len[i] = (int)n;
	q->fmt[i] = 1;
}

/* What r (NULL: no answer) says, as an error code. */
static enum ca_err result_rc(PGconn *c, PGresult *r, struct ca_error *err)
{
	ExecStatusType st = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return CA_OK;
	if (PQstatus(c) != CONNECTION_OK)
		return ca_fail(err, CA_ERR_UNAVAILABLE, "the PostgreSQL server went away: %s",
			       PQerrorMessage(c));
	const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (state != NULL && strcmp(state, "23505") == 0)
		return CA_ERR_EXISTS;
	const char *msg = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	return ca_fail(err, CA_ERR_STORE, "PostgreSQL refused a statement: %s",
		       msg != NULL ? msg : PQerrorMessage(c));
}

enum ca_err pg_run(PGconn *c, const struct pg_query *q, PGresult **res, struct ca_error *err)
{
	if (res != NULL)
		*res = NULL;
	if (q->overflow)
		return ca_fail(err, CA_ERR_INTERNAL, "a statement does not fit its buffer");
	PGresult *r = PQexecParams(c, q->text, q->nparams, NULL, q->val, q->len, q->fmt, 0);
	enum ca_err rc = result_rc(c, r, err);
	if (rc == CA_OK && res != NULL)
		*res = r;
	else
		PQclear(r);
	return rc;
}

enum ca_err pg_exec(PGconn *c, const char *sql, struct ca_error *err)
{
	PGresult *r = PQexec(c, sql);
	enum ca_err rc = result_rc(c, r, err);
	PQclear(r);
	return rc;
}

int64_t pg_changes(PGresult *r)
{
	return strtoll(PQcmdTuples(r), NULL, 10);
}

int64_t pg_num(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

const char *pg_str(const PGresult *r, int row, int col)
{
	return PQgetvalue(r, row, col); /* "" for NULL */
}

enum ca_err pg_begin(PGconn *c, struct ca_error *err)
{
	return pg_exec(c, "BEGIN", err);
}

enum ca_err pg_end(PGconn *c, enum ca_err rc, struct ca_error *err)
{
	if (rc == CA_OK) {
		rc = pg_exec(c, "COMMIT", err);
		if (rc != CA_OK && rc != CA_ERR_UNAVAILABLE)
			rc = ca_fail(err, CA_ERR_STORE, "the change could not be committed");
	}
	if (rc != CA_OK && PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) != PQTRANS_IDLE) {
		PGresult *r = PQexec(c, "ROLLBACK");
		PQclear(r);
	}
	return rc;
}

/* ---- connections ---- */

/* Server notices (a migration's) are not the operator's business. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

PGconn *pg_connect(struct pg_store *s, struct ca_error *err)
{
	/* The URL's own settings win over the default timeout (expand_dbname:
	 * a later keyword overrides an earlier one). */
	const char *keys[] = {"connect_timeout", "dbname", NULL};
	const char *vals[] = {CONNECT_TIMEOUT, s->url, NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (c == NULL) {
		ca_fail(err, CA_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		char msg[300];
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c));
		msg[strcspn(msg, "\n")] = '\0';
		ca_fail(err, CA_ERR_UNAVAILABLE, "cannot connect to the PostgreSQL store %s: %s",
			s->where, msg);
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	if (pg_exec(c, "SET synchronous_commit = on", err) != CA_OK) {
		PQfinish(c);
		return NULL;
	}
	return c;
}

void pg_down(struct pg_store *s, const char *why)
{
	pthread_mutex_lock(&s->mu);
	s->down_until_ms = mono_ms() + DOWN_MS;
	/* Only ever said in a message: a longer reason is cut, and says so. */
	if (snprintf(s->down_why, sizeof(s->down_why), "%s", why) >= (int)sizeof(s->down_why))
		memcpy(s->down_why + sizeof(s->down_why) - 4, "...", 4);
	pthread_mutex_unlock(&s->mu);
}

void pg_lost(struct pg_store *s)
{
	pthread_mutex_lock(&s->mu);
	s->epoch++;
	snprintf(s->down_why, sizeof(s->down_why), "the connection was lost");
	pthread_mutex_unlock(&s->mu);
}

/* Does c still answer? Asked of a connection idle for a while: a server
 * that restarted meanwhile is noticed here, not by a request. */
static bool alive(PGconn *c)
{
	PGresult *r = PQexec(c, "");
	bool ok = r != NULL && PQresultStatus(r) == PGRES_EMPTY_QUERY;
	PQclear(r);
	return ok;
}

enum ca_err pg_unavailable(struct pg_store *s, struct ca_error *err)
{
	pthread_mutex_lock(&s->mu);
	char why[sizeof(s->down_why)];
	memcpy(why, s->down_why, sizeof(why));
	pthread_mutex_unlock(&s->mu);
	return ca_fail(err, CA_ERR_UNAVAILABLE,
		       "the PostgreSQL store %s cannot be reached (%s); try again shortly",
		       s->where, why[0] ? why : "no connection");
}

struct pg_conn *pg_get(struct pg_store *s, struct ca_error *err)
{
	struct pg_conn *c = NULL;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		if (s->idle != NULL) {
			c = s->idle;
			s->idle = c->next;
			break;
		}
		if (s->total < PG_POOL_MAX) {
			if ((c = calloc(1, sizeof(*c))) != NULL)
				s->total++;
			break;
		}
		pthread_cond_wait(&s->cv, &s->mu);
	}
	int64_t now = mono_ms();
	bool down = now < s->down_until_ms;
	unsigned epoch = s->epoch;
	pthread_mutex_unlock(&s->mu);
	if (c == NULL) {
		ca_fail(err, CA_ERR_NOMEM, "out of memory");
		return NULL;
	}
	c->next = NULL;
	if (c->db != NULL && (PQstatus(c->db) != CONNECTION_OK || c->epoch != epoch ||
			      (now - c->used_ms > IDLE_CHECK_MS && !alive(c->db)))) {
		PQfinish(c->db);
		c->db = NULL;
	}
	if (c->db == NULL && !down) {
		struct ca_error e = {0};
		if ((c->db = pg_connect(s, &e)) == NULL)
			pg_down(s, e.detail);
		c->epoch = epoch;
	}
	if (c->db == NULL) {
		pg_put(s, c);
		pg_unavailable(s, err);
		return NULL;
	}
	return c;
}

void pg_put(struct pg_store *s, struct pg_conn *c)
{
	if (c->db != NULL &&
	    (PQstatus(c->db) != CONNECTION_OK || PQtransactionStatus(c->db) != PQTRANS_IDLE)) {
		if (PQstatus(c->db) != CONNECTION_OK)
			pg_lost(s);
		PQfinish(c->db);
		c->db = NULL;
	}
	c->used_ms = mono_ms();
	pthread_mutex_lock(&s->mu);
	c->next = s->idle;
	s->idle = c;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

/* ---- the group-commit writer ---- */

/* One group in one transaction, each job in a savepoint; false if the
 * group was not committed (then no job of it was). */
/* BEGIN on the writer's connection, made again if it was lost (once: a
 * server that restarted is reconnected without failing a group). */
static bool writer_begin(struct pg_store *s)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		pthread_mutex_lock(&s->mu);
		bool down = mono_ms() < s->down_until_ms;
		pthread_mutex_unlock(&s->mu);
		if (s->wdb != NULL && PQstatus(s->wdb) != CONNECTION_OK) {
			PQfinish(s->wdb);
			s->wdb = NULL;
		}
		struct ca_error e = {0};
		if (s->wdb == NULL && (down || (s->wdb = pg_connect(s, &e)) == NULL)) {
			if (!down)
				pg_down(s, e.detail);
			return false;
		}
		if (pg_begin(s->wdb, NULL) == CA_OK)
			return true;
		if (PQstatus(s->wdb) == CONNECTION_OK)
			return false;
		pg_lost(s);
	}
	return false;
}

static bool commit_group(struct pg_store *s, struct pg_job *batch)
{
	bool ok = writer_begin(s), light = true;
	for (struct pg_job *j = batch; j && light; j = (struct pg_job *)j->q.next)
		light = j->light;
	if (ok && light)
		ok = pg_exec(s->wdb, "SET LOCAL synchronous_commit = off", NULL) == CA_OK;
	for (struct pg_job *j = batch; j; j = (struct pg_job *)j->q.next) {
		j->rc = CA_ERR_UNAVAILABLE;
		if (!ok)
			continue;
		if (j->run == NULL) {
			j->rc = CA_OK;
			continue;
		}
		if (pg_exec(s->wdb, "SAVEPOINT job", NULL) != CA_OK) {
			ok = false;
			continue;
		}
		j->rc = j->run(s, s->wdb, j->arg, j->err);
		if (j->rc != CA_OK && pg_exec(s->wdb, "ROLLBACK TO SAVEPOINT job", NULL) != CA_OK)
			ok = false;
		else if (j->rc == CA_OK && pg_exec(s->wdb, "RELEASE SAVEPOINT job", NULL) != CA_OK)
			ok = false;
	}
	if (ok)
		ok = pg_end(s->wdb, CA_OK, NULL) == CA_OK;
	else if (s->wdb != NULL)
		(void)pg_end(s->wdb, CA_ERR_STORE, NULL);
	if (!ok && s->wdb != NULL && PQstatus(s->wdb) != CONNECTION_OK)
		pg_lost(s);
	return ok;
}

/* The queue's commit (batch.h): one transaction for the group; a job
 * whose run succeeded in a group that did not commit is unavailable. */
static void writer_commit(void *ctx, struct batch_job *batch)
{
	struct pg_store *s = ctx;
	if (commit_group(s, (struct pg_job *)batch))
		return;
	for (struct batch_job *q = batch; q; q = q->next) {
		struct pg_job *j = (struct pg_job *)q;
		if (j->rc == CA_OK)
			j->rc = CA_ERR_UNAVAILABLE;
	}
}

void pg_queue_init(struct pg_store *s)
{
	batch_init(&s->queue, GROUP_MAX, writer_commit, NULL, s);
}

enum ca_err pg_submit(struct pg_store *s, struct pg_job *j)
{
	j->rc = CA_ERR_STORE;
	if (!batch_submit(&s->queue, &j->q))
		return ca_fail(j->err, CA_ERR_STORE, "the store is closing");
	if (j->rc == CA_ERR_UNAVAILABLE)
		return pg_unavailable(s, j->err);
	return j->rc;
}

enum ca_err pg_submit_async(struct pg_store *s, struct pg_job *j)
{
	return batch_submit_async(&s->queue, &j->q) ? CA_OK : CA_ERR_STORE;
}

/* ---- closing ---- */

void pg_stop(struct pg_store *s)
{
	batch_stop(&s->queue);
	PQfinish(s->wdb);
	s->wdb = NULL;
	while (s->idle != NULL) {
		struct pg_conn *c = s->idle;
		s->idle = c->next;
		PQfinish(c->db);
		free(c);
	}
}
