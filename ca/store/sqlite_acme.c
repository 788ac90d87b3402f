/*
 * The code in this file implements the ACME tables of the SQLite store
 * (store_acme.h, schema/sqlite/005_acme.sql) the way sqlite_int.h says a
 * part of this store does it: cached statements with bound parameters;
 * reads on the calling thread's connection; every write a job of the
 * group-commit writer, so it shares its commit (and fsync) with the
 * certificate writes and returns only once durable. A job that reads
 * before it writes (an EAB key spent with the account it binds, the open
 * team) sees its own reads, because the writer runs one job at a time.
 */
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "sqlite_int.h"
#include "store_acme.h"

/* ---- statements ---- */

static struct sq_sql q_nonce_put =
    SQ_SQL("INSERT INTO acme_nonces (nonce, expires_at) VALUES (?1, ?2)");
static struct sq_sql q_nonce_take =
    SQ_SQL("DELETE FROM acme_nonces WHERE nonce = ?1 AND expires_at >= ?2");
static struct sq_sql q_nonce_sweep = SQ_SQL("DELETE FROM acme_nonces WHERE expires_at < ?1");

#define EAB_COLS "kid, team, created_at, expires_at, used_at, account_id, revoked_at"
static struct sq_sql q_eab_put =
    SQ_SQL("INSERT INTO acme_eab (kid, team, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)");
static struct sq_sql q_eab_get = SQ_SQL("SELECT " EAB_COLS " FROM acme_eab WHERE kid = ?1");
static struct sq_sql q_eab_list =
    SQ_SQL("SELECT " EAB_COLS " FROM acme_eab WHERE team = ?1 ORDER BY created_at, kid");
static struct sq_sql q_eab_revoke =
    SQ_SQL("UPDATE acme_eab SET revoked_at = ?2 WHERE kid = ?1 AND revoked_at IS NULL");
static struct sq_sql q_eab_spend =
    SQ_SQL("UPDATE acme_eab SET used_at = ?3, account_id = ?4 WHERE kid = ?1 AND team = ?2 "
	   "AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?3");

/* A revoked token is no open team. */
static struct sq_sql q_open_team =
    SQ_SQL("SELECT o.team FROM acme_open_team o JOIN tokens t ON t.name = o.team "
	   "WHERE o.id = 1 AND t.revoked_at IS NULL");
static struct sq_sql q_open_team_set =
    SQ_SQL("INSERT INTO acme_open_team (id, team) VALUES (1, ?1) "
	   "ON CONFLICT (id) DO UPDATE SET team = ?1");

/* The team's live token decides whether an account may act (design 10). */
#define ACCOUNT_SELECT                                                                             \
	"SELECT a.id, a.thumbprint, a.kty, a.crv, a.x, a.y, a.n, a.e, a.team, "                    \
	"CASE WHEN a.status = 'valid' AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.name = "      \
	"a.team AND t.revoked_at IS NULL) THEN 'deactivated' ELSE a.status END, a.contact, "       \
	"a.eab_kid, a.created_at FROM acme_accounts a "
static struct sq_sql q_account_get = SQ_SQL(ACCOUNT_SELECT "WHERE a.id = ?1");
static struct sq_sql q_account_by_tp = SQ_SQL(ACCOUNT_SELECT "WHERE a.thumbprint = ?1");
static struct sq_sql q_account_put =
    SQ_SQL("INSERT INTO acme_accounts (id, thumbprint, kty, crv, x, y, n, e, team, status, "
	   "contact, eab_kid, created_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)");
static struct sq_sql q_account_update =
    SQ_SQL("UPDATE acme_accounts SET contact = ?2, status = ?3 WHERE id = ?1 "
	   "AND status = 'valid'");
static struct sq_sql q_account_rekey =
    SQ_SQL("UPDATE acme_accounts SET thumbprint = ?2, kty = ?3, crv = ?4, x = ?5, y = ?6, "
	   "n = ?7, e = ?8 WHERE id = ?1 AND status = 'valid'");

static struct sq_sql q_order_put =
    SQ_SQL("INSERT INTO acme_orders (id, account_id, status, expires_at, identifiers, "
	   "replaces, created_at) VALUES (?1,?2,?3,?4,?5,?6,?7)");
