/*
 * The code in this file implements the test CA of testca.h.
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
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codec.h"
#include "x509/oid.h"
#include "testca.h"

void name_cn(const char *cn, uint8_t **out, size_t *len)
{
	struct der_w w = {0};
	size_t seq = der_begin(&w, DER_SEQUENCE);
	size_t set = der_begin(&w, DER_SET);
	size_t atv = der_begin(&w, DER_SEQUENCE);
	der_oid(&w, (const uint8_t *)OID_AT_CN, OID_LEN(OID_AT_CN));
	der_tlv(&w, DER_UTF8STRING, cn, strlen(cn));
	der_end(&w, atv);
	der_end(&w, set);
	der_end(&w, seq);
	assert_true(der_finish(&w, out, len));
}

void ext(struct der_w *w, const char *oid, size_t oid_len, bool critical, const uint8_t *val,
	 size_t n)
{
	size_t m = der_begin(w, DER_SEQUENCE);
	der_oid(w, (const uint8_t *)oid, oid_len);
	if (critical)
		der_bool(w, true);
	der_tlv(w, DER_OCTET_STRING, val, n);
	der_end(w, m);
}

/* A certificate for subject/spki signed by signer as issuer. */
void make_cert(struct signer *signer, const uint8_t *issuer, size_t issuer_len,
	       const uint8_t *subject, size_t subject_len, const uint8_t *spki, size_t spki_len,
	       const uint8_t *serial, size_t serial_len, bool ca, const uint8_t *ski, uint8_t **out,
	       size_t *out_len)
{
	struct der_w w = {0};
	uint8_t *tbs;
	size_t tbs_len;
	size_t top = der_begin(&w, DER_SEQUENCE);
	size_t v = der_begin(&w, DER_CTX_CONS(0));
	der_uint(&w, 2);
	der_end(&w, v);
	der_uint_bytes(&w, DER_INTEGER, serial, serial_len);
	signer_write_alg(signer, &w);
	der_raw(&w, issuer, issuer_len);
	size_t val = der_begin(&w, DER_SEQUENCE);
	der_time(&w, T0 - 86400);
	der_time(&w, T0 + 3650 * 86400LL);
	der_end(&w, val);
	der_raw(&w, subject, subject_len);
	der_raw(&w, spki, spki_len);
	size_t e3 = der_begin(&w, DER_CTX_CONS(3));
	size_t exts = der_begin(&w, DER_SEQUENCE);
	if (ca) {
		ext(&w, OID_CE_BASIC_CONSTRAINTS, OID_LEN(OID_CE_BASIC_CONSTRAINTS), true,
		    (const uint8_t *)"\x30\x03\x01\x01\xff", 5);
		/* digitalSignature, keyCertSign, cRLSign */
		ext(&w, OID_CE_KEY_USAGE, OID_LEN(OID_CE_KEY_USAGE), true,
		    (const uint8_t *)"\x03\x02\x01\x86", 4);
		uint8_t os[2 + WC_SHA_DIGEST_SIZE] = {DER_OCTET_STRING, WC_SHA_DIGEST_SIZE};
		memcpy(os + 2, ski, WC_SHA_DIGEST_SIZE);
		ext(&w, OID_CE_SKI, OID_LEN(OID_CE_SKI), false, os, sizeof(os));
	} else {
		ext(&w, OID_CE_BASIC_CONSTRAINTS, OID_LEN(OID_CE_BASIC_CONSTRAINTS), true,
		    (const uint8_t *)"\x30\x00", 2);
		ext(&w, OID_CE_KEY_USAGE, OID_LEN(OID_CE_KEY_USAGE), true,
		    (const uint8_t *)"\x03\x02\x07\x80", 4);
	}
	der_end(&w, exts);
	der_end(&w, e3);
	der_end(&w, top);
	assert_true(der_finish(&w, &tbs, &tbs_len));
	assert_int_equal(signer_sign(signer, tbs, tbs_len, out, out_len), CA_OK);
	free(tbs);
}

void write_file(const char *dir, const char *name, const void *p, size_t n)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

void put_file(const char *path, const char *s, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	assert_int_equal(close(fd), 0);
}

