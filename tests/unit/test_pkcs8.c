/*
 * pkcs8: PBES2-encrypted CA keys for every CA key type, read back by our
 * decrypt, by wolfSSL's wc_KeyPemToDer and by `openssl pkey -passin`; the
 * wrong-passphrase and corrupt-file errors; keys OpenSSL encrypted; and the
 * passphrase files (one trailing newline stripped, empty refused).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "crypto/pkcs8.h"
#include "crypto/signer.h"

#include "support/testca.h"

static char dir[64];
static const char pass[] = "correct horse battery staple";

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/privca-pkcs8-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char out[256];
	run("/tmp", out, sizeof(out), "rm -rf '%s'", dir);
	return 0;
}

static void put(const char *name, const void *p, size_t n, mode_t mode)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static uint8_t *slurp(const char *name, size_t *n)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t *buf = malloc(65536);
	assert_non_null(buf);
	*n = fread(buf, 1, 65536, f);
	fclose(f);
	return buf;
}

/* A fresh key of type t as PrivateKeyInfo DER (written by signer_file_save). */
static void plain_key(enum ca_key_type t, uint8_t **der, size_t *len)
{
	static const char *const labels[] = {"PRIVATE KEY", NULL};
	struct signer *k = NULL;
	char path[128];
	size_t n;
	snprintf(path, sizeof(path), "%s/plain.pem", dir);
	unlink(path);
	assert_int_equal(signer_file_generate(t, &k, NULL), CA_OK);
	assert_int_equal(signer_file_save(k, path, NULL), CA_OK);
	signer_close(k);
	uint8_t *pem = slurp("plain.pem", &n);
	assert_true(pem_decode(pem, n, labels, der, len));
	free(pem);
}

static void roundtrip(enum ca_key_type t)
{
	uint8_t *der = NULL, *back = NULL;
	size_t len = 0, back_len = 0;
	char *pem = NULL, out[4096], pub1[1024], pub2[1024];
	struct ca_error err;

	plain_key(t, &der, &len);
	assert_int_equal(
	    pkcs8_encrypt_pem(der, len, (const uint8_t *)pass, strlen(pass), &pem, &err), CA_OK);
	assert_true(pkcs8_is_encrypted((const uint8_t *)pem, strlen(pem)));
	put("enc.pem", pem, strlen(pem), 0600);
	put("pass", pass, strlen(pass), 0600);

	/* Our own reader gives back the very same PrivateKeyInfo. */
	assert_int_equal(pkcs8_decrypt_pem((const uint8_t *)pem, strlen(pem), (const uint8_t *)pass,
					   strlen(pass), "enc.pem", &back, &back_len, &err),
			 CA_OK);
	assert_int_equal(back_len, len);
	assert_memory_equal(back, der, len);
	pkcs8_wipe(back, back_len);

	/* wolfSSL's reader agrees. */
	uint8_t wbuf[8192];
	int wl =
	    wc_KeyPemToDer((const unsigned char *)pem, (int)strlen(pem), wbuf, sizeof(wbuf), pass);
	assert_int_equal(wl, (int)len);
	assert_memory_equal(wbuf, der, len);

	/* OpenSSL reads it, sees PBES2 with PBKDF2-HMAC-SHA256 and 600000
	 * iterations, and finds the same key as in the plain file. */
	assert_int_equal(run(dir, pub1, sizeof(pub1), "openssl pkey -in plain.pem -pubout"), 0);
	assert_int_equal(
	    run(dir, pub2, sizeof(pub2), "openssl pkey -in enc.pem -passin file:pass -pubout"), 0);
	assert_string_equal(pub1, pub2);
	assert_int_equal(run(dir, out, sizeof(out), "openssl asn1parse -in enc.pem"), 0);
	assert_non_null(strstr(out, "PBES2"));
	assert_non_null(strstr(out, "PBKDF2"));
	assert_non_null(strstr(out, "hmacWithSHA256"));
	assert_non_null(strstr(out, "aes-256-cbc"));
	assert_non_null(strstr(out, "INTEGER           :0927C0")); /* 600000 */
	/* A wrong passphrase is refused by OpenSSL too. */
	put("bad", "nope", 4, 0600);
	assert_int_not_equal(
	    run(dir, out, sizeof(out), "openssl pkey -in enc.pem -passin file:bad -noout"), 0);
	pkcs8_wipe_str(pem);
	pkcs8_wipe(der, len);
}

static void t_p256(void **state)
{
	(void)state;
	roundtrip(CA_KEY_EC_P256);
}

static void t_p384(void **state)
{
	(void)state;
	roundtrip(CA_KEY_EC_P384);
}

