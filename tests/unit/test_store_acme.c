/*
 * The ACME part of the store's contract (store_acme.h): each case is
 * written once over a struct store * and run against every backend a
 * factory exists for (SQLite, and PostgreSQL when ctest's fixture cluster
 * is up: PRIVCA_PG_STATE, tests/pg.sh). What a node sharing the store must be able to rely on:
 * nonces single-use across handles and threads, EAB keys spent with the
 * account they bind or not at all, orders written whole or not at all,
 * compare-and-set moves, the orders list paged the same way everywhere.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/store.h"
#include "store/store_acme.h"
#include "support/storefx.h"

struct backend {
	const char *name;
	struct store *(*make)(char *where, size_t size); /* NULL: not available */
	struct store *(*again)(const char *where);	 /* a second handle: another node */
	void (*drop)(const char *where);
};

static const struct backend backends[] = {
    {"sqlite", storefx_sqlite_make, storefx_sqlite_again, storefx_sqlite_drop},
    {"postgresql", storefx_pg_make, storefx_pg_again, storefx_pg_drop},
};
static size_t running; /* the backend the group runs on */

struct fx {
	char where[256];
	struct store *s;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ca_error e;
	f->s = backends[running].make(f->where, sizeof(f->where));
	assert_non_null(f->s);
	struct store_token t = {.name = "team-a", .max_days = 30, .created_at = 5};
	assert_int_equal(store_token_put(f->s, &t, "aa", &e), CA_OK);
	t.name = "team-b";
	assert_int_equal(store_token_put(f->s, &t, "bb", &e), CA_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(f->s);
	backends[running].drop(f->where);
	free(f);
	return 0;
}

/* ---- nonces ---- */

static void nonce_single_use_across_handles(void **state)
{
	struct fx *f = *state;
	struct store *other = backends[running].again(f->where);
	bool ok = true;
	assert_non_null(other);
	assert_int_equal(store_acme_nonce_put(f->s, "n1", 100), CA_OK);
	assert_int_equal(store_acme_nonce_put(f->s, "n1", 100), CA_ERR_EXISTS);
	/* Issued by one node, spent on another, then gone for both. */
	assert_int_equal(store_acme_nonce_take(other, "n1", 50, &ok), CA_OK);
	assert_true(ok);
	assert_int_equal(store_acme_nonce_take(f->s, "n1", 50, &ok), CA_OK);
	assert_false(ok);
	assert_int_equal(store_acme_nonce_take(other, "n1", 50, &ok), CA_OK);
	assert_false(ok);
	/* Unknown and expired nonces are not fresh. */
	assert_int_equal(store_acme_nonce_take(f->s, "never", 50, &ok), CA_OK);
	assert_false(ok);
	assert_int_equal(store_acme_nonce_put(other, "n2", 100), CA_OK);
	assert_int_equal(store_acme_nonce_take(f->s, "n2", 101, &ok), CA_OK);
	assert_false(ok);
	store_close(other);
}

struct taker {
	struct store *s;
	const char *nonce;
	bool ok;
	enum ca_err rc;
};

static void *take_main(void *p)
{
	struct taker *t = p;
	t->rc = store_acme_nonce_take(t->s, t->nonce, 10, &t->ok);
	return NULL;
}

static void nonce_taken_once_under_concurrency(void **state)
{
	struct fx *f = *state;
	struct store *other = backends[running].again(f->where);
	assert_non_null(other);
	enum { N = 8 };
	for (int round = 0; round < 4; round++) {
		char nonce[16];
		snprintf(nonce, sizeof(nonce), "race%d", round);
		assert_int_equal(store_acme_nonce_put(f->s, nonce, 100), CA_OK);
		struct taker t[N];
		pthread_t th[N];
		for (int i = 0; i < N; i++) {
			t[i] = (struct taker){i % 2 ? other : f->s, nonce, false, CA_ERR_STORE};
			assert_int_equal(pthread_create(&th[i], NULL, take_main, &t[i]), 0);
		}
		int won = 0;
		for (int i = 0; i < N; i++) {
			pthread_join(th[i], NULL);
			assert_int_equal(t[i].rc, CA_OK);
			won += t[i].ok;
		}
		assert_int_equal(won, 1);
	}
	store_close(other);
}

/* ---- EAB and accounts ---- */

static struct store_acme_account account(const char *id, const char *tp, const char *team,
					 const char *kid)
{
	struct store_acme_account a = {.created_at = 10};
	snprintf(a.id, sizeof(a.id), "%s", id);
	snprintf(a.thumbprint, sizeof(a.thumbprint), "%s", tp);
	snprintf(a.jwk.kty, sizeof(a.jwk.kty), "EC");
	snprintf(a.jwk.crv, sizeof(a.jwk.crv), "P-256");
	snprintf(a.jwk.x, sizeof(a.jwk.x), "x-%s", id);
	snprintf(a.jwk.y, sizeof(a.jwk.y), "y-%s", id);
	snprintf(a.team, sizeof(a.team), "%s", team);
	snprintf(a.status, sizeof(a.status), "valid");
	snprintf(a.eab_kid, sizeof(a.eab_kid), "%s", kid);
	return a;
}

static void eab_spent_with_its_account_or_not_at_all(void **state)
{
	struct fx *f = *state;
	struct store_acme_eab k = {
	    .kid = "kid1", .team = "team-a", .created_at = 1, .expires_at = 100};
	struct store_acme_eab got;
	assert_int_equal(store_acme_eab_put(f->s, &k), CA_OK);
	assert_int_equal(store_acme_eab_put(f->s, &k), CA_ERR_EXISTS);

	/* Another team's key, an expired key: refused, nothing written. */
	struct store_acme_account b = account("acctB", "tpB", "team-b", "kid1");
	assert_int_equal(store_acme_account_put(f->s, &b, 20), CA_ERR_FORBIDDEN);
	struct store_acme_account a = account("acctA", "tpA", "team-a", "kid1");
	assert_int_equal(store_acme_account_put(f->s, &a, 100), CA_ERR_FORBIDDEN);
	struct store_acme_account out;
	assert_int_equal(store_acme_account_get(f->s, "acctB", &out), CA_ERR_NOT_FOUND);
	assert_int_equal(store_acme_account_get(f->s, "acctA", &out), CA_ERR_NOT_FOUND);

	/* A thumbprint taken: the account is refused and the key not spent. */
	struct store_acme_account open = account("acctO", "tpA", "team-a", "");
	assert_int_equal(store_acme_account_put(f->s, &open, 20), CA_OK);
	assert_int_equal(store_acme_account_put(f->s, &a, 20), CA_ERR_EXISTS);
	assert_int_equal(store_acme_eab_get(f->s, "kid1", &got), CA_OK);
	assert_int_equal(got.used_at, 0);
	assert_string_equal(got.account_id, "");

	/* Spent once, with the account; a second account cannot use it. */
	snprintf(a.thumbprint, sizeof(a.thumbprint), "tpA2");
	assert_int_equal(store_acme_account_put(f->s, &a, 20), CA_OK);
	assert_int_equal(store_acme_eab_get(f->s, "kid1", &got), CA_OK);
	assert_int_equal(got.used_at, 20);
	assert_string_equal(got.account_id, "acctA");
	struct store_acme_account c = account("acctC", "tpC", "team-a", "kid1");
	assert_int_equal(store_acme_account_put(f->s, &c, 21), CA_ERR_FORBIDDEN);
	assert_int_equal(store_acme_account_get(f->s, "acctC", &out), CA_ERR_NOT_FOUND);

	/* Revoked keys: listed, not revocable twice, not spendable. */
	struct store_acme_eab k2 = {
	    .kid = "kid2", .team = "team-a", .created_at = 2, .expires_at = 100};
	assert_int_equal(store_acme_eab_put(f->s, &k2), CA_OK);
	assert_int_equal(store_acme_eab_revoke(f->s, "kid2", 30), CA_OK);
	assert_int_equal(store_acme_eab_revoke(f->s, "kid2", 31), CA_ERR_NOT_FOUND);
	assert_int_equal(store_acme_eab_revoke(f->s, "nope", 31), CA_ERR_NOT_FOUND);
	struct store_acme_account d = account("acctD", "tpD", "team-a", "kid2");
	assert_int_equal(store_acme_account_put(f->s, &d, 32), CA_ERR_FORBIDDEN);
	struct store_acme_eab *v;
	size_t n;
	assert_int_equal(store_acme_eab_list(f->s, "team-a", &v, &n), CA_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].kid, "kid1");
	assert_string_equal(v[1].kid, "kid2");
	assert_int_equal(v[1].revoked_at, 30);
	free(v);
}

