/*
 * The core API end to end, in-process: issue, record, read back, list with
 * keyset pages, expire (injected clock), revoke, CRL numbers, tokens.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>

#include "privca/ca.h"
#include "privca/certinfo.h"
#include "store/store.h"
#include "urls.h"

struct fx {
	char dir[256];
	struct ca *ca;
	int64_t now;
	uint8_t *csr;
	size_t csr_len;
};

static int64_t fake_now(void *arg)
{
	return ((struct fx *)arg)->now;
}

static uint8_t *fixture(const char *name, size_t *len)
{
	const char *d = getenv("PRIVCA_FIXTURES");
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", d ? d : "fixtures", name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t *b = malloc(1 << 16);
	assert_non_null(b);
	*len = fread(b, 1, 1 << 16, f);
	fclose(f);
	return b;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/privca-test-issue.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	struct ca_init_opts o = {.key_type = CA_KEY_EC_P256};
	struct ca_error e;
	assert_int_equal(ca_init(f->dir, &o, &e), CA_OK);
	assert_int_equal(ca_open(f->dir, &f->ca, &e), CA_OK);
	f->now = 1900000000; /* 2030-03-17 */
	ca_set_clock(f->ca, fake_now, f);
	f->csr = fixture("p256.csr", &f->csr_len);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	ca_close(f->ca);
	free(f->csr);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static struct ca_cert *issue(struct fx *f, const struct ca_token *tok, const char *const *sans,
			     size_t nsans, int days)
{
	struct ca_issue_req r = {.csr = f->csr,
				 .csr_len = f->csr_len,
				 .token = tok,
				 .sans = sans,
				 .nsans = nsans,
				 .validity_days = days};
	struct ca_cert *c = NULL;
	struct ca_error e;
	enum ca_err rc = ca_issue(f->ca, &r, &c, &e);
	if (rc != CA_OK)
		fprintf(stderr, "issue: %s\n", e.detail);
	assert_int_equal(rc, CA_OK);
	return c;
}

static uint64_t total(struct fx *f)
{
	struct ca_counts n;
	struct ca_error e;
	assert_int_equal(ca_count(f->ca, &n, &e), CA_OK);
	return n.valid + n.revoked + n.expired;
}

static void test_issue_records_and_reads_back(void **state)
{
	struct fx *f = *state;
	struct ca_cert *c = issue(f, NULL, NULL, 0, 0);
	/* 16 random bytes, first in 0x01..0x7f: 32 hex digits, positive. */
	assert_int_equal(strlen(c->serial), 32);
	assert_true(c->serial[0] >= '0' && c->serial[0] <= '7');
	assert_false(c->serial[0] == '0' && c->serial[1] == '0');
	assert_int_equal(c->not_before, f->now - 300);
	assert_int_equal(c->not_after, f->now - 300 + (int64_t)CA_DEFAULT_DAYS * 86400);
	assert_string_equal(c->requester, "cli");
	assert_int_equal(c->status, CA_STATUS_VALID);

	struct ca_cert *g;
	struct ca_error e;
	assert_int_equal(ca_cert_get(f->ca, c->serial, &g, &e), CA_OK);
	assert_int_equal(g->der_len, c->der_len);
	assert_memory_equal(g->der, c->der, c->der_len);
	assert_string_equal(g->fingerprint_sha256, c->fingerprint_sha256);
	assert_int_equal(g->n_dns, c->n_dns);
	/* Upper case serials in URLs find the same record. */
	char upper[33];
	for (int i = 0; i < 33; i++)
		upper[i] = (char)(c->serial[i] >= 'a' ? c->serial[i] - 32 : c->serial[i]);
	ca_cert_free(g);
	assert_int_equal(ca_cert_get(f->ca, upper, &g, &e), CA_OK);
	ca_cert_free(g);
	assert_int_equal(ca_cert_get(f->ca, "00000000000000000000000000000000", &g, &e),
			 CA_ERR_NOT_FOUND);
	assert_int_equal(ca_cert_get(f->ca, "../../etc/passwd", &g, &e), CA_ERR_NOT_FOUND);
	ca_cert_free(c);
}

