/*
 * The code in this file implements the ACME tables of the PostgreSQL store
 * (store_acme.h, schema/postgres/005_acme.sql) the way pg_int.h says a part
 * of this store does it: constant SQL with bound parameters; reads on a
 * pooled connection; every write a job of the group-commit writer, so it
 * shares its commit with the certificate writes, runs in a savepoint of its
 * own and returns only once durable.
 *
 * Several nodes write the same rows, so no write reads first and decides
 * in C: each spend and each move is one statement whose WHERE states the
 * state it leaves (nonce unexpired, key unused, status = from). PostgreSQL
 * locks the row and evaluates that WHERE again on the newest version when
 * another transaction changed it meanwhile (READ COMMITTED), so of two
 * nodes at most one changes the row, and the other sees no row changed.
 * Ids are compared and ordered byte-wise (COLLATE "C"), as SQLite does.
 */
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "pg_int.h"
#include "store_acme.h"

/* ---- statements ---- */

static const char q_nonce_put[] = "INSERT INTO acme_nonces (nonce, expires_at) VALUES ($1, $2)";
static const char q_nonce_take[] = "DELETE FROM acme_nonces WHERE nonce = $1 AND expires_at >= $2";
/* SKIP LOCKED: a sweep never waits for, nor deadlocks with, another node's. */
static const char q_nonce_sweep[] =
    "DELETE FROM acme_nonces WHERE nonce IN (SELECT nonce FROM acme_nonces "
    "WHERE expires_at < $1 LIMIT 1000 FOR UPDATE SKIP LOCKED)";

#define EAB_COLS "kid, team, created_at, expires_at, used_at, account_id, revoked_at"
static const char q_eab_put[] =
    "INSERT INTO acme_eab (kid, team, created_at, expires_at) VALUES ($1, $2, $3, $4)";
static const char q_eab_get[] = "SELECT " EAB_COLS " FROM acme_eab WHERE kid = $1";
static const char q_eab_list[] = "SELECT " EAB_COLS " FROM acme_eab WHERE team = $1 "
				 "ORDER BY created_at, kid COLLATE \"C\"";
static const char q_eab_revoke[] =
    "UPDATE acme_eab SET revoked_at = $2 WHERE kid = $1 AND revoked_at IS NULL";
static const char q_eab_spend[] =
    "UPDATE acme_eab SET used_at = $3::bigint, account_id = $4 WHERE kid = $1 AND team = $2 "
    "AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $3::bigint";

/* A revoked token is no open team. */
static const char q_open_team[] =
    "SELECT o.team FROM acme_open_team o JOIN tokens t ON t.name = o.team "
    "WHERE o.id = 1 AND t.revoked_at IS NULL";
/* Taken only when the row holds this team, or a team whose token is
 * revoked: the check and the write are one statement (no row: refused). */
static const char q_open_team_set[] =
    "INSERT INTO acme_open_team AS o (id, team) VALUES (1, $1) ON CONFLICT (id) DO UPDATE "
    "SET team = EXCLUDED.team WHERE o.team = EXCLUDED.team OR NOT EXISTS (SELECT 1 FROM "
    "tokens t WHERE t.name = o.team AND t.revoked_at IS NULL)";

/* The team's live token decides whether an account may act (design 10). */
#define ACCOUNT_SELECT                                                                             \
	"SELECT a.id, a.thumbprint, a.kty, a.crv, a.x, a.y, a.n, a.e, a.team, "                    \
	"CASE WHEN a.status = 'valid' AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.name = "      \
	"a.team AND t.revoked_at IS NULL) THEN 'deactivated' ELSE a.status END, a.contact, "       \
	"a.eab_kid, a.created_at FROM acme_accounts a "
static const char q_account_get[] = ACCOUNT_SELECT "WHERE a.id = $1";
static const char q_account_by_tp[] = ACCOUNT_SELECT "WHERE a.thumbprint = $1";
static const char q_account_put[] =
    "INSERT INTO acme_accounts (id, thumbprint, kty, crv, x, y, n, e, team, status, "
    "contact, eab_kid, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)";
static const char q_account_update[] =
    "UPDATE acme_accounts SET contact = $2, status = $3 WHERE id = $1 AND status = 'valid'";
