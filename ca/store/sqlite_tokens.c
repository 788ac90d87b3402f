/*
 * The code in this file implements the SQLite store's team tokens
 * (sqlite_int.h). A token's row and its event are one write: both go
 * through the writer as one job, in one savepoint of its transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "rows.h"
#include "errors.h"
#include "sqlite_int.h"

#define TOKEN_COLS                                                                                 \
	"name, allow, allow_ip, allow_wildcard, max_days, profiles, admin, created_at, revoked_at"

static struct sq_sql q_token_put =
    SQ_SQL("INSERT INTO tokens (name, sha256, allow, allow_ip, allow_wildcard, max_days, "
	   "profiles, admin, created_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)");
static struct sq_sql q_token_by_hash =
    SQ_SQL("SELECT " TOKEN_COLS " FROM tokens WHERE sha256 = ?1 AND revoked_at IS NULL");
static struct sq_sql q_token_by_name =
    SQ_SQL("SELECT " TOKEN_COLS " FROM tokens WHERE name = ?1 AND revoked_at IS NULL");
static struct sq_sql q_token_list = SQ_SQL("SELECT " TOKEN_COLS " FROM tokens ORDER BY name");
static struct sq_sql q_token_revoke =
    SQ_SQL("UPDATE tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL");

struct token_put {
	const struct store_token *t;
	const char *hash, *allow, *allow_ip;
};

static enum ca_err run_token_put(struct sq_store *s, const void *arg, struct ca_error *err)
{
	const struct token_put *a = arg;
	const struct store_token *t = a->t;
	sqlite3_stmt *st = sq_stmt(s, &q_token_put, NULL);
	if (st == NULL)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	sq_bind_text(st, 1, t->name);
	sq_bind_text(st, 2, a->hash);
	sq_bind_text(st, 3, a->allow);
	sq_bind_text(st, 4, a->allow_ip);
	sqlite3_bind_int(st, 5, t->allow_wildcard);
	sqlite3_bind_int(st, 6, t->max_days);
	sqlite3_bind_int(st, 7, (int)t->profiles);
	sqlite3_bind_int(st, 8, t->admin);
	sqlite3_bind_int64(st, 9, t->created_at);
	int r = sqlite3_step(st);
	sq_done(st);
	if (r == SQLITE_CONSTRAINT)
		return ca_fail(err, CA_ERR_EXISTS, "a token named '%s' exists already", t->name);
	if (r != SQLITE_DONE || sq_event_insert(s, t->created_at, "token-create", NULL, t->name,
						t->admin ? "admin" : "") != CA_OK)
		return ca_fail(err, CA_ERR_STORE, "the token could not be stored");
	return CA_OK;
}

enum ca_err sq_token_put(struct store *base, const struct store_token *t, const char *sha256_hex,
			 struct ca_error *err)
{
	char *allow = rows_join(t->allow, t->nallow, '\n');
	char *allow_ip = rows_join(t->allow_ip, t->nallow_ip, '\n');
	enum ca_err rc;
	if (allow == NULL || allow_ip == NULL) {
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
	} else {
		struct token_put a = {t, sha256_hex, allow, allow_ip};
		struct sq_job j = {.run = run_token_put, .arg = &a, .err = err};
		rc = sq_submit(sq_of(base), &j);
	}
	free(allow);
	free(allow_ip);
	return rc;
}

static struct store_token *row_token(sqlite3_stmt *st)
{
	struct store_token *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	if ((t->name = strdup(sq_col_text(st, 0))) == NULL ||
	    !rows_split(sq_col_text(st, 1), '\n', &t->allow, &t->nallow) ||
	    !rows_split(sq_col_text(st, 2), '\n', &t->allow_ip, &t->nallow_ip)) {
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

/* The live token whose column (by statement) is key. */
static enum ca_err token_one(struct store *base, struct sq_sql *q, const char *key,
			     struct store_token **out)
{
	sqlite3_stmt *st = sq_stmt(sq_of(base), q, NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	sq_bind_text(st, 1, key);
	int r = sqlite3_step(st);
	enum ca_err rc = CA_OK;
	if (r == SQLITE_ROW) {
		if ((*out = row_token(st)) == NULL)
			rc = CA_ERR_NOMEM;
	} else {
		rc = r == SQLITE_DONE ? CA_ERR_NOT_FOUND : CA_ERR_STORE;
	}
	sq_done(st);
	return rc;
}

enum ca_err sq_token_by_hash(struct store *base, const char *sha256_hex, struct store_token **out)
{
	return token_one(base, &q_token_by_hash, sha256_hex, out);
}

enum ca_err sq_token_by_name(struct store *base, const char *name, struct store_token **out)
{
	return token_one(base, &q_token_by_name, name, out);
}

enum ca_err sq_token_list(struct store *base, struct store_token ***out, size_t *n)
{
	sqlite3_stmt *st = sq_stmt(sq_of(base), &q_token_list, NULL);
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
	sq_done(st);
	if (rc != CA_OK) {
		store_token_list_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return CA_OK;
}

struct token_revoke {
	const char *name;
	int64_t at;
};

static enum ca_err run_token_revoke(struct sq_store *s, const void *arg, struct ca_error *err)
{
	const struct token_revoke *a = arg;
	struct sq_conn *c = NULL;
	sqlite3_stmt *st = sq_stmt(s, &q_token_revoke, &c);
	if (st == NULL)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	sq_bind_text(st, 1, a->name);
	sqlite3_bind_int64(st, 2, a->at);
	int r = sqlite3_step(st);
	sq_done(st);
	if (r != SQLITE_DONE)
		return ca_fail(err, CA_ERR_STORE, "the token could not be revoked");
	if (sqlite3_changes(c->db) == 0)
		return ca_fail(err, CA_ERR_NOT_FOUND, "no live token named '%s'", a->name);
	if (sq_event_insert(s, a->at, "token-revoke", NULL, a->name, "") != CA_OK)
		return ca_fail(err, CA_ERR_STORE, "the token could not be revoked");
	return CA_OK;
}

enum ca_err sq_token_revoke(struct store *base, const char *name, int64_t at, struct ca_error *err)
{
	struct token_revoke a = {name, at};
	struct sq_job j = {.run = run_token_revoke, .arg = &a, .err = err};
	return sq_submit(sq_of(base), &j);
}