int softhsm_token(const char *dir, const char *label, const char *pin)
{
	char out[4096], conf[256], body[512];
	if (access(SOFTHSM_MODULE, R_OK) != 0 ||
	    run(dir, out, sizeof(out), "command -v softhsm2-util") != 0)
		return 0;
	snprintf(conf, sizeof(conf), "%s/softhsm2.conf", dir);
	snprintf(
	    body, sizeof(body),
	    "directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n",
	    dir);
	put_file(conf, body, 0600);
	setenv("SOFTHSM2_CONF", conf, 1);
	if (run(dir, out, sizeof(out),
		"mkdir tokens && softhsm2-util --init-token --free --label '%s' --pin '%s' "
		"--so-pin 5678",
		label, pin) != 0) {
		print_message("softhsm2-util --init-token failed: %s\n", out);
		return -1;
	}
	return 1;
}

void write_pem(const char *dir, const char *name, const char *label, const uint8_t *der, size_t n)
{
	char *pem = pem_encode(label, der, n);
	assert_non_null(pem);
	write_file(dir, name, pem, strlen(pem));
	free(pem);
}

void tca_init(struct tca *c, enum ca_key_type t)
{
	memset(c, 0, sizeof(*c));
	c->type = t;
	assert_int_equal(signer_file_generate(t, &c->key, NULL), CA_OK);
	assert_int_equal(signer_spki(c->key, &c->spki, &c->spki_len), CA_OK);
	struct der_r r = {c->spki, c->spki_len}, in;
	struct der_elem seq, alg, bits;
	assert_true(der_expect(&r, DER_SEQUENCE, &seq));
	in = der_in(&seq);
	assert_true(der_expect(&in, DER_SEQUENCE, &alg));
	assert_true(der_expect(&in, DER_BIT_STRING, &bits));
	c->pub = bits.val + 1;
	c->pub_len = bits.len - 1;
	assert_int_equal(wc_ShaHash(c->pub, (word32)c->pub_len, c->ski), 0);
	char cn[64];
	snprintf(cn, sizeof(cn), "privca test CA %s", ca_key_type_name(t));
	name_cn(cn, &c->name, &c->name_len);
	make_cert(c->key, c->name, c->name_len, c->name, c->name_len, c->spki, c->spki_len,
		  (const uint8_t *)"\x01", 1, true, c->ski, &c->cert, &c->cert_len);
	snprintf(c->dir, sizeof(c->dir), "/tmp/privca-test-XXXXXX");
	assert_non_null(mkdtemp(c->dir));
	write_pem(c->dir, "ca.pem", "CERTIFICATE", c->cert, c->cert_len);
}

void tca_free(struct tca *c)
{
	char cmd[128];
	if (c->dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", c->dir);
	}
	signer_close(c->key);
	free(c->name);
	free(c->spki);
	free(c->cert);
	memset(c, 0, sizeof(*c));
}

/* A leaf for leaf.example with a fresh P-256 key, signed by c, as PEM in
 * c->dir/file. */
void tca_write_leaf(const struct tca *c, const uint8_t *serial, size_t serial_len, const char *file)
{
	struct signer *lk;
	uint8_t *lspki, *lname, *leaf;
	size_t lspki_len, lname_len, leaf_len;
	assert_int_equal(signer_file_generate(CA_KEY_EC_P256, &lk, NULL), CA_OK);
	assert_int_equal(signer_spki(lk, &lspki, &lspki_len), CA_OK);
	name_cn("leaf.example", &lname, &lname_len);
	make_cert(c->key, c->name, c->name_len, lname, lname_len, lspki, lspki_len, serial,
		  serial_len, false, NULL, &leaf, &leaf_len);
	write_pem(c->dir, file, "CERTIFICATE", leaf, leaf_len);
	signer_close(lk);
	free(lspki);
	free(lname);
	free(leaf);
}

/* Run a shell command in dir; its output (stdout and stderr) into out. */
int run(const char *dir, char *out, size_t cap, const char *fmt, ...)
{
	char cmd[1024];
	int n = snprintf(cmd, sizeof(cmd), "cd '%s' && ", dir);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);
	strncat(cmd, " 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t len = fread(out, 1, cap - 1, p);
	out[len] = '\0';
	int st = pclose(p);
	int rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (rc != 0 && getenv("PRIVCA_TEST_VERBOSE") != NULL)
		print_message("$ %s -> %d\n%s\n", cmd, rc, out);
	return rc;
}
