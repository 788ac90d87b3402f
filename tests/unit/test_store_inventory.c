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
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/store.h"

#define DAY 86400
/* A day boundary well after 1970, so days and times are easy to read. */
#define BASE ((int64_t)20000 * DAY)

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

static void serial_of(int i, char out[33])
{
	snprintf(out, 33, "%032x", i + 1);
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
	if (memcmp(&got, &want, sizeof(got)) != 0)
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(empty_store_counts_zero, setup, teardown),
	    cmocka_unit_test_setup_teardown(counts_follow_issue_revoke_and_time, setup, teardown),
	    cmocka_unit_test_setup_teardown(counts_see_other_process_and_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(count_refuses_absurd_time, setup, teardown),
	};
	return cmocka_run_group_tests_name("store inventory (sqlite)", tests, NULL, NULL);
}
