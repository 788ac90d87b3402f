/*
 * crl_build: CRLs for every CA key type, checked with the real tools
 * (openssl crl, openssl verify -crl_check, GnuTLS certtool), plus the
 * encoder's refusals and its speed on a large list.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/sha.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "codec.h"
#include "x509/crl.h"
#include "x509/der.h"
#include "crypto/signer.h"
#include "x509/oid.h"

#include "support/testca.h"

/* ---- Fixtures ---------------------------------------------------------- */

static const enum ca_key_type types[] = {CA_KEY_EC_P256, CA_KEY_EC_P384, CA_KEY_RSA_2048,
					 CA_KEY_ED25519};
#define NTYPES (sizeof(types) / sizeof(types[0]))
static struct tca cas[NTYPES];
static int64_t now; /* CRLs must be current for certtool --verify-crl */

static int group_setup(void **state)
{
	(void)state;
	now = (int64_t)time(NULL);
	for (size_t i = 0; i < NTYPES; i++)
		tca_init(&cas[i], types[i]);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < NTYPES; i++)
		tca_free(&cas[i]);
	return 0;
}

static struct crl_params params(const struct tca *c, const struct crl_entry *e, size_t n)
{
	struct crl_params p = {
	    .issuer = c->name,
	    .issuer_len = c->name_len,
	    .ski = c->ski,
	    .ski_len = sizeof(c->ski),
	    .number = 42,
	    .this_update = now - 60,
	    .next_update = now + 7 * 86400,
	    .entries = e,
	    .n = n,
	};
	return p;
}

static struct crl_entry entry(const char *hex, int64_t at, enum ca_reason r)
{
	struct crl_entry e = {.revoked_at = at, .reason = r};
	e.serial_len = strlen(hex) / 2;
	assert_true(e.serial_len <= CRL_SERIAL_MAX);
	assert_true(hex_decode(hex, e.serial, e.serial_len));
	return e;
}

static void build_and_write(struct tca *c, const struct crl_params *p, const char *name)
{
	uint8_t *der;
	size_t len;
	assert_int_equal(crl_build(c->key, p, &der, &len, NULL), CA_OK);
	char file[64];
	snprintf(file, sizeof(file), "%s.der", name);
	write_file(c->dir, file, der, len);
	snprintf(file, sizeof(file), "%s.pem", name);
	write_pem(c->dir, file, "X509 CRL", der, len);
	free(der);
}

/* ---- Tests --------------------------------------------------------------- */

/* Every key type: signature verifies, reasons and cRLNumber are there. */
static void test_crl_verifies_all_key_types(void **state)
{
	(void)state;
	static char out[65536];
	for (size_t i = 0; i < NTYPES; i++) {
		struct tca *c = &cas[i];
		struct crl_entry e[] = {
		    entry("0a1b2c3d4e5f60718293a4b5c6d7e8f9", T0 - 3600, CA_REASON_UNSPECIFIED),
		    entry("7fffffffffffffffffffffffffffff01", T0 - 60, CA_REASON_KEY_COMPROMISE),
		    entry("01", T0 - 1, CA_REASON_SUPERSEDED),
		    entry("20202020202020202020202020202020", T0, CA_REASON_AFFILIATION_CHANGED),
		    entry("30303030303030303030303030303030", T0, CA_REASON_CESSATION_OF_OPERATION),
		};
		struct crl_params p = params(c, e, 5);
		build_and_write(c, &p, "crl");

		print_message("%s\n", ca_key_type_name(c->type));
		assert_int_equal(run(c->dir, out, sizeof(out),
				     "openssl crl -inform DER -in crl.der -CAfile ca.pem -noout"),
				 0);
		assert_non_null(strstr(out, "verify OK"));

		assert_int_equal(run(c->dir, out, sizeof(out),
				     "openssl crl -inform DER -in crl.der -noout -text"),
				 0);
		assert_non_null(strstr(out, "Version 2"));
		assert_non_null(strstr(out, "X509v3 CRL Number: \n                42"));
		assert_non_null(strstr(out, "X509v3 Authority Key Identifier"));
		assert_non_null(strstr(out, "Serial Number: 0A1B2C3D4E5F60718293A4B5C6D7E8F9"));
		assert_non_null(strstr(out, "Serial Number: 01\n"));
		assert_non_null(strstr(out, "Key Compromise"));
		assert_non_null(strstr(out, "Superseded"));
		assert_non_null(strstr(out, "Affiliation Changed"));
		assert_non_null(strstr(out, "Cessation Of Operation"));
		assert_null(strstr(out, "Unspecified"));
		/* Exactly four reasonCode extensions: none for the unspecified entry. */
		int reasons = 0;
		for (const char *s = out; (s = strstr(s, "X509v3 CRL Reason Code")) != NULL; s++)
			reasons++;
		assert_int_equal(reasons, 4);

		assert_int_equal(
		    run(c->dir, out, sizeof(out),
			"certtool --verify-crl --load-ca-certificate ca.pem --infile crl.pem"),
		    0);
		assert_non_null(strstr(out, "Verified"));
	}
}

