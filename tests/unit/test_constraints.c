/*
 * constraints: --permit/--exclude values, the nameConstraints DER (proved
 * by openssl verify -x509_strict refusing a leaf outside the constraints of
 * an intermediate that carries it and accepting one inside), reading the
 * DER back, and the check the issue path runs before signing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "x509/der.h"
#include "hierarchy/constraints.h"
#include "names.h"

#include "support/testca.h"

static struct nc *mk(const char *const *permit, const char *const *exclude)
{
	struct nc *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	for (; permit && *permit; permit++)
		assert_int_equal(nc_add(c, false, *permit, NULL), CA_OK);
	for (; exclude && *exclude; exclude++)
		assert_int_equal(nc_add(c, true, *exclude, NULL), CA_OK);
	return c;
}

static const char *const P[] = {".example.internal", "10.0.0.0/8", "fd00::/8", NULL};
static const char *const X[] = {"secret.example.internal", "10.9.0.0/16", NULL};

static enum ca_err check1(const struct nc *c, const char *name, struct ca_error *err)
{
	struct name n;
	assert_int_equal(name_parse(name, &n, NULL), CA_OK);
	return nc_check(c, &n, 1, err);
}

static void t_values(void **state)
{
	(void)state;
	struct nc *c = calloc(1, sizeof(*c));
	struct ca_error err;
	assert_int_equal(nc_add(c, false, ".Example.Internal", &err), CA_OK);
	assert_int_equal(nc_add(c, false, "example.internal", &err), CA_OK);
	assert_string_equal(c->permit[0].dns, "example.internal");
	assert_string_equal(c->permit[1].dns, "example.internal");
	assert_int_equal(nc_add(c, false, "10.0.0.0/8", &err), CA_OK);
	assert_int_equal(nc_add(c, false, "192.0.2.7", &err), CA_OK);
	assert_int_equal(nc_add(c, true, "fd00::/8", &err), CA_OK);
	char s[64];
	nc_subtree_str(&c->permit[2], s, sizeof(s));
	assert_string_equal(s, "10.0.0.0/8");
	nc_subtree_str(&c->permit[3], s, sizeof(s));
	assert_string_equal(s, "192.0.2.7/32");
	nc_subtree_str(&c->exclude[0], s, sizeof(s));
	assert_string_equal(s, "fd00::/8");
	assert_int_equal(c->npermit, 4);
	assert_int_equal(c->nexclude, 1);

	/* Refusals say why and add nothing. */
	static const struct {
		const char *v, *msg;
	} bad[] = {
	    {"*.example.internal", "not a wildcard; write '.example.internal'"},
	    {"10.0.0.1/8", "has bits set outside its prefix"},
	    {"10.0.0.0/33", "prefix longer than 32 bits"},
	    {"10.0.0.0/", "bad prefix length"},
	    {"10.0.0.0/8x", "bad prefix length"},
	    {"300.1.1.1/8", "is not an address or CIDR"},
	    {"bad_name!", ""},
	    {"", "an empty name constraint"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(nc_add(c, false, bad[i].v, &err), CA_ERR_BAD_REQUEST);
		assert_non_null(strstr(err.detail, bad[i].msg));
	}
	assert_int_equal(c->npermit, 4);
	free(c);
}