static const char q_account_rekey[] =
    "UPDATE acme_accounts SET thumbprint = $2, kty = $3, crv = $4, x = $5, y = $6, "
    "n = $7, e = $8 WHERE id = $1 AND status = 'valid'";

static const char q_order_put[] =
    "INSERT INTO acme_orders (id, account_id, status, expires_at, identifiers, "
    "replaces, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)";
static const char q_order_get[] =
    "SELECT id, account_id, status, expires_at, created_at, identifiers, error_type, "
    "error_detail, serial, replaces FROM acme_orders WHERE id = $1";
/* Pages by (created_at, id), both descending: the order of every engine. */
static const char q_order_ids[] =
    "SELECT id FROM acme_orders WHERE account_id = $1 AND ($2::text = '' OR "
    "(created_at, id COLLATE \"C\") < (SELECT created_at, id FROM acme_orders WHERE id = $2 "
    "AND account_id = $1)) ORDER BY created_at DESC, id COLLATE \"C\" DESC LIMIT $3";
static const char q_order_move[] =
    "UPDATE acme_orders SET status = $3, serial = coalesce($4, serial), "
    "error_type = coalesce($5, error_type), error_detail = coalesce($6, error_detail) "
    "WHERE id = $1 AND status = $2";

#define AUTHZ_COLS "id, order_id, account_id, type, value, wildcard, status, expires_at, position"
static const char q_authz_put[] =
    "INSERT INTO acme_authz (id, order_id, account_id, type, value, wildcard, status, "
    "expires_at, position) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)";
static const char q_authz_get[] = "SELECT " AUTHZ_COLS " FROM acme_authz WHERE id = $1";
static const char q_authz_list[] =
    "SELECT " AUTHZ_COLS " FROM acme_authz WHERE order_id = $1 ORDER BY position";
static const char q_authz_valid[] =
    "SELECT " AUTHZ_COLS " FROM acme_authz WHERE account_id = $1 AND type = $2 AND "
    "value = $3 AND wildcard = $4 AND status = 'valid' AND expires_at > $5 "
    "ORDER BY expires_at DESC, id COLLATE \"C\" LIMIT 1";
static const char q_authz_move[] =
    "UPDATE acme_authz SET status = $3 WHERE id = $1 AND status = $2";

#define CHALL_COLS                                                                                 \
	"id, authz_id, type, token, status, validated_at, error_type, error_detail, position"
static const char q_chall_put[] =
    "INSERT INTO acme_challenges (id, authz_id, type, token, status, validated_at, "
    "error_type, error_detail, position) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)";
static const char q_chall_get[] = "SELECT " CHALL_COLS " FROM acme_challenges WHERE id = $1";
static const char q_chall_list[] =
    "SELECT " CHALL_COLS " FROM acme_challenges WHERE authz_id = $1 ORDER BY position";
static const char q_chall_move[] =
    "UPDATE acme_challenges SET status = $3, error_type = coalesce($4, error_type), "
    "error_detail = coalesce($5, error_detail), validated_at = CASE WHEN $6::bigint > 0 "
    "THEN $6::bigint ELSE validated_at END WHERE id = $1 AND status = $2";
/* chall_validated ($1: the challenge's id): the order's row locked first,
 * then the three moves. */
static const char q_validated_lock[] =
    "SELECT 1 FROM acme_orders WHERE id = (SELECT a.order_id FROM acme_authz a JOIN "
    "acme_challenges c ON c.authz_id = a.id WHERE c.id = $1) FOR UPDATE";
static const char q_validated_authz[] =
    "UPDATE acme_authz SET status = 'valid' WHERE id = (SELECT authz_id FROM acme_challenges "
    "WHERE id = $1) AND status = 'pending'";
static const char q_validated_order[] =
    "UPDATE acme_orders o SET status = 'ready' WHERE id = (SELECT a.order_id FROM acme_authz a "
    "JOIN acme_challenges c ON c.authz_id = a.id WHERE c.id = $1) AND status = 'pending' AND "
    "NOT EXISTS (SELECT 1 FROM acme_authz z WHERE z.order_id = o.id AND z.status <> 'valid')";
