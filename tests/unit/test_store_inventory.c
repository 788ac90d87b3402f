/*
 * The store's inventory (issue 12): counts by status at any time, kept
 * with the writes; written over a struct store * like the contract
 * (test_store_contract.c), with a reference computed here from the rows
 * the test wrote. SQLite specifics (the histogram, migrations from an
 * older schema, query plans) follow through a raw connection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/sqlite_int.h"
#include "store/store.h"

#define DAY 86400
/* A day boundary well after 1970, so days and times are easy to read. */
#define BASE   ((int64_t)20000 * DAY)
#define BASE_S "1728000000" /* BASE in SQL */

struct fx {
	char where[256];
	struct store *s;
	/* what the test wrote: not_after and revoked per serial number i */
	int n;
	int64_t not_after[256];
	bool revoked[256];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ca_error e;
	snprintf(f->where, sizeof(f->where), "/tmp/privca-inventory-%d-XXXXXX", (int)getpid());
	int fd = mkstemp(f->where);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(store_open(f->where, true, &f->s, &e), CA_OK);
	*state = f;
	return 0;
}

/* Remove the store file where and its WAL and shared-memory files. */
static void remove_store(const char *where)
{
	char side[400];
	unlink(where);
	snprintf(side, sizeof(side), "%s-wal", where);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", where);
	unlink(side);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(f->s);
	remove_store(f->where);
	free(f);
	return 0;
}

static uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0x01};

static void serial_of(int i, char out[33])
{
	snprintf(out, 33, "%032x", 0x100000 + i); /* clear of bulk_rows serials */
}

/* Record certificate number f->n, ending at not_after. */
static void put(struct fx *f, int64_t not_after)
{
	struct ca_cert c = {0};
	char name[64];
	char *names[1] = {name};
	struct ca_error e;
	assert_true(f->n < 256);
	snprintf(name, sizeof(name), "host%d.example.internal", f->n);
	serial_of(f->n, c.serial);
	c.subject = "CN=test";
	c.dns_names = names;
	c.n_dns = 1;
	c.not_before = not_after - 90 * DAY;
	c.not_after = not_after;
	c.profile = CA_PROFILE_SERVER;
	c.requester = "team-a";
	c.der = der;
	c.der_len = sizeof(der);
	c.created_at = c.not_before;
	assert_int_equal(store_cert_put(f->s, &c, &e), CA_OK);
	f->not_after[f->n++] = not_after;
}

static void revoke_one(struct fx *f, struct store *s, int i)
{
	char sn[33];
	struct ca_error e;
	serial_of(i, sn);
	struct store_revocation r = {sn, BASE, CA_REASON_SUPERSEDED, "admin", NULL};
	assert_int_equal(store_revoke(s, &r, &e), CA_OK);
	f->revoked[i] = true;
}

/* The counts at now, from what the test wrote. */
static struct ca_counts reference(const struct fx *f, int64_t now)
{
	struct ca_counts c = {0};
	for (int i = 0; i < f->n; i++) {
		if (f->revoked[i])
			c.revoked++;
		else if (f->not_after[i] < now)
			c.expired++;
		else {
			c.valid++;
			c.expiring_30d += f->not_after[i] < now + 30 * DAY;
		}
	}
	return c;
}

static void assert_counts_at(const struct fx *f, struct store *s, int64_t now)
{
	struct ca_counts got = {0}, want = reference(f, now);
	struct ca_error e;
	assert_int_equal(store_count(s, now, &got, &e), CA_OK);
	if (got.valid != want.valid || got.revoked != want.revoked || got.expired != want.expired ||
	    got.expiring_30d != want.expiring_30d)
		fail_msg("at BASE%+lld: valid %llu/%llu revoked %llu/%llu expired %llu/%llu "
			 "expiring %llu/%llu (got/want)",
			 (long long)(now - BASE), (unsigned long long)got.valid,
			 (unsigned long long)want.valid, (unsigned long long)got.revoked,
			 (unsigned long long)want.revoked, (unsigned long long)got.expired,
			 (unsigned long long)want.expired, (unsigned long long)got.expiring_30d,
			 (unsigned long long)want.expiring_30d);
}

/* Times around every edge the counts have: day boundaries, now itself,
 * now + 30 days, each a second either side. */
static const int64_t probes[] = {
    BASE - DAY - 1,
    BASE - 1,
    BASE,
    BASE + 1,
    BASE + DAY / 2,
    BASE + DAY - 1,
    BASE + DAY,
    BASE + 5 * DAY + 7,
    BASE + 29 * DAY,
    BASE + 30 * DAY - 1,
    BASE + 30 * DAY,
    BASE + 30 * DAY + 1,
    BASE + 31 * DAY,
    BASE + 45 * DAY + 3600,
    BASE + 400 * DAY,
};

static void assert_counts_everywhere(const struct fx *f, struct store *s)
{
	for (size_t k = 0; k < sizeof(probes) / sizeof(probes[0]); k++)
		for (int64_t d = -1; d <= 1; d++)
			assert_counts_at(f, s, probes[k] + d);
}

/* Certificates ending on and around each probe, some revoked. */
static void fill(struct fx *f)
{
	for (size_t k = 0; k < sizeof(probes) / sizeof(probes[0]); k++)
		for (int64_t d = -1; d <= 1; d++)
			put(f, probes[k] + d);
	for (int i = 0; i < f->n; i += 7)
		revoke_one(f, f->s, i);
}

static void empty_store_counts_zero(void **state)
{
	struct fx *f = *state;
	assert_counts_at(f, f->s, BASE);
}

static void counts_follow_issue_revoke_and_time(void **state)
{
	struct fx *f = *state;
	put(f, BASE + 10 * DAY);
	assert_counts_at(f, f->s, BASE);
	fill(f);
	assert_counts_everywhere(f, f->s);
}

static void counts_see_other_process_and_restart(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	struct store *other;
	fill(f);
	assert_counts_at(f, f->s, BASE + DAY);
	/* `privca revoke` in another process: a second handle on the file. */
	assert_int_equal(store_open(f->where, false, &other, &e), CA_OK);
	revoke_one(f, other, 1);
	revoke_one(f, other, 2);
	store_close(other);
	assert_counts_everywhere(f, f->s);
	/* A restart: the counts are in the file, not in the process. */
	store_close(f->s);
	assert_int_equal(store_open(f->where, false, &f->s, &e), CA_OK);
	assert_counts_everywhere(f, f->s);
}

static void count_refuses_absurd_time(void **state)
{
	struct fx *f = *state;
	struct ca_counts c;
	struct ca_error e;
	assert_int_equal(store_count(f->s, INT64_MAX, &c, &e), CA_ERR_BAD_REQUEST);
	assert_non_null(strstr(e.detail, "out of range"));
}

/* ---- the lean store: search, migration from the old schema, plans ---- */

