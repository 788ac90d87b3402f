/*
 * Private to ca/store/sqlite*.c: the SQLite store's context and the
 * helpers every file of it uses. A file that adds tables (certificates
 * and tokens in sqlite_certs.c, search in sqlite_search.c, the CRL state in
 * sqlite_crl.c, ACME in
 * sqlite_acme.c) does it the same way:
 *
 *  - its statements are `static struct sq_sql NAME = SQ_SQL("...")` next
 *    to the code that runs them; sq_stmt() prepares each once per
 *    connection and hands back a reset statement (finish with sq_done);
 *  - reads run on the calling thread's own connection (sq_conn), which
 *    WAL lets run beside the writer;
 *  - a write that must be durable before returning and may share its
 *    commit with others is an sq_job given to sq_submit: the writer thread
 *    runs it inside a savepoint of its group transaction, so a job that
 *    fails leaves nothing behind and does not fail the others;
 *  - a write that must not wait (an event) goes to sq_submit_async;
 *  - a read-check-write that must see its own reads (a revocation) runs
 *    on the caller's connection between sq_begin and sq_end;
 *  - the schema is schema/sqlite/NNN_*.sql, applied in order by sqlite.c.
 */
#ifndef PRIVCA_STORE_SQLITE_INT_H
#define PRIVCA_STORE_SQLITE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "batch.h"
#include "store.h"

/* A statement of this store: its SQL and the cache slot it was given on
 * first use (0: none yet). Define them static and non-const. */
struct sq_sql {
	const char *text;
	int slot;
};
#define SQ_SQL(text)                                                                               \
	{                                                                                          \
		(text), 0                                                                          \
	}
/* Cached statements per connection (every sq_sql of every file). */
#define SQ_STMT_MAX 96

struct sq_store;

/* One thread's connection. */
struct sq_conn {
	sqlite3 *db;
	sqlite3_stmt *st[SQ_STMT_MAX];
	struct sq_store *s;
	struct sq_conn *next;
	/* store_watch: data_version and what was read at it (valid: read). */
	bool watch_valid;
	int64_t watch_dv;
	struct store_change watch_seen;
	/* When the wait for the current lock began (sqlite.c: busy_wait). */
	int64_t busy_since_ms;
	/* The date temp.tidy_pool was filled for (sqlite_inventory.c). */
	int64_t tidy_pool_before;
	/* The group-commit writer's connection (sqlite.c: sq_writer_checkpoint):
	 * its WAL's size in pages after its last commit; wal_hooked once
	 * SQLite's automatic checkpoint is replaced by the writer's. */
	int wal_pages;
	/* The pages this connection wrote to the WAL since its last
	 * checkpoint (sq_wal_written; the writer's, a tidy's). */
	int64_t wal_own;
	bool wal_hooked;
};

/* The writer checkpoints once its WAL holds this many pages (16 MiB). */
#define SQ_CHECKPOINT_PAGES 4000

/*
 * A write for the writer thread. run is called on the writer's connection
 * inside a savepoint of the group transaction (NULL: a barrier that only
 * waits for the commit); err is written only by run. Sync jobs live on the
 * caller's stack until done; async jobs are malloc'd and freed by the
 * writer with free_job.
 */
struct sq_job {
	struct batch_job q; /* first: the queue's part (q.free_job for async) */
	enum ca_err (*run)(struct sq_store *s, const void *arg, struct ca_error *err);
	const void *arg;
	struct ca_error *err;
	enum ca_err rc;
	bool commit_failed;
	/* Needs no fsync of its own (ACME nonces): a group of only such jobs
	 * commits with synchronous=NORMAL. In WAL mode that survives a crash
	 * of the process; only a power loss can take it back, and then also
	 * nothing committed after it was synced, since every synced commit
	 * syncs the log before it. */
	bool light;
	int sqlite_rc; /* the group's failing SQLite result code, if commit_failed */
};

struct sq_store {
	struct store base; /* first: a struct store * is a struct sq_store * */
	char *path;
	pthread_key_t key;
	pthread_mutex_t mu; /* guards conns */
	struct sq_conn *conns;

