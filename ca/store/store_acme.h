/*
 * The ACME part of the store (design section 10): nonces, EAB keys, the
 * open team, accounts, orders, authorizations and challenges, as a table
 * of operations every engine implements (struct store_acme_ops, reached
 * through store_ops.acme) and the store_acme_* wrappers the core calls.
 * The SQLite engine is store/sqlite_acme.c.
 *
 * What every engine guarantees:
 *  - every write is durable when its call returns, and visible to every
 *    process and node on the same store from then on (nonces too: a nonce
 *    put on one node can be taken on another, exactly once);
 *  - compare-and-set moves (*_move) and the spends (nonce_take, an EAB key
 *    in account_put) are atomic: of two concurrent callers at most one
 *    sees *moved / *ok true;
 *  - multi-row writes (account_put with its EAB key, order_put with its
 *    authorizations and challenges, open_team_set, chall_validated with
 *    its authorization and order) are one transaction.
 *
 * Records use fixed buffers: every field is bounded by the core before it
 * gets here (ids are 22 base64url characters, names at most 253), and a
 * value read back that does not fit is CA_ERR_STORE, never cut short.
 * Status fields hold the RFC 8555 words ("pending", "valid", ...).
 * Functions return CA_OK, CA_ERR_NOT_FOUND where a row is looked for,
 * CA_ERR_EXISTS where a unique value is taken, CA_ERR_STORE, CA_ERR_NOMEM.
 * Strings passed in stay the caller's.
 */
#ifndef PRIVCA_STORE_ACME_H
#define PRIVCA_STORE_ACME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "privca/ca.h"
#include "store.h"

#define STORE_ACME_ID 40 /* ids: 22 characters and a NUL, with room */

/* An external account binding key (its HMAC key is not stored: eab.c). */
struct store_acme_eab {
	char kid[STORE_ACME_ID];
	char team[65];
	int64_t created_at, expires_at, used_at, revoked_at; /* 0 = not */
	char account_id[STORE_ACME_ID];			     /* "" until used */
};

/* An account key's JWK members, base64url as the client sent them. */
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

/* The operations; each wrapper below documents its own. */
struct store_acme_ops {
	enum ca_err (*nonce_put)(struct store *s, const char *nonce, int64_t expires_at);
	enum ca_err (*nonce_take)(struct store *s, const char *nonce, int64_t now, bool *ok);

	enum ca_err (*eab_put)(struct store *s, const struct store_acme_eab *e);
	enum ca_err (*eab_get)(struct store *s, const char *kid, struct store_acme_eab *out);
	enum ca_err (*eab_list)(struct store *s, const char *team, struct store_acme_eab **out,
				size_t *n);
	enum ca_err (*eab_revoke)(struct store *s, const char *kid, int64_t at);

	enum ca_err (*open_team)(struct store *s, char out[65]);
	enum ca_err (*open_team_set)(struct store *s, const char *team);

	enum ca_err (*account_put)(struct store *s, const struct store_acme_account *a,
				   int64_t now);
	enum ca_err (*account_get)(struct store *s, const char *id, struct store_acme_account *out);
	enum ca_err (*account_by_thumbprint)(struct store *s, const char *thumbprint,
					     struct store_acme_account *out);
	enum ca_err (*account_update)(struct store *s, const char *id, const char *contact,
				      const char *status);
	enum ca_err (*account_rekey)(struct store *s, const char *id,
				     const struct store_acme_jwk *jwk, const char *thumbprint);

	enum ca_err (*order_put)(struct store *s, const struct store_acme_order *o,
				 const struct store_acme_authz *az, size_t naz,
				 const struct store_acme_chall *ch, size_t nch);
	enum ca_err (*order_get)(struct store *s, const char *id, struct store_acme_order *out);
	enum ca_err (*order_ids)(struct store *s, const char *account_id, const char *after,
				 size_t max, char (**ids)[STORE_ACME_ID], size_t *n);
	enum ca_err (*order_move)(struct store *s, const char *id, const char *from, const char *to,
				  const char *serial, const char *error_type,
				  const char *error_detail, bool *moved);

	enum ca_err (*authz_get)(struct store *s, const char *id, struct store_acme_authz *out);
	enum ca_err (*authz_list)(struct store *s, const char *order_id,
				  struct store_acme_authz **out, size_t *n);
	enum ca_err (*authz_valid)(struct store *s, const char *account_id, const char *type,
				   const char *value, bool wildcard, int64_t now,
				   struct store_acme_authz *out);
	enum ca_err (*authz_move)(struct store *s, const char *id, const char *from, const char *to,
				  bool *moved);

