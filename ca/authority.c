/*
 * The code in this file implements the struct ca lifecycle: ca_open and
 * ca_close, the CA's own certificate and its derived forms, and the
 * accessors. privca init is init.c; the TLS pair is tls.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "x509/cert_read.h"
#include "codec.h"
#include "conf.h"
#include "x509/der.h"
#include "x509/dn.h"
#include "file.h"
#include "internal.h"
#include "x509/oid.h"
#include "policy.h"

int64_t ca_now(const struct ca *ca)
{
	return clock_now(&ca->clock);
}

void ca_set_clock(struct ca *ca, int64_t (*now)(void *arg), void *arg)
{
	clock_set(&ca->clock, now, arg);
}

const struct ca_settings *ca_settings(const struct ca *ca)
{
	return &ca->settings;
}

const struct ca_issuer *ca_issuer(const struct ca *ca)
{
	return &ca->issuer;
}

const struct ca_issuer *const *ca_chain(const struct ca *ca, size_t *n)
{
	*n = sizeof(ca->chain) / sizeof(ca->chain[0]);
	return ca->chain;
}

/* ---- open / close ---- */

/* privca.conf's ACME keys go to acme/state.c. */
static enum ca_err conf_acme(void *arg, const char *key, const char *value, struct ca_error *err)
{
	return acme_conf(arg, key, value, err);
}

enum ca_err ca_open(const char *dir, struct ca **out, struct ca_error *err)
{
	return ca_open_store(dir, NULL, out, err);
}

enum ca_err ca_open_store(const char *dir, const char *store_url, struct ca **out,
			  struct ca_error *err)
{
	static const char *const pem_labels[] = {"CERTIFICATE", NULL};
	char path[PATH_MAX];
	uint8_t *buf = NULL;
	size_t len;
	enum ca_err rc;
	struct cert_parts parts;
	uint8_t *spki = NULL;
	size_t spki_len;

	struct ca *ca = calloc(1, sizeof(*ca));
	if (ca == NULL || (ca->dir = strdup(dir)) == NULL) {
		free(ca);
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	}
	if ((rc = conf_defaults(&ca->conf, err)) != CA_OK ||
	    (rc = file_path(path, dir, "ca.pem", err)) != CA_OK)
		goto bad;
	if (access(path, F_OK) != 0) {
		rc = ca_fail(err, CA_ERR_NOT_FOUND, "%s holds no CA (it has no ca.pem)", dir);
		goto bad;
	}
	ca->conf.extra = conf_acme;
	ca->conf.extra_arg = ca;
	if ((rc = acme_open(ca, err)) != CA_OK ||
	    (rc = file_path(path, dir, "privca.conf", err)) != CA_OK ||
	    (rc = conf_read(&ca->conf, path, err)) != CA_OK)
		goto bad;
	ca->settings = (struct ca_settings){
	    .base_url = ca->conf.base_url,
	    .http_listen = ca->conf.http,
	    .https_listen = ca->conf.https,
	    .default_days = ca->conf.default_days,
	    .max_days = ca->conf.max_days,
	    .clamp_to_ca = ca->conf.clamp_to_ca != 0,
	};