static const char q_chall_processing[] = "SELECT " CHALL_COLS " FROM acme_challenges "
					 "WHERE status = 'processing' ORDER BY id COLLATE \"C\"";

/* ---- bound values and statements ---- */

/* One parameter: text (NULL binds NULL) or, with num set, an integer. */
struct val {
	const char *text;
	int64_t n;
	bool num;
};
#define VT(x)                                                                                      \
	{                                                                                          \
		.text = (x)                                                                        \
	}
#define VN(x)                                                                                      \
	{                                                                                          \
		.n = (x), .num = true                                                              \
	}
/* Text that is NULL when empty (optional columns). */
#define VO(x)                                                                                      \
	{                                                                                          \
		.text = (x)[0] != '\0' ? (x) : NULL                                                \
	}

/* sql (constant, its parameters written $1..$n) on c with v[0..n) bound;
 * *changes (if not NULL) the rows it changed, *res (if not NULL) its rows. */
static enum ca_err run_q(PGconn *c, const char *sql, const struct val *v, int n, int64_t *changes,
			 PGresult **res)
{
	struct pg_query q = {0};
	PGresult *r = NULL;
	pg_sql(&q, sql);
	for (int i = 0; i < n; i++) {
		if (v[i].num)
			pg_bind_int(&q, v[i].n);
		else
			pg_bind_text(&q, v[i].text);
	}
	enum ca_err rc = pg_run(c, &q, &r, NULL);
	if (changes != NULL)
		*changes = rc == CA_OK ? pg_changes(r) : 0;
	if (res != NULL && rc == CA_OK)
		*res = r;
	else
		PQclear(r);
	return rc;
}

/* A single-statement write for the writer: sql with v[0..n). */
struct write {
	const char *sql;
	const struct val *v;
	int n;
	int64_t *changes;
};

static enum ca_err run_write(struct pg_store *s, PGconn *c, const void *arg, struct ca_error *err)
{
	const struct write *w = arg;
	(void)s;
	(void)err;
	return run_q(c, w->sql, w->v, w->n, w->changes, NULL);
}

/* How a job's group commits: DURABLE, flushed before any job of it
 * returns; LIGHT, needing no flush of its own (pg_job.light), for nonces. */
enum commit { DURABLE, LIGHT };

/* Run job `run` with arg through the writer, committed as `how` says. */
static enum ca_err submit(struct store *base,
			  enum ca_err (*run)(struct pg_store *, PGconn *, const void *,
					     struct ca_error *),
			  const void *arg, enum commit how)
{
	struct ca_error err = {0};
	struct pg_job j = {.run = run, .arg = arg, .err = &err, .light = how == LIGHT};
	return pg_submit(pg_of(base), &j);
}

/* sql with v[0..n) through the writer; *changes the rows it changed. */
static enum ca_err write_q(struct store *base, const char *sql, const struct val *v, int n,
			   int64_t *changes)
{
	struct write w = {sql, v, n, changes};
	return submit(base, run_write, &w, DURABLE);
}

/* A compare-and-set write: *moved = it changed a row (and was committed). */
static enum ca_err cas_q(struct store *base, const char *sql, const struct val *v, int n,
			 bool *moved)
{
	int64_t changes = 0;
	enum ca_err rc = write_q(base, sql, v, n, &changes);
	*moved = rc == CA_OK && changes > 0;
	return rc;
}

/* Column k of row i into a fixed field; false if it does not fit. NULL reads as "". */
static bool col(const PGresult *r, int i, int k, char *out, size_t cap)
{
	size_t n = (size_t)PQgetlength(r, i, k);
	if (n >= cap)
		return false;
	memcpy(out, PQgetvalue(r, i, k), n);
	out[n] = '\0';
	return true;
}

/*
 * The rows of sql (v[0..n) bound) on a pooled connection, each read by row
 * into an array of elements of `size` bytes; *out freed with free() (NULL
 * when there are none). A row that does not fit is CA_ERR_STORE.
 */
