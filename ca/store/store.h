/*
 * The store: what the CA keeps — certificates, revocations, CRL state,
 * tokens, the event log and the ACME state (store_acme.h) — behind a
 * class (BearSSL style: the ops table is the first member of every
 * implementation's context).
 *
 * store_open picks the implementation from a URL: a path or "sqlite:PATH"
 * is the SQLite store (ca/store/sqlite*.c); "postgresql://" (or
 * "postgres://") is the PostgreSQL store (ca/store/pg*.c), which several
 * privca processes on several machines may share. Callers use the store_* wrappers below and never
 * see a backend's handles: cursors are opaque strings, row ids and index
 * watermarks stay inside the implementation.
 *
 * Threads: one struct store is shared by every thread of the CA; each
 * operation may be called from any thread at the same time, except
 * store_close (no other thread may be using it).
 */
#ifndef PRIVCA_STORE_STORE_H
#define PRIVCA_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "privca/ca.h"
#include "x509/crl_entry.h"

/* A revocation to record: the certificate `serial`, at `at` for `reason`,
 * by `actor` (written into the 'revoke' event). If expected_requester is
 * not NULL, the certificate must have been requested by it: checked in the
 * same transaction as the update, else CA_ERR_FORBIDDEN and nothing is
 * written (the caller words the refusal). Strings are the caller's. */
struct store_revocation {
	const char *serial;
	int64_t at;
	enum ca_reason reason;
	const char *actor;
	const char *expected_requester;
};

/* Revocation state of one serial for OCSP: found, and if revoked when/why. */
struct store_status {
	bool found, revoked;
	int64_t revoked_at;
	enum ca_reason reason;
	int64_t not_after;
};

/*
 * The CRL recorded: its number (0 if none yet), times, and the revocation
 * generation it reflects (-1 if not known). der is malloc'd, or NULL: see
 * store_crl_get. base_*: the complete CRL that delta CRLs name as their
 * base (RFC 5280 5.2.4): its number, generation and thisUpdate (0, -1, 0:
 * none yet); recorded with every CRL.
 */
struct store_crl {
	uint64_t number;
	uint8_t *der;
	size_t len;
	int64_t this_update, next_update, generation;
	uint64_t base_number;
	int64_t base_generation, base_this_update;
};

/* What store_watch saw: the revocation generation and the number of the
 * CRL recorded. changed: either differs from what the caller passed in. */
struct store_change {
	int64_t revocation_gen;
	uint64_t crl_number;
	bool changed;
};

/* A team token. Strings and arrays are owned by the struct. */
struct store_token {
	char *name;
	char **allow;
	size_t nallow;
	char **allow_ip;
	size_t nallow_ip;
	bool allow_wildcard;
	int max_days;
	unsigned profiles;
	bool admin;
	int64_t created_at, revoked_at;
};
/* Free t and everything it owns; NULL is fine. */
void store_token_free(struct store_token *t);
/* Free v[0..n) and v; v NULL is fine. */
void store_token_list_free(struct store_token **v, size_t n);

/* One row of the event log. Strings owned by the struct. */
struct store_event_row {
	int64_t at;
	char *kind, *serial, *actor, *detail; /* serial NULL when the event has none */
};
/* Free v[0..n) and v; v NULL is fine. */
void store_event_list_free(struct store_event_row *v, size_t n);

/*
 * A tidy (retention): delete certificates whose notAfter is before
 * `before`, which must not be after `now` (so a valid certificate, or a
 * revoked one still inside its validity and so still on the CRL, is never
 * deleted), at most `limit` of them (1..100000) per call, with their
 * events, in one short transaction that also records a 'tidy' event by
 * `actor` saying how many; *n is 0 only when none is left that this
 * tidy may take (rows another transaction holds are left for a later
 * one). dry_run: only count them all (limit ignored), change nothing.
 * Strings are the caller's.
 */
struct store_tidy {
	int64_t before, now;
	size_t limit;
	bool dry_run;
	const char *actor;
};

struct store;
struct store_acme_ops;

struct store_ops {
	const char *scheme; /* "sqlite", "postgresql" */
	/* Stop background work, wait for queued writes, free s. */
	void (*close)(struct store *s);
	enum ca_err (*ping)(struct store *s, struct ca_error *err);
	enum ca_err (*backup)(struct store *s, const char *path, struct ca_error *err);