/* The certificate's own value of the extension named name, or NULL. */
static const char *ext_value(const struct ca_cert_info *ci, const char *name)
{
	for (size_t i = 0; i < ci->n_exts; i++)
		if (ci->exts[i].name != NULL && strcmp(ci->exts[i].name, name) == 0)
			return ci->exts[i].value;
	return NULL;
}

/* CRL DP and AIA point under the CA's base URL (settings), one slash apart. */
static void test_urls_follow_the_base_url(void **state)
{
	struct fx *f = *state;
	char dir[64];
	snprintf(dir, sizeof(dir), "/tmp/privca-test-urls.XXXXXX");
	assert_non_null(mkdtemp(dir));
	struct ca_init_opts o = {.key_type = CA_KEY_EC_P256,
				 .base_url = "https://ca.team.internal:8443/"};
	struct ca_error e;
	struct ca *ca;
	assert_int_equal(ca_init(dir, &o, &e), CA_OK);
	assert_int_equal(ca_open(dir, &ca, &e), CA_OK);
	struct ca_issue_req r = {.csr = f->csr, .csr_len = f->csr_len};
	struct ca_cert *c = NULL;
	assert_int_equal(ca_issue(ca, &r, &c, &e), CA_OK);
	struct ca_cert_info *ci = NULL;
	assert_int_equal(ca_cert_info(c->der, c->der_len, &ci, &e), CA_OK);
	const char *dp = ext_value(ci, "cRLDistributionPoints");
	const char *aia = ext_value(ci, "authorityInfoAccess");
	assert_non_null(dp);
	assert_non_null(aia);
	assert_non_null(strstr(dp, "https://ca.team.internal:8443/crl"));
	assert_non_null(strstr(aia, "https://ca.team.internal:8443/ocsp"));
	assert_non_null(strstr(aia, "https://ca.team.internal:8443/ca.crt"));
	assert_null(strstr(aia, "8443//"));
	ca_cert_info_free(ci);
	ca_cert_free(c);
	ca_close(ca);
	char cmd[100];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* A base URL that leaves no room for a path is refused, not cut short. */
static void test_urls_from_a_bad_base_refused(void **state)
{
	(void)state;
	struct cert_urls u;
	struct ca_error e;
	char base[CERT_URL_MAX];
	memset(base, 'a', sizeof(base) - 1);
	base[sizeof(base) - 1] = '\0';
	memcpy(base, "http://", 7);
	base[CERT_URL_MAX - 4] = '\0'; /* "/ca.crt" does not fit after it */
	assert_int_equal(cert_urls_from_base(base, &u, &e), CA_ERR_BAD_REQUEST);
	assert_non_null(strstr(e.detail, "too long"));
	assert_string_equal(u.crl, "");
	assert_int_equal(cert_urls_from_base("", &u, &e), CA_ERR_BAD_REQUEST);
	assert_int_equal(cert_urls_from_base(NULL, &u, &e), CA_ERR_BAD_REQUEST);
	assert_int_equal(cert_urls_from_base("http://x", &u, &e), CA_OK);
	assert_string_equal(u.crl, "http://x/crl");
	assert_string_equal(u.ocsp, "http://x/ocsp");
	assert_string_equal(u.issuer, "http://x/ca.crt");
}

static void test_serials_are_unique(void **state)
{
	struct fx *f = *state;
	char seen[200][33];
	for (int i = 0; i < 200; i++) {
		struct ca_cert *c = issue(f, NULL, NULL, 0, 1);
		memcpy(seen[i], c->serial, 33);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(seen[j], seen[i]);
		ca_cert_free(c);
	}
}

static void test_expiry_follows_the_clock(void **state)
{
	struct fx *f = *state;
	struct ca_cert *c = issue(f, NULL, NULL, 0, 2);
	struct ca_counts n;
	struct ca_error e;
	assert_int_equal(ca_count(f->ca, &n, &e), CA_OK);
	/* The TLS certificate of init was issued at the real time: ignore it. */
	uint64_t expired0 = n.expired;
	f->now += 3 * 86400;
	assert_int_equal(ca_count(f->ca, &n, &e), CA_OK);
	assert_int_equal(n.expired, expired0 + 1);
	struct ca_cert *g;
	assert_int_equal(ca_cert_get(f->ca, c->serial, &g, &e), CA_OK);
	assert_int_equal(g->status, CA_STATUS_EXPIRED);
	struct ca_list_query q = {.status = CA_STATUS_EXPIRED, .q = c->serial};
	struct ca_cert_list l;
	assert_int_equal(ca_list(f->ca, &q, &l, &e), CA_OK);
	assert_int_equal(l.n, 1);
	ca_cert_list_free(&l);
	ca_cert_free(g);
	ca_cert_free(c);
}

static void test_days_over_maximum_refused(void **state)
{
	struct fx *f = *state;
	struct ca_issue_req r = {.csr = f->csr, .csr_len = f->csr_len, .validity_days = 826};
	struct ca_cert *c = NULL;
	struct ca_error e;
	uint64_t before = total(f);
	assert_int_equal(ca_issue(f->ca, &r, &c, &e), CA_ERR_BAD_REQUEST);
	assert_non_null(strstr(e.detail, "825"));
	assert_null(c);
	assert_int_equal(total(f), before);
}

static void test_keyset_pages_walk_everything_once(void **state)
{
	struct fx *f = *state;
	char issued[7][33];
	for (int i = 0; i < 7; i++) {
		struct ca_cert *c = issue(f, NULL, NULL, 0, 30 + i);
		memcpy(issued[i], c->serial, 33);
		ca_cert_free(c);
		f->now += 1;
	}
	for (int sort = 0; sort < CA_SORT_MAX; sort++) {
		struct ca_list_query q = {
		    .status = -1, .limit = 3, .sort = (enum ca_sort)sort, .q = "p256.example.test"};
		char *cursor = NULL;
		int seen = 0, pages = 0;
		char got[16][33];
		do {
			struct ca_cert_list l;
			struct ca_error e;
			q.cursor = cursor;
			assert_int_equal(ca_list(f->ca, &q, &l, &e), CA_OK);
			free(cursor);
			for (size_t i = 0; i < l.n; i++) {
				assert_true(seen < 16);
				memcpy(got[seen++], l.items[i]->serial, 33);
			}
			cursor = l.next_cursor;
			l.next_cursor = NULL;
			ca_cert_list_free(&l);
			pages++;
		} while (cursor != NULL);
		assert_int_equal(seen, 7);
		assert_int_equal(pages, 3);
		/* Newest first: the last issued is on top. */
		assert_string_equal(got[0], issued[6]);
		for (int i = 0; i < 7; i++)
			for (int j = i + 1; j < 7; j++)
				assert_string_not_equal(got[i], got[j]);
	}
	/* Both search paths find the same certificates: trigram lookup (3+
	 * characters), the ordered scan (shorter terms, expiry order). */
	const char *terms[] = {"p256.example", "P256.EXAMPLE.TEST", "56", "ivca te"};
	size_t want[] = {7, 7, 7, 7};
	for (size_t t = 0; t < sizeof(terms) / sizeof(terms[0]); t++)
		for (int sort = 0; sort < CA_SORT_MAX; sort++) {
			struct ca_list_query sq = {
			    .status = -1, .limit = 500, .q = terms[t], .sort = (enum ca_sort)sort};
			struct ca_cert_list sl;
			struct ca_error se;
			assert_int_equal(ca_list(f->ca, &sq, &sl, &se), CA_OK);
			assert_true(sl.n >= want[t]);
			assert_null(sl.next_cursor);
			ca_cert_list_free(&sl);
		}
	const char *none[] = {"\"\"\"", "zz\"q", "no-such-name", "%", "_"};
	for (size_t t = 0; t < sizeof(none) / sizeof(none[0]); t++) {
		struct ca_list_query sq = {.status = -1, .q = none[t]};
		struct ca_cert_list sl;
		struct ca_error se;
		assert_int_equal(ca_list(f->ca, &sq, &sl, &se), CA_OK);
		assert_int_equal(sl.n, 0);
		ca_cert_list_free(&sl);
	}
	/* The trigram index (issued order) and the scan (expiry order) agree
	 * exactly, also after more certificates arrive: nothing is missed or
	 * indexed twice. */
	for (int round = 0; round < 2; round++) {
		size_t got[CA_SORT_MAX];
		for (int sort = 0; sort < CA_SORT_MAX; sort++) {
			struct ca_list_query sq = {.status = -1,
						   .limit = 500,
						   .q = "p256.example.test",
						   .sort = (enum ca_sort)sort};
			struct ca_cert_list sl;
			struct ca_error se;
			assert_int_equal(ca_list(f->ca, &sq, &sl, &se), CA_OK);
			got[sort] = sl.n;
			ca_cert_list_free(&sl);
		}
		assert_int_equal(got[CA_SORT_ISSUED], got[CA_SORT_EXPIRES]);
		assert_int_equal(got[CA_SORT_ISSUED], 7 + (size_t)round);
		ca_cert_free(issue(f, NULL, NULL, 0, 5));
	}
	/* A cursor from one kind of listing is refused by the other. */
	struct ca_list_query mixed = {.status = -1, .q = "p256.example", .cursor = "i12_3"};
	struct ca_cert_list ml;
	struct ca_error me;
	assert_int_equal(ca_list(f->ca, &mixed, &ml, &me), CA_ERR_BAD_REQUEST);
	mixed.q = NULL;
	mixed.cursor = "r3";
	assert_int_equal(ca_list(f->ca, &mixed, &ml, &me), CA_ERR_BAD_REQUEST);
	/* One of issue order in an expiry-order list, and the other way. */
	mixed.cursor = "i12_3";
	mixed.sort = CA_SORT_EXPIRES;
	assert_int_equal(ca_list(f->ca, &mixed, &ml, &me), CA_ERR_BAD_REQUEST);
	mixed.cursor = "e12_3";
	mixed.sort = CA_SORT_ISSUED;
	assert_int_equal(ca_list(f->ca, &mixed, &ml, &me), CA_ERR_BAD_REQUEST);
	mixed.cursor = "i12_3";
	assert_int_equal(ca_list(f->ca, &mixed, &ml, &me), CA_OK);
	ca_cert_list_free(&ml);
	const char *bad[] = {"12_3",  "i12_nothex", "i12_", "i_3", "i12_3x", "i12_-3",
			     "i12_0", "ix_3",	    "r",    "r0",  "r3_"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ca_list_query bq = {.status = -1, .cursor = bad[i]};
		struct ca_cert_list l;
		struct ca_error e;
		assert_int_equal(ca_list(f->ca, &bq, &l, &e), CA_ERR_BAD_REQUEST);
	}
}

/*
 * Newest first holds within one second: certificates issued in the same
 * second (and expiring in the same second) come back in reverse issue
 * order on every path (scan, trigram lookup, rare-term sort), a page at a
 * time. Breaking ties by the random serial once let the overview's
 * "latest" miss the certificate just issued.
 */
static void test_same_second_newest_first(void **state)
{
	struct fx *f = *state;
	enum { N = 9 };
	char issued[N][33];
	for (int i = 0; i < N; i++) {
		struct ca_cert *c = issue(f, NULL, NULL, 0, 30);
		memcpy(issued[i], c->serial, 33);
		ca_cert_free(c);
	}
	const char *terms[] = {NULL, "p256.example.test", "56"};
	for (size_t t = 0; t < sizeof(terms) / sizeof(terms[0]); t++)
		for (int sort = 0; sort < CA_SORT_MAX; sort++) {
			struct ca_list_query q = {
			    .status = -1, .limit = 2, .sort = (enum ca_sort)sort, .q = terms[t]};
			char *cursor = NULL;
			int seen = 0;
			do {
				struct ca_cert_list l;
				struct ca_error e;
				q.cursor = cursor;
				assert_int_equal(ca_list(f->ca, &q, &l, &e), CA_OK);
				free(cursor);
				/* Other certificates (the server's own) may be
				 * listed too; these nine keep their order. */
				for (size_t i = 0; i < l.n; i++) {
					bool ours = false;
					for (int j = 0; j < N; j++)
						ours |= !strcmp(l.items[i]->serial, issued[j]);
					if (!ours)
						continue;
					assert_true(seen < N);
					assert_string_equal(l.items[i]->serial,
							    issued[N - 1 - seen]);
					seen++;
				}
				cursor = l.next_cursor;
				l.next_cursor = NULL;
				ca_cert_list_free(&l);
			} while (cursor != NULL);
			assert_int_equal(seen, N);
		}
}

/* A CRL number is recorded once: a builder that lost it must build again. */
static void test_crl_number_taken_once(void **state)
{
	struct fx *f = *state;
	char path[300];
	snprintf(path, sizeof(path), "%s/numbers.db", f->dir);
	struct store *s;
	struct ca_error e;
	assert_int_equal(store_open(path, true, &s, &e), CA_OK);
	uint8_t a[] = {1}, b[] = {2}, c[] = {3};
	struct store_crl one = {1, a, 1, 10, 20, 0, 0, -1, 0},
			 taken = {1, b, 1, 11, 21, 0, 0, -1, 0},
			 gap = {3, b, 1, 11, 21, 0, 0, -1, 0}, two = {2, c, 1, 12, 22, 5, 0, -1, 0};
	assert_int_equal(store_crl_put(s, &one), CA_OK);
	assert_int_equal(store_crl_put(s, &taken), CA_ERR_EXISTS);
	assert_int_equal(store_crl_put(s, &gap), CA_ERR_EXISTS); /* not the next one */
	assert_int_equal(store_crl_put(s, &two), CA_OK);
	struct store_crl got;
	uint64_t n;
	assert_int_equal(store_crl_get(s, 5, 11, &got), CA_OK);
	assert_int_equal(got.number, 2);
	assert_int_equal(got.len, 1);
	assert_int_equal(got.der[0], 3);
	assert_int_equal(got.this_update, 12);
	assert_int_equal(got.generation, 5);
	free(got.der);
	/* Not current (another generation, or built too long ago): no bytes. */
	assert_int_equal(store_crl_get(s, 6, 11, &got), CA_OK);
	assert_int_equal(got.number, 2);
	assert_null(got.der);
	assert_int_equal(store_crl_get(s, 5, 12, &got), CA_OK);
	assert_int_equal(got.generation, 5);
	assert_null(got.der);
	assert_int_equal(store_crl_number(s, &n), CA_OK);
	assert_int_equal(n, 2);
	store_close(s);
}

/*
 * A second handle on the directory (privca crl beside the service, or the
 * service after a restart) takes the recorded CRL while it is current: the
 * same bytes and number, nothing signed. A revocation, or the daily
 * refresh, makes the next one.
 */
static void test_crl_current_is_reused(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	struct ca_cert *c = issue(f, NULL, NULL, 0, 30);
	assert_int_equal(ca_revoke(f->ca, c->serial, CA_REASON_SUPERSEDED, NULL, NULL, &e), CA_OK);
	ca_cert_free(c);
	struct ca_blob *b1, *b2, *b3, *b4;
	assert_int_equal(ca_crl(f->ca, &b1, &e), CA_OK);
	struct ca *other;
	assert_int_equal(ca_open(f->dir, &other, &e), CA_OK);
	ca_set_clock(other, fake_now, f);
	assert_int_equal(ca_crl(other, &b2, &e), CA_OK);
	size_t l1, l2;
	const uint8_t *d1 = ca_blob_data(b1, &l1), *d2 = ca_blob_data(b2, &l2);
	assert_int_equal(ca_blob_number(b2), ca_blob_number(b1));
	assert_int_equal(l1, l2);
	assert_memory_equal(d1, d2, l1);
	/* A revocation (made through the first handle) is a new CRL. */
	c = issue(f, NULL, NULL, 0, 30);
	assert_int_equal(ca_revoke(f->ca, c->serial, CA_REASON_SUPERSEDED, NULL, NULL, &e), CA_OK);
	ca_cert_free(c);
	ca_close(other);
	assert_int_equal(ca_open(f->dir, &other, &e), CA_OK);
	ca_set_clock(other, fake_now, f);
	assert_int_equal(ca_crl(other, &b3, &e), CA_OK);
	assert_int_equal(ca_blob_number(b3), ca_blob_number(b1) + 1);
	/* A day later the recorded one is due: a new number again. */
	ca_close(other);
	f->now += 86400;
	assert_int_equal(ca_open(f->dir, &other, &e), CA_OK);
	ca_set_clock(other, fake_now, f);
	assert_int_equal(ca_crl(other, &b4, &e), CA_OK);
	assert_int_equal(ca_blob_number(b4), ca_blob_number(b3) + 1);
	assert_int_equal(ca_blob_time(b4), f->now);
	ca_blob_release(b1);
	ca_blob_release(b2);
	ca_blob_release(b3);
	ca_blob_release(b4);
	ca_close(other);
}

/*
 * Two handles on one directory (the service and a `privca crl` beside it)
 * rebuilding after every revocation, at the same time: each CRL number
 * stands for one CRL. Before numbers were taken atomically, both builders
 * read N and both wrote a different CRL N+1.
 */
struct crl_racer {
	struct ca *ca;
	int rounds;
	uint64_t numbers[64];
	uint8_t first[64][64]; /* the signature's last bytes tell CRLs apart */
	int n;
	pthread_barrier_t *go;
};

static void *crl_race(void *arg)
{
	struct crl_racer *r = arg;
	for (int i = 0; i < r->rounds; i++) {
		pthread_barrier_wait(r->go); /* a revocation happened */
		struct ca_blob *b;
		struct ca_error e;
		if (ca_crl(r->ca, &b, &e) == CA_OK) { /* else r->n falls short */
			size_t len;
			const uint8_t *d = ca_blob_data(b, &len);
			r->numbers[r->n] = ca_blob_number(b);
			memcpy(r->first[r->n], d + len - 64, 64);
			r->n++;
			ca_blob_release(b);
		}
		pthread_barrier_wait(r->go);
	}
	return NULL;
}

static void test_crl_numbers_unique_across_handles(void **state)
{
	struct fx *f = *state;
	enum { ROUNDS = 24 };
	struct ca *other;
	struct ca_error e;
	assert_int_equal(ca_open(f->dir, &other, &e), CA_OK);
	ca_set_clock(other, fake_now, f);
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, 3);
	struct crl_racer r[2] = {{.ca = f->ca, .rounds = ROUNDS, .go = &go},
				 {.ca = other, .rounds = ROUNDS, .go = &go}};
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, crl_race, &r[i]), 0);
	for (int i = 0; i < ROUNDS; i++) {
		struct ca_cert *c = issue(f, NULL, NULL, 0, 30);
		assert_int_equal(ca_revoke(f->ca, c->serial, CA_REASON_SUPERSEDED, NULL, NULL, &e),
				 CA_OK);
		ca_cert_free(c);
		pthread_barrier_wait(&go); /* both rebuild now */
		pthread_barrier_wait(&go);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&go);
	assert_int_equal(r[0].n, ROUNDS);
	assert_int_equal(r[1].n, ROUNDS);
	/* Both saw every revocation: each round's CRL is newer than the last. */
	for (int k = 0; k < 2; k++)
		for (int i = 1; i < ROUNDS; i++)
			assert_true(r[k].numbers[i] > r[k].numbers[i - 1]);
	for (int i = 0; i < ROUNDS; i++)
		for (int j = 0; j < ROUNDS; j++)
			if (r[0].numbers[i] == r[1].numbers[j])
				assert_memory_equal(r[0].first[i], r[1].first[j], 64);
	ca_close(other);
}