	enum ca_err (*chall_get)(struct store *s, const char *id, struct store_acme_chall *out);
	enum ca_err (*chall_list)(struct store *s, const char *authz_id,
				  struct store_acme_chall **out, size_t *n);
	enum ca_err (*chall_move)(struct store *s, const char *id, const char *from, const char *to,
				  const char *error_type, const char *error_detail,
				  int64_t validated_at, bool *moved);
	enum ca_err (*chall_processing)(struct store *s, struct store_acme_chall **out, size_t *n);
	enum ca_err (*chall_validated)(struct store *s, const char *id, int64_t validated_at,
				       bool *moved, bool *ready);
};

/* The SQLite engine's table (sqlite_acme.c). */
extern const struct store_acme_ops store_sqlite_acme_ops;

/* ---- nonces (RFC 8555 6.5) ---- */

/* Record a fresh nonce that may be taken until expires_at. */
static inline CA_WUR enum ca_err store_acme_nonce_put(struct store *s, const char *nonce,
						      int64_t expires_at)
{
	return s->ops->acme->nonce_put(s, nonce, expires_at);
}

/* Spend nonce: *ok is true if it existed unexpired at now (and now no
 * longer does). Expired nonces are swept now and then. */
static inline CA_WUR enum ca_err store_acme_nonce_take(struct store *s, const char *nonce,
						       int64_t now, bool *ok)
{
	return s->ops->acme->nonce_take(s, nonce, now, ok);
}

/* ---- external account binding keys ---- */

/* A new, unused key (kid, team, created_at, expires_at); CA_ERR_EXISTS. */
static inline CA_WUR enum ca_err store_acme_eab_put(struct store *s, const struct store_acme_eab *e)
{
	return s->ops->acme->eab_put(s, e);
}

static inline CA_WUR enum ca_err store_acme_eab_get(struct store *s, const char *kid,
						    struct store_acme_eab *out)
{
	return s->ops->acme->eab_get(s, kid, out);
}

/* Keys of team, oldest first (created_at, then kid); *out freed with free(). */
static inline CA_WUR enum ca_err store_acme_eab_list(struct store *s, const char *team,
						     struct store_acme_eab **out, size_t *n)
{
	return s->ops->acme->eab_list(s, team, out, n);
}

/* CA_ERR_NOT_FOUND if kid is unknown or already revoked. */
static inline CA_WUR enum ca_err store_acme_eab_revoke(struct store *s, const char *kid, int64_t at)
{
	return s->ops->acme->eab_revoke(s, kid, at);
}

/* ---- the open team ---- */

/* out (65 bytes) gets the open team, "" if there is none or its token is
 * revoked. */
static inline CA_WUR enum ca_err store_acme_open_team(struct store *s, char out[65])
{
	return s->ops->acme->open_team(s, out);
}

/* Make team the open team; CA_ERR_EXISTS if another (live) team is. */
static inline CA_WUR enum ca_err store_acme_open_team_set(struct store *s, const char *team)
{
	return s->ops->acme->open_team_set(s, team);
}

/* ---- accounts ---- */

/*
 * Insert a new account. With eab_kid (a->eab_kid not ""), the key is spent
 * in the same transaction: CA_ERR_FORBIDDEN if it is unknown, used,
 * revoked, expired at now, or of another team. CA_ERR_EXISTS if the
 * thumbprint has an account.
 */
static inline CA_WUR enum ca_err
store_acme_account_put(struct store *s, const struct store_acme_account *a, int64_t now)
{
	return s->ops->acme->account_put(s, a, now);
}

static inline CA_WUR enum ca_err store_acme_account_get(struct store *s, const char *id,
							struct store_acme_account *out)
{
	return s->ops->acme->account_get(s, id, out);
}

static inline CA_WUR enum ca_err store_acme_account_by_thumbprint(struct store *s,
								  const char *thumbprint,
								  struct store_acme_account *out)
{
	return s->ops->acme->account_by_thumbprint(s, thumbprint, out);
}

/* Set contact and status of a valid account; CA_ERR_NOT_FOUND if it is not valid. */
static inline CA_WUR enum ca_err store_acme_account_update(struct store *s, const char *id,
							   const char *contact, const char *status)
{
	return s->ops->acme->account_update(s, id, contact, status);
}

/* New key of a valid account (keyChange); CA_ERR_EXISTS if another account
 * has it, CA_ERR_NOT_FOUND if id is not a valid account. */
static inline CA_WUR enum ca_err store_acme_account_rekey(struct store *s, const char *id,
							  const struct store_acme_jwk *jwk,
							  const char *thumbprint)
{
	return s->ops->acme->account_rekey(s, id, jwk, thumbprint);
}

/* ---- orders, authorizations, challenges ---- */

/* One transaction: the order, its authorizations and their challenges
 * (each authorization belongs to exactly one order: az[i].order_id). */
static inline CA_WUR enum ca_err store_acme_order_put(struct store *s,
						      const struct store_acme_order *o,
						      const struct store_acme_authz *az, size_t naz,
						      const struct store_acme_chall *ch, size_t nch)
{
	return s->ops->acme->order_put(s, o, az, naz, ch, nch);
}

