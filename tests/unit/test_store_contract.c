/*
 * The store's contract: each case is written once over a struct store *
 * and run against every backend a factory exists for (SQLite, and
 * PostgreSQL when ctest's fixture cluster is up: PRIVCA_PG_STATE). Then the SQLite store's own
 * defects, checked through a second raw connection to its file.
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "store/sqlite_int.h"
#include "support/storefx.h"
#include "store/store.h"

struct backend {
	const char *name;
	struct store *(*make)(char *where, size_t size); /* NULL: not available */
	void (*drop)(const char *where);
};

/* ---- PostgreSQL: a throwaway cluster (tests/pg.sh, support/storefx.h) ---- */

static const struct backend backends[] = {
    {"sqlite", storefx_sqlite_make, storefx_sqlite_drop},
    {"postgresql", storefx_pg_make, storefx_pg_drop},
};
static size_t running; /* the backend the contract group runs on */

struct fx {
	char where[512];
	struct store *s;
	const struct backend *b;
};

static int setup_on(void **state, const struct backend *b)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->b = b;
	f->s = b->make(f->where, sizeof(f->where));
	assert_non_null(f->s);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_on(state, &backends[running]);
}

static int setup_sqlite(void **state)
{
	return setup_on(state, &backends[0]);
}

static int setup_pg(void **state)
{
	return setup_on(state, &backends[1]);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(f->s);
	f->b->drop(f->where);
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
	struct crl_entry *rv;
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
	struct crl_entry *rv;
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
	struct crl_entry *rv;
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

/* ---- the complete CRL's file beside the database (sqlite_crl.c) ---- */

/* How many files DIR holds; how many of them end in .der into nder. */
static int dir_files(const char *dir, int *nder)
{
	DIR *d = opendir(dir);
	int n = 0;
	*nder = 0;
	for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n++;
		*nder +=
		    strlen(e->d_name) > 4 && strcmp(e->d_name + strlen(e->d_name) - 4, ".der") == 0;
	}
	if (d != NULL)
		closedir(d);
	return n;
}

/* Set every file of dir back by age seconds. */
static void dir_age(const char *dir, int age)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct timespec t[2] = {{time(NULL) - age, 0}, {time(NULL) - age, 0}};
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		if (e->d_name[0] != '.' || e->d_name[1] == 't')
			assert_int_equal(utimensat(dirfd(d), e->d_name, t, 0), 0);
	closedir(d);
}

