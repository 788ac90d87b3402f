/*
 * The store's contract: each case is written once over a struct store *
 * and run against every backend a factory exists for (SQLite here; a
 * PostgreSQL factory, run when PRIVCA_PG_URL is set, is one more line in
 * backends[]). Then the SQLite store's own defects, checked through a
 * second raw connection to its file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/sqlite_int.h"
#include "store/store.h"

struct backend {
	const char *name;
	struct store *(*make)(char *where, size_t size); /* NULL: not available */
};

static struct store *make_sqlite(char *where, size_t size)
{
	struct ca_error e;
	struct store *s;
	snprintf(where, size, "/tmp/privca-contract-%d-XXXXXX", (int)getpid());
	int fd = mkstemp(where);
	if (fd < 0)
		return NULL;
	close(fd);
	if (store_open(where, true, &s, &e) != CA_OK)
		return NULL;
	return s;
}

static const struct backend backends[] = {
    {"sqlite", make_sqlite},
};

struct fx {
	char where[256];
	struct store *s;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->s = backends[0].make(f->where, sizeof(f->where));
	assert_non_null(f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char side[300];
	store_close(f->s);
	unlink(f->where);
	snprintf(side, sizeof(side), "%s-wal", f->where);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", f->where);
	unlink(side);
	free(f);
	return 0;
}

static uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0x01};

static enum ca_err put(struct store *s, int i, int64_t created, const char *dns)
{
	struct ca_cert c = {0};
	char *names[1] = {(char *)dns};
	snprintf(c.serial, sizeof(c.serial), "%032x", i);
	c.subject = "CN=test";
	c.dns_names = names;
	c.n_dns = 1;
	c.not_before = created;
	c.not_after = created + 86400 * (10 + i);
	c.profile = CA_PROFILE_SERVER;
	c.requester = i % 2 ? "team-a" : "team-b";
	c.der = der;
	c.der_len = sizeof(der);
	c.created_at = created;
	struct ca_error e;
	return store_cert_put(s, &c, &e);
}

static void put_get(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	struct ca_cert *c = NULL;
	assert_int_equal(put(f->s, 1, 1000, "a.example"), CA_OK);
	assert_int_equal(put(f->s, 1, 1000, "b.example"), CA_ERR_EXISTS);
	assert_int_equal(store_cert_get(f->s, "00000000000000000000000000000001", 2000, &c, &e),
			 CA_OK);
	assert_string_equal(c->dns_names[0], "a.example");
	assert_int_equal(c->der_len, sizeof(der));
	assert_int_equal(c->status, CA_STATUS_VALID);
	ca_cert_free(c);
	assert_int_equal(store_cert_get(f->s, "00000000000000000000000000000009", 2000, &c, &e),
			 CA_ERR_NOT_FOUND);
}

static void list_order_and_paging(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	for (int i = 1; i <= 5; i++) /* all in the same second: issue order breaks ties */
		assert_int_equal(put(f->s, i, 1000, i == 3 ? "needle.example" : "x.example"),
				 CA_OK);
	struct ca_list_query q = {.limit = 2};
	struct ca_cert_list l;
	char want = '5';
	for (int page = 0; page < 3; page++) {
		assert_int_equal(store_list(f->s, &q, 2000, &l, &e), CA_OK);
		for (size_t i = 0; i < l.n; i++)
			assert_int_equal(l.items[i]->serial[31], want--);
		static char cur[64];
		if (l.next_cursor != NULL)
			snprintf(cur, sizeof(cur), "%s", l.next_cursor);
		q.cursor = l.next_cursor != NULL ? cur : NULL;
		ca_cert_list_free(&l);
	}
	assert_int_equal(want, '0');
	struct ca_list_query sq = {.q = "NEEDLE"};
	assert_int_equal(store_list(f->s, &sq, 2000, &l, &e), CA_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.items[0]->serial[31], '3');
	ca_cert_list_free(&l);
	struct ca_list_query bad = {.cursor = "zz"};
	assert_int_equal(store_list(f->s, &bad, 2000, &l, &e), CA_ERR_BAD_REQUEST);
}

static void revoke_rules(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	const char *sn = "00000000000000000000000000000001"; /* team-a's */
	int64_t g0, g1;
	assert_int_equal(put(f->s, 1, 1000, "a.example"), CA_OK);
	assert_int_equal(store_revocation_gen(f->s, &g0), CA_OK);
	struct store_revocation other = {sn, 1500, CA_REASON_SUPERSEDED, "team-b", "team-b"};
	assert_int_equal(store_revoke(f->s, &other, &e), CA_ERR_FORBIDDEN);
	struct store_revocation mine = {sn, 1500, CA_REASON_SUPERSEDED, "team-a", "team-a"};
	assert_int_equal(store_revoke(f->s, &mine, &e), CA_OK);
	assert_int_equal(store_revoke(f->s, &mine, &e), CA_ERR_ALREADY_REVOKED);
	assert_int_equal(store_revocation_gen(f->s, &g1), CA_OK);
	assert_true(g1 > g0);
	struct store_status st;
	assert_int_equal(store_status(f->s, sn, &st, &e), CA_OK);
	assert_true(st.found && st.revoked);
	assert_int_equal(st.reason, CA_REASON_SUPERSEDED);
	struct store_revoked *rv;
	size_t n;
	assert_int_equal(store_revoked_list(f->s, 2000, &rv, &n, &e), CA_OK);
	assert_int_equal(n, 1);
	assert_int_equal(rv[0].serial_len, 16);
	free(rv);
}

