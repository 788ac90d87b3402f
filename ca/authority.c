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
#include "crypto/keyfile.h"
#include "codec.h"
#include "conf.h"
#include "x509/der.h"
#include "x509/dn.h"
#include "file.h"
#include "hierarchy/chain.h"
#include "hierarchy/constraints.h"
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

/* ---- open / close ---- */

/* privca.conf's ACME keys go to acme/state.c. */
static enum ca_err conf_acme(void *arg, const char *key, const char *value, struct ca_error *err)
{
	return acme_conf(arg, key, value, err);
}

/* privca.conf into ca->conf and ca->settings; refused when dir has no ca.pem. */
static enum ca_err open_conf(struct ca *ca, struct ca_error *err)
{
	char path[PATH_MAX];
	enum ca_err rc;
	if ((rc = conf_defaults(&ca->conf, err)) != CA_OK ||
	    (rc = file_path(path, ca->dir, "ca.pem", err)) != CA_OK)
		return rc;
	if (access(path, F_OK) != 0)
		return hier_not_installed(ca->dir, err); /* or a subordinate's ca.csr waits */
	ca->conf.extra = conf_acme;
	ca->conf.extra_arg = ca;
	if ((rc = acme_open(ca, err)) != CA_OK ||
	    (rc = file_path(path, ca->dir, "privca.conf", err)) != CA_OK ||
	    (rc = conf_read(&ca->conf, path, err)) != CA_OK)
		return rc;
	ca->settings = (struct ca_settings){
	    .base_url = ca->conf.base_url,
	    .http_listen = ca->conf.http,
	    .https_listen = ca->conf.https,
	    .default_days = ca->conf.default_days,
	    .max_days = ca->conf.max_days,
	    .clamp_to_ca = ca->conf.clamp_to_ca != 0,
	    .retain_expired_days = ca->conf.retain_expired_days,
	};
	return CA_OK;
}

/* The CA's signer from ca.key (keyfile.h: plain, encrypted or a token). */
static enum ca_err open_signer(struct ca *ca, const struct ca_open_opts *opts, struct ca_error *err)
{
	char path[PATH_MAX];
	enum ca_err rc = file_path(path, ca->dir, "ca.key", err);
	if (rc != CA_OK)
		return rc;
	return keyfile_open(path, opts != NULL ? opts->key_pass_file : NULL, &ca->key, err);
}

/* The subjectPublicKey contents of spki into ca->pubkey, and the SKI. */
static enum ca_err open_pubkey(struct ca *ca, const struct der_elem *spki)
{
	struct der_r r = der_in(spki);
	struct der_elem alg, bits;
	if (!der_expect(&r, DER_SEQUENCE, &alg) || !der_expect(&r, DER_BIT_STRING, &bits) ||
	    bits.len < 2 || !hash_key_id(spki->tlv, spki->tlv_len, ca->ski))
		return CA_ERR_IO;
	if ((ca->pubkey = malloc(bits.len - 1)) == NULL)
		return CA_ERR_NOMEM;
	memcpy(ca->pubkey, bits.val + 1, bits.len - 1);
	ca->pubkey_len = bits.len - 1;
	return CA_OK;
}

/*
 * ca.pem into ca->cert_der and *parts (pointing into it), checked to be
 * the certificate of ca->key; the subject and public key copied out.
 */
