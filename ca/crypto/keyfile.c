/*
 * The code in this file implements the forms of ca.key (keyfile.h).
 */
#define _GNU_SOURCE /* memmem */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "file.h"
#include "crypto/keyfile.h"
#include "crypto/pkcs8.h"
#include "crypto/signer_pkcs11.h"

/* The passphrase: pass_file, else the systemd credential, else an error. */
static enum ca_err get_pass(const char *key_path, const char *pass_file, uint8_t **pass,
			    size_t *len, struct ca_error *err)
{
	char cred[PATH_MAX];
	if (pass_file == NULL) {
		if (!pass_credential_path(cred, sizeof(cred)))
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "'%s' is encrypted and no passphrase was given (use a "
				       "passphrase file, or the systemd credential "
				       "privca-key-pass)",
				       key_path);
		pass_file = cred;
	}
	return pass_file_read(pass_file, "passphrase", pass, len, err);
}

/* The encrypted PKCS#8 in buf, decrypted into a file signer. */
static enum ca_err open_encrypted(const char *path, const uint8_t *buf, size_t len,
				  const char *pass_file, struct signer **out, struct ca_error *err)
{
	uint8_t *pass = NULL, *der = NULL;
	size_t pass_len = 0, der_len = 0;
	enum ca_err rc;
	if ((rc = get_pass(path, pass_file, &pass, &pass_len, err)) == CA_OK &&
	    (rc = pkcs8_decrypt_pem(buf, len, pass, pass_len, path, &der, &der_len, err)) == CA_OK)
		rc = signer_file_load_der(der, der_len, out, err);
	pkcs8_wipe(der, der_len);
	pkcs8_wipe(pass, pass_len);
	return rc;
}

/* The pkcs11: URI in buf (one line), opened in its token. */
static enum ca_err open_token(uint8_t *buf, size_t len, struct signer **out, struct ca_error *err)
{
	struct p11_uri u;
	enum ca_err rc;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = 0;
	if (memchr(buf, 0, len) != NULL)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "the pkcs11: URI holds a NUL byte");
	if ((rc = p11_uri_parse((const char *)buf, &u, err)) != CA_OK)
		return rc;
	return p11_open(&u, out, err);
}

/* More than one PEM block: which key would be the CA's is not clear. */
static bool several_blocks(const uint8_t *buf, size_t len)
{
	static const char begin[] = "-----BEGIN ";
	const uint8_t *p = memmem(buf, len, begin, sizeof(begin) - 1);
	return p != NULL &&
	       memmem(p + 1, len - (size_t)(p + 1 - buf), begin, sizeof(begin) - 1) != NULL;
}

enum ca_err keyfile_open(const char *path, const char *pass_file, struct signer **out,
			 struct ca_error *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	struct ca_error e = {0};
	enum ca_err rc;
	*out = NULL;
	if ((rc = file_read(path, FILE_SECRET, &buf, &len, err)) != CA_OK)
		return rc;
	if (len > 7 && memcmp(buf, "pkcs11:", 7) == 0)
		rc = open_token(buf, len, out, &e);
	else if (several_blocks(buf, len))
		rc = ca_fail(&e, CA_ERR_CRYPTO, "it holds more than one PEM block; keep one key");
	else if (pkcs8_is_encrypted(buf, len))
		rc = open_encrypted(path, buf, len, pass_file, out, &e);
	else
		rc = signer_file_load_pem(buf, len, out, &e);
	ca_secret_free((char *)buf);
	/* Messages that do not name the key file get its name. */
	if (rc != CA_OK && strstr(e.detail, path) != NULL)
		ca_fail(err, rc, "%s", e.detail);
	else if (rc != CA_OK)
		ca_fail(err, rc, "%s: %s", path, e.detail);
	return rc;
}

/* The checks keyfile_generate makes before it generates anything. */
static enum ca_err gen_check(const struct ca_init_opts *o, struct ca_error *err)
{
	uint8_t *pass = NULL;
	size_t n = 0;
	enum ca_err rc;
	if (o->pkcs11_module != NULL) {
		if (o->encrypt_key)
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "a key in a PKCS#11 token is not also encrypted");
		if (o->pkcs11_token == NULL || o->pkcs11_pin_file == NULL)
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "a PKCS#11 key needs the token label and a PIN file");
		return CA_OK;
	}
	if (o->pkcs11_token != NULL || o->pkcs11_pin_file != NULL)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "a PKCS#11 token label or PIN file needs the PKCS#11 module");
	if (!o->encrypt_key)
		return CA_OK;
	if (o->key_pass_file == NULL)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "an encrypted key needs a passphrase file");
	if ((rc = pass_file_read(o->key_pass_file, "passphrase", &pass, &n, err)) != CA_OK)
		return rc;
	pkcs8_wipe(pass, n);
	return CA_OK;
}

enum ca_err keyfile_generate(const struct ca_init_opts *o, struct signer **out, char **uri,
			     struct ca_error *err)
{
	struct p11_uri u;
	enum ca_err rc;
	*out = NULL;
	*uri = NULL;
	if ((rc = gen_check(o, err)) != CA_OK)
		return rc;
	if (o->pkcs11_module == NULL)
		return signer_file_generate(o->key_type, out, err);
	if ((rc = p11_generate(o->pkcs11_module, o->pkcs11_token, o->pkcs11_pin_file, "privca CA",
			       o->key_type, &u, err)) != CA_OK ||
	    (rc = p11_open(&u, out, err)) != CA_OK)
		return rc;
	if ((*uri = p11_uri_format(&u)) == NULL) {
		signer_close(*out);
		*out = NULL;
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	}
	return CA_OK;
}

/* Write s encrypted under the passphrase in pass_file to path. */
static enum ca_err save_encrypted(const struct signer *s, const char *path, const char *pass_file,
				  struct ca_error *err)
{
	uint8_t *pass = NULL, *der = NULL;
	size_t pass_len = 0, der_len = 0;
	char *pem = NULL;
	enum ca_err rc;
	if ((rc = pass_file_read(pass_file, "passphrase", &pass, &pass_len, err)) != CA_OK)
		return rc;
	if ((rc = signer_file_pkcs8(s, &der, &der_len)) != CA_OK) {
		rc = ca_fail(err, rc, "could not encode the key");
		goto out;
	}
	if ((rc = pkcs8_encrypt_pem(der, der_len, pass, pass_len, &pem, err)) != CA_OK)
		goto out;
	rc = file_write_new(path, 0600, pem, strlen(pem), err);
out:
	pkcs8_wipe_str(pem);
	pkcs8_wipe(der, der_len);
	pkcs8_wipe(pass, pass_len);
	return rc;
}

/* Write the pkcs11: URI as one line to path. */
static enum ca_err save_uri(const char *path, const char *uri, struct ca_error *err)
{
	size_t n = strlen(uri);
	char *line = malloc(n + 2);
	if (line == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	memcpy(line, uri, n);
	line[n] = '\n';
	enum ca_err rc = file_write_new(path, 0600, line, n + 1, err);
	free(line);
	return rc;
}

enum ca_err keyfile_save(const struct ca_init_opts *o, const struct signer *s, const char *uri,
			 const char *path, struct ca_error *err)
{
	if (uri != NULL)
		return save_uri(path, uri, err);
	if (o->encrypt_key)
		return save_encrypted(s, path, o->key_pass_file, err);
	return signer_file_save(s, path, err);
}