/* The file of the CRL the row names, as the row's hash in hex. */
static void crl_file_of(struct fx *f, char *path, size_t cap)
{
	sqlite3 *db = raw(f);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT length(der), lower(hex(der_sha256)) "
					    "FROM crl_state WHERE id = 1",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0); /* no DER in the row */
	snprintf(path, cap, "%s-crl/%s.der", f->where, (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void crl_file_beside_the_database(void **state)
{
	struct fx *f = *state;
	enum { LEN = 70000 };
	static uint8_t a[LEN], b[LEN], c[LEN];
	for (int i = 0; i < LEN; i++) {
		a[i] = (uint8_t)i;
		b[i] = (uint8_t)(i * 7);
		c[i] = (uint8_t)(i * 13 + 1);
	}
	char dir[600], file[700];
	snprintf(dir, sizeof(dir), "%s-crl", f->where);
	struct store_crl p1 = {1, a, LEN, 100, 200, 4, 0, -1, 0}, got;
	assert_int_equal(store_crl_put(f->s, &p1), CA_OK);
	crl_file_of(f, file, sizeof(file));
	FILE *fp = fopen(file, "rb");
	assert_non_null(fp);
	static uint8_t back[LEN + 1];
	assert_int_equal(fread(back, 1, sizeof(back), fp), LEN);
	fclose(fp);
	assert_memory_equal(back, a, LEN);
	assert_int_equal(store_crl_get(f->s, 4, 50, &got), CA_OK);
	assert_int_equal(got.len, LEN);
	assert_memory_equal(got.der, a, LEN);
	free(got.der);

	/* Two more: the one before stays for a reader, older ones go (once a
	 * minute old), and so does a temporary file an hour old; a fresh
	 * temporary file (a writer at work) stays. */
	struct store_crl p2 = {2, b, LEN, 110, 210, 5, 0, -1, 0},
			 p3 = {3, c, LEN, 120, 220, 6, 0, -1, 0};
	assert_int_equal(store_crl_put(f->s, &p2), CA_OK);
	char tmp[700];
	snprintf(tmp, sizeof(tmp), "%s/.tmp-1-1", dir);
	fp = fopen(tmp, "wb");
	assert_non_null(fp);
	fclose(fp);
	dir_age(dir, 2 * 3600);
	snprintf(tmp, sizeof(tmp), "%s/.tmp-1-2", dir);
	fp = fopen(tmp, "wb");
	assert_non_null(fp);
	fclose(fp);
	int nder;
	assert_int_equal(dir_files(dir, &nder), 4);
	assert_int_equal(store_crl_put(f->s, &p3), CA_OK);
	assert_int_equal(dir_files(dir, &nder), 3); /* CRLs 2 and 3, .tmp-1-2 */
	assert_int_equal(nder, 2);
	assert_int_equal(store_crl_get(f->s, 6, 50, &got), CA_OK);
	assert_int_equal(got.number, 3);
	assert_memory_equal(got.der, c, LEN);
	free(got.der);

	/* A damaged file, then a missing one: no CRL recorded, numbers kept. */
	crl_file_of(f, file, sizeof(file));
	int fd = open(file, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "x", 1, 1000), 1);
	close(fd);
	assert_int_equal(store_crl_get(f->s, 6, 50, &got), CA_OK);
	assert_int_equal(got.number, 3);
	assert_int_equal(got.generation, 6);
	assert_null(got.der);
	assert_int_equal(unlink(file), 0);
	assert_int_equal(store_crl_get(f->s, 6, 50, &got), CA_OK);
	assert_int_equal(got.number, 3);
	assert_null(got.der);

	/* A row from before 012 holds its DER itself. */
	sqlite3 *db = raw(f);
	assert_int_equal(sqlite3_exec(db, "UPDATE crl_state SET der = X'0102', der_sha256 = NULL",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_crl_get(f->s, 6, 50, &got), CA_OK);
	assert_int_equal(got.len, 2);
	assert_memory_equal(got.der, "\x01\x02", 2);
	free(got.der);
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

/* ---- more of the contract ---- */

static enum ca_err put_named(struct store *s, int i, const char *dns)
{
	return put(s, i, 1000 + i, dns);
}

static size_t hits(struct store *s, const char *q)
{
	struct ca_error e;
	struct ca_cert_list l;
	struct ca_list_query lq = {.q = q, .status = -1};
	assert_int_equal(store_list(s, &lq, 2000, &l, &e), CA_OK);
	size_t n = l.n;
	ca_cert_list_free(&l);
	return n;
}

/* q= is a case-insensitive substring, never a pattern: % _ \ " are
 * characters like any other on both backends. */
static void search_is_a_substring(void **state)
{
	struct fx *f = *state;
	assert_int_equal(put_named(f->s, 1, "a%b.example"), CA_OK);
	assert_int_equal(put_named(f->s, 2, "axb.example"), CA_OK);
	assert_int_equal(put_named(f->s, 3, "under_score.example"), CA_OK);
	assert_int_equal(put_named(f->s, 4, "back\\slash.example"), CA_OK);
	assert_int_equal(put_named(f->s, 5, "MiXeD.Example"), CA_OK);
	assert_int_equal(hits(f->s, "a%b"), 1);
	assert_int_equal(hits(f->s, "A%B"), 1);
	assert_int_equal(hits(f->s, "%"), 1);
	assert_int_equal(hits(f->s, "_"), 1);
	assert_int_equal(hits(f->s, "r_s"), 1);
	assert_int_equal(hits(f->s, "k\\s"), 1);
	assert_int_equal(hits(f->s, "mixed.ex"), 1);
	assert_int_equal(hits(f->s, "xb"), 1);
	assert_int_equal(hits(f->s, "example"), 5);
	assert_int_equal(hits(f->s, "nowhere"), 0);
	assert_int_equal(hits(f->s, "00000000000000000000000000000004"), 1);
}

static void expiry_order_and_counts(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	for (int i = 1; i <= 5; i++)
		assert_int_equal(put(f->s, i, 1000, "x.example"), CA_OK);
	/* not_after = 1000 + 86400 * (10 + i): soonest last */
	struct ca_list_query q = {.limit = 2, .sort = CA_SORT_EXPIRES, .status = -1};
	struct ca_cert_list l;
	char want = '5', cur_text[64];
	for (int page = 0; page < 3; page++) {
		assert_int_equal(store_list(f->s, &q, 2000, &l, &e), CA_OK);
		for (size_t i = 0; i < l.n; i++)
			assert_int_equal(l.items[i]->serial[31], want--);
		if (l.next_cursor != NULL)
			snprintf(cur_text, sizeof(cur_text), "%s", l.next_cursor);
		q.cursor = l.next_cursor != NULL ? cur_text : NULL;
		ca_cert_list_free(&l);
	}
	assert_int_equal(want, '0');
	struct store_revocation r = {"00000000000000000000000000000002", 1500,
				     CA_REASON_KEY_COMPROMISE, "cli", NULL};
	assert_int_equal(store_revoke(f->s, &r, &e), CA_OK);
	struct ca_counts c;
	/* at 1000 + 86400 * 13.5: serials 1..3 have expired, 2 of them revoked */
	assert_int_equal(store_count(f->s, 1000 + 86400 * 27 / 2, &c, &e), CA_OK);
	assert_int_equal(c.valid, 2);
	assert_int_equal(c.revoked, 1);
	assert_int_equal(c.expired, 2);
	assert_int_equal(c.expiring_30d, 2);
	struct ca_list_query rq = {.status = CA_STATUS_REVOKED};
	assert_int_equal(store_list(f->s, &rq, 2000, &l, &e), CA_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.items[0]->reason, CA_REASON_KEY_COMPROMISE);
	ca_cert_list_free(&l);
}

/* A tidy deletes only what expired before `before` (never after now), at
 * most limit per step, with their events, and counts them in tidied; a
 * dry run and a refused one change nothing. */
static void tidy_steps_and_counts(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	struct ca_counts c;
	struct ca_cert *got;
	uint64_t n = 99;
	for (int i = 1; i <= 5; i++)
		assert_int_equal(put(f->s, i, 1000, "x.example"), CA_OK);
	struct store_revocation r = {"00000000000000000000000000000002", 1500,
				     CA_REASON_KEY_COMPROMISE, "cli", NULL};
	assert_int_equal(store_revoke(f->s, &r, &e), CA_OK);
	/* at now, serials 1..3 have expired (not_after 11, 12, 13 days on) */
	int64_t now = 1000 + 86400 * 27 / 2;
	struct store_tidy t = {.before = now + 1, .now = now, .limit = 2, .actor = "test"};
	assert_int_equal(store_tidy(f->s, &t, &n, &e), CA_ERR_BAD_REQUEST);
	assert_int_equal(n, 0);
	t.before = now;
	t.limit = 0;
	assert_int_equal(store_tidy(f->s, &t, &n, &e), CA_ERR_BAD_REQUEST);
	t.dry_run = true;
	assert_int_equal(store_tidy(f->s, &t, &n, &e), CA_OK);
	assert_int_equal(n, 3);
	assert_int_equal(store_count(f->s, now, &c, &e), CA_OK);
	assert_int_equal(c.valid + c.revoked + c.expired, 5);
	assert_int_equal(c.tidied, 0);
	t.dry_run = false;
	t.limit = 2;
	assert_int_equal(store_tidy(f->s, &t, &n, &e), CA_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_tidy(f->s, &t, &n, &e), CA_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_tidy(f->s, &t, &n, &e), CA_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_count(f->s, now, &c, &e), CA_OK);
	assert_int_equal(c.valid, 2);
	assert_int_equal(c.revoked, 0);
	assert_int_equal(c.expired, 0);
	assert_int_equal(c.tidied, 3);
	assert_int_equal(store_cert_get(f->s, "00000000000000000000000000000001", now, &got, &e),
			 CA_ERR_NOT_FOUND);
	assert_int_equal(store_cert_get(f->s, "00000000000000000000000000000004", now, &got, &e),
			 CA_OK);
	ca_cert_free(got);
	/* the revoked one's event went with it; a 'tidy' event per step that deleted */
	struct store_event_row *ev;
	size_t nev, tidies = 0;
	assert_int_equal(store_event_list(f->s, 100, &ev, &nev, &e), CA_OK);
	for (size_t i = 0; i < nev; i++) {
		assert_string_not_equal(ev[i].kind, "revoke");
		if (strcmp(ev[i].kind, "tidy") == 0) {
			tidies++;
			assert_string_equal(ev[i].actor, "test");
			assert_null(ev[i].serial);
		}
	}
	assert_int_equal(tidies, 2);
	store_event_list_free(ev, nev);
}

/* CRL numbers only follow the recorded one; the recorded CRL comes back
 * only when it is current for the generation asked about. */
static void crl_numbers_follow(void **state)
{
	struct fx *f = *state;
	uint8_t a[3] = {1, 2, 3};
	uint64_t n;
	struct store_crl c1 = {1, a, 3, 100, 200, 4, 0, -1, 0},
			 c3 = {3, a, 3, 101, 201, 4, 1, 4, 100},
			 c2 = {2, a, 3, 102, 202, 5, 1, 4, 100}, got;
	assert_int_equal(store_crl_number(f->s, &n), CA_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_crl_put(f->s, &c1), CA_OK);
	assert_int_equal(store_crl_put(f->s, &c3), CA_ERR_EXISTS);
	assert_int_equal(store_crl_put(f->s, &c2), CA_OK);
	assert_int_equal(store_crl_number(f->s, &n), CA_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_crl_get(f->s, 5, 50, &got), CA_OK);
	assert_int_equal(got.number, 2);
	assert_int_equal(got.len, 3);
	assert_memory_equal(got.der, a, 3);
	assert_int_equal(got.this_update, 102);
	assert_int_equal(got.base_number, 1); /* the delta CRLs' base comes back */
	assert_int_equal(got.base_generation, 4);
	assert_int_equal(got.base_this_update, 100);
	free(got.der);
	assert_int_equal(store_crl_get(f->s, 6, 50, &got), CA_OK);
	assert_null(got.der);
	assert_int_equal(got.generation, 5);
	assert_int_equal(store_crl_get(f->s, 5, 102, &got), CA_OK);
	assert_null(got.der);
}

/* Many threads issue at once (group commit): every put is recorded, and
 * of two puts of one serial exactly one wins. */
struct puts_arg {
	struct store *s;
	int base;
	int ok, taken;
};

static void *puts_thread(void *p)
{
	struct puts_arg *a = p;
	for (int i = 0; i < 25; i++) {
		enum ca_err rc = put(a->s, a->base + i, 1000, "t.example");
		a->ok += rc == CA_OK;
		a->taken += rc == CA_ERR_EXISTS;
	}
	return NULL;
}

static void concurrent_puts(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	pthread_t t[8];
	struct puts_arg a[8];
	for (int i = 0; i < 8; i++) {
		/* threads 2k and 2k+1 draw the same 25 serials */
		a[i] = (struct puts_arg){f->s, 1000 + (i / 2) * 100, 0, 0};
		assert_int_equal(pthread_create(&t[i], NULL, puts_thread, &a[i]), 0);
	}
	int ok = 0, taken = 0;
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		ok += a[i].ok;
		taken += a[i].taken;
	}
	assert_int_equal(ok, 100);
	assert_int_equal(taken, 100);
	struct ca_counts c;
	assert_int_equal(store_count(f->s, 2000, &c, &e), CA_OK);
	assert_int_equal(c.valid, 100);
}

/* ---- PostgreSQL only: the database given is refused, nothing written ---- */

/* Does the database at url hold a table named name? */
static bool has_table(const char *url, const char *name)
{
	PGconn *c = PQconnectdb(url);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	const char *v[1] = {name};
	PGresult *r =
	    PQexecParams(c, "SELECT to_regclass($1) IS NOT NULL", 1, NULL, v, NULL, NULL, 0);
	bool has = PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	PQfinish(c);
	return has;
}

static void pg_refuses_another_application(void **state)
{
	(void)state;
	char url[512];
	struct ca_error e;
	struct store *s;
	storefx_pg_new_schema(url, sizeof(url), "");
	assert_int_equal(storefx_pg_sql_on(url, "CREATE TABLE orders (id int)"), PGRES_COMMAND_OK);
	assert_int_equal(store_open(url, true, &s, &e), CA_ERR_BAD_REQUEST);
	assert_non_null(strstr(e.detail, "another application"));
	assert_non_null(strstr(e.detail, "orders"));
	assert_false(has_table(url, "privca_schema"));
	assert_false(has_table(url, "certificates"));
	storefx_pg_drop(url);
}

static void pg_refuses_newer_schema(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	struct store *s;
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(storefx_pg_sql_on(f->where,
					   "INSERT INTO privca_schema (version, name) VALUES "
					   "(99, '099_future.sql')"),
			 PGRES_COMMAND_OK);
	assert_int_equal(store_open(f->where, false, &s, &e), CA_ERR_STORE);
	assert_non_null(strstr(e.detail, "newer than this privca"));
}

static void pg_empty_database_needs_create(void **state)
{
	(void)state;
	char url[512];
	struct ca_error e;
	struct store *s;
	storefx_pg_new_schema(url, sizeof(url), "");
	assert_int_equal(store_open(url, false, &s, &e), CA_ERR_NOT_FOUND);
	assert_non_null(strstr(e.detail, "holds no privca store"));
	assert_false(has_table(url, "privca_schema"));
	storefx_pg_drop(url);
}

static void pg_refuses_read_only(void **state)
{
	(void)state;
	char url[512];
	struct ca_error e;
	struct store *s;
	/* what a hot standby says of itself, short of running one */
	storefx_pg_new_schema(url, sizeof(url), "%20-cdefault_transaction_read_only%3Don");
	assert_int_equal(store_open(url, true, &s, &e), CA_ERR_BAD_REQUEST);
	assert_non_null(strstr(e.detail, "read-only"));
	assert_false(has_table(url, "privca_schema"));
	storefx_pg_drop(url);
}

static void pg_refuses_wrong_password_and_url(void **state)
{
	(void)state;
	char url[600];
	struct ca_error e;
	struct store *s;
	/* the URL with another password */
	const char *at = strchr(storefx_pg_url, '@');
	snprintf(url, sizeof(url), "postgresql://privca:wrong%s", at);
	assert_int_equal(store_open(url, true, &s, &e), CA_ERR_UNAVAILABLE);
	assert_non_null(strstr(e.detail, "password authentication failed"));
	assert_null(strstr(e.detail, "wrong")); /* the password is never repeated */
	assert_int_equal(store_open("postgresql://x:y@127.0.0.1:notaport/db?bogus=1", true, &s, &e),
			 CA_ERR_BAD_REQUEST);
	assert_non_null(strstr(e.detail, "not a PostgreSQL URL"));
	/* nothing listens on port 1: refused at once */
	time_t t0 = time(NULL);
	assert_int_equal(store_open("postgresql://privca@127.0.0.1:1/privca", true, &s, &e),
			 CA_ERR_UNAVAILABLE);
	assert_true(time(NULL) - t0 <= 4);
	assert_non_null(strstr(e.detail, "127.0.0.1:1/privca"));
}

/* The periodic check alone (no LISTEN) still sees another node's
 * revocation within a second. */
static void pg_watch_without_listen(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	struct store *a, *b;
	struct store_change seen = {-1, 0, false};
	store_close(f->s);
	setenv("PRIVCA_PG_LISTEN", "off", 1);
	assert_int_equal(store_open(f->where, false, &a, &e), CA_OK);
	unsetenv("PRIVCA_PG_LISTEN");
	f->s = a;
	assert_int_equal(put(a, 1, 1000, "a.example"), CA_OK);
	assert_int_equal(store_watch(a, &seen, 0), CA_OK);
	assert_int_equal(store_open(f->where, false, &b, &e), CA_OK);
	struct store_revocation r = {"00000000000000000000000000000001", 1500,
				     CA_REASON_UNSPECIFIED, "cli", NULL};
	assert_int_equal(store_revoke(b, &r, &e), CA_OK);
	store_close(b);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(store_watch(a, &seen, 2000), CA_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(seen.changed);
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 1000);
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
	    cmocka_unit_test_setup_teardown(search_is_a_substring, setup, teardown),
	    cmocka_unit_test_setup_teardown(expiry_order_and_counts, setup, teardown),
	    cmocka_unit_test_setup_teardown(crl_numbers_follow, setup, teardown),
	    cmocka_unit_test_setup_teardown(tidy_steps_and_counts, setup, teardown),
	    cmocka_unit_test_setup_teardown(concurrent_puts, setup, teardown),
	};
	const struct CMUnitTest sqlite_only[] = {
	    cmocka_unit_test_setup_teardown(bad_rows_are_errors, setup_sqlite, teardown),
	    cmocka_unit_test_setup_teardown(token_row_and_event_one_transaction, setup_sqlite,
					    teardown),
	    cmocka_unit_test_setup_teardown(refusal_event_does_not_wait, setup_sqlite, teardown),
	    cmocka_unit_test_setup_teardown(crl_file_beside_the_database, setup_sqlite, teardown),
	    cmocka_unit_test(sql_text_overflow_refused),
	};
	const struct CMUnitTest pg_only[] = {
	    cmocka_unit_test(pg_refuses_another_application),
	    cmocka_unit_test_setup_teardown(pg_refuses_newer_schema, setup_pg, teardown),
	    cmocka_unit_test(pg_empty_database_needs_create),
	    cmocka_unit_test(pg_refuses_read_only),
	    cmocka_unit_test(pg_refuses_wrong_password_and_url),
	    cmocka_unit_test_setup_teardown(pg_watch_without_listen, setup_pg, teardown),
	};
	/* PRIVCA_PG_STATE: the cluster of tests/pg.sh (ctest starts one). */
	if (!storefx_pg_init())
		return 1;
	int fails = 0;
	for (running = 0; running < sizeof(backends) / sizeof(backends[0]); running++) {
		char name[64];
		if (strcmp(backends[running].name, "postgresql") == 0 && !storefx_pg_url[0]) {
			fprintf(stderr,
				"store contract (postgresql): skipped, no PRIVCA_PG_STATE\n");
			continue;
		}
		snprintf(name, sizeof(name), "store contract (%s)", backends[running].name);
		fails += _cmocka_run_group_tests(
		    name, contract, sizeof(contract) / sizeof(contract[0]), NULL, NULL);
	}
	fails += cmocka_run_group_tests_name("sqlite store", sqlite_only, NULL, NULL);
	if (storefx_pg_url[0])
		fails += cmocka_run_group_tests_name("postgresql store", pg_only, NULL, NULL);
	return fails;
}
