/*
 * OCSP: requests made by openssl (SHA-1 and SHA-256 CertIDs, with and
 * without nonce, several serials) parsed; responses for every CA key type
 * checked with openssl ocsp and GnuTLS ocsptool; hostile requests refused
 * with an error code.
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
#include "x509/der.h"
#include "crypto/signer.h"
#include "x509/ocsp.h"
#include "x509/oid.h"

#include "support/testca.h"

/* ---- Fixtures ---------------------------------------------------------- */

static const enum ca_key_type types[] = {CA_KEY_EC_P256, CA_KEY_EC_P384, CA_KEY_RSA_2048,
					 CA_KEY_ED25519};
#define NTYPES (sizeof(types) / sizeof(types[0]))
static struct tca cas[NTYPES];
static struct ocsp_issuer iss[NTYPES];
static int64_t now; /* responses must be current for openssl ocsp */

static int group_setup(void **state)
{
	(void)state;
	now = (int64_t)time(NULL);
	for (size_t i = 0; i < NTYPES; i++) {
		tca_init(&cas[i], types[i]);
		assert_int_equal(ocsp_issuer_hashes(cas[i].name, cas[i].name_len, cas[i].pub,
						    cas[i].pub_len, &iss[i]),
				 CA_OK);
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < NTYPES; i++)
		tca_free(&cas[i]);
	return 0;
}

