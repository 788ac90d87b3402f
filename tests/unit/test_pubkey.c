/*
 * crypto/pubkey.h: keys built from raw members (what a JWK carries) and
 * from a SubjectPublicKeyInfo, the allowlist's verdicts, and signatures
 * made here with wolfCrypt verifying (and a changed byte not verifying).
 * The CSR path over the same code is tests/unit/test_csr.c.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/ed25519.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/random.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "crypto/pubkey.h"

static const uint8_t msg[] = "the signed bytes";

/* A fresh P-256 key: its x and y, and an ECDSA signature (DER) over msg. */
static void p256_signed(uint8_t x[32], uint8_t y[32], uint8_t *sig, word32 *sig_len)
{
	WC_RNG rng;
	ecc_key key;
	byte dig[WC_SHA256_DIGEST_SIZE];
	word32 xl = 32, yl = 32;
	assert_int_equal(wc_InitRng(&rng), 0);
	assert_int_equal(wc_ecc_init(&key), 0);
	assert_int_equal(wc_ecc_make_key_ex(&rng, 32, &key, ECC_SECP256R1), 0);
	assert_int_equal(wc_ecc_export_public_raw(&key, x, &xl, y, &yl), 0);
	assert_int_equal(wc_Sha256Hash(msg, sizeof(msg), dig), 0);
	assert_int_equal(wc_ecc_sign_hash(dig, sizeof(dig), sig, sig_len, &rng, &key), 0);
	wc_ecc_free(&key);
	wc_FreeRng(&rng);
}

static void expect(enum ca_err got, const struct ca_error *e, enum ca_err want, const char *why)
{
	if (got != want)
		fail_msg("got %s (%s), want %s", ca_strerror(got), e->detail, ca_strerror(want));
	if (strstr(e->detail, why) == NULL)
		fail_msg("message \"%s\" does not mention \"%s\"", e->detail, why);
}

static void ec_raw_verifies(void **state)
{
	(void)state;
	uint8_t x[32], y[32], sig[80];
	word32 sl = sizeof(sig);
	p256_signed(x, y, sig, &sl);
	struct pubkey *k = NULL;
	struct ca_error e = {0};
	assert_int_equal(pubkey_from_ec("P-256", x, 32, y, 32, &k, &e), CA_OK);
	assert_int_equal(pubkey_type(k), PUBKEY_EC);
	assert_int_equal(pubkey_bits(k), 256);
	assert_int_equal(pubkey_verify(k, PUBKEY_SHA256, msg, sizeof(msg), sig, sl, &e), CA_OK);
	/* Another hash, another message byte, another signature byte: no. */
	expect(pubkey_verify(k, PUBKEY_SHA384, msg, sizeof(msg), sig, sl, &e), &e,
	       CA_ERR_BAD_SIGNATURE, "does not verify");
	expect(pubkey_verify(k, PUBKEY_SHA256, msg, sizeof(msg) - 1, sig, sl, &e), &e,
	       CA_ERR_BAD_SIGNATURE, "does not verify");
	sig[sl - 1] ^= 1;
	expect(pubkey_verify(k, PUBKEY_SHA256, msg, sizeof(msg), sig, sl, &e), &e,
	       CA_ERR_BAD_SIGNATURE, "does not verify");
	pubkey_free(k);
}

static void ec_raw_refused(void **state)
{
	(void)state;
	uint8_t x[32], y[32], sig[80];
	word32 sl = sizeof(sig);
	p256_signed(x, y, sig, &sl);
	struct pubkey *k = (struct pubkey *)1;
	struct ca_error e = {0};
	expect(pubkey_from_ec("P-224", x, 32, y, 32, &k, &e), &e, CA_ERR_WEAK_KEY,
	       "P-224 is not supported");
	assert_null(k);
	expect(pubkey_from_ec(NULL, x, 32, y, 32, &k, &e), &e, CA_ERR_WEAK_KEY, "not supported");
	expect(pubkey_from_ec("P-256", x, 31, y, 32, &k, &e), &e, CA_ERR_BAD_REQUEST,
	       "32 bytes each");
	expect(pubkey_from_ec("P-384", x, 32, y, 32, &k, &e), &e, CA_ERR_BAD_REQUEST,
	       "48 bytes each");
	y[31] ^= 1;
	expect(pubkey_from_ec("P-256", x, 32, y, 32, &k, &e), &e, CA_ERR_BAD_REQUEST,
	       "not a point on P-256");
	memset(x, 0xff, sizeof(x)); /* above the prime */
	expect(pubkey_from_ec("P-256", x, 32, y, 32, &k, &e), &e, CA_ERR_BAD_REQUEST,
	       "not a point on P-256");
	assert_null(k);
}

/* An odd number of the given bits (primality does not matter to a public key). */
static void modulus(uint8_t *n, size_t len)
{
	memset(n, 0x5a, len);
	n[0] = 0xc3;
	n[len - 1] |= 1;
}

