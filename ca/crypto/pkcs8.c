/*
 * The code in this file implements PBES2-encrypted PKCS#8 (pkcs8.h):
 * RFC 5958 EncryptedPrivateKeyInfo, RFC 8018 section 6.2 (PBES2) with
 * PBKDF2 (5.2) over HMAC-SHA256 and AES-256-CBC with PKCS#7 padding
 * (RFC 8018 6.1.1 step 4), and the passphrase files that unlock it.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/pwdbased.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/rand.h"
#include "errors.h"
#include "codec.h"
#include "crypto/pkcs8.h"
#include "x509/der.h"
#include "crypto/signer.h"

#define OID_PBES2	"\x2a\x86\x48\x86\xf7\x0d\x01\x05\x0d"
#define OID_PBKDF2	"\x2a\x86\x48\x86\xf7\x0d\x01\x05\x0c"
#define OID_HMAC_SHA256 "\x2a\x86\x48\x86\xf7\x0d\x02\x09"
#define OID_AES256_CBC	"\x60\x86\x48\x01\x65\x03\x04\x01\x2a"
#define OIDL(o)		(sizeof(o) - 1)

#define SALT_LEN 16
#define KEY_LEN	 32
#define BLOCK	 16
/* A CA private key is a few kilobytes at most (RSA-4096 is ~2.4 KiB). */
#define MAX_CIPHERTEXT 16384

void pkcs8_wipe(void *p, size_t n)
{
	if (p == NULL)
		return;
	explicit_bzero(p, n);
	free(p);
}

void pkcs8_wipe_str(char *s)
{
	if (s != NULL)
		pkcs8_wipe(s, strlen(s));
}

/* PBKDF2-HMAC-SHA256 (RFC 8018 5.2) into key[KEY_LEN]. */
static int derive(const uint8_t *pass, size_t pass_len, const uint8_t *salt, size_t salt_len,
		  uint32_t iter, uint8_t *key)
{
	if (pass_len > PASS_MAX || salt_len > 64 || iter == 0 || iter > PKCS8_MAX_ITERATIONS)
		return -1;
	return wc_PBKDF2(key, pass, (int)pass_len, salt, (int)salt_len, (int)iter, KEY_LEN,
			 WC_SHA256);
}

/* AES-256-CBC over n bytes (a multiple of BLOCK) from in to out. */
static int cbc(bool enc, const uint8_t *key, const uint8_t *iv, const uint8_t *in, uint8_t *out,
	       size_t n)
{
	Aes aes;
	int rc;
	if (n > UINT32_MAX || n % BLOCK != 0)
		return -1;
	if ((rc = wc_AesInit(&aes, NULL, INVALID_DEVID)) != 0)
		return rc;
	rc = wc_AesSetKey(&aes, key, KEY_LEN, iv, enc ? AES_ENCRYPTION : AES_DECRYPTION);
	if (rc == 0)
		rc = enc ? wc_AesCbcEncrypt(&aes, out, in, (word32)n)
			 : wc_AesCbcDecrypt(&aes, out, in, (word32)n);
	wc_AesFree(&aes);
	explicit_bzero(&aes, sizeof(aes));
	return rc;
}