struct embed_file {
	const char *name;
	const unsigned char *data;
	size_t len;
};
extern const struct embed_file schema_files[];

static sqlite3 *raw(const char *path)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static void exec_ok(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
}

/*
 * N rows as the bench and a bulk import write them: host<i>.team<i%20>
 * .example.internal and www.<same>, subject "CN=<name>, O=Unit <i%3>",
 * serial 00..00<i> in hex, 1 in 50 revoked, ending between BASE - 30
 * days and BASE + 369 days. old_schema: with the search column of the
 * schema before 008_lean.sql, indexed in the trigram table as 002 did.
 */
static void bulk_rows(sqlite3 *db, int n, bool old_schema)
{
	char sql[2048];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO certificates (serial, subject, dns_names, ip_addresses, not_before, "
		 "not_after, profile, requester, fingerprint_sha256, der, status, revoked_at, "
		 "revocation_reason, created_at%s) "
		 "SELECT serial, subj, name || ',www.' || name, CASE WHEN i %% 9 = 0 THEN "
		 "'10.0.' || (i %% 250) || '.1' ELSE '' END, %lld, %lld + 86400 * (i %% 400 - 30), "
		 "'server', 'team-a', printf('%%064x', i), x'3003020101', "
		 "CASE WHEN i %% 50 = 0 THEN 'revoked' ELSE 'valid' END, "
		 "CASE WHEN i %% 50 = 0 THEN %lld END, CASE WHEN i %% 50 = 0 THEN 1 END, "
		 "%lld + i%s FROM (WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
		 "FROM seq WHERE i < %d) SELECT i, printf('host%%05d.team%%d.example.internal', i, "
		 "i %% 20) AS name, printf('CN=host%%05d.team%%d.example.internal, O=Unit %%d', i, "
		 "i %% 20, i %% 3) AS subj, printf('%%032x', i) AS serial FROM seq)",
		 old_schema ? ", search" : "", (long long)(BASE - 100 * DAY), (long long)BASE,
		 (long long)BASE, (long long)(BASE - 100 * DAY),
		 old_schema ? ", lower(subj) || ' ' || name || ',www.' || name || ' ' || "
			      "CASE WHEN i % 9 = 0 THEN '10.0.' || (i % 250) || '.1' ELSE '' END "
			      "|| ' ' || serial"
			    : "",
		 n);
	exec_ok(db, sql);
	if (old_schema)
		exec_ok(db,
			"INSERT INTO cert_fts (rowid, search) SELECT rowid, search FROM "
			"certificates WHERE rowid > (SELECT last_rowid FROM fts_state); "
			"UPDATE fts_state SET last_rowid = (SELECT max(rowid) FROM certificates)");
}

/* The serials store_list gives for q (every page), newest first, as one string. */
static char *serials(struct store *s, struct ca_list_query q)
{
	static char out[1 << 19];
	char cur[128];
	size_t len = 0;
	struct ca_error e;
	out[0] = '\0';
	for (;;) {
		struct ca_cert_list l;
		if (store_list(s, &q, BASE, &l, &e) != CA_OK)
			fail_msg("store_list: %s", e.detail);
		for (size_t i = 0; i < l.n; i++) {
			assert_true(len + 34 < sizeof(out));
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s ",
						l.items[i]->serial);
		}
		bool more = l.next_cursor != NULL;
		if (more)
			snprintf(cur, sizeof(cur), "%s", l.next_cursor);
		ca_cert_list_free(&l);
		if (!more)
			break;
		q.cursor = cur;
	}
	return out;
}

/* The same answer computed here: the i whose name, subject or serial
 * (lowered) hold term, in the order asked for. */
static void reference_serials(int n, const char *term, bool by_expiry, char *out, size_t size)
{
	size_t len = 0;
	out[0] = '\0';
	/* newest first: i descending; by expiry: not_after descending, ties by i descending */
	for (int pass = by_expiry ? 399 : 0; pass >= 0; pass--)
		for (int i = n; i >= 1; i--) {
			if (by_expiry && i % 400 != pass)
				continue;
			char text[512];
			char ip[32] = "";
			if (i % 9 == 0)
				snprintf(ip, sizeof(ip), "10.0.%d.1", i % 250);
			snprintf(text, sizeof(text),
				 "cn=host%05d.team%d.example.internal, o=unit %d "
				 "host%05d.team%d.example.internal,www.host%05d.team%d.example."
				 "internal %s %032x",
				 i, i % 20, i % 3, i, i % 20, i, i % 20, ip, i);
			if (strstr(text, term) == NULL)
				continue;
			assert_true(len + 34 < size);
			len += (size_t)snprintf(out + len, size - len, "%032x ", i);
		}
}

static void assert_search(struct store *s, int n, const char *term, const char *lowered,
			  enum ca_sort sort)
{
	static char want[65536];
	struct ca_list_query q = {.status = -1, .q = term, .limit = 500, .sort = sort};
	reference_serials(n, lowered, sort == CA_SORT_EXPIRES, want, sizeof(want));
	const char *got = serials(s, q);
	if (strcmp(got, want) != 0)
		fail_msg("q=%s sort=%d: got %.200s..., want %.200s...", term, (int)sort, got, want);
	if (strlen(want) == 0)
		fail_msg("q=%s: the fixture holds no match", term);
}

/* Every way a search runs (trigram newest first, trigram rare by expiry,
 * scan of a common term by expiry, scan of a short term), by SAN, subject,
 * IP and serial. */
static void assert_searches(struct store *s, int n)
{
	static const struct {
		const char *term, *lowered;
	} terms[] = {
	    {"host01234.team14", "host01234.team14"}, /* SAN, rare */
	    {"WWW.HOST0120", "www.host0120"},	      /* SAN, upper case */
	    {"o=unit 2", "o=unit 2"},		      /* subject only, common */
	    {"team7.", "team7."},		      /* common */
	    {"10.0.17.1", "10.0.17.1"},		      /* IP address */
	    {"0000000004d2", "0000000004d2"},	      /* serial (1234) */
	    {"m2", "m2"},			      /* under three characters: a scan */
	};
	for (size_t k = 0; k < sizeof(terms) / sizeof(terms[0]); k++) {
		assert_search(s, n, terms[k].term, terms[k].lowered, CA_SORT_ISSUED);
		assert_search(s, n, terms[k].term, terms[k].lowered, CA_SORT_EXPIRES);
	}
}

static void search_finds_san_subject_serial(void **state)
{
	struct fx *f = *state;
	sqlite3 *db = raw(f->where);
	bulk_rows(db, 3000, false);
	sqlite3_close(db);
	assert_searches(f->s, 3000);
}

/*
 * The trigram index keeps no positions (014): it finds the rows that hold
 * every trigram of the term, and the row itself must hold the term. Here
 * "abcd"'s trigrams abc and bcd are both in abcxbcd (not side by side), and
 * only zzabcdzz holds the term; both orders, with bulk rows around them.
 */
