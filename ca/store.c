/*
 * The code in this file implements the SQLite store (store.h).
 *
 * Connections: one per thread, opened on first use and kept in a list so
 * store_close can finish them; prepared statements are cached per
 * connection. Certificate inserts are queued to a single writer thread
 * that commits up to GROUP_MAX of them per transaction: with
 * synchronous=FULL every commit is an fsync, and sharing it is what makes
 * durable issuance fast under concurrency.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "store.h"

struct embed_file {
	const char *name;
	const unsigned char *data;
	size_t len;
};
extern const struct embed_file schema_files[];

#define GROUP_MAX 64

enum stmt {
	ST_CERT_PUT,
	ST_EVENT,
	ST_SERIAL_TAKEN,
	ST_CERT_GET,
	ST_STATUS,
	ST_COUNT,
	ST_REVOKE_GET,
	ST_REVOKE_SET,
	ST_REVOKED_LIST,
	ST_CRL_GET,
	ST_CRL_NUMBER,
	ST_CRL_PUT,
	ST_TOKEN_PUT,
	ST_TOKEN_BY_HASH,
	ST_TOKEN_BY_NAME,
	ST_TOKEN_LIST,
	ST_TOKEN_REVOKE,
	ST_REVOCATION_GEN,
	ST_FTS_BEHIND,
	ST_FTS_INDEX,
	ST_FTS_MARK,
	ST_MAX
};

#define CERT_COLS                                                                                  \
	"serial, subject, dns_names, ip_addresses, not_before, not_after, profile, requester, "    \
	"fingerprint_sha256, status, revoked_at, revocation_reason, created_at"
#define TOKEN_COLS                                                                                 \
	"name, allow, allow_ip, allow_wildcard, max_days, profiles, admin, created_at, revoked_at"

static const char *const stmt_sql[ST_MAX] = {
    [ST_CERT_PUT] = "INSERT INTO certificates (serial, subject, dns_names, ip_addresses, "
		    "not_before, not_after, profile, requester, fingerprint_sha256, der, "
		    "created_at, search) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
    [ST_EVENT] = "INSERT INTO events (at, kind, serial, actor, detail) VALUES (?1,?2,?3,?4,?5)",
    [ST_SERIAL_TAKEN] = "SELECT 1 FROM certificates WHERE serial = ?1",
    [ST_CERT_GET] = "SELECT " CERT_COLS ", der FROM certificates WHERE serial = ?1",
    [ST_STATUS] = "SELECT status, revoked_at, revocation_reason, not_after FROM certificates "
		  "WHERE serial = ?1",
    [ST_COUNT] = "SELECT (SELECT count(*) FROM certificates WHERE status = 'valid' AND "
		 "not_after >= ?1), (SELECT count(*) FROM certificates WHERE status = 'revoked'), "
		 "(SELECT count(*) FROM certificates WHERE status = 'valid' AND not_after < ?1), "
		 "(SELECT count(*) FROM certificates WHERE status = 'valid' AND not_after >= ?1 "
		 "AND not_after < ?1 + 2592000)",
    [ST_REVOKE_GET] = "SELECT status, requester FROM certificates WHERE serial = ?1",
    [ST_REVOKE_SET] = "UPDATE certificates SET status = 'revoked', revoked_at = ?2, "
		      "revocation_reason = ?3 WHERE serial = ?1 AND status = 'valid'",
    [ST_REVOKED_LIST] = "SELECT serial, revoked_at, revocation_reason FROM certificates "
			"WHERE status = 'revoked' AND not_after >= ?1 ORDER BY serial",
    [ST_CRL_GET] = "SELECT number, CASE WHEN generation = ?1 AND this_update > ?2 THEN der END, "
		   "this_update, next_update, generation FROM crl_state WHERE id = 1",
    [ST_CRL_NUMBER] = "SELECT number FROM crl_state WHERE id = 1",
    [ST_CRL_PUT] = "INSERT INTO crl_state (id, number, der, this_update, next_update, "
		   "generation) VALUES (1, ?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO UPDATE SET "
		   "number = ?1, der = ?2, this_update = ?3, next_update = ?4, generation = ?5 "
		   "WHERE crl_state.number = ?1 - 1",
    [ST_TOKEN_PUT] = "INSERT INTO tokens (name, sha256, allow, allow_ip, allow_wildcard, "
		     "max_days, profiles, admin, created_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
    [ST_TOKEN_BY_HASH] = "SELECT " TOKEN_COLS " FROM tokens WHERE sha256 = ?1 AND "
			 "revoked_at IS NULL",
    [ST_TOKEN_BY_NAME] = "SELECT " TOKEN_COLS " FROM tokens WHERE name = ?1 AND "
			 "revoked_at IS NULL",
    [ST_TOKEN_LIST] = "SELECT " TOKEN_COLS " FROM tokens ORDER BY name",
    [ST_TOKEN_REVOKE] = "UPDATE tokens SET revoked_at = ?2 WHERE name = ?1 AND "
			"revoked_at IS NULL",
    [ST_REVOCATION_GEN] = "SELECT generation FROM revocation_state WHERE id = 1",
    [ST_FTS_BEHIND] = "SELECT (SELECT last_rowid FROM fts_state WHERE id = 1), "
		      "(SELECT coalesce(max(rowid), 0) FROM certificates)",
    [ST_FTS_INDEX] = "INSERT INTO cert_fts (rowid, search) SELECT rowid, search FROM "
		     "certificates WHERE rowid > ?1 AND rowid <= ?2 ORDER BY rowid",
    [ST_FTS_MARK] = "UPDATE fts_state SET last_rowid = ?1 WHERE id = 1",
};

struct conn {
	sqlite3 *db;
	sqlite3_stmt *st[ST_MAX];
	struct store *s;
	struct conn *next;
};

struct pending {
	pthread_cond_t cv; /* signalled when done: only this caller wakes */
	const struct ca_cert *c;
	enum ca_err rc;
	bool done;
	struct pending *next;
};

struct store {
	char *path;
	pthread_key_t key;
	pthread_mutex_t mu; /* guards conns */
	struct conn *conns;