/* The policy summary of ca_token_list, whole, for a token with many long
 * patterns and every option: nothing cut, nothing written past its end. */
static void test_token_summary_whole(void **state)
{
	struct fx *f = *state;
	enum { N = 40 };
	static char pats[N][64];
	const char *allow[N];
	char want[N * 64 + 256] = "allow=";
	for (int i = 0; i < N; i++) {
		snprintf(pats[i], sizeof(pats[i]),
			 ".team-%02d-with-a-rather-long-name.example.test", i);
		allow[i] = pats[i];
		strcat(want, i ? "," : "");
		strcat(want, pats[i]);
	}
	strcat(want, " allow-ip=10.0.0.0/8 wildcard max-days=90 profiles=server,client,peer");
	const char *ips[] = {"10.0.0.0/8"};
	struct ca_token_policy p = {.allow = allow,
				    .nallow = N,
				    .allow_ip = ips,
				    .nallow_ip = 1,
				    .allow_wildcard = true,
				    .max_days = 90,
				    .profiles = 7};
	char t[CA_TOKEN_LEN + 1];
	struct ca_error e;
	assert_int_equal(ca_token_create(f->ca, "many", &p, t, &e), CA_OK);
	struct ca_token_info *l = NULL;
	size_t n = 0;
	assert_int_equal(ca_token_list(f->ca, &l, &n, &e), CA_OK);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].policy, want);
	ca_token_list_free(l, n);
}