static enum ca_err read_rows(struct store *base, const char *sql, const struct val *v, int n,
			     size_t size, bool (*row)(const PGresult *, int, void *), void **out,
			     size_t *cnt)
{
	struct pg_store *s = pg_of(base);
	PGresult *r = NULL;
	struct pg_conn *c = pg_get(s, NULL);
	if (c == NULL)
		return CA_ERR_UNAVAILABLE;
	enum ca_err rc = run_q(c->db, sql, v, n, NULL, &r);
	pg_put(s, c);
	if (rc != CA_OK)
		return rc;
	size_t rows = (size_t)PQntuples(r);
	unsigned char *arr = NULL;
	if (rows > 0 && (arr = calloc(rows, size)) == NULL)
		rc = CA_ERR_NOMEM;
	for (size_t i = 0; rc == CA_OK && i < rows; i++)
		if (!row(r, (int)i, arr + i * size))
			rc = CA_ERR_STORE;
	PQclear(r);
	if (rc != CA_OK) {
		free(arr);
		return rc;
	}
	*out = arr;
	*cnt = rows;
	return CA_OK;
}

/* The first row of sql into out (size bytes); CA_ERR_NOT_FOUND if none. */
static enum ca_err read_one(struct store *base, const char *sql, const struct val *v, int n,
			    size_t size, bool (*row)(const PGresult *, int, void *), void *out)
{
	void *arr = NULL;
	size_t k = 0;
	enum ca_err rc = read_rows(base, sql, v, n, size, row, &arr, &k);
	if (rc == CA_OK && k == 0)
		rc = CA_ERR_NOT_FOUND;
	if (rc == CA_OK)
		memcpy(out, arr, size);
	free(arr);
	return rc;
}

/* ---- nonces ---- */

/* Nonces are written without a flush of their own (pg_job.light): at
 * most a crash of the server forgets one (its client retries one badNonce,
 * RFC 8555 6.5) or brings back one spent nonce whose request's effects
 * were then lost as well. Other nodes see a new nonce at once. */
static enum ca_err nonce_put(struct store *s, const char *nonce, int64_t expires_at)
{
	const struct val v[] = {VT(nonce), VN(expires_at)};
	struct write w = {q_nonce_put, v, 2, NULL};
	return submit(s, run_write, &w, LIGHT);
}

struct nonce_take {
	const char *nonce;
	int64_t now;
	int64_t *taken;
};

static enum ca_err run_nonce_take(struct pg_store *s, PGconn *c, const void *arg,
				  struct ca_error *err)
{
	const struct nonce_take *a = arg;
	const struct val v[] = {VT(a->nonce), VN(a->now)};
	(void)s;
	(void)err;
	enum ca_err rc = run_q(c, q_nonce_take, v, 2, a->taken, NULL);
	/* Sweep the expired ones now and then: nonces are base64url, so one
	 * take in 64 starts with 'A'. */
	if (rc == CA_OK && a->nonce[0] == 'A') {
		const struct val w[] = {VN(a->now)};
		rc = run_q(c, q_nonce_sweep, w, 1, NULL, NULL);
	}
	return rc;
}

static enum ca_err nonce_take(struct store *s, const char *nonce, int64_t now, bool *ok)
{
	int64_t taken = 0;
	struct nonce_take a = {nonce, now, &taken};
	enum ca_err rc = submit(s, run_nonce_take, &a, LIGHT);
	*ok = rc == CA_OK && taken > 0;
	return rc;
}

/* ---- EAB ---- */

static bool row_eab(const PGresult *r, int i, void *p)
{
	struct store_acme_eab *e = p;
	e->created_at = pg_num(r, i, 2);
	e->expires_at = pg_num(r, i, 3);
	e->used_at = pg_num(r, i, 4);
	e->revoked_at = pg_num(r, i, 6);
	return col(r, i, 0, e->kid, sizeof(e->kid)) && col(r, i, 1, e->team, sizeof(e->team)) &&
	       col(r, i, 5, e->account_id, sizeof(e->account_id));
}

static enum ca_err eab_put(struct store *s, const struct store_acme_eab *e)
{
	const struct val v[] = {VT(e->kid), VT(e->team), VN(e->created_at), VN(e->expires_at)};
	return write_q(s, q_eab_put, v, 4, NULL);
}