static struct sq_sql q_order_get =
    SQ_SQL("SELECT id, account_id, status, expires_at, created_at, identifiers, error_type, "
	   "error_detail, serial, replaces FROM acme_orders WHERE id = ?1");
/* Pages by (created_at, id), both descending: an order of any engine. */
static struct sq_sql q_order_ids =
    SQ_SQL("SELECT id FROM acme_orders WHERE account_id = ?1 AND (?2 = '' OR "
	   "(created_at, id) < (SELECT created_at, id FROM acme_orders WHERE id = ?2 AND "
	   "account_id = ?1)) ORDER BY created_at DESC, id DESC LIMIT ?3");
static struct sq_sql q_order_move =
    SQ_SQL("UPDATE acme_orders SET status = ?3, serial = coalesce(?4, serial), "
	   "error_type = coalesce(?5, error_type), error_detail = coalesce(?6, error_detail) "
	   "WHERE id = ?1 AND status = ?2");

#define AUTHZ_COLS "id, order_id, account_id, type, value, wildcard, status, expires_at, position"
static struct sq_sql q_authz_put =
    SQ_SQL("INSERT INTO acme_authz (id, order_id, account_id, type, value, wildcard, status, "
	   "expires_at, position) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)");
static struct sq_sql q_authz_get = SQ_SQL("SELECT " AUTHZ_COLS " FROM acme_authz WHERE id = ?1");
static struct sq_sql q_authz_list =
    SQ_SQL("SELECT " AUTHZ_COLS " FROM acme_authz WHERE order_id = ?1 ORDER BY position");
static struct sq_sql q_authz_valid =
    SQ_SQL("SELECT " AUTHZ_COLS " FROM acme_authz WHERE account_id = ?1 AND type = ?2 AND "
	   "value = ?3 AND wildcard = ?4 AND status = 'valid' AND expires_at > ?5 "
	   "ORDER BY expires_at DESC, id LIMIT 1");
static struct sq_sql q_authz_move =
    SQ_SQL("UPDATE acme_authz SET status = ?3 WHERE id = ?1 AND status = ?2");

#define CHALL_COLS                                                                                 \
	"id, authz_id, type, token, status, validated_at, error_type, error_detail, position"
static struct sq_sql q_chall_put =
    SQ_SQL("INSERT INTO acme_challenges (id, authz_id, type, token, status, validated_at, "
	   "error_type, error_detail, position) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)");
static struct sq_sql q_chall_get =
    SQ_SQL("SELECT " CHALL_COLS " FROM acme_challenges WHERE id = ?1");
static struct sq_sql q_chall_list =
    SQ_SQL("SELECT " CHALL_COLS " FROM acme_challenges WHERE authz_id = ?1 ORDER BY position");
static struct sq_sql q_chall_move =
    SQ_SQL("UPDATE acme_challenges SET status = ?3, error_type = coalesce(?4, error_type), "
	   "error_detail = coalesce(?5, error_detail), validated_at = CASE WHEN ?6 > 0 THEN ?6 "
	   "ELSE validated_at END WHERE id = ?1 AND status = ?2");
/* chall_validated's steps after the challenge's own move (?1: its id). */
static struct sq_sql q_validated_authz =
    SQ_SQL("UPDATE acme_authz SET status = 'valid' WHERE id = (SELECT authz_id FROM "
	   "acme_challenges WHERE id = ?1) AND status = 'pending'");
static struct sq_sql q_validated_order = SQ_SQL(
    "UPDATE acme_orders SET status = 'ready' WHERE id = (SELECT a.order_id FROM acme_authz a "
    "JOIN acme_challenges c ON c.authz_id = a.id WHERE c.id = ?1) AND status = 'pending' AND "
    "NOT EXISTS (SELECT 1 FROM acme_authz z WHERE z.order_id = acme_orders.id AND "
    "z.status <> 'valid')");
static struct sq_sql q_chall_processing =
    SQ_SQL("SELECT " CHALL_COLS " FROM acme_challenges WHERE status = 'processing' ORDER BY id");

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