static void test_token_policy_and_revocation(void **state)
{
	struct fx *f = *state;
	const char *allow[] = {".example.test"};
	const char *other_allow[] = {".elsewhere.test"};
	struct ca_token_policy p = {.allow = allow, .nallow = 1};
	struct ca_token_policy p2 = {.allow = other_allow, .nallow = 1};
	struct ca_token_policy adm = {.admin = true};
	char t1[CA_TOKEN_LEN + 1], t2[CA_TOKEN_LEN + 1], t3[CA_TOKEN_LEN + 1];
	struct ca_error e;
	assert_int_equal(ca_token_create(f->ca, "team-a", &p, t1, &e), CA_OK);
	assert_int_equal(ca_token_create(f->ca, "team-a", &p, t2, &e), CA_ERR_EXISTS);
	assert_int_equal(ca_token_create(f->ca, "team-b", &p2, t2, &e), CA_OK);
	assert_int_equal(ca_token_create(f->ca, "ops", &adm, t3, &e), CA_OK);
	struct ca_token_policy none = {0};
	assert_int_equal(ca_token_create(f->ca, "empty", &none, t3 + 0, &e), CA_ERR_BAD_REQUEST);

	struct ca_token *a, *b, *o, *x;
	assert_int_equal(ca_token_auth(f->ca, t1, &a, &e), CA_OK);
	assert_int_equal(ca_token_auth(f->ca, t2, &b, &e), CA_OK);
	assert_int_equal(ca_token_auth(f->ca, t3, &o, &e), CA_OK);
	assert_int_equal(ca_token_auth(f->ca, "not-a-token", &x, &e), CA_ERR_UNAUTHORIZED);
	assert_string_equal(ca_token_name(a), "team-a");

	/* The fixture asks for *.p256.example.test: team-a has no wildcards. */
	uint64_t before = total(f);
	struct ca_issue_req r = {.csr = f->csr, .csr_len = f->csr_len, .token = a};
	struct ca_cert *c = NULL;
	assert_int_equal(ca_issue(f->ca, &r, &c, &e), CA_ERR_NAME_NOT_ALLOWED);
	assert_non_null(strstr(e.detail, "*.p256.example.test"));
	assert_int_equal(total(f), before);
	const char *sans[] = {"p256.example.test"};
	c = issue(f, a, sans, 1, 0);
	assert_string_equal(c->requester, "team-a");

	/* Only the requesting team or an admin may revoke. */
	struct ca_cert *out = NULL;
	assert_int_equal(ca_revoke(f->ca, c->serial, CA_REASON_KEY_COMPROMISE, b, &out, &e),
			 CA_ERR_FORBIDDEN);
	struct ca_blob *crl1, *crl2;
	assert_int_equal(ca_crl(f->ca, &crl1, &e), CA_OK);
	assert_int_equal(ca_revoke(f->ca, c->serial, CA_REASON_KEY_COMPROMISE, a, &out, &e), CA_OK);
	assert_int_equal(out->status, CA_STATUS_REVOKED);
	assert_int_equal(out->reason, CA_REASON_KEY_COMPROMISE);
	assert_int_equal(out->revoked_at, f->now);
	ca_cert_free(out);
	assert_int_equal(ca_revoke(f->ca, c->serial, CA_REASON_UNSPECIFIED, o, NULL, &e),
			 CA_ERR_ALREADY_REVOKED);
	assert_int_equal(ca_revoke(f->ca, "7fffffffffffffffffffffffffffffff", CA_REASON_UNSPECIFIED,
				   o, NULL, &e),
			 CA_ERR_NOT_FOUND);
	/* The CRL is rebuilt with the next number. */
	assert_int_equal(ca_crl(f->ca, &crl2, &e), CA_OK);
	assert_int_equal(ca_blob_number(crl2), ca_blob_number(crl1) + 1);
	ca_blob_release(crl1);
	ca_blob_release(crl2);

	/* A revoked token no longer authenticates. */
	assert_int_equal(ca_token_revoke(f->ca, "team-a", &e), CA_OK);
	assert_int_equal(ca_token_auth(f->ca, t1, &x, &e), CA_ERR_UNAUTHORIZED);
	assert_int_equal(ca_token_revoke(f->ca, "team-a", &e), CA_ERR_NOT_FOUND);
	ca_cert_free(c);
	ca_token_free(a);
	ca_token_free(b);
	ca_token_free(o);
}