static uint8_t *read_file(const char *dir, const char *name, size_t *len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t *buf = malloc(1 << 16);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 16, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

#define SERIAL_GOOD    "5a0102030405060708090a0b0c0d0e0f"
#define SERIAL_REVOKED "7f00000000000000000000000000abcd"
#define SERIAL_UNKNOWN "1111111111111111111111111111111"

static bool serial_is(const struct ocsp_certid *id, const char *hex)
{
	uint8_t b[32];
	size_t n = strlen(hex) / 2;
	if (strlen(hex) % 2 != 0) { /* odd: a leading zero nibble */
		char tmp[80];
		snprintf(tmp, sizeof(tmp), "0%s", hex);
		return serial_is(id, tmp);
	}
	assert_true(n <= sizeof(b) && hex_decode(hex, b, n));
	return id->serial_len == n && memcmp(id->serial, b, n) == 0;
}

/* Statuses by serial, as a store would answer. */
static struct ocsp_single answer(const struct ocsp_certid *id, size_t ca)
{
	struct ocsp_single s = {
	    .certid = id->tlv,
	    .certid_len = id->tlv_len,
	    .status = OCSP_CERT_UNKNOWN,
	    .this_update = now - 60,
	    .next_update = now + 3600,
	};
	if (!ocsp_certid_is_ours(&iss[ca], id))
		return s;
	if (serial_is(id, SERIAL_GOOD)) {
		s.status = OCSP_CERT_GOOD;
	} else if (serial_is(id, SERIAL_REVOKED)) {
		s.status = OCSP_CERT_REVOKED;
		s.revoked_at = now - 7200;
		s.reason = CA_REASON_KEY_COMPROMISE;
	}
	return s;
}

/* Answer req.der in c->dir with resp.der; with_cert puts the CA in certs [0]. */
static void respond(size_t ca, bool with_cert)
{
	struct tca *c = &cas[ca];
	size_t len;
	uint8_t *reqder = read_file(c->dir, "req.der", &len);
	struct ocsp_request req;
	struct ca_error err;
	assert_int_equal(ocsp_request_parse(reqder, len, &req, &err), CA_OK);
	struct ocsp_single singles[OCSP_MAX_CERTIDS];
	for (size_t i = 0; i < req.n; i++)
		singles[i] = answer(&req.ids[i], ca);
	struct ocsp_response r = {
	    .key_hash = iss[ca].key_sha1,
	    .ca_cert = with_cert ? c->cert : NULL,
	    .ca_cert_len = with_cert ? c->cert_len : 0,
	    .produced_at = now,
	    .singles = singles,
	    .n = req.n,
	    .nonce = req.nonce,
	    .nonce_len = req.nonce_len,
	};
	uint8_t *der;
	size_t der_len;
	assert_int_equal(ocsp_response_build(c->key, &r, &der, &der_len, &err), CA_OK);
	write_file(c->dir, "resp.der", der, der_len);
	free(der);
	ocsp_request_free(&req);
	free(reqder);
}

/* ---- Tests --------------------------------------------------------------- */

/* openssl's default request: SHA-1 CertID and a nonce; good/revoked/unknown. */
static void test_ocsp_openssl_roundtrip_all_key_types(void **state)
{
	(void)state;
	static char out[65536];
	for (size_t i = 0; i < NTYPES; i++) {
		struct tca *c = &cas[i];
		print_message("%s\n", ca_key_type_name(c->type));
		assert_int_equal(run(c->dir, out, sizeof(out),
				     "openssl ocsp -issuer ca.pem -serial 0x" SERIAL_GOOD
				     " -serial 0x" SERIAL_REVOKED " -serial 0x" SERIAL_UNKNOWN
				     " -reqout req.der"),
				 0);
		size_t len;
		uint8_t *reqder = read_file(c->dir, "req.der", &len);
		struct ocsp_request req;
		assert_int_equal(ocsp_request_parse(reqder, len, &req, NULL), CA_OK);
		assert_int_equal(req.n, 3);
		for (size_t k = 0; k < 3; k++) {
			assert_int_equal(req.ids[k].hash, OCSP_HASH_SHA1);
			assert_true(ocsp_certid_is_ours(&iss[i], &req.ids[k]));
			/* Not another CA's. */
			assert_false(ocsp_certid_is_ours(&iss[(i + 1) % NTYPES], &req.ids[k]));
		}
		assert_true(serial_is(&req.ids[0], SERIAL_GOOD));
		assert_true(serial_is(&req.ids[1], SERIAL_REVOKED));
		assert_true(serial_is(&req.ids[2], SERIAL_UNKNOWN));
		/* openssl: extnValue = OCTET STRING of 16 random bytes. */
		assert_non_null(req.nonce);
		assert_int_equal(req.nonce_len, 18);
		assert_int_equal(req.nonce[0], DER_OCTET_STRING);
		ocsp_request_free(&req);
		free(reqder);

		respond(i, true);
		assert_int_equal(run(c->dir, out, sizeof(out),
				     "openssl ocsp -reqin req.der -respin resp.der -issuer ca.pem "
				     "-CAfile ca.pem -resp_text"),
				 0);
		assert_non_null(strstr(out, "Response verify OK"));
		assert_non_null(strstr(out, "OCSP Response Status: successful (0x0)"));
		assert_non_null(strstr(out, "Responder Id: "));
		assert_non_null(strstr(out, "OCSP Nonce"));
		assert_non_null(strstr(out, "Cert Status: good"));
		assert_non_null(strstr(out, "Cert Status: revoked"));
		assert_non_null(strstr(out, "Revocation Reason: keyCompromise (0x1)"));
		assert_non_null(strstr(out, "Cert Status: unknown"));
		assert_non_null(strstr(out, "Next Update: "));
		assert_null(strstr(out, "Nonce Verify error"));

		/* Status per serial, as a client asks for it. */
		assert_int_equal(run(c->dir, out, sizeof(out),
				     "openssl ocsp -respin resp.der -issuer ca.pem -CAfile ca.pem "
				     "-no_nonce -serial 0x" SERIAL_GOOD " -serial 0x" SERIAL_REVOKED
				     " -serial 0x" SERIAL_UNKNOWN),
				 0);
		assert_non_null(strstr(out, "0x" SERIAL_GOOD ": good"));
		assert_non_null(strstr(out, "0x" SERIAL_REVOKED ": revoked"));
		assert_non_null(strstr(out, "Reason: keyCompromise"));
		assert_non_null(strstr(out, "0x" SERIAL_UNKNOWN ": unknown"));

		/* GnuTLS checks the signature against the CA as signer. */
		assert_int_equal(run(c->dir, out, sizeof(out),
				     "ocsptool --verify-response --load-signer ca.pem --infile "
				     "resp.der"),
				 0);
		assert_non_null(strstr(out, "Verifying OCSP Response: Success."));
	}
}

/* -sha256 CertIDs and a request without nonce; the CA not in certs [0]. */
static void test_ocsp_sha256_no_nonce(void **state)
{
	(void)state;
	static char out[65536];
	for (size_t i = 0; i < NTYPES; i++) {
		struct tca *c = &cas[i];
		assert_int_equal(
		    run(c->dir, out, sizeof(out),
			"openssl ocsp -issuer ca.pem -sha256 -no_nonce -serial 0x" SERIAL_GOOD
			" -reqout req.der"),
		    0);
		size_t len;
		uint8_t *reqder = read_file(c->dir, "req.der", &len);
		struct ocsp_request req;
		assert_int_equal(ocsp_request_parse(reqder, len, &req, NULL), CA_OK);
		assert_int_equal(req.n, 1);
		assert_int_equal(req.ids[0].hash, OCSP_HASH_SHA256);
		assert_true(ocsp_certid_is_ours(&iss[i], &req.ids[0]));
		assert_null(req.nonce);
		ocsp_request_free(&req);
		free(reqder);

		respond(i, false);
		assert_int_equal(run(c->dir, out, sizeof(out),
				     "openssl ocsp -reqin req.der -respin resp.der -issuer ca.pem "
				     "-CAfile ca.pem -resp_text"),
				 0);
		assert_non_null(strstr(out, "Response verify OK"));
		assert_non_null(strstr(out, "Hash Algorithm: sha256"));
		assert_non_null(strstr(out, "Cert Status: good"));
		assert_null(strstr(out, "OCSP Nonce"));
		assert_null(strstr(out, "Certificate:")); /* no certs [0] */
	}
}

/* A request made from a real leaf certificate (openssl -cert). */
static void test_ocsp_leaf_certificate(void **state)
{
	(void)state;
	static char out[65536];
	struct tca *c = &cas[0];
	uint8_t serial[16];
	assert_true(hex_decode(SERIAL_REVOKED, serial, sizeof(serial)));
	tca_write_leaf(c, serial, sizeof(serial), "leaf.pem");
	assert_int_equal(run(c->dir, out, sizeof(out),
			     "openssl ocsp -issuer ca.pem -cert leaf.pem -reqout req.der"),
			 0);
	respond(0, true);
	assert_int_equal(run(c->dir, out, sizeof(out),
			     "openssl ocsp -respin resp.der -issuer ca.pem -CAfile ca.pem "
			     "-no_nonce -cert leaf.pem"),
			 0);
	assert_non_null(strstr(out, "Response verify OK"));
	assert_non_null(strstr(out, "leaf.pem: revoked"));
	assert_non_null(strstr(out, "Reason: keyCompromise"));
}

/* A revocation with reason unspecified carries no revocationReason. */
static void test_ocsp_revoked_without_reason(void **state)
{
	(void)state;
	static char out[65536];
	struct tca *c = &cas[3];
	assert_int_equal(run(c->dir, out, sizeof(out),
			     "openssl ocsp -issuer ca.pem -serial 0x" SERIAL_REVOKED
			     " -reqout req.der"),
			 0);
	size_t len;
	uint8_t *reqder = read_file(c->dir, "req.der", &len);
	struct ocsp_request req;
	assert_int_equal(ocsp_request_parse(reqder, len, &req, NULL), CA_OK);
	struct ocsp_single s = answer(&req.ids[0], 3);
	assert_int_equal(s.status, OCSP_CERT_REVOKED);
	s.reason = CA_REASON_UNSPECIFIED;
	s.next_update = 0;
	struct ocsp_response r = {.key_hash = iss[3].key_sha1,
				  .ca_cert = c->cert,
				  .ca_cert_len = c->cert_len,
				  .produced_at = now,
				  .singles = &s,
				  .n = 1,
				  .nonce = req.nonce,
				  .nonce_len = req.nonce_len};
	uint8_t *der;
	size_t der_len;
	assert_int_equal(ocsp_response_build(c->key, &r, &der, &der_len, NULL), CA_OK);
	write_file(c->dir, "resp.der", der, der_len);
	free(der);
	ocsp_request_free(&req);
	free(reqder);
	assert_int_equal(run(c->dir, out, sizeof(out),
			     "openssl ocsp -reqin req.der -respin resp.der -issuer ca.pem "
			     "-CAfile ca.pem -resp_text"),
			 0);
	assert_non_null(strstr(out, "Response verify OK"));
	assert_non_null(strstr(out, "Cert Status: revoked"));
	assert_null(strstr(out, "Revocation Reason"));
	assert_null(strstr(out, "Next Update"));
}

/* The byte shape: byKey responderID, GeneralizedTime, CertID echoed verbatim. */
static void test_ocsp_response_shape(void **state)
{
	(void)state;
	struct tca *c = &cas[0];
	/* A CertID with an absent hash parameter (allowed) echoed as given. */
	struct der_w w = {0};
	size_t cid = der_begin(&w, DER_SEQUENCE);
	size_t alg = der_begin(&w, DER_SEQUENCE);
	der_oid(&w, (const uint8_t *)OID_SHA1, OID_LEN(OID_SHA1));
	der_end(&w, alg);
	der_tlv(&w, DER_OCTET_STRING, iss[0].name_sha1, 20);
	der_tlv(&w, DER_OCTET_STRING, iss[0].key_sha1, 20);
	der_tlv(&w, DER_INTEGER, "\x00\x80", 2);
	der_end(&w, cid);
	uint8_t *certid;
	size_t certid_len;
	assert_true(der_finish(&w, &certid, &certid_len));
	struct ocsp_single s = {.certid = certid,
				.certid_len = certid_len,
				.status = OCSP_CERT_GOOD,
				.this_update = INT64_C(1780000000),
				.next_update = INT64_C(1780003600)};
	struct ocsp_response r = {
	    .key_hash = iss[0].key_sha1, .produced_at = INT64_C(1780000000), .singles = &s, .n = 1};
	uint8_t *der;
	size_t len;
	assert_int_equal(ocsp_response_build(c->key, &r, &der, &len, NULL), CA_OK);

	struct der_r rd = {der, len}, in;
	struct der_elem e, basic, data, x;
	assert_true(der_expect(&rd, DER_SEQUENCE, &e));
	assert_int_equal(rd.len, 0);
	in = der_in(&e);
	assert_true(der_expect(&in, DER_ENUMERATED, &x));
	assert_true(x.len == 1 && x.val[0] == 0);
	assert_true(der_expect(&in, DER_CTX_CONS(0), &x));
	in = der_in(&x);
	assert_true(der_expect(&in, DER_SEQUENCE, &x));
	in = der_in(&x);
	assert_true(der_expect(&in, DER_OID, &x));
	assert_true(der_oid_eq(&x, (const uint8_t *)OID_OCSP_BASIC, OID_LEN(OID_OCSP_BASIC)));
	assert_true(der_expect(&in, DER_OCTET_STRING, &x));
	in = der_in(&x);
	assert_true(der_expect(&in, DER_SEQUENCE, &basic));
	assert_int_equal(in.len, 0);
	in = der_in(&basic);
	assert_true(der_expect(&in, DER_SEQUENCE, &data));
	assert_true(der_expect(&in, DER_SEQUENCE, &x)); /* signatureAlgorithm */
	assert_true(der_expect(&in, DER_BIT_STRING, &x));
	assert_int_equal(in.len, 0); /* no certs [0] asked for */

	in = der_in(&data);
	assert_true(der_expect(&in, DER_CTX_CONS(2), &x)); /* no version: v1 default */
	assert_int_equal(x.len, 22);
	assert_int_equal(x.val[0], DER_OCTET_STRING);
	assert_memory_equal(x.val + 2, iss[0].key_sha1, 20);
	assert_true(der_expect(&in, DER_GENERALIZEDTIME, &x));
	assert_memory_equal(x.val, "20260528202640Z", 15);
	assert_true(der_expect(&in, DER_SEQUENCE, &x));
	assert_int_equal(in.len, 0); /* no responseExtensions without a nonce */
	in = der_in(&x);
	assert_true(der_expect(&in, DER_SEQUENCE, &x));
	in = der_in(&x);
	assert_true(der_expect(&in, DER_SEQUENCE, &x));
	assert_int_equal(x.tlv_len, certid_len);
	assert_memory_equal(x.tlv, certid, certid_len);
	assert_true(der_expect(&in, DER_CTX(0), &x));
	assert_int_equal(x.len, 0);
	assert_true(der_expect(&in, DER_GENERALIZEDTIME, &x));
	assert_true(der_expect(&in, DER_CTX_CONS(0), &x));
	assert_memory_equal(x.val,
			    "\x18\x0f"
			    "20260528212640Z",
			    17);
	assert_int_equal(in.len, 0);
	free(der);
	free(certid);
}

static void test_ocsp_error_responses(void **state)
{
	(void)state;
	static char out[4096];
	static const struct {
		enum ocsp_resp_status st;
		const char *text;
	} cases[] = {
	    {OCSP_MALFORMED_REQUEST, "Responder Error: malformedrequest (1)"},
	    {OCSP_INTERNAL_ERROR, "Responder Error: internalerror (2)"},
	    {OCSP_TRY_LATER, "Responder Error: trylater (3)"},
	    {OCSP_SIG_REQUIRED, "Responder Error: sigrequired (5)"},
	    {OCSP_UNAUTHORIZED, "Responder Error: unauthorized (6)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *der;
		size_t len;
		assert_int_equal(ocsp_error_response(cases[i].st, &der, &len), CA_OK);
		assert_int_equal(len, 5);
		assert_memory_equal(der, "\x30\x03\x0a\x01", 4);
		assert_int_equal(der[4], cases[i].st);
		write_file(cas[0].dir, "err.der", der, len);
		free(der);
		run(cas[0].dir, out, sizeof(out), "openssl ocsp -respin err.der -resp_text");
		assert_non_null(strstr(out, cases[i].text));
	}
	uint8_t *der = NULL;
	size_t len;
	assert_int_equal(ocsp_error_response(OCSP_SUCCESSFUL, &der, &len), CA_ERR_INTERNAL);
	assert_int_equal(ocsp_error_response((enum ocsp_resp_status)4, &der, &len),
			 CA_ERR_INTERNAL);
	assert_null(der);
}

/* ---- Hostile requests ---------------------------------------------------- */

struct reqopt {
	size_t n_ids;
	const uint8_t *nonce_val; /* extnValue content; NULL: no extensions */
	size_t nonce_len;
	bool two_nonces, critical_unknown, version, version1, requestor, signature;
	const uint8_t *hash_oid;
	size_t hash_oid_len;
	const uint8_t *params; /* hashAlgorithm parameters TLV or NULL */
	size_t params_len;
	const uint8_t *serial; /* INTEGER content */
	size_t serial_len;
	uint8_t serial_tag;
};

static void make_req(const struct reqopt *o, uint8_t **der, size_t *len)
{
	struct der_w w = {0};
	size_t top = der_begin(&w, DER_SEQUENCE);
	size_t tbs = der_begin(&w, DER_SEQUENCE);
	if (o->version || o->version1) {
		size_t v = der_begin(&w, DER_CTX_CONS(0));
		der_uint(&w, o->version1 ? 1 : 0);
		der_end(&w, v);
	}
	if (o->requestor) {
		size_t rn = der_begin(&w, DER_CTX_CONS(1));
		name_cn("requestor", der, len);
		size_t dn = der_begin(&w, DER_CTX_CONS(4)); /* directoryName */
		der_raw(&w, *der, *len);
		der_end(&w, dn);
		free(*der);
		der_end(&w, rn);
	}
	size_t list = der_begin(&w, DER_SEQUENCE);
	for (size_t i = 0; i < o->n_ids; i++) {
		size_t rq = der_begin(&w, DER_SEQUENCE);
		size_t cid = der_begin(&w, DER_SEQUENCE);
		size_t alg = der_begin(&w, DER_SEQUENCE);
		if (o->hash_oid != NULL)
			der_oid(&w, o->hash_oid, o->hash_oid_len);
		else
			der_oid(&w, (const uint8_t *)OID_SHA1, OID_LEN(OID_SHA1));
		if (o->params != NULL)
			der_raw(&w, o->params, o->params_len);
		else
			der_null(&w);
		der_end(&w, alg);
		der_tlv(&w, DER_OCTET_STRING, iss[0].name_sha1, 20);
		der_tlv(&w, DER_OCTET_STRING, iss[0].key_sha1, 20);
		if (o->serial != NULL)
			der_tlv(&w, o->serial_tag ? o->serial_tag : DER_INTEGER, o->serial,
				o->serial_len);
		else
			der_uint(&w, 1000 + i);
		der_end(&w, cid);
		der_end(&w, rq);
	}
	der_end(&w, list);
	if (o->nonce_val != NULL || o->critical_unknown) {
		size_t x = der_begin(&w, DER_CTX_CONS(2));
		size_t exts = der_begin(&w, DER_SEQUENCE);
		if (o->nonce_val != NULL)
			ext(&w, OID_OCSP_NONCE, OID_LEN(OID_OCSP_NONCE), false, o->nonce_val,
			    o->nonce_len);
		if (o->two_nonces)
			ext(&w, OID_OCSP_NONCE, OID_LEN(OID_OCSP_NONCE), false, o->nonce_val,
			    o->nonce_len);
		if (o->critical_unknown)
			ext(&w, OID_CE_KEY_USAGE, OID_LEN(OID_CE_KEY_USAGE), true,
			    (const uint8_t *)"\x05\x00", 2);
		else /* an unknown non-critical one is ignored */
			ext(&w, OID_CE_KEY_USAGE, OID_LEN(OID_CE_KEY_USAGE), false,
			    (const uint8_t *)"\x05\x00", 2);
		der_end(&w, exts);
		der_end(&w, x);
	}
	der_end(&w, tbs);
	if (o->signature) {
		size_t sig = der_begin(&w, DER_CTX_CONS(0));
		size_t seq = der_begin(&w, DER_SEQUENCE);
		signer_write_alg(cas[0].key, &w);
		der_bits(&w, (const uint8_t *)"\x01\x02", 2);
		der_end(&w, seq);
		der_end(&w, sig);
	}
	der_end(&w, top);
	assert_true(der_finish(&w, der, len));
}

static enum ca_err parse_opt(const struct reqopt *o, struct ocsp_request *req, struct ca_error *err,
			     uint8_t **keep)
{
	size_t len;
	make_req(o, keep, &len);
	return ocsp_request_parse(*keep, len, req, err);
}

static void expect_bad(const struct reqopt *o, const char *why)
{
	struct ocsp_request req;
	struct ca_error err = {0};
	uint8_t *der;
	assert_int_equal(parse_opt(o, &req, &err, &der), CA_ERR_BAD_REQUEST);
	assert_null(req.ids);
	assert_int_equal(req.n, 0);
	if (strstr(err.detail, why) == NULL)
		fail_msg("expected '%s' in '%s'", why, err.detail);
	free(der);
}

static void expect_ok(const struct reqopt *o, size_t n)
{
	struct ocsp_request req;
	struct ca_error err = {0};
	uint8_t *der;
	if (parse_opt(o, &req, &err, &der) != CA_OK)
		fail_msg("refused: %s", err.detail);
	assert_int_equal(req.n, n);
	ocsp_request_free(&req);
	free(der);
}

static void test_ocsp_request_limits(void **state)
{
	(void)state;
	struct reqopt o = {.n_ids = 1};
	expect_ok(&o, 1);
	o.n_ids = OCSP_MAX_CERTIDS;
	expect_ok(&o, OCSP_MAX_CERTIDS);
	o.n_ids = OCSP_MAX_CERTIDS + 1;
	expect_bad(&o, "more than 256 CertIDs");
	o.n_ids = 0;
	expect_bad(&o, "requestList is empty");
}

static void test_ocsp_request_optional_fields(void **state)
{
	(void)state;
	struct reqopt o = {.n_ids = 2, .version = true, .requestor = true, .signature = true};
	expect_ok(&o, 2);
	o = (struct reqopt){.n_ids = 1, .version1 = true};
	expect_bad(&o, "version");
	/* An unknown non-critical extension is ignored; a critical one refused. */
	o = (struct reqopt){
	    .n_ids = 1, .nonce_val = (const uint8_t *)"\x04\x01\x07", .nonce_len = 3};
	struct ocsp_request req;
	uint8_t *der;
	assert_int_equal(parse_opt(&o, &req, NULL, &der), CA_OK);
	assert_int_equal(req.nonce_len, 3);
	assert_memory_equal(req.nonce, "\x04\x01\x07", 3);
	ocsp_request_free(&req);
	free(der);
	o.critical_unknown = true;
	expect_bad(&o, "critical extension");
}

static void test_ocsp_request_nonces(void **state)
{
	(void)state;
	uint8_t big[200];
	memset(big, 0x42, sizeof(big));
	struct reqopt o = {.n_ids = 1};

	/* Raw (RFC 2560 style) nonce bytes are echoed as they are. */
	o.nonce_val = (const uint8_t *)"abcdefgh";
	o.nonce_len = 8;
	expect_ok(&o, 1);
	/* An OCTET STRING of 128 octets is the longest allowed (RFC 9654). */
	big[0] = DER_OCTET_STRING;
	big[1] = 0x81;
	big[2] = 128;
	o.nonce_val = big;
	o.nonce_len = 3 + 128;
	expect_ok(&o, 1);
	big[2] = 129;
	o.nonce_len = 3 + 129;
	expect_bad(&o, "nonce of 129 octets");
	o.nonce_val = (const uint8_t *)"\x04\x00";
	o.nonce_len = 2;
	expect_bad(&o, "nonce of 0 octets");
	o.nonce_val = (const uint8_t *)"";
	o.nonce_len = 0;
	expect_bad(&o, "nonce of 0 octets");
	o.nonce_val = (const uint8_t *)"\x04\x02xy";
	o.nonce_len = 4;
	o.two_nonces = true;
	expect_bad(&o, "two nonce");
}

static void test_ocsp_request_certid_variants(void **state)
{
	(void)state;
	struct ocsp_request req;
	uint8_t *der;
	struct reqopt o = {.n_ids = 1};

	/* Absent parameters are fine. */
	o.params = (const uint8_t *)"";
	o.params_len = 0;
	assert_int_equal(parse_opt(&o, &req, NULL, &der), CA_OK);
	assert_true(ocsp_certid_is_ours(&iss[0], &req.ids[0]));
	ocsp_request_free(&req);
	free(der);
	/* Non-NULL parameters on SHA-1 are not. */
	o.params = (const uint8_t *)"\x02\x01\x00";
	o.params_len = 3;
	expect_bad(&o, "parameters");

	/* SHA-384 CertIDs parse, and are never ours. */
	o = (struct reqopt){.n_ids = 1,
			    .hash_oid = (const uint8_t *)"\x60\x86\x48\x01\x65\x03\x04\x02\x02",
			    .hash_oid_len = 9};
	assert_int_equal(parse_opt(&o, &req, NULL, &der), CA_OK);
	assert_int_equal(req.ids[0].hash, OCSP_HASH_OTHER);
	assert_false(ocsp_certid_is_ours(&iss[0], &req.ids[0]));
	ocsp_request_free(&req);
	free(der);
	/* SHA-256 CertID holding 20-byte hashes is malformed. */
	o.hash_oid = (const uint8_t *)OID_SHA256;
	o.hash_oid_len = OID_LEN(OID_SHA256);
	expect_bad(&o, "not 32");

	/* Serials: leading 0x00 dropped; negative and zero serials have length 0. */
	o = (struct reqopt){.n_ids = 1, .serial = (const uint8_t *)"\x00\x80\x01", .serial_len = 3};
	assert_int_equal(parse_opt(&o, &req, NULL, &der), CA_OK);
	assert_int_equal(req.ids[0].serial_len, 2);
	assert_memory_equal(req.ids[0].serial, "\x80\x01", 2);
	ocsp_request_free(&req);
	free(der);
	o.serial = (const uint8_t *)"\xff\x01";
	o.serial_len = 2;
	assert_int_equal(parse_opt(&o, &req, NULL, &der), CA_OK);
	assert_int_equal(req.ids[0].serial_len, 0);
	ocsp_request_free(&req);
	free(der);
	o.serial = (const uint8_t *)"\x00";
	o.serial_len = 1;
	assert_int_equal(parse_opt(&o, &req, NULL, &der), CA_OK);
	assert_int_equal(req.ids[0].serial_len, 0);
	ocsp_request_free(&req);
	free(der);
	/* Wrong types. */
	o.serial_len = 0;
	expect_bad(&o, "serialNumber");
	o.serial = (const uint8_t *)"\x01";
	o.serial_len = 1;
	o.serial_tag = DER_OCTET_STRING;
	expect_bad(&o, "serialNumber");
	o.serial_tag = DER_ENUMERATED;
	expect_bad(&o, "serialNumber");
}

static void test_ocsp_request_garbage(void **state)
{
	(void)state;
	static const struct {
		const char *der;
		size_t len;
	} bad[] = {
	    {"", 0},
	    {"\x30", 1},
	    {"\x30\x00", 2},			     /* no tbsRequest */
	    {"\x30\x02\x30\x00", 4},		     /* no requestList */
	    {"\x30\x04\x30\x02\x30\x00", 6},	     /* zero CertIDs */
	    {"\x30\x06\x30\x04\x30\x02\x02\x00", 8}, /* a Request that is an INTEGER */
	    {"\x30\x06\x30\x04\x30\x02\x30\x00", 8}, /* an empty Request */
	    {"\x30\x80\x30\x00\x00\x00", 6},	     /* indefinite length */
	    {"\x30\x81\x02\x30\x00", 5},	     /* non-minimal length */
	    {"\x31\x04\x30\x02\x30\x00", 6},	     /* SET, not SEQUENCE */
	    {"\x30\x04\x02\x02\x30\x00", 6},	     /* INTEGER tbsRequest */
	    {"\x30\x84\xff\xff\xff\xff\x30", 7},     /* length past the end */
	    {"\x30\x04\x30\x02\x30\x00\x30\x00", 8}, /* trailing garbage */
	    {"GET / HTTP/1.1\r\n\r\n", 18},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ocsp_request req;
		struct ca_error err;
		assert_int_equal(
		    ocsp_request_parse((const uint8_t *)bad[i].der, bad[i].len, &req, &err),
		    CA_ERR_BAD_REQUEST);
		assert_null(req.ids);
	}
	struct ocsp_request req;
	assert_int_equal(ocsp_request_parse(NULL, 0, &req, NULL), CA_ERR_BAD_REQUEST);
}

/* Every prefix and every single-byte change of a real request: error or parse, no crash. */
static void test_ocsp_request_truncated_and_mutated(void **state)
{
	(void)state;
	static char out[4096];
	struct tca *c = &cas[0];
	assert_int_equal(run(c->dir, out, sizeof(out),
			     "openssl ocsp -issuer ca.pem -serial 0x" SERIAL_GOOD
			     " -serial 0x" SERIAL_REVOKED " -reqout req.der"),
			 0);
	size_t len;
	uint8_t *der = read_file(c->dir, "req.der", &len);
	struct ocsp_request req;
	for (size_t n = 0; n < len; n++) {
		/* A copy of exactly n bytes, so ASan sees any read past the end. */
		uint8_t *p = malloc(n ? n : 1);
		assert_non_null(p);
		memcpy(p, der, n);
		assert_int_equal(ocsp_request_parse(p, n, &req, NULL), CA_ERR_BAD_REQUEST);
		free(p);
	}
	uint8_t *p = malloc(len + 1);
	assert_non_null(p);
	memcpy(p, der, len);
	p[len] = 0;
	assert_int_equal(ocsp_request_parse(p, len + 1, &req, NULL), CA_ERR_BAD_REQUEST);
	size_t ok = 0;
	for (size_t i = 0; i < len; i++) {
		for (unsigned v = 0; v < 256; v += 7) {
			memcpy(p, der, len);
			p[i] = (uint8_t)v;
			enum ca_err rc = ocsp_request_parse(p, len, &req, NULL);
			assert_true(rc == CA_OK || rc == CA_ERR_BAD_REQUEST);
			if (rc == CA_OK) {
				ok++;
				ocsp_request_free(&req);
			}
		}
	}
	assert_true(ok > 0);
	free(p);
	free(der);
}

static void test_ocsp_response_refuses_bad_input(void **state)
{
	(void)state;
	struct ca_error err;
	uint8_t *der = NULL;
	size_t len;
	const uint8_t cid[] = {0x30, 0x00};
	struct ocsp_single s = {.certid = cid, .certid_len = 2, .this_update = now};
	struct ocsp_response r = {
	    .key_hash = iss[0].key_sha1, .produced_at = now, .singles = &s, .n = 1};
	assert_int_equal(ocsp_response_build(cas[0].key, &r, &der, &len, &err), CA_OK);
	free(der);
	der = NULL;
	r.n = 0;
	assert_int_equal(ocsp_response_build(cas[0].key, &r, &der, &len, &err), CA_ERR_BAD_REQUEST);
	r.n = 1;
	s.certid_len = 1;
	assert_int_equal(ocsp_response_build(cas[0].key, &r, &der, &len, &err), CA_ERR_BAD_REQUEST);
	s.certid_len = 2;
	s.status = OCSP_CERT_REVOKED;
	s.revoked_at = now;
	s.reason = (enum ca_reason)2;
	assert_int_equal(ocsp_response_build(cas[0].key, &r, &der, &len, &err), CA_ERR_BAD_REQUEST);
	s.status = (enum ocsp_cert_status)7;
	assert_int_equal(ocsp_response_build(cas[0].key, &r, &der, &len, &err), CA_ERR_BAD_REQUEST);
	s.status = OCSP_CERT_GOOD;
	s.this_update = -5;
	assert_int_equal(ocsp_response_build(cas[0].key, &r, &der, &len, &err), CA_ERR_BAD_REQUEST);
	s.this_update = now;
	r.nonce = (const uint8_t *)"";
	r.nonce_len = 0;
	assert_int_equal(ocsp_response_build(cas[0].key, &r, &der, &len, &err), CA_ERR_BAD_REQUEST);
	assert_null(der);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ocsp_openssl_roundtrip_all_key_types),
	    cmocka_unit_test(test_ocsp_sha256_no_nonce),
	    cmocka_unit_test(test_ocsp_leaf_certificate),
	    cmocka_unit_test(test_ocsp_revoked_without_reason),
	    cmocka_unit_test(test_ocsp_response_shape),
	    cmocka_unit_test(test_ocsp_error_responses),
	    cmocka_unit_test(test_ocsp_request_limits),
	    cmocka_unit_test(test_ocsp_request_optional_fields),
	    cmocka_unit_test(test_ocsp_request_nonces),
	    cmocka_unit_test(test_ocsp_request_certid_variants),
	    cmocka_unit_test(test_ocsp_request_garbage),
	    cmocka_unit_test(test_ocsp_request_truncated_and_mutated),
	    cmocka_unit_test(test_ocsp_response_refuses_bad_input),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