enum ca_err pkcs8_encrypt_pem(const uint8_t *der, size_t n, const uint8_t *pass, size_t pass_len,
			      char **pem, struct ca_error *err)
{
	uint8_t salt[SALT_LEN], iv[BLOCK], key[KEY_LEN];
	uint8_t *plain = NULL, *ct = NULL, *out = NULL;
	size_t padded = 0, out_len = 0;
	struct der_w w = {0};
	enum ca_err rc = CA_ERR_CRYPTO;

	*pem = NULL;
	if (n == 0 || n > MAX_CIPHERTEXT - BLOCK || pass_len == 0 || pass_len > PASS_MAX)
		return ca_fail(err, CA_ERR_INTERNAL, "key or passphrase of an impossible size");
	/* PKCS#7 padding: always 1..16 bytes, a whole block when n is a
	 * multiple of 16 (every Ed25519 PrivateKeyInfo is 48 bytes). */
	size_t pad = BLOCK - n % BLOCK;
	padded = n + pad;
	plain = malloc(padded);
	ct = malloc(padded);
	if (plain == NULL || ct == NULL) {
		rc = CA_ERR_NOMEM;
		goto out;
	}
	memcpy(plain, der, n);
	memset(plain + n, (int)pad, pad);
	if (rand_bytes(salt, sizeof(salt)) != CA_OK || rand_bytes(iv, sizeof(iv)) != CA_OK)
		goto out;
	if (derive(pass, pass_len, salt, sizeof(salt), PKCS8_ITERATIONS, key) != 0)
		goto out;
	if (cbc(true, key, iv, plain, ct, padded) != 0)
		goto out;

	/* EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING } */
	size_t top = der_begin(&w, DER_SEQUENCE);
	size_t alg = der_begin(&w, DER_SEQUENCE);
	der_oid(&w, (const uint8_t *)OID_PBES2, OIDL(OID_PBES2));
	size_t params = der_begin(&w, DER_SEQUENCE);
	size_t kdf = der_begin(&w, DER_SEQUENCE);
	der_oid(&w, (const uint8_t *)OID_PBKDF2, OIDL(OID_PBKDF2));
	size_t kp = der_begin(&w, DER_SEQUENCE);
	der_tlv(&w, DER_OCTET_STRING, salt, sizeof(salt));
	der_uint(&w, PKCS8_ITERATIONS);
	size_t prf = der_begin(&w, DER_SEQUENCE);
	der_oid(&w, (const uint8_t *)OID_HMAC_SHA256, OIDL(OID_HMAC_SHA256));
	der_null(&w);
	der_end(&w, prf);
	der_end(&w, kp);
	der_end(&w, kdf);
	size_t enc = der_begin(&w, DER_SEQUENCE);
	der_oid(&w, (const uint8_t *)OID_AES256_CBC, OIDL(OID_AES256_CBC));
	der_tlv(&w, DER_OCTET_STRING, iv, sizeof(iv));
	der_end(&w, enc);
	der_end(&w, params);
	der_end(&w, alg);
	der_tlv(&w, DER_OCTET_STRING, ct, padded);
	der_end(&w, top);
	if (!der_finish(&w, &out, &out_len)) {
		rc = CA_ERR_NOMEM;
		goto out;
	}
	*pem = pem_encode("ENCRYPTED PRIVATE KEY", out, out_len);
	rc = *pem != NULL ? CA_OK : CA_ERR_NOMEM;
out:
	explicit_bzero(key, sizeof(key));
	pkcs8_wipe(plain, padded);
	free(ct);
	free(out);
	if (rc != CA_OK)
		return ca_fail(err, rc, "could not encrypt the key");
	return CA_OK;
}

bool pkcs8_is_encrypted(const uint8_t *in, size_t n)
{
	static const char tag[] = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
	size_t t = sizeof(tag) - 1;
	for (size_t i = 0; i + t <= n; i++)
		if (in[i] == '-' && memcmp(in + i, tag, t) == 0)
			return true;
	return false;
}

struct pbes2 {
	struct der_elem salt, iv, data;
	uint32_t iter;
};

/*
 * Walk EncryptedPrivateKeyInfo down to the PBES2 parameters. Returns NULL
 * on success or what was wrong, for the message.
 */