static void t_rsa2048(void **state)
{
	(void)state;
	roundtrip(CA_KEY_RSA_2048);
}

/* Ed25519's PrivateKeyInfo is 48 bytes: a whole block of padding. */
static void t_ed25519(void **state)
{
	(void)state;
	uint8_t *der;
	size_t len;
	plain_key(CA_KEY_ED25519, &der, &len);
	assert_int_equal(len % 16, 0);
	pkcs8_wipe(der, len);
	roundtrip(CA_KEY_ED25519);
}

static char *encrypted_p256(uint8_t **der, size_t *len)
{
	char *pem = NULL;
	plain_key(CA_KEY_EC_P256, der, len);
	assert_int_equal(
	    pkcs8_encrypt_pem(*der, *len, (const uint8_t *)pass, strlen(pass), &pem, NULL), CA_OK);
	return pem;
}

static void t_wrong_passphrase(void **state)
{
	(void)state;
	uint8_t *der, *back = NULL;
	size_t len, back_len = 0;
	struct ca_error err;
	char *pem = encrypted_p256(&der, &len);

	/* The right passphrase's cost, in CPU time (the machine may be busy:
	 * wall time would measure the neighbours). */
	struct timespec a, b;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	assert_int_equal(pkcs8_decrypt_pem((const uint8_t *)pem, strlen(pem), (const uint8_t *)pass,
					   strlen(pass), "/srv/ca/ca.key", &back, &back_len, &err),
			 CA_OK);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	pkcs8_wipe(back, back_len);
	back = NULL;
	double right = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;

	/* Several wrong ones, so a padding byte that happens to look right
	 * still ends in the same message. */
	static const char *const wrong[] = {"correct horse battery stapl", "x",
					    "Correct horse battery staple",
					    "correct horse battery staple\n"};
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
		assert_int_equal(pkcs8_decrypt_pem((const uint8_t *)pem, strlen(pem),
						   (const uint8_t *)wrong[i], strlen(wrong[i]),
						   "/srv/ca/ca.key", &back, &back_len, &err),
				 CA_ERR_CRYPTO);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
		assert_string_equal(err.detail,
				    "wrong passphrase or corrupt key file '/srv/ca/ca.key'");
		assert_null(back);
		/* One PBKDF2 run, as for the right passphrase: no retries. */
		double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
		assert_true(s < 1.5 * right + 0.05);
	}
	pkcs8_wipe_str(pem);
	pkcs8_wipe(der, len);
}

static void t_corrupt(void **state)
{
	(void)state;
	static const char *const labels[] = {"ENCRYPTED PRIVATE KEY", NULL};
	uint8_t *der, *enc, *back = NULL;
	size_t len, enc_len, back_len = 0;
	struct ca_error err;
	char *pem = encrypted_p256(&der, &len);
	assert_true(pem_decode((const uint8_t *)pem, strlen(pem), labels, &enc, &enc_len));

	/* A flipped byte in the last ciphertext block: padding or DER breaks. */
	enc[enc_len - 5] ^= 0x40;
	char *bad = pem_encode("ENCRYPTED PRIVATE KEY", enc, enc_len);
	assert_int_equal(pkcs8_decrypt_pem((const uint8_t *)bad, strlen(bad), (const uint8_t *)pass,
					   strlen(pass), "k.pem", &back, &back_len, &err),
			 CA_ERR_CRYPTO);
	assert_string_equal(err.detail, "wrong passphrase or corrupt key file 'k.pem'");
	free(bad);

	/* Truncated: the structure no longer parses. */
	bad = pem_encode("ENCRYPTED PRIVATE KEY", enc, enc_len - 16);
	assert_int_equal(pkcs8_decrypt_pem((const uint8_t *)bad, strlen(bad), (const uint8_t *)pass,
					   strlen(pass), "k.pem", &back, &back_len, &err),
			 CA_ERR_CRYPTO);
	assert_string_equal(err.detail, "cannot read the encrypted key 'k.pem' (corrupt)");
	free(bad);

	/* A plain key is not an encrypted one. */
	assert_int_equal(pkcs8_decrypt_pem((const uint8_t *)"-----BEGIN PRIVATE KEY-----\n", 28,
					   (const uint8_t *)pass, strlen(pass), "k.pem", &back,
					   &back_len, &err),
			 CA_ERR_CRYPTO);
	assert_string_equal(err.detail, "'k.pem' holds no ENCRYPTED PRIVATE KEY");
	assert_null(back);
	free(enc);
	pkcs8_wipe_str(pem);
	pkcs8_wipe(der, len);
}

