/*
 * Private to ca/store/pg*.c: the PostgreSQL store's context and the helpers
 * every file of it uses (the libpq twin of sqlite_int.h).
 *
 *  - Connections come from a pool (pg_get / pg_put) that grows to as many
 *    as threads ask for at once, up to PG_POOL_MAX (the server's thread
 *    cap), so it is sized to the workers; a connection the server dropped
 *    is reconnected on the next borrow, and while the server cannot be
 *    reached every borrow fails fast with CA_ERR_UNAVAILABLE.
 *  - A write that must be durable before returning and may share its
 *    commit with others (an issuance) is a pg_job given to pg_submit: one
 *    writer thread runs a batch of them in one transaction, each inside a
 *    savepoint, so a job that fails leaves nothing behind and does not fail
 *    the others; pg_submit_async queues a write that must not wait.
 *  - Every value is a bound parameter (struct pg_query); SQL text is only
 *    ever assembled from constant fragments.
 *  - The schema is schema/postgres/NNN_*.sql, applied in order by pg.c and
 *    recorded in the table privca_schema.
 */
#ifndef PRIVCA_STORE_PG_INT_H
#define PRIVCA_STORE_PG_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "batch.h"
#include "pq.h"
#include "store.h"

#define PG_POOL_MAX 64
#define PG_PARAMS   16
/* The NOTIFY channel a revocation or a recorded CRL is announced on. */
#define PG_CHANNEL "privca_store"

struct pg_store;

/* One pooled connection. db NULL: not connected (connected on borrow). */
struct pg_conn {
	PGconn *db;
	unsigned epoch;	 /* the store's epoch when it connected */
	int64_t used_ms; /* when it was last given back */
	struct pg_conn *next;
};

/*
 * A statement being assembled: its text from constant fragments and its
 * parameters, numbered $1.. in the order they are added. Values are copied
 * (numbers) or pointed to (text, bytes: the caller's, alive until run).
 * A fragment or parameter that does not fit marks it overflowed; pg_run
 * then refuses it.
 */
struct pg_query {
	char text[2048];
	size_t n;
	int nparams;
	const char *val[PG_PARAMS];
	int len[PG_PARAMS], fmt[PG_PARAMS];
	char num[PG_PARAMS][24];
	bool overflow;
};
void pg_sql(struct pg_query *q, const char *fragment);
/* Add a parameter and write its "$N" into the text. NULL text: SQL NULL. */
void pg_text(struct pg_query *q, const char *v);
void pg_int(struct pg_query *q, int64_t v);
void pg_bytes(struct pg_query *q, const void *p, size_t n);
/* Add a parameter without writing its "$N" (the text refers to it). */
void pg_bind_int(struct pg_query *q, int64_t v);
void pg_bind_text(struct pg_query *q, const char *v); /* NULL: SQL NULL */

/*
 * Run q on c. CA_OK with *res (PQclear it) for a command or rows;
 * CA_ERR_EXISTS for a unique violation; CA_ERR_UNAVAILABLE when the
 * connection is lost; CA_ERR_STORE otherwise (the server's message in
 * err when err is not NULL). res may be NULL when no rows are wanted.
 */
enum ca_err pg_run(PGconn *c, const struct pg_query *q, PGresult **res, struct ca_error *err);
/* A statement without parameters (BEGIN, COMMIT, ...): same returns. */
enum ca_err pg_exec(PGconn *c, const char *sql, struct ca_error *err);
/* Rows changed by the command of r. */
int64_t pg_changes(PGresult *r);
/* Column value as a number (NULL: 0). */
int64_t pg_num(const PGresult *r, int row, int col);
/* Column value as text (NULL: ""). Valid until r is cleared. */
const char *pg_str(const PGresult *r, int row, int col);

/* A write for the writer thread (see sq_job: the same contract). */
struct pg_job {
	struct batch_job q; /* first: the queue's part (q.free_job for async) */
	enum ca_err (*run)(struct pg_store *s, PGconn *c, const void *arg, struct ca_error *err);
	const void *arg;
	struct ca_error *err;
	enum ca_err rc;
	/* Needs no flush of its own (ACME nonces): a group of only such jobs
	 * commits with synchronous_commit off. Other sessions see it at once;
	 * only a crash of the server can take it back, and then also nothing
	 * committed after it was flushed, since every flush covers the WAL
	 * before it. */
	bool light;
};

struct pg_store {
	struct store base; /* first: a struct store * is a struct pg_store * */
	char *url;
	char where[160]; /* host:port/dbname, for messages (no password) */

	pthread_mutex_t mu; /* guards the pool */
	pthread_cond_t cv;  /* a connection came back */
	struct pg_conn *idle;
	int total;
	int64_t down_until_ms; /* borrows fail fast until then */
	unsigned epoch;	       /* grows when a connection is found lost */
	char down_why[200];

	struct batch_queue queue; /* the group-commit writer (batch.h) */
	PGconn *wdb;		  /* the writer's own connection */

	pthread_mutex_t wmu; /* guards the listener (store_watch) */
	PGconn *ldb;	     /* LISTENing connection, NULL when down */
	bool listen_off;     /* PRIVCA_PG_LISTEN=off: polling alone (tests) */
	bool look_valid;
	int64_t look_ms; /* when what the listener last read was read */
	struct store_change look;
};

static inline struct pg_store *pg_of(struct store *s)
{
	return (struct pg_store *)s;
}