	if ((rc = file_path(path, dir, "ca.key", err)) != CA_OK ||
	    (rc = key_load(path, &ca->key, err)) != CA_OK)
		goto bad;
	if ((rc = file_path(path, dir, "ca.pem", err)) != CA_OK ||
	    (rc = file_read(path, 0, &buf, &len, err)) != CA_OK)
		goto bad;
	if (!pem_decode(buf, len, pem_labels, &ca->cert_der, &ca->cert_len) ||
	    !cert_read(ca->cert_der, ca->cert_len, &parts)) {
		rc = ca_fail(err, CA_ERR_IO, "%s/ca.pem does not hold a certificate", dir);
		goto bad;
	}
	if ((rc = key_spki(ca->key, &spki, &spki_len)) != CA_OK)
		goto bad;
	if (spki_len != parts.spki.tlv_len || memcmp(spki, parts.spki.tlv, spki_len) != 0) {
		rc = ca_fail(err, CA_ERR_IO, "%s/ca.key is not the key of %s/ca.pem", dir, dir);
		goto bad;
	}
	ca->subject_len = parts.subject.tlv_len;
	ca->subject = malloc(ca->subject_len);
	if (ca->subject == NULL) {
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
		goto bad;
	}
	memcpy(ca->subject, parts.subject.tlv, ca->subject_len);
	{
		/* subjectPublicKey contents: for OCSP key hashes and the SKI. */
		struct der_r r = der_in(&parts.spki);
		struct der_elem alg, bits;
		if (!der_expect(&r, DER_SEQUENCE, &alg) || !der_expect(&r, DER_BIT_STRING, &bits) ||
		    bits.len < 2 || !hash_key_id(spki, spki_len, ca->ski) ||
		    (ca->pubkey = malloc(bits.len - 1)) == NULL) {
			rc = ca_fail(err, CA_ERR_IO, "cannot read the CA public key");
			goto bad;
		}
		memcpy(ca->pubkey, bits.val + 1, bits.len - 1);
		ca->pubkey_len = bits.len - 1;
	}
	ca->cert_pem = pem_encode("CERTIFICATE", ca->cert_der, ca->cert_len);
	ca->subject_str = dn_to_string(ca->subject, ca->subject_len);
	const uint8_t *certs[1] = {ca->cert_der};
	if (ca->cert_pem == NULL || ca->subject_str == NULL ||
	    ca_p7b(certs, &ca->cert_len, 1, &ca->p7b, &ca->p7b_len) != CA_OK) {
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
		goto bad;
	}
	ca->issuer = (struct ca_issuer){
	    .der = ca->cert_der,
	    .der_len = ca->cert_len,
	    .pem = ca->cert_pem,
	    .p7b = ca->p7b,
	    .p7b_len = ca->p7b_len,
	    .subject = ca->subject_str,
	    .not_before = parts.not_before,
	    .not_after = parts.not_after,
	    .key_type = key_type(ca->key),
	};
	if (hash_sha256_hex(ca->cert_der, ca->cert_len, ca->issuer.fingerprint_sha256) != CA_OK ||
	    hash_sha1_hex(ca->cert_der, ca->cert_len, ca->issuer.fingerprint_sha1) != CA_OK) {
		rc = ca_fail(err, CA_ERR_CRYPTO, "cannot fingerprint the CA certificate");
		goto bad;
	}
	ca->chain[0] = &ca->issuer; /* one tier: the issuer is the root */

	if (store_url == NULL)
		store_url = ca->conf.store;
	if (store_url != NULL)
		rc = store_open(store_url, false, &ca->store, err);
	else if ((rc = file_path(path, dir, "privca.db", err)) == CA_OK)
		rc = store_open(path, false, &ca->store, err);
	if (rc != CA_OK)
		goto bad;
	if ((rc = revocation_open(ca, err)) != CA_OK)
		goto bad;
	free(buf);
	free(spki);
	*out = ca;
	return CA_OK;
bad:
	free(buf);
	free(spki);
	ca_close(ca);
	return rc;
}

void ca_close(struct ca *ca)
{
	if (ca == NULL)
		return;
	acme_close(ca);
	revocation_close(ca);
	store_close(ca->store);
	key_free(ca->key);
	free(ca->dir);
	conf_free(&ca->conf);
	free(ca->cert_der);
	free(ca->cert_pem);
	free(ca->p7b);
	free(ca->subject_str);
	free(ca->subject);
	free(ca->pubkey);
	free(ca);
	key_thread_done();
}

enum ca_err ca_health(struct ca *ca, struct ca_error *err)
{
	enum ca_err rc = ca_validity(ca, NULL, err);
	if (rc != CA_OK)
		return rc;
	if ((rc = store_ping(ca->store, err)) != CA_OK)
		return rc;
	uint8_t sig[KEY_SIG_MAX];
	size_t sl;
	if (key_signature(ca->key, (const uint8_t *)"healthz", 7, sig, &sl) != CA_OK)
		return ca_fail(err, CA_ERR_CRYPTO, "the CA key does not sign");
	return CA_OK;
}