	struct batch_queue queue; /* the group-commit writer (batch.h) */
	/* SQLite's result code of the last write that failed for a cause
	 * outside privca (disk full, read-only, locked, damaged; sq_fault_is),
	 * 0 once a write commits again. store_ping probes while it is set. */
	_Atomic int fault;
	/* sqlite_reindex.c, for the one thread that calls store_maintain: the
	 * dead count seen last and for how many rounds it has not moved. */
	int64_t reindex_dead;
	int reindex_quiet;
	/* sqlite_store.c, the same thread: free pages at its last look (a
	 * count still growing is a tidy under way: no vacuum beside it). */
	int64_t free_seen;
	/* CLOCK_MONOTONIC ms of the writer's last group (sqlite_store.c). */
	_Atomic int64_t wrote_ms;
};

static inline struct sq_store *sq_of(struct store *s)
{
	return (struct sq_store *)s;
}

/* Does SQLite's result code rc say the database cannot be written for a
 * cause outside privca (full, read-only, locked or busy, I/O error,
 * damaged, cannot be opened)? */
bool sq_fault_is(int rc);
/* Record such a fault in s (rc 0: a write committed, the fault is over)
 * and, when err is not NULL, fail with CA_ERR_UNAVAILABLE and a sentence
 * that names the cause (never a path). Returns CA_ERR_UNAVAILABLE, or CA_OK
 * for rc 0. */
enum ca_err sq_fault(struct sq_store *s, int rc, struct ca_error *err);

/* This thread's connection, opened on first use; NULL if it cannot be. */
struct sq_conn *sq_conn(struct sq_store *s);
/* q prepared on this thread's connection (cached), reset and unbound;
 * *cp (if not NULL) the connection. NULL on failure. */
sqlite3_stmt *sq_stmt(struct sq_store *s, struct sq_sql *q, struct sq_conn **cp);
/* Reset and unbind a statement from sq_stmt. */
void sq_done(sqlite3_stmt *st);
/* Step st (bound, from sq_stmt; NULL if that failed) to its end, then
 * sq_done; false if it did not run to SQLITE_DONE. */
bool sq_run_done(sqlite3_stmt *st);
/* q (no parameters) on this thread's connection: SQLITE_ROW with its first
 * column in *v, SQLITE_DONE when it has no row (*v untouched), else the
 * failure. */
int sq_int64(struct sq_store *s, struct sq_sql *q, int64_t *v);
int sq_exec(sqlite3 *db, const char *sql);
/* A sorted set of rowids, bound to a statement as a pointer of type
 * SQ_ROWSET_TYPE (sqlite3_bind_pointer); every connection has the SQL
 * function privca_rowset_has(set, rowid), true if rowid is in it (the
 * expiry-ordered search, sqlite_search.c, asks it of index entries). */
#define SQ_ROWSET_TYPE "privca_rowset"
struct sq_rowset {
	int64_t *id; /* ascending */
	size_t n, cap;
};

int sq_bind_text(sqlite3_stmt *st, int i, const char *text);
/* Column i as text, "" for NULL. */
const char *sq_col_text(sqlite3_stmt *st, int i);
/* A malloc'd copy of column i (NULL stays NULL); *ok false on no memory. */
char *sq_col_dup(sqlite3_stmt *st, int i, bool *ok);

/* Run j through the writer and wait for the commit that holds it; if
 * that commit fails, CA_ERR_STORE with a sentence in j->err. */
enum ca_err sq_submit(struct sq_store *s, struct sq_job *j);
/* Queue j (malloc'd) without waiting; CA_ERR_STORE if the store is
 * closing (j is freed either way). */
enum ca_err sq_submit_async(struct sq_store *s, struct sq_job *j);
/* Set up s->queue (batch.h) with this backend's commit, and after to run
 * on the writer once each group's callers are answered (sqlite_store.c). */
void sq_queue_init(struct sq_store *s, void (*after)(void *ctx));
/* In after: the connection the writer's group used (NULL if a fault
 * dropped it), and the writer's checkpoint (SQ_CHECKPOINT_PAGES). */
struct sq_conn *sq_writer_conn(struct sq_store *s);
void sq_writer_checkpoint(struct sq_store *s);
/* c's pages written to the WAL since its wal_own was last set to 0,
 * counted on from SQLite's own count (SQLITE_DBSTATUS_CACHE_WRITE). */
int64_t sq_wal_written(struct sq_conn *c);

/* BEGIN IMMEDIATE on the caller's connection; sq_end commits if rc is
 * CA_OK (a failed commit becomes CA_ERR_STORE in err) or rolls back. */
/* On a read-only fault both close c (this thread's connection, so that the
 * next use opens the database afresh): c is not to be used after either
 * fails. */