static void account_update_rekey_and_team_revocation(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	struct store_acme_account a = account("acct1", "tp1", "team-a", "");
	struct store_acme_account b = account("acct2", "tp2", "team-a", "");
	struct store_acme_account out;
	assert_int_equal(store_acme_account_put(f->s, &a, 20), CA_OK);
	assert_int_equal(store_acme_account_put(f->s, &b, 20), CA_OK);
	assert_int_equal(store_acme_account_by_thumbprint(f->s, "tp2", &out), CA_OK);
	assert_string_equal(out.id, "acct2");
	assert_string_equal(out.jwk.x, "x-acct2");

	/* keyChange onto a key another account holds: refused, unchanged. */
	struct store_acme_jwk k = {.kty = "OKP", .crv = "Ed25519", .x = "new"};
	assert_int_equal(store_acme_account_rekey(f->s, "acct1", &k, "tp2"), CA_ERR_EXISTS);
	assert_int_equal(store_acme_account_get(f->s, "acct1", &out), CA_OK);
	assert_string_equal(out.thumbprint, "tp1");
	assert_int_equal(store_acme_account_rekey(f->s, "acct1", &k, "tp3"), CA_OK);
	assert_int_equal(store_acme_account_by_thumbprint(f->s, "tp3", &out), CA_OK);
	assert_string_equal(out.jwk.kty, "OKP");
	assert_string_equal(out.jwk.y, "");
	assert_int_equal(store_acme_account_by_thumbprint(f->s, "tp1", &out), CA_ERR_NOT_FOUND);

	assert_int_equal(store_acme_account_update(f->s, "acct1", "mailto:a@x", "valid"), CA_OK);
	assert_int_equal(store_acme_account_update(f->s, "acct1", "", "deactivated"), CA_OK);
	assert_int_equal(store_acme_account_update(f->s, "acct1", "", "valid"), CA_ERR_NOT_FOUND);
	assert_int_equal(store_acme_account_rekey(f->s, "acct1", &k, "tp4"), CA_ERR_NOT_FOUND);
	assert_int_equal(store_acme_account_get(f->s, "acct1", &out), CA_OK);
	assert_string_equal(out.status, "deactivated");

	/* The team's token revoked: its accounts read as deactivated. */
	assert_int_equal(store_acme_account_get(f->s, "acct2", &out), CA_OK);
	assert_string_equal(out.status, "valid");
	assert_int_equal(store_token_revoke(f->s, "team-a", 40, &e), CA_OK);
	assert_int_equal(store_acme_account_get(f->s, "acct2", &out), CA_OK);
	assert_string_equal(out.status, "deactivated");
}

