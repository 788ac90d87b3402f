/*
 * The ACME part of the store (design section 10): nonces, EAB keys, the
 * open team, accounts, orders, authorizations and challenges. The SQL is in
 * store/sqlite_acme.c; when the store becomes a class (layout.md 4.2) these
 * become its acme ops with the same shapes.
 *
 * Records use fixed buffers: every field is bounded by the core before it
 * gets here (ids are 22 base64url characters, names at most 253), and a
 * value read back that does not fit is CA_ERR_STORE, never cut short.
 * Status fields hold the RFC 8555 words ("pending", "valid", ...).
 * Functions return CA_OK, CA_ERR_NOT_FOUND where a row is looked for,
 * CA_ERR_EXISTS where a unique value is taken, CA_ERR_STORE, CA_ERR_NOMEM.
 */
#ifndef PRIVCA_STORE_ACME_H
#define PRIVCA_STORE_ACME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "privca/ca.h"
#include "store.h"

/*
 * This thread's SQLite connection, for ca/store/sqlite_acme.c (the ACME
 * tables run their own statements on it); NULL for a store that is not
 * SQLite or a connection that cannot be opened. Owned by the store; valid
 * until this thread ends or store_close. (sqlite_store.c)
 */
struct sqlite3;
struct sqlite3 *store_sqlite_db(struct store *s);

#define STORE_ACME_ID 40 /* ids: 22 characters and a NUL, with room */

/* ---- nonces ---- */

enum ca_err store_acme_nonce_put(struct store *s, const char *nonce, int64_t expires_at) CA_WUR;
/* Spend nonce: *ok is true if it existed unexpired (and now no longer does).
 * Expired rows are swept now and then. */
enum ca_err store_acme_nonce_take(struct store *s, const char *nonce, int64_t now, bool *ok) CA_WUR;

/* ---- external account binding keys ---- */

struct store_acme_eab {
	char kid[STORE_ACME_ID];
	char team[65];
	int64_t created_at, expires_at, used_at, revoked_at; /* 0 = not */
	char account_id[STORE_ACME_ID];			     /* "" until used */
};

enum ca_err store_acme_eab_put(struct store *s, const struct store_acme_eab *e) CA_WUR;
enum ca_err store_acme_eab_get(struct store *s, const char *kid, struct store_acme_eab *out) CA_WUR;
/* Keys of team, oldest first; *out freed with free(). */
enum ca_err store_acme_eab_list(struct store *s, const char *team, struct store_acme_eab **out,
				size_t *n) CA_WUR;
/* CA_ERR_NOT_FOUND if kid is unknown or already revoked. */
enum ca_err store_acme_eab_revoke(struct store *s, const char *kid, int64_t at) CA_WUR;

/* ---- the open team ---- */

/* out (65 bytes) gets the team, "" if there is none. */
enum ca_err store_acme_open_team(struct store *s, char out[65]) CA_WUR;
/* Make team the open team; CA_ERR_EXISTS if another team is. */
enum ca_err store_acme_open_team_set(struct store *s, const char *team) CA_WUR;

/* ---- accounts ---- */

struct store_acme_jwk {
	char kty[8], crv[16];
	char x[96], y[96];  /* EC and OKP */
	char n[700], e[16]; /* RSA (4096 bits: 683 characters) */
};

struct store_acme_account {
	char id[STORE_ACME_ID];
	char thumbprint[48];
	struct store_acme_jwk jwk;
	char team[65];
	/* "valid", "deactivated", "revoked"; read back as "deactivated" when
	 * the team's token is revoked (design section 10). */
	char status[16];
	char contact[1024]; /* newline-separated */
	char eab_kid[STORE_ACME_ID];
	int64_t created_at;
};

/*
 * Insert a new account. With eab_kid (a->eab_kid not ""), the key is spent
 * in the same transaction: CA_ERR_FORBIDDEN if it is unknown, used,
 * revoked, expired at now, or of another team. CA_ERR_EXISTS if the
 * thumbprint has an account.
 */
enum ca_err store_acme_account_put(struct store *s, const struct store_acme_account *a,
				   int64_t now) CA_WUR;