enum ca_err sq_begin(struct sq_conn *c, struct ca_error *err);
enum ca_err sq_end(struct sq_conn *c, enum ca_err rc, struct ca_error *err);

/*
 * SQL assembled from constant fragments (every value is bound): a fragment
 * that does not fit marks the buffer overflowed instead of writing past it
 * or cutting a statement short; sq_text then returns NULL.
 */
struct sq_text {
	char text[1024];
	size_t n;
	bool overflow;
};
void sq_text_add(struct sq_text *b, const char *fragment);
const char *sq_text_get(const struct sq_text *b);

/* Insert an event row on this thread's connection (inside its caller's
 * transaction). */
enum ca_err sq_event_insert(struct sq_store *s, int64_t at, const char *kind, const char *serial,
			    const char *actor, const char *detail);

/* The certificate columns, in the order sq_cert_cols reads them; the
 * DER, when wanted, follows at column 13. */
#define SQ_CERT_COLS                                                                               \
	"serial, subject, dns_names, ip_addresses, not_before, not_after, profile, requester, "    \
	"fingerprint_sha256, status, revoked_at, revocation_reason, created_at"
/* The text a search (q=) looks in: subject, names and serial, lowered
 * (ASCII, as rows_lower lowers the term). Stored nowhere: the trigram
 * index is built from it and a scan computes it (schema/sqlite/008_lean.sql spells
 * it the same). */
#define SQ_SEARCH_EXPR "lower(subject || ' ' || dns_names || ' ' || ip_addresses || ' ' || serial)"
/* Index the rows (?1, ?2] of certificates into the trigram table `table`
 * (the catch-up's cert_fts, a rebuild's cert_fts_new). */
#define SQ_FTS_FILL(table)                                                                         \
	"INSERT INTO " table " (rowid, search) SELECT rowid, " SQ_SEARCH_EXPR                      \
	" FROM certificates "                                                                      \
	"WHERE rowid > ?1 AND rowid <= ?2 ORDER BY rowid"
struct rows_cert_cols;
/* The column values of st's row (valid until st steps or resets). */
void sq_cert_cols(sqlite3_stmt *st, struct rows_cert_cols *k, bool with_der);

/* The operations, by file. */
enum ca_err sq_cert_put(struct store *s, const struct ca_cert *c, struct ca_error *err);
enum ca_err sq_cert_get(struct store *s, const char *serial, int64_t now, struct ca_cert **out,
			struct ca_error *err);
enum ca_err sq_count(struct store *s, int64_t now, struct ca_counts *out, struct ca_error *err);
enum ca_err sq_revoke(struct store *s, const struct store_revocation *r, struct ca_error *err);
enum ca_err sq_revoked_list(struct store *s, int64_t now, struct crl_entry **out, size_t *n,
			    struct ca_error *err);
enum ca_err sq_revoked_since(struct store *s, int64_t generation, int64_t now,
			     struct crl_entry **out, size_t *n, struct ca_error *err);
enum ca_err sq_status(struct store *s, const char *serial, struct store_status *out,
		      struct ca_error *err);
enum ca_err sq_revocation_gen(struct store *s, int64_t *gen);
enum ca_err sq_crl_get(struct store *s, int64_t generation, int64_t built_after,
		       struct store_crl *out);
enum ca_err sq_crl_number(struct store *s, uint64_t *number);
enum ca_err sq_crl_put(struct store *s, const struct store_crl *c);
/* On db (a connection of store_copy's to the database at path, which
 * outlives it), the SQL function privca_crl_der(der, der_sha256): the
 * complete CRL's DER, from the row or from its file. */
enum ca_err sq_crl_der_function(sqlite3 *db, const char *path);
/* Into the backup dst (sq_backup's, open), the complete CRL's DER in its row. */
enum ca_err sq_crl_backup(struct sq_store *s, sqlite3 *dst, struct ca_error *err);
enum ca_err sq_event(struct store *s, int64_t at, const char *kind, const char *serial,
		     const char *actor, const char *detail);
enum ca_err sq_event_list(struct store *s, size_t limit, struct store_event_row **out, size_t *n,
			  struct ca_error *err);
/* sqlite_tokens.c */
enum ca_err sq_token_put(struct store *s, const struct store_token *t, const char *sha256_hex,
			 struct ca_error *err);