static void open_team_one_at_a_time(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	char team[65];
	assert_int_equal(store_acme_open_team(f->s, team), CA_OK);
	assert_string_equal(team, "");
	assert_int_equal(store_acme_open_team_set(f->s, "team-a"), CA_OK);
	assert_int_equal(store_acme_open_team_set(f->s, "team-a"), CA_OK);
	assert_int_equal(store_acme_open_team_set(f->s, "team-b"), CA_ERR_EXISTS);
	assert_int_equal(store_acme_open_team(f->s, team), CA_OK);
	assert_string_equal(team, "team-a");
	/* A revoked team is no open team, and another may take its place. */
	assert_int_equal(store_token_revoke(f->s, "team-a", 40, &e), CA_OK);
	assert_int_equal(store_acme_open_team(f->s, team), CA_OK);
	assert_string_equal(team, "");
	assert_int_equal(store_acme_open_team_set(f->s, "team-b"), CA_OK);
	assert_int_equal(store_acme_open_team(f->s, team), CA_OK);
	assert_string_equal(team, "team-b");
}

/* ---- orders, authorizations, challenges ---- */

struct order_fx {
	struct store_acme_order o;
	struct store_acme_authz az[2];
	struct store_acme_chall ch[4];
};

/* Order `id` of account acct created at `at`: two authorizations (dns
 * a.example, wildcard *.a.example) with one or two challenges. */
