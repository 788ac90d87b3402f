/*
 * The signer class (crypto/signer.h), one set of cases run against every
 * implementation as ca.key opens it (crypto/keyfile.h): a plain key file,
 * an encrypted key file unlocked with a passphrase file, and a key in a
 * PKCS#11 token (SoftHSM2; those cases are skipped with a message only when
 * SoftHSM2 is not installed). What a signer signs verifies under the public
 * key it reports: each signature is checked by wrapping a PKCS#10 request
 * with it and verifying that with the project's CSR reader, which checks
 * the algorithm identifier against the key too. Then the errors an operator
 * meets: wrong, missing or no passphrase, a token that is absent, a wrong
 * PIN: each one clear error that leaves ca.key as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/keyfile.h"
#include "crypto/signer.h"
#include "x509/csr.h"
#include "x509/der.h"

#include "support/testca.h"

#define MODULE SOFTHSM_MODULE
#define TOKEN  "privca-signer"

static char dir[64], pass[128], wrong[128], pin[128], badpin[128];
static bool have_softhsm;

enum kind { FILE_KEY, ENCRYPTED_KEY, TOKEN_KEY };
static const char *const kind_name[] = {"file", "encrypted file", "pkcs11"};

struct impl {
	enum kind kind;
	enum ca_key_type type;
	char path[128]; /* the ca.key this implementation opens from */
};

/* The whole file at path (free()). */
static char *slurp_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = calloc(1, 65536);
	assert_non_null(buf);
	size_t n = fread(buf, 1, 65535, f);
	assert_true(n > 0);
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/privca-signer-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	unsetenv("CREDENTIALS_DIRECTORY");
	snprintf(pass, sizeof(pass), "%s/pass", dir);
	put_file(pass, "correct horse battery staple\n", 0600);
	snprintf(wrong, sizeof(wrong), "%s/wrong", dir);
	put_file(wrong, "incorrect horse\n", 0600);
	int made = softhsm_token(dir, TOKEN, "2468");
	if (made < 0)
		return -1;
	have_softhsm = made == 1;
	if (!have_softhsm)
		return 0;
	snprintf(pin, sizeof(pin), "%s/pin", dir);
	put_file(pin, "2468\n", 0600);
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

/* Make the ca.key of impl m, as privca init does (keyfile.h); once, as
 * every unlock of an encrypted key costs 600,000 PBKDF2 rounds. */
static int make_key(void **state)
{
	struct impl *m = *state;
	static int seq;
	struct ca_init_opts o = {.key_type = m->type};
	struct signer *s = NULL;
	char *uri = NULL;
	struct ca_error err = {0};

	if ((m->kind == TOKEN_KEY && !have_softhsm) || m->path[0] != 0)
		return 0;
	snprintf(m->path, sizeof(m->path), "%s/ca-%d.key", dir, seq++);
	if (m->kind == ENCRYPTED_KEY) {
		o.encrypt_key = true;
		o.key_pass_file = pass;
	} else if (m->kind == TOKEN_KEY) {
		o.pkcs11_module = MODULE;
		o.pkcs11_token = TOKEN;
		o.pkcs11_pin_file = pin;
	}
	if (keyfile_generate(&o, &s, &uri, &err) != CA_OK ||
	    keyfile_save(&o, s, uri, m->path, &err) != CA_OK) {
		print_message("%s %s: %s\n", kind_name[m->kind], ca_key_type_name(m->type),
			      err.detail);
		signer_close(s);
		free(uri);
		return -1;
	}
	signer_close(s);
	free(uri);
	return 0;
}

/* Open m's ca.key as ca_open does; skips the test when there is no token. */
static struct signer *open_impl(const struct impl *m)
{
	struct signer *s = NULL;
	struct ca_error err = {0};
	if (m->kind == TOKEN_KEY && !have_softhsm) {
		print_message("SKIP: softhsm2 is not installed (scripts/deps test installs it)\n");
		skip();
	}
	const char *pf = m->kind == ENCRYPTED_KEY ? pass : NULL;
	if (keyfile_open(m->path, pf, &s, &err) != CA_OK)
		fail_msg("%s: %s", m->path, err.detail);
	assert_non_null(s);
	return s;
}