enum ca_err sq_token_by_hash(struct store *s, const char *sha256_hex, struct store_token **out);
enum ca_err sq_token_by_name(struct store *s, const char *name, struct store_token **out);
enum ca_err sq_token_list(struct store *s, struct store_token ***out, size_t *n);
enum ca_err sq_token_revoke(struct store *s, const char *name, int64_t at, struct ca_error *err);
/* sqlite_search.c */
enum ca_err sq_list(struct store *s, const struct ca_list_query *q, int64_t now,
		    struct ca_cert_list *out, struct ca_error *err);
/* Bring the trigram index up to date (before a search, a tidy step); one
 * chunk of it, *more when rows are left (store_maintain). */
enum ca_err sq_index_catch_up(struct sq_store *s);
enum ca_err sq_index_catch_up_some(struct sq_store *s, bool *more);
/* On the writer, after a group: index the rows it has added once they are
 * SQ_WRITER_INDEX_ROWS or more, that many (about 4 ms of work); the
 * housekeeping leaves a smaller backlog to it (sqlite_search.c). */
#define SQ_WRITER_INDEX_ROWS 256
void sq_index_writer_round(struct sq_store *s);
/* The rows not yet in the trigram index (-1 on failure). */
int64_t sq_index_backlog(struct sq_store *s);
/* sqlite_reindex.c: one round of the trigram index's rebuild when the
 * tidy has left enough dead entries in it; *more while one is under way. */
enum ca_err sq_reindex_some(struct sq_store *s, bool *more);
/* sqlite_inventory.c: give free pages back to the file system, 4 MiB at a
 * time, while more than keep pages are free; *more if they still are. The
 * service keeps SQ_VACUUM_KEEP (16 MiB: later rows reuse them first). */
#define SQ_VACUUM_KEEP 4096
enum ca_err sq_vacuum_some(struct sq_store *s, int64_t keep, bool *more);
/* PRAGMA freelist_count (-1 on failure). */
int64_t sq_free_pages(struct sq_store *s);
/* For tests: "mode: <fts|fts-sorted|scan>" then the EXPLAIN QUERY PLAN
 * lines of the statement sq_list runs for q, one per line, in a new
 * string (*out, free it). */
enum ca_err sq_list_explain(struct store *s, const struct ca_list_query *q, int64_t now, char **out,
			    struct ca_error *err);
/* Step an EXPLAIN QUERY PLAN statement st into *out (malloc'd), headed
 * "mode: <mode>"; st stays the caller's. */
enum ca_err sq_explain_rows(sqlite3_stmt *st, const char *mode, char **out, struct ca_error *err);
/* The plan of the statement text sql, the same way (mode names it in
 * messages too). */
enum ca_err sq_explain_sql(struct store *s, const char *sql, const char *mode, char **out,
			   struct ca_error *err);
/* sqlite_inventory.c */
enum ca_err sq_tidy(struct store *s, const struct store_tidy *t, uint64_t *n, struct ca_error *err);
/* For tests: the same for the statement sq_count runs. */
enum ca_err sq_count_explain(struct store *s, char **out, struct ca_error *err);
/* The same for the complete CRL's revoked list (for tests). */
enum ca_err sq_revoked_explain(struct store *s, char **out, struct ca_error *err);

/* sqlite.c, for sqlite_store.c: connections, migrations, the class's
 * own operations. */
struct sq_conn *sq_conn_open(struct sq_store *s, int flags);
void sq_conn_free(struct sq_conn *c);
void sq_conn_release(void *p);
/* Close c if it is this thread's connection; the next sq_conn opens afresh. */
void sq_conn_drop(struct sq_store *s, struct sq_conn *c);
/* Commits on c light (synchronous = NORMAL: in WAL mode consistent, not
 * durable until a later sync) until sq_light_end; false: they stay durable. */
bool sq_light_begin(struct sq_conn *c);
/* Durable again; false if that failed, and then c is closed (sq_conn_drop). */
bool sq_light_end(struct sq_store *s, struct sq_conn *c);
enum ca_err sq_migrate(sqlite3 *db, struct ca_error *err);
enum ca_err sq_data_version(struct sq_conn *c, int64_t *v);
void sq_close(struct store *base);
enum ca_err sq_ping(struct store *base, struct ca_error *err);
/* sqlite_backup.c */
enum ca_err sq_backup(struct store *base, const char *path, struct ca_error *err);

#endif