static void order_make(struct order_fx *x, const char *id, const char *acct, int64_t at)
{
	memset(x, 0, sizeof(*x));
	snprintf(x->o.id, sizeof(x->o.id), "%s", id);
	snprintf(x->o.account_id, sizeof(x->o.account_id), "%s", acct);
	snprintf(x->o.status, sizeof(x->o.status), "pending");
	x->o.expires_at = at + 1000;
	x->o.created_at = at;
	x->o.identifiers = "dns:a.example\ndns:*.a.example";
	for (int i = 0; i < 2; i++) {
		struct store_acme_authz *a = &x->az[i];
		snprintf(a->id, sizeof(a->id), "%s-az%d", id, i);
		snprintf(a->order_id, sizeof(a->order_id), "%s", id);
		snprintf(a->account_id, sizeof(a->account_id), "%s", acct);
		snprintf(a->type, sizeof(a->type), "dns");
		snprintf(a->value, sizeof(a->value), "a.example");
		a->wildcard = i == 1;
		snprintf(a->status, sizeof(a->status), "pending");
		a->expires_at = at + 1000;
		a->position = i;
	}
	const char *types[] = {"http-01", "dns-01", "dns-01"};
	for (int i = 0; i < 3; i++) {
		struct store_acme_chall *c = &x->ch[i];
		snprintf(c->id, sizeof(c->id), "%s-ch%d", id, i);
		snprintf(c->authz_id, sizeof(c->authz_id), "%s", x->az[i < 2 ? 0 : 1].id);
		snprintf(c->type, sizeof(c->type), "%s", types[i]);
		snprintf(c->token, sizeof(c->token), "tok%d", i);
		snprintf(c->status, sizeof(c->status), "pending");
		c->position = i < 2 ? i : 0;
	}
}

/* Account acct1 and its order ord1 (made at 100, as order_make makes it), stored. */
static void put_ord1(struct store *s, struct order_fx *x)
{
	struct store_acme_account a = account("acct1", "tp1", "team-a", "");
	assert_int_equal(store_acme_account_put(s, &a, 20), CA_OK);
	order_make(x, "ord1", "acct1", 100);
	assert_int_equal(store_acme_order_put(s, &x->o, x->az, 2, x->ch, 3), CA_OK);
}

static void order_written_whole_and_read_back(void **state)
{
	struct fx *f = *state;
	struct store_acme_account a = account("acct1", "tp1", "team-a", "");
	assert_int_equal(store_acme_account_put(f->s, &a, 20), CA_OK);
	struct order_fx x;
	order_make(&x, "ord1", "acct1", 100);
	snprintf(x.o.replaces, sizeof(x.o.replaces), "aki.serial");
	assert_int_equal(store_acme_order_put(f->s, &x.o, x.az, 2, x.ch, 3), CA_OK);

	struct store_acme_order o;
	assert_int_equal(store_acme_order_get(f->s, "ord1", &o), CA_OK);
	assert_string_equal(o.status, "pending");
	assert_string_equal(o.identifiers, "dns:a.example\ndns:*.a.example");
	assert_string_equal(o.replaces, "aki.serial");
	assert_int_equal(o.created_at, 100);
	store_acme_order_clear(&o);
	struct store_acme_authz *az;
	size_t n;
	assert_int_equal(store_acme_authz_list(f->s, "ord1", &az, &n), CA_OK);
	assert_int_equal(n, 2);
	assert_string_equal(az[0].id, "ord1-az0");
	assert_false(az[0].wildcard);
	assert_true(az[1].wildcard);
	free(az);
	struct store_acme_chall *ch;
	assert_int_equal(store_acme_chall_list(f->s, "ord1-az0", &ch, &n), CA_OK);
	assert_int_equal(n, 2);
	assert_string_equal(ch[0].type, "http-01");
	assert_string_equal(ch[1].type, "dns-01");
	assert_string_equal(ch[1].token, "tok1");
	free(ch);

	/* A second order whose last challenge collides: nothing of it stays. */
	struct order_fx y;
	order_make(&y, "ord2", "acct1", 101);
	snprintf(y.ch[2].id, sizeof(y.ch[2].id), "ord1-ch0");
	assert_int_equal(store_acme_order_put(f->s, &y.o, y.az, 2, y.ch, 3), CA_ERR_EXISTS);
	assert_int_equal(store_acme_order_get(f->s, "ord2", &o), CA_ERR_NOT_FOUND);
	struct store_acme_authz one;
	assert_int_equal(store_acme_authz_get(f->s, "ord2-az0", &one), CA_ERR_NOT_FOUND);
	struct store_acme_chall c;
	assert_int_equal(store_acme_chall_get(f->s, "ord2-ch0", &c), CA_ERR_NOT_FOUND);
}