	pthread_mutex_t qmu; /* guards the queue and the writer's life */
	pthread_cond_t qcv;  /* writer: work arrived or stop */
	struct pending *head, *tail;
	bool writer_running, stopping;
	pthread_t writer;
};

static void conn_free(struct conn *c)
{
	for (int i = 0; i < ST_MAX; i++)
		sqlite3_finalize(c->st[i]);
	sqlite3_close(c->db);
	free(c);
}

/* Thread exit: close this thread's connection. */
static void conn_release(void *p)
{
	struct conn *c = p;
	struct store *s = c->s;
	pthread_mutex_lock(&s->mu);
	for (struct conn **pp = &s->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	pthread_mutex_unlock(&s->mu);
	conn_free(c);
}

static int exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static struct conn *conn_open(struct store *s, int flags)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->s = s;
	if (sqlite3_open_v2(s->path, &c->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto bad;
	sqlite3_busy_timeout(c->db, 10000);
	if (exec(c->db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON") != SQLITE_OK)
		goto bad;
	return c;
bad:
	conn_free(c);
	return NULL;
}

static struct conn *conn_get(struct store *s)
{
	struct conn *c = pthread_getspecific(s->key);
	if (c != NULL)
		return c;
	c = conn_open(s, SQLITE_OPEN_READWRITE);
	if (c == NULL)
		return NULL;
	if (pthread_setspecific(s->key, c) != 0) {
		conn_free(c);
		return NULL;
	}
	pthread_mutex_lock(&s->mu);
	c->next = s->conns;
	s->conns = c;
	pthread_mutex_unlock(&s->mu);
	return c;
}

/* A cached, reset statement of this thread's connection. */
static sqlite3_stmt *stmt(struct store *s, enum stmt id, struct conn **cp)
{
	struct conn *c = conn_get(s);
	if (c == NULL)
		return NULL;
	if (c->st[id] == NULL &&
	    sqlite3_prepare_v3(c->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &c->st[id],
			       NULL) != SQLITE_OK)
		return NULL;
	if (cp != NULL)
		*cp = c;
	return c->st[id];
}

static void done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static enum ca_err migrate(sqlite3 *db, struct ca_error *err)
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
		if (exec(db, "BEGIN IMMEDIATE") != SQLITE_OK ||
		    exec(db, (const char *)schema_files[i].data) != SQLITE_OK ||
		    exec(db, pragma) != SQLITE_OK || exec(db, "COMMIT") != SQLITE_OK) {
			enum ca_err rc = ca_fail(err, CA_ERR_STORE, "migration %s failed: %s",
						 schema_files[i].name, sqlite3_errmsg(db));
			exec(db, "ROLLBACK");
			return rc;
		}
	}
	return CA_OK;
}

enum ca_err store_open(const char *path, bool create, struct store **out, struct ca_error *err)
{
	struct store *s = calloc(1, sizeof(*s));
	enum ca_err rc;
	if (s == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	}
	pthread_key_create(&s->key, conn_release);
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->qmu, NULL);
	pthread_cond_init(&s->qcv, NULL);

	struct conn *c = conn_open(s, SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0));
	if (c == NULL) {
		rc = ca_fail(err, CA_ERR_STORE, "cannot open the database %s", path);
		goto bad;
	}
	if (pthread_setspecific(s->key, c) != 0) {
		conn_free(c);
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
		goto bad;
	}
	s->conns = c;
	if (exec(c->db, "PRAGMA journal_mode = WAL") != SQLITE_OK) {
		rc = ca_fail(err, CA_ERR_STORE, "cannot switch %s to WAL: %s", path,
			     sqlite3_errmsg(c->db));
		goto bad;
	}
	if ((rc = migrate(c->db, err)) != CA_OK)
		goto bad;
	*out = s;
	return CA_OK;
bad:
	store_close(s);
	return rc;
}

void store_close(struct store *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->qmu);
	s->stopping = true;
	bool running = s->writer_running;
	pthread_cond_signal(&s->qcv);
	pthread_mutex_unlock(&s->qmu);
	if (running)
		pthread_join(s->writer, NULL);
	pthread_setspecific(s->key, NULL);
	pthread_mutex_lock(&s->mu);
	struct conn *c = s->conns;
	s->conns = NULL;
	pthread_mutex_unlock(&s->mu);
	while (c != NULL) {
		struct conn *next = c->next;
		conn_free(c);
		c = next;
	}
	pthread_key_delete(s->key);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->qmu);
	pthread_cond_destroy(&s->qcv);
	free(s->path);
	free(s);
}

enum ca_err store_ping(struct store *s, struct ca_error *err)
{
	struct conn *c = conn_get(s);
	if (c == NULL || exec(c->db, "SELECT count(*) FROM crl_state") != SQLITE_OK)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	return CA_OK;
}

/*
 * A consistent copy of the database while the service runs: SQLite's
 * online backup, in one step, so the copy is one read snapshot (in WAL mode
 * the writer goes on meanwhile). The file is new (O_EXCL, 0600: it holds
 * token hashes and the event log), and synced before it is called done.
 */
enum ca_err store_backup(struct store *s, const char *path, struct ca_error *err)
{
	struct conn *c = conn_get(s);
	if (c == NULL)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return ca_fail(err, errno == EEXIST ? CA_ERR_EXISTS : CA_ERR_IO,
			       "cannot create %s: %s", path, strerror(errno));
	close(fd);
	sqlite3 *dst = NULL;
	enum ca_err rc = CA_OK;
	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		rc = ca_fail(err, CA_ERR_IO, "cannot open %s as a database", path);
		goto out;
	}
	sqlite3_busy_timeout(dst, 5000);
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", c->db, "main");
	if (b == NULL) {
		rc = ca_fail(err, CA_ERR_STORE, "backup: %s", sqlite3_errmsg(dst));
		goto out;
	}
	int r;
	for (int tries = 0; (r = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || r == SQLITE_LOCKED;
	     tries++) {
		if (tries == 100)
			break;
		sqlite3_sleep(50);
	}
	if (sqlite3_backup_finish(b) != SQLITE_OK || r != SQLITE_DONE) {
		rc = ca_fail(err, CA_ERR_STORE, "backup: %s", sqlite3_errmsg(dst));
		goto out;
	}
	/* The copy keeps WAL mode; fold its log in so one file is the backup. */
	if (exec(dst, "PRAGMA wal_checkpoint(TRUNCATE)") != SQLITE_OK ||
	    exec(dst, "PRAGMA journal_mode = DELETE") != SQLITE_OK)
		rc = ca_fail(err, CA_ERR_STORE, "backup: %s", sqlite3_errmsg(dst));
out:
	if (dst != NULL && sqlite3_close(dst) != SQLITE_OK)
		rc = ca_fail(err, CA_ERR_STORE, "backup: the copy did not close cleanly");
	if (rc == CA_OK) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fsync(fd) != 0)
			rc = ca_fail(err, CA_ERR_IO, "cannot sync %s", path);
		if (fd >= 0)
			close(fd);
	}
	if (rc != CA_OK) {
		char side[PATH_MAX];
		unlink(path);
		if (snprintf(side, sizeof(side), "%s-wal", path) < (int)sizeof(side))
			unlink(side);
		if (snprintf(side, sizeof(side), "%s-shm", path) < (int)sizeof(side))
			unlink(side);
	}
	return rc;
}