static void t_check(void **state)
{
	(void)state;
	struct nc *c = mk(P, X);
	struct ca_error err;
	static const char *const ok[] = {
	    "example.internal",		 "a.example.internal", "x.y.example.internal",
	    "*.a.example.internal",	 "10.1.2.3",	       "fd12::1",
	    "notsecret.example.internal"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(check1(c, ok[i], &err), CA_OK);

	assert_int_equal(check1(c, "badexample.internal", &err), CA_ERR_NAME_NOT_ALLOWED);
	assert_string_equal(err.detail, "name 'badexample.internal' is outside this CA's name "
					"constraints (example.internal)");
	assert_int_equal(check1(c, "other.test", &err), CA_ERR_NAME_NOT_ALLOWED);
	assert_int_equal(check1(c, "192.168.1.1", &err), CA_ERR_NAME_NOT_ALLOWED);
	assert_string_equal(err.detail, "name '192.168.1.1' is outside this CA's name "
					"constraints (10.0.0.0/8, fd00::/8)");
	assert_int_equal(check1(c, "2001:db8::1", &err), CA_ERR_NAME_NOT_ALLOWED);

	/* Excluded wins, and excludes what is under it. */
	assert_int_equal(check1(c, "secret.example.internal", &err), CA_ERR_NAME_NOT_ALLOWED);
	assert_string_equal(err.detail, "name 'secret.example.internal' is excluded by this CA's "
					"name constraints (secret.example.internal)");
	assert_int_equal(check1(c, "db.secret.example.internal", &err), CA_ERR_NAME_NOT_ALLOWED);
	assert_int_equal(check1(c, "*.secret.example.internal", &err), CA_ERR_NAME_NOT_ALLOWED);
	assert_int_equal(check1(c, "10.9.200.1", &err), CA_ERR_NAME_NOT_ALLOWED);
	/* A wildcard that would cover an excluded name. */
	assert_int_equal(check1(c, "*.example.internal", &err), CA_ERR_NAME_NOT_ALLOWED);

	/* Several names: the first outside is named. */
	struct name n[2];
	assert_int_equal(name_parse("a.example.internal", &n[0], NULL), CA_OK);
	assert_int_equal(name_parse("b.other.test", &n[1], NULL), CA_OK);
	assert_int_equal(nc_check(c, n, 2, &err), CA_ERR_NAME_NOT_ALLOWED);
	assert_non_null(strstr(err.detail, "'b.other.test'"));
	free(c);

	/* Only DNS subtrees: IP names are not constrained (RFC 5280). */
	static const char *const dns_only[] = {"example.internal", NULL};
	c = mk(dns_only, NULL);
	assert_int_equal(check1(c, "192.168.1.1", &err), CA_OK);
	assert_int_equal(check1(c, "a.other.test", &err), CA_ERR_NAME_NOT_ALLOWED);
	free(c);
}

/* The extension's extnValue content, from what nc_write_ext wrote. */
static void ext_value(const struct nc *c, uint8_t **out, size_t *len, bool *critical)
{
	struct der_w w = {0};
	uint8_t *der;
	size_t n;
	nc_write_ext(c, &w);
	assert_true(der_finish(&w, &der, &n));
	struct der_r r = {der, n};
	struct der_elem e, oid, crit, val;
	assert_true(der_expect(&r, DER_SEQUENCE, &e));
	struct der_r in = der_in(&e);
	assert_true(der_expect(&in, DER_OID, &oid));
	assert_true(der_oid_eq(&oid, (const uint8_t *)"\x55\x1d\x1e", 3));
	assert_true(der_expect(&in, DER_BOOLEAN, &crit));
	*critical = crit.len == 1 && crit.val[0] == 0xff;
	assert_true(der_expect(&in, DER_OCTET_STRING, &val));
	*out = malloc(val.len);
	memcpy(*out, val.val, val.len);
	*len = val.len;
	free(der);
}

static void t_der_roundtrip(void **state)
{
	(void)state;
	struct nc *c = mk(P, X), *back = calloc(1, sizeof(*back));
	uint8_t *v;
	size_t n;
	bool crit;
	ext_value(c, &v, &n, &crit);
	assert_true(crit);
	/* The first permitted subtree, byte for byte: [0] { SEQ { [2] "example.internal" } ... */
	static const uint8_t head[] = {0x30, 0x6f, 0xa0, 0x44, 0x30, 0x12,
				       0x82, 0x10, 'e',	 'x',  'a'};
	assert_true(n > sizeof(head));
	assert_memory_equal(v, head, sizeof(head));
	assert_int_equal(nc_parse(v, n, back, NULL), CA_OK);
	assert_int_equal(back->npermit, 3);
	assert_int_equal(back->nexclude, 2);
	assert_memory_equal(back->permit, c->permit, sizeof(c->permit[0]) * 3);
	assert_memory_equal(back->exclude, c->exclude, sizeof(c->exclude[0]) * 2);

	/* Corrupt or unsupported input is refused. */
	struct ca_error err;
	assert_int_equal(nc_parse(v, n - 1, back, &err), CA_ERR_BAD_REQUEST);
	static const uint8_t email[] = {0x30, 0x0b, 0xa0, 0x09, 0x30, 0x07, 0x81,
					0x05, 'a',  '@',  'b',	'.',  'c'};
	assert_int_equal(nc_parse(email, sizeof(email), back, &err), CA_ERR_BAD_REQUEST);
	assert_non_null(strstr(err.detail, "other than DNS and IP"));
	static const uint8_t empty[] = {0x30, 0x00};
	assert_int_equal(nc_parse(empty, sizeof(empty), back, &err), CA_ERR_BAD_REQUEST);
	free(v);
	free(c);
	free(back);
}

/* From a certificate's extensions: found among others, absent, doubled. */
static void t_from_exts(void **state)
{
	(void)state;
	struct nc *c = mk(P, X), *got = NULL;
	struct der_w w = {0};
	uint8_t *der;
	size_t n;
	struct ca_error err;

	size_t seq = der_begin(&w, DER_SEQUENCE);
	size_t bc = der_begin(&w, DER_SEQUENCE); /* basicConstraints first */
	der_oid(&w, (const uint8_t *)"\x55\x1d\x13", 3);
	der_bool(&w, true);
	der_tlv(&w, DER_OCTET_STRING, "\x30\x03\x01\x01\xff", 5);
	der_end(&w, bc);
	nc_write_ext(c, &w);
	der_end(&w, seq);
	assert_true(der_finish(&w, &der, &n));
	assert_int_equal(nc_from_exts(der, n, &got, &err), CA_OK);
	assert_non_null(got);
	assert_int_equal(got->npermit, 3);
	assert_int_equal(got->nexclude, 2);
	assert_int_equal(check1(got, "a.example.internal", NULL), CA_OK);
	assert_int_equal(check1(got, "other.test", NULL), CA_ERR_NAME_NOT_ALLOWED);
	free(got);
	free(der);

	/* No extension: no constraints. */
	assert_int_equal(nc_from_exts(NULL, 0, &got, &err), CA_OK);
	assert_null(got);

	/* Twice: refused. */
	seq = der_begin(&w, DER_SEQUENCE);
	nc_write_ext(c, &w);
	nc_write_ext(c, &w);
	der_end(&w, seq);
	assert_true(der_finish(&w, &der, &n));
	assert_int_equal(nc_from_exts(der, n, &got, &err), CA_ERR_BAD_REQUEST);
	assert_null(got);
	free(der);
	free(c);
}

/*
 * The proof: root -> intermediate carrying our extension -> leaves, built
 * with openssl. openssl verify -x509_strict accepts the leaves inside and
 * refuses those outside (permitted subtree) and under an exclusion.
 */
static void t_openssl_enforces(void **state)
{
	(void)state;
	struct nc *c = mk(P, X);
	uint8_t *v;
	size_t n;
	bool crit;
	ext_value(c, &v, &n, &crit);
	char *hex = malloc(2 * n + 1), out[8192];
	hex_encode(v, n, hex);
	char dir[] = "/tmp/privca-nc-XXXXXX";
	assert_non_null(mkdtemp(dir));

	assert_int_equal(run(dir, out, sizeof(out),
			     "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
			     " -keyout root.key -out root.pem -subj /CN=Root -days 30"
			     " -addext basicConstraints=critical,CA:TRUE"
			     " -addext keyUsage=critical,keyCertSign,cRLSign"),
			 0);
	assert_int_equal(run(dir, out, sizeof(out),
			     "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
			     " -keyout int.key -out int.csr -subj /CN=Issuing &&"
			     " printf 'basicConstraints=critical,CA:TRUE,pathlen:0\\n"
			     "keyUsage=critical,keyCertSign,cRLSign\\n"
			     "subjectKeyIdentifier=hash\\nauthorityKeyIdentifier=keyid\\n"
			     "nameConstraints=critical,DER:%s\\n' > int.ext &&"
			     " openssl x509 -req -in int.csr -CA root.pem -CAkey root.key"
			     " -CAcreateserial -days 30 -extfile int.ext -out int.pem",
			     hex),
			 0);
	assert_int_equal(run(dir, out, sizeof(out), "openssl x509 -in int.pem -noout -text"), 0);
	assert_non_null(strstr(out, "X509v3 Name Constraints: critical"));
	assert_non_null(strstr(out, "DNS:example.internal"));
	assert_non_null(strstr(out, "IP:10.0.0.0/255.0.0.0"));
	assert_non_null(strstr(out, "Excluded:"));
	assert_non_null(strstr(out, "DNS:secret.example.internal"));

	static const struct {
		const char *san;
		bool ok;
		const char *why;
	} leaves[] = {
	    {"DNS:host.example.internal,IP:10.1.2.3", true, NULL},
	    {"DNS:example.internal", true, NULL},
	    {"DNS:host.other.test", false, "permitted subtree violation"},
	    {"DNS:host.example.internal,IP:192.168.1.1", false, "permitted subtree violation"},
	    {"DNS:db.secret.example.internal", false, "excluded subtree violation"},
	    {"DNS:host.example.internal,IP:10.9.1.1", false, "excluded subtree violation"},
	};
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		int rc =
		    run(dir, out, sizeof(out),
			"openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
			" -keyout l.key -out l.csr -subj /CN=leaf &&"
			" printf 'basicConstraints=critical,CA:FALSE\\n"
			"keyUsage=critical,digitalSignature\\nextendedKeyUsage=serverAuth\\n"
			"subjectKeyIdentifier=hash\\nauthorityKeyIdentifier=keyid\\n"
			"subjectAltName=critical,%s\\n' > l.ext &&"
			" openssl x509 -req -in l.csr -CA int.pem -CAkey int.key -CAcreateserial"
			" -days 7 -extfile l.ext -out l.pem &&"
			" openssl verify -x509_strict -CAfile root.pem -untrusted int.pem l.pem",
			leaves[i].san);
		if (leaves[i].ok) {
			assert_int_equal(rc, 0);
			assert_non_null(strstr(out, "l.pem: OK"));
		} else {
			assert_int_not_equal(rc, 0);
			assert_non_null(strstr(out, leaves[i].why));
		}
		/* privca's own check agrees with openssl on the DNS names. */
		const char *dns = strstr(leaves[i].san, "DNS:") + 4;
		char name[128];
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(dns, ","), dns);
		const char *ip = strstr(leaves[i].san, "IP:");
		struct name nm[2];
		size_t nn = 1;
		assert_int_equal(name_parse(name, &nm[0], NULL), CA_OK);
		if (ip != NULL)
			assert_int_equal(name_parse(ip + 3, &nm[nn++], NULL), CA_OK);
		assert_int_equal(nc_check(c, nm, nn, NULL) == CA_OK, leaves[i].ok);
	}
	run("/tmp", out, sizeof(out), "rm -rf '%s'", dir);
	free(hex);
	free(v);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_values),		  cmocka_unit_test(t_check),
	    cmocka_unit_test(t_der_roundtrip),	  cmocka_unit_test(t_from_exts),
	    cmocka_unit_test(t_openssl_enforces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