	enum ca_err (*cert_put)(struct store *s, const struct ca_cert *c, struct ca_error *err);
	enum ca_err (*cert_get)(struct store *s, const char *serial, int64_t now,
				struct ca_cert **out, struct ca_error *err);
	enum ca_err (*list)(struct store *s, const struct ca_list_query *q, int64_t now,
			    struct ca_cert_list *out, struct ca_error *err);
	enum ca_err (*count)(struct store *s, int64_t now, struct ca_counts *out,
			     struct ca_error *err);

	enum ca_err (*revoke)(struct store *s, const struct store_revocation *r,
			      struct ca_error *err);
	enum ca_err (*revoked_list)(struct store *s, int64_t now, struct crl_entry **out, size_t *n,
				    struct ca_error *err);
	enum ca_err (*revoked_since)(struct store *s, int64_t generation, int64_t now,
				     struct crl_entry **out, size_t *n, struct ca_error *err);
	enum ca_err (*status)(struct store *s, const char *serial, struct store_status *out,
			      struct ca_error *err);
	enum ca_err (*revocation_gen)(struct store *s, int64_t *gen);

	enum ca_err (*crl_get)(struct store *s, int64_t generation, int64_t built_after,
			       struct store_crl *out);
	enum ca_err (*crl_number)(struct store *s, uint64_t *number);
	enum ca_err (*crl_put)(struct store *s, const struct store_crl *c);

	enum ca_err (*token_put)(struct store *s, const struct store_token *t,
				 const char *sha256_hex, struct ca_error *err);
	enum ca_err (*token_by_hash)(struct store *s, const char *sha256_hex,
				     struct store_token **out);
	enum ca_err (*token_by_name)(struct store *s, const char *name, struct store_token **out);
	enum ca_err (*token_list)(struct store *s, struct store_token ***out, size_t *n);
	enum ca_err (*token_revoke)(struct store *s, const char *name, int64_t at,
				    struct ca_error *err);

	enum ca_err (*event)(struct store *s, int64_t at, const char *kind, const char *serial,
			     const char *actor, const char *detail);
	enum ca_err (*event_list)(struct store *s, size_t limit, struct store_event_row **out,
				  size_t *n, struct ca_error *err);

	enum ca_err (*tidy)(struct store *s, const struct store_tidy *t, uint64_t *n,
			    struct ca_error *err);

	enum ca_err (*watch)(struct store *s, struct store_change *seen, int timeout_ms);
	enum ca_err (*maintain)(struct store *s, bool *more);

	/* ACME state (store_acme.h). */
	const struct store_acme_ops *acme;
};

/* Every implementation's context begins with this. */
struct store {
	const struct store_ops *ops;
};

/*
 * Open the store at url: a file path or "sqlite:PATH" (create: make the
 * file if missing), or a libpq URL "postgresql://..." (create: an empty
 * database may be given the schema), and bring its schema up to date.
 * *out is freed with store_close.
 */
enum ca_err store_open(const char *url, bool create, struct store **out,
		       struct ca_error *err) CA_WUR;
/* The SQLite implementation, for store_open and tests. */
enum ca_err store_sqlite_open(const char *path, bool create, struct store **out,
			      struct ca_error *err) CA_WUR;

/*
 * The PostgreSQL implementation, for store_open and tests. url is a libpq
 * URL or keyword string. Refused with one sentence naming the problem, and
 * nothing written: a URL libpq cannot read (CA_ERR_BAD_REQUEST), a server
 * that cannot be reached or refuses the login (CA_ERR_UNAVAILABLE, libpq's
 * words), a read-only server or a database holding another application's
 * tables (CA_ERR_BAD_REQUEST), an empty database when !create
 * (CA_ERR_NOT_FOUND), a schema newer than this binary (CA_ERR_STORE).
 */
enum ca_err store_pg_open(const char *url, bool create, struct store **out,
			  struct ca_error *err) CA_WUR;

/* Copy the SQLite store at sqlite_path into the PostgreSQL store at pg_url
 * (ca_store_copy in privca/ca.h says what is refused). copy.c */
enum ca_err store_copy(const char *sqlite_path, const char *pg_url, struct ca_copy_report *out,
		       struct ca_error *err) CA_WUR;

/* Close: no other thread may use s any more. NULL is fine. */
static inline void store_close(struct store *s)
{
	if (s != NULL)
		s->ops->close(s);
}

/* Cheap liveness check. */
static inline CA_WUR enum ca_err store_ping(struct store *s, struct ca_error *err)
{
	return s->ops->ping(s, err);
}