enum ca_err store_acme_account_get(struct store *s, const char *id,
				   struct store_acme_account *out) CA_WUR;
enum ca_err store_acme_account_by_thumbprint(struct store *s, const char *thumbprint,
					     struct store_acme_account *out) CA_WUR;
/* Set contact and status of a valid account; CA_ERR_NOT_FOUND if it is not valid. */
enum ca_err store_acme_account_update(struct store *s, const char *id, const char *contact,
				      const char *status) CA_WUR;
/* New key (keyChange); CA_ERR_EXISTS if another account has it. */
enum ca_err store_acme_account_rekey(struct store *s, const char *id,
				     const struct store_acme_jwk *jwk,
				     const char *thumbprint) CA_WUR;

/* ---- orders, authorizations, challenges ---- */

struct store_acme_order {
	char id[STORE_ACME_ID];
	char account_id[STORE_ACME_ID];
	char status[16];
	int64_t expires_at, created_at;
	char *identifiers; /* newline-separated "dns:NAME" / "ip:ADDR", owned */
	char error_type[48];
	char error_detail[512];
	char serial[33];
	char replaces[160];
};
void store_acme_order_clear(struct store_acme_order *o); /* frees identifiers */

struct store_acme_authz {
	char id[STORE_ACME_ID];
	char order_id[STORE_ACME_ID];
	char account_id[STORE_ACME_ID];
	char type[4];	 /* "dns", "ip" */
	char value[256]; /* without "*." */
	bool wildcard;
	char status[16];
	int64_t expires_at;
	int position;
};

struct store_acme_chall {
	char id[STORE_ACME_ID];
	char authz_id[STORE_ACME_ID];
	char type[16]; /* "http-01", "dns-01", "tls-alpn-01" */
	char token[48];
	char status[16];
	int64_t validated_at;
	char error_type[48];
	char error_detail[512];
	int position;
};

/* One transaction: the order, its authorizations and their challenges. */
enum ca_err store_acme_order_put(struct store *s, const struct store_acme_order *o,
				 const struct store_acme_authz *az, size_t naz,
				 const struct store_acme_chall *ch, size_t nch) CA_WUR;
/* *out is filled; clear it with store_acme_order_clear. */
enum ca_err store_acme_order_get(struct store *s, const char *id,
				 struct store_acme_order *out) CA_WUR;
/* Ids of the account's orders, newest first, at most max; *ids freed with free(). */
enum ca_err store_acme_order_ids(struct store *s, const char *account_id, size_t max,
				 char (**ids)[STORE_ACME_ID], size_t *n) CA_WUR;
/*
 * Move order id from status `from` to `to` (compare and set): *moved says
 * whether it was in `from`. serial and the error fields are set when not
 * NULL.
 */
enum ca_err store_acme_order_move(struct store *s, const char *id, const char *from, const char *to,
				  const char *serial, const char *error_type,
				  const char *error_detail, bool *moved) CA_WUR;

enum ca_err store_acme_authz_get(struct store *s, const char *id,
				 struct store_acme_authz *out) CA_WUR;
/* The order's authorizations in order; *out freed with free(). */
enum ca_err store_acme_authz_list(struct store *s, const char *order_id,
				  struct store_acme_authz **out, size_t *n) CA_WUR;
enum ca_err store_acme_authz_move(struct store *s, const char *id, const char *from, const char *to,
				  bool *moved) CA_WUR;

enum ca_err store_acme_chall_get(struct store *s, const char *id,
				 struct store_acme_chall *out) CA_WUR;
/* The authorization's challenges in order; *out freed with free(). */
enum ca_err store_acme_chall_list(struct store *s, const char *authz_id,
				  struct store_acme_chall **out, size_t *n) CA_WUR;
/* Compare and set, with the error fields (NULL: left) and validated_at (0: left). */
enum ca_err store_acme_chall_move(struct store *s, const char *id, const char *from, const char *to,
				  const char *error_type, const char *error_detail,
				  int64_t validated_at, bool *moved) CA_WUR;
/* Every challenge left "processing" (a restart resubmits them); free(). */
enum ca_err store_acme_chall_processing(struct store *s, struct store_acme_chall **out,
					size_t *n) CA_WUR;

#endif