static void rsa_raw_sizes_and_exponents(void **state)
{
	(void)state;
	static const uint8_t e65537[] = {0x00, 0x01, 0x00, 0x01}, e3[] = {0x03},
			     ebig[] = {1, 0, 0, 0, 0, 0, 0, 0, 1};
	uint8_t n[2 + 512];
	struct pubkey *k = NULL;
	struct ca_error e = {0};
	n[0] = n[1] = 0; /* leading zero bytes, as a JWK may carry: not counted */
	modulus(n + 2, 256);
	assert_int_equal(pubkey_from_rsa(n, 2 + 256, e65537, sizeof(e65537), &k, &e), CA_OK);
	assert_int_equal(pubkey_type(k), PUBKEY_RSA);
	assert_int_equal(pubkey_bits(k), 2048);
	pubkey_free(k);
	modulus(n, 512);
	assert_int_equal(pubkey_from_rsa(n, 512, e65537, sizeof(e65537), &k, &e), CA_OK);
	assert_int_equal(pubkey_bits(k), 4096);
	pubkey_free(k);

	modulus(n, 128);
	expect(pubkey_from_rsa(n, 128, e65537, sizeof(e65537), &k, &e), &e, CA_ERR_WEAK_KEY,
	       "1024 bits");
	modulus(n, 513);
	expect(pubkey_from_rsa(n, 513, e65537, sizeof(e65537), &k, &e), &e, CA_ERR_WEAK_KEY,
	       "4104 bits");
	modulus(n, 256);
	expect(pubkey_from_rsa(n, 256, e3, sizeof(e3), &k, &e), &e, CA_ERR_WEAK_KEY,
	       "exponent is 3;");
	expect(pubkey_from_rsa(n, 256, ebig, sizeof(ebig), &k, &e), &e, CA_ERR_WEAK_KEY,
	       "not 65537");
	memset(n, 0, 256);
	expect(pubkey_from_rsa(n, 256, e65537, sizeof(e65537), &k, &e), &e, CA_ERR_BAD_REQUEST,
	       "modulus is zero");
	assert_null(k);
}

static void ed25519_raw_verifies(void **state)
{
	(void)state;
	WC_RNG rng;
	ed25519_key key;
	uint8_t pub[32], sig[64];
	word32 pl = sizeof(pub), sl = sizeof(sig);
	assert_int_equal(wc_InitRng(&rng), 0);
	assert_int_equal(wc_ed25519_init(&key), 0);
	assert_int_equal(wc_ed25519_make_key(&rng, 32, &key), 0);
	assert_int_equal(wc_ed25519_export_public(&key, pub, &pl), 0);
	assert_int_equal(wc_ed25519_sign_msg(msg, sizeof(msg), sig, &sl, &key), 0);
	wc_ed25519_free(&key);
	wc_FreeRng(&rng);

	struct pubkey *k = NULL;
	struct ca_error e = {0};
	expect(pubkey_from_ed25519(pub, 31, &k, &e), &e, CA_ERR_BAD_REQUEST, "not 32 bytes");
	assert_null(k);
	assert_int_equal(pubkey_from_ed25519(pub, 32, &k, &e), CA_OK);
	assert_int_equal(pubkey_type(k), PUBKEY_ED25519);
	assert_int_equal(pubkey_verify(k, PUBKEY_SHA256, msg, sizeof(msg), sig, sl, &e), CA_OK);
	expect(pubkey_verify(k, PUBKEY_SHA256, msg, sizeof(msg), sig, sl - 1, &e), &e,
	       CA_ERR_BAD_SIGNATURE, "does not verify");
	sig[0] ^= 0x80;
	expect(pubkey_verify(k, PUBKEY_SHA256, msg, sizeof(msg), sig, sl, &e), &e,
	       CA_ERR_BAD_SIGNATURE, "does not verify");
	pubkey_free(k);
}

/* SPKI: the same P-256 key in DER; refused and malformed shapes. */
static void spki_forms(void **state)
{
	(void)state;
	uint8_t x[32], y[32], sig[80];
	word32 sl = sizeof(sig);
	p256_signed(x, y, sig, &sl);
	static const uint8_t head[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
				       0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
				       0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04};
	uint8_t spki[sizeof(head) + 64];
	memcpy(spki, head, sizeof(head));
	memcpy(spki + sizeof(head), x, 32);
	memcpy(spki + sizeof(head) + 32, y, 32);
	struct pubkey *k = NULL;
	struct ca_error e = {0};
	assert_int_equal(pubkey_from_spki(spki, sizeof(spki), &k, &e), CA_OK);
	assert_int_equal(pubkey_verify(k, PUBKEY_SHA256, msg, sizeof(msg), sig, sl, &e), CA_OK);
	pubkey_free(k);
	k = NULL;

	expect(pubkey_from_spki(spki, sizeof(spki) - 1, &k, &e), &e, CA_ERR_BAD_REQUEST,
	       "SubjectPublicKeyInfo is malformed");
	spki[22] = 0x0a; /* the curve OID's last arc: 1.2.840.10045.3.1.10, unknown */
	expect(pubkey_from_spki(spki, sizeof(spki), &k, &e), &e, CA_ERR_WEAK_KEY,
	       "curve 1.2.840.10045.3.1.10 is not supported");
	spki[22] = 0x07;
	spki[12] = 0x02; /* id-ecPublicKey -> 1.2.840.10045.2.2, unknown key type */
	expect(pubkey_from_spki(spki, sizeof(spki), &k, &e), &e, CA_ERR_WEAK_KEY,
	       "unsupported key type 1.2.840.10045.2.2");
	assert_null(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ec_raw_verifies),
	    cmocka_unit_test(ec_raw_refused),
	    cmocka_unit_test(rsa_raw_sizes_and_exponents),
	    cmocka_unit_test(ed25519_raw_verifies),
	    cmocka_unit_test(spki_forms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