static void test_key_readable_by_others_refused(void **state)
{
	struct fx *f = *state;
	char path[300];
	snprintf(path, sizeof(path), "%s/ca.key", f->dir);
	assert_int_equal(chmod(path, 0644), 0);
	struct ca *ca2 = NULL;
	struct ca_error e;
	assert_int_equal(ca_open(f->dir, &ca2, &e), CA_ERR_IO);
	assert_non_null(strstr(e.detail, "chmod 600"));
	assert_int_equal(chmod(path, 0600), 0);
	struct ca_init_opts o = {0};
	assert_int_equal(ca_init(f->dir, &o, &e), CA_ERR_EXISTS);
}

static uint8_t *read_all(const char *dir, const char *name, size_t *len)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	uint8_t *b = malloc(1 << 16);
	assert_non_null(b);
	*len = fread(b, 1, 1 << 16, fp);
	fclose(fp);
	return b;
}

static void test_tls_certificate_renewed_before_expiry(void **state)
{
	struct fx *f = *state;
	struct ca_error e;
	bool renewed = true;
	size_t n0, n1, n2;
	f->now = time(NULL);
	uint8_t *before = read_all(f->dir, "tls.pem", &n0);
	assert_int_equal(ca_tls_renew(f->ca, 30, &renewed, &e), CA_OK);
	assert_false(renewed); /* 397 days left */
	uint64_t count = total(f);
	f->now += 380 * 86400; /* 17 days left */
	assert_int_equal(ca_tls_renew(f->ca, 30, &renewed, &e), CA_OK);
	assert_true(renewed);
	uint8_t *after = read_all(f->dir, "tls.pem", &n1);
	assert_false(n0 == n1 && memcmp(before, after, n0) == 0);
	assert_int_equal(total(f), count + 1); /* recorded like any certificate */
	/* Recorded with the same names, the same subject, a fresh validity. */
	struct ca_list_query q = {.status = -1, .q = "localhost", .limit = 10};
	struct ca_cert_list l;
	assert_int_equal(ca_list(f->ca, &q, &l, &e), CA_OK);
	assert_true(l.n >= 2);
	assert_string_equal(l.items[0]->requester, "renew");
	assert_int_equal(l.items[0]->not_before, f->now - 300);
	assert_int_equal(l.items[0]->n_dns, l.items[1]->n_dns);
	assert_int_equal(l.items[0]->n_ip, l.items[1]->n_ip);
	assert_string_equal(l.items[0]->subject, l.items[1]->subject);
	ca_cert_list_free(&l);
	/* Once renewed, nothing more to do. */
	assert_int_equal(ca_tls_renew(f->ca, 30, &renewed, &e), CA_OK);
	assert_false(renewed);
	uint8_t *again = read_all(f->dir, "tls.pem", &n2);
	assert_memory_equal(after, again, n1);
	free(before);
	free(after);
	free(again);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_issue_records_and_reads_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_urls_follow_the_base_url, setup, teardown),
	    cmocka_unit_test(test_urls_from_a_bad_base_refused),
	    cmocka_unit_test_setup_teardown(test_serials_are_unique, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expiry_follows_the_clock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_days_over_maximum_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_keyset_pages_walk_everything_once, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_same_second_newest_first, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crl_number_taken_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crl_current_is_reused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crl_numbers_unique_across_handles, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_token_policy_and_revocation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_summary_whole, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_readable_by_others_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tls_certificate_renewed_before_expiry, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