static enum ca_err eab_get(struct store *s, const char *kid, struct store_acme_eab *out)
{
	const struct val v[] = {VT(kid)};
	return read_one(s, q_eab_get, v, 1, sizeof(*out), row_eab, out);
}

static enum ca_err eab_list(struct store *s, const char *team, struct store_acme_eab **out,
			    size_t *n)
{
	const struct val v[] = {VT(team)};
	return read_rows(s, q_eab_list, v, 1, sizeof(**out), row_eab, (void **)out, n);
}

static enum ca_err eab_revoke(struct store *s, const char *kid, int64_t at)
{
	const struct val v[] = {VT(kid), VN(at)};
	bool moved;
	enum ca_err rc = cas_q(s, q_eab_revoke, v, 2, &moved);
	return rc == CA_OK && !moved ? CA_ERR_NOT_FOUND : rc;
}

/* ---- the open team ---- */

static bool row_team(const PGresult *r, int i, void *p)
{
	return col(r, i, 0, p, 65);
}

static enum ca_err open_team(struct store *s, char out[65])
{
	enum ca_err rc = read_one(s, q_open_team, NULL, 0, 65, row_team, out);
	if (rc == CA_ERR_NOT_FOUND) {
		out[0] = '\0';
		rc = CA_OK;
	}
	return rc;
}

static enum ca_err open_team_set(struct store *s, const char *team)
{
	const struct val v[] = {VT(team)};
	bool moved;
	enum ca_err rc = cas_q(s, q_open_team_set, v, 1, &moved);
	return rc == CA_OK && !moved ? CA_ERR_EXISTS : rc;
}

/* ---- accounts ---- */

static bool row_account(const PGresult *r, int i, void *p)
{
	struct store_acme_account *a = p;
	a->created_at = pg_num(r, i, 12);
	return col(r, i, 0, a->id, sizeof(a->id)) &&
	       col(r, i, 1, a->thumbprint, sizeof(a->thumbprint)) &&
	       col(r, i, 2, a->jwk.kty, sizeof(a->jwk.kty)) &&
	       col(r, i, 3, a->jwk.crv, sizeof(a->jwk.crv)) &&
	       col(r, i, 4, a->jwk.x, sizeof(a->jwk.x)) &&
	       col(r, i, 5, a->jwk.y, sizeof(a->jwk.y)) &&
	       col(r, i, 6, a->jwk.n, sizeof(a->jwk.n)) &&
	       col(r, i, 7, a->jwk.e, sizeof(a->jwk.e)) && col(r, i, 8, a->team, sizeof(a->team)) &&
	       col(r, i, 9, a->status, sizeof(a->status)) &&
	       col(r, i, 10, a->contact, sizeof(a->contact)) &&
	       col(r, i, 11, a->eab_kid, sizeof(a->eab_kid));
}

static enum ca_err account_get(struct store *s, const char *id, struct store_acme_account *out)
{
	const struct val v[] = {VT(id)};
	return read_one(s, q_account_get, v, 1, sizeof(*out), row_account, out);
}

static enum ca_err account_by_thumbprint(struct store *s, const char *thumbprint,
					 struct store_acme_account *out)
{
	const struct val v[] = {VT(thumbprint)};
	return read_one(s, q_account_by_tp, v, 1, sizeof(*out), row_account, out);
}

struct account_put {
	const struct store_acme_account *a;
	int64_t now;
};

/* The EAB key spent and the account inserted, in this job's savepoint: a
 * taken thumbprint rolls the spend back with it. */
static enum ca_err run_account_put(struct pg_store *s, PGconn *c, const void *arg,
				   struct ca_error *err)
{
	const struct account_put *p = arg;
	const struct store_acme_account *a = p->a;
	enum ca_err rc;
	(void)s;
	(void)err;
	if (a->eab_kid[0] != '\0') {
		const struct val v[] = {VT(a->eab_kid), VT(a->team), VN(p->now), VT(a->id)};
		int64_t changes = 0;
		if ((rc = run_q(c, q_eab_spend, v, 4, &changes, NULL)) != CA_OK)
			return rc;
		if (changes == 0)
			return CA_ERR_FORBIDDEN;
	}
	const struct store_acme_jwk *k = &a->jwk;
	const struct val v[] = {VT(a->id),	  VT(a->thumbprint), VT(k->kty),     VT(k->crv),
				VT(k->x),	  VT(k->y),	     VT(k->n),	     VT(k->e),
				VT(a->team),	  VT(a->status),     VT(a->contact), VO(a->eab_kid),
				VN(a->created_at)};
	return run_q(c, q_account_put, v, 13, NULL, NULL);
}

