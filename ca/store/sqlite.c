/*
 * The code in this file implements the SQLite store's machinery
 * (sqlite_int.h): connections, pragmas, migrations, the group-commit
 * writer, watch, and the ops table (backup: sqlite_backup.c).
 *
 * Connections: one per thread, opened on first use and kept in a list so
 * close can finish them; prepared statements are cached per connection.
 * Writes that share commits are queued to one writer thread that commits
 * up to GROUP_MAX of them per transaction: with synchronous=FULL every
 * commit is an fsync, and sharing it is what makes durable issuance fast
 * under concurrency.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sqlite_int.h"
#include "errors.h"

struct embed_file {
	const char *name;
	const unsigned char *data;
	size_t len;
};
extern const struct embed_file schema_files[];

#define GROUP_MAX 64
/* How often store_watch looks at PRAGMA data_version while it waits. */

static int next_slot; /* the last slot handed to an sq_sql */

void sq_conn_free(struct sq_conn *c)
{
	for (int i = 0; i < SQ_STMT_MAX; i++)
		sqlite3_finalize(c->st[i]);
	sqlite3_close(c->db);
	free(c);
}

/* Thread exit: close this thread's connection. */
void sq_conn_release(void *p)
{
	struct sq_conn *c = p;
	struct sq_store *s = c->s;
	pthread_mutex_lock(&s->mu);
	for (struct sq_conn **pp = &s->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	pthread_mutex_unlock(&s->mu);
	sq_conn_free(c);
}

int sq_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* How long a connection waits for a lock before SQLITE_BUSY. */
#define BUSY_MS 10000

/*
 * The busy handler of every connection: try again every millisecond, for
 * up to BUSY_MS. SQLite's own (sqlite3_busy_timeout) sleeps longer and
 * longer, up to 100 ms a try, so a writer that waited behind a long
 * transaction is often asleep when the lock comes free, and a process that
 * writes in steps (privca tidy beside privca serve) takes it again first:
 * one side starves. Polling each millisecond hands the lock over within
 * one.
 */
static int busy_wait(void *arg, int tries)
{
	struct sq_conn *c = arg;
	struct timespec now, ms = {0, 1000000};
	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
		return 0;
	int64_t now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	if (tries == 0)
		c->busy_since_ms = now_ms;
	if (now_ms - c->busy_since_ms >= BUSY_MS)
		return 0;
	nanosleep(&ms, NULL);
	return 1;
}

/* privca_rowset_has(set, rowid): a binary search of the bound set. */
static void rowset_has(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const struct sq_rowset *r = sqlite3_value_pointer(argv[0], SQ_ROWSET_TYPE);
	int64_t want = sqlite3_value_int64(argv[1]);
	size_t lo = 0, hi = r != NULL ? r->n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->id[mid] < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	sqlite3_result_int(cx, r != NULL && lo < r->n && r->id[lo] == want);
}

struct sq_conn *sq_conn_open(struct sq_store *s, int flags)
{
	struct sq_conn *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->s = s;
	if (sqlite3_open_v2(s->path, &c->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto bad;
	if (sqlite3_busy_handler(c->db, busy_wait, c) != SQLITE_OK)
		goto bad;
	/* journal_size_limit: a WAL that grew large (a tidy beside issuance)
	 * is cut back to 64 MiB once it starts over, not kept at its peak. */
	if (sq_exec(c->db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; "
			   "PRAGMA journal_size_limit = 67108864") != SQLITE_OK)
		goto bad;
	if (sqlite3_create_function(c->db, "privca_rowset_has", 2, SQLITE_UTF8, NULL, rowset_has,
				    NULL, NULL) != SQLITE_OK)
		goto bad;
	return c;
bad:
	sq_conn_free(c);
	return NULL;
}

struct sq_conn *sq_conn(struct sq_store *s)
{
	struct sq_conn *c = pthread_getspecific(s->key);
	if (c != NULL)
		return c;
	c = sq_conn_open(s, SQLITE_OPEN_READWRITE);
	if (c == NULL)
		return NULL;
	if (pthread_setspecific(s->key, c) != 0) {
		sq_conn_free(c);
		return NULL;
	}
	pthread_mutex_lock(&s->mu);
	c->next = s->conns;
	s->conns = c;
	pthread_mutex_unlock(&s->mu);
	return c;
}

/* q's cache slot, given on first use (a race may waste a slot, never share one). */
static int slot_of(struct sq_sql *q)
{
	int v = __atomic_load_n(&q->slot, __ATOMIC_ACQUIRE);
	if (v != 0)
		return v;
	int mine = __atomic_add_fetch(&next_slot, 1, __ATOMIC_ACQ_REL);
	int expected = 0;
	if (!__atomic_compare_exchange_n(&q->slot, &expected, mine, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return expected;
	return mine;
}

sqlite3_stmt *sq_stmt(struct sq_store *s, struct sq_sql *q, struct sq_conn **cp)
{
	struct sq_conn *c = sq_conn(s);
	int slot = slot_of(q) - 1;
	if (c == NULL || slot < 0 || slot >= SQ_STMT_MAX)
		return NULL;
	if (c->st[slot] == NULL && sqlite3_prepare_v3(c->db, q->text, -1, SQLITE_PREPARE_PERSISTENT,
						      &c->st[slot], NULL) != SQLITE_OK)
		return NULL;
	if (cp != NULL)
		*cp = c;
	return c->st[slot];
}

void sq_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

int sq_int64(struct sq_store *s, struct sq_sql *q, int64_t *v)
{
	sqlite3_stmt *st = sq_stmt(s, q, NULL);
	if (st == NULL)
		return SQLITE_ERROR;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sq_done(st);
	return r;
}

bool sq_run_done(sqlite3_stmt *st)
{
	if (st == NULL)
		return false;
	int r = sqlite3_step(st);
	sq_done(st);
	return r == SQLITE_DONE;
}

int sq_bind_text(sqlite3_stmt *st, int i, const char *text)
{
	return sqlite3_bind_text(st, i, text, -1, SQLITE_TRANSIENT);
}

const char *sq_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

char *sq_col_dup(sqlite3_stmt *st, int i, bool *ok)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	if (t == NULL)
		return NULL;
	char *d = strdup((const char *)t);
	if (d == NULL)
		*ok = false;
	return d;
}

void sq_text_add(struct sq_text *b, const char *fragment)
{
	size_t k = strlen(fragment);
	if (b->overflow || k >= sizeof(b->text) - b->n) {
		b->overflow = true;
		return;
	}
	memcpy(b->text + b->n, fragment, k + 1);
	b->n += k;
}

const char *sq_text_get(const struct sq_text *b)
{
	return b->overflow ? NULL : b->text;
}

/* ---- write faults (issue 13 item 5) ---- */

bool sq_fault_is(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:
	case SQLITE_READONLY:
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_IOERR:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
		return true;
	default:
		return false;
	}
}

static const char *fault_cause(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return "the disk is full";
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return "the database is read-only (its file, its folder or the filesystem)";
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return "the database is locked by another process";
	case SQLITE_IOERR:
		return "the disk reports an I/O error";
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return "the database file is damaged";
	default:
		return "the database file cannot be opened";
	}
}

enum ca_err sq_fault(struct sq_store *s, int rc, struct ca_error *err)
{
	int was = atomic_exchange(&s->fault, rc);
	if (rc == 0) {
		if (was != 0)
			fprintf(stderr, "privca: the store records changes again\n");
		return CA_OK;
	}
	if (was != rc)
		fprintf(stderr, "privca: ERROR: the store cannot record changes: %s (SQLite: %s)\n",
			fault_cause(rc), sqlite3_errstr(rc));
	if (err != NULL)
		ca_fail(err, CA_ERR_UNAVAILABLE,
			"The CA cannot record changes now: %s (SQLite: %s). Nothing was "
			"written; try again once the operator has fixed it.",
			fault_cause(rc), sqlite3_errstr(rc));
	return CA_ERR_UNAVAILABLE;
}

bool sq_light_begin(struct sq_conn *c)
{
	return sq_exec(c->db, "PRAGMA synchronous = NORMAL") == SQLITE_OK;
}

bool sq_light_end(struct sq_store *s, struct sq_conn *c)
{
	if (sq_exec(c->db, "PRAGMA synchronous = FULL") == SQLITE_OK)
		return true;
	/* Never go on committing unsynced. */
	fprintf(stderr, "privca: store: synchronous = FULL could not be set again\n");
	sq_conn_drop(s, c);
	return false;
}

void sq_conn_drop(struct sq_store *s, struct sq_conn *c)
{
	if (pthread_getspecific(s->key) == c && pthread_setspecific(s->key, NULL) == 0)
		sq_conn_release(c);
}

/* A connection that found the database read-only may have opened it so:
 * drop it (this thread's), so that the next write opens it afresh. */
static void drop_if_readonly(struct sq_store *s, struct sq_conn *c, int rc)
{
	int p = rc & 0xff;
	if (p != SQLITE_READONLY && p != SQLITE_CANTOPEN && p != SQLITE_PERM)
		return;
	sq_conn_drop(s, c);
}

enum ca_err sq_begin(struct sq_conn *c, struct ca_error *err)
{
	int rc = sq_exec(c->db, "BEGIN IMMEDIATE");
	if (rc != SQLITE_OK) {
		if (sq_fault_is(rc)) {
			enum ca_err e = sq_fault(c->s, rc, err);
			drop_if_readonly(c->s, c, rc);
			return e;
		}
		return ca_fail(err, CA_ERR_STORE, "the database is busy: %s",
			       sqlite3_errmsg(c->db));
	}
	return CA_OK;
}

enum ca_err sq_end(struct sq_conn *c, enum ca_err rc, struct ca_error *err)
{
	int src = rc == CA_OK ? sq_exec(c->db, "COMMIT") : SQLITE_OK;
	if (rc == CA_ERR_STORE && sq_fault_is(sqlite3_extended_errcode(c->db)))
		src = sqlite3_extended_errcode(c->db); /* a statement of the change failed so */
	if (src != SQLITE_OK)
		rc = sq_fault_is(src)
			 ? sq_fault(c->s, src, err)
			 : ca_fail(err, CA_ERR_STORE, "the change could not be committed: %s",
				   sqlite3_errmsg(c->db));
	if (rc != CA_OK) {
		sq_exec(c->db, "ROLLBACK");
		if (src != SQLITE_OK)
			drop_if_readonly(c->s, c, src);
	} else {
		(void)sq_fault(c->s, 0, NULL);
	}
	return rc;
}

/* ---- migrations (schema/sqlite/NNN_*.sql, tracked in PRAGMA user_version) ---- */

enum ca_err sq_migrate(sqlite3 *db, struct ca_error *err)
{
	sqlite3_stmt *st;
	int version = 0;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return ca_fail(err, CA_ERR_STORE, "cannot read the schema version: %s",
			       sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);

	int n = 0;
	while (schema_files[n].name != NULL)
		n++;
	if (version > n)
		return ca_fail(err, CA_ERR_STORE,
			       "the database is at schema version %d, newer than this privca (%d); "
			       "run a newer privca",
			       version, n);
	for (int i = version; i < n; i++) {
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", i + 1);
		if (sq_exec(db, "BEGIN IMMEDIATE") != SQLITE_OK ||
		    sq_exec(db, (const char *)schema_files[i].data) != SQLITE_OK ||
		    sq_exec(db, pragma) != SQLITE_OK || sq_exec(db, "COMMIT") != SQLITE_OK) {
			enum ca_err rc = ca_fail(err, CA_ERR_STORE, "migration %s failed: %s",
						 schema_files[i].name, sqlite3_errmsg(db));
			sq_exec(db, "ROLLBACK");
			return rc;
		}
	}
	return CA_OK;
}

/* ---- the group-commit writer ---- */

/* Run one job of a group inside its own savepoint. A job that failed on
 * a write fault (sq_fault_is) fails with CA_ERR_UNAVAILABLE saying why;
 * the fault's code into *fault. */
static void run_job(struct sq_store *s, struct sq_conn *c, struct sq_job *j, int *fault)
{
	if (j->run == NULL) {
		j->rc = CA_OK;
		return;
	}
	int rc = sq_exec(c->db, "SAVEPOINT job");
	if (rc != SQLITE_OK) {
		j->rc = CA_ERR_STORE;
		if (sq_fault_is(rc))
			*fault = rc;
		return;
	}
	j->rc = j->run(s, j->arg, j->err);
	if (j->rc == CA_ERR_STORE && sq_fault_is(rc = sqlite3_extended_errcode(c->db))) {
		*fault = rc;
		j->rc = sq_fault(s, rc, j->err);
	}
	if (j->rc != CA_OK)
		sq_exec(c->db, "ROLLBACK TO job");
	sq_exec(c->db, "RELEASE job");
}

/*
 * The writer's WAL: checkpointed by the writer itself once a group's
 * callers are answered (sq_writer_checkpoint), when it has grown past
 * SQ_CHECKPOINT_PAGES, instead of inside COMMIT, where SQLite's automatic
 * checkpoint (every 1,000 pages) made the group that crossed the mark wait
 * for it. One client issuing on a 1M store: p99 1.2-1.7 ms, against 4.8-5.2
 * ms with the checkpoint inside COMMIT. On the writer and between groups
 * no write runs beside the checkpoint, so it catches up and the WAL starts
 * over (from another thread it never caught up under load: the note on
 * issue 11). Other connections (housekeeping, privca tidy) keep SQLite's.
 *
 * The mark counts the pages the writer itself wrote, not the WAL's size:
 * while privca tidy wrote beside it, the WAL stayed past the mark, and the
 * writer checkpointed after nearly every group, 5-36 ms each while the
 * next group waited (issuance p99 26 ms during a tidy of 500,000). The
 * tidy's own automatic checkpoint copies what the tidy wrote.
 */
static int wal_seen(void *arg, sqlite3 *db, const char *name, int pages)
{
	(void)db;
	(void)name;
	((struct sq_conn *)arg)->wal_pages = pages;
	return SQLITE_OK;
}

int64_t sq_wal_written(struct sq_conn *c)
{
	int wrote = 0, most = 0;
	(void)sqlite3_db_status(c->db, SQLITE_DBSTATUS_CACHE_WRITE, &wrote, &most, 1);
	return c->wal_own += wrote;
}

void sq_writer_checkpoint(struct sq_store *s)
{
	struct sq_conn *c = sq_writer_conn(s);
	if (c == NULL || sq_wal_written(c) < SQ_CHECKPOINT_PAGES ||
	    c->wal_pages < SQ_CHECKPOINT_PAGES)
		return;
	/* PASSIVE: a reader on an old snapshot is not waited for; what it
	 * holds is copied by a later round (wal_pages stays high until the
	 * WAL starts over). */
	(void)sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	c->wal_pages = 0;
	c->wal_own = 0;
}

/* Commit one group; false if nothing of it was committed, with the
 * SQLite result code that stopped it in *src (SQLITE_CANTOPEN: no
 * connection). A write fault is recorded in s (sq_fault) either way. */
static bool commit_group(struct sq_store *s, struct sq_job *batch, int *src)
{
	struct sq_conn *c = sq_conn(s);
	int fault = 0;
	bool light = true;
	for (struct sq_job *j = batch; j && light; j = (struct sq_job *)j->q.next)
		light = j->light;
	if (c != NULL && light)
		light = sq_light_begin(c);
	if (c != NULL && !c->wal_hooked) {
		(void)sqlite3_wal_hook(c->db, wal_seen, c); /* and no automatic checkpoint */
		c->wal_hooked = true;
	}
	*src = c == NULL ? SQLITE_CANTOPEN : sq_exec(c->db, "BEGIN IMMEDIATE");
	bool ok = *src == SQLITE_OK;
	for (struct sq_job *j = batch; j; j = (struct sq_job *)j->q.next) {
		if (ok)
			run_job(s, c, j, &fault);
		else
			j->rc = CA_ERR_STORE;
	}
	if (ok && (*src = sq_exec(c->db, "COMMIT")) != SQLITE_OK) {
		sq_exec(c->db, "ROLLBACK");
		ok = false;
	}

	if (!ok && sq_fault_is(*src))
		fault = *src;
	(void)sq_fault(s, fault, NULL);
	/* (a connection that could not be made durable again is closed) */
	if (c != NULL && (!light || sq_light_end(s, c)) && fault != 0)
		drop_if_readonly(s, c, fault);
	return ok;
}

/* The queue's commit (batch.h): one transaction for the group; when it
 * does not commit, every job of it says so. */
static void writer_commit(void *ctx, struct batch_job *batch)
{
	struct sq_store *s = ctx;
	int src;
	if (commit_group(s, (struct sq_job *)batch, &src))
		return;
	for (struct batch_job *q = batch; q; q = q->next) {
		struct sq_job *j = (struct sq_job *)q;
		j->rc = CA_ERR_STORE;
		j->commit_failed = true;
		j->sqlite_rc = src;
	}
}

struct sq_conn *sq_writer_conn(struct sq_store *s)
{
	/* The connection the group used, never a new one: after a fault the
	 * next job opens it (one opened now, on a read-only file, would stay
	 * read-only). */
	return pthread_getspecific(s->key);
}

void sq_queue_init(struct sq_store *s, void (*after)(void *ctx))
{
	batch_init(&s->queue, GROUP_MAX, writer_commit, after, s);
}

enum ca_err sq_submit(struct sq_store *s, struct sq_job *j)
{
	j->commit_failed = false;
	j->rc = CA_ERR_STORE;
	if (!batch_submit(&s->queue, &j->q))
		return ca_fail(j->err, CA_ERR_STORE, "the store is closing");
	if (j->commit_failed && sq_fault_is(j->sqlite_rc))
		return sq_fault(s, j->sqlite_rc, j->err);
	if (j->commit_failed)
		return ca_fail(j->err, CA_ERR_STORE, "the database could not commit the change");
	return j->rc;
}

enum ca_err sq_submit_async(struct sq_store *s, struct sq_job *j)
{
	return batch_submit_async(&s->queue, &j->q) ? CA_OK : CA_ERR_STORE;
}

enum ca_err sq_explain_rows(sqlite3_stmt *st, const char *mode, char **out, struct ca_error *err)
{
	size_t n = strlen(mode) + 8, len = 0;
	char *text = malloc(n);
	int r;
	if (text == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	len = (size_t)snprintf(text, n, "mode: %s\n", mode);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *d = sq_col_text(st, 3);
		size_t k = strlen(d);
		char *t = realloc(text, len + k + 2);
		if (t == NULL) {
			free(text);
			return ca_fail(err, CA_ERR_NOMEM, "out of memory");
		}
		text = t;
		memcpy(text + len, d, k);
		len += k;
		text[len++] = '\n';
		text[len] = '\0';
	}
	if (r != SQLITE_DONE) {
		free(text);
		return ca_fail(err, CA_ERR_STORE, "the plan could not be read");
	}
	*out = text;
	return CA_OK;
}

enum ca_err sq_explain_sql(struct store *base, const char *sql, const char *mode, char **out,
			   struct ca_error *err)
{
	struct sq_conn *c = sq_conn(sq_of(base));
	sqlite3_stmt *st = NULL;
	char text[2048];
	*out = NULL;
	if (snprintf(text, sizeof(text), "EXPLAIN QUERY PLAN %s", sql) >= (int)sizeof(text))
		return ca_fail(err, CA_ERR_INTERNAL, "the %s query does not fit its buffer", mode);
	if (c == NULL || sqlite3_prepare_v2(c->db, text, -1, &st, NULL) != SQLITE_OK)
		return ca_fail(err, CA_ERR_STORE, "the %s query could not be explained", mode);
	enum ca_err rc = sq_explain_rows(st, mode, out, err);
	sqlite3_finalize(st);
	return rc;
}

/* ---- open, close, ping ---- */

void sq_close(struct store *base)
{
	struct sq_store *s = sq_of(base);
	batch_stop(&s->queue);
	pthread_setspecific(s->key, NULL);
	pthread_mutex_lock(&s->mu);
	struct sq_conn *c = s->conns;
	s->conns = NULL;
	pthread_mutex_unlock(&s->mu);
	while (c != NULL) {
		struct sq_conn *next = c->next;
		sq_conn_free(c);
		c = next;
	}
	pthread_key_delete(s->key);
	pthread_mutex_destroy(&s->mu);
	batch_destroy(&s->queue);
	free(s->path);
	free(s);
}

/* While writes fail, whether one would commit now: the schema version
 * written back unchanged, a real write of one page, so a disk still full
 * fails it. */
static enum ca_err probe_write(struct sq_store *s, struct sq_conn *c, struct ca_error *err)
{
	sqlite3_stmt *st = NULL;
	int version = -1, rc = sq_exec(c->db, "BEGIN IMMEDIATE");
	if (rc == SQLITE_OK &&
	    (rc = sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL)) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		rc = sqlite3_finalize(st);
	}
	if (rc == SQLITE_OK && version >= 0) {
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", version);
		if ((rc = sq_exec(c->db, pragma)) == SQLITE_OK)
			rc = sq_exec(c->db, "COMMIT");
	}
	if (rc == SQLITE_OK)
		return sq_fault(s, 0, NULL);
	sq_exec(c->db, "ROLLBACK");
	if (!sq_fault_is(rc))
		return ca_fail(err, CA_ERR_STORE, "the database does not answer: %s",
			       sqlite3_errstr(rc));
	enum ca_err e = sq_fault(s, rc, err);
	drop_if_readonly(s, c, rc);
	return e;
}

enum ca_err sq_ping(struct store *base, struct ca_error *err)
{
	struct sq_store *s = sq_of(base);
	struct sq_conn *c = sq_conn(s);
	if (c == NULL) {
		if (atomic_load(&s->fault) != 0)
			return sq_fault(s, atomic_load(&s->fault), err);
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	}
	if (sq_exec(c->db, "SELECT count(*) FROM crl_state") != SQLITE_OK)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	if (atomic_load(&s->fault) == 0)
		return CA_OK;
	enum ca_err e = probe_write(s, c, err);
	/* This thread's connection may have been opened while the file was
	 * read-only, and stays so: probe_write dropped it. The cause may be
	 * gone already, so ask once more on a fresh connection; otherwise a
	 * fixed store would stay "down" until some other thread wrote. */
	if (e == CA_ERR_UNAVAILABLE && pthread_getspecific(s->key) == NULL &&
	    (c = sq_conn(s)) != NULL)
		e = probe_write(s, c, err);
	return e;
}

/* ---- watch and maintain ---- */

enum ca_err sq_data_version(struct sq_conn *c, int64_t *v)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(c->db, "PRAGMA data_version", -1, &st, NULL) != SQLITE_OK)
		return CA_ERR_STORE;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? CA_OK : CA_ERR_STORE;
}