/* Keys OpenSSL encrypted: its default PBES2 is read; a SHA-1 PRF is named. */
static void t_openssl_written(void **state)
{
	(void)state;
	char out[4096];
	uint8_t *back = NULL;
	size_t n, back_len = 0;
	struct ca_error err;
	put("pass", pass, strlen(pass), 0600);
	assert_int_equal(
	    run(dir, out, sizeof(out),
		"openssl genpkey -algorithm ed25519 -aes256 -pass file:pass -out o.pem &&"
		" openssl pkey -in o.pem -passin file:pass -outform DER -out o.der"),
	    0);
	uint8_t *pem = slurp("o.pem", &n);
	assert_int_equal(pkcs8_decrypt_pem(pem, n, (const uint8_t *)pass, strlen(pass), "o.pem",
					   &back, &back_len, &err),
			 CA_OK);
	size_t dl;
	uint8_t *want = slurp("o.der", &dl);
	assert_int_equal(back_len, dl);
	assert_memory_equal(back, want, dl);
	pkcs8_wipe(back, back_len);
	free(want);
	free(pem);

	assert_int_equal(run(dir, out, sizeof(out),
			     "openssl pkcs8 -topk8 -in o.der -inform DER -v2 aes-256-cbc -v2prf "
			     "hmacWithSHA1 -passout file:pass -out s.pem"),
			 0);
	pem = slurp("s.pem", &n);
	assert_int_equal(pkcs8_decrypt_pem(pem, n, (const uint8_t *)pass, strlen(pass), "s.pem",
					   &back, &back_len, &err),
			 CA_ERR_CRYPTO);
	assert_string_equal(err.detail,
			    "cannot read the encrypted key 's.pem': its PBKDF2 PRF is not "
			    "hmacWithSHA256");
	free(pem);
}

static void t_pass_file(void **state)
{
	(void)state;
	uint8_t *p = NULL;
	size_t n = 0;
	struct ca_error err;
	char path[128];
	snprintf(path, sizeof(path), "%s/pw", dir);

	put("pw", "secret\n", 7, 0600);
	assert_int_equal(pass_file_read(path, "passphrase", &p, &n, &err), CA_OK);
	assert_int_equal(n, 6);
	assert_string_equal((char *)p, "secret");
	pkcs8_wipe(p, n);

	/* Only one newline goes: the second is part of the passphrase. */
	put("pw", "secret\n\n", 8, 0600);
	assert_int_equal(pass_file_read(path, "passphrase", &p, &n, &err), CA_OK);
	assert_int_equal(n, 7);
	assert_memory_equal(p, "secret\n", 7);
	pkcs8_wipe(p, n);

	put("pw", "no newline", 10, 0600);
	assert_int_equal(pass_file_read(path, "passphrase", &p, &n, &err), CA_OK);
	assert_int_equal(n, 10);
	pkcs8_wipe(p, n);

	put("pw", "", 0, 0600);
	assert_int_equal(pass_file_read(path, "passphrase", &p, &n, &err), CA_ERR_BAD_REQUEST);
	assert_non_null(strstr(err.detail, "is empty"));
	put("pw", "\n", 1, 0600);
	assert_int_equal(pass_file_read(path, "passphrase", &p, &n, &err), CA_ERR_BAD_REQUEST);
	assert_non_null(strstr(err.detail, "is empty"));
	assert_null(p);

	put("pw", "secret\n", 7, 0644);
	assert_int_equal(pass_file_read(path, "PIN", &p, &n, &err), CA_ERR_IO);
	assert_non_null(strstr(err.detail, "readable or writable by group or others"));

	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(pass_file_read(path, "passphrase", &p, &n, &err), CA_ERR_IO);
	assert_non_null(strstr(err.detail, "cannot open the passphrase file"));
	assert_null(p);
}

static void t_credentials(void **state)
{
	(void)state;
	char buf[256];
	unsetenv("CREDENTIALS_DIRECTORY");
	assert_false(pass_credential_path(buf, sizeof(buf)));
	setenv("CREDENTIALS_DIRECTORY", "/run/credentials/privca.service", 1);
	assert_true(pass_credential_path(buf, sizeof(buf)));
	assert_string_equal(buf, "/run/credentials/privca.service/privca-key-pass");
	assert_false(pass_credential_path(buf, 10));
	unsetenv("CREDENTIALS_DIRECTORY");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_p256),
	    cmocka_unit_test(t_p384),
	    cmocka_unit_test(t_rsa2048),
	    cmocka_unit_test(t_ed25519),
	    cmocka_unit_test(t_wrong_passphrase),
	    cmocka_unit_test(t_corrupt),
	    cmocka_unit_test(t_openssl_written),
	    cmocka_unit_test(t_pass_file),
	    cmocka_unit_test(t_credentials),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