static void moves_are_compare_and_set(void **state)
{
	struct fx *f = *state;
	struct order_fx x;
	put_ord1(f->s, &x);
	bool moved = true;

	assert_int_equal(
	    store_acme_chall_move(f->s, "ord1-ch0", "pending", "processing", NULL, NULL, 0, &moved),
	    CA_OK);
	assert_true(moved);
	assert_int_equal(
	    store_acme_chall_move(f->s, "ord1-ch0", "pending", "processing", NULL, NULL, 0, &moved),
	    CA_OK);
	assert_false(moved);
	struct store_acme_chall *p;
	size_t n;
	assert_int_equal(store_acme_chall_processing(f->s, &p, &n), CA_OK);
	assert_int_equal(n, 1);
	assert_string_equal(p[0].id, "ord1-ch0");
	free(p);
	assert_int_equal(store_acme_chall_move(f->s, "ord1-ch0", "processing", "invalid",
					       "urn:ietf:params:acme:error:connection",
					       "nothing answered", 150, &moved),
			 CA_OK);
	assert_true(moved);
	struct store_acme_chall c;
	assert_int_equal(store_acme_chall_get(f->s, "ord1-ch0", &c), CA_OK);
	assert_string_equal(c.status, "invalid");
	assert_string_equal(c.error_detail, "nothing answered");
	assert_int_equal(c.validated_at, 150);

	assert_int_equal(store_acme_authz_move(f->s, "ord1-az0", "valid", "deactivated", &moved),
			 CA_OK);
	assert_false(moved);
	assert_int_equal(store_acme_authz_move(f->s, "ord1-az0", "pending", "invalid", &moved),
			 CA_OK);
	assert_true(moved);

	assert_int_equal(
	    store_acme_order_move(f->s, "ord1", "ready", "processing", NULL, NULL, NULL, &moved),
	    CA_OK);
	assert_false(moved);
	assert_int_equal(store_acme_order_move(f->s, "ord1", "pending", "invalid", NULL,
					       "urn:ietf:params:acme:error:unauthorized", "no",
					       &moved),
			 CA_OK);
	assert_true(moved);
	struct store_acme_order o;
	assert_int_equal(store_acme_order_get(f->s, "ord1", &o), CA_OK);
	assert_string_equal(o.status, "invalid");
	assert_string_equal(o.error_type, "urn:ietf:params:acme:error:unauthorized");
	assert_string_equal(o.serial, "");
	store_acme_order_clear(&o);
	assert_int_equal(
	    store_acme_order_move(f->s, "nope", "pending", "invalid", NULL, NULL, NULL, &moved),
	    CA_OK);
	assert_false(moved);
}

