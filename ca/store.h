/*
 * The SQLite store: migrations, certificates, tokens, CRL state, events.
 * Every statement is prepared with bound parameters. Each thread gets its
 * own connection (WAL lets readers run beside the writer); certificate
 * inserts go through one writer thread that commits them in groups
 * (synchronous=FULL), and each caller waits for its own group's commit.
 */
#ifndef PRIVCA_STORE_H
#define PRIVCA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "privca/ca.h"

struct store;

/* Open (create = make the file) and migrate. *out freed with store_close. */
enum ca_err store_open(const char *path, bool create, struct store **out,
		       struct ca_error *err) CA_WUR;
/* Close every connection and stop the writer. No other thread may use it. */
void store_close(struct store *s);
/* A consistent copy of the database in a new file path (0600). */
enum ca_err store_backup(struct store *s, const char *path, struct ca_error *err) CA_WUR;

/* Cheap liveness check (SELECT 1). */
enum ca_err store_ping(struct store *s, struct ca_error *err) CA_WUR;

/*
 * Record an issued certificate (and an 'issue' event by actor) durably.
 * Returns only after the commit that holds it; CA_ERR_EXISTS if the serial
 * is taken (the caller draws a new one).
 */
enum ca_err store_cert_put(struct store *s, const struct ca_cert *c, struct ca_error *err) CA_WUR;

/* Is this serial in the store? */
enum ca_err store_serial_taken(struct store *s, const char *serial, bool *taken) CA_WUR;

enum ca_err store_cert_get(struct store *s, const char *serial, int64_t now, struct ca_cert **out,
			   struct ca_error *err) CA_WUR;

enum ca_err store_list(struct store *s, const struct ca_list_query *q, int64_t now,
		       struct ca_cert_list *out, struct ca_error *err) CA_WUR;

enum ca_err store_count(struct store *s, int64_t now, struct ca_counts *out,
			struct ca_error *err) CA_WUR;

/*
 * Mark serial revoked at `at` with reason, plus a 'revoke' event by actor.
 * If requester is not NULL the certificate must have been requested by it
 * (CA_ERR_FORBIDDEN). CA_ERR_NOT_FOUND, CA_ERR_ALREADY_REVOKED.
 */
enum ca_err store_revoke(struct store *s, const char *serial, int64_t at, enum ca_reason reason,
			 const char *actor, const char *requester, struct ca_error *err) CA_WUR;

/* Revoked, unexpired certificates for the CRL, in serial order. */
struct store_revoked {
	uint8_t serial[20];
	size_t serial_len;
	int64_t revoked_at;
	enum ca_reason reason;
};
enum ca_err store_revoked_list(struct store *s, int64_t now, struct store_revoked **out, size_t *n,
			       struct ca_error *err) CA_WUR;

/* Revocation state of one serial for OCSP: found, and if revoked when/why. */
struct store_status {
	bool found, revoked;
	int64_t revoked_at;
	enum ca_reason reason;
	int64_t not_after;
};
enum ca_err store_status(struct store *s, const char *serial, struct store_status *st) CA_WUR;

/*
 * The CRL last recorded: its number, times, and the revocation generation
 * it reflects (-1 if not known); number 0 if none yet. der (malloc'd) only
 * when that CRL is one to serve as it is: it reflects `generation` and was
 * built after `built_after`. Otherwise der is NULL and the bytes, megabytes
 * for a long CRL, are not read.
 */
struct store_crl {
	uint64_t number;
	uint8_t *der;
	size_t len;
	int64_t this_update, next_update, generation;
};
enum ca_err store_crl_get(struct store *s, int64_t generation, int64_t built_after,
			  struct store_crl *out) CA_WUR;
/* Only its number: cheap enough to ask often. */
enum ca_err store_crl_number(struct store *s, uint64_t *number) CA_WUR;
/*
 * Record CRL c->number, which must follow the recorded one: if another
 * builder (a `privca crl` beside the service) recorded that number first,
 * nothing is written and CA_ERR_EXISTS says to look again. Two different
 * CRLs never carry the same number (RFC 5280 5.2.3).
 */
enum ca_err store_crl_put(struct store *s, const struct store_crl *c) CA_WUR;

/* PRAGMA data_version of this thread's connection: changes when another
 * connection (or process) commits. */
enum ca_err store_data_version(struct store *s, int64_t *v) CA_WUR;

/*
 * Bring the trigram search index up to date with the certificates table
 * (bulk, off the issuance path). store_list does it before a trigram
 * search; the service's background thread does it every fraction of a
 * second so that a search finds little left to do.
 */
enum ca_err store_index_catch_up(struct store *s) CA_WUR;

/* The revocation counter (bumped by a trigger on every revocation). */
enum ca_err store_revocation_gen(struct store *s, int64_t *gen) CA_WUR;

/* Tokens. Strings in struct store_token are owned by it. */
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
void store_token_free(struct store_token *t);
enum ca_err store_token_put(struct store *s, const struct store_token *t, const char *sha256_hex,
			    struct ca_error *err) CA_WUR;
/* Live (not revoked) token by hash; CA_ERR_NOT_FOUND. *out freed with store_token_free. */
enum ca_err store_token_by_hash(struct store *s, const char *sha256_hex,
				struct store_token **out) CA_WUR;
/* Live (not revoked) token by name; CA_ERR_NOT_FOUND. *out freed with store_token_free. */
enum ca_err store_token_by_name(struct store *s, const char *name, struct store_token **out) CA_WUR;
enum ca_err store_token_list(struct store *s, struct store_token ***out, size_t *n) CA_WUR;
void store_token_list_free(struct store_token **v, size_t n);
enum ca_err store_token_revoke(struct store *s, const char *name, int64_t at,
			       struct ca_error *err) CA_WUR;

/*
 * This thread's SQLite connection, for the store's other files
 * (store/sqlite_acme.c) until the store becomes a class; NULL if it cannot
 * be opened. Owned by the store; valid until this thread ends or
 * store_close.
 */
struct sqlite3;
struct sqlite3 *store_sqlite_db(struct store *s);

/* Append an event row. */
enum ca_err store_event(struct store *s, int64_t at, const char *kind, const char *serial,
			const char *actor, const char *detail) CA_WUR;

#endif