/* A delta CRL's entries: only what was revoked after the generation asked
 * about, unexpired, in serial order; the full list still has everything. */
static void revoked_since_generation(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	const char *s1 = "00000000000000000000000000000001",
		   *s3 = "00000000000000000000000000000003";
	int64_t g0, g1;
	assert_int_equal(put(f->s, 1, 1000, "a.example"), CA_OK);
	assert_int_equal(put(f->s, 3, 1000, "c.example"), CA_OK);
	assert_int_equal(store_revocation_gen(f->s, &g0), CA_OK);
	struct store_revocation r1 = {s1, 1500, CA_REASON_SUPERSEDED, "cli", NULL};
	assert_int_equal(store_revoke(f->s, &r1, &e), CA_OK);
	assert_int_equal(store_revocation_gen(f->s, &g1), CA_OK);
	struct store_revocation r3 = {s3, 1600, CA_REASON_KEY_COMPROMISE, "cli", NULL};
	assert_int_equal(store_revoke(f->s, &r3, &e), CA_OK);
	struct store_revoked *rv;
	size_t n;
	assert_int_equal(store_revoked_since(f->s, g0, 2000, &rv, &n, &e), CA_OK);
	assert_int_equal(n, 2);
	assert_int_equal(rv[0].serial[15], 1);
	assert_int_equal(rv[1].serial[15], 3);
	free(rv);
	assert_int_equal(store_revoked_since(f->s, g1, 2000, &rv, &n, &e), CA_OK);
	assert_int_equal(n, 1);
	assert_int_equal(rv[0].serial[15], 3);
	assert_int_equal(rv[0].reason, CA_REASON_KEY_COMPROMISE);
	assert_int_equal(rv[0].revoked_at, 1600);
	free(rv);
	/* Expired certificates leave deltas as they leave the CRL. */
	assert_int_equal(store_revoked_since(f->s, g0, 1000 + 86400 * 12, &rv, &n, &e), CA_OK);
	assert_int_equal(n, 1);
	assert_int_equal(rv[0].serial[15], 3);
	free(rv);
	assert_int_equal(store_revoked_list(f->s, 2000, &rv, &n, &e), CA_OK);
	assert_int_equal(n, 2);
	free(rv);
}

static void crl_cas(void **state)
{
	struct fx *f = *state;
	uint8_t a[1] = {1};
	struct store_crl one = {1, a, 1, 10, 20, 0, 0, -1, 0},
			 again = {1, a, 1, 11, 21, 0, 0, -1, 0};
	assert_int_equal(store_crl_put(f->s, &one), CA_OK);
	assert_int_equal(store_crl_put(f->s, &again), CA_ERR_EXISTS);
}

static void tokens_and_events(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	struct store_token t = {.name = "team-a", .max_days = 30, .created_at = 5};
	assert_int_equal(store_token_put(f->s, &t, "ab", &e), CA_OK);
	assert_int_equal(store_token_put(f->s, &t, "cd", &e), CA_ERR_EXISTS);
	struct store_token *got;
	assert_int_equal(store_token_by_hash(f->s, "ab", &got), CA_OK);
	assert_string_equal(got->name, "team-a");
	store_token_free(got);
	assert_int_equal(store_token_revoke(f->s, "team-a", 6, &e), CA_OK);
	assert_int_equal(store_token_by_hash(f->s, "ab", &got), CA_ERR_NOT_FOUND);
	assert_int_equal(store_token_revoke(f->s, "team-a", 7, &e), CA_ERR_NOT_FOUND);
	assert_int_equal(store_event(f->s, 8, "refuse", NULL, "team-a", "no"), CA_OK);
	struct store_event_row *ev;
	size_t n;
	assert_int_equal(store_event_list(f->s, 10, &ev, &n, &e), CA_OK);
	assert_int_equal(n, 3);
	assert_string_equal(ev[0].kind, "refuse");
	assert_string_equal(ev[1].kind, "token-revoke");
	assert_string_equal(ev[2].kind, "token-create");
	store_event_list_free(ev, n);
}

