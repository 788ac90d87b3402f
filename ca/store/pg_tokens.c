/*
 * The code in this file implements the PostgreSQL store's team tokens
 * (pg_int.h). A token's row and its event are one transaction, on a pooled
 * connection (tokens are rare: they need no group commit).
 */
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "pg_int.h"
#include "rows.h"

#define TOKEN_COLS                                                                                 \
	"name, allow, allow_ip, allow_wildcard, max_days, profiles, admin, created_at, revoked_at"

static enum ca_err token_insert(PGconn *c, const struct store_token *t, const char *hash,
				const char *allow, const char *allow_ip, struct ca_error *err)
{
	struct pg_query q = {0};
	pg_sql(&q, "INSERT INTO tokens (name, sha256, allow, allow_ip, allow_wildcard, max_days, "
		   "profiles, admin, created_at) VALUES (");
	pg_text(&q, t->name);
	pg_sql(&q, ",");
	pg_text(&q, hash);
	pg_sql(&q, ",");
	pg_text(&q, allow);
	pg_sql(&q, ",");
	pg_text(&q, allow_ip);
	pg_sql(&q, ",");
	pg_int(&q, t->allow_wildcard);
	pg_sql(&q, ",");
	pg_int(&q, t->max_days);
	pg_sql(&q, ",");
	pg_int(&q, (int64_t)t->profiles);
	pg_sql(&q, ",");
	pg_int(&q, t->admin);
	pg_sql(&q, ",");
	pg_int(&q, t->created_at);
	pg_sql(&q, ")");
	enum ca_err rc = pg_run(c, &q, NULL, err);
	if (rc == CA_ERR_EXISTS)
		return ca_fail(err, CA_ERR_EXISTS, "a token named '%s' exists already", t->name);
	if (rc == CA_OK)
		rc = pg_event_insert(c, t->created_at, "token-create", NULL, t->name,
				     t->admin ? "admin" : "");
	if (rc != CA_OK && rc != CA_ERR_UNAVAILABLE)
		rc = ca_fail(err, CA_ERR_STORE, "the token could not be stored");
	return rc;
}

