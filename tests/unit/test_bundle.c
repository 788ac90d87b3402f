/*
 * bundle: the certificate files install-ca and ca_open read (PEM with one or
 * more certificates, DER, PKCS#7 as DER or PEM, as openssl crl2pkcs7 and AD
 * CS write them), each bad file refused with its name; the CA facts read
 * from a certificate; and the subordinate's request (csr_write_ca), checked
 * by openssl req -verify and by privca's own CSR reader.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "hierarchy/bundle.h"
#include "hierarchy/constraints.h"
#include "x509/csr.h"
#include "x509/csr_write.h"

#include "support/testca.h"

struct two {
	struct tca root;
	uint8_t *leaf;
	size_t leaf_len;
};

static int setup(void **state)
{
	struct two *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	tca_init(&t->root, CA_KEY_EC_P256);
	make_cert(t->root.key, t->root.name, t->root.name_len, t->root.name, t->root.name_len,
		  t->root.spki, t->root.spki_len, (const uint8_t *)"\x02", 1, false, t->root.ski,
		  &t->leaf, &t->leaf_len);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct two *t = *state;
	tca_free(&t->root);
	free(t->leaf);
	free(t);
	return 0;
}

/* PEM of a then b, with text around it as openssl -text writes. */
static char *two_pem(struct two *t)
{
	char *a = pem_encode("CERTIFICATE", t->root.cert, t->root.cert_len);
	char *b = pem_encode("CERTIFICATE", t->leaf, t->leaf_len);
	size_t n = strlen(a) + strlen(b) + 64;
	char *s = malloc(n);
	assert_non_null(s);
	snprintf(s, n, "subject=CN = x\n%s\nBag Attributes\n%s", a, b);
	free(a);
	free(b);
	return s;
}

static void pem_two_in_order(void **state)
{
	struct two *t = *state;
	struct bundle b = {0};
	char *s = two_pem(t);
	assert_int_equal(bundle_read((uint8_t *)s, strlen(s), "chain.pem", &b, NULL), CA_OK);
	assert_int_equal(b.n, 2);
	assert_memory_equal(b.der[0], t->root.cert, t->root.cert_len);
	assert_memory_equal(b.der[1], t->leaf, t->leaf_len);
	bundle_free(&b);
	free(s);
}

static void der_one(void **state)
{
	struct two *t = *state;
	struct bundle b = {0};
	assert_int_equal(bundle_read(t->leaf, t->leaf_len, "ca.cer", &b, NULL), CA_OK);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.len[0], t->leaf_len);
	bundle_free(&b);
}

static void p7b_der_and_pem(void **state)
{
	struct two *t = *state;
	const uint8_t *certs[2] = {t->leaf, t->root.cert};
	size_t lens[2] = {t->leaf_len, t->root.cert_len}, p7_len;
	uint8_t *p7;
	struct bundle b = {0};
	assert_int_equal(ca_p7b(certs, lens, 2, &p7, &p7_len), CA_OK);
	assert_int_equal(bundle_read(p7, p7_len, "certnew.p7b", &b, NULL), CA_OK);
	assert_int_equal(b.n, 2);
	assert_memory_equal(b.der[0], t->leaf, t->leaf_len);
	assert_memory_equal(b.der[1], t->root.cert, t->root.cert_len);
	bundle_free(&b);
	char *pem = pem_encode("PKCS7", p7, p7_len);
	assert_int_equal(bundle_read((uint8_t *)pem, strlen(pem), "certnew.p7b", &b, NULL), CA_OK);
	assert_int_equal(b.n, 2);
	bundle_free(&b);
	/* Two files into one pool: the certificates add up. */
	assert_int_equal(bundle_read(p7, p7_len, "a.p7b", &b, NULL), CA_OK);
	assert_int_equal(bundle_read(t->leaf, t->leaf_len, "b.cer", &b, NULL), CA_OK);
	assert_int_equal(b.n, 3);
	bundle_free(&b);
	/* An openssl-made bundle: crl2pkcs7 reads it back the same. */
	write_file(t->root.dir, "x.p7b", p7, p7_len);
	char out[4096];
	assert_int_equal(run(t->root.dir, out, sizeof(out),
			     "openssl pkcs7 -inform DER -in x.p7b -print_certs | grep -c BEGIN"),
			 0);
	assert_int_equal(atoi(out), 2);
	free(pem);
	free(p7);
}