/* A consistent copy in a new file path (0600); CA_ERR_EXISTS if path exists. */
static inline CA_WUR enum ca_err store_backup(struct store *s, const char *path,
					      struct ca_error *err)
{
	return s->ops->backup(s, path, err);
}

/*
 * Record an issued certificate (and an 'issue' event by c->requester)
 * durably: returns only after the commit that holds it (SQLite: commits
 * are shared by concurrent callers). CA_ERR_EXISTS if the serial is taken
 * (the caller draws a new one). c stays the caller's.
 */
static inline CA_WUR enum ca_err store_cert_put(struct store *s, const struct ca_cert *c,
						struct ca_error *err)
{
	return s->ops->cert_put(s, c, err);
}

/* One certificate with its DER; CA_ERR_NOT_FOUND; CA_ERR_STORE if its row
 * holds a profile or reason this CA does not know. *out freed with
 * ca_cert_free. */
static inline CA_WUR enum ca_err store_cert_get(struct store *s, const char *serial, int64_t now,
						struct ca_cert **out, struct ca_error *err)
{
	return s->ops->cert_get(s, serial, now, out, err);
}

/*
 * A page of certificates, newest first (or by expiry, soonest last), ties
 * in issue order; q->cursor is one this store handed out in
 * out->next_cursor for the same query (else CA_ERR_BAD_REQUEST). q->q
 * searches subject, names and serial (case-insensitive substring). out is
 * freed with ca_cert_list_free.
 */
static inline CA_WUR enum ca_err store_list(struct store *s, const struct ca_list_query *q,
					    int64_t now, struct ca_cert_list *out,
					    struct ca_error *err)
{
	return s->ops->list(s, q, now, out, err);
}

/*
 * The counts at `now` (expired: notAfter before now; expiring_30d: valid
 * with notAfter in [now, now + 30 days); tidied: ever deleted by
 * store_tidy), from what the store keeps with its writes, not a pass over
 * every certificate. CA_ERR_BAD_REQUEST for a now beyond 2^50 seconds.
 */
static inline CA_WUR enum ca_err store_count(struct store *s, int64_t now, struct ca_counts *out,
					     struct ca_error *err)
{
	return s->ops->count(s, now, out, err);
}

/*
 * One step of a tidy (struct store_tidy): *n is how many certificates it
 * deleted (dry_run: would delete, all of them); fewer than t->limit means
 * nothing more is due. A backend may leave a due row for a later step
 * (SQLite: the newest row, whose rowid must stay taken, and rows its
 * search index has not seen yet, which it indexes first); it never
 * deletes one that is not due. CA_ERR_BAD_REQUEST (before after now, a
 * limit out of range) changes nothing. SQLite: also gives a bounded number of free
 * pages back to the file system (incremental auto-vacuum), also when
 * nothing was due, so a caller may run it often.
 */
static inline CA_WUR enum ca_err store_tidy(struct store *s, const struct store_tidy *t,
					    uint64_t *n, struct ca_error *err)
{
	return s->ops->tidy(s, t, n, err);
}

/* Record r with a 'revoke' event, in one transaction. CA_ERR_NOT_FOUND,
 * CA_ERR_ALREADY_REVOKED, CA_ERR_FORBIDDEN (see struct store_revocation). */
static inline CA_WUR enum ca_err store_revoke(struct store *s, const struct store_revocation *r,
					      struct ca_error *err)
{
	return s->ops->revoke(s, r, err);
}

/* Revoked, unexpired certificates for the CRL, in serial order; *out
 * malloc'd (caller frees). A row whose serial or reason is not one this CA
 * writes is CA_ERR_STORE naming it: a CRL must never leave one out. */
static inline CA_WUR enum ca_err store_revoked_list(struct store *s, int64_t now,
						    struct crl_entry **out, size_t *n,
						    struct ca_error *err)
{
	return s->ops->revoked_list(s, now, out, n, err);
}

/* Like store_revoked_list, but only the revocations that raised the
 * revocation generation past `generation` (a delta CRL's entries since its
 * base). Cost: the revocations since, not all of them. */
static inline CA_WUR enum ca_err store_revoked_since(struct store *s, int64_t generation,
						     int64_t now, struct crl_entry **out, size_t *n,
						     struct ca_error *err)
{
	return s->ops->revoked_since(s, generation, now, out, n, err);
}

/* One serial's state for OCSP (out->found false if unknown); CA_ERR_STORE
 * naming the row if its reason is unknown. */
static inline CA_WUR enum ca_err store_status(struct store *s, const char *serial,
					      struct store_status *out, struct ca_error *err)
{
	return s->ops->status(s, serial, out, err);
}