/* A new connection to s (synchronous_commit on); NULL with err set. */
PGconn *pg_connect(struct pg_store *s, struct ca_error *err);
/* Borrow a connection (NULL: CA_ERR_UNAVAILABLE in err) and give it back.
 * A connection given back broken or inside a transaction is dropped. */
struct pg_conn *pg_get(struct pg_store *s, struct ca_error *err);
void pg_put(struct pg_store *s, struct pg_conn *c);
/* Mark the server unreachable for a moment (a connect failed). */
void pg_down(struct pg_store *s, const char *why);
/* A connection was found lost: every connection made before is suspect
 * (the server restarted or failed over) and is made again on its next
 * borrow, so one request notices instead of one per pooled connection. */
void pg_lost(struct pg_store *s);

/* The message a lost store gives callers (CA_ERR_UNAVAILABLE). */
enum ca_err pg_unavailable(struct pg_store *s, struct ca_error *err);

/* Stop the writer (after the queued jobs) and close the pool. */
void pg_stop(struct pg_store *s);

enum ca_err pg_submit(struct pg_store *s, struct pg_job *j);
enum ca_err pg_submit_async(struct pg_store *s, struct pg_job *j);
/* Set up s->queue (batch.h) with this backend's commit. */
void pg_queue_init(struct pg_store *s);

/* BEGIN on c; pg_end commits when rc is CA_OK (else rolls back) and
 * returns rc or the commit's failure. */
enum ca_err pg_begin(PGconn *c, struct ca_error *err);
enum ca_err pg_end(PGconn *c, enum ca_err rc, struct ca_error *err);

/* Insert an event row on c (inside its caller's transaction). */
enum ca_err pg_event_insert(PGconn *c, int64_t at, const char *kind, const char *serial,
			    const char *actor, const char *detail);

/* The certificate columns, in the order pg_cert_cols reads them; der and
 * seq, when wanted, follow at 13 and 14. */
#define PG_CERT_COLS                                                                               \
	"serial, subject, dns_names, ip_addresses, not_before, not_after, profile, requester, "    \
	"fingerprint_sha256, status, revoked_at, revocation_reason, created_at"
struct rows_cert_cols;
/* Row `row` of r as column values (valid until r is cleared); with_der:
 * column 13 is the DER, unescaped into *der (PQfreemem it; NULL if none). */
void pg_cert_cols(const PGresult *r, int row, struct rows_cert_cols *k, unsigned char **der);

/* The operations, by file. pg_certs.c: */
enum ca_err pg_cert_put(struct store *s, const struct ca_cert *c, struct ca_error *err);
enum ca_err pg_cert_get(struct store *s, const char *serial, int64_t now, struct ca_cert **out,
			struct ca_error *err);
enum ca_err pg_count(struct store *s, int64_t now, struct ca_counts *out, struct ca_error *err);
enum ca_err pg_revoke(struct store *s, const struct store_revocation *r, struct ca_error *err);
enum ca_err pg_revoked_list(struct store *s, int64_t now, struct crl_entry **out, size_t *n,
			    struct ca_error *err);
enum ca_err pg_revoked_since(struct store *s, int64_t generation, int64_t now,
			     struct crl_entry **out, size_t *n, struct ca_error *err);
enum ca_err pg_status(struct store *s, const char *serial, struct store_status *out,
		      struct ca_error *err);
enum ca_err pg_revocation_gen(struct store *s, int64_t *gen);
enum ca_err pg_crl_get(struct store *s, int64_t generation, int64_t built_after,
		       struct store_crl *out);
enum ca_err pg_crl_number(struct store *s, uint64_t *number);
enum ca_err pg_crl_put(struct store *s, const struct store_crl *c);
enum ca_err pg_tidy(struct store *s, const struct store_tidy *t, uint64_t *n,
		    struct ca_error *err); /* pg_tidy.c */
enum ca_err pg_event(struct store *s, int64_t at, const char *kind, const char *serial,
		     const char *actor, const char *detail);
enum ca_err pg_event_list(struct store *s, size_t limit, struct store_event_row **out, size_t *n,
			  struct ca_error *err);
/* pg_tokens.c */
enum ca_err pg_token_put(struct store *s, const struct store_token *t, const char *sha256_hex,
			 struct ca_error *err);
enum ca_err pg_token_by_hash(struct store *s, const char *sha256_hex, struct store_token **out);
enum ca_err pg_token_by_name(struct store *s, const char *name, struct store_token **out);
enum ca_err pg_token_list(struct store *s, struct store_token ***out, size_t *n);
enum ca_err pg_token_revoke(struct store *s, const char *name, int64_t at, struct ca_error *err);
/* pg_search.c */
enum ca_err pg_list(struct store *s, const struct ca_list_query *q, int64_t now,
		    struct ca_cert_list *out, struct ca_error *err);
/* pg_acme.c: the ACME part (store_acme.h) */
struct store_acme_ops;
extern const struct store_acme_ops store_pg_acme_ops;
/* pg_watch.c */
enum ca_err pg_watch(struct store *s, struct store_change *seen, int timeout_ms);
void pg_watch_close(struct pg_store *s);
/* pg_migrate.c: bring c's schema up to date (create: an empty database may
 * be given one), or refuse with one sentence naming the problem. */
enum ca_err pg_migrate(struct pg_store *s, PGconn *c, bool create, struct ca_error *err);

#endif