/* Each bad file: CA_ERR_BAD_REQUEST, a message with the file's name. */
static void refuse(const void *in, size_t n, const char *want)
{
	struct bundle b = {0};
	struct ca_error err = {0};
	assert_int_equal(bundle_read(in, n, "bad.pem", &b, &err), CA_ERR_BAD_REQUEST);
	assert_non_null(strstr(err.detail, "bad.pem"));
	assert_non_null(strstr(err.detail, want));
	bundle_free(&b);
	assert_int_equal(b.n, 0);
}

static void bad_files(void **state)
{
	struct two *t = *state;
	refuse("hello, world\n", 13, "not a certificate");
	refuse("", 0, "not a certificate");
	char *s = two_pem(t);
	refuse(s, 300, "truncated");
	/* A corrupt base64 body. */
	char *c = strdup(s);
	memcpy(strstr(c, "MII") ? strstr(c, "MII") : c + 40, "!!!!", 4);
	refuse(c, strlen(c), "does not decode");
	free(c);
	const char *key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
	refuse(key, strlen(key), "holds no certificate");
	/* A certificate with a byte cut off the end. */
	refuse(t->leaf, t->leaf_len - 1, "not a certificate");
	/* More than BUNDLE_MAX. */
	size_t one = strlen(s), n = 0;
	char *many = malloc(one * (BUNDLE_MAX / 2 + 1) + 1);
	assert_non_null(many);
	many[0] = '\0';
	for (int i = 0; i < BUNDLE_MAX / 2 + 1; i++, n += one)
		strcat(many, s);
	refuse(many, n, "more than");
	free(many);
	free(s);
}

static void facts(void **state)
{
	struct two *t = *state;
	struct cert_parts p;
	struct ca_facts f;
	assert_true(cert_read(t->root.cert, t->root.cert_len, &p));
	assert_true(ca_facts_read(&p, &f));
	assert_true(f.is_ca);
	assert_true(f.has_ku && f.key_cert_sign && f.crl_sign);
	assert_false(f.has_path_len);
	assert_true(cert_issued_by(&p, &p));
	assert_true(cert_read(t->leaf, t->leaf_len, &p));
	assert_true(ca_facts_read(&p, &f));
	assert_false(f.is_ca);
	assert_true(f.has_ku);
	assert_false(f.key_cert_sign);
}

static void subordinate_request(void **state)
{
	struct two *t = *state;
	struct nc nc = {0};
	uint8_t *der;
	size_t len;
	char out[8192];
	assert_int_equal(nc_add(&nc, false, "example.internal", NULL), CA_OK);
	assert_int_equal(nc_add(&nc, true, "10.9.0.0/16", NULL), CA_OK);
	assert_int_equal(csr_write_ca(t->root.key, t->root.name, t->root.name_len, &nc, &der, &len),
			 CA_OK);
	struct csr csr;
	assert_int_equal(csr_parse(der, len, &csr, NULL), CA_OK); /* its signature verifies */
	assert_memory_equal(csr.spki, t->root.spki, t->root.spki_len);
	csr_free(&csr);
	write_pem(t->root.dir, "ca.csr", "CERTIFICATE REQUEST", der, len);
	assert_int_equal(
	    run(t->root.dir, out, sizeof(out), "openssl req -in ca.csr -noout -verify -text"), 0);
	/* OpenSSL 3.0 says "ok" alone and "verify OK" with -text. */
	assert_true(strstr(out, "self-signature ok") != NULL ||
		    strstr(out, "self-signature verify OK") != NULL);
	assert_non_null(strstr(out, "CA:TRUE, pathlen:0"));
	assert_non_null(strstr(out, "Certificate Sign, CRL Sign"));
	assert_non_null(strstr(out, "DNS:example.internal"));
	assert_non_null(strstr(out, "Excluded"));
	free(der);
	/* Without constraints: no nameConstraints asked for. */
	assert_int_equal(
	    csr_write_ca(t->root.key, t->root.name, t->root.name_len, NULL, &der, &len), CA_OK);
	write_pem(t->root.dir, "ca2.csr", "CERTIFICATE REQUEST", der, len);
	assert_int_equal(run(t->root.dir, out, sizeof(out), "openssl req -in ca2.csr -noout -text"),
			 0);
	assert_null(strstr(out, "Name Constraints"));
	free(der);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(pem_two_in_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(der_one, setup, teardown),
	    cmocka_unit_test_setup_teardown(p7b_der_and_pem, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(facts, setup, teardown),
	    cmocka_unit_test_setup_teardown(subordinate_request, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
