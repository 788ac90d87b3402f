/*
 * signer_pkcs11: pkcs11: URIs, and CA keys generated in and used from a
 * SoftHSM2 token through wolfSSL's PKCS#11 support: signatures verified by
 * openssl, the key shown by pkcs11-tool as sensitive and never extractable,
 * and one clear error each for a wrong PIN, a missing token and a module
 * path that is not a module. Skipped (with a message) only when SoftHSM2 is
 * not installed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "crypto/signer_pkcs11.h"
#include "crypto/signer.h"

#include "support/testca.h"

#define MODULE SOFTHSM_MODULE
#define TOKEN  "privca-test"

static char dir[64], pin[128], badpin[128];
static bool have_softhsm;

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/privca-p11-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	int made = softhsm_token(dir, TOKEN, "1234");
	if (made < 0)
		return -1;
	have_softhsm = made == 1;
	if (!have_softhsm)
		return 0;
	snprintf(pin, sizeof(pin), "%s/pin", dir);
	put_file(pin, "1234\n", 0600);
	snprintf(badpin, sizeof(badpin), "%s/badpin", dir);
	put_file(badpin, "0000\n", 0600);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char out[256];
	run("/tmp", out, sizeof(out), "rm -rf '%s'", dir);
	return 0;
}

#define NEED_SOFTHSM()                                                                             \
	do {                                                                                       \
		if (!have_softhsm) {                                                               \
			print_message("softhsm2 is not installed (apt-get install softhsm2)\n");   \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

static void t_uri(void **state)
{
	(void)state;
	struct p11_uri u, v;
	struct ca_error err;
	assert_int_equal(p11_uri_parse("pkcs11:token=My%20HSM;object=privca%20CA;id=%01%a2%FF;"
				       "type=private?module-path=/usr/lib/x.so&pin-source=file:/"
				       "etc/privca/pin",
				       &u, &err),
			 CA_OK);
	assert_string_equal(u.token, "My HSM");
	assert_string_equal(u.object, "privca CA");
	assert_int_equal(u.id_len, 3);
	assert_memory_equal(u.id, "\x01\xa2\xff", 3);
	assert_string_equal(u.module_path, "/usr/lib/x.so");
	assert_string_equal(u.pin_file, "/etc/privca/pin");
	char *s = p11_uri_format(&u);
	assert_non_null(s);
	assert_string_equal(s, "pkcs11:token=My%20HSM;object=privca%20CA;id=%01%A2%FF;type=private"
			       "?module-path=/usr/lib/x.so&pin-source=file:/etc/privca/pin");
	assert_int_equal(p11_uri_parse(s, &v, &err), CA_OK);
	assert_memory_equal(&u, &v, sizeof(u));
	free(s);

	/* Characters that would split the URI are encoded. */
	snprintf(u.token, sizeof(u.token), "a;b?c&d=e%%");
	s = p11_uri_format(&u);
	assert_non_null(strstr(s, "token=a%3Bb%3Fc%26d%3De%25;"));
	assert_int_equal(p11_uri_parse(s, &v, &err), CA_OK);
	assert_string_equal(v.token, "a;b?c&d=e%");
	free(s);

	static const struct {
		const char *uri, *msg;
	} bad[] = {
	    {"file:/x", "not a pkcs11: URI"},
	    {"pkcs11:object=x?module-path=/m&pin-source=file:/p", "needs token="},
	    {"pkcs11:token=t?module-path=/m&pin-source=file:/p", "needs token="},
	    {"pkcs11:token=t;id=%01?pin-source=file:/p", "needs token="},
	    {"pkcs11:token=t;id=%01?module-path=/m&pin-value=1234", "'pin-value' is not supported"},
	    {"pkcs11:token=t;id=%01?module-path=/m&pin-source=|/bin/pin",
	     "pin-source must be file:"},
	    {"pkcs11:token=t;id=%0?module-path=/m&pin-source=file:/p", "bad value for 'id'"},
	    {"pkcs11:token=t;id=%01;type=cert?module-path=/m&pin-source=file:/p",
	     "bad value for 'type'"},
	    {"pkcs11:token=t;id=%01?module-path=rel.so&pin-source=file:/p",
	     "bad value for 'module-path'"},
	    {"pkcs11:token;id=%01?module-path=/m&pin-source=file:/p", "is not name=value"},
	    {"pkcs11:token=%00;id=%01?module-path=/m&pin-source=file:/p", "bad value for 'token'"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(p11_uri_parse(bad[i].uri, &v, &err), CA_ERR_BAD_REQUEST);
		if (strstr(err.detail, bad[i].msg) == NULL)
			fail_msg("%s: '%s' lacks '%s'", bad[i].uri, err.detail, bad[i].msg);
	}
}