/* The revocation counter: grows with every revocation recorded. */
static inline CA_WUR enum ca_err store_revocation_gen(struct store *s, int64_t *gen)
{
	return s->ops->revocation_gen(s, gen);
}

/*
 * The CRL last recorded. der (malloc'd) only when that CRL is one to serve
 * as it is: it reflects `generation` and was built after `built_after`;
 * otherwise der is NULL and its bytes are not read.
 */
static inline CA_WUR enum ca_err store_crl_get(struct store *s, int64_t generation,
					       int64_t built_after, struct store_crl *out)
{
	return s->ops->crl_get(s, generation, built_after, out);
}

/* Only the recorded CRL's number (0 if none): cheap enough to ask often. */
static inline CA_WUR enum ca_err store_crl_number(struct store *s, uint64_t *number)
{
	return s->ops->crl_number(s, number);
}

/*
 * Record CRL c->number, which must follow the recorded one (compare and
 * set): if another builder recorded that number first, nothing is written
 * and CA_ERR_EXISTS says to look again (RFC 5280 5.2.3: two CRLs never
 * share a number). c stays the caller's.
 */
static inline CA_WUR enum ca_err store_crl_put(struct store *s, const struct store_crl *c)
{
	return s->ops->crl_put(s, c);
}

/* Store token t under its hash with a 'token-create' event, in one
 * transaction; CA_ERR_EXISTS if the name is taken. */
static inline CA_WUR enum ca_err store_token_put(struct store *s, const struct store_token *t,
						 const char *sha256_hex, struct ca_error *err)
{
	return s->ops->token_put(s, t, sha256_hex, err);
}

/* Live (not revoked) token by hash; CA_ERR_NOT_FOUND. *out freed with
 * store_token_free. */
static inline CA_WUR enum ca_err store_token_by_hash(struct store *s, const char *sha256_hex,
						     struct store_token **out)
{
	return s->ops->token_by_hash(s, sha256_hex, out);
}

/* Live (not revoked) token by name; CA_ERR_NOT_FOUND. *out freed with
 * store_token_free. */
static inline CA_WUR enum ca_err store_token_by_name(struct store *s, const char *name,
						     struct store_token **out)
{
	return s->ops->token_by_name(s, name, out);
}

/* Every token, by name; freed with store_token_list_free. */
static inline CA_WUR enum ca_err store_token_list(struct store *s, struct store_token ***out,
						  size_t *n)
{
	return s->ops->token_list(s, out, n);
}

/* Revoke the live token `name` with a 'token-revoke' event, in one
 * transaction; CA_ERR_NOT_FOUND. */
static inline CA_WUR enum ca_err store_token_revoke(struct store *s, const char *name, int64_t at,
						    struct ca_error *err)
{
	return s->ops->token_revoke(s, name, at, err);
}

/*
 * Append an event row (actor NULL: "cli"; serial may be NULL). Returns at
 * once: the row is committed with the next group of writes, so a refused
 * request never waits for a commit of its own. Strings are copied.
 */
static inline CA_WUR enum ca_err store_event(struct store *s, int64_t at, const char *kind,
					     const char *serial, const char *actor,
					     const char *detail)
{
	return s->ops->event(s, at, kind, serial, actor, detail);
}

/* The newest `limit` events, newest first, including every event appended
 * before the call. Freed with store_event_list_free. */
static inline CA_WUR enum ca_err store_event_list(struct store *s, size_t limit,
						  struct store_event_row **out, size_t *n,
						  struct ca_error *err)
{
	return s->ops->event_list(s, limit, out, n, err);
}

/*
 * Block up to timeout_ms (0: just look) until the revocation generation or
 * the CRL number differs from seen's, by anyone (another thread, process
 * or node). seen is updated to what the store holds and seen->changed says
 * whether it differed. Start with {-1, 0, false} to be told at once.
 */
static inline CA_WUR enum ca_err store_watch(struct store *s, struct store_change *seen,
					     int timeout_ms)
{
	return s->ops->watch(s, seen, timeout_ms);
}

/* Housekeeping off the request path, called every fraction of a second by
 * the service's housekeeping thread (SQLite: bring the search index up to
 * date), one bounded round of it (a tenth of a second or so): *more when
 * work is left for another round at once. */
static inline CA_WUR enum ca_err store_maintain(struct store *s, bool *more)
{
	*more = false;
	return s->ops->maintain(s, more);
}

#endif