/*
 * A PKCS#10 request for s's own key signed by s: CertificationRequestInfo
 * { version 0, Name, SPKI, [0] {} } wrapped by signer_sign. *out: free().
 */
static void signed_request(struct signer *s, uint8_t **out, size_t *out_len)
{
	uint8_t *name = NULL, *spki = NULL, *cri = NULL;
	size_t name_len, spki_len, cri_len;
	struct der_w w = {0};

	name_cn("signer test", &name, &name_len);
	assert_int_equal(signer_spki(s, &spki, &spki_len), CA_OK);
	size_t m = der_begin(&w, DER_SEQUENCE);
	der_raw(&w, "\x02\x01\x00", 3);
	der_raw(&w, name, name_len);
	der_raw(&w, spki, spki_len);
	der_raw(&w, "\xa0\x00", 2);
	der_end(&w, m);
	assert_true(der_finish(&w, &cri, &cri_len));
	assert_int_equal(signer_sign(s, cri, cri_len, out, out_len), CA_OK);
	free(cri);
	free(spki);
	free(name);
}

/* What s signs verifies under the key it reports; a changed signature does not. */
static void check_signs(struct signer *s)
{
	uint8_t *req = NULL;
	size_t req_len = 0;
	struct csr c;
	struct ca_error err = {0};

	signed_request(s, &req, &req_len);
	if (csr_parse(req, req_len, &c, &err) != CA_OK)
		fail_msg("a %s signature does not verify: %s", signer_name(s), err.detail);
	csr_free(&c);
	req[req_len - 1] ^= 0x01; /* the signature's last byte */
	assert_int_not_equal(csr_parse(req, req_len, &c, &err), CA_OK);
	csr_free(&c);
	free(req);
}

static void test_signatures_verify(void **state)
{
	const struct impl *m = *state;
	struct signer *s = open_impl(m);
	assert_int_equal(signer_type(s), m->type);
	assert_string_equal(signer_name(s), m->kind == TOKEN_KEY ? "pkcs11" : "file");
	check_signs(s);
	check_signs(s); /* and again: the signer is reusable */
	signer_close(s);
}

static void *sign_many(void *arg)
{
	for (int i = 0; i < 8; i++)
		check_signs(arg);
	return NULL;
}

static void test_signs_from_threads(void **state)
{
	struct signer *s = open_impl(*state);
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&t[i], NULL, sign_many, s), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	signer_close(s);
}

/* A key that is not in a file has no file to save; nothing is written. */
static void test_only_file_keys_save(void **state)
{
	const struct impl *m = *state;
	struct signer *s = open_impl(m);
	char path[160];
	struct ca_error err = {0};
	snprintf(path, sizeof(path), "%s.saved", m->path);
	if (m->kind == TOKEN_KEY) {
		assert_int_equal(signer_file_save(s, path, &err), CA_ERR_INTERNAL);
		assert_non_null(strstr(err.detail, "pkcs11"));
		assert_int_not_equal(access(path, F_OK), 0);
	} else {
		assert_int_equal(signer_file_save(s, path, &err), CA_OK);
		struct stat st;
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		/* and refuses to overwrite */
		assert_int_equal(signer_file_save(s, path, &err), CA_ERR_EXISTS);
		assert_int_equal(unlink(path), 0);
	}
	signer_close(s);
}