/* Sign with the token and check the signature with openssl. */
static void sign_and_verify(struct signer *k)
{
	char path[128], out[4096];
	uint8_t *spki = NULL, sig[SIGNER_SIG_MAX];
	size_t spki_len = 0, sig_len = 0;
	static const char msg[] = "TBSCertificate stand-in";

	assert_int_equal(signer_spki(k, &spki, &spki_len), CA_OK);
	write_pem(dir, "pub.pem", "PUBLIC KEY", spki, spki_len);
	free(spki);
	assert_int_equal(signer_signature(k, (const uint8_t *)msg, strlen(msg), sig, &sig_len),
			 CA_OK);
	write_file(dir, "sig", sig, sig_len);
	write_file(dir, "msg", msg, strlen(msg));
	const char *md = signer_type(k) == CA_KEY_EC_P384 ? "-sha384" : "-sha256";
	assert_int_equal(
	    run(dir, out, sizeof(out), "openssl dgst %s -verify pub.pem -signature sig msg", md),
	    0);
	assert_non_null(strstr(out, "Verified OK"));
	/* A changed message does not verify: the check is real. */
	write_file(dir, "msg", "tampered", 8);
	assert_int_not_equal(
	    run(dir, out, sizeof(out), "openssl dgst %s -verify pub.pem -signature sig msg", md),
	    0);
	(void)path;
}

static void generate_and_use(enum ca_key_type t, const char *label, const char *tool_type)
{
	struct p11_uri u, v;
	struct signer *k = NULL;
	struct ca_error err;
	char out[8192], hex[2 * P11_ID_MAX + 1];

	if (p11_generate(MODULE, TOKEN, pin, label, t, &u, &err) != CA_OK)
		fail_msg("p11_generate: %s", err.detail);
	char *s = p11_uri_format(&u);
	assert_non_null(s);
	assert_int_equal(p11_uri_parse(s, &v, &err), CA_OK); /* what ca.key will hold */
	free(s);
	assert_int_equal(p11_open(&v, &k, &err), CA_OK);
	assert_int_equal(signer_type(k), t);
	sign_and_verify(k);
	signer_close(k);

	/* pkcs11-tool sees a token key that is sensitive and never extractable,
	 * (CKA_SENSITIVE, CKA_EXTRACTABLE false, as generated). */
	hex_encode(u.id, u.id_len, hex);
	assert_int_equal(run(dir, out, sizeof(out),
			     "pkcs11-tool --module " MODULE " --token-label " TOKEN
			     " --login --pin 1234 --list-objects --type privkey --id %s",
			     hex),
			 0);
	assert_non_null(strstr(out, tool_type));
	assert_non_null(strstr(out, label));
	assert_non_null(strstr(out, "sensitive, always sensitive, never extractable"));
}

static void t_ec_p256(void **state)
{
	(void)state;
	NEED_SOFTHSM();
	generate_and_use(CA_KEY_EC_P256, "privca CA p256", "Private Key Object; EC");
}