/* *out is filled; clear it with store_acme_order_clear. */
static inline CA_WUR enum ca_err store_acme_order_get(struct store *s, const char *id,
						      struct store_acme_order *out)
{
	return s->ops->acme->order_get(s, id, out);
}

/*
 * A page of the account's order ids, newest first (created_at descending,
 * then id descending, so every engine pages the same way): at most max,
 * those after the order `after` in that order ("" for the first page;
 * an id that is not one of the account's orders gives an empty page).
 * *ids freed with free().
 */
static inline CA_WUR enum ca_err store_acme_order_ids(struct store *s, const char *account_id,
						      const char *after, size_t max,
						      char (**ids)[STORE_ACME_ID], size_t *n)
{
	return s->ops->acme->order_ids(s, account_id, after, max, ids, n);
}

/*
 * Move order id from status `from` to `to` (compare and set): *moved says
 * whether it was in `from`. serial and the error fields are set when not
 * NULL.
 */
static inline CA_WUR enum ca_err store_acme_order_move(struct store *s, const char *id,
						       const char *from, const char *to,
						       const char *serial, const char *error_type,
						       const char *error_detail, bool *moved)
{
	return s->ops->acme->order_move(s, id, from, to, serial, error_type, error_detail, moved);
}

static inline CA_WUR enum ca_err store_acme_authz_get(struct store *s, const char *id,
						      struct store_acme_authz *out)
{
	return s->ops->acme->authz_get(s, id, out);
}

/* The order's authorizations by position; *out freed with free(). */
static inline CA_WUR enum ca_err store_acme_authz_list(struct store *s, const char *order_id,
						       struct store_acme_authz **out, size_t *n)
{
	return s->ops->acme->authz_list(s, order_id, out, n);
}

/*
 * The account's valid authorization for the identifier (type, value,
 * wildcard) that is still unexpired at now, the one that lasts longest
 * (RFC 8555 7.1.4 reuse); CA_ERR_NOT_FOUND if there is none.
 */
static inline CA_WUR enum ca_err store_acme_authz_valid(struct store *s, const char *account_id,
							const char *type, const char *value,
							bool wildcard, int64_t now,
							struct store_acme_authz *out)
{
	return s->ops->acme->authz_valid(s, account_id, type, value, wildcard, now, out);
}

/* Compare and set of the authorization's status. */
static inline CA_WUR enum ca_err store_acme_authz_move(struct store *s, const char *id,
						       const char *from, const char *to,
						       bool *moved)
{
	return s->ops->acme->authz_move(s, id, from, to, moved);
}

static inline CA_WUR enum ca_err store_acme_chall_get(struct store *s, const char *id,
						      struct store_acme_chall *out)
{
	return s->ops->acme->chall_get(s, id, out);
}

/* The authorization's challenges by position; *out freed with free(). */
static inline CA_WUR enum ca_err store_acme_chall_list(struct store *s, const char *authz_id,
						       struct store_acme_chall **out, size_t *n)
{
	return s->ops->acme->chall_list(s, authz_id, out, n);
}

/* Compare and set, with the error fields (NULL: left) and validated_at (0: left). */
static inline CA_WUR enum ca_err store_acme_chall_move(struct store *s, const char *id,
						       const char *from, const char *to,
						       const char *error_type,
						       const char *error_detail,
						       int64_t validated_at, bool *moved)
{
	return s->ops->acme->chall_move(s, id, from, to, error_type, error_detail, validated_at,
					moved);
}

/*
 * A challenge's validation succeeded, in one transaction: challenge id
 * processing -> valid (validated_at set); then, if it moved, its
 * authorization pending -> valid; then, if that moved and every
 * authorization of the order is now valid, the order pending -> ready.
 * *moved: the challenge was processing (false: nothing changed); *ready:
 * this call made the order ready. Calls for the same order are
 * serialized across handles and nodes, so when two record the order's
 * last two authorizations at once, the order ends ready (exactly one of
 * them sees *ready): no reader ever sees every authorization valid and
 * the order still pending.
 */
static inline CA_WUR enum ca_err store_acme_chall_validated(struct store *s, const char *id,
							    int64_t validated_at, bool *moved,
							    bool *ready)
{
	*moved = *ready = false;
	enum ca_err rc = s->ops->acme->chall_validated(s, id, validated_at, moved, ready);
	if (rc != CA_OK)
		*moved = *ready = false; /* rolled back with the job or its group */
	return rc;
}

/* Every challenge left "processing" (a restart resubmits them), by id; free(). */
static inline CA_WUR enum ca_err
store_acme_chall_processing(struct store *s, struct store_acme_chall **out, size_t *n)
{
	return s->ops->acme->chall_processing(s, out, n);
}

#endif