static void orders_list_pages_newest_first(void **state)
{
	struct fx *f = *state;
	struct store_acme_account a = account("acct1", "tp1", "team-a", "");
	struct store_acme_account b = account("acct2", "tp2", "team-a", "");
	assert_int_equal(store_acme_account_put(f->s, &a, 20), CA_OK);
	assert_int_equal(store_acme_account_put(f->s, &b, 20), CA_OK);
	/* Seven orders, three of them in the same second; one of another account. */
	const char *ids[] = {"o1", "o2", "o3", "o4", "o5", "o6", "o7"};
	const int64_t at[] = {100, 101, 101, 101, 102, 103, 104};
	for (int i = 0; i < 7; i++) {
		struct order_fx x;
		order_make(&x, ids[i], "acct1", at[i]);
		assert_int_equal(store_acme_order_put(f->s, &x.o, x.az, 2, x.ch, 3), CA_OK);
	}
	struct order_fx other;
	order_make(&other, "z", "acct2", 101);
	assert_int_equal(store_acme_order_put(f->s, &other.o, other.az, 2, other.ch, 3), CA_OK);

	const char *want[] = {"o7", "o6", "o5", "o4", "o3", "o2", "o1"};
	char after[STORE_ACME_ID] = "";
	size_t seen = 0;
	for (int page = 0; page < 4; page++) {
		char(*v)[STORE_ACME_ID] = NULL;
		size_t n = 99;
		assert_int_equal(store_acme_order_ids(f->s, "acct1", after, 3, &v, &n), CA_OK);
		assert_true(n <= 3);
		for (size_t i = 0; i < n; i++)
			assert_string_equal(v[i], want[seen++]);
		if (n > 0)
			snprintf(after, sizeof(after), "%s", v[n - 1]);
		free(v);
		if (n < 3)
			break;
	}
	assert_int_equal(seen, 7);
	/* Another account's order as the cursor: an empty page. */
	char(*v)[STORE_ACME_ID] = NULL;
	size_t n = 99;
	assert_int_equal(store_acme_order_ids(f->s, "acct1", "z", 3, &v, &n), CA_OK);
	assert_int_equal(n, 0);
	free(v);
	assert_int_equal(store_acme_order_ids(f->s, "acct2", "", 3, &v, &n), CA_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], "z");
	free(v);
}

static void valid_authorization_found_for_reuse(void **state)
{
	struct fx *f = *state;
	struct store_acme_account a = account("acct1", "tp1", "team-a", "");
	struct store_acme_account b = account("acct2", "tp2", "team-a", "");
	assert_int_equal(store_acme_account_put(f->s, &a, 20), CA_OK);
	assert_int_equal(store_acme_account_put(f->s, &b, 20), CA_OK);
	struct order_fx x, y;
	order_make(&x, "ord1", "acct1", 100); /* authorizations expire at 1100 */
	order_make(&y, "ord2", "acct1", 200); /* at 1200 */
	assert_int_equal(store_acme_order_put(f->s, &x.o, x.az, 2, x.ch, 3), CA_OK);
	assert_int_equal(store_acme_order_put(f->s, &y.o, y.az, 2, y.ch, 3), CA_OK);
	struct store_acme_authz out;

	/* Pending ones are not reused. */
	assert_int_equal(
	    store_acme_authz_valid(f->s, "acct1", "dns", "a.example", false, 150, &out),
	    CA_ERR_NOT_FOUND);
	bool moved;
	assert_int_equal(store_acme_authz_move(f->s, "ord1-az0", "pending", "valid", &moved),
			 CA_OK);
	assert_int_equal(store_acme_authz_move(f->s, "ord2-az0", "pending", "valid", &moved),
			 CA_OK);
	/* The one that lasts longest, for this account and identifier only. */
	assert_int_equal(
	    store_acme_authz_valid(f->s, "acct1", "dns", "a.example", false, 150, &out), CA_OK);
	assert_string_equal(out.id, "ord2-az0");
	assert_int_equal(store_acme_authz_valid(f->s, "acct1", "dns", "a.example", true, 150, &out),
			 CA_ERR_NOT_FOUND);
	assert_int_equal(
	    store_acme_authz_valid(f->s, "acct2", "dns", "a.example", false, 150, &out),
	    CA_ERR_NOT_FOUND);
	assert_int_equal(store_acme_authz_valid(f->s, "acct1", "ip", "a.example", false, 150, &out),
			 CA_ERR_NOT_FOUND);
	assert_int_equal(
	    store_acme_authz_valid(f->s, "acct1", "dns", "b.example", false, 150, &out),
	    CA_ERR_NOT_FOUND);
	/* Expired ones are not. */
	assert_int_equal(store_acme_authz_move(f->s, "ord2-az0", "valid", "deactivated", &moved),
			 CA_OK);
	assert_int_equal(
	    store_acme_authz_valid(f->s, "acct1", "dns", "a.example", false, 1099, &out), CA_OK);
	assert_string_equal(out.id, "ord1-az0");
	assert_int_equal(
	    store_acme_authz_valid(f->s, "acct1", "dns", "a.example", false, 1100, &out),
	    CA_ERR_NOT_FOUND);
}