/* ---- certificates ---- */

/* names joined with ',' into a new string; NULL on no memory. */
static char *join(char *const *v, size_t n)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	char *s = malloc(len), *p = s;
	if (s == NULL)
		return NULL;
	*p = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		size_t k = strlen(v[i]);
		memcpy(p, v[i], k + 1);
		p += k;
	}
	return s;
}

static bool split(const char *s, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (s == NULL || *s == '\0')
		return true;
	size_t cnt = 1;
	for (const char *p = s; *p; p++)
		cnt += *p == ',';
	char **v = calloc(cnt, sizeof(*v));
	if (v == NULL)
		return false;
	size_t i = 0;
	const char *start = s;
	for (const char *p = s;; p++) {
		if (*p == ',' || *p == '\0') {
			v[i] = strndup(start, (size_t)(p - start));
			if (v[i] == NULL) {
				for (size_t j = 0; j < i; j++)
					free(v[j]);
				free(v);
				return false;
			}
			i++;
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
	*out = v;
	*n = i;
	return true;
}

static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
	return sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

static enum ca_err event(struct store *s, int64_t at, const char *kind, const char *serial,
			 const char *actor, const char *detail)
{
	sqlite3_stmt *st = stmt(s, ST_EVENT, NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	sqlite3_bind_int64(st, 1, at);
	bind_text(st, 2, kind);
	if (serial != NULL)
		bind_text(st, 3, serial);
	bind_text(st, 4, actor ? actor : "cli");
	bind_text(st, 5, detail ? detail : "");
	int r = sqlite3_step(st);
	done(st);
	return r == SQLITE_DONE ? CA_OK : CA_ERR_STORE;
}

enum ca_err store_event(struct store *s, int64_t at, const char *kind, const char *serial,
			const char *actor, const char *detail)
{
	return event(s, at, kind, serial, actor, detail);
}

static char *lower_dup(const char *a, const char *b, const char *c, const char *d)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + strlen(d) + 4;
	char *s = malloc(n);
	if (s == NULL)
		return NULL;
	snprintf(s, n, "%s %s %s %s", a, b, c, d);
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

/* Insert one certificate on the writer's connection (inside its transaction). */
static enum ca_err insert_cert(struct store *s, const struct ca_cert *c)
{
	enum ca_err rc = CA_ERR_NOMEM;
	char *dns = join(c->dns_names, c->n_dns);
	char *ips = join(c->ip_addresses, c->n_ip);
	char *search = NULL;
	struct conn *cn;
	sqlite3_stmt *st;

	if (dns == NULL || ips == NULL)
		goto out;
	search = lower_dup(c->subject, dns, ips, c->serial);
	if (search == NULL)
		goto out;
	rc = CA_ERR_STORE;
	if ((st = stmt(s, ST_CERT_PUT, &cn)) == NULL)
		goto out;
	bind_text(st, 1, c->serial);
	bind_text(st, 2, c->subject);
	bind_text(st, 3, dns);
	bind_text(st, 4, ips);
	sqlite3_bind_int64(st, 5, c->not_before);
	sqlite3_bind_int64(st, 6, c->not_after);
	bind_text(st, 7, ca_profile_name(c->profile));
	bind_text(st, 8, c->requester);
	bind_text(st, 9, c->fingerprint_sha256);
	sqlite3_bind_blob(st, 10, c->der, (int)c->der_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, c->created_at);
	bind_text(st, 12, search);
	int r = sqlite3_step(st);
	done(st);
	if (r == SQLITE_CONSTRAINT) {
		rc = CA_ERR_EXISTS;
		goto out;
	}
	if (r != SQLITE_DONE)
		goto out;
	rc = event(s, c->created_at, "issue", c->serial, c->requester, dns);
out:
	free(dns);
	free(ips);
	free(search);
	return rc;
}

static void *writer_main(void *arg)
{
	struct store *s = arg;
	pthread_mutex_lock(&s->qmu);
	for (;;) {
		while (s->head == NULL && !s->stopping)
			pthread_cond_wait(&s->qcv, &s->qmu);
		if (s->head == NULL)
			break;
		/* Take up to GROUP_MAX requests; newcomers queue for the next group. */
		struct pending *batch = s->head, *last = batch;
		int n = 1;
		while (last->next != NULL && n < GROUP_MAX) {
			last = last->next;
			n++;
		}
		s->head = last->next;
		if (s->head == NULL)
			s->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&s->qmu);

		struct conn *c = conn_get(s);
		bool ok = c != NULL && exec(c->db, "BEGIN IMMEDIATE") == SQLITE_OK;
		for (struct pending *p = batch; p; p = p->next) {
			p->rc = ok ? CA_OK : CA_ERR_STORE;
			if (!ok)
				continue;
			/* A failed row is undone by SQLite at statement level; the
			 * event row is its own statement, so roll both back by savepoint. */
			if (exec(c->db, "SAVEPOINT row") != SQLITE_OK) {
				p->rc = CA_ERR_STORE;
				continue;
			}
			p->rc = insert_cert(s, p->c);
			if (p->rc != CA_OK)
				exec(c->db, "ROLLBACK TO row");
			exec(c->db, "RELEASE row");
		}
		if (ok && exec(c->db, "COMMIT") != SQLITE_OK) {
			exec(c->db, "ROLLBACK");
			ok = false;
		}
		pthread_mutex_lock(&s->qmu);
		for (struct pending *p = batch, *next; p; p = next) {
			next = p->next; /* p lives on its caller's stack: read before waking */
			if (!ok)
				p->rc = CA_ERR_STORE;
			p->done = true;
			pthread_cond_signal(&p->cv);
		}
	}
	pthread_mutex_unlock(&s->qmu);
	return NULL;
}

enum ca_err store_cert_put(struct store *s, const struct ca_cert *c, struct ca_error *err)
{
	struct pending p = {.c = c, .rc = CA_ERR_STORE};
	pthread_cond_init(&p.cv, NULL);
	pthread_mutex_lock(&s->qmu);
	if (!s->stopping && !s->writer_running &&
	    pthread_create(&s->writer, NULL, writer_main, s) == 0)
		s->writer_running = true;
	if (!s->stopping && s->writer_running) {
		if (s->tail != NULL)
			s->tail->next = &p;
		else
			s->head = &p;
		s->tail = &p;
		pthread_cond_signal(&s->qcv);
		while (!p.done)
			pthread_cond_wait(&p.cv, &s->qmu);
	}
	pthread_mutex_unlock(&s->qmu);
	pthread_cond_destroy(&p.cv);
	if (p.rc == CA_ERR_EXISTS)
		return ca_fail(err, p.rc, "serial %s is taken", c->serial);
	if (p.rc != CA_OK)
		return ca_fail(err, p.rc,
			       "the certificate could not be recorded; nothing was issued");
	return CA_OK;
}

enum ca_err store_serial_taken(struct store *s, const char *serial, bool *taken)
{
	sqlite3_stmt *st = stmt(s, ST_SERIAL_TAKEN, NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	bind_text(st, 1, serial);
	int r = sqlite3_step(st);
	done(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return CA_ERR_STORE;
	*taken = r == SQLITE_ROW;
	return CA_OK;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

/* Build a ca_cert from a row of CERT_COLS (+ der at column 13 if with_der). */
static struct ca_cert *row_cert(sqlite3_stmt *st, int64_t now, bool with_der)
{
	struct ca_cert *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	snprintf(c->serial, sizeof(c->serial), "%s", col_text(st, 0));
	c->subject = strdup(col_text(st, 1));
	if (c->subject == NULL || !split(col_text(st, 2), &c->dns_names, &c->n_dns) ||
	    !split(col_text(st, 3), &c->ip_addresses, &c->n_ip))
		goto bad;
	c->not_before = sqlite3_column_int64(st, 4);
	c->not_after = sqlite3_column_int64(st, 5);
	if (!ca_profile_parse(col_text(st, 6), &c->profile))
		c->profile = CA_PROFILE_SERVER;
	if ((c->requester = strdup(col_text(st, 7))) == NULL)
		goto bad;
	snprintf(c->fingerprint_sha256, sizeof(c->fingerprint_sha256), "%s", col_text(st, 8));
	bool revoked = strcmp(col_text(st, 9), "revoked") == 0;
	c->revoked_at = revoked ? sqlite3_column_int64(st, 10) : 0;
	c->reason = revoked ? (enum ca_reason)sqlite3_column_int(st, 11) : CA_REASON_UNSPECIFIED;
	c->created_at = sqlite3_column_int64(st, 12);
	c->status = revoked		 ? CA_STATUS_REVOKED
		    : c->not_after < now ? CA_STATUS_EXPIRED
					 : CA_STATUS_VALID;
	if (with_der) {
		int n = sqlite3_column_bytes(st, 13);
		const void *p = sqlite3_column_blob(st, 13);
		if (n <= 0 || p == NULL || (c->der = malloc((size_t)n)) == NULL)
			goto bad;
		memcpy(c->der, p, (size_t)n);
		c->der_len = (size_t)n;
	}
	return c;
bad:
	ca_cert_free(c);
	return NULL;
}

enum ca_err store_cert_get(struct store *s, const char *serial, int64_t now, struct ca_cert **out,
			   struct ca_error *err)
{
	sqlite3_stmt *st = stmt(s, ST_CERT_GET, NULL);
	if (st == NULL)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	bind_text(st, 1, serial);
	int r = sqlite3_step(st);
	enum ca_err rc = CA_OK;
	if (r == SQLITE_ROW) {
		*out = row_cert(st, now, true);
		if (*out == NULL)
			rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
	} else if (r == SQLITE_DONE) {
		rc = ca_fail(err, CA_ERR_NOT_FOUND, "no certificate with serial %s", serial);
	} else {
		rc = ca_fail(err, CA_ERR_STORE, "the database failed");
	}
	done(st);
	return rc;
}

/*
 * "i<created_at>_<rowid>" or "e<not_after>_<rowid>": the cursor of a list
 * in issue or expiry order; one of the other order is refused.
 */
static bool parse_cursor(const char *cur, char order, int64_t *key, int64_t *rowid)
{
	char *end;
	if (cur[0] != order || !(cur[1] == '-' || (cur[1] >= '0' && cur[1] <= '9')))
		return false;
	long long k = strtoll(cur + 1, &end, 10);
	if (*end != '_' || end[1] < '0' || end[1] > '9')
		return false;
	const char *r = end + 1;
	long long v = strtoll(r, &end, 10);
	if (*end != '\0' || v <= 0)
		return false;
	*key = k;
	*rowid = v;
	return true;
}

/* Rows indexed per transaction when catching up (about 0.2 s of work). */
#define FTS_CHUNK 5000

/* How far the trigram index is behind: indexed up to *indexed, rows up to *top. */
static enum ca_err fts_behind(struct store *s, int64_t *indexed, int64_t *top)
{
	sqlite3_stmt *st = stmt(s, ST_FTS_BEHIND, NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*indexed = sqlite3_column_int64(st, 0);
		*top = sqlite3_column_int64(st, 1);
	}
	done(st);
	return r == SQLITE_ROW ? CA_OK : CA_ERR_STORE;
}

/*
 * Index the rows the trigram index has not seen (schema/002_search.sql).
 * Rows are only appended (rowids grow, nothing is deleted), so "not seen"
 * is "rowid above fts_state.last_rowid". BEGIN IMMEDIATE makes concurrent
 * catch-ups (threads, processes) take turns: the second finds nothing left,
 * and no row is indexed twice.
 */
enum ca_err store_index_catch_up(struct store *s)
{
	int64_t indexed, top;
	struct conn *c = conn_get(s);
	if (c == NULL || fts_behind(s, &indexed, &top) != CA_OK)
		return CA_ERR_STORE;
	/* In chunks, each its own transaction: a bulk import's backlog never
	 * holds the write lock long enough to stall issuance. */
	while (indexed < top) {
		if (exec(c->db, "BEGIN IMMEDIATE") != SQLITE_OK)
			return CA_ERR_STORE;
		enum ca_err rc = fts_behind(s, &indexed, &top);
		int64_t upto = top - indexed > FTS_CHUNK ? indexed + FTS_CHUNK : top;
		if (rc == CA_OK && indexed < top) {
			sqlite3_stmt *st = stmt(s, ST_FTS_INDEX, NULL);
			sqlite3_stmt *mk = st ? stmt(s, ST_FTS_MARK, NULL) : NULL;
			if (mk == NULL) {
				rc = CA_ERR_STORE;
			} else {
				sqlite3_bind_int64(st, 1, indexed);
				sqlite3_bind_int64(st, 2, upto);
				sqlite3_bind_int64(mk, 1, upto);
				if (sqlite3_step(st) != SQLITE_DONE ||
				    sqlite3_step(mk) != SQLITE_DONE)
					rc = CA_ERR_STORE;
				done(st);
				done(mk);
			}
		}
		if (rc == CA_OK && exec(c->db, "COMMIT") != SQLITE_OK)
			rc = CA_ERR_STORE;
		if (rc != CA_OK) {
			exec(c->db, "ROLLBACK");
			return rc;
		}
		indexed = upto;
	}
	return CA_OK;
}

/* "r<rowid>": the cursor of a full-text search, which pages by rowid. */
static bool parse_rowid_cursor(const char *cur, int64_t *rowid)
{
	char *end;
	if (cur[0] != 'r' || cur[1] < '0' || cur[1] > '9')
		return false;
	long long v = strtoll(cur + 1, &end, 10);
	if (*end != '\0' || v <= 0)
		return false;
	*rowid = v;
	return true;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The term as one FTS5 phrase: "..." with inner quotes doubled. */
static char *fts_phrase(const char *term)
{
	size_t n = strlen(term), q = 0;
	for (const char *p = term; *p; p++)
		q += *p == '"';
	char *s = malloc(n + q + 3), *o = s;
	if (s == NULL)
		return NULL;
	*o++ = '"';
	for (const char *p = term; *p; p++) {
		if (*p == '"')
			*o++ = '"';
		*o++ = *p;
	}
	*o++ = '"';
	*o = '\0';
	return s;
}

/* Matches of a trigram phrase beyond which sorting them all costs more
 * than scanning the expiry index until a page is full. */
#define FTS_SORT_MAX 1000

/* Does phrase match fewer than FTS_SORT_MAX certificates? */
static bool fts_rare(struct store *s, const char *phrase)
{
	struct conn *c = conn_get(s);
	sqlite3_stmt *st;
	if (c == NULL || sqlite3_prepare_v2(c->db,
					    "SELECT count(*) FROM (SELECT 1 FROM cert_fts WHERE "
					    "cert_fts MATCH ?1 LIMIT ?2)",
					    -1, &st, NULL) != SQLITE_OK)
		return false;
	bind_text(st, 1, phrase);
	sqlite3_bind_int(st, 2, FTS_SORT_MAX);
	bool rare = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) < FTS_SORT_MAX;
	sqlite3_finalize(st);
	return rare;
}

/* SQL from constant fragments only; every value is bound (design section 7). */
#define ADD(...) n += snprintf(sql + n, sizeof(sql) - (size_t)n, __VA_ARGS__)

enum ca_err store_list(struct store *s, const struct ca_list_query *q, int64_t now,
		       struct ca_cert_list *out, struct ca_error *err)
{
	memset(out, 0, sizeof(*out));
	int limit = q->limit == 0 ? 50 : q->limit;
	if (limit < 1 || limit > 500)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "limit must be between 1 and 500");
	bool by_expiry = q->sort == CA_SORT_EXPIRES;
	bool searching = q->q != NULL && *q->q;
	char *needle = NULL, *phrase = NULL;
	enum ca_err rc = CA_OK;

	/*
	 * How to find the rows. SCAN: walk the ordering index, testing the
	 * search text held in it. FTS_ROWID: trigram lookup, newest first by
	 * rowid (issued order). FTS_SORTED: trigram lookup of a rare term,
	 * sorted by expiry. Trigrams need three characters.
	 */
	enum { SCAN, FTS_ROWID, FTS_SORTED } mode = SCAN;
	if (searching) {
		needle = strdup(q->q);
		for (char *p = needle; p != NULL && *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		if (needle != NULL && utf8_chars(needle) >= 3 &&
		    (phrase = fts_phrase(needle)) == NULL) {
			free(needle);
			needle = NULL;
		}
		if (needle == NULL)
			return ca_fail(err, CA_ERR_NOMEM, "out of memory");
		if (phrase != NULL) {
			if (store_index_catch_up(s) != CA_OK) {
				rc = ca_fail(err, CA_ERR_STORE,
					     "the search index could not be brought up to date");
				goto out_free;
			}
			mode = !by_expiry ? FTS_ROWID : fts_rare(s, phrase) ? FTS_SORTED : SCAN;
		}
	}

	int64_t ckey = 0, crowid = 0;
	bool has_cursor = q->cursor != NULL && *q->cursor;
	if (has_cursor &&
	    !(mode == FTS_ROWID ? parse_rowid_cursor(q->cursor, &crowid)
				: parse_cursor(q->cursor, by_expiry ? 'e' : 'i', &ckey, &crowid))) {
		rc = ca_fail(err, CA_ERR_BAD_REQUEST,
			     "cursor is not one this server handed out for this query; start again "
			     "without it");
		goto out_free;
	}

	const char *key = by_expiry ? "not_after" : "created_at";
	char sql[1024];
	int n = 0;
	if (mode == SCAN)
		ADD("SELECT " CERT_COLS ", c.rowid FROM certificates c WHERE 1");
	else
		ADD("SELECT " CERT_COLS ", c.rowid FROM cert_fts JOIN certificates c ON "
		    "c.rowid = cert_fts.rowid WHERE cert_fts MATCH ?2");
	if (q->status == CA_STATUS_VALID)
		ADD(" AND status = 'valid' AND not_after >= ?1");
	else if (q->status == CA_STATUS_REVOKED)
		ADD(" AND status = 'revoked'");
	else if (q->status == CA_STATUS_EXPIRED)
		ADD(" AND status = 'valid' AND not_after < ?1");
	if (q->expires_within_days > 0)
		ADD(" AND status = 'valid' AND not_after >= ?1 AND not_after < ?5");
	if (mode == SCAN && searching)
		ADD(" AND instr(search, ?2) > 0");
	/* Ties on the key are broken by rowid, the issue order (schema/003). */
	if (mode == FTS_ROWID) {
		if (has_cursor)
			ADD(" AND cert_fts.rowid < ?4");
		ADD(" ORDER BY cert_fts.rowid DESC LIMIT ?6");
	} else {
		if (has_cursor)
			ADD(" AND (%s, c.rowid) < (?3, ?4)", key);
		ADD(" ORDER BY %s DESC, c.rowid DESC LIMIT ?6", key);
	}

	struct conn *c = conn_get(s);
	sqlite3_stmt *st = NULL;
	if (c == NULL || sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
		rc = ca_fail(err, CA_ERR_STORE, "the database does not answer");
		goto out_free;
	}
	sqlite3_bind_int64(st, 1, now);
	if (searching)
		bind_text(st, 2, mode == SCAN ? needle : phrase);
	if (has_cursor) {
		sqlite3_bind_int64(st, 3, ckey);
		sqlite3_bind_int64(st, 4, crowid);
	}
	if (q->expires_within_days > 0)
		sqlite3_bind_int64(st, 5, now + (int64_t)q->expires_within_days * 86400);
	sqlite3_bind_int(st, 6, limit + 1);

	int64_t last_rowid = 0;
	out->items = calloc((size_t)limit, sizeof(*out->items));
	if (out->items == NULL)
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
	int r = SQLITE_DONE;
	while (rc == CA_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == (size_t)limit) {
			/* One more row exists: the cursor is the last row returned. */
			struct ca_cert *lastc = out->items[out->n - 1];
			char buf[64];
			if (mode == FTS_ROWID)
				snprintf(buf, sizeof(buf), "r%lld", (long long)last_rowid);
			else
				snprintf(
				    buf, sizeof(buf), "%c%lld_%lld", by_expiry ? 'e' : 'i',
				    (long long)(by_expiry ? lastc->not_after : lastc->created_at),
				    (long long)last_rowid);
			if ((out->next_cursor = strdup(buf)) == NULL)
				rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
			break;
		}
		struct ca_cert *ce = row_cert(st, now, false);
		if (ce == NULL)
			rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
		else
			out->items[out->n++] = ce;
		last_rowid = sqlite3_column_int64(st, 13);
	}
	if (rc == CA_OK && r != SQLITE_ROW && r != SQLITE_DONE)
		rc = ca_fail(err, CA_ERR_STORE, "the database failed: %s", sqlite3_errmsg(c->db));
	sqlite3_finalize(st);
	if (rc != CA_OK)
		ca_cert_list_free(out);
out_free:
	free(needle);
	free(phrase);
	return rc;
}

#undef ADD

enum ca_err store_count(struct store *s, int64_t now, struct ca_counts *out, struct ca_error *err)
{
	sqlite3_stmt *st = stmt(s, ST_COUNT, NULL);
	if (st == NULL)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	sqlite3_bind_int64(st, 1, now);
	enum ca_err rc = CA_OK;
	if (sqlite3_step(st) == SQLITE_ROW) {
		out->valid = (uint64_t)sqlite3_column_int64(st, 0);
		out->revoked = (uint64_t)sqlite3_column_int64(st, 1);
		out->expired = (uint64_t)sqlite3_column_int64(st, 2);
		out->expiring_30d = (uint64_t)sqlite3_column_int64(st, 3);
	} else {
		rc = ca_fail(err, CA_ERR_STORE, "the database failed");
	}
	done(st);
	return rc;
}

/* ---- revocation ---- */

enum ca_err store_revoke(struct store *s, const char *serial, int64_t at, enum ca_reason reason,
			 const char *actor, const char *requester, struct ca_error *err)
{
	struct conn *c = conn_get(s);
	if (c == NULL)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	if (exec(c->db, "BEGIN IMMEDIATE") != SQLITE_OK)
		return ca_fail(err, CA_ERR_STORE, "the database is busy: %s",
			       sqlite3_errmsg(c->db));
	enum ca_err rc = CA_OK;
	sqlite3_stmt *st = stmt(s, ST_REVOKE_GET, NULL);
	if (st == NULL) {
		rc = ca_fail(err, CA_ERR_STORE, "the database failed");
		goto out;
	}
	bind_text(st, 1, serial);
	int r = sqlite3_step(st);
	if (r == SQLITE_DONE) {
		rc = ca_fail(err, CA_ERR_NOT_FOUND, "no certificate with serial %s", serial);
	} else if (r != SQLITE_ROW) {
		rc = ca_fail(err, CA_ERR_STORE, "the database failed");
	} else if (requester != NULL && strcmp(col_text(st, 1), requester) != 0) {
		rc = ca_fail(err, CA_ERR_FORBIDDEN,
			     "certificate %s was requested by another team; only that team's token "
			     "or an admin token may revoke it",
			     serial);
	} else if (strcmp(col_text(st, 0), "revoked") == 0) {
		rc = ca_fail(err, CA_ERR_ALREADY_REVOKED, "certificate %s is already revoked",
			     serial);
	}
	done(st);
	if (rc != CA_OK)
		goto out;
	st = stmt(s, ST_REVOKE_SET, NULL);
	if (st == NULL) {
		rc = ca_fail(err, CA_ERR_STORE, "the database failed");
		goto out;
	}
	bind_text(st, 1, serial);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_int(st, 3, (int)reason);
	r = sqlite3_step(st);
	done(st);
	if (r != SQLITE_DONE ||
	    event(s, at, "revoke", serial, actor, ca_reason_name(reason)) != CA_OK)
		rc = ca_fail(err, CA_ERR_STORE, "the revocation could not be recorded");
out:
	if (rc == CA_OK && exec(c->db, "COMMIT") != SQLITE_OK)
		rc = ca_fail(err, CA_ERR_STORE, "the revocation could not be committed");
	if (rc != CA_OK)
		exec(c->db, "ROLLBACK");
	return rc;
}

enum ca_err store_revoked_list(struct store *s, int64_t now, struct store_revoked **out, size_t *n,
			       struct ca_error *err)
{
	sqlite3_stmt *st = stmt(s, ST_REVOKED_LIST, NULL);
	if (st == NULL)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	sqlite3_bind_int64(st, 1, now);
	size_t cap = 1024, cnt = 0;
	struct store_revoked *v = malloc(cap * sizeof(*v));
	enum ca_err rc = CA_OK;
	int r;
	if (v == NULL) {
		done(st);
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	}
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			struct store_revoked *nv = realloc(v, 2 * cap * sizeof(*v));
			if (nv == NULL) {
				rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
				break;
			}
			v = nv;
			cap *= 2;
		}
		const char *hex = col_text(st, 0);
		size_t hl = strlen(hex);
		if (hl == 0 || hl > 40 || hl % 2 || !hex_decode(hex, v[cnt].serial, hl / 2))
			continue; /* not a serial this CA writes */
		v[cnt].serial_len = hl / 2;
		v[cnt].revoked_at = sqlite3_column_int64(st, 1);
		v[cnt].reason = (enum ca_reason)sqlite3_column_int(st, 2);
		cnt++;
	}
	if (rc == CA_OK && r != SQLITE_DONE)
		rc = ca_fail(err, CA_ERR_STORE, "the database failed");
	done(st);
	if (rc != CA_OK) {
		free(v);
		return rc;
	}
	*out = v;
	*n = cnt;
	return CA_OK;
}

enum ca_err store_status(struct store *s, const char *serial, struct store_status *o)
{
	sqlite3_stmt *st = stmt(s, ST_STATUS, NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	bind_text(st, 1, serial);
	int r = sqlite3_step(st);
	memset(o, 0, sizeof(*o));
	if (r == SQLITE_ROW) {
		o->found = true;
		o->revoked = strcmp(col_text(st, 0), "revoked") == 0;
		o->revoked_at = sqlite3_column_int64(st, 1);
		o->reason = (enum ca_reason)sqlite3_column_int(st, 2);
		o->not_after = sqlite3_column_int64(st, 3);
	}
	done(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? CA_OK : CA_ERR_STORE;
}

enum ca_err store_crl_get(struct store *s, int64_t generation, int64_t built_after,
			  struct store_crl *out)
{
	sqlite3_stmt *st = stmt(s, ST_CRL_GET, NULL);
	memset(out, 0, sizeof(*out));
	out->generation = -1;
	if (st == NULL)
		return CA_ERR_STORE;
	sqlite3_bind_int64(st, 1, generation);
	sqlite3_bind_int64(st, 2, built_after);
	enum ca_err rc = CA_OK;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		int n = sqlite3_column_bytes(st, 1);
		const void *p = sqlite3_column_blob(st, 1);
		out->number = (uint64_t)sqlite3_column_int64(st, 0);
		out->this_update = sqlite3_column_int64(st, 2);
		out->next_update = sqlite3_column_int64(st, 3);
		out->generation = sqlite3_column_int64(st, 4);
		if (n > 0 && p != NULL && (out->der = malloc((size_t)n)) != NULL) {
			memcpy(out->der, p, (size_t)n);
			out->len = (size_t)n;
		} else if (n > 0) {
			rc = CA_ERR_NOMEM;
		}
	} else if (r != SQLITE_DONE) {
		rc = CA_ERR_STORE;
	}
	done(st);
	return rc;
}

enum ca_err store_crl_number(struct store *s, uint64_t *number)
{
	sqlite3_stmt *st = stmt(s, ST_CRL_NUMBER, NULL);
	*number = 0;
	if (st == NULL)
		return CA_ERR_STORE;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*number = (uint64_t)sqlite3_column_int64(st, 0);
	done(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? CA_OK : CA_ERR_STORE;
}

enum ca_err store_crl_put(struct store *s, const struct store_crl *c)
{
	sqlite3_stmt *st = stmt(s, ST_CRL_PUT, NULL);
	if (st == NULL || c->len > INT32_MAX)
		return CA_ERR_STORE;
	sqlite3_bind_int64(st, 1, (int64_t)c->number);
	sqlite3_bind_blob(st, 2, c->der, (int)c->len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, c->this_update);
	sqlite3_bind_int64(st, 4, c->next_update);
	sqlite3_bind_int64(st, 5, c->generation);
	int r = sqlite3_step(st);
	int changed = sqlite3_changes(sqlite3_db_handle(st));
	done(st);
	if (r != SQLITE_DONE)
		return CA_ERR_STORE;
	return changed == 1 ? CA_OK : CA_ERR_EXISTS;
}

enum ca_err store_data_version(struct store *s, int64_t *v)
{
	struct conn *c = conn_get(s);
	sqlite3_stmt *st;
	if (c == NULL ||
	    sqlite3_prepare_v2(c->db, "PRAGMA data_version", -1, &st, NULL) != SQLITE_OK)
		return CA_ERR_STORE;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? CA_OK : CA_ERR_STORE;
}

enum ca_err store_revocation_gen(struct store *s, int64_t *gen)
{
	sqlite3_stmt *st = stmt(s, ST_REVOCATION_GEN, NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*gen = sqlite3_column_int64(st, 0);
	done(st);
	return r == SQLITE_ROW ? CA_OK : CA_ERR_STORE;
}

/* ---- tokens ---- */

void store_token_free(struct store_token *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nallow; i++)
		free(t->allow[i]);
	for (size_t i = 0; i < t->nallow_ip; i++)
		free(t->allow_ip[i]);
	free(t->allow);
	free(t->allow_ip);
	free(t->name);
	free(t);
}

static char *join_lines(char *const *v, size_t n)
{
	char *s = join(v, n);
	if (s != NULL)
		for (char *p = s; *p; p++)
			if (*p == ',')
				*p = '\n';
	return s;
}

static bool split_lines(const char *s, char ***out, size_t *n)
{
	char *copy = strdup(s);
	if (copy == NULL)
		return false;
	for (char *p = copy; *p; p++)
		if (*p == '\n')
			*p = ',';
	bool ok = split(copy, out, n);
	free(copy);
	return ok;
}

enum ca_err store_token_put(struct store *s, const struct store_token *t, const char *sha256_hex,
			    struct ca_error *err)
{
	char *allow = join_lines(t->allow, t->nallow);
	char *allow_ip = join_lines(t->allow_ip, t->nallow_ip);
	enum ca_err rc = CA_OK;
	sqlite3_stmt *st = NULL;
	if (allow == NULL || allow_ip == NULL) {
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((st = stmt(s, ST_TOKEN_PUT, NULL)) == NULL) {
		rc = ca_fail(err, CA_ERR_STORE, "the database does not answer");
		goto out;
	}
	bind_text(st, 1, t->name);
	bind_text(st, 2, sha256_hex);
	bind_text(st, 3, allow);
	bind_text(st, 4, allow_ip);
	sqlite3_bind_int(st, 5, t->allow_wildcard);
	sqlite3_bind_int(st, 6, t->max_days);
	sqlite3_bind_int(st, 7, (int)t->profiles);
	sqlite3_bind_int(st, 8, t->admin);
	sqlite3_bind_int64(st, 9, t->created_at);
	int r = sqlite3_step(st);
	done(st);
	if (r == SQLITE_CONSTRAINT)
		rc = ca_fail(err, CA_ERR_EXISTS, "a token named '%s' exists already", t->name);
	else if (r != SQLITE_DONE)
		rc = ca_fail(err, CA_ERR_STORE, "the token could not be stored");
	else
		rc =
		    event(s, t->created_at, "token-create", NULL, t->name, t->admin ? "admin" : "");
out:
	free(allow);
	free(allow_ip);
	return rc;
}

static struct store_token *row_token(sqlite3_stmt *st)
{
	struct store_token *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	if ((t->name = strdup(col_text(st, 0))) == NULL ||
	    !split_lines(col_text(st, 1), &t->allow, &t->nallow) ||
	    !split_lines(col_text(st, 2), &t->allow_ip, &t->nallow_ip)) {
		store_token_free(t);
		return NULL;
	}
	t->allow_wildcard = sqlite3_column_int(st, 3) != 0;
	t->max_days = sqlite3_column_int(st, 4);
	t->profiles = (unsigned)sqlite3_column_int(st, 5);
	t->admin = sqlite3_column_int(st, 6) != 0;
	t->created_at = sqlite3_column_int64(st, 7);
	t->revoked_at = sqlite3_column_int64(st, 8);
	return t;
}

/* The live token whose column (by statement id) is key. */
static enum ca_err token_one(struct store *s, enum stmt id, const char *key,
			     struct store_token **out)
{
	sqlite3_stmt *st = stmt(s, id, NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	bind_text(st, 1, key);
	int r = sqlite3_step(st);
	enum ca_err rc = CA_OK;
	if (r == SQLITE_ROW) {
		if ((*out = row_token(st)) == NULL)
			rc = CA_ERR_NOMEM;
	} else {
		rc = r == SQLITE_DONE ? CA_ERR_NOT_FOUND : CA_ERR_STORE;
	}
	done(st);
	return rc;
}

enum ca_err store_token_by_hash(struct store *s, const char *sha256_hex, struct store_token **out)
{
	return token_one(s, ST_TOKEN_BY_HASH, sha256_hex, out);
}

enum ca_err store_token_by_name(struct store *s, const char *name, struct store_token **out)
{
	return token_one(s, ST_TOKEN_BY_NAME, name, out);
}

struct sqlite3 *store_sqlite_db(struct store *s)
{
	struct conn *c = conn_get(s);
	return c != NULL ? c->db : NULL;
}

enum ca_err store_token_list(struct store *s, struct store_token ***out, size_t *n)
{
	sqlite3_stmt *st = stmt(s, ST_TOKEN_LIST, NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	size_t cnt = 0, cap = 16;
	struct store_token **v = calloc(cap, sizeof(*v));
	enum ca_err rc = v ? CA_OK : CA_ERR_NOMEM;
	int r = SQLITE_DONE;
	while (rc == CA_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			struct store_token **nv = realloc(v, 2 * cap * sizeof(*v));
			if (nv == NULL) {
				rc = CA_ERR_NOMEM;
				break;
			}
			v = nv;
			cap *= 2;
		}
		if ((v[cnt] = row_token(st)) == NULL)
			rc = CA_ERR_NOMEM;
		else
			cnt++;
	}
	if (rc == CA_OK && r != SQLITE_DONE)
		rc = CA_ERR_STORE;
	done(st);
	if (rc != CA_OK) {
		store_token_list_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return CA_OK;
}

void store_token_list_free(struct store_token **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		store_token_free(v[i]);
	free(v);
}

enum ca_err store_token_revoke(struct store *s, const char *name, int64_t at, struct ca_error *err)
{
	sqlite3_stmt *st = stmt(s, ST_TOKEN_REVOKE, NULL);
	struct conn *c = conn_get(s);
	if (st == NULL || c == NULL)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, at);
	int r = sqlite3_step(st);
	done(st);
	if (r != SQLITE_DONE)
		return ca_fail(err, CA_ERR_STORE, "the token could not be revoked");
	if (sqlite3_changes(c->db) == 0)
		return ca_fail(err, CA_ERR_NOT_FOUND, "no live token named '%s'", name);
	return event(s, at, "token-revoke", NULL, name, "");
}