static const char *parse(const uint8_t *der, size_t n, struct pbes2 *p)
{
	struct der_r r = {der, n}, top, alg, params, kdf, kp, enc;
	struct der_elem e, oid;
	uint64_t iter;

	if (!der_expect(&r, DER_SEQUENCE, &e) || r.len != 0)
		return "";
	top = der_in(&e);
	if (!der_expect(&top, DER_SEQUENCE, &e))
		return "";
	alg = der_in(&e);
	if (!der_expect(&alg, DER_OID, &oid))
		return "";
	if (!der_oid_eq(&oid, (const uint8_t *)OID_PBES2, OIDL(OID_PBES2)))
		return "it is not encrypted with PBES2";
	if (!der_expect(&alg, DER_SEQUENCE, &e) || alg.len != 0)
		return "";
	params = der_in(&e);
	if (!der_expect(&params, DER_SEQUENCE, &e))
		return "";
	kdf = der_in(&e);
	if (!der_expect(&kdf, DER_OID, &oid) ||
	    !der_oid_eq(&oid, (const uint8_t *)OID_PBKDF2, OIDL(OID_PBKDF2)))
		return "its key derivation is not PBKDF2 (scrypt is not supported)";
	if (!der_expect(&kdf, DER_SEQUENCE, &e) || kdf.len != 0)
		return "";
	kp = der_in(&e);
	if (!der_expect(&kp, DER_OCTET_STRING, &p->salt) || p->salt.len == 0 || p->salt.len > 64)
		return "";
	if (!der_expect(&kp, DER_INTEGER, &e) || !der_get_uint(&e, &iter) || iter == 0)
		return "";
	if (iter > PKCS8_MAX_ITERATIONS)
		return "its PBKDF2 iteration count is over 10,000,000";
	p->iter = (uint32_t)iter;
	if (der_peek(&kp, DER_INTEGER)) { /* keyLength OPTIONAL */
		uint64_t kl;
		if (!der_expect(&kp, DER_INTEGER, &e) || !der_get_uint(&e, &kl) || kl != KEY_LEN)
			return "";
	}
	/* prf DEFAULT hmacWithSHA1, which is refused. */
	if (!der_expect(&kp, DER_SEQUENCE, &e) || kp.len != 0)
		return "its PBKDF2 PRF is not hmacWithSHA256";
	struct der_r prf = der_in(&e);
	if (!der_expect(&prf, DER_OID, &oid) ||
	    !der_oid_eq(&oid, (const uint8_t *)OID_HMAC_SHA256, OIDL(OID_HMAC_SHA256)))
		return "its PBKDF2 PRF is not hmacWithSHA256";
	if (prf.len != 0 && (!der_expect(&prf, DER_NULL, &e) || e.len != 0 || prf.len != 0))
		return "";
	if (!der_expect(&params, DER_SEQUENCE, &e) || params.len != 0)
		return "";
	enc = der_in(&e);
	if (!der_expect(&enc, DER_OID, &oid) ||
	    !der_oid_eq(&oid, (const uint8_t *)OID_AES256_CBC, OIDL(OID_AES256_CBC)))
		return "its cipher is not AES-256-CBC";
	if (!der_expect(&enc, DER_OCTET_STRING, &p->iv) || p->iv.len != BLOCK || enc.len != 0)
		return "";
	if (!der_expect(&top, DER_OCTET_STRING, &p->data) || top.len != 0)
		return "";
	if (p->data.len == 0 || p->data.len % BLOCK != 0 || p->data.len > MAX_CIPHERTEXT)
		return "";
	return NULL;
}