/* Challenges first..last of order id put in processing, as a challenge POST does. */
static void processing(struct store *s, const char *id, int first, int last)
{
	for (int i = first; i <= last; i++) {
		char ch[STORE_ACME_ID];
		bool moved = false;
		snprintf(ch, sizeof(ch), "%s-ch%d", id, i);
		assert_int_equal(
		    store_acme_chall_move(s, ch, "pending", "processing", NULL, NULL, 0, &moved),
		    CA_OK);
		assert_true(moved);
	}
}

/* "ORDER-STATUS AUTHZ0-STATUS AUTHZ1-STATUS" of order is want. */
static void status_is(struct store *s, const char *order, const char *want)
{
	struct store_acme_order o;
	struct store_acme_authz *az = NULL;
	size_t n = 0;
	assert_int_equal(store_acme_order_get(s, order, &o), CA_OK);
	assert_int_equal(store_acme_authz_list(s, order, &az, &n), CA_OK);
	assert_int_equal(n, 2);
	char got[64];
	snprintf(got, sizeof(got), "%s %s %s", o.status, az[0].status, az[1].status);
	store_acme_order_clear(&o);
	free(az);
	assert_string_equal(got, want);
}

static void validated_moves_challenge_authz_and_order_together(void **state)
{
	struct fx *f = *state;
	struct order_fx x;
	put_ord1(f->s, &x);
	bool moved = true, ready = true;

	/* A challenge that is not processing: nothing changes. */
	assert_int_equal(store_acme_chall_validated(f->s, "ord1-ch0", 150, &moved, &ready), CA_OK);
	assert_false(moved);
	assert_false(ready);
	status_is(f->s, "ord1", "pending pending pending");
	assert_int_equal(store_acme_chall_validated(f->s, "nope", 150, &moved, &ready), CA_OK);
	assert_false(moved);

	processing(f->s, "ord1", 0, 2);
	assert_int_equal(store_acme_chall_validated(f->s, "ord1-ch0", 150, &moved, &ready), CA_OK);
	assert_true(moved);
	assert_false(ready); /* the wildcard's authorization is still pending */
	struct store_acme_chall c;
	assert_int_equal(store_acme_chall_get(f->s, "ord1-ch0", &c), CA_OK);
	assert_string_equal(c.status, "valid");
	assert_int_equal(c.validated_at, 150);
	status_is(f->s, "ord1", "pending valid pending");
	/* Answered already: no second move. */
	assert_int_equal(store_acme_chall_validated(f->s, "ord1-ch0", 160, &moved, &ready), CA_OK);
	assert_false(moved);
	assert_int_equal(store_acme_chall_get(f->s, "ord1-ch0", &c), CA_OK);
	assert_int_equal(c.validated_at, 150);
	/* The valid authorization's other challenge: it moves, nothing else. */
	assert_int_equal(store_acme_chall_validated(f->s, "ord1-ch1", 160, &moved, &ready), CA_OK);
	assert_true(moved);
	assert_false(ready);
	status_is(f->s, "ord1", "pending valid pending");
	/* The last authorization: the order is ready in the same transaction. */
	assert_int_equal(store_acme_chall_validated(f->s, "ord1-ch2", 170, &moved, &ready), CA_OK);
	assert_true(moved);
	assert_true(ready);
	status_is(f->s, "ord1", "ready valid valid");

	/* An order that became invalid stays so when its last one validates. */
	struct order_fx y;
	order_make(&y, "ord2", "acct1", 100);
	assert_int_equal(store_acme_order_put(f->s, &y.o, y.az, 2, y.ch, 3), CA_OK);
	processing(f->s, "ord2", 0, 2);
	assert_int_equal(store_acme_chall_validated(f->s, "ord2-ch0", 150, &moved, &ready), CA_OK);
	assert_int_equal(store_acme_order_move(f->s, "ord2", "pending", "invalid", NULL,
					       "unauthorized", "deactivated", &moved),
			 CA_OK);
	assert_true(moved);
	assert_int_equal(store_acme_chall_validated(f->s, "ord2-ch2", 160, &moved, &ready), CA_OK);
	assert_true(moved);
	assert_false(ready);
	status_is(f->s, "ord2", "invalid valid valid");
}