enum ca_err pg_token_put(struct store *base, const struct store_token *t, const char *sha256_hex,
			 struct ca_error *err)
{
	struct pg_store *s = pg_of(base);
	char *allow = rows_join(t->allow, t->nallow, '\n');
	char *allow_ip = rows_join(t->allow_ip, t->nallow_ip, '\n');
	struct pg_conn *c = NULL;
	enum ca_err rc;
	if (allow == NULL || allow_ip == NULL) {
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((c = pg_get(s, err)) == NULL) {
		rc = CA_ERR_UNAVAILABLE;
		goto out;
	}
	if ((rc = pg_begin(c->db, err)) == CA_OK)
		rc = pg_end(c->db, token_insert(c->db, t, sha256_hex, allow, allow_ip, err), err);
	pg_put(s, c);
out:
	free(allow);
	free(allow_ip);
	return rc;
}

static struct store_token *row_token(const PGresult *r, int i)
{
	struct store_token *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	if ((t->name = strdup(pg_str(r, i, 0))) == NULL ||
	    !rows_split(pg_str(r, i, 1), '\n', &t->allow, &t->nallow) ||
	    !rows_split(pg_str(r, i, 2), '\n', &t->allow_ip, &t->nallow_ip)) {
		store_token_free(t);
		return NULL;
	}
	t->allow_wildcard = pg_num(r, i, 3) != 0;
	t->max_days = (int)pg_num(r, i, 4);
	t->profiles = (unsigned)pg_num(r, i, 5);
	t->admin = pg_num(r, i, 6) != 0;
	t->created_at = pg_num(r, i, 7);
	t->revoked_at = pg_num(r, i, 8);
	return t;
}

/* The tokens q selects, on a pooled connection: *r (PQclear it). */
static enum ca_err token_rows(struct pg_store *s, const struct pg_query *q, PGresult **r)
{
	struct pg_conn *c = pg_get(s, NULL);
	if (c == NULL)
		return CA_ERR_UNAVAILABLE;
	enum ca_err rc = pg_run(c->db, q, r, NULL);
	pg_put(s, c);
	return rc;
}

/* The live token whose column `col` (a constant) is key. */
static enum ca_err token_one(struct store *base, const char *col, const char *key,
			     struct store_token **out)
{
	struct pg_query q = {0};
	PGresult *r;
	pg_sql(&q, "SELECT " TOKEN_COLS " FROM tokens WHERE revoked_at IS NULL AND ");
	pg_sql(&q, col);
	pg_sql(&q, " = ");
	pg_text(&q, key);
	enum ca_err rc = token_rows(pg_of(base), &q, &r);
	if (rc != CA_OK)
		return rc;
	if (PQntuples(r) == 0)
		rc = CA_ERR_NOT_FOUND;
	else if ((*out = row_token(r, 0)) == NULL)
		rc = CA_ERR_NOMEM;
	PQclear(r);
	return rc;
}

enum ca_err pg_token_by_hash(struct store *base, const char *sha256_hex, struct store_token **out)
{
	return token_one(base, "sha256", sha256_hex, out);
}

enum ca_err pg_token_by_name(struct store *base, const char *name, struct store_token **out)
{
	return token_one(base, "name", name, out);
}

enum ca_err pg_token_list(struct store *base, struct store_token ***out, size_t *n)
{
	struct pg_query q = {0};
	PGresult *r;
	/* COLLATE "C": byte order, as SQLite's BINARY orders the names. */
	pg_sql(&q, "SELECT " TOKEN_COLS " FROM tokens ORDER BY name COLLATE \"C\"");
	enum ca_err rc = token_rows(pg_of(base), &q, &r);
	if (rc != CA_OK)
		return rc;
	int rows = PQntuples(r);
	size_t cnt = 0;
	struct store_token **v = calloc((size_t)rows + 1, sizeof(*v));
	if (v == NULL)
		rc = CA_ERR_NOMEM;
	for (int i = 0; rc == CA_OK && i < rows; i++) {
		if ((v[cnt] = row_token(r, i)) == NULL)
			rc = CA_ERR_NOMEM;
		else
			cnt++;
	}
	PQclear(r);
	if (rc != CA_OK) {
		store_token_list_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return CA_OK;
}

static enum ca_err token_mark(PGconn *c, const char *name, int64_t at, struct ca_error *err)
{
	struct pg_query q = {0};
	PGresult *r;
	pg_sql(&q, "UPDATE tokens SET revoked_at = ");
	pg_int(&q, at);
	pg_sql(&q, " WHERE name = ");
	pg_text(&q, name);
	pg_sql(&q, " AND revoked_at IS NULL");
	enum ca_err rc = pg_run(c, &q, &r, err);
	if (rc != CA_OK)
		return rc;
	bool changed = pg_changes(r) > 0;
	PQclear(r);
	if (!changed)
		return ca_fail(err, CA_ERR_NOT_FOUND, "no live token named '%s'", name);
	if (pg_event_insert(c, at, "token-revoke", NULL, name, "") != CA_OK)
		return ca_fail(err, CA_ERR_STORE, "the token could not be revoked");
	return CA_OK;
}

enum ca_err pg_token_revoke(struct store *base, const char *name, int64_t at, struct ca_error *err)
{
	struct pg_store *s = pg_of(base);
	struct pg_conn *c = pg_get(s, err);
	if (c == NULL)
		return CA_ERR_UNAVAILABLE;
	enum ca_err rc = pg_begin(c->db, err);
	if (rc == CA_OK)
		rc = pg_end(c->db, token_mark(c->db, name, at, err), err);
	pg_put(s, c);
	return rc;
}