static enum ca_err account_put(struct store *s, const struct store_acme_account *a, int64_t now)
{
	struct account_put p = {a, now};
	return submit(s, run_account_put, &p, DURABLE);
}

static enum ca_err account_update(struct store *s, const char *id, const char *contact,
				  const char *status)
{
	const struct val v[] = {VT(id), VT(contact), VT(status)};
	bool moved;
	enum ca_err rc = cas_q(s, q_account_update, v, 3, &moved);
	return rc == CA_OK && !moved ? CA_ERR_NOT_FOUND : rc;
}

static enum ca_err account_rekey(struct store *s, const char *id, const struct store_acme_jwk *k,
				 const char *thumbprint)
{
	const struct val v[] = {VT(id),	  VT(thumbprint), VT(k->kty), VT(k->crv),
				VT(k->x), VT(k->y),	  VT(k->n),   VT(k->e)};
	bool moved;
	enum ca_err rc = cas_q(s, q_account_rekey, v, 8, &moved);
	return rc == CA_OK && !moved ? CA_ERR_NOT_FOUND : rc;
}

/* ---- orders ---- */

struct order_put {
	const struct store_acme_order *o;
	const struct store_acme_authz *az;
	size_t naz;
	const struct store_acme_chall *ch;
	size_t nch;
};

static enum ca_err put_authz(PGconn *c, const struct store_acme_authz *a)
{
	const struct val v[] = {VT(a->id),     VT(a->order_id),	  VT(a->account_id),
				VT(a->type),   VT(a->value),	  VN(a->wildcard),
				VT(a->status), VN(a->expires_at), VN(a->position)};
	return run_q(c, q_authz_put, v, 9, NULL, NULL);
}

static enum ca_err put_chall(PGconn *c, const struct store_acme_chall *ch)
{
	const struct val v[] = {
	    VT(ch->id),
	    VT(ch->authz_id),
	    VT(ch->type),
	    VT(ch->token),
	    VT(ch->status),
	    ch->validated_at > 0 ? (struct val)VN(ch->validated_at) : (struct val)VT(NULL),
	    VO(ch->error_type),
	    VO(ch->error_detail),
	    VN(ch->position)};
	return run_q(c, q_chall_put, v, 9, NULL, NULL);
}

/* The order, its authorizations and challenges: one savepoint, whole or not at all. */
static enum ca_err run_order_put(struct pg_store *s, PGconn *c, const void *arg,
				 struct ca_error *err)
{
	const struct order_put *p = arg;
	const struct store_acme_order *o = p->o;
	(void)s;
	(void)err;
	const struct val v[] = {VT(o->id),	   VT(o->account_id),  VT(o->status),
				VN(o->expires_at), VT(o->identifiers), VO(o->replaces),
				VN(o->created_at)};
	enum ca_err rc = run_q(c, q_order_put, v, 7, NULL, NULL);
	for (size_t i = 0; rc == CA_OK && i < p->naz; i++)
		rc = put_authz(c, &p->az[i]);
	for (size_t i = 0; rc == CA_OK && i < p->nch; i++)
		rc = put_chall(c, &p->ch[i]);
	return rc;
}

static enum ca_err order_put(struct store *s, const struct store_acme_order *o,
			     const struct store_acme_authz *az, size_t naz,
			     const struct store_acme_chall *ch, size_t nch)
{
	struct order_put p = {o, az, naz, ch, nch};
	return submit(s, run_order_put, &p, DURABLE);
}