enum ca_err pkcs8_decrypt_pem(const uint8_t *pem, size_t n, const uint8_t *pass, size_t pass_len,
			      const char *path, uint8_t **der, size_t *len, struct ca_error *err)
{
	static const char *const labels[] = {"ENCRYPTED PRIVATE KEY", NULL};
	uint8_t *enc = NULL, *plain = NULL, key[KEY_LEN];
	size_t enc_len = 0, plain_len = 0;
	struct pbes2 p;
	enum ca_err rc;
	const char *why;

	*der = NULL;
	*len = 0;
	if (!pem_decode(pem, n, labels, &enc, &enc_len))
		return ca_fail(err, CA_ERR_CRYPTO, "'%s' holds no ENCRYPTED PRIVATE KEY", path);
	if ((why = parse(enc, enc_len, &p)) != NULL) {
		rc = ca_fail(err, CA_ERR_CRYPTO, "cannot read the encrypted key '%s'%s%s", path,
			     *why ? ": " : " (corrupt)", why);
		goto out;
	}
	if (pass_len == 0 || pass_len > PASS_MAX) {
		rc = ca_fail(err, CA_ERR_BAD_REQUEST,
			     "the passphrase for '%s' is empty or too long", path);
		goto out;
	}
	plain_len = p.data.len;
	if ((plain = malloc(plain_len)) == NULL) {
		rc = CA_ERR_NOMEM;
		goto out;
	}
	if (derive(pass, pass_len, p.salt.val, p.salt.len, p.iter, key) != 0 ||
	    cbc(false, key, p.iv.val, p.data.val, plain, plain_len) != 0) {
		rc = ca_fail(err, CA_ERR_CRYPTO, "could not decrypt '%s'", path);
		goto out;
	}
	/* A wrong passphrase shows as bad padding or as bytes that are not
	 * one DER SEQUENCE filling the rest; the two cannot be told apart. */
	size_t pad = plain[plain_len - 1];
	bool ok = pad >= 1 && pad <= BLOCK && pad < plain_len;
	for (size_t i = 0; ok && i < pad; i++)
		ok = plain[plain_len - 1 - i] == pad;
	if (ok) {
		struct der_r r = {plain, plain_len - pad};
		struct der_elem e;
		ok = der_expect(&r, DER_SEQUENCE, &e) && r.len == 0;
	}
	if (!ok) {
		rc = ca_fail(err, CA_ERR_CRYPTO, "wrong passphrase or corrupt key file '%s'", path);
		goto out;
	}
	*der = plain;
	*len = plain_len - pad;
	plain = NULL;
	rc = CA_OK;
out:
	explicit_bzero(key, sizeof(key));
	pkcs8_wipe(plain, plain_len);
	free(enc);
	return rc;
}

enum ca_err pass_file_read(const char *path, const char *what, uint8_t **pass, size_t *len,
			   struct ca_error *err)
{
	uint8_t *buf = NULL;
	size_t n = 0;
	struct stat st;
	enum ca_err rc = CA_OK;

	*pass = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ca_fail(err, CA_ERR_IO, "cannot open the %s file '%s': %s", what, path,
			       strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = ca_fail(err, CA_ERR_IO, "the %s file '%s' is not a regular file", what, path);
		goto out;
	}
	if (st.st_mode & 077) {
		rc = ca_fail(err, CA_ERR_IO,
			     "the %s file '%s' is readable or writable by group or others (mode "
			     "%03o); run chmod 600 %s",
			     what, path, (unsigned)(st.st_mode & 0777), path);
		goto out;
	}
	if (st.st_size > PASS_MAX + 1) {
		rc = ca_fail(err, CA_ERR_BAD_REQUEST, "the %s file '%s' is over %d bytes", what,
			     path, PASS_MAX);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		rc = CA_ERR_NOMEM;
		goto out;
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = ca_fail(err, CA_ERR_IO, "cannot read the %s file '%s': %s", what, path,
				     strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > 0 && buf[n - 1] == '\n') /* one, as systemd and openssl strip */
		n--;
	if (n == 0) {
		rc = ca_fail(err, CA_ERR_BAD_REQUEST, "the %s file '%s' is empty", what, path);
		goto out;
	}
	if (n > PASS_MAX) {
		rc = ca_fail(err, CA_ERR_BAD_REQUEST, "the %s file '%s' is over %d bytes", what,
			     path, PASS_MAX);
		goto out;
	}
	if (memchr(buf, 0, n) != NULL) {
		rc = ca_fail(err, CA_ERR_BAD_REQUEST, "the %s file '%s' holds a NUL byte", what,
			     path);
		goto out;
	}
	buf[n] = 0;
	*pass = buf;
	*len = n;
	buf = NULL;
out:
	if (buf != NULL)
		pkcs8_wipe(buf, (size_t)st.st_size + 1);
	close(fd);
	return rc;
}

bool pass_credential_path(char *buf, size_t cap)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	if (dir == NULL || *dir == 0)
		return false;
	int w = snprintf(buf, cap, "%s/privca-key-pass", dir);
	return w > 0 && (size_t)w < cap;
}
