/*
 * The code in this file implements the SQLite store as a class (store.h):
 * its ops table, store_sqlite_open, and watch. It sits above sqlite.c
 * (connections, writer, migrations) and the files of each part
 * (sqlite_certs.c, sqlite_search.c, sqlite_tokens.c), so that those never
 * call up into each other through the table.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "sqlite_int.h"
#include "store_acme.h"

#define WATCH_POLL_MS 20
/* SQLite's page caches are per connection, one connection per thread, 2 MiB
 * each by default: 20-odd threads would let them grow to 40-odd MiB as the
 * store grows. One bound for the process (SQLite gives back cached pages
 * above it) keeps a long-running server's RSS flat; a page that falls out
 * is read again from the file system's cache. */
#define SQ_HEAP_LIMIT (8 << 20)

/*
 * What the store holds now, read again only when another connection has
 * committed since this one last read it (PRAGMA data_version changes
 * then) or this connection wrote (sq_revoke and sq_crl_put clear
 * watch_valid).
 */
static enum ca_err watch_look(struct sq_store *s, struct sq_conn *c)
{
	int64_t dv;
	if (sq_data_version(c, &dv) != CA_OK)
		return CA_ERR_STORE;
	if (c->watch_valid && dv == c->watch_dv)
		return CA_OK;
	struct store_change now = {0};
	if (sq_revocation_gen(&s->base, &now.revocation_gen) != CA_OK ||
	    sq_crl_number(&s->base, &now.crl_number) != CA_OK)
		return CA_ERR_STORE;
	c->watch_dv = dv;
	c->watch_seen = now;
	c->watch_valid = true;
	return CA_OK;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum ca_err sq_watch(struct store *base, struct store_change *seen, int timeout_ms)
{
	struct sq_store *s = sq_of(base);
	struct sq_conn *c = sq_conn(s);
	if (c == NULL)
		return CA_ERR_STORE;
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	for (;;) {
		if (watch_look(s, c) != CA_OK)
			return CA_ERR_STORE;
		struct store_change *w = &c->watch_seen;
		if (w->revocation_gen != seen->revocation_gen ||
		    w->crl_number != seen->crl_number) {
			*seen = *w;
			seen->changed = true;
			return CA_OK;
		}
		int64_t left = deadline - now_ms();
		if (left <= 0)
			break;
		struct timespec nap = {0, (left < WATCH_POLL_MS ? left : WATCH_POLL_MS) * 1000000L};
		nanosleep(&nap, NULL);
	}
	seen->changed = false;
	return CA_OK;
}

/* On the writer once a group's callers are answered: the trigram index
 * kept up with what it wrote, then its WAL checkpointed (sqlite.c). */
static void writer_after(void *ctx)
{
	struct sq_store *s = ctx;
	sq_index_writer_round(s);
	sq_writer_checkpoint(s);
	s->wrote_ms = now_ms();
}

/* The writer indexes its own backlog (sq_index_writer_round) once it is
 * SQ_WRITER_INDEX_ROWS: while it has written within this long, the
 * housekeeping leaves a smaller one to it (a search catches up what it
 * needs). */
#define WRITER_BUSY_MS 1000

/* New rows into the trigram index first; a rebuild of it only when they
 * are all in; then free space back to the file system, once no tidy is
 * freeing more (the count stopped growing since the last round): a vacuum
 * beside a tidy held the lock 10-80 ms a round while issuance waited, for
 * pages the tidy's next steps would free around anyway. */
static enum ca_err sq_maintain(struct store *base, bool *more)
{
	struct sq_store *s = sq_of(base);
	enum ca_err rc = CA_OK;
	*more = false;
	if (now_ms() - s->wrote_ms >= WRITER_BUSY_MS || sq_index_backlog(s) >= SQ_WRITER_INDEX_ROWS)
		rc = sq_index_catch_up_some(s, more);
	if (rc == CA_OK && !*more)
		rc = sq_reindex_some(s, more);
	if (rc == CA_OK && !*more) {
		int64_t free_now = sq_free_pages(s), seen = s->free_seen;
		s->free_seen = free_now;
		if (free_now >= 0 && free_now <= seen) /* else look after the pause */
			rc = sq_vacuum_some(s, SQ_VACUUM_KEEP, more);
	}
	return rc;
}

static const struct store_ops sqlite_ops = {
    .scheme = "sqlite",
    .close = sq_close,
    .ping = sq_ping,
    .backup = sq_backup,
    .cert_put = sq_cert_put,
    .cert_get = sq_cert_get,
    .list = sq_list,
    .count = sq_count,
    .revoke = sq_revoke,
    .revoked_list = sq_revoked_list,
    .revoked_since = sq_revoked_since,
    .status = sq_status,
    .revocation_gen = sq_revocation_gen,
    .crl_get = sq_crl_get,
    .crl_number = sq_crl_number,
    .crl_put = sq_crl_put,
    .token_put = sq_token_put,
    .token_by_hash = sq_token_by_hash,
    .token_by_name = sq_token_by_name,
    .token_list = sq_token_list,
    .token_revoke = sq_token_revoke,
    .event = sq_event,
    .event_list = sq_event_list,
    .tidy = sq_tidy,
    .watch = sq_watch,
    .maintain = sq_maintain,
    .acme = &store_sqlite_acme_ops,
};

/* Why path cannot be opened for writing, if the system says (NULL: it
 * can, or the folder can be written for -wal and -shm). */
static const char *unwritable(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? NULL : strerror(errno);
	close(fd);
	return NULL;
}

/* The first connection: this thread's, in WAL mode, schema up to date. A
 * database SQLite could open only for reading is served, its write fault
 * recorded and said (issue 13 item 5): reads, CRL and OCSP keep working. */
static enum ca_err first_conn(struct sq_store *s, bool create, struct ca_error *err)
{
	struct sq_conn *c =
	    sq_conn_open(s, SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0));
	const char *why = c == NULL ? unwritable(s->path) : NULL;
	if (c == NULL && why != NULL)
		return ca_fail(err, CA_ERR_STORE,
			       "cannot open the database %s for writing: %s (privca writes it, and "
			       "creates %s-wal and %s-shm beside it)",
			       s->path, why, s->path, s->path);
	if (c == NULL)
		return ca_fail(err, CA_ERR_STORE, "cannot open the database %s", s->path);
	if (sqlite3_db_readonly(c->db, "main") == 1)
		(void)sq_fault(s, SQLITE_READONLY, NULL);
	if (pthread_setspecific(s->key, c) != 0) {
		sq_conn_free(c);
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	}
	s->conns = c;
	/* A new file: pages freed by a tidy go back to the file system
	 * (schema/sqlite/009_tidy.sql). It takes only before the first page is
	 * written (so before WAL); an existing file keeps its mode. A file
	 * SQLite could open only for reading is left as it is (setting the
	 * mode would try to write its header). */
	if (sqlite3_db_readonly(c->db, "main") != 1 &&
	    sq_exec(c->db, "PRAGMA auto_vacuum = INCREMENTAL") != SQLITE_OK)
		return ca_fail(err, CA_ERR_STORE, "cannot set auto_vacuum on %s: %s", s->path,
			       sqlite3_errmsg(c->db));
	if (sq_exec(c->db, "PRAGMA journal_mode = WAL") != SQLITE_OK)
		return ca_fail(err, CA_ERR_STORE, "cannot switch %s to WAL: %s", s->path,
			       sqlite3_errmsg(c->db));
	return sq_migrate(c->db, err);
}

enum ca_err store_sqlite_open(const char *path, bool create, struct store **out,
			      struct ca_error *err)
{
	struct sq_store *s = calloc(1, sizeof(*s));
	enum ca_err rc;
	if (s == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	}
	s->base.ops = &sqlite_ops;
	if (sqlite3_soft_heap_limit64(-1) == 0) /* 0: none set by whoever embeds us */
		(void)sqlite3_soft_heap_limit64(SQ_HEAP_LIMIT);
	pthread_key_create(&s->key, sq_conn_release);
	pthread_mutex_init(&s->mu, NULL);
	sq_queue_init(s, writer_after);
	if ((rc = first_conn(s, create, err)) != CA_OK) {
		sq_close(&s->base);
		return rc;
	}
	*out = &s->base;
	return CA_OK;
}
