/*
 * csr_parse: the fixture requests made by scripts/mkfixtures (read from
 * $PRIVCA_FIXTURES), their DER and base64 forms, and requests built here
 * with a fresh P-256 key for shapes openssl will not write.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/random.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "x509/csr.h"
#include "x509/der.h"
#include "x509/oid.h"

/* ---- Fixtures ------------------------------------------------------------ */

static uint8_t *slurp(const char *name, size_t *n)
{
	const char *dir = getenv("PRIVCA_FIXTURES");
	if (dir == NULL)
		fail_msg("PRIVCA_FIXTURES is not set (scripts/mkfixtures DIR makes them)");
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open fixture %s", path);
	uint8_t *buf = malloc(1 << 20);
	assert_non_null(buf);
	*n = fread(buf, 1, 1 << 20, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static enum ca_err parse_file(const char *name, struct csr *c, struct ca_error *e)
{
	size_t n;
	uint8_t *b = slurp(name, &n);
	memset(e, 0, sizeof(*e));
	enum ca_err rc = csr_parse(b, n, c, e);
	free(b);
	return rc;
}

/* Parse name, expect code, and check that the message mentions why. */
static void expect_fail(const char *name, enum ca_err code, const char *why)
{
	struct csr c;
	struct ca_error e;
	enum ca_err rc = parse_file(name, &c, &e);
	if (rc != code)
		fail_msg("%s: got %s (%s), want %s", name, ca_strerror(rc), e.detail,
			 ca_strerror(code));
	if (strstr(e.detail, why) == NULL)
		fail_msg("%s: message \"%s\" does not mention \"%s\"", name, e.detail, why);
	assert_null(c.der);
	assert_null(c.dns);
	assert_null(c.cn);
	csr_free(&c);
}

static void expect_ok(const char *name, struct csr *c)
{
	struct ca_error e;
	enum ca_err rc = parse_file(name, c, &e);
	if (rc != CA_OK)
		fail_msg("%s: %s: %s", name, ca_strerror(rc), e.detail);
}

/* ---- Good requests ---------------------------------------------------------- */

static void rsa2048_pem(void **state)
{
	(void)state;
	struct csr c;
	expect_ok("rsa2048.csr", &c);
	assert_int_equal(c.key_alg, CSR_KEY_RSA);
	assert_int_equal(c.key_bits, 2048);
	assert_string_equal(c.cn, "rsa2048.example.test");
	assert_int_equal(c.ndns, 2);
	assert_string_equal(c.dns[0], "rsa2048.example.test");
	assert_string_equal(c.dns[1], "www.rsa2048.example.test");
	assert_int_equal(c.nips, 1);
	assert_string_equal(c.ips[0], "192.0.2.10");
	assert_false(c.other_sans);
	csr_free(&c);
}

static void rsa4096_sha384(void **state)
{
	(void)state;
	struct csr c;
	expect_ok("rsa4096.csr", &c);
	assert_int_equal(c.key_alg, CSR_KEY_RSA);
	assert_int_equal(c.key_bits, 4096);
	csr_free(&c);
}

static void p256_dns_ipv4_ipv6(void **state)
{
	(void)state;
	struct csr c;
	expect_ok("p256.csr", &c);
	assert_int_equal(c.key_alg, CSR_KEY_EC);
	assert_int_equal(c.key_bits, 256);
	assert_int_equal(c.ndns, 2);
	assert_string_equal(c.dns[1], "*.p256.example.test");
	assert_int_equal(c.nips, 2);
	assert_string_equal(c.ips[0], "192.0.2.1");
	assert_string_equal(c.ips[1], "2001:db8::1");
	csr_free(&c);
}

static void p256_signed_with_sha512(void **state)
{
	(void)state;
	struct csr c;
	expect_ok("p256-sha512.csr", &c);
	assert_int_equal(c.key_bits, 256);
	csr_free(&c);
}

static void p384_and_p521(void **state)
{
	(void)state;
	struct csr c;
	expect_ok("p384.csr", &c);
	assert_int_equal(c.key_alg, CSR_KEY_EC);
	assert_int_equal(c.key_bits, 384);
	assert_int_equal(c.pubkey_len, 97);
	csr_free(&c);
	expect_ok("p521.csr", &c);
	assert_int_equal(c.key_bits, 521);
	assert_int_equal(c.pubkey_len, 133);
	csr_free(&c);
}

static void ed25519_with_ip(void **state)
{
	(void)state;
	struct csr c;
	expect_ok("ed25519.csr", &c);
	assert_int_equal(c.key_alg, CSR_KEY_ED25519);
	assert_int_equal(c.key_bits, 256);
	assert_int_equal(c.pubkey_len, 32);
	assert_int_equal(c.nips, 1);
	assert_string_equal(c.ips[0], "198.51.100.7");
	csr_free(&c);
}

static void pointers_into_der(void **state)
{
	(void)state;
	struct csr c;
	expect_ok("p256.csr", &c);
	assert_true(c.subject > c.der && c.subject + c.subject_len <= c.der + c.der_len);
	assert_int_equal(c.subject[0], 0x30);
	assert_int_equal(c.spki[0], 0x30);
	assert_true(c.spki + c.spki_len <= c.der + c.der_len);
	/* The point is the last 65 bytes of the SPKI. */
	assert_int_equal(c.pubkey_len, 65);
	assert_int_equal(c.pubkey[0], 0x04);
	assert_ptr_equal(c.pubkey + c.pubkey_len, c.spki + c.spki_len);
	csr_free(&c);
}

static void der_form_matches_pem(void **state)
{
	(void)state;
	struct csr a, b;
	expect_ok("p256.csr", &a);
	expect_ok("p256.der", &b);
	assert_int_equal(a.der_len, b.der_len);
	assert_memory_equal(a.der, b.der, a.der_len);
	assert_string_equal(a.cn, b.cn);
	csr_free(&a);
	csr_free(&b);
}

static void base64_form(void **state)
{
	(void)state;
	size_t n;
	uint8_t *der = slurp("ed25519.der", &n);
	char *b = b64_encode(der, n);
	assert_non_null(b);
	struct csr c;
	struct ca_error e;
	assert_int_equal(csr_parse((const uint8_t *)b, strlen(b), &c, &e), CA_OK);
	assert_int_equal(c.der_len, n);
	assert_memory_equal(c.der, der, n);
	csr_free(&c);
	free(b);
	free(der);
}

static void base64_with_whitespace(void **state)
{
	(void)state;
	size_t n;
	uint8_t *der = slurp("rsa2048.der", &n);
	char *b = b64_encode(der, n);
	assert_non_null(b);
	size_t bl = strlen(b);
	char *w = malloc(bl * 2 + 8);
	assert_non_null(w);
	size_t k = 0;
	w[k++] = ' ';
	w[k++] = '\t';
	for (size_t i = 0; i < bl; i++) {
		w[k++] = b[i];
		if (i % 60 == 59) {
			w[k++] = '\r';
			w[k++] = '\n';
		}
	}
	w[k++] = '\n';
	struct csr c;
	struct ca_error e;
	assert_int_equal(csr_parse((const uint8_t *)w, k, &c, &e), CA_OK);
	assert_string_equal(c.cn, "rsa2048.example.test");
	csr_free(&c);
	free(w);
	free(b);
	free(der);
}

static void pem_after_other_text(void **state)
{
	(void)state;
	size_t n;
	uint8_t *pem = slurp("p384.csr", &n);
	const char *intro = "Here is my request:\n\n";
	uint8_t *buf = malloc(strlen(intro) + n);
	assert_non_null(buf);
	memcpy(buf, intro, strlen(intro));
	memcpy(buf + strlen(intro), pem, n);
	struct csr c;
	struct ca_error e;
	assert_int_equal(csr_parse(buf, strlen(intro) + n, &c, &e), CA_OK);
	assert_int_equal(c.key_bits, 384);
	csr_free(&c);
	free(buf);
	free(pem);
}

static void windows_new_header_and_ms_attributes(void **state)
{
	(void)state;
	struct csr c;
	expect_ok("windows.csr", &c);
	assert_int_equal(c.key_alg, CSR_KEY_RSA);
	assert_string_equal(c.cn, "mail.corp.example");
	assert_int_equal(c.ndns, 2);
	assert_string_equal(c.dns[0], "mail.corp.example");
	assert_string_equal(c.dns[1], "autodiscover.corp.example");
	csr_free(&c);
}

static void bmpstring_cn_as_utf8(void **state)
{
	(void)state;
	struct csr c;
	expect_ok("bmp.csr", &c);
	assert_string_equal(c.cn, "bmp.example.test \xe6\x9d\xb1\xe4\xba\xac");
	csr_free(&c);
}

static void no_cn_is_null(void **state)
{
	(void)state;
	struct csr c;
	expect_ok("nocn.csr", &c);
	assert_null(c.cn);
	assert_int_equal(c.ndns, 1);
	csr_free(&c);
}

static void last_cn_wins(void **state)
{
	(void)state;
	struct csr c;
	expect_ok("twocn.csr", &c);
	assert_string_equal(c.cn, "second.example.test");
	assert_int_equal(c.ndns, 0);
	assert_null(c.dns);
	csr_free(&c);
}

static void email_and_uri_sans_flagged(void **state)
{
	(void)state;
	struct csr c;
	expect_ok("email-san.csr", &c);
	assert_true(c.other_sans);
	assert_int_equal(c.ndns, 1);
	assert_string_equal(c.dns[0], "mail.example.test");
	assert_int_equal(c.nips, 0);
	csr_free(&c);
}

/* ---- Refused keys and algorithms ------------------------------------------- */

static void rsa1024_weak(void **state)
{
	(void)state;
	expect_fail("rsa1024.csr", CA_ERR_WEAK_KEY, "1024 bits");
}

static void rsa_exponent_3_weak(void **state)
{
	(void)state;
	expect_fail("rsa-e3.csr", CA_ERR_WEAK_KEY, "exponent is 3;");
}

static void secp256k1_weak(void **state)
{
	(void)state;
	expect_fail("secp256k1.csr", CA_ERR_WEAK_KEY, "secp256k1");
}

static void ed448_unsupported(void **state)
{
	(void)state;
	expect_fail("ed448.csr", CA_ERR_WEAK_KEY, "unsupported key type Ed448");
}

static void sha1_rsa_weak(void **state)
{
	(void)state;
	expect_fail("sha1.csr", CA_ERR_WEAK_KEY, "sha1WithRSAEncryption");
}

static void sha1_ecdsa_weak(void **state)
{
	(void)state;
	expect_fail("sha1-ecdsa.csr", CA_ERR_WEAK_KEY, "ecdsa-with-SHA1");
}

static void pss_unsupported(void **state)
{
	(void)state;
	expect_fail("pss.csr", CA_ERR_BAD_CSR, "RSASSA-PSS is not supported");
}

static void algorithm_key_mismatch(void **state)
{
	(void)state;
	expect_fail("mismatch.csr", CA_ERR_BAD_CSR, "but its key is EC");
}

/* Parse p256.der with its public key changed by edit(). */
static enum ca_err parse_edited_point(void (*edit)(uint8_t *pt, size_t n), struct ca_error *e)
{
	struct csr c;
	expect_ok("p256.der", &c);
	size_t off = (size_t)(c.pubkey - c.der), n = c.der_len, pn = c.pubkey_len;
	uint8_t *der = malloc(n);
	assert_non_null(der);
	memcpy(der, c.der, n);
	csr_free(&c);
	edit(der + off, pn);
	enum ca_err rc = csr_parse(der, n, &c, e);
	free(der);
	return rc;
}

static void flip_y(uint8_t *pt, size_t n)
{
	pt[n - 1] ^= 1;
}

static void x_above_prime(uint8_t *pt, size_t n)
{
	(void)n;
	memset(pt + 1, 0xff, 32);
}

static void ec_point_off_curve(void **state)
{
	(void)state;
	struct ca_error e;
	assert_int_equal(parse_edited_point(flip_y, &e), CA_ERR_BAD_CSR);
	assert_non_null(strstr(e.detail, "not a point on P-256"));
}

static void ec_coordinate_not_below_prime(void **state)
{
	(void)state;
	struct ca_error e;
	assert_int_equal(parse_edited_point(x_above_prime, &e), CA_ERR_BAD_CSR);
	assert_non_null(strstr(e.detail, "not a point on P-256"));
}

/* ---- Broken requests ---------------------------------------------------- */

static void flipped_rsa_signature(void **state)
{
	(void)state;
	expect_fail("flipped.csr", CA_ERR_BAD_SIGNATURE, "does not verify");
}

static void flipped_ecdsa_signature(void **state)
{
	(void)state;
	expect_fail("flipped-p256.csr", CA_ERR_BAD_SIGNATURE, "does not verify");
}

static void tampered_subject(void **state)
{
	(void)state;
	expect_fail("tampered.csr", CA_ERR_BAD_SIGNATURE, "altered");
}

static void truncated_pem(void **state)
{
	(void)state;
	expect_fail("truncated.csr", CA_ERR_BAD_CSR, "not a PKCS#10 CSR");
}

static void truncated_der(void **state)
{
	(void)state;
	expect_fail("truncated.der", CA_ERR_BAD_CSR, "not a PKCS#10 CSR");
}

static void trailing_garbage(void **state)
{
	(void)state;
	expect_fail("trailing.csr", CA_ERR_BAD_CSR, "after the end");
}

static void garbage_bytes(void **state)
{
	(void)state;
	expect_fail("garbage.csr", CA_ERR_BAD_CSR, "neither PEM, DER nor base64");
	expect_fail("garbage.der", CA_ERR_BAD_CSR, "not a PKCS#10 CSR");
}

static void empty_input(void **state)
{
	(void)state;
	struct csr c;
	struct ca_error e;
	assert_int_equal(csr_parse((const uint8_t *)"", 0, &c, &e), CA_ERR_BAD_CSR);
	assert_non_null(strstr(e.detail, "empty"));
	assert_int_equal(csr_parse((const uint8_t *)"  \n", 3, &c, &e), CA_ERR_BAD_CSR);
	assert_non_null(strstr(e.detail, "empty"));
	csr_free(&c);
}

static void wrong_pem_label(void **state)
{
	(void)state;
	size_t n;
	uint8_t *pem = slurp("p256.csr", &n);
	/* "-----BEGIN CERTIFICATE REQUEST-----" -> "-----BEGIN CERTIFICATE XEQUEST-----" */
	size_t i = 0;
	while (i + 7 <= n && memcmp(pem + i, "REQUEST", 7) != 0)
		i++;
	assert_true(i + 7 <= n);
	pem[i] = 'X';
	struct csr c;
	struct ca_error e;
	assert_int_equal(csr_parse(pem, n, &c, &e), CA_ERR_BAD_CSR);
	assert_non_null(strstr(e.detail, "BEGIN CERTIFICATE REQUEST"));
	free(pem);
}

static void null_error_pointer(void **state)
{
	(void)state;
	struct csr c;
	assert_int_equal(csr_parse((const uint8_t *)"\x30\x00", 2, &c, NULL), CA_ERR_BAD_CSR);
	csr_free(&c);
	csr_free(NULL);
}

static void every_truncation_is_bad_csr(void **state)
{
	(void)state;
	size_t n;
	uint8_t *der = slurp("ed25519.der", &n);
	for (size_t k = 1; k < n; k++) {
		uint8_t *cut = malloc(k); /* exact size, so ASan sees any overread */
		assert_non_null(cut);
		memcpy(cut, der, k);
		struct csr c;
		struct ca_error e;
		enum ca_err rc = csr_parse(cut, k, &c, &e);
		if (rc != CA_ERR_BAD_CSR)
			fail_msg("prefix of %zu bytes: %s (%s)", k, ca_strerror(rc), e.detail);
		free(cut);
	}
	free(der);
}

/* ---- Requests built here ----------------------------------------------------- */

struct keyset {
	WC_RNG rng;
	ecc_key key;
	uint8_t spki[128];
	size_t spki_len;
};

static int setup_key(void **state)
{
	struct keyset *k = calloc(1, sizeof(*k));
	if (k == NULL || wc_InitRng(&k->rng) != 0 || wc_ecc_init(&k->key) != 0 ||
	    wc_ecc_make_key_ex(&k->rng, 32, &k->key, ECC_SECP256R1) != 0)
		return -1;
	int len = wc_EccPublicKeyToDer(&k->key, k->spki, sizeof(k->spki), 1);
	if (len <= 0)
		return -1;
	k->spki_len = (size_t)len;
	*state = k;
	return 0;
}

static int teardown_key(void **state)
{
	struct keyset *k = *state;
	wc_ecc_free(&k->key);
	wc_FreeRng(&k->rng);
#ifdef FP_ECC /* the system libwolfssl; the fast build has none */
	wc_ecc_fp_free();
#endif
	free(k);
	return 0;
}

static void put_name_cn(struct der_w *w, uint8_t tag, const void *v, size_t n)
{
	size_t name = der_begin(w, DER_SEQUENCE);
	size_t set = der_begin(w, DER_SET);
	size_t seq = der_begin(w, DER_SEQUENCE);
	der_oid(w, (const uint8_t *)OID_AT_CN, OID_LEN(OID_AT_CN));
	der_tlv(w, tag, v, n);
	der_end(w, seq);
	der_end(w, set);
	der_end(w, name);
}

/* An Extension value of the extensionRequest holding a SAN of gn (GeneralNames content). */
static void put_ext_request(struct der_w *w, const char *oid, size_t oid_len, const uint8_t *gn,
			    size_t gn_len, int copies)
{
	size_t attr = der_begin(w, DER_SEQUENCE);
	der_oid(w, (const uint8_t *)oid, oid_len);
	size_t set = der_begin(w, DER_SET);
	size_t exts = der_begin(w, DER_SEQUENCE);
	for (int i = 0; i < copies; i++) {
		size_t ext = der_begin(w, DER_SEQUENCE);
		der_oid(w, (const uint8_t *)OID_CE_SAN, OID_LEN(OID_CE_SAN));
		size_t os = der_begin(w, DER_OCTET_STRING);
		der_tlv(w, DER_SEQUENCE, gn, gn_len);
		der_end(w, os);
		der_end(w, ext);
	}
	der_end(w, exts);
	der_end(w, set);
	der_end(w, attr);
}

/*
 * A P-256 CSR, ecdsa-with-SHA256, with CN cn (tag, bytes), version, and
 * attributes content attrs (NULL: no [0] at all).
 */
static uint8_t *build(struct keyset *k, long version, uint8_t cn_tag, const void *cn, size_t cn_len,
		      const struct der_w *attrs, size_t *len)
{
	struct der_w w = {0};
	size_t cri = der_begin(&w, DER_SEQUENCE);
	der_uint(&w, (uint64_t)version);
	put_name_cn(&w, cn_tag, cn, cn_len);
	der_raw(&w, k->spki, k->spki_len);
	if (attrs != NULL)
		der_tlv(&w, DER_CTX_CONS(0), attrs->buf, attrs->len);
	der_end(&w, cri);
	uint8_t *tbs;
	size_t tbs_len;
	assert_true(der_finish(&w, &tbs, &tbs_len));

	uint8_t hash[32], sig[80];
	word32 sig_len = sizeof(sig);
	assert_int_equal(wc_Sha256Hash(tbs, (word32)tbs_len, hash), 0);
	assert_int_equal(wc_ecc_sign_hash(hash, 32, sig, &sig_len, &k->rng, &k->key), 0);

	size_t req = der_begin(&w, DER_SEQUENCE);
	der_raw(&w, tbs, tbs_len);
	size_t alg = der_begin(&w, DER_SEQUENCE);
	der_oid(&w, (const uint8_t *)OID_ECDSA_SHA256, OID_LEN(OID_ECDSA_SHA256));
	der_end(&w, alg);
	der_bits(&w, sig, sig_len);
	der_end(&w, req);
	uint8_t *out;
	assert_true(der_finish(&w, &out, len));
	free(tbs);
	return out;
}

static enum ca_err parse_built(struct keyset *k, uint8_t cn_tag, const void *cn, size_t cn_len,
			       struct der_w *attrs, struct csr *c, struct ca_error *e)
{
	size_t n;
	uint8_t *der = build(k, 0, cn_tag, cn, cn_len, attrs, &n);
	enum ca_err rc = csr_parse(der, n, c, e);
	free(der);
	der_free(attrs);
	return rc;
}

static void built_baseline_verifies(void **state)
{
	struct csr c;
	struct ca_error e;
	struct der_w a = {0};
	assert_int_equal(parse_built(*state, DER_UTF8STRING, "x.test", 6, &a, &c, &e), CA_OK);
	assert_string_equal(c.cn, "x.test");
	csr_free(&c);
}

static void missing_attributes_tolerated(void **state)
{
	struct csr c;
	struct ca_error e;
	size_t n;
	uint8_t *der = build(*state, 0, DER_UTF8STRING, "x.test", 6, NULL, &n);
	assert_int_equal(csr_parse(der, n, &c, &e), CA_OK);
	assert_int_equal(c.ndns, 0);
	csr_free(&c);
	free(der);
}

static void version_must_be_v1(void **state)
{
	struct csr c;
	struct ca_error e;
	struct der_w a = {0};
	size_t n;
	uint8_t *der = build(*state, 1, DER_UTF8STRING, "x.test", 6, &a, &n);
	assert_int_equal(csr_parse(der, n, &c, &e), CA_ERR_BAD_CSR);
	assert_non_null(strstr(e.detail, "version"));
	free(der);
}

static void cn_with_nul_refused(void **state)
{
	struct csr c;
	struct ca_error e;
	struct der_w a = {0};
	static const uint8_t bmp[] = {0, 'a', 0, 0, 0, 'b'};
	assert_int_equal(parse_built(*state, DER_BMPSTRING, bmp, sizeof(bmp), &a, &c, &e),
			 CA_ERR_BAD_CSR);
	assert_non_null(strstr(e.detail, "CN"));
}

static void dns_san_with_nul_refused(void **state)
{
	struct csr c;
	struct ca_error e;
	struct der_w a = {0};
	static const uint8_t gn[] = {0x82, 5, 'a', '.', 0, 'b', 'c'};
	put_ext_request(&a, OID_EXTENSION_REQUEST, OID_LEN(OID_EXTENSION_REQUEST), gn, sizeof(gn),
			1);
	assert_int_equal(parse_built(*state, DER_UTF8STRING, "x", 1, &a, &c, &e), CA_ERR_BAD_CSR);
	assert_non_null(strstr(e.detail, "NUL"));
}

static void ip_san_of_wrong_length_refused(void **state)
{
	struct csr c;
	struct ca_error e;
	struct der_w a = {0};
	static const uint8_t gn[] = {0x87, 5, 10, 0, 0, 1, 1};
	put_ext_request(&a, OID_EXTENSION_REQUEST, OID_LEN(OID_EXTENSION_REQUEST), gn, sizeof(gn),
			1);
	assert_int_equal(parse_built(*state, DER_UTF8STRING, "x", 1, &a, &c, &e), CA_ERR_BAD_CSR);
	assert_non_null(strstr(e.detail, "iPAddress"));
}

static void unknown_general_name_refused(void **state)
{
	struct csr c;
	struct ca_error e;
	struct der_w a = {0};
	static const uint8_t gn[] = {0x89, 1, 'x'};
	put_ext_request(&a, OID_EXTENSION_REQUEST, OID_LEN(OID_EXTENSION_REQUEST), gn, sizeof(gn),
			1);
	assert_int_equal(parse_built(*state, DER_UTF8STRING, "x", 1, &a, &c, &e), CA_ERR_BAD_CSR);
	assert_non_null(strstr(e.detail, "GeneralName"));
}

static void two_different_sans_refused(void **state)
{
	struct csr c;
	struct ca_error e;
	struct der_w a = {0};
	static const uint8_t gn1[] = {0x82, 3, 'a', '.', 'b'};
	static const uint8_t gn2[] = {0x82, 3, 'c', '.', 'd'};
	put_ext_request(&a, OID_EXTENSION_REQUEST, OID_LEN(OID_EXTENSION_REQUEST), gn1, sizeof(gn1),
			1);
	put_ext_request(&a, "\x2b\x06\x01\x04\x01\x82\x37\x02\x01\x0e", 10, gn2, sizeof(gn2), 1);
	assert_int_equal(parse_built(*state, DER_UTF8STRING, "x", 1, &a, &c, &e), CA_ERR_BAD_CSR);
	assert_non_null(strstr(e.detail, "two different subjectAltName"));
}

static void repeated_identical_san_read_once(void **state)
{
	struct csr c;
	struct ca_error e;
	struct der_w a = {0};
	static const uint8_t gn[] = {0x82, 3, 'a', '.', 'b', 0x87, 4, 10, 0, 0, 1};
	put_ext_request(&a, OID_EXTENSION_REQUEST, OID_LEN(OID_EXTENSION_REQUEST), gn, sizeof(gn),
			2);
	assert_int_equal(parse_built(*state, DER_UTF8STRING, "x", 1, &a, &c, &e), CA_OK);
	assert_int_equal(c.ndns, 1);
	assert_string_equal(c.dns[0], "a.b");
	assert_int_equal(c.nips, 1);
	assert_string_equal(c.ips[0], "10.0.0.1");
	csr_free(&c);
}

static void unknown_attributes_ignored(void **state)
{
	struct csr c;
	struct ca_error e;
	struct der_w a = {0};
	/* challengePassword, and an unknown attribute with a nested value. */
	static const uint8_t attrs[] = {0x30, 0x16, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
					0x01, 0x09, 0x07, 0x31, 0x09, 0x0c, 0x07, 's',	'e',  'c',
					'r',  'e',  't',  '!',	0x30, 0x0c, 0x06, 0x03, 0x2a, 0x03,
					0x04, 0x31, 0x05, 0x30, 0x03, 0x02, 0x01, 0x07};
	der_raw(&a, attrs, sizeof(attrs));
	assert_int_equal(parse_built(*state, DER_UTF8STRING, "x", 1, &a, &c, &e), CA_OK);
	csr_free(&c);
}

int main(void)
{
	const struct CMUnitTest fixtures[] = {
	    cmocka_unit_test(rsa2048_pem),
	    cmocka_unit_test(rsa4096_sha384),
	    cmocka_unit_test(p256_dns_ipv4_ipv6),
	    cmocka_unit_test(p256_signed_with_sha512),
	    cmocka_unit_test(p384_and_p521),
	    cmocka_unit_test(ed25519_with_ip),
	    cmocka_unit_test(pointers_into_der),
	    cmocka_unit_test(der_form_matches_pem),
	    cmocka_unit_test(base64_form),
	    cmocka_unit_test(base64_with_whitespace),
	    cmocka_unit_test(pem_after_other_text),
	    cmocka_unit_test(windows_new_header_and_ms_attributes),
	    cmocka_unit_test(bmpstring_cn_as_utf8),
	    cmocka_unit_test(no_cn_is_null),
	    cmocka_unit_test(last_cn_wins),
	    cmocka_unit_test(email_and_uri_sans_flagged),
	    cmocka_unit_test(rsa1024_weak),
	    cmocka_unit_test(rsa_exponent_3_weak),
	    cmocka_unit_test(secp256k1_weak),
	    cmocka_unit_test(ed448_unsupported),
	    cmocka_unit_test(sha1_rsa_weak),
	    cmocka_unit_test(sha1_ecdsa_weak),
	    cmocka_unit_test(pss_unsupported),
	    cmocka_unit_test(algorithm_key_mismatch),
	    cmocka_unit_test(ec_point_off_curve),
	    cmocka_unit_test(ec_coordinate_not_below_prime),
	    cmocka_unit_test(flipped_rsa_signature),
	    cmocka_unit_test(flipped_ecdsa_signature),
	    cmocka_unit_test(tampered_subject),
	    cmocka_unit_test(truncated_pem),
	    cmocka_unit_test(truncated_der),
	    cmocka_unit_test(trailing_garbage),
	    cmocka_unit_test(garbage_bytes),
	    cmocka_unit_test(empty_input),
	    cmocka_unit_test(wrong_pem_label),
	    cmocka_unit_test(null_error_pointer),
	    cmocka_unit_test(every_truncation_is_bad_csr),
	};
	const struct CMUnitTest built[] = {
	    cmocka_unit_test(built_baseline_verifies),
	    cmocka_unit_test(missing_attributes_tolerated),
	    cmocka_unit_test(version_must_be_v1),
	    cmocka_unit_test(cn_with_nul_refused),
	    cmocka_unit_test(dns_san_with_nul_refused),
	    cmocka_unit_test(ip_san_of_wrong_length_refused),
	    cmocka_unit_test(unknown_general_name_refused),
	    cmocka_unit_test(two_different_sans_refused),
	    cmocka_unit_test(repeated_identical_san_read_once),
	    cmocka_unit_test(unknown_attributes_ignored),
	};
	int failed = cmocka_run_group_tests_name("csr fixtures", fixtures, NULL, NULL);
	failed += cmocka_run_group_tests_name("csr built", built, setup_key, teardown_key);
	return failed;
}
