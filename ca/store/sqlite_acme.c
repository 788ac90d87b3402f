/*
 * The code in this file implements the ACME tables of the SQLite store
 * (store_acme.h, schema/sqlite/005_acme.sql). Every statement is prepared with
 * bound parameters on this thread's connection. ACME traffic is a few
 * statements per client request, so statements are prepared per call
 * rather than cached; transactions (an order with its authorizations, an
 * account with its EAB key spent) are BEGIN IMMEDIATE on that connection.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_acme.h"

/* A statement ready to bind; NULL if the connection or SQL failed. */
static sqlite3_stmt *prep(struct store *s, const char *sql, sqlite3 **dbp)
{
	sqlite3 *db = store_sqlite_db(s);
	sqlite3_stmt *st = NULL;
	if (db == NULL || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	if (dbp != NULL)
		*dbp = db;
	return st;
}

static void text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

/* Column i into a fixed field; false if it does not fit. NULL reads as "". */
static bool col(sqlite3_stmt *st, int i, char *out, size_t cap)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	size_t n = v ? (size_t)sqlite3_column_bytes(st, i) : 0;
	if (n >= cap)
		return false;
	if (n)
		memcpy(out, v, n);
	out[n] = '\0';
	return true;
}

/* Run a statement that returns no rows; finalises it. */
static enum ca_err run(sqlite3_stmt *st)
{
	if (st == NULL)
		return CA_ERR_STORE;
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r == SQLITE_CONSTRAINT)
		return CA_ERR_EXISTS;
	return r == SQLITE_DONE ? CA_OK : CA_ERR_STORE;
}

/* Run a compare-and-set UPDATE; *moved = a row changed. */
static enum ca_err run_cas(sqlite3_stmt *st, sqlite3 *db, bool *moved)
{
	enum ca_err rc = run(st);
	*moved = rc == CA_OK && sqlite3_changes(db) > 0;
	return rc;
}

static enum ca_err exec(struct store *s, const char *sql)
{
	sqlite3 *db = store_sqlite_db(s);
	return db != NULL && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? CA_OK
										  : CA_ERR_STORE;
}

static enum ca_err finish(struct store *s, enum ca_err rc)
{
	if (rc == CA_OK && exec(s, "COMMIT") == CA_OK)
		return CA_OK;
	(void)exec(s, "ROLLBACK");
	return rc == CA_OK ? CA_ERR_STORE : rc;
}

/* ---- nonces ---- */