static void search_needs_the_trigrams_side_by_side(void **state)
{
	struct fx *f = *state;
	sqlite3 *db = raw(f->where);
	bulk_rows(db, 3000, false);
	char sql[1024];
	static const char *const names[] = {"abcxbcd.trap.internal", "zzabcdzz.trap.internal",
					    "bcdxabc.trap.internal"};
	for (int i = 0; i < 3; i++) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO certificates (serial, subject, dns_names, ip_addresses, "
			 "not_before, not_after, profile, requester, fingerprint_sha256, der, "
			 "created_at) VALUES (printf('%%032x', %d), 'CN=%s', '%s', '', %lld, %lld, "
			 "'server', 'team-a', printf('%%064x', %d), x'3003020101', %lld)",
			 0x300000 + i, names[i], names[i], (long long)BASE,
			 (long long)(BASE + 90 * DAY), 0x300000 + i, (long long)(BASE + 10000 + i));
		exec_ok(db, sql);
	}
	sqlite3_close(db);
	char want[40];
	snprintf(want, sizeof(want), "%032x", 0x300001);
	for (int sort = 0; sort < 2; sort++) {
		struct ca_list_query q = {.status = -1,
					  .q = "abcd",
					  .limit = 50,
					  .sort = sort ? CA_SORT_EXPIRES : CA_SORT_ISSUED};
		const char *got = serials(f->s, q);
		if (strstr(got, want) == NULL || strlen(got) > strlen(want) + 1)
			fail_msg("q=abcd sort=%d: got %s, want only %s", sort, got, want);
	}
}

/* A store at where made by every migration before the one whose name
 * ends in `before`, as a store made before it is; its raw connection. */
static sqlite3 *store_before(const char *where, const char *before)
{
	unlink(where);
	sqlite3 *db = raw(where);
	exec_ok(db, "PRAGMA journal_mode = WAL");
	int version = 0;
	for (; schema_files[version].name != NULL; version++) {
		if (strstr(schema_files[version].name, before) != NULL)
			break;
		exec_ok(db, (const char *)schema_files[version].data);
	}
	assert_non_null(schema_files[version].name);
	assert_true(version >= 6);
	char pragma[64];
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", version);
	exec_ok(db, pragma);
	return db;
}

/* A store written by the schema before the lean one (008_lean.sql), with
 * rows in it, opens and answers the same: counts, every search, the lists. */
static void old_store_migrates_and_answers_the_same(void **state)
{
	struct fx *f = *state;
	char where[320];
	struct ca_error e;
	snprintf(where, sizeof(where), "%s-old", f->where);
	sqlite3 *db = store_before(where, "_lean.sql");
	bulk_rows(db, 3000, true);
	sqlite3_close(db);

	struct store *old;
	assert_int_equal(store_open(where, false, &old, &e), CA_OK);
	db = raw(where);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT count(*) FROM pragma_table_info("
					    "'certificates') WHERE name = 'search'",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0); /* the column is gone */
	sqlite3_finalize(st);
	sqlite3_close(db);

	struct ca_counts c;
	assert_int_equal(store_count(old, BASE, &c, &e), CA_OK);
	int valid = 0, revoked = 0, expired = 0, soon = 0;
	for (int i = 1; i <= 3000; i++) {
		int64_t na = BASE + DAY * (i % 400 - 30);
		if (i % 50 == 0)
			revoked++;
		else if (na < BASE)
			expired++;
		else {
			valid++;
			soon += na < BASE + 30 * DAY;
		}
	}
	assert_int_equal(c.valid, valid);
	assert_int_equal(c.revoked, revoked);
	assert_int_equal(c.expired, expired);
	assert_int_equal(c.expiring_30d, soon);
	assert_searches(old, 3000);
	/* What is issued after the migration is found too. */
	store_close(f->s);
	f->s = old;
	f->n = 200; /* a host name none of the bulk rows has */
	put(f, BASE + DAY);
	struct ca_list_query q = {.status = -1, .q = "host200.example"};
	struct ca_cert_list l;
	assert_int_equal(store_list(old, &q, BASE, &l, &e), CA_OK);
	assert_int_equal(l.n, 1);
	ca_cert_list_free(&l);
	/* teardown closes old and removes f->where; remove the old file here */
	remove_store(where);
}

/* A plan that reads the whole table, or sorts more than a rare term's
 * matches, is what made pages slow at a million rows. */
static void assert_plan_on_index(const char *what, const char *plan)
{
	bool sorted_rare = strncmp(plan, "mode: fts-sorted\n", 17) == 0;
	const char *line = strchr(plan, '\n');
	assert_non_null(line);
	for (line++; *line;) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		char l[512];
		snprintf(l, sizeof(l), "%.*s", (int)n, line);
		bool scan = strncmp(l, "SCAN ", 5) == 0 && strcmp(l, "SCAN CONSTANT ROW") != 0;
		if (scan && strstr(l, "USING INDEX") == NULL &&
		    strstr(l, "USING COVERING INDEX") == NULL && strstr(l, "VIRTUAL TABLE") == NULL)
			fail_msg("%s: a full scan: %s\n%s", what, l, plan);
		/* "FOR RIGHT PART OF ORDER BY": ties of one sort key put in
		 * issue order, not the result sorted. */
		if (strstr(l, "TEMP B-TREE") != NULL && strstr(l, "RIGHT PART") == NULL &&
		    !sorted_rare)
			fail_msg("%s: sorts its result: %s\n%s", what, l, plan);
		line += n + (end != NULL);
	}
}

static void page_queries_use_indexes(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	sqlite3 *db = raw(f->where);
	bulk_rows(db, 3000, false);
	exec_ok(db, "ANALYZE");
	sqlite3_close(db);
	store_close(f->s); /* reopen: plans see the statistics */
	assert_int_equal(store_open(f->where, false, &f->s, &e), CA_OK);
	static const struct {
		const char *what;
		struct ca_list_query q;
	} cases[] = {
	    {"/ latest", {.status = -1, .limit = 10}},
	    {"/certs", {.status = -1}},
	    {"/certs page 2", {.status = -1, .cursor = "i1728000100_40"}},
	    {"/certs by expiry", {.status = -1, .sort = CA_SORT_EXPIRES}},
	    {"/certs by expiry page 2",
	     {.status = -1, .sort = CA_SORT_EXPIRES, .cursor = "e1728000100_40"}},
	    {"valid", {.status = CA_STATUS_VALID}},
	    {"revoked", {.status = CA_STATUS_REVOKED}},
	    {"expired", {.status = CA_STATUS_EXPIRED}},
	    {"valid by expiry", {.status = CA_STATUS_VALID, .sort = CA_SORT_EXPIRES}},
	    {"expiring within 30 days",
	     {.status = CA_STATUS_VALID, .sort = CA_SORT_EXPIRES, .expires_within_days = 30}},
	    {"search", {.status = -1, .q = "team7"}},
	    {"search page 2", {.status = -1, .q = "team7", .cursor = "r40"}},
	    {"search valid", {.status = CA_STATUS_VALID, .q = "team7"}},
	    {"rare search by expiry", {.status = -1, .q = "host01234", .sort = CA_SORT_EXPIRES}},
	    {"common search by expiry", {.status = -1, .q = "team7", .sort = CA_SORT_EXPIRES}},
	    {"short search", {.status = -1, .q = "t7"}},
	    {"short search by expiry", {.status = -1, .q = "t7", .sort = CA_SORT_EXPIRES}},
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char *plan = NULL;
		assert_int_equal(sq_list_explain(f->s, &cases[k].q, BASE, &plan, &e), CA_OK);
		assert_plan_on_index(cases[k].what, plan);
		free(plan);
	}
	char *plan = NULL;
	assert_int_equal(sq_count_explain(f->s, &plan, &e), CA_OK);
	assert_plan_on_index("counts", plan);
	assert_non_null(strstr(plan, "cert_days"));
	free(plan);
	/* The complete CRL reads one covering index in serial order. */
	assert_int_equal(sq_revoked_explain(f->s, &plan, &e), CA_OK);
	assert_plan_on_index("revoked list", plan);
	assert_non_null(strstr(plan, "COVERING INDEX certificates_revoked_list"));
	free(plan);
}