/* q on this thread's connection with v[0..n) bound; NULL on failure. */
static sqlite3_stmt *bound(struct sq_store *s, struct sq_sql *q, const struct val *v, int n,
			   struct sq_conn **cp)
{
	sqlite3_stmt *st = sq_stmt(s, q, cp);
	if (st == NULL)
		return NULL;
	for (int i = 0; i < n; i++) {
		int r = v[i].num	    ? sqlite3_bind_int64(st, i + 1, v[i].n)
			: v[i].text == NULL ? sqlite3_bind_null(st, i + 1)
					    : sq_bind_text(st, i + 1, v[i].text);
		if (r != SQLITE_OK) {
			sq_done(st);
			return NULL;
		}
	}
	return st;
}

/* Run a statement that returns no rows; *changes (if not NULL) the rows
 * it changed. CA_ERR_EXISTS on a constraint. */
static enum ca_err exec_q(struct sq_store *s, struct sq_sql *q, const struct val *v, int n,
			  int *changes)
{
	struct sq_conn *c = NULL;
	sqlite3_stmt *st = bound(s, q, v, n, &c);
	if (st == NULL)
		return CA_ERR_STORE;
	int r = sqlite3_step(st);
	sq_done(st);
	if (changes != NULL)
		*changes = r == SQLITE_DONE ? sqlite3_changes(c->db) : 0;
	if (r == SQLITE_CONSTRAINT)
		return CA_ERR_EXISTS;
	return r == SQLITE_DONE ? CA_OK : CA_ERR_STORE;
}

/* A single-statement write for the writer: q with v[0..n). */
struct write {
	struct sq_sql *q;
	const struct val *v;
	int n;
	int *changes;
};

static enum ca_err run_write(struct sq_store *s, const void *arg, struct ca_error *err)
{
	const struct write *w = arg;
	(void)err;
	return exec_q(s, w->q, w->v, w->n, w->changes);
}

/* How a job's group commits: DURABLE, flushed before any job of it
 * returns; LIGHT, needing no flush of its own (sq_job.light), for nonces. */
enum commit { DURABLE, LIGHT };

/* Run job `run` with arg through the writer, committed as `how` says. */
static enum ca_err submit(struct store *base,
			  enum ca_err (*run)(struct sq_store *, const void *, struct ca_error *),
			  const void *arg, enum commit how)
{
	struct ca_error err;
	struct sq_job j = {.run = run, .arg = arg, .err = &err, .light = how == LIGHT};
	return sq_submit(sq_of(base), &j);
}

/* q with v[0..n) through the writer; *changes the rows it changed. */
static enum ca_err write_q(struct store *base, struct sq_sql *q, const struct val *v, int n,
			   int *changes)
{
	struct write w = {q, v, n, changes};
	return submit(base, run_write, &w, DURABLE);
}