/* identifiers is strdup'ed: a row that cannot be had leaves it NULL. */
static bool row_order(const PGresult *r, int i, void *p)
{
	struct store_acme_order *o = p;
	o->expires_at = pg_num(r, i, 3);
	o->created_at = pg_num(r, i, 4);
	return col(r, i, 0, o->id, sizeof(o->id)) &&
	       col(r, i, 1, o->account_id, sizeof(o->account_id)) &&
	       col(r, i, 2, o->status, sizeof(o->status)) &&
	       col(r, i, 6, o->error_type, sizeof(o->error_type)) &&
	       col(r, i, 7, o->error_detail, sizeof(o->error_detail)) &&
	       col(r, i, 8, o->serial, sizeof(o->serial)) &&
	       col(r, i, 9, o->replaces, sizeof(o->replaces)) &&
	       (o->identifiers = strdup(pg_str(r, i, 5))) != NULL;
}

static enum ca_err order_get(struct store *s, const char *id, struct store_acme_order *o)
{
	const struct val v[] = {VT(id)};
	memset(o, 0, sizeof(*o));
	return read_one(s, q_order_get, v, 1, sizeof(*o), row_order, o);
}

static bool row_id(const PGresult *r, int i, void *p)
{
	return col(r, i, 0, p, STORE_ACME_ID);
}

static enum ca_err order_ids(struct store *s, const char *account_id, const char *after, size_t max,
			     char (**ids)[STORE_ACME_ID], size_t *n)
{
	if (max == 0) {
		*ids = NULL;
		*n = 0;
		return CA_OK;
	}
	const struct val v[] = {VT(account_id), VT(after), VN((int64_t)max)};
	return read_rows(s, q_order_ids, v, 3, STORE_ACME_ID, row_id, (void **)ids, n);
}

static enum ca_err order_move(struct store *s, const char *id, const char *from, const char *to,
			      const char *serial, const char *error_type, const char *error_detail,
			      bool *moved)
{
	const struct val v[] = {VT(id),	    VT(from),	    VT(to),
				VT(serial), VT(error_type), VT(error_detail)};
	return cas_q(s, q_order_move, v, 6, moved);
}

/* ---- authorizations ---- */

static bool row_authz(const PGresult *r, int i, void *p)
{
	struct store_acme_authz *a = p;
	a->wildcard = pg_num(r, i, 5) != 0;
	a->expires_at = pg_num(r, i, 7);
	a->position = (int)pg_num(r, i, 8);
	return col(r, i, 0, a->id, sizeof(a->id)) &&
	       col(r, i, 1, a->order_id, sizeof(a->order_id)) &&
	       col(r, i, 2, a->account_id, sizeof(a->account_id)) &&
	       col(r, i, 3, a->type, sizeof(a->type)) && col(r, i, 4, a->value, sizeof(a->value)) &&
	       col(r, i, 6, a->status, sizeof(a->status));
}

static enum ca_err authz_get(struct store *s, const char *id, struct store_acme_authz *out)
{
	const struct val v[] = {VT(id)};
	return read_one(s, q_authz_get, v, 1, sizeof(*out), row_authz, out);
}

static enum ca_err authz_list(struct store *s, const char *order_id, struct store_acme_authz **out,
			      size_t *n)
{
	const struct val v[] = {VT(order_id)};
	return read_rows(s, q_authz_list, v, 1, sizeof(**out), row_authz, (void **)out, n);
}

static enum ca_err authz_valid(struct store *s, const char *account_id, const char *type,
			       const char *value, bool wildcard, int64_t now,
			       struct store_acme_authz *out)
{
	const struct val v[] = {VT(account_id), VT(type), VT(value), VN(wildcard), VN(now)};
	return read_one(s, q_authz_valid, v, 5, sizeof(*out), row_authz, out);
}

static enum ca_err authz_move(struct store *s, const char *id, const char *from, const char *to,
			      bool *moved)
{
	const struct val v[] = {VT(id), VT(from), VT(to)};
	return cas_q(s, q_authz_move, v, 3, moved);
}

/* ---- challenges ---- */