static void watch_sees_other_handle(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	struct store *other;
	struct store_change seen = {-1, 0, false};
	assert_int_equal(put(f->s, 1, 1000, "a.example"), CA_OK);
	assert_int_equal(store_watch(f->s, &seen, 0), CA_OK);
	assert_true(seen.changed);
	assert_int_equal(store_watch(f->s, &seen, 50), CA_OK);
	assert_false(seen.changed);
	assert_int_equal(store_open(f->where, false, &other, &e), CA_OK);
	struct store_revocation r = {"00000000000000000000000000000001", 1500,
				     CA_REASON_UNSPECIFIED, "cli", NULL};
	assert_int_equal(store_revoke(other, &r, &e), CA_OK);
	store_close(other);
	assert_int_equal(store_watch(f->s, &seen, 2000), CA_OK);
	assert_true(seen.changed);
}

/* ---- SQLite defects, through a raw connection ---- */

static sqlite3 *raw(struct fx *f)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->where, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static void bad_rows_are_errors(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	assert_int_equal(put(f->s, 1, 1000, "a.example"), CA_OK);
	assert_int_equal(put(f->s, 2, 1000, "b.example"), CA_OK);
	sqlite3 *db = raw(f);
	assert_int_equal(
	    sqlite3_exec(db,
			 "PRAGMA ignore_check_constraints = ON;"
			 "UPDATE certificates SET profile = 'bogus' WHERE serial LIKE '%1';"
			 "UPDATE certificates SET status = 'revoked', revoked_at = 5, "
			 "revocation_reason = 2, serial = 'zz' WHERE serial LIKE '%2';",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	struct ca_cert *c;
	assert_int_equal(store_cert_get(f->s, "00000000000000000000000000000001", 2000, &c, &e),
			 CA_ERR_STORE);
	assert_non_null(strstr(e.detail, "00000000000000000000000000000001"));
	struct store_revoked *rv;
	size_t n;
	assert_int_equal(store_revoked_list(f->s, 2000, &rv, &n, &e), CA_ERR_STORE);
	assert_non_null(strstr(e.detail, "zz"));
	struct store_status st;
	assert_int_equal(store_status(f->s, "zz", &st, &e), CA_ERR_STORE);
}

static void token_row_and_event_one_transaction(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	sqlite3 *db = raw(f);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TRIGGER no_events BEFORE INSERT ON events BEGIN "
				      "SELECT RAISE(ABORT, 'no'); END",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	struct store_token t = {.name = "team-a", .created_at = 5};
	assert_int_not_equal(store_token_put(f->s, &t, "ab", &e), CA_OK);
	struct store_token *got;
	assert_int_equal(store_token_by_hash(f->s, "ab", &got), CA_ERR_NOT_FOUND);
}

static void refusal_event_does_not_wait(void **state)
{
	struct fx *f = *state;
	sqlite3 *db = raw(f);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	time_t t0 = time(NULL);
	assert_int_equal(store_event(f->s, 1, "refuse", NULL, "x", "no"), CA_OK);
	assert_true(time(NULL) - t0 <= 1); /* before: the write lock's 10 s busy wait */
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void sql_text_overflow_refused(void **state)
{
	(void)state;
	struct sq_text b = {0};
	char big[700];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sq_text_add(&b, big);
	assert_non_null(sq_text_get(&b));
	sq_text_add(&b, big);
	assert_null(sq_text_get(&b));
	assert_true(b.n < sizeof(b.text));
}

static void postgres_not_built_in(void **state)
{
	(void)state;
	struct ca_error e;
	struct store *s;
	assert_int_equal(store_open("postgresql://db/privca", false, &s, &e), CA_ERR_BAD_REQUEST);
	assert_non_null(strstr(e.detail, "PostgreSQL"));
}

int main(void)
{
	const struct CMUnitTest contract[] = {
	    cmocka_unit_test_setup_teardown(put_get, setup, teardown),
	    cmocka_unit_test_setup_teardown(list_order_and_paging, setup, teardown),
	    cmocka_unit_test_setup_teardown(revoke_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(revoked_since_generation, setup, teardown),
	    cmocka_unit_test_setup_teardown(crl_cas, setup, teardown),
	    cmocka_unit_test_setup_teardown(tokens_and_events, setup, teardown),
	    cmocka_unit_test_setup_teardown(watch_sees_other_handle, setup, teardown),
	};
	const struct CMUnitTest sqlite_only[] = {
	    cmocka_unit_test_setup_teardown(bad_rows_are_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(token_row_and_event_one_transaction, setup, teardown),
	    cmocka_unit_test_setup_teardown(refusal_event_does_not_wait, setup, teardown),
	    cmocka_unit_test(sql_text_overflow_refused),
	    cmocka_unit_test(postgres_not_built_in),
	};
	int fails = cmocka_run_group_tests_name("store contract (sqlite)", contract, NULL, NULL);
	return fails + cmocka_run_group_tests_name("sqlite store", sqlite_only, NULL, NULL);
}