enum ca_err store_acme_nonce_put(struct store *s, const char *nonce, int64_t expires_at)
{
	sqlite3_stmt *st =
	    prep(s, "INSERT INTO acme_nonces (nonce, expires_at) VALUES (?1, ?2)", NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	text(st, 1, nonce);
	sqlite3_bind_int64(st, 2, expires_at);
	return run(st);
}

enum ca_err store_acme_nonce_take(struct store *s, const char *nonce, int64_t now, bool *ok)
{
	sqlite3 *db;
	sqlite3_stmt *st =
	    prep(s, "DELETE FROM acme_nonces WHERE nonce = ?1 AND expires_at >= ?2", &db);
	if (st == NULL)
		return CA_ERR_STORE;
	text(st, 1, nonce);
	sqlite3_bind_int64(st, 2, now);
	enum ca_err rc = run_cas(st, db, ok);
	/* Sweep the expired ones now and then (one request in 64). */
	if (rc == CA_OK && (nonce[0] & 63) == 0) {
		sqlite3_stmt *sw = prep(s, "DELETE FROM acme_nonces WHERE expires_at < ?1", NULL);
		if (sw != NULL) {
			sqlite3_bind_int64(sw, 1, now);
			(void)run(sw);
		}
	}
	return rc;
}

/* ---- EAB ---- */

#define EAB_COLS "kid, team, created_at, expires_at, used_at, account_id, revoked_at"

static bool row_eab(sqlite3_stmt *st, struct store_acme_eab *e)
{
	memset(e, 0, sizeof(*e));
	e->created_at = sqlite3_column_int64(st, 2);
	e->expires_at = sqlite3_column_int64(st, 3);
	e->used_at = sqlite3_column_int64(st, 4);
	e->revoked_at = sqlite3_column_int64(st, 6);
	return col(st, 0, e->kid, sizeof(e->kid)) && col(st, 1, e->team, sizeof(e->team)) &&
	       col(st, 5, e->account_id, sizeof(e->account_id));
}

enum ca_err store_acme_eab_put(struct store *s, const struct store_acme_eab *e)
{
	sqlite3_stmt *st = prep(s,
				"INSERT INTO acme_eab (kid, team, created_at, expires_at) "
				"VALUES (?1, ?2, ?3, ?4)",
				NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	text(st, 1, e->kid);
	text(st, 2, e->team);
	sqlite3_bind_int64(st, 3, e->created_at);
	sqlite3_bind_int64(st, 4, e->expires_at);
	return run(st);
}

enum ca_err store_acme_eab_get(struct store *s, const char *kid, struct store_acme_eab *out)
{
	sqlite3_stmt *st = prep(s, "SELECT " EAB_COLS " FROM acme_eab WHERE kid = ?1", NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	text(st, 1, kid);
	int r = sqlite3_step(st);
	enum ca_err rc = r == SQLITE_ROW    ? (row_eab(st, out) ? CA_OK : CA_ERR_STORE)
			 : r == SQLITE_DONE ? CA_ERR_NOT_FOUND
					    : CA_ERR_STORE;
	sqlite3_finalize(st);
	return rc;
}

enum ca_err store_acme_eab_list(struct store *s, const char *team, struct store_acme_eab **out,
				size_t *n)
{
	sqlite3_stmt *st = prep(
	    s, "SELECT " EAB_COLS " FROM acme_eab WHERE team = ?1 ORDER BY created_at, kid", NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	text(st, 1, team);
	struct store_acme_eab *v = NULL;
	size_t cnt = 0, cap = 0;
	enum ca_err rc = CA_OK;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			size_t nc = cap ? 2 * cap : 8;
			struct store_acme_eab *nv = realloc(v, nc * sizeof(*v));
			if (nv == NULL) {
				rc = CA_ERR_NOMEM;
				break;
			}
			v = nv;
			cap = nc;
		}
		if (!row_eab(st, &v[cnt++])) {
			rc = CA_ERR_STORE;
			break;
		}
	}
	if (rc == CA_OK && r != SQLITE_DONE)
		rc = CA_ERR_STORE;
	sqlite3_finalize(st);
	if (rc != CA_OK) {
		free(v);
		return rc;
	}
	*out = v;
	*n = cnt;
	return CA_OK;
}

enum ca_err store_acme_eab_revoke(struct store *s, const char *kid, int64_t at)
{
	sqlite3 *db;
	sqlite3_stmt *st = prep(
	    s, "UPDATE acme_eab SET revoked_at = ?2 WHERE kid = ?1 AND revoked_at IS NULL", &db);
	if (st == NULL)
		return CA_ERR_STORE;
	text(st, 1, kid);
	sqlite3_bind_int64(st, 2, at);
	bool moved;
	enum ca_err rc = run_cas(st, db, &moved);
	return rc == CA_OK && !moved ? CA_ERR_NOT_FOUND : rc;
}

/* ---- the open team ---- */

enum ca_err store_acme_open_team(struct store *s, char out[65])
{
	/* A revoked token is no open team. */
	sqlite3_stmt *st = prep(s,
				"SELECT o.team FROM acme_open_team o JOIN tokens t ON t.name = "
				"o.team WHERE o.id = 1 AND t.revoked_at IS NULL",
				NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	int r = sqlite3_step(st);
	enum ca_err rc = CA_OK;
	out[0] = '\0';
	if (r == SQLITE_ROW)
		rc = col(st, 0, out, 65) ? CA_OK : CA_ERR_STORE;
	else if (r != SQLITE_DONE)
		rc = CA_ERR_STORE;
	sqlite3_finalize(st);
	return rc;
}

enum ca_err store_acme_open_team_set(struct store *s, const char *team)
{
	char cur[65];
	enum ca_err rc;
	if ((rc = exec(s, "BEGIN IMMEDIATE")) != CA_OK)
		return rc;
	rc = store_acme_open_team(s, cur);
	if (rc == CA_OK && cur[0] != '\0' && strcmp(cur, team) != 0)
		rc = CA_ERR_EXISTS;
	if (rc == CA_OK) {
		sqlite3_stmt *st = prep(s,
					"INSERT INTO acme_open_team (id, team) VALUES (1, ?1) "
					"ON CONFLICT (id) DO UPDATE SET team = ?1",
					NULL);
		if (st == NULL)
			rc = CA_ERR_STORE;
		else {
			text(st, 1, team);
			rc = run(st);
		}
	}
	return finish(s, rc);
}

/* ---- accounts ---- */

/* The team's live token decides whether an account may act (design 10). */
#define ACCOUNT_SELECT                                                                             \
	"SELECT a.id, a.thumbprint, a.kty, a.crv, a.x, a.y, a.n, a.e, a.team, "                    \
	"CASE WHEN a.status = 'valid' AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.name = "      \
	"a.team AND t.revoked_at IS NULL) THEN 'deactivated' ELSE a.status END, a.contact, "       \
	"a.eab_kid, a.created_at FROM acme_accounts a "

static bool row_account(sqlite3_stmt *st, struct store_acme_account *a)
{
	memset(a, 0, sizeof(*a));
	a->created_at = sqlite3_column_int64(st, 12);
	return col(st, 0, a->id, sizeof(a->id)) &&
	       col(st, 1, a->thumbprint, sizeof(a->thumbprint)) &&
	       col(st, 2, a->jwk.kty, sizeof(a->jwk.kty)) &&
	       col(st, 3, a->jwk.crv, sizeof(a->jwk.crv)) &&
	       col(st, 4, a->jwk.x, sizeof(a->jwk.x)) && col(st, 5, a->jwk.y, sizeof(a->jwk.y)) &&
	       col(st, 6, a->jwk.n, sizeof(a->jwk.n)) && col(st, 7, a->jwk.e, sizeof(a->jwk.e)) &&
	       col(st, 8, a->team, sizeof(a->team)) && col(st, 9, a->status, sizeof(a->status)) &&
	       col(st, 10, a->contact, sizeof(a->contact)) &&
	       col(st, 11, a->eab_kid, sizeof(a->eab_kid));
}

static enum ca_err account_one(struct store *s, const char *where, const char *v,
			       struct store_acme_account *out)
{
	char sql[1024];
	snprintf(sql, sizeof(sql), "%s%s", ACCOUNT_SELECT, where);
	sqlite3_stmt *st = prep(s, sql, NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	text(st, 1, v);
	int r = sqlite3_step(st);
	enum ca_err rc = r == SQLITE_ROW    ? (row_account(st, out) ? CA_OK : CA_ERR_STORE)
			 : r == SQLITE_DONE ? CA_ERR_NOT_FOUND
					    : CA_ERR_STORE;
	sqlite3_finalize(st);
	return rc;
}

enum ca_err store_acme_account_get(struct store *s, const char *id, struct store_acme_account *out)
{
	return account_one(s, "WHERE a.id = ?1", id, out);
}

enum ca_err store_acme_account_by_thumbprint(struct store *s, const char *thumbprint,
					     struct store_acme_account *out)
{
	return account_one(s, "WHERE a.thumbprint = ?1", thumbprint, out);
}

static void bind_jwk(sqlite3_stmt *st, int first, const struct store_acme_jwk *k)
{
	text(st, first, k->kty);
	text(st, first + 1, k->crv);
	text(st, first + 2, k->x);
	text(st, first + 3, k->y);
	text(st, first + 4, k->n);
	text(st, first + 5, k->e);
}

enum ca_err store_acme_account_put(struct store *s, const struct store_acme_account *a, int64_t now)
{
	enum ca_err rc;
	sqlite3 *db;
	if ((rc = exec(s, "BEGIN IMMEDIATE")) != CA_OK)
		return rc;
	if (a->eab_kid[0] != '\0') {
		sqlite3_stmt *st = prep(s,
					"UPDATE acme_eab SET used_at = ?3, account_id = ?4 WHERE "
					"kid = ?1 AND team = ?2 AND used_at IS NULL AND revoked_at "
					"IS NULL AND expires_at > ?3",
					&db);
		bool moved = false;
		if (st == NULL) {
			rc = CA_ERR_STORE;
		} else {
			text(st, 1, a->eab_kid);
			text(st, 2, a->team);
			sqlite3_bind_int64(st, 3, now);
			text(st, 4, a->id);
			rc = run_cas(st, db, &moved);
		}
		if (rc == CA_OK && !moved)
			rc = CA_ERR_FORBIDDEN;
	}
	if (rc == CA_OK) {
		sqlite3_stmt *st =
		    prep(s,
			 "INSERT INTO acme_accounts (id, thumbprint, kty, crv, x, y, "
			 "n, e, team, status, contact, eab_kid, created_at) VALUES "
			 "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
			 NULL);
		if (st == NULL) {
			rc = CA_ERR_STORE;
		} else {
			text(st, 1, a->id);
			text(st, 2, a->thumbprint);
			bind_jwk(st, 3, &a->jwk);
			text(st, 9, a->team);
			text(st, 10, a->status);
			text(st, 11, a->contact);
			text(st, 12, a->eab_kid[0] ? a->eab_kid : NULL);
			sqlite3_bind_int64(st, 13, a->created_at);
			rc = run(st);
		}
	}
	return finish(s, rc);
}

enum ca_err store_acme_account_update(struct store *s, const char *id, const char *contact,
				      const char *status)
{
	sqlite3 *db;
	sqlite3_stmt *st = prep(s,
				"UPDATE acme_accounts SET contact = ?2, status = ?3 WHERE id = ?1 "
				"AND status = 'valid'",
				&db);
	if (st == NULL)
		return CA_ERR_STORE;
	text(st, 1, id);
	text(st, 2, contact);
	text(st, 3, status);
	bool moved;
	enum ca_err rc = run_cas(st, db, &moved);
	return rc == CA_OK && !moved ? CA_ERR_NOT_FOUND : rc;
}

enum ca_err store_acme_account_rekey(struct store *s, const char *id,
				     const struct store_acme_jwk *jwk, const char *thumbprint)
{
	sqlite3 *db;
	sqlite3_stmt *st = prep(s,
				"UPDATE acme_accounts SET kty = ?3, crv = ?4, x = ?5, y = ?6, n = "
				"?7, e = ?8, thumbprint = ?2 WHERE id = ?1 AND status = 'valid'",
				&db);
	if (st == NULL)
		return CA_ERR_STORE;
	text(st, 1, id);
	text(st, 2, thumbprint);
	bind_jwk(st, 3, jwk);
	bool moved;
	enum ca_err rc = run_cas(st, db, &moved);
	return rc == CA_OK && !moved ? CA_ERR_NOT_FOUND : rc;
}

/* ---- orders ---- */

void store_acme_order_clear(struct store_acme_order *o)
{
	free(o->identifiers);
	o->identifiers = NULL;
}

enum ca_err store_acme_order_put(struct store *s, const struct store_acme_order *o,
				 const struct store_acme_authz *az, size_t naz,
				 const struct store_acme_chall *ch, size_t nch)
{
	enum ca_err rc;
	if ((rc = exec(s, "BEGIN IMMEDIATE")) != CA_OK)
		return rc;
	sqlite3_stmt *st = prep(s,
				"INSERT INTO acme_orders (id, account_id, status, expires_at, "
				"identifiers, replaces, created_at) VALUES (?1,?2,?3,?4,?5,?6,?7)",
				NULL);
	if (st == NULL) {
		rc = CA_ERR_STORE;
	} else {
		text(st, 1, o->id);
		text(st, 2, o->account_id);
		text(st, 3, o->status);
		sqlite3_bind_int64(st, 4, o->expires_at);
		text(st, 5, o->identifiers);
		text(st, 6, o->replaces[0] ? o->replaces : NULL);
		sqlite3_bind_int64(st, 7, o->created_at);
		rc = run(st);
	}
	for (size_t i = 0; rc == CA_OK && i < naz; i++) {
		st = prep(s,
			  "INSERT INTO acme_authz (id, order_id, account_id, type, value, "
			  "wildcard, status, expires_at, position) VALUES (?1,?2,?3,?4,?5,?6,?7,"
			  "?8,?9)",
			  NULL);
		if (st == NULL) {
			rc = CA_ERR_STORE;
			break;
		}
		text(st, 1, az[i].id);
		text(st, 2, az[i].order_id);
		text(st, 3, az[i].account_id);
		text(st, 4, az[i].type);
		text(st, 5, az[i].value);
		sqlite3_bind_int(st, 6, az[i].wildcard);
		text(st, 7, az[i].status);
		sqlite3_bind_int64(st, 8, az[i].expires_at);
		sqlite3_bind_int(st, 9, az[i].position);
		rc = run(st);
	}
	for (size_t i = 0; rc == CA_OK && i < nch; i++) {
		st = prep(s,
			  "INSERT INTO acme_challenges (id, authz_id, type, token, status, "
			  "position) VALUES (?1,?2,?3,?4,?5,?6)",
			  NULL);
		if (st == NULL) {
			rc = CA_ERR_STORE;
			break;
		}
		text(st, 1, ch[i].id);
		text(st, 2, ch[i].authz_id);
		text(st, 3, ch[i].type);
		text(st, 4, ch[i].token);
		text(st, 5, ch[i].status);
		sqlite3_bind_int(st, 6, ch[i].position);
		rc = run(st);
	}
	return finish(s, rc);
}

enum ca_err store_acme_order_get(struct store *s, const char *id, struct store_acme_order *o)
{
	sqlite3_stmt *st = prep(s,
				"SELECT id, account_id, status, expires_at, created_at, "
				"identifiers, error_type, error_detail, serial, replaces FROM "
				"acme_orders WHERE id = ?1",
				NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	text(st, 1, id);
	memset(o, 0, sizeof(*o));
	int r = sqlite3_step(st);
	enum ca_err rc = r == SQLITE_DONE ? CA_ERR_NOT_FOUND : CA_ERR_STORE;
	if (r == SQLITE_ROW) {
		o->expires_at = sqlite3_column_int64(st, 3);
		o->created_at = sqlite3_column_int64(st, 4);
		const char *ids = (const char *)sqlite3_column_text(st, 5);
		if ((o->identifiers = strdup(ids ? ids : "")) == NULL)
			rc = CA_ERR_NOMEM;
		else if (col(st, 0, o->id, sizeof(o->id)) &&
			 col(st, 1, o->account_id, sizeof(o->account_id)) &&
			 col(st, 2, o->status, sizeof(o->status)) &&
			 col(st, 6, o->error_type, sizeof(o->error_type)) &&
			 col(st, 7, o->error_detail, sizeof(o->error_detail)) &&
			 col(st, 8, o->serial, sizeof(o->serial)) &&
			 col(st, 9, o->replaces, sizeof(o->replaces)))
			rc = CA_OK;
	}
	sqlite3_finalize(st);
	if (rc != CA_OK)
		store_acme_order_clear(o);
	return rc;
}

enum ca_err store_acme_order_ids(struct store *s, const char *account_id, size_t max,
				 char (**ids)[STORE_ACME_ID], size_t *n)
{
	sqlite3_stmt *st = prep(s,
				"SELECT id FROM acme_orders WHERE account_id = ?1 ORDER BY "
				"created_at DESC, rowid DESC LIMIT ?2",
				NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	text(st, 1, account_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	char(*v)[STORE_ACME_ID] = calloc(max ? max : 1, sizeof(*v));
	size_t cnt = 0;
	enum ca_err rc = v ? CA_OK : CA_ERR_NOMEM;
	int r = SQLITE_DONE;
	while (rc == CA_OK && cnt < max && (r = sqlite3_step(st)) == SQLITE_ROW)
		if (!col(st, 0, v[cnt++], STORE_ACME_ID))
			rc = CA_ERR_STORE;
	if (rc == CA_OK && r != SQLITE_DONE && r != SQLITE_ROW)
		rc = CA_ERR_STORE;
	sqlite3_finalize(st);
	if (rc != CA_OK) {
		free(v);
		return rc;
	}
	*ids = v;
	*n = cnt;
	return CA_OK;
}

enum ca_err store_acme_order_move(struct store *s, const char *id, const char *from, const char *to,
				  const char *serial, const char *error_type,
				  const char *error_detail, bool *moved)
{
	sqlite3 *db;
	sqlite3_stmt *st =
	    prep(s,
		 "UPDATE acme_orders SET status = ?3, serial = coalesce(?4, serial), "
		 "error_type = coalesce(?5, error_type), error_detail = "
		 "coalesce(?6, error_detail) WHERE id = ?1 AND status = ?2",
		 &db);
	if (st == NULL)
		return CA_ERR_STORE;
	text(st, 1, id);
	text(st, 2, from);
	text(st, 3, to);
	text(st, 4, serial);
	text(st, 5, error_type);
	text(st, 6, error_detail);
	return run_cas(st, db, moved);
}

/* ---- authorizations ---- */

#define AUTHZ_COLS "id, order_id, account_id, type, value, wildcard, status, expires_at, position"

static bool row_authz(sqlite3_stmt *st, struct store_acme_authz *a)
{
	memset(a, 0, sizeof(*a));
	a->wildcard = sqlite3_column_int(st, 5) != 0;
	a->expires_at = sqlite3_column_int64(st, 7);
	a->position = sqlite3_column_int(st, 8);
	return col(st, 0, a->id, sizeof(a->id)) && col(st, 1, a->order_id, sizeof(a->order_id)) &&
	       col(st, 2, a->account_id, sizeof(a->account_id)) &&
	       col(st, 3, a->type, sizeof(a->type)) && col(st, 4, a->value, sizeof(a->value)) &&
	       col(st, 6, a->status, sizeof(a->status));
}

#define CHALL_COLS                                                                                 \
	"id, authz_id, type, token, status, validated_at, error_type, error_detail, position"

static bool row_chall(sqlite3_stmt *st, struct store_acme_chall *c)
{
	memset(c, 0, sizeof(*c));
	c->validated_at = sqlite3_column_int64(st, 5);
	c->position = sqlite3_column_int(st, 8);
	return col(st, 0, c->id, sizeof(c->id)) && col(st, 1, c->authz_id, sizeof(c->authz_id)) &&
	       col(st, 2, c->type, sizeof(c->type)) && col(st, 3, c->token, sizeof(c->token)) &&
	       col(st, 4, c->status, sizeof(c->status)) &&
	       col(st, 6, c->error_type, sizeof(c->error_type)) &&
	       col(st, 7, c->error_detail, sizeof(c->error_detail));
}

/* Rows of a query with one text parameter (v may be NULL: none) into an array. */
static enum ca_err rows(struct store *s, const char *sql, const char *v, size_t size,
			bool (*row)(sqlite3_stmt *, void *), void **out, size_t *n)
{
	sqlite3_stmt *st = prep(s, sql, NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	if (v != NULL)
		text(st, 1, v);
	unsigned char *arr = NULL;
	size_t cnt = 0, cap = 0;
	enum ca_err rc = CA_OK;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			size_t nc = cap ? 2 * cap : 4;
			unsigned char *na = realloc(arr, nc * size);
			if (na == NULL) {
				rc = CA_ERR_NOMEM;
				break;
			}
			arr = na;
			cap = nc;
		}
		if (!row(st, arr + cnt++ * size)) {
			rc = CA_ERR_STORE;
			break;
		}
	}
	if (rc == CA_OK && r != SQLITE_DONE)
		rc = CA_ERR_STORE;
	sqlite3_finalize(st);
	if (rc != CA_OK) {
		free(arr);
		return rc;
	}
	*out = arr;
	*n = cnt;
	return CA_OK;
}

static bool row_authz_v(sqlite3_stmt *st, void *p)
{
	return row_authz(st, p);
}

static bool row_chall_v(sqlite3_stmt *st, void *p)
{
	return row_chall(st, p);
}

static enum ca_err one(struct store *s, const char *sql, const char *v, size_t size,
		       bool (*row)(sqlite3_stmt *, void *), void *out)
{
	void *arr = NULL;
	size_t n = 0;
	enum ca_err rc = rows(s, sql, v, size, row, &arr, &n);
	if (rc == CA_OK && n == 0)
		rc = CA_ERR_NOT_FOUND;
	if (rc == CA_OK)
		memcpy(out, arr, size);
	free(arr);
	return rc;
}

enum ca_err store_acme_authz_get(struct store *s, const char *id, struct store_acme_authz *out)
{
	return one(s, "SELECT " AUTHZ_COLS " FROM acme_authz WHERE id = ?1", id, sizeof(*out),
		   row_authz_v, out);
}

enum ca_err store_acme_authz_list(struct store *s, const char *order_id,
				  struct store_acme_authz **out, size_t *n)
{
	return rows(s,
		    "SELECT " AUTHZ_COLS " FROM acme_authz WHERE order_id = ?1 ORDER BY position",
		    order_id, sizeof(**out), row_authz_v, (void **)out, n);
}

enum ca_err store_acme_authz_move(struct store *s, const char *id, const char *from, const char *to,
				  bool *moved)
{
	sqlite3 *db;
	sqlite3_stmt *st =
	    prep(s, "UPDATE acme_authz SET status = ?3 WHERE id = ?1 AND status = ?2", &db);
	if (st == NULL)
		return CA_ERR_STORE;
	text(st, 1, id);
	text(st, 2, from);
	text(st, 3, to);
	return run_cas(st, db, moved);
}

/* ---- challenges ---- */

enum ca_err store_acme_chall_get(struct store *s, const char *id, struct store_acme_chall *out)
{
	return one(s, "SELECT " CHALL_COLS " FROM acme_challenges WHERE id = ?1", id, sizeof(*out),
		   row_chall_v, out);
}

enum ca_err store_acme_chall_list(struct store *s, const char *authz_id,
				  struct store_acme_chall **out, size_t *n)
{
	return rows(s,
		    "SELECT " CHALL_COLS " FROM acme_challenges WHERE authz_id = ?1 ORDER BY "
		    "position",
		    authz_id, sizeof(**out), row_chall_v, (void **)out, n);
}

enum ca_err store_acme_chall_move(struct store *s, const char *id, const char *from, const char *to,
				  const char *error_type, const char *error_detail,
				  int64_t validated_at, bool *moved)
{
	sqlite3 *db;
	sqlite3_stmt *st = prep(s,
				"UPDATE acme_challenges SET status = ?3, error_type = coalesce(?4, "
				"error_type), error_detail = coalesce(?5, error_detail), "
				"validated_at = CASE WHEN ?6 > 0 THEN ?6 ELSE validated_at END "
				"WHERE id = ?1 AND status = ?2",
				&db);
	if (st == NULL)
		return CA_ERR_STORE;
	text(st, 1, id);
	text(st, 2, from);
	text(st, 3, to);
	text(st, 4, error_type);
	text(st, 5, error_detail);
	sqlite3_bind_int64(st, 6, validated_at);
	return run_cas(st, db, moved);
}

enum ca_err store_acme_chall_processing(struct store *s, struct store_acme_chall **out, size_t *n)
{
	/* The ACME state is SQLite's alone until it moves into store.h's ops:
	 * another store has no challenge in flight (its ACME requests fail). */
	if (strcmp(s->ops->scheme, "sqlite") != 0) {
		*out = NULL;
		*n = 0;
		return CA_OK;
	}
	return rows(s,
		    "SELECT " CHALL_COLS " FROM acme_challenges WHERE status = 'processing' "
		    "ORDER BY id",
		    NULL, sizeof(**out), row_chall_v, (void **)out, n);
}