struct validator {
	struct store *s;
	const char *chall;
	pthread_barrier_t *go;
	bool moved, ready;
	enum ca_err rc;
};

static void *validate_main(void *p)
{
	struct validator *v = p;
	pthread_barrier_wait(v->go);
	v->rc = store_acme_chall_validated(v->s, v->chall, 200, &v->moved, &v->ready);
	return NULL;
}

/* Two nodes record an order's last two authorizations at the same moment:
 * the order ends ready, and exactly one of them made it so. */
static void last_two_authorizations_at_once_make_the_order_ready(void **state)
{
	struct fx *f = *state;
	struct store *other = backends[running].again(f->where);
	assert_non_null(other);
	struct store_acme_account a = account("acct1", "tp1", "team-a", "");
	assert_int_equal(store_acme_account_put(f->s, &a, 20), CA_OK);
	for (int round = 0; round < 12; round++) {
		char id[16], c0[STORE_ACME_ID], c2[STORE_ACME_ID];
		snprintf(id, sizeof(id), "race%d", round);
		snprintf(c0, sizeof(c0), "%s-ch0", id);
		snprintf(c2, sizeof(c2), "%s-ch2", id);
		struct order_fx x;
		order_make(&x, id, "acct1", 100 + round);
		assert_int_equal(store_acme_order_put(f->s, &x.o, x.az, 2, x.ch, 3), CA_OK);
		processing(f->s, id, 0, 2);
		pthread_barrier_t go;
		pthread_barrier_init(&go, NULL, 2);
		struct validator v[2] = {{f->s, c0, &go, false, false, CA_ERR_STORE},
					 {other, c2, &go, false, false, CA_ERR_STORE}};
		pthread_t th[2];
		for (int i = 0; i < 2; i++)
			assert_int_equal(pthread_create(&th[i], NULL, validate_main, &v[i]), 0);
		for (int i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&go);
		for (int i = 0; i < 2; i++) {
			assert_int_equal(v[i].rc, CA_OK);
			assert_true(v[i].moved);
		}
		assert_int_equal(v[0].ready + v[1].ready, 1);
		status_is(f->s, id, "ready valid valid");
		status_is(other, id, "ready valid valid");
	}
	store_close(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(nonce_single_use_across_handles, setup, teardown),
	    cmocka_unit_test_setup_teardown(nonce_taken_once_under_concurrency, setup, teardown),
	    cmocka_unit_test_setup_teardown(eab_spent_with_its_account_or_not_at_all, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(account_update_rekey_and_team_revocation, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(open_team_one_at_a_time, setup, teardown),
	    cmocka_unit_test_setup_teardown(order_written_whole_and_read_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(moves_are_compare_and_set, setup, teardown),
	    cmocka_unit_test_setup_teardown(orders_list_pages_newest_first, setup, teardown),
	    cmocka_unit_test_setup_teardown(valid_authorization_found_for_reuse, setup, teardown),
	    cmocka_unit_test_setup_teardown(validated_moves_challenge_authz_and_order_together,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(last_two_authorizations_at_once_make_the_order_ready,
					    setup, teardown),
	};
	if (!storefx_pg_init())
		return 1;
	int fails = 0;
	for (running = 0; running < sizeof(backends) / sizeof(backends[0]); running++) {
		char name[64];
		if (strcmp(backends[running].name, "postgresql") == 0 && !storefx_pg_url[0]) {
			fprintf(stderr, "store acme (postgresql): skipped, no PRIVCA_PG_STATE\n");
			continue;
		}
		snprintf(name, sizeof(name), "store acme (%s)", backends[running].name);
		fails += _cmocka_run_group_tests(name, tests, sizeof(tests) / sizeof(tests[0]),
						 NULL, NULL);
	}
	return fails;
}