/* The serials of rows whose search text holds term, by expiry (ties newest
 * first) or newest first, from SQL written here, as one string. */
static char *reference_in(sqlite3 *db, const char *term, bool by_expiry)
{
	static char out[1 << 19];
	size_t len = 0;
	sqlite3_stmt *st;
	out[0] = '\0';
	assert_int_equal(
	    sqlite3_prepare_v2(db,
			       by_expiry
				   ? "SELECT serial FROM certificates WHERE instr(lower(subject "
				     "|| ' ' || dns_names || ' ' || ip_addresses || ' ' || "
				     "serial), ?1) > 0 ORDER BY not_after DESC, rowid DESC"
				   : "SELECT serial FROM certificates WHERE instr(lower(subject "
				     "|| ' ' || dns_names || ' ' || ip_addresses || ' ' || "
				     "serial), ?1) > 0 ORDER BY rowid DESC",
			       -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, term, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		assert_true(len + 34 < sizeof(out));
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s ",
					(const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return out;
}

static char *reference_by_expiry(sqlite3 *db, const char *term)
{
	return reference_in(db, term, true);
}

/* q's plan names `modes` (the modes of its "mode:" lines, space-separated)
 * and stays on indexes. */
static void assert_modes(struct store *s, const struct ca_list_query *q, const char *modes)
{
	char *plan = NULL, got[64] = "";
	struct ca_error e;
	assert_int_equal(sq_list_explain(s, q, BASE, &plan, &e), CA_OK);
	for (const char *m = plan; (m = strstr(m, "mode: ")) != NULL; m++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%.*s", *got ? " " : "",
			 (int)strcspn(m + 6, "\n"), m + 6);
	assert_string_equal(got, modes);
	assert_plan_on_index(q->q, plan);
	free(plan);
}

/*
 * A common term by expiry whose matches sit past the first rows of the
 * order, after nbulk rows: every page, followed by its cursor, is what SQL
 * says, and so is a dense term's. The plan for the far term is `modes`:
 * with 3,000 rows its rarest trigram is in more than one row of 16, so the
 * capped scan runs and gives way to the phrase's set; with 20,000 that
 * trigram's set is taken first (and would give way to the phrase's if its
 * candidates missed the term too often).
 */
static void far_down(struct fx *f, int nbulk, int decoys, const char *modes)
{
	sqlite3 *db = raw(f->where);
	bulk_rows(db, nbulk, false);
	/* decoys that end after every other row and hold each of the term's
	 * first trigrams but not the term: a trigram's set misses on them */
	char dec[1024];
	snprintf(dec, sizeof(dec),
		 "INSERT INTO certificates (serial, subject, dns_names, ip_addresses, not_before, "
		 "not_after, profile, requester, fingerprint_sha256, der, status, created_at) "
		 "SELECT printf('%%032x', 0x300000 + i), 'CN=decoy', printf('spa-par-ars-rse-se.-"
		 "e.e-%%04d.decoy', i), '', %lld, %lld, 'server', 'team-a', printf('%%064x', "
		 "0x300000 + i), x'3003020101', 'valid', %lld + i FROM (WITH RECURSIVE seq(i) AS "
		 "(SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < %d) SELECT i FROM seq)",
		 (long long)(BASE - 300 * DAY), (long long)(BASE + 600 * DAY),
		 (long long)(BASE - 300 * DAY), decoys);
	if (decoys > 0)
		exec_ok(db, dec);
	/* 1,200 rows that end long before every bulk row, 5 that end after */
	char sql[1024];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO certificates (serial, subject, dns_names, ip_addresses, not_before, "
		 "not_after, profile, requester, fingerprint_sha256, der, status, created_at) "
		 "SELECT printf('%%032x', 0x200000 + i), 'CN=far', printf('far%%04d.sparse.example"
		 ".internal', i), '', %lld, CASE WHEN i <= 5 THEN %lld ELSE %lld END, 'server', "
		 "'team-a', printf('%%064x', 0x200000 + i), x'3003020101', 'valid', %lld + i "
		 "FROM (WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq "
		 "WHERE i < 1200) SELECT i FROM seq)",
		 (long long)(BASE - 300 * DAY), (long long)(BASE + 500 * DAY),
		 (long long)(BASE - 200 * DAY), (long long)(BASE - 300 * DAY));
	exec_ok(db, sql);
	static const char *const terms[] = {"sparse.example", "o=unit 2"};
	for (size_t k = 0; k < sizeof(terms) / sizeof(terms[0]); k++) {
		static char want[1 << 19];
		snprintf(want, sizeof(want), "%s", reference_by_expiry(db, terms[k]));
		assert_true(strlen(want) >= 1000 * 33); /* common: past the rare sort */
		struct ca_list_query q = {.status = -1, .q = terms[k], .sort = CA_SORT_EXPIRES};
		const char *got = serials(f->s, q);
		if (strcmp(got, want) != 0)
			fail_msg("q=%s by expiry: got %.200s..., want %.200s...", terms[k], got,
				 want);
	}
	sqlite3_close(db);
	struct ca_list_query q = {.status = -1, .q = "sparse.example", .sort = CA_SORT_EXPIRES};
	assert_modes(f->s, &q, modes);
}

static void common_term_by_expiry_far_down(void **state)
{
	far_down(*state, 3000, 0, "scan-capped fts-filter");
}

static void common_term_by_expiry_rare_trigram(void **state)
{
	far_down(*state, 20000, 0, "fts-filter-trigram fts-filter");
}

/* The trigram's candidates at the head of the order are 1,100 decoys: more
 * misses than the cap, so the walk gives way to the phrase's set. */
static void common_term_by_expiry_trigram_gives_way(void **state)
{
	far_down(*state, 40000, 1100, "fts-filter-trigram fts-filter");
}

/*
 * A term from the network is any bytes (web/http/params.c bounds its length
 * only). Where the trigram walk takes it apart: a quote, characters of two
 * to four bytes, and a run of stray continuation bytes longer than any
 * character, each common and far down the order, searched by expiry; every
 * page is what SQL says.
 */
static void odd_terms_by_expiry(void **state)
{
	struct fx *f = *state;
	sqlite3 *db = raw(f->where);
	bulk_rows(db, 20000, false);
	/* 1,200 rows per name, ending before every bulk row */
	static const char *const names[] = {
	    "'q\"u\"o' || i || '.far'",
	    "'\xc3\xbc\xe2\x82\xac\xf0\x9f\x94\x92' || i || '.far'",
	    "CAST(x'617a8080808080808080808080808080808077' AS TEXT) || i || '.far'",
	};
	static const char *const terms[] = {
	    "q\"u\"o",
	    "\xc3\xbc\xe2\x82\xac\xf0\x9f\x94\x92",
	    "az\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80w",
	};
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		char sql[1024];
		snprintf(
		    sql, sizeof(sql),
		    "INSERT INTO certificates (serial, subject, dns_names, ip_addresses, "
		    "not_before, not_after, profile, requester, fingerprint_sha256, der, status, "
		    "created_at) SELECT printf('%%032x', %d + i), 'CN=odd', %s, '', %lld, %lld, "
		    "'server', 'team-a', printf('%%064x', %d + i), x'3003020101', 'valid', "
		    "%lld + i FROM (WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
		    "FROM seq WHERE i < 1200) SELECT i FROM seq)",
		    0x400000 + (int)k * 0x10000, names[k], (long long)(BASE - 300 * DAY),
		    (long long)(BASE - 200 * DAY - (long long)k * DAY), 0x400000 + (int)k * 0x10000,
		    (long long)(BASE - 300 * DAY));
		exec_ok(db, sql);
	}
	for (size_t k = 0; k < sizeof(terms) / sizeof(terms[0]); k++) {
		static char want[1 << 19];
		snprintf(want, sizeof(want), "%s", reference_by_expiry(db, terms[k]));
		assert_true(strlen(want) == 1200 * 33);
		struct ca_list_query q = {.status = -1, .q = terms[k], .sort = CA_SORT_EXPIRES};
		const char *got = serials(f->s, q);
		if (strcmp(got, want) != 0)
			fail_msg("term %zu by expiry: got %.200s..., want %.200s...", k, got, want);
		/* the stray bytes are a character each, as the tokenizer counts
		 * them (sqlite_search.c: utf8_len), so every term has trigrams */
		assert_modes(f->s, &q, "fts-filter-trigram fts-filter");
	}
	sqlite3_close(db);
}

/* ---- retention ---- */

static bool present(struct store *s, int i)
{
	char sn[33];
	struct ca_cert *c = NULL;
	struct ca_error e;
	serial_of(i, sn);
	enum ca_err rc = store_cert_get(s, sn, BASE, &c, &e);
	ca_cert_free(c);
	assert_true(rc == CA_OK || rc == CA_ERR_NOT_FOUND);
	return rc == CA_OK;
}

static int64_t scalar(const char *path, const char *sql)
{
	sqlite3 *db = raw(path);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void tidy_keeps_valid_and_revoked_unexpired(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	fill(f);
	put(f, BASE + 400 * DAY); /* the newest row is valid */
	const int64_t now = BASE + 31 * DAY, before = BASE + 30 * DAY;
	uint64_t dry = 0, n = 0, step;
	struct store_tidy t = {.before = before, .now = now, .dry_run = true, .actor = "test"};
	assert_int_equal(store_tidy(f->s, &t, &dry, &e), CA_OK);
	assert_counts_everywhere(f, f->s); /* the dry run changed nothing */
	for (int i = 0; i < f->n; i++)
		assert_true(present(f->s, i));
	t.dry_run = false;
	t.limit = 7; /* several steps */
	do {
		assert_int_equal(store_tidy(f->s, &t, &step, &e), CA_OK);
		n += step;
	} while (step == t.limit);
	assert_int_equal(n, dry);
	int gone = 0;
	for (int i = 0; i < f->n; i++) {
		bool due = f->not_after[i] < before;
		assert_int_equal(present(f->s, i), !due);
		gone += due;
	}
	assert_int_equal(n, gone);
	assert_true(gone > 10);
	/* The counts: what is left, and how many went. */
	struct fx left = *f;
	left.n = 0;
	for (int i = 0; i < f->n; i++)
		if (f->not_after[i] >= before) {
			left.not_after[left.n] = f->not_after[i];
			left.revoked[left.n++] = f->revoked[i];
		}
	for (int64_t at = before; at < before + 60 * DAY; at += DAY / 3)
		assert_counts_at(&left, f->s, at);
	struct ca_counts c;
	assert_int_equal(store_count(f->s, now, &c, &e), CA_OK);
	assert_int_equal(c.tidied, gone);
	/* Recorded: a tidy event per step; the deleted ones' events are gone. */
	assert_true(scalar(f->where, "SELECT count(*) FROM events WHERE kind = 'tidy' AND actor "
				     "= 'test' AND detail LIKE 'deleted % certificates that "
				     "expired before 2024-%'") >= 2);
	assert_int_equal(scalar(f->where, "SELECT count(*) FROM events WHERE serial IS NOT NULL "
					  "AND serial NOT IN (SELECT serial FROM certificates)"),
			 0);
	/* Nothing more is due. */
	assert_int_equal(store_tidy(f->s, &t, &step, &e), CA_OK);
	assert_int_equal(step, 0);
}

static void tidy_refuses_the_future_and_changes_nothing(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	uint64_t n = 99;
	fill(f);
	put(f, BASE + 400 * DAY);
	struct store_tidy t = {.before = BASE + DAY + 1, .now = BASE + DAY, .limit = 100};
	assert_int_equal(store_tidy(f->s, &t, &n, &e), CA_ERR_BAD_REQUEST);
	assert_non_null(strstr(e.detail, "expired"));
	assert_int_equal(n, 0);
	t.before = BASE;
	t.limit = 0;
	assert_int_equal(store_tidy(f->s, &t, &n, &e), CA_ERR_BAD_REQUEST);
	for (int i = 0; i < f->n; i++)
		assert_true(present(f->s, i));
	assert_counts_everywhere(f, f->s);
	assert_int_equal(scalar(f->where, "SELECT count(*) FROM events WHERE kind = 'tidy'"), 0);
}

/*
 * A store from before events were keyed by certificate (011_events_cert.sql)
 * opens with every event tied to its certificate, and a tidy then deletes
 * the events of exactly the rows it deletes, step by step until it says 0;
 * an event without a certificate stays.
 */
static void old_events_migrate_and_tidy_with_their_rows(void **state)
{
	struct fx *f = *state;
	char where[320];
	struct ca_error e;
	snprintf(where, sizeof(where), "%s-ev", f->where);
	sqlite3 *db = store_before(where, "_events_cert.sql");
	bulk_rows(db, 600, false);
	exec_ok(db, "INSERT INTO events (at, kind, serial, actor, detail) SELECT created_at, "
		    "'issue', serial, 'team-a', '' FROM certificates ORDER BY rowid; "
		    "INSERT INTO events (at, kind, serial, actor, detail) SELECT revoked_at, "
		    "'revoke', serial, 'admin', '' FROM certificates WHERE status = 'revoked'; "
		    "INSERT INTO events (at, kind, serial, actor, detail) VALUES (1, 'refuse', "
		    "NULL, 'team-b', 'not allowed')");
	sqlite3_close(db);

	struct store *old;
	assert_int_equal(store_open(where, false, &old, &e), CA_OK);
	/* every event with a serial knows its row */
	assert_int_equal(scalar(where, "SELECT count(*) FROM events e WHERE serial IS NOT NULL "
				       "AND cert IS NOT (SELECT rowid FROM certificates c "
				       "WHERE c.serial = e.serial)"),
			 0);
	assert_int_equal(scalar(where, "SELECT count(*) FROM events WHERE cert IS NOT NULL"),
			 600 + 12);
	/* a writer that gives a serial only (an import) gets it named too */
	db = raw(where);
	exec_ok(db, "INSERT INTO events (at, kind, serial, actor, detail) VALUES (2, 'import', "
		    "printf('%032x', 5), 'script', '')");
	sqlite3_close(db);
	assert_int_equal(scalar(where, "SELECT count(*) FROM events e JOIN certificates c ON "
				       "c.rowid = e.cert WHERE e.kind = 'import' AND c.serial = "
				       "printf('%032x', 5)"),
			 1);
	/* bulk_rows: i % 400 < 30 ended before BASE */
	int64_t due = scalar(where, "SELECT count(*) FROM certificates WHERE not_after < " BASE_S);
	assert_true(due > 40);
	struct store_tidy t = {.before = BASE, .now = BASE, .limit = 7, .actor = "test"};
	uint64_t n, total = 0;
	int steps = 0;
	do {
		assert_int_equal(store_tidy(old, &t, &n, &e), CA_OK);
		assert_true(n <= 7);
		total += n;
		assert_true(++steps < 100);
	} while (n > 0);
	assert_int_equal(total, (uint64_t)due);
	assert_int_equal(
	    scalar(where, "SELECT count(*) FROM certificates WHERE not_after < " BASE_S), 0);
	/* the deleted rows' events went with them, the others' stayed */
	assert_int_equal(scalar(where, "SELECT count(*) FROM events e WHERE serial IS NOT NULL AND "
				       "NOT EXISTS (SELECT 1 FROM certificates c WHERE c.serial = "
				       "e.serial)"),
			 0);
	assert_int_equal(scalar(where, "SELECT count(*) FROM events WHERE kind = 'issue'"),
			 600 - due);
	assert_int_equal(scalar(where, "SELECT count(*) FROM events WHERE kind = 'refuse'"), 1);
	assert_int_equal(scalar(where, "SELECT count(*) FROM events WHERE kind = 'tidy'"),
			 steps - 1);
	/* an event written after the migration is keyed too */
	char sn[33];
	snprintf(sn, sizeof(sn), "%032x", 100); /* 100 % 400 = 100: kept */
	assert_int_equal(store_event(old, BASE, "note", sn, "admin", ""), CA_OK);
	store_close(old); /* the queued event committed */
	assert_int_equal(scalar(where, "SELECT count(*) FROM events e JOIN certificates c ON "
				       "c.rowid = e.cert WHERE e.kind = 'note' AND c.serial = "
				       "printf('%032x', 100)"),
			 1);
	remove_store(where);
}

/* After a tidy the search finds what is left and nothing that went, and
 * the freed pages are free for new rows (the housekeeping gives them back
 * to the file system later: the end of tidy_leaves_entries_then_rebuild). */
static void tidy_search_and_space(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	assert_int_equal(scalar(f->where, "PRAGMA auto_vacuum"), 2); /* incremental */
	sqlite3 *db = raw(f->where);
	bulk_rows(db, 3000, false);
	sqlite3_close(db);
	assert_int_equal(sq_index_catch_up((struct sq_store *)f->s), CA_OK);
	int64_t pages = scalar(f->where, "PRAGMA page_count");
	/* bulk_rows: i % 400 < 200 ended before BASE + 170 days */
	struct store_tidy t = {
	    .before = BASE + 170 * DAY, .now = BASE + 200 * DAY, .limit = 100000, .actor = "test"};
	uint64_t n = 0;
	assert_int_equal(store_tidy(f->s, &t, &n, &e), CA_OK);
	assert_int_equal(n, 1599); /* residue 0 seven times, 1..199 eight times */
	assert_int_equal(store_tidy(f->s, &t, &n, &e), CA_OK); /* none left */
	assert_int_equal(n, 0);
	assert_true(scalar(f->where, "PRAGMA freelist_count") > 100);
	assert_int_equal(scalar(f->where, "PRAGMA page_count"), pages); /* the tidy moved none */
	db = raw(f->where);
	exec_ok(db, "INSERT INTO cert_fts (cert_fts, rank) VALUES ('integrity-check', 0)");
	sqlite3_close(db);
	struct ca_list_query q = {.status = -1, .q = "host01234.team14"}; /* 1234 % 400 = 34 */
	struct ca_cert_list l;
	assert_int_equal(store_list(f->s, &q, BASE, &l, &e), CA_OK);
	assert_int_equal(l.n, 0);
	ca_cert_list_free(&l);
	q.q = "host01399.team19"; /* 1399 % 400 = 199 */
	assert_int_equal(store_list(f->s, &q, BASE, &l, &e), CA_OK);
	assert_int_equal(l.n, 0);
	ca_cert_list_free(&l);
	q.q = "host01200.team0"; /* 1200 % 400 = 0, 1200 % 50 = 0: revoked, ended */
	assert_int_equal(store_list(f->s, &q, BASE, &l, &e), CA_OK);
	assert_int_equal(l.n, 0);
	ca_cert_list_free(&l);
	q.q = "host01400.team0"; /* 1400 % 400 = 200: kept */
	assert_int_equal(store_list(f->s, &q, BASE, &l, &e), CA_OK);
	assert_int_equal(l.n, 1);
	ca_cert_list_free(&l);
	q.q = "team7.";
	q.limit = 500;
	assert_int_equal(store_list(f->s, &q, BASE, &l, &e), CA_OK);
	assert_int_equal(l.n, 70); /* of 150 team7 rows, residues 207..387 kept */
	ca_cert_list_free(&l);
}

/* Leave 24 MiB of free pages in db's file (a table written, then dropped). */
static void free_24_mib(sqlite3 *db)
{
	exec_ok(db, "CREATE TABLE big (b BLOB); INSERT INTO big SELECT zeroblob(1 << 20) FROM "
		    "(WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 24) "
		    "SELECT i FROM k); DROP TABLE big");
}

/* store_list's pages for term, both orders, against SQL on db; some: SQL
 * finds at least one. */
static void assert_like_sql(struct store *s, sqlite3 *db, const char *term, bool some)
{
	for (int by_expiry = 0; by_expiry < 2; by_expiry++) {
		struct ca_list_query q = {.status = -1,
					  .q = term,
					  .limit = 500,
					  .sort = by_expiry ? CA_SORT_EXPIRES : CA_SORT_ISSUED};
		static char want[1 << 19];
		snprintf(want, sizeof(want), "%s", reference_in(db, term, by_expiry));
		if (some != (want[0] != '\0'))
			fail_msg("q=%s: the fixture holds %s", term, some ? "no match" : "matches");
		const char *got = serials(s, q);
		if (strcmp(got, want) != 0)
			fail_msg("q=%s by_expiry=%d: got %.200s..., want %.200s...", term,
				 by_expiry, got, want);
	}
}

/* Trigram index entries of phrase, dead or alive (the index alone). */
static int64_t fts_hits(const char *where, const char *term)
{
	/* The index has no positions (014): every trigram of the ASCII term,
	 * joined by AND. */
	char sql[1024], q[768] = "";
	size_t len = strlen(term);
	for (size_t i = 0; i + 3 <= len; i++)
		snprintf(q + strlen(q), sizeof(q) - strlen(q), "%s\"%.3s\"", i ? " AND " : "",
			 term + i);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM cert_fts WHERE cert_fts MATCH '%s'", q);
	return scalar(where, sql);
}

/*
 * A tidy leaves its rows' trigram entries, counted as dead (013): searches
 * still answer as SQL does. When the dead are a quarter of the rows, the
 * service's maintain rounds rebuild the index beside the old one, while
 * certificates are still added, and swap it in: the dead are gone, the
 * index is smaller, every row old and new is found.
 */
static void tidy_leaves_entries_then_rebuild(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	sqlite3 *db = raw(f->where);
	bulk_rows(db, 24000, false);
	assert_int_equal(sq_index_catch_up((struct sq_store *)f->s), CA_OK);
	int64_t before = scalar(f->where, "SELECT sum(length(block)) FROM cert_fts_data");
	/* i % 400 < 200 ended before BASE + 170 days: 60 rows each, but the
	 * newest (24000) stays */
	struct store_tidy t = {
	    .before = BASE + 170 * DAY, .now = BASE + 200 * DAY, .limit = 100000, .actor = "test"};
	uint64_t n = 0;
	assert_int_equal(store_tidy(f->s, &t, &n, &e), CA_OK);
	assert_int_equal(n, 11999);
	assert_int_equal(scalar(f->where, "SELECT dead FROM fts_state"), 11999);
	assert_int_equal(fts_hits(f->where, "host01234.team14"), 1); /* tidied: still indexed */
	assert_like_sql(f->s, db, "host01234.team14", false);	     /* and never found */
	assert_like_sql(f->s, db, "team7.", true);
	assert_like_sql(f->s, db, "o=unit 2", true);

	/* No rebuild while the count still moves: the rounds wait for it to
	 * stand still (a tidy in another process may still be deleting). */
	int rounds = 0;
	bool more = false;
	for (; scalar(f->where, "SELECT rebuild_rowid IS NULL FROM fts_state"); rounds++) {
		assert_true(rounds < 100);
		if (rounds == 20) { /* a tidy step of one row */
			t.limit = 1;
			t.before = BASE + 171 * DAY;
			assert_int_equal(store_tidy(f->s, &t, &n, &e), CA_OK);
			assert_int_equal(n, 1);
		}
		assert_int_equal(store_maintain(f->s, &more), CA_OK);
	}
	assert_true(rounds > 40 + 20); /* counted again from the step on */
	assert_true(more);

	/* The rebuild, one maintain round at a time, rows added in between. */
	rounds = 0;
	bool aside = false; /* the old index seen set aside, to be emptied */
	while (more) {
		assert_true(++rounds < 50);
		if (f->n < 3)
			put(f, BASE + 300 * DAY);
		assert_int_equal(store_maintain(f->s, &more), CA_OK);
		aside = aside || scalar(f->where, "SELECT count(*) FROM sqlite_master WHERE name = "
						  "'cert_fts_old'") == 1;
	}
	assert_true(rounds >= 14); /* twelve chunks of 1,000, the swap, the old one emptied */
	assert_true(aside);
	assert_int_equal(scalar(f->where, "SELECT count(*) FROM sqlite_master WHERE name LIKE "
					  "'cert_fts_old%'"),
			 0);
	assert_int_equal(scalar(f->where, "SELECT dead FROM fts_state"), 0);
	assert_int_equal(scalar(f->where, "SELECT rebuild_rowid IS NULL FROM fts_state"), 1);
	assert_int_equal(scalar(f->where, "SELECT count(*) FROM sqlite_master WHERE name = "
					  "'cert_fts_new'"),
			 0);
	exec_ok(db, "INSERT INTO cert_fts (cert_fts, rank) VALUES ('integrity-check', 0)");
	assert_int_equal(fts_hits(f->where, "host01234.team14"), 0);
	int64_t after = scalar(f->where, "SELECT sum(length(block)) FROM cert_fts_data");
	assert_true(after * 10 < before * 7); /* about half the rows: well under 70 % */
	assert_like_sql(f->s, db, "team7.", true);
	assert_like_sql(f->s, db, "o=unit 2", true);
	assert_like_sql(f->s, db, "host2.example", true); /* added during the rebuild */
	put(f, BASE + 300 * DAY);			  /* and after it */
	assert_like_sql(f->s, db, "host3.example", true);
	assert_like_sql(f->s, db, ".example.internal", true);

	/* Space freed in bulk (a swapped index: here a dropped 24 MiB table)
	 * goes back to the file system in the rounds that follow, once the
	 * count stands still: the first round after it grew gives none back
	 * (a tidy may still be freeing more, sqlite_store.c: sq_maintain). */
	free_24_mib(db);
	int64_t pages = scalar(f->where, "PRAGMA page_count");
	int64_t freed = scalar(f->where, "PRAGMA freelist_count");
	assert_true(freed > 6000);
	assert_int_equal(store_maintain(f->s, &more), CA_OK);
	assert_false(more);
	assert_int_equal(scalar(f->where, "PRAGMA freelist_count"), freed);
	for (rounds = 0, more = true; more; rounds++) {
		assert_true(rounds < 100);
		assert_int_equal(store_maintain(f->s, &more), CA_OK);
	}
	assert_true(rounds >= 20); /* 256 KiB a round (VACUUM_PAGES) */
	assert_true(scalar(f->where, "PRAGMA freelist_count") <= 4096);
	assert_true(scalar(f->where, "PRAGMA page_count") < pages - 2000);
	sqlite3_close(db);
}

/* A store from before auto_vacuum gives nothing back (incremental_vacuum
 * is a no-op there): the housekeeping and the tidy say so at once instead
 * of trying again for ever. */
static void no_auto_vacuum_no_loop(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	sqlite3 *db = raw(f->where);
	exec_ok(db, "PRAGMA auto_vacuum = NONE; VACUUM");
	free_24_mib(db);
	sqlite3_close(db);
	assert_int_equal(scalar(f->where, "PRAGMA auto_vacuum"), 0);
	int64_t free0 = scalar(f->where, "PRAGMA freelist_count");
	assert_true(free0 > 6000);
	bool more = true;
	for (int round = 0; round < 2; round++) { /* the count grew, then stood still */
		assert_int_equal(store_maintain(f->s, &more), CA_OK);
		assert_false(more);
	}
	struct store_tidy t = {.before = BASE, .now = BASE + DAY, .limit = 10, .actor = "test"};
	uint64_t n = 1;
	assert_int_equal(store_tidy(f->s, &t, &n, &e), CA_OK); /* returns: nothing left */
	assert_int_equal(n, 0);
	assert_int_equal(scalar(f->where, "PRAGMA freelist_count"), free0);
}

/* One certificate through the writer: serial n, one DNS name, DER d. */
static void put_one(struct fx *f, int n, const char *name, uint8_t *d, size_t len)
{
	struct ca_cert c = {0};
	struct ca_error e;
	char *names[1] = {(char *)name};
	snprintf(c.serial, sizeof(c.serial), "%032x", n);
	c.subject = "CN=writer";
	c.dns_names = names;
	c.n_dns = 1;
	c.not_before = BASE;
	c.not_after = BASE + 90 * DAY;
	c.profile = CA_PROFILE_SERVER;
	c.requester = "team-a";
	c.der = d;
	c.der_len = len;
	c.created_at = BASE;
	assert_int_equal(store_cert_put(f->s, &c, &e), CA_OK);
}

/*
 * The group-commit writer checkpoints its WAL itself, after answering
 * (ca/store/sqlite.c: sq_writer_checkpoint), in place of SQLite's automatic
 * checkpoint inside COMMIT: 800 certificates of 60 KB (12,000 pages and
 * more) go through it, and the WAL never holds much more than
 * SQ_CHECKPOINT_PAGES of them. Without a checkpoint it would hold them all.
 */
static void the_writer_checkpoints_its_wal(void **state)
{
	struct fx *f = *state;
	size_t big = 60 * 1024;
	uint8_t *blob = calloc(1, big);
	assert_non_null(blob);
	blob[0] = 0x30;
	struct stat st;
	char wal[400];
	snprintf(wal, sizeof(wal), "%s-wal", f->where);
	off_t most = 0;
	for (int i = 0; i < 800; i++) {
		put_one(f, 0x200000 + i, "wal.example.internal", blob, big);
		if (stat(wal, &st) == 0 && st.st_size > most)
			most = st.st_size;
	}
	free(blob);
	/* A WAL frame is a page and its 24-byte header. */
	assert_true(most > 0);
	assert_true(most < (off_t)(SQ_CHECKPOINT_PAGES + 1000) * (4096 + 24));
}

/*
 * The writer indexes what it wrote once the backlog reaches 256 rows
 * (ca/store/sqlite_search.c: sq_index_writer_round), between groups, so
 * that the housekeeping's catch-up never holds the lock long beside it:
 * 600 issuances and no search, no store_maintain, yet the index is at most
 * 255 rows behind. Without the writer's rounds it would not have moved.
 */
static void the_writer_indexes_what_it_wrote(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	char name[64];
	int64_t before = scalar(f->where, "SELECT last_rowid FROM fts_state");
	for (int i = 0; i < 600; i++) {
		snprintf(name, sizeof(name), "w%d.writer.example", i);
		put_one(f, 0x500000 + i, name, der, sizeof(der));
	}
	int64_t indexed = scalar(f->where, "SELECT last_rowid FROM fts_state");
	int64_t top = scalar(f->where, "SELECT max(rowid) FROM certificates");
	assert_true(indexed >= before + 512);
	assert_true(top - indexed < 256);
	/* and what it indexed is found, the rest caught up on demand */
	struct ca_list_query q = {.status = -1, .q = "w599.writer.example"};
	struct ca_cert_list l;
	assert_int_equal(store_list(f->s, &q, BASE, &l, &e), CA_OK);
	assert_int_equal(l.n, 1);
	ca_cert_list_free(&l);
	q.q = "w5.writer.example";
	assert_int_equal(store_list(f->s, &q, BASE, &l, &e), CA_OK);
	assert_int_equal(l.n, 1);
	ca_cert_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(empty_store_counts_zero, setup, teardown),
	    cmocka_unit_test_setup_teardown(counts_follow_issue_revoke_and_time, setup, teardown),
	    cmocka_unit_test_setup_teardown(counts_see_other_process_and_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(count_refuses_absurd_time, setup, teardown),
	    cmocka_unit_test_setup_teardown(search_finds_san_subject_serial, setup, teardown),
	    cmocka_unit_test_setup_teardown(search_needs_the_trigrams_side_by_side, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(old_store_migrates_and_answers_the_same, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(page_queries_use_indexes, setup, teardown),
	    cmocka_unit_test_setup_teardown(common_term_by_expiry_far_down, setup, teardown),
	    cmocka_unit_test_setup_teardown(common_term_by_expiry_rare_trigram, setup, teardown),
	    cmocka_unit_test_setup_teardown(common_term_by_expiry_trigram_gives_way, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(odd_terms_by_expiry, setup, teardown),
	    cmocka_unit_test_setup_teardown(tidy_keeps_valid_and_revoked_unexpired, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(tidy_refuses_the_future_and_changes_nothing, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(tidy_search_and_space, setup, teardown),
	    cmocka_unit_test_setup_teardown(tidy_leaves_entries_then_rebuild, setup, teardown),
	    cmocka_unit_test_setup_teardown(no_auto_vacuum_no_loop, setup, teardown),
	    cmocka_unit_test_setup_teardown(the_writer_checkpoints_its_wal, setup, teardown),
	    cmocka_unit_test_setup_teardown(the_writer_indexes_what_it_wrote, setup, teardown),
	    cmocka_unit_test_setup_teardown(old_events_migrate_and_tidy_with_their_rows, setup,
					    teardown),
	};
	return cmocka_run_group_tests_name("store inventory (sqlite)", tests, NULL, NULL);
}