static bool row_chall(const PGresult *r, int i, void *p)
{
	struct store_acme_chall *c = p;
	c->validated_at = pg_num(r, i, 5);
	c->position = (int)pg_num(r, i, 8);
	return col(r, i, 0, c->id, sizeof(c->id)) &&
	       col(r, i, 1, c->authz_id, sizeof(c->authz_id)) &&
	       col(r, i, 2, c->type, sizeof(c->type)) && col(r, i, 3, c->token, sizeof(c->token)) &&
	       col(r, i, 4, c->status, sizeof(c->status)) &&
	       col(r, i, 6, c->error_type, sizeof(c->error_type)) &&
	       col(r, i, 7, c->error_detail, sizeof(c->error_detail));
}

static enum ca_err chall_get(struct store *s, const char *id, struct store_acme_chall *out)
{
	const struct val v[] = {VT(id)};
	return read_one(s, q_chall_get, v, 1, sizeof(*out), row_chall, out);
}

static enum ca_err chall_list(struct store *s, const char *authz_id, struct store_acme_chall **out,
			      size_t *n)
{
	const struct val v[] = {VT(authz_id)};
	return read_rows(s, q_chall_list, v, 1, sizeof(**out), row_chall, (void **)out, n);
}

static enum ca_err chall_move(struct store *s, const char *id, const char *from, const char *to,
			      const char *error_type, const char *error_detail,
			      int64_t validated_at, bool *moved)
{
	const struct val v[] = {VT(id),		VT(from),	  VT(to),
				VT(error_type), VT(error_detail), VN(validated_at)};
	return cas_q(s, q_chall_move, v, 6, moved);
}

static enum ca_err chall_processing(struct store *s, struct store_acme_chall **out, size_t *n)
{
	return read_rows(s, q_chall_processing, NULL, 0, sizeof(**out), row_chall, (void **)out, n);
}

struct validated {
	const char *id;
	int64_t at;
	bool *moved, *ready;
};

/*
 * The three moves in this job's savepoint, after the order's row is
 * locked: another node recording another authorization of the same order
 * waits here until this transaction commits, and its statements then
 * (READ COMMITTED: a new snapshot each) see this one's authorization
 * valid. Without the lock, two nodes recording the last two at once would
 * each see the other's pending and leave the order pending for good.
 */
static enum ca_err run_validated(struct pg_store *s, PGconn *c, const void *arg,
				 struct ca_error *err)
{
	const struct validated *a = arg;
	const struct val v[] = {VT(a->id), VT("processing"), VT("valid"),
				VT(NULL),  VT(NULL),	     VN(a->at)};
	int64_t changes = 0;
	(void)s;
	(void)err;
	enum ca_err rc = run_q(c, q_validated_lock, v, 1, NULL, NULL);
	if (rc == CA_OK)
		rc = run_q(c, q_chall_move, v, 6, &changes, NULL);
	*a->moved = rc == CA_OK && changes > 0;
	if (rc == CA_OK && changes > 0)
		rc = run_q(c, q_validated_authz, v, 1, &changes, NULL);
	if (rc == CA_OK && changes > 0)
		rc = run_q(c, q_validated_order, v, 1, &changes, NULL);
	*a->ready = rc == CA_OK && *a->moved && changes > 0;
	return rc;
}

static enum ca_err chall_validated(struct store *s, const char *id, int64_t validated_at,
				   bool *moved, bool *ready)
{
	struct validated a = {id, validated_at, moved, ready};
	return submit(s, run_validated, &a, DURABLE);
}

const struct store_acme_ops store_pg_acme_ops = {
    .nonce_put = nonce_put,
    .nonce_take = nonce_take,
    .eab_put = eab_put,
    .eab_get = eab_get,
    .eab_list = eab_list,
    .eab_revoke = eab_revoke,
    .open_team = open_team,
    .open_team_set = open_team_set,
    .account_put = account_put,
    .account_get = account_get,
    .account_by_thumbprint = account_by_thumbprint,
    .account_update = account_update,
    .account_rekey = account_rekey,
    .order_put = order_put,
    .order_get = order_get,
    .order_ids = order_ids,
    .order_move = order_move,
    .authz_get = authz_get,
    .authz_list = authz_list,
    .authz_valid = authz_valid,
    .authz_move = authz_move,
    .chall_get = chall_get,
    .chall_list = chall_list,
    .chall_move = chall_move,
    .chall_processing = chall_processing,
    .chall_validated = chall_validated,
};