/* A compare-and-set write: *moved = it changed a row. */
static enum ca_err cas_q(struct store *base, struct sq_sql *q, const struct val *v, int n,
			 bool *moved)
{
	int changes = 0;
	enum ca_err rc = write_q(base, q, v, n, &changes);
	*moved = rc == CA_OK && changes > 0;
	return rc;
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

/*
 * The rows of q (v[0..n) bound), at most max (0: no limit), each read by
 * row into an array of elements of `size` bytes; *out freed with free().
 * A row that does not fit is CA_ERR_STORE.
 */
static enum ca_err read_rows(struct store *base, struct sq_sql *q, const struct val *v, int n,
			     size_t size, bool (*row)(sqlite3_stmt *, void *), size_t max,
			     void **out, size_t *cnt)
{
	sqlite3_stmt *st = bound(sq_of(base), q, v, n, NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	unsigned char *arr = NULL;
	size_t k = 0, cap = 0;
	enum ca_err rc = CA_OK;
	int r = SQLITE_DONE;
	while ((max == 0 || k < max) && (r = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == cap) {
			size_t nc = cap ? 2 * cap : 4;
			unsigned char *na = realloc(arr, nc * size);
			if (na == NULL) {
				rc = CA_ERR_NOMEM;
				break;
			}
			arr = na;
			cap = nc;
		}
		if (!row(st, arr + k++ * size)) {
			rc = CA_ERR_STORE;
			break;
		}
	}
	if (rc == CA_OK && r != SQLITE_DONE && r != SQLITE_ROW)
		rc = CA_ERR_STORE;
	sq_done(st);
	if (rc != CA_OK) {
		free(arr);
		return rc;
	}
	*out = arr;
	*cnt = k;
	return CA_OK;
}

/* The first row of q into out (size bytes); CA_ERR_NOT_FOUND if none. */
static enum ca_err read_one(struct store *base, struct sq_sql *q, const struct val *v, int n,
			    size_t size, bool (*row)(sqlite3_stmt *, void *), void *out)
{
	void *arr = NULL;
	size_t k = 0;
	enum ca_err rc = read_rows(base, q, v, n, size, row, 1, &arr, &k);
	if (rc == CA_OK && k == 0)
		rc = CA_ERR_NOT_FOUND;
	if (rc == CA_OK)
		memcpy(out, arr, size);
	free(arr);
	return rc;
}

/* ---- nonces ---- */

/*
 * Nonces are written without an fsync of their own (sq_job.light): at
 * most a power loss forgets one, which costs its client one badNonce
 * (RFC 8555 6.5 clients retry), or brings back one spent nonce whose
 * request's own effects were then lost as well. A crash of the process
 * loses neither.
 */
static enum ca_err nonce_put(struct store *s, const char *nonce, int64_t expires_at)
{
	const struct val v[] = {VT(nonce), VN(expires_at)};
	struct write w = {&q_nonce_put, v, 2, NULL};
	return submit(s, run_write, &w, LIGHT);
}

struct nonce_take {
	const char *nonce;
	int64_t now;
	bool *ok;
};

static enum ca_err run_nonce_take(struct sq_store *s, const void *arg, struct ca_error *err)
{
	const struct nonce_take *a = arg;
	const struct val v[] = {VT(a->nonce), VN(a->now)};
	int changes = 0;
	(void)err;
	enum ca_err rc = exec_q(s, &q_nonce_take, v, 2, &changes);
	*a->ok = rc == CA_OK && changes > 0;
	/* Sweep the expired ones now and then: nonces are base64url, so one
	 * take in 64 starts with 'A'. */
	if (rc == CA_OK && a->nonce[0] == 'A') {
		const struct val w[] = {VN(a->now)};
		rc = exec_q(s, &q_nonce_sweep, w, 1, NULL);
	}
	return rc;
}

static enum ca_err nonce_take(struct store *s, const char *nonce, int64_t now, bool *ok)
{
	struct nonce_take a = {nonce, now, ok};
	*ok = false;
	enum ca_err rc = submit(s, run_nonce_take, &a, LIGHT);
	if (rc != CA_OK)
		*ok = false;
	return rc;
}

/* ---- EAB ---- */

static bool row_eab(sqlite3_stmt *st, void *p)
{
	struct store_acme_eab *e = p;
	memset(e, 0, sizeof(*e));
	e->created_at = sqlite3_column_int64(st, 2);
	e->expires_at = sqlite3_column_int64(st, 3);
	e->used_at = sqlite3_column_int64(st, 4);
	e->revoked_at = sqlite3_column_int64(st, 6);
	return col(st, 0, e->kid, sizeof(e->kid)) && col(st, 1, e->team, sizeof(e->team)) &&
	       col(st, 5, e->account_id, sizeof(e->account_id));
}

static enum ca_err eab_put(struct store *s, const struct store_acme_eab *e)
{
	const struct val v[] = {VT(e->kid), VT(e->team), VN(e->created_at), VN(e->expires_at)};
	return write_q(s, &q_eab_put, v, 4, NULL);
}

static enum ca_err eab_get(struct store *s, const char *kid, struct store_acme_eab *out)
{
	const struct val v[] = {VT(kid)};
	return read_one(s, &q_eab_get, v, 1, sizeof(*out), row_eab, out);
}

static enum ca_err eab_list(struct store *s, const char *team, struct store_acme_eab **out,
			    size_t *n)
{
	const struct val v[] = {VT(team)};
	return read_rows(s, &q_eab_list, v, 1, sizeof(**out), row_eab, 0, (void **)out, n);
}

static enum ca_err eab_revoke(struct store *s, const char *kid, int64_t at)
{
	const struct val v[] = {VT(kid), VN(at)};
	bool moved;
	enum ca_err rc = cas_q(s, &q_eab_revoke, v, 2, &moved);
	return rc == CA_OK && !moved ? CA_ERR_NOT_FOUND : rc;
}

/* ---- the open team ---- */

static bool row_team(sqlite3_stmt *st, void *p)
{
	return col(st, 0, p, 65);
}

/* The open team read on this thread's connection (the writer's, in a job). */
static enum ca_err open_team_read(struct sq_store *s, char out[65])
{
	sqlite3_stmt *st = bound(s, &q_open_team, NULL, 0, NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	int r = sqlite3_step(st);
	enum ca_err rc = CA_OK;
	out[0] = '\0';
	if (r == SQLITE_ROW)
		rc = row_team(st, out) ? CA_OK : CA_ERR_STORE;
	else if (r != SQLITE_DONE)
		rc = CA_ERR_STORE;
	sq_done(st);
	return rc;
}

static enum ca_err open_team(struct store *s, char out[65])
{
	return open_team_read(sq_of(s), out);
}

static enum ca_err run_open_team_set(struct sq_store *s, const void *arg, struct ca_error *err)
{
	const char *team = arg;
	char cur[65];
	(void)err;
	enum ca_err rc = open_team_read(s, cur);
	if (rc == CA_OK && cur[0] != '\0' && strcmp(cur, team) != 0)
		return CA_ERR_EXISTS;
	if (rc != CA_OK)
		return rc;
	const struct val v[] = {VT(team)};
	return exec_q(s, &q_open_team_set, v, 1, NULL);
}

static enum ca_err open_team_set(struct store *s, const char *team)
{
	return submit(s, run_open_team_set, team, DURABLE);
}

/* ---- accounts ---- */

static bool row_account(sqlite3_stmt *st, void *p)
{
	struct store_acme_account *a = p;
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

static enum ca_err account_get(struct store *s, const char *id, struct store_acme_account *out)
{
	const struct val v[] = {VT(id)};
	return read_one(s, &q_account_get, v, 1, sizeof(*out), row_account, out);
}

static enum ca_err account_by_thumbprint(struct store *s, const char *thumbprint,
					 struct store_acme_account *out)
{
	const struct val v[] = {VT(thumbprint)};
	return read_one(s, &q_account_by_tp, v, 1, sizeof(*out), row_account, out);
}

struct account_put {
	const struct store_acme_account *a;
	int64_t now;
};

/* The EAB key spent and the account inserted, in this job's savepoint. */
static enum ca_err run_account_put(struct sq_store *s, const void *arg, struct ca_error *err)
{
	const struct account_put *p = arg;
	const struct store_acme_account *a = p->a;
	enum ca_err rc;
	(void)err;
	if (a->eab_kid[0] != '\0') {
		const struct val v[] = {VT(a->eab_kid), VT(a->team), VN(p->now), VT(a->id)};
		int changes = 0;
		if ((rc = exec_q(s, &q_eab_spend, v, 4, &changes)) != CA_OK)
			return rc;
		if (changes == 0)
			return CA_ERR_FORBIDDEN;
	}
	const struct store_acme_jwk *k = &a->jwk;
	const struct val v[] = {VT(a->id),	  VT(a->thumbprint), VT(k->kty),     VT(k->crv),
				VT(k->x),	  VT(k->y),	     VT(k->n),	     VT(k->e),
				VT(a->team),	  VT(a->status),     VT(a->contact), VO(a->eab_kid),
				VN(a->created_at)};
	return exec_q(s, &q_account_put, v, 13, NULL);
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
	enum ca_err rc = cas_q(s, &q_account_update, v, 3, &moved);
	return rc == CA_OK && !moved ? CA_ERR_NOT_FOUND : rc;
}

static enum ca_err account_rekey(struct store *s, const char *id, const struct store_acme_jwk *k,
				 const char *thumbprint)
{
	const struct val v[] = {VT(id),	  VT(thumbprint), VT(k->kty), VT(k->crv),
				VT(k->x), VT(k->y),	  VT(k->n),   VT(k->e)};
	bool moved;
	enum ca_err rc = cas_q(s, &q_account_rekey, v, 8, &moved);
	return rc == CA_OK && !moved ? CA_ERR_NOT_FOUND : rc;
}

/* ---- orders ---- */

void store_acme_order_clear(struct store_acme_order *o)
{
	free(o->identifiers);
	o->identifiers = NULL;
}

struct order_put {
	const struct store_acme_order *o;
	const struct store_acme_authz *az;
	size_t naz;
	const struct store_acme_chall *ch;
	size_t nch;
};

static enum ca_err put_authz(struct sq_store *s, const struct store_acme_authz *a)
{
	const struct val v[] = {VT(a->id),     VT(a->order_id),	  VT(a->account_id),
				VT(a->type),   VT(a->value),	  VN(a->wildcard),
				VT(a->status), VN(a->expires_at), VN(a->position)};
	return exec_q(s, &q_authz_put, v, 9, NULL);
}

static enum ca_err put_chall(struct sq_store *s, const struct store_acme_chall *c)
{
	const struct val v[] = {
	    VT(c->id),
	    VT(c->authz_id),
	    VT(c->type),
	    VT(c->token),
	    VT(c->status),
	    c->validated_at > 0 ? (struct val)VN(c->validated_at) : (struct val)VT(NULL),
	    VO(c->error_type),
	    VO(c->error_detail),
	    VN(c->position)};
	return exec_q(s, &q_chall_put, v, 9, NULL);
}

static enum ca_err run_order_put(struct sq_store *s, const void *arg, struct ca_error *err)
{
	const struct order_put *p = arg;
	const struct store_acme_order *o = p->o;
	(void)err;
	const struct val v[] = {VT(o->id),	   VT(o->account_id),  VT(o->status),
				VN(o->expires_at), VT(o->identifiers), VO(o->replaces),
				VN(o->created_at)};
	enum ca_err rc = exec_q(s, &q_order_put, v, 7, NULL);
	for (size_t i = 0; rc == CA_OK && i < p->naz; i++)
		rc = put_authz(s, &p->az[i]);
	for (size_t i = 0; rc == CA_OK && i < p->nch; i++)
		rc = put_chall(s, &p->ch[i]);
	return rc;
}

static enum ca_err order_put(struct store *s, const struct store_acme_order *o,
			     const struct store_acme_authz *az, size_t naz,
			     const struct store_acme_chall *ch, size_t nch)
{
	struct order_put p = {o, az, naz, ch, nch};
	return submit(s, run_order_put, &p, DURABLE);
}

static enum ca_err order_get(struct store *s, const char *id, struct store_acme_order *o)
{
	const struct val v[] = {VT(id)};
	sqlite3_stmt *st = bound(sq_of(s), &q_order_get, v, 1, NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	memset(o, 0, sizeof(*o));
	int r = sqlite3_step(st);
	enum ca_err rc = r == SQLITE_DONE ? CA_ERR_NOT_FOUND : CA_ERR_STORE;
	if (r == SQLITE_ROW) {
		o->expires_at = sqlite3_column_int64(st, 3);
		o->created_at = sqlite3_column_int64(st, 4);
		if ((o->identifiers = strdup(sq_col_text(st, 5))) == NULL)
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
	sq_done(st);
	if (rc != CA_OK)
		store_acme_order_clear(o);
	return rc;
}

static bool row_id(sqlite3_stmt *st, void *p)
{
	return col(st, 0, p, STORE_ACME_ID);
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
	return read_rows(s, &q_order_ids, v, 3, STORE_ACME_ID, row_id, max, (void **)ids, n);
}

static enum ca_err order_move(struct store *s, const char *id, const char *from, const char *to,
			      const char *serial, const char *error_type, const char *error_detail,
			      bool *moved)
{
	const struct val v[] = {VT(id),	    VT(from),	    VT(to),
				VT(serial), VT(error_type), VT(error_detail)};
	return cas_q(s, &q_order_move, v, 6, moved);
}

/* ---- authorizations ---- */

static bool row_authz(sqlite3_stmt *st, void *p)
{
	struct store_acme_authz *a = p;
	memset(a, 0, sizeof(*a));
	a->wildcard = sqlite3_column_int(st, 5) != 0;
	a->expires_at = sqlite3_column_int64(st, 7);
	a->position = sqlite3_column_int(st, 8);
	return col(st, 0, a->id, sizeof(a->id)) && col(st, 1, a->order_id, sizeof(a->order_id)) &&
	       col(st, 2, a->account_id, sizeof(a->account_id)) &&
	       col(st, 3, a->type, sizeof(a->type)) && col(st, 4, a->value, sizeof(a->value)) &&
	       col(st, 6, a->status, sizeof(a->status));
}

static enum ca_err authz_get(struct store *s, const char *id, struct store_acme_authz *out)
{
	const struct val v[] = {VT(id)};
	return read_one(s, &q_authz_get, v, 1, sizeof(*out), row_authz, out);
}

static enum ca_err authz_list(struct store *s, const char *order_id, struct store_acme_authz **out,
			      size_t *n)
{
	const struct val v[] = {VT(order_id)};
	return read_rows(s, &q_authz_list, v, 1, sizeof(**out), row_authz, 0, (void **)out, n);
}

static enum ca_err authz_valid(struct store *s, const char *account_id, const char *type,
			       const char *value, bool wildcard, int64_t now,
			       struct store_acme_authz *out)
{
	const struct val v[] = {VT(account_id), VT(type), VT(value), VN(wildcard), VN(now)};
	return read_one(s, &q_authz_valid, v, 5, sizeof(*out), row_authz, out);
}

static enum ca_err authz_move(struct store *s, const char *id, const char *from, const char *to,
			      bool *moved)
{
	const struct val v[] = {VT(id), VT(from), VT(to)};
	return cas_q(s, &q_authz_move, v, 3, moved);
}

/* ---- challenges ---- */

static bool row_chall(sqlite3_stmt *st, void *p)
{
	struct store_acme_chall *c = p;
	memset(c, 0, sizeof(*c));
	c->validated_at = sqlite3_column_int64(st, 5);
	c->position = sqlite3_column_int(st, 8);
	return col(st, 0, c->id, sizeof(c->id)) && col(st, 1, c->authz_id, sizeof(c->authz_id)) &&
	       col(st, 2, c->type, sizeof(c->type)) && col(st, 3, c->token, sizeof(c->token)) &&
	       col(st, 4, c->status, sizeof(c->status)) &&
	       col(st, 6, c->error_type, sizeof(c->error_type)) &&
	       col(st, 7, c->error_detail, sizeof(c->error_detail));
}

static enum ca_err chall_get(struct store *s, const char *id, struct store_acme_chall *out)
{
	const struct val v[] = {VT(id)};
	return read_one(s, &q_chall_get, v, 1, sizeof(*out), row_chall, out);
}

static enum ca_err chall_list(struct store *s, const char *authz_id, struct store_acme_chall **out,
			      size_t *n)
{
	const struct val v[] = {VT(authz_id)};
	return read_rows(s, &q_chall_list, v, 1, sizeof(**out), row_chall, 0, (void **)out, n);
}

static enum ca_err chall_move(struct store *s, const char *id, const char *from, const char *to,
			      const char *error_type, const char *error_detail,
			      int64_t validated_at, bool *moved)
{
	const struct val v[] = {VT(id),		VT(from),	  VT(to),
				VT(error_type), VT(error_detail), VN(validated_at)};
	return cas_q(s, &q_chall_move, v, 6, moved);
}

static enum ca_err chall_processing(struct store *s, struct store_acme_chall **out, size_t *n)
{
	return read_rows(s, &q_chall_processing, NULL, 0, sizeof(**out), row_chall, 0, (void **)out,
			 n);
}

struct validated {
	const char *id;
	int64_t at;
	bool *moved, *ready;
};

/* The three moves in this job's savepoint. The writer holds the
 * database's write lock (BEGIN IMMEDIATE) for the whole group, so another
 * handle's or process's job for the same order runs before or after this
 * one, never between its reads and writes. */
static enum ca_err run_validated(struct sq_store *s, const void *arg, struct ca_error *err)
{
	const struct validated *a = arg;
	const struct val v[] = {VT(a->id), VT("processing"), VT("valid"),
				VT(NULL),  VT(NULL),	     VN(a->at)};
	int changes = 0;
	(void)err;
	enum ca_err rc = exec_q(s, &q_chall_move, v, 6, &changes);
	*a->moved = rc == CA_OK && changes > 0;
	if (rc == CA_OK && changes > 0)
		rc = exec_q(s, &q_validated_authz, v, 1, &changes);
	if (rc == CA_OK && changes > 0)
		rc = exec_q(s, &q_validated_order, v, 1, &changes);
	*a->ready = rc == CA_OK && *a->moved && changes > 0;
	return rc;
}

static enum ca_err chall_validated(struct store *s, const char *id, int64_t validated_at,
				   bool *moved, bool *ready)
{
	struct validated a = {id, validated_at, moved, ready};
	return submit(s, run_validated, &a, DURABLE);
}

const struct store_acme_ops store_sqlite_acme_ops = {
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