/* Nothing revoked: the list is left out entirely and the CRL still verifies. */
static void test_crl_empty(void **state)
{
	(void)state;
	static char out[16384];
	for (size_t i = 0; i < NTYPES; i++) {
		struct tca *c = &cas[i];
		struct crl_params p = params(c, NULL, 0);
		p.number = 0;
		build_and_write(c, &p, "empty");
		assert_int_equal(
		    run(c->dir, out, sizeof(out),
			"openssl crl -inform DER -in empty.der -CAfile ca.pem -noout -text"),
		    0);
		assert_non_null(strstr(out, "verify OK"));
		assert_non_null(strstr(out, "No Revoked Certificates."));
		assert_int_equal(
		    run(c->dir, out, sizeof(out),
			"certtool --verify-crl --load-ca-certificate ca.pem --infile empty.pem"),
		    0);
	}
}

/* Walk TBSCertList up to revokedCertificates; returns the list (or not). */
static bool tbs_fields(const uint8_t *der, size_t len, struct der_elem *this_u,
		       struct der_elem *next_u, struct der_elem *list)
{
	struct der_r r = {der, len}, in, tbs_in;
	struct der_elem cl, tbs, e;
	assert_true(der_expect(&r, DER_SEQUENCE, &cl));
	assert_int_equal(r.len, 0);
	in = der_in(&cl);
	assert_true(der_expect(&in, DER_SEQUENCE, &tbs));
	tbs_in = der_in(&tbs);
	assert_true(der_expect(&tbs_in, DER_INTEGER, &e));
	assert_true(e.len == 1 && e.val[0] == 1);
	assert_true(der_expect(&tbs_in, DER_SEQUENCE, &e)); /* signature */
	assert_true(der_expect(&tbs_in, DER_SEQUENCE, &e)); /* issuer */
	assert_true(der_next(&tbs_in, this_u));
	assert_true(der_next(&tbs_in, next_u));
	bool has = der_expect(&tbs_in, DER_SEQUENCE, list);
	assert_true(der_expect(&tbs_in, DER_CTX_CONS(0), &e));
	assert_int_equal(tbs_in.len, 0);
	return has;
}

/* The time types switch at 2050 (RFC 5280 5.1.2.4), and the DER shape. */
static void test_crl_time_encoding_and_shape(void **state)
{
	(void)state;
	static char out[16384];
	struct tca *c = &cas[0];
	int64_t y2051 = INT64_C(2556144000); /* 2051-01-01 */
	struct crl_entry e[] = {entry("00ff", y2051 - 10, CA_REASON_KEY_COMPROMISE)};
	struct crl_params p = params(c, e, 1);
	p.next_update = y2051;
	uint8_t *der;
	size_t len;
	assert_int_equal(crl_build(c->key, &p, &der, &len, NULL), CA_OK);
	struct der_elem tu, nu, list, ent, x;
	assert_true(tbs_fields(der, len, &tu, &nu, &list));
	assert_int_equal(tu.tag, DER_UTCTIME);
	assert_int_equal(nu.tag, DER_GENERALIZEDTIME);
	int64_t t;
	assert_true(der_get_time(&nu, &t));
	assert_true(t == y2051);
	struct der_r lr = der_in(&list), er;
	assert_true(der_expect(&lr, DER_SEQUENCE, &ent));
	assert_int_equal(lr.len, 0);
	er = der_in(&ent);
	/* 00ff: leading zero kept because 0xff has the top bit set. */
	assert_true(der_expect(&er, DER_INTEGER, &x));
	assert_int_equal(x.len, 2);
	assert_memory_equal(x.val, "\x00\xff", 2);
	assert_true(der_expect(&er, DER_GENERALIZEDTIME, &x));
	assert_true(der_expect(&er, DER_SEQUENCE, &x)); /* crlEntryExtensions */
	assert_memory_equal(x.tlv, "\x30\x0c\x30\x0a\x06\x03\x55\x1d\x15\x04\x03\x0a\x01\x01", 14);
	assert_int_equal(er.len, 0);
	write_file(c->dir, "y2051.der", der, len);
	free(der);
	assert_int_equal(run(c->dir, out, sizeof(out),
			     "openssl crl -inform DER -in y2051.der -CAfile ca.pem -noout -text"),
			 0);
	assert_non_null(strstr(out, "verify OK"));
	assert_non_null(strstr(out, "Next Update: Jan  1 00:00:00 2051 GMT"));
}