static void t_ec_p384(void **state)
{
	(void)state;
	NEED_SOFTHSM();
	generate_and_use(CA_KEY_EC_P384, "privca CA p384", "Private Key Object; EC");
}

static void t_rsa2048(void **state)
{
	(void)state;
	NEED_SOFTHSM();
	generate_and_use(CA_KEY_RSA_2048, "privca CA rsa", "Private Key Object; RSA");
}

static void t_refusals(void **state)
{
	(void)state;
	NEED_SOFTHSM();
	struct p11_uri u, v;
	struct signer *k = NULL;
	struct ca_error err;
	char path[128];

	assert_int_equal(p11_generate(MODULE, TOKEN, pin, "privca CA", CA_KEY_EC_P256, &u, &err),
			 CA_OK);

	/* Wrong PIN: one message naming the token and the PIN file. */
	v = u;
	snprintf(v.pin_file, sizeof(v.pin_file), "%s", badpin);
	assert_int_equal(p11_open(&v, &k, &err), CA_ERR_UNAUTHORIZED);
	char want[256];
	snprintf(want, sizeof(want), "wrong PIN for PKCS#11 token '" TOKEN "' (from '%s')", badpin);
	assert_string_equal(err.detail, want);
	assert_null(k);
	assert_int_equal(p11_generate(MODULE, TOKEN, badpin, "x", CA_KEY_EC_P256, &v, &err),
			 CA_ERR_UNAUTHORIZED);

	/* A module path that is not a module. */
	v = u;
	snprintf(path, sizeof(path), "%s/not-a-module.so", dir);
	put_file(path, "this is text\n", 0644);
	snprintf(v.module_path, sizeof(v.module_path), "%s", path);
	assert_int_equal(p11_open(&v, &k, &err), CA_ERR_IO);
	snprintf(want, sizeof(want), "'%s' is not a PKCS#11 module", path);
	assert_non_null(strstr(err.detail, want));
	/* A shared library, but not a PKCS#11 one. */
	snprintf(v.module_path, sizeof(v.module_path), "/lib/x86_64-linux-gnu/libc.so.6");
	assert_int_equal(p11_open(&v, &k, &err), CA_ERR_IO);
	assert_non_null(strstr(err.detail, "is not a PKCS#11 module"));
	snprintf(v.module_path, sizeof(v.module_path), "%s/missing.so", dir);
	assert_int_equal(p11_open(&v, &k, &err), CA_ERR_IO);
	assert_non_null(strstr(err.detail, "is not a file"));

	/* No such token; no such key; a PIN file with no PIN. */
	v = u;
	snprintf(v.token, sizeof(v.token), "nope");
	assert_int_equal(p11_open(&v, &k, &err), CA_ERR_NOT_FOUND);
	assert_non_null(strstr(err.detail, "no token labelled 'nope'"));
	v = u;
	v.id[0] ^= 0xff;
	assert_int_equal(p11_open(&v, &k, &err), CA_ERR_NOT_FOUND);
	assert_non_null(strstr(err.detail, "no private key with that id in token"));
	v = u;
	snprintf(path, sizeof(path), "%s/emptypin", dir);
	put_file(path, "\n", 0600);
	snprintf(v.pin_file, sizeof(v.pin_file), "%s", path);
	assert_int_equal(p11_open(&v, &k, &err), CA_ERR_BAD_REQUEST);
	assert_non_null(strstr(err.detail, "is empty"));
	assert_int_equal(p11_generate(MODULE, TOKEN, pin, "x", CA_KEY_ED25519, &v, &err),
			 CA_ERR_BAD_REQUEST);

	/* After all that, the right URI still works. */
	assert_int_equal(p11_open(&u, &k, &err), CA_OK);
	sign_and_verify(k);
	signer_close(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_uri),	 cmocka_unit_test(t_ec_p256),  cmocka_unit_test(t_ec_p384),
	    cmocka_unit_test(t_rsa2048), cmocka_unit_test(t_refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