/* keyfile_open(path, pass_file) fails with want and detail, ca.key unchanged. */
static void open_fails(const char *path, const char *pass_file, enum ca_err want,
		       const char *detail)
{
	struct signer *s = (struct signer *)&s; /* not NULL: it must be reset */
	struct ca_error err = {0};
	char *before = slurp_file(path);
	assert_int_equal(keyfile_open(path, pass_file, &s, &err), want);
	assert_null(s);
	if (strstr(err.detail, detail) == NULL)
		fail_msg("'%s' lacks '%s'", err.detail, detail);
	char *after = slurp_file(path);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static struct impl enc = {ENCRYPTED_KEY, CA_KEY_EC_P256, ""};
static struct impl tok = {TOKEN_KEY, CA_KEY_EC_P256, ""};

static void test_wrong_passphrase(void **state)
{
	(void)state;
	open_fails(enc.path, wrong, CA_ERR_CRYPTO, "wrong passphrase or corrupt key file");
}

static void test_missing_pass_file(void **state)
{
	(void)state;
	char missing[160];
	snprintf(missing, sizeof(missing), "%s/no-such-pass", dir);
	open_fails(enc.path, missing, CA_ERR_IO, missing);
}

static void test_no_passphrase(void **state)
{
	(void)state;
	open_fails(enc.path, NULL, CA_ERR_BAD_REQUEST, "is encrypted and no passphrase was given");
	/* The systemd credential is the default, and it is read as a file. */
	char creds[128], cred[160];
	snprintf(creds, sizeof(creds), "%s/creds", dir);
	snprintf(cred, sizeof(cred), "%s/privca-key-pass", creds);
	assert_int_equal(mkdir(creds, 0700), 0);
	put_file(cred, "correct horse battery staple", 0600); /* no newline: the same */
	setenv("CREDENTIALS_DIRECTORY", creds, 1);
	struct signer *s = NULL;
	struct ca_error err = {0};
	assert_int_equal(keyfile_open(enc.path, NULL, &s, &err), CA_OK);
	check_signs(s);
	signer_close(s);
	put_file(cred, "incorrect horse\n", 0600);
	open_fails(enc.path, NULL, CA_ERR_CRYPTO, "wrong passphrase");
	unsetenv("CREDENTIALS_DIRECTORY");
}

/* init's checks come before any key is made: nothing is written. */
static void test_generate_refusals(void **state)
{
	(void)state;
	struct signer *s = NULL;
	char *uri = NULL;
	struct ca_error err = {0};
	char missing[160];
	snprintf(missing, sizeof(missing), "%s/no-such-pass", dir);
	struct ca_init_opts o = {.key_type = CA_KEY_EC_P256, .encrypt_key = true};
	assert_int_equal(keyfile_generate(&o, &s, &uri, &err), CA_ERR_BAD_REQUEST);
	assert_non_null(strstr(err.detail, "passphrase file"));
	o.key_pass_file = missing;
	assert_int_equal(keyfile_generate(&o, &s, &uri, &err), CA_ERR_IO);
	assert_non_null(strstr(err.detail, missing));
	o.pkcs11_module = MODULE;
	o.pkcs11_token = TOKEN;
	o.pkcs11_pin_file = pin;
	assert_int_equal(keyfile_generate(&o, &s, &uri, &err), CA_ERR_BAD_REQUEST);
	o = (struct ca_init_opts){.key_type = CA_KEY_EC_P256, .pkcs11_module = MODULE};
	assert_int_equal(keyfile_generate(&o, &s, &uri, &err), CA_ERR_BAD_REQUEST);
	assert_null(s);
	assert_null(uri);
}

/* ca.key's URI with one attribute replaced (path: a new file in dir). */
static void uri_variant(const char *from, const char *to, char *path, size_t cap)
{
	char *u = slurp_file(tok.path), *at = strstr(u, from), buf[8192];
	assert_non_null(at);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - u), u, to, at + strlen(from));
	snprintf(path, cap, "%s/variant-%zu.key", dir, strlen(to));
	put_file(path, buf, 0600);
	free(u);
}

static void test_token_absent(void **state)
{
	(void)state;
	char path[160];
	if (!have_softhsm)
		skip();
	uri_variant("token=" TOKEN, "token=no-such-token", path, sizeof(path));
	open_fails(path, NULL, CA_ERR_NOT_FOUND, "no token labelled 'no-such-token'");
	char fake[160];
	snprintf(fake, sizeof(fake), "%s/fake.so", dir);
	put_file(fake, "not a library\n", 0600);
	char to[200];
	snprintf(to, sizeof(to), "module-path=%s", fake);
	uri_variant("module-path=" MODULE, to, path, sizeof(path));
	open_fails(path, NULL, CA_ERR_IO, "is not a PKCS#11 module");
}