/* Serials: 20 bytes with the top bit set, leading zeros dropped. */
static void test_crl_serial_edges(void **state)
{
	(void)state;
	static char out[16384];
	struct tca *c = &cas[0];
	struct crl_entry e[] = {
	    entry("ffffffffffffffffffffffffffffffffffffffff", T0, CA_REASON_UNSPECIFIED),
	    entry("000000000000000000000000000000000000abcd", T0, CA_REASON_UNSPECIFIED),
	};
	struct crl_params p = params(c, e, 2);
	build_and_write(c, &p, "serials");
	assert_int_equal(run(c->dir, out, sizeof(out),
			     "openssl crl -inform DER -in serials.der -CAfile ca.pem -noout -text"),
			 0);
	assert_non_null(strstr(out, "verify OK"));
	assert_non_null(strstr(out, "Serial Number: FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\n"));
	assert_non_null(strstr(out, "Serial Number: ABCD\n"));
}

/* A certificate on the CRL fails openssl verify -crl_check; one not on it passes. */
static void test_crl_revokes_leaf(void **state)
{
	(void)state;
	static char out[16384];
	for (size_t i = 0; i < NTYPES; i++) {
		struct tca *c = &cas[i];
		const uint8_t s1[] = {0x5a, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
				      0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
		const uint8_t s2[] = {0x5a, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
				      0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x10};
		tca_write_leaf(c, s1, sizeof(s1), "leaf.pem");
		tca_write_leaf(c, s2, sizeof(s2), "leaf2.pem");

		struct crl_entry e = {.revoked_at = T0 - 10, .reason = CA_REASON_KEY_COMPROMISE};
		memcpy(e.serial, s1, sizeof(s1));
		e.serial_len = sizeof(s1);
		struct crl_params p = params(c, &e, 1);
		build_and_write(c, &p, "leafcrl");

		assert_int_not_equal(
		    run(c->dir, out, sizeof(out),
			"openssl verify -crl_check -CAfile ca.pem -CRLfile leafcrl.pem leaf.pem"),
		    0);
		assert_non_null(strstr(out, "certificate revoked"));
		assert_int_equal(
		    run(c->dir, out, sizeof(out),
			"openssl verify -crl_check -CAfile ca.pem -CRLfile leafcrl.pem leaf2.pem"),
		    0);
		assert_non_null(strstr(out, "leaf2.pem: OK"));
	}
}

/*
 * Delta CRLs (RFC 5280 5.2.4): a complete CRL 42 that names its delta in
 * freshestCRL and revokes nothing, and a delta 43 over base 42 that revokes
 * the leaf. openssl verify -use_deltas combines them (the leaf is revoked,
 * a leaf on neither is OK; without the delta the leaf is OK); both verify
 * with openssl crl and certtool; the extensions read as they should.
 */
static void test_crl_delta_with_base(void **state)
{
	(void)state;
	static char out[16384];
	for (size_t i = 0; i < NTYPES; i++) {
		struct tca *c = &cas[i];
		struct signer *lk;
		uint8_t *lspki, *lname, *leaf, *leaf2;
		size_t lspki_len, lname_len, leaf_len, leaf2_len;
		assert_int_equal(signer_file_generate(CA_KEY_EC_P256, &lk, NULL), CA_OK);
		assert_int_equal(signer_spki(lk, &lspki, &lspki_len), CA_OK);
		name_cn("leaf.example", &lname, &lname_len);
		const uint8_t s1[] = {0x5b, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
				      0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
		const uint8_t s2[] = {0x5b, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
				      0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x10};
		make_cert(c->key, c->name, c->name_len, lname, lname_len, lspki, lspki_len, s1,
			  sizeof(s1), false, NULL, &leaf, &leaf_len);
		make_cert(c->key, c->name, c->name_len, lname, lname_len, lspki, lspki_len, s2,
			  sizeof(s2), false, NULL, &leaf2, &leaf2_len);
		write_pem(c->dir, "dleaf.pem", "CERTIFICATE", leaf, leaf_len);
		write_pem(c->dir, "dleaf2.pem", "CERTIFICATE", leaf2, leaf2_len);

		struct crl_params base = params(c, NULL, 0);
		base.freshest_url = "http://ca.example/crl/delta";
		build_and_write(c, &base, "base");
		struct crl_entry e = {.revoked_at = T0 - 10, .reason = CA_REASON_KEY_COMPROMISE};
		memcpy(e.serial, s1, sizeof(s1));
		e.serial_len = sizeof(s1);
		struct crl_params delta = params(c, &e, 1);
		delta.number = 43;
		delta.delta_base = 42;
		build_and_write(c, &delta, "delta");

		print_message("%s\n", ca_key_type_name(c->type));
		assert_int_equal(run(c->dir, out, sizeof(out),
				     "openssl crl -inform DER -in delta.der -CAfile ca.pem -noout"),
				 0);
		assert_non_null(strstr(out, "verify OK"));
		assert_int_equal(run(c->dir, out, sizeof(out),
				     "openssl crl -inform DER -in delta.der -noout -text"),
				 0);
		assert_non_null(
		    strstr(out, "X509v3 Delta CRL Indicator: critical\n                42"));
		assert_non_null(strstr(out, "X509v3 CRL Number: \n                43"));
		assert_int_equal(run(c->dir, out, sizeof(out),
				     "openssl crl -inform DER -in base.der -noout -text"),
				 0);
		assert_non_null(strstr(out, "X509v3 Freshest CRL"));
		assert_non_null(strstr(out, "URI:http://ca.example/crl/delta"));
		assert_null(strstr(out, "Delta CRL Indicator"));
		assert_int_equal(
		    run(c->dir, out, sizeof(out),
			"certtool --verify-crl --load-ca-certificate ca.pem --infile delta.pem"),
		    0);
		assert_non_null(strstr(out, "Verified"));

		assert_int_not_equal(run(c->dir, out, sizeof(out),
					 "openssl verify -crl_check -use_deltas -CAfile ca.pem "
					 "-CRLfile base.pem -CRLfile delta.pem dleaf.pem"),
				     0);
		assert_non_null(strstr(out, "certificate revoked"));
		assert_int_equal(run(c->dir, out, sizeof(out),
				     "openssl verify -crl_check -use_deltas -CAfile ca.pem "
				     "-CRLfile base.pem -CRLfile delta.pem dleaf2.pem"),
				 0);
		assert_non_null(strstr(out, "dleaf2.pem: OK"));
		assert_int_equal(run(c->dir, out, sizeof(out),
				     "openssl verify -crl_check -use_deltas -CAfile ca.pem "
				     "-CRLfile base.pem dleaf.pem"),
				 0);

		signer_close(lk);
		free(lspki);
		free(lname);
		free(leaf);
		free(leaf2);
	}
}

static void expect_refused(struct crl_params *p, const char *why)
{
	struct ca_error err = {0};
	uint8_t *der = NULL;
	size_t len = 0;
	assert_int_equal(crl_build(cas[0].key, p, &der, &len, &err), CA_ERR_BAD_REQUEST);
	assert_null(der);
	assert_non_null(strstr(err.detail, why));
}

static void test_crl_refuses_bad_input(void **state)
{
	(void)state;
	struct tca *c = &cas[0];
	struct crl_entry e = entry("01", T0, CA_REASON_UNSPECIFIED);
	struct crl_params p;

	p = params(c, &e, 1);
	e.serial[0] = 0;
	expect_refused(&p, "not zero");
	e = entry("01", T0, CA_REASON_UNSPECIFIED);
	e.serial_len = 0;
	expect_refused(&p, "serial");
	e.serial_len = CRL_SERIAL_MAX + 1;
	expect_refused(&p, "serial");
	e = entry("01", T0, (enum ca_reason)2); /* cACompromise: not a reason privca uses */
	expect_refused(&p, "reason");
	e = entry("01", T0, CA_REASON_MAX);
	expect_refused(&p, "reason");
	e = entry("01", -1, CA_REASON_UNSPECIFIED);
	expect_refused(&p, "revocation time");
	e = entry("01", T0, CA_REASON_UNSPECIFIED);

	p = params(c, &e, 1);
	p.next_update = p.this_update;
	expect_refused(&p, "nextUpdate");
	p = params(c, &e, 1);
	p.this_update = INT64_C(253402300800);
	p.next_update = p.this_update + 1;
	expect_refused(&p, "nextUpdate");

	p = params(c, &e, 1);
	p.ski_len = 0;
	expect_refused(&p, "key identifier");

	p = params(c, &e, 1);
	p.issuer_len--; /* truncated Name */
	expect_refused(&p, "issuer");
	p = params(c, &e, 1);
	p.issuer = (const uint8_t *)"\x31\x00";
	p.issuer_len = 2; /* a SET, not a Name */
	expect_refused(&p, "issuer");

	p = params(c, NULL, 3);
	expect_refused(&p, "no array");

	/* A delta's base comes before it; a delta names no freshest CRL. */
	p = params(c, &e, 1);
	p.delta_base = p.number;
	expect_refused(&p, "base");
	p.delta_base = p.number - 1;
	p.freshest_url = "http://ca.example/crl/delta";
	expect_refused(&p, "freshest");
	p = params(c, &e, 1);
	p.freshest_url = "http://ca.example/a b";
	expect_refused(&p, "URL");
	p.freshest_url = "";
	expect_refused(&p, "URL");
}

static double secs(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/*
 * 1,000,000 entries (serials as privca makes them, a third with reasons):
 * linear time, and the result still verifies. The bound is loose for
 * sanitizer builds; the time is printed.
 */
static void test_crl_million_entries(void **state)
{
	(void)state;
	static char out[4096];
	const size_t n = 1000000;
	struct crl_entry *e = calloc(n, sizeof(*e));
	assert_non_null(e);
	uint64_t x = 0x9e3779b97f4a7c15u;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < 16; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			e[i].serial[j] = (uint8_t)x;
		}
		e[i].serial[0] = (uint8_t)(0x01 + e[i].serial[0] % 0x7f);
		e[i].serial_len = 16;
		e[i].revoked_at = T0 - (int64_t)i;
		e[i].reason = (i % 3 == 0) ? CA_REASON_KEY_COMPROMISE : CA_REASON_UNSPECIFIED;
	}
	for (size_t k = 0; k < NTYPES; k++) {
		struct tca *c = &cas[k];
		struct crl_params p = params(c, e, n);
		uint8_t *der;
		size_t len;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(crl_build(c->key, &p, &der, &len, NULL), CA_OK);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		print_message("%s: 1M-entry CRL, %zu bytes, built and signed in %.3f s\n",
			      ca_key_type_name(c->type), len, secs(&t0, &t1));
		assert_true(secs(&t0, &t1) < 10.0);
		if (c->type == CA_KEY_EC_P256) {
			write_file(c->dir, "big.der", der, len);
			assert_int_equal(
			    run(c->dir, out, sizeof(out),
				"openssl crl -inform DER -in big.der -CAfile ca.pem -noout"),
			    0);
			assert_non_null(strstr(out, "verify OK"));
		}
		free(der);
	}
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_crl_verifies_all_key_types),
	    cmocka_unit_test(test_crl_empty),
	    cmocka_unit_test(test_crl_time_encoding_and_shape),
	    cmocka_unit_test(test_crl_serial_edges),
	    cmocka_unit_test(test_crl_revokes_leaf),
	    cmocka_unit_test(test_crl_delta_with_base),
	    cmocka_unit_test(test_crl_refuses_bad_input),
	    cmocka_unit_test(test_crl_million_entries),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