static enum ca_err open_cert(struct ca *ca, struct cert_parts *parts, struct ca_error *err)
{
	static const char *const pem_labels[] = {"CERTIFICATE", NULL};
	char path[PATH_MAX];
	uint8_t *buf = NULL, *spki = NULL;
	size_t len, spki_len;
	enum ca_err rc;
	if ((rc = file_path(path, ca->dir, "ca.pem", err)) != CA_OK ||
	    (rc = file_read(path, 0, &buf, &len, err)) != CA_OK)
		return rc;
	if (!pem_decode(buf, len, pem_labels, &ca->cert_der, &ca->cert_len) ||
	    !cert_read(ca->cert_der, ca->cert_len, parts)) {
		rc = ca_fail(err, CA_ERR_IO, "%s/ca.pem does not hold a certificate", ca->dir);
		goto out;
	}
	if ((rc = signer_spki(ca->key, &spki, &spki_len)) != CA_OK)
		goto out;
	if (spki_len != parts->spki.tlv_len || memcmp(spki, parts->spki.tlv, spki_len) != 0) {
		rc = ca_fail(err, CA_ERR_IO, "%s/ca.key is not the key of %s/ca.pem", ca->dir,
			     ca->dir);
		goto out;
	}
	ca->subject_len = parts->subject.tlv_len;
	if ((ca->subject = malloc(ca->subject_len)) == NULL) {
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(ca->subject, parts->subject.tlv, ca->subject_len);
	if ((rc = open_pubkey(ca, &parts->spki)) != CA_OK)
		rc = ca_fail(err, rc, "cannot read the CA public key");
out:
	free(buf);
	free(spki);
	return rc;
}

/* The CA certificate's nameConstraints, which it honours (design section
 * 11), into ca->nc (NULL when it has none). */
static enum ca_err open_constraints(struct ca *ca, const struct cert_parts *parts,
				    struct ca_error *err)
{
	struct ca_error e = {0};
	enum ca_err rc = nc_from_exts(parts->exts.val, parts->exts.len, &ca->nc, &e);
	if (rc != CA_OK)
		return ca_fail(err, rc, "%s/ca.pem: %s", ca->dir, e.detail);
	return CA_OK;
}

/* ca->issuer and ca->chain from the certificate read by open_cert. */
static enum ca_err open_issuer(struct ca *ca, const struct cert_parts *parts, struct ca_error *err)
{
	ca->cert_pem = pem_encode("CERTIFICATE", ca->cert_der, ca->cert_len);
	ca->subject_str = dn_to_string(ca->subject, ca->subject_len);
	const uint8_t *certs[1] = {ca->cert_der};
	if (ca->cert_pem == NULL || ca->subject_str == NULL ||
	    ca_p7b(certs, &ca->cert_len, 1, &ca->p7b, &ca->p7b_len) != CA_OK)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	ca->issuer = (struct ca_issuer){
	    .der = ca->cert_der,
	    .der_len = ca->cert_len,
	    .pem = ca->cert_pem,
	    .p7b = ca->p7b,
	    .p7b_len = ca->p7b_len,
	    .subject = ca->subject_str,
	    .not_before = parts->not_before,
	    .not_after = parts->not_after,
	    .key_type = signer_type(ca->key),
	};
	if (hash_sha256_hex(ca->cert_der, ca->cert_len, ca->issuer.fingerprint_sha256) != CA_OK ||
	    hash_sha1_hex(ca->cert_der, ca->cert_len, ca->issuer.fingerprint_sha1) != CA_OK)
		return ca_fail(err, CA_ERR_CRYPTO, "cannot fingerprint the CA certificate");
	return CA_OK;
}

/* The store: opts' URL, else privca.conf's, else DIR/privca.db. */
static enum ca_err open_store(struct ca *ca, const struct ca_open_opts *opts, struct ca_error *err)
{
	char path[PATH_MAX];
	const char *url =
	    opts != NULL && opts->store_url != NULL ? opts->store_url : ca->conf.store;
	enum ca_err rc;
	if (url == NULL) {
		if ((rc = file_path(path, ca->dir, "privca.db", err)) != CA_OK)
			return rc;
		url = path;
	}
	return store_open(url, false, &ca->store, err);
}

enum ca_err ca_open(const char *dir, struct ca **out, struct ca_error *err)
{
	return ca_open_ex(dir, NULL, out, err);
}

enum ca_err ca_open_ex(const char *dir, const struct ca_open_opts *opts, struct ca **out,
		       struct ca_error *err)
{
	struct cert_parts parts;
	enum ca_err rc;

	struct ca *ca = calloc(1, sizeof(*ca));
	if (ca == NULL || (ca->dir = strdup(dir)) == NULL) {
		free(ca);
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	}
	if ((rc = open_conf(ca, err)) != CA_OK || (rc = open_signer(ca, opts, err)) != CA_OK ||
	    (rc = open_cert(ca, &parts, err)) != CA_OK ||
	    (rc = open_constraints(ca, &parts, err)) != CA_OK ||
	    (rc = open_issuer(ca, &parts, err)) != CA_OK ||
	    (rc = hier_open(ca, err)) != CA_OK || /* root.pem, chain.pem (hierarchy/chain.c) */
	    (rc = open_store(ca, opts, err)) != CA_OK || (rc = revocation_open(ca, err)) != CA_OK) {
		ca_close(ca);
		return rc;
	}
	*out = ca;
	return CA_OK;
}

void ca_close(struct ca *ca)
{
	if (ca == NULL)
		return;
	acme_close(ca);
	revocation_close(ca);
	hier_close(ca);
	store_close(ca->store);
	signer_close(ca->key);
	free(ca->nc);
	free(ca->dir);
	conf_free(&ca->conf);
	free(ca->cert_der);
	free(ca->cert_pem);
	free(ca->p7b);
	free(ca->subject_str);
	free(ca->subject);
	free(ca->pubkey);
	free(ca);
	signer_thread_done();
}

enum ca_err ca_health(struct ca *ca, struct ca_error *err)
{
	enum ca_err rc = ca_validity(ca, NULL, err);
	if (rc != CA_OK)
		return rc;
	if ((rc = store_ping(ca->store, err)) != CA_OK)
		return rc;
	uint8_t sig[SIGNER_SIG_MAX];
	size_t sl;
	if (signer_signature(ca->key, (const uint8_t *)"healthz", 7, sig, &sl) != CA_OK)
		return ca_fail(err, CA_ERR_CRYPTO, "the CA key does not sign");
	return CA_OK;
}

void ca_activity(const struct ca *ca, struct ca_activity *out)
{
	/* atomic_load takes a non-const pointer in C11: the counters only move
	 * forward, reading them changes nothing. */
	struct ca *c = (struct ca *)ca;
	out->issued = atomic_load_explicit(&c->n_issued, memory_order_relaxed);
	out->revoked = atomic_load_explicit(&c->n_revoked, memory_order_relaxed);
}