static void test_token_wrong_pin(void **state)
{
	(void)state;
	char path[160], from[160], to[160];
	if (!have_softhsm)
		skip();
	snprintf(from, sizeof(from), "pin-source=file:%s", pin);
	snprintf(to, sizeof(to), "pin-source=file:%s", badpin);
	uri_variant(from, to, path, sizeof(path));
	open_fails(path, NULL, CA_ERR_UNAUTHORIZED, "wrong PIN for PKCS#11 token '" TOKEN "'");
	/* and the right PIN still opens the key: a wrong one changed nothing */
	struct signer *s = open_impl(&tok);
	check_signs(s);
	signer_close(s);
}

static void test_corrupt_key_file(void **state)
{
	(void)state;
	char path[160];
	snprintf(path, sizeof(path), "%s/corrupt.key", dir);
	put_file(path, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", 0600);
	open_fails(path, NULL, CA_ERR_CRYPTO, path);
	/* Two keys in one file: which one signs would be a guess. */
	struct signer *s = NULL;
	assert_int_equal(signer_file_generate(CA_KEY_EC_P256, &s, NULL), CA_OK);
	char one[160];
	snprintf(one, sizeof(one), "%s/one.key", dir);
	unlink(one);
	assert_int_equal(signer_file_save(s, one, NULL), CA_OK);
	signer_close(s);
	char *k = slurp_file(one), two[8192];
	snprintf(two, sizeof(two), "%s%s", k, k);
	put_file(path, two, 0600);
	open_fails(path, NULL, CA_ERR_CRYPTO, "more than one PEM block");
	free(k);
	chmod(path, 0644);
	open_fails(path, NULL, CA_ERR_IO, "chmod 600");
}

static struct impl impls[] = {
    {FILE_KEY, CA_KEY_EC_P256, ""},	 {FILE_KEY, CA_KEY_EC_P384, ""},
    {FILE_KEY, CA_KEY_RSA_2048, ""},	 {FILE_KEY, CA_KEY_ED25519, ""},
    {ENCRYPTED_KEY, CA_KEY_EC_P256, ""}, {ENCRYPTED_KEY, CA_KEY_ED25519, ""},
    {TOKEN_KEY, CA_KEY_EC_P256, ""},	 {TOKEN_KEY, CA_KEY_EC_P384, ""},
    {TOKEN_KEY, CA_KEY_RSA_2048, ""},
};
#define N_IMPLS (sizeof(impls) / sizeof(impls[0]))

/* The same three cases for every implementation and key type. */
static const struct {
	const char *name;
	CMUnitTestFunction fn;
} cases[] = {
    {"signatures verify", test_signatures_verify},
    {"signs from threads", test_signs_from_threads},
    {"only file keys save", test_only_file_keys_save},
};
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

int main(void)
{
	static char names[N_IMPLS * N_CASES][96];
	struct CMUnitTest tests[N_IMPLS * N_CASES + 7] = {
	    cmocka_unit_test_prestate_setup_teardown(test_wrong_passphrase, make_key, NULL, &enc),
	    cmocka_unit_test(test_missing_pass_file),
	    cmocka_unit_test(test_no_passphrase),
	    cmocka_unit_test(test_generate_refusals),
	    cmocka_unit_test_prestate_setup_teardown(test_token_absent, make_key, NULL, &tok),
	    cmocka_unit_test(test_token_wrong_pin),
	    cmocka_unit_test(test_corrupt_key_file),
	};
	size_t n = 7;
	for (size_t i = 0; i < N_IMPLS; i++)
		for (size_t c = 0; c < N_CASES; c++, n++) {
			snprintf(names[n - 7], sizeof(names[0]), "%s %s: %s",
				 kind_name[impls[i].kind], ca_key_type_name(impls[i].type),
				 cases[c].name);
			tests[n] = (struct CMUnitTest){names[n - 7], cases[c].fn, make_key, NULL,
						       &impls[i]};
		}
	return _cmocka_run_group_tests("test_signer", tests, n, setup, teardown);
}
