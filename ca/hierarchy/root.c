/*
 * The code in this file implements what the offline root signs
 * (hierarchy/root.h) and the two commands that bring its key in for a
 * moment: ca_intermediate_renew and ca_root_crl_sign.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/keyfile.h"
#include "file.h"
#include "hierarchy/constraints.h"
#include "hierarchy/root.h"
#include "internal.h"
#include "urls.h"
#include "x509/cert_read.h"
#include "x509/crl.h"

enum ca_err hier_self_sign(struct signer *k, const uint8_t *subj, size_t subj_len, int days,
			   uint8_t **der, size_t *der_len, struct ca_error *err)
{
	uint8_t serial[16], ski[20], *spki = NULL;
	size_t spki_len;
	enum ca_err rc;
	if ((rc = signer_spki(k, &spki, &spki_len)) != CA_OK || !hash_key_id(spki, spki_len, ski)) {
		rc = ca_fail(err, CA_ERR_CRYPTO, "cannot encode the CA public key");
		goto out;
	}
	if ((rc = rand_serial(serial)) != CA_OK)
		goto out;
	int64_t now = clock_system();
	struct cert_tpl t = {
	    .serial = serial,
	    .serial_len = sizeof(serial),
	    .issuer = subj,
	    .issuer_len = subj_len,
	    .subject = subj,
	    .subject_len = subj_len,
	    .spki = spki,
	    .spki_len = spki_len,
	    .not_before = now - CERT_SKEW,
	    .not_after = now - CERT_SKEW + (int64_t)days * 86400,
	    .ski = ski,
	    .is_ca = true,
	};
	if ((rc = cert_build(&t, k, der, der_len)) != CA_OK)
		rc = ca_fail(err, rc, "cannot sign the CA certificate");
out:
	free(spki);
	return rc;
}

enum ca_err hier_sign_intermediate(struct signer *rk, const uint8_t *root_der, size_t root_len,
				   const uint8_t *spki, size_t spki_len, const uint8_t *subject,
				   size_t subject_len, int64_t not_before, int days,
				   const struct nc *nc, const char *base_url, uint8_t **der,
				   size_t *len, struct ca_error *err)
{
	struct cert_parts root;
	uint8_t serial[16], ski[20], aki[20];
	enum ca_err rc;
	if (!cert_read(root_der, root_len, &root) ||
	    !hash_key_id(root.spki.tlv, root.spki.tlv_len, aki) ||
	    !hash_key_id(spki, spki_len, ski))
		return ca_fail(err, CA_ERR_CRYPTO, "cannot read the root or the intermediate key");
	struct cert_urls urls;
	if ((rc = cert_urls_from_base(base_url, &urls, err)) != CA_OK)
		return rc;
	if ((rc = rand_serial(serial)) != CA_OK)
		return ca_fail(err, rc, "the random generator failed");
	int64_t not_after = not_before + (int64_t)days * 86400;
	if (not_after > root.not_after)
		not_after = root.not_after; /* never past the root (RFC 5280 6.1.3) */
	if (not_after <= not_before)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "the root's certificate has ended: an intermediate cannot be signed "
			       "under it");
	struct cert_tpl t = {
	    .serial = serial,
	    .serial_len = sizeof(serial),
	    .issuer = root.subject.tlv,
	    .issuer_len = root.subject.tlv_len,
	    .subject = subject,
	    .subject_len = subject_len,
	    .spki = spki,
	    .spki_len = spki_len,
	    .not_before = not_before,
	    .not_after = not_after,
	    .ski = ski,
	    .aki = aki,
	    .is_ca = true,
	    .has_path_len = true,
	    .path_len = 0,
	    .nc = nc,
	    .crl_url = urls.root_crl,
	    .issuer_url = urls.issuer, /* the root's certificate; no OCSP above */
	};
	if ((rc = cert_build(&t, rk, der, len)) != CA_OK)
		return ca_fail(err, rc, "the root key could not sign the intermediate");
	return CA_OK;
}

enum ca_err hier_sign_root_crl(struct signer *rk, const uint8_t *root_der, size_t root_len,
			       int64_t now, int days, uint64_t number, uint8_t **der, size_t *len,
			       struct ca_error *err)
{
	struct cert_parts root;
	uint8_t ski[20];
	if (!cert_read(root_der, root_len, &root) ||
	    !hash_key_id(root.spki.tlv, root.spki.tlv_len, ski))
		return ca_fail(err, CA_ERR_CRYPTO, "cannot read the root certificate");
	struct crl_params p = {
	    .issuer = root.subject.tlv,
	    .issuer_len = root.subject.tlv_len,
	    .ski = ski,
	    .ski_len = sizeof(ski),
	    .number = number,
	    .this_update = now,
	    .next_update = now + (int64_t)days * 86400,
	};
	return crl_build(rk, &p, der, len, err);
}

/* Load --root-key FILE and check that it is root's key. */
static enum ca_err root_key_load(const struct ca *ca, const char *path, struct signer **rk,
				 struct ca_error *err)
{
	const struct ca_issuer *root = ca_root(ca);
	struct cert_parts p;
	uint8_t *spki = NULL;
	size_t spki_len;
	enum ca_err rc;
	if (root == ca_issuer(ca))
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "%s is a one-tier CA (ca.pem is its root): there is no root key to "
			       "use",
			       ca->dir);
	if (!cert_read(root->der, root->der_len, &p))
		return ca_fail(err, CA_ERR_IO, "%s/root.pem does not hold a certificate", ca->dir);
	struct ca_error why = {0};
	if ((rc = keyfile_open(path, NULL, rk, &why)) != CA_OK) {
		/* The file named, whatever the signer said. */
		return ca_fail(err, rc, "the root key %s cannot be used: %s", path, why.detail);
	}
	if ((rc = signer_spki(*rk, &spki, &spki_len)) == CA_OK &&
	    (spki_len != p.spki.tlv_len || memcmp(spki, p.spki.tlv, spki_len) != 0))
		rc = ca_fail(err, CA_ERR_BAD_REQUEST,
			     "%s is not the key of the root %s/root.pem (%s)", path, ca->dir,
			     root->subject);
	free(spki);
	if (rc != CA_OK) {
		signer_close(*rk);
		*rk = NULL;
	}
	return rc;
}

enum ca_err ca_intermediate_renew(struct ca *ca, const char *root_key, int days,
				  struct ca_error *err)
{
	struct signer *rk = NULL;
	struct cert_parts old;
	struct nc *nc = NULL;
	uint8_t *der = NULL;
	size_t len;
	char path[PATH_MAX];
	enum ca_err rc;
	if (days == 0)
		days = CA_ROOT_DAYS;
	if (days < 1 || days > 36500)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "--days must be from 1 to 36500");
	if ((rc = root_key_load(ca, root_key, &rk, err)) != CA_OK)
		return rc;
	if (!cert_read(ca->cert_der, ca->cert_len, &old)) {
		rc = ca_fail(err, CA_ERR_IO, "%s/ca.pem does not hold a certificate", ca->dir);
		goto out;
	}
	/* Same key, subject and constraints: what it signed keeps verifying. */
	if (old.exts.len > 0 && (rc = nc_from_exts(old.exts.val, old.exts.len, &nc, err)) != CA_OK)
		goto out;
	const struct ca_issuer *root = ca_root(ca);
	if ((rc = hier_sign_intermediate(rk, root->der, root->der_len, old.spki.tlv,
					 old.spki.tlv_len, old.subject.tlv, old.subject.tlv_len,
					 clock_now(&ca->clock) - CERT_SKEW, days, nc,
					 ca->conf.base_url, &der, &len, err)) != CA_OK)
		goto out;
	if ((rc = file_path(path, ca->dir, "ca.pem", err)) == CA_OK)
		rc = file_write_cert(path, der, len, true, err);
out:
	free(der);
	free(nc);
	signer_close(rk);
	return rc;
}

enum ca_err ca_root_crl_sign(struct ca *ca, const char *root_key, int days, struct ca_error *err)
{
	struct signer *rk = NULL;
	uint8_t *der = NULL;
	size_t len;
	char path[PATH_MAX];
	enum ca_err rc;
	if (days == 0)
		days = HIER_ROOT_CRL_DAYS;
	if (days < 1 || days > 3650)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "--days must be from 1 to 3650");
	if ((rc = root_key_load(ca, root_key, &rk, err)) != CA_OK)
		return rc;
	const struct ca_issuer *root = ca_root(ca);
	int64_t now = clock_now(&ca->clock);
	/* cRLNumber: the time, so it only grows whoever signs (RFC 5280 5.2.3). */
	if ((rc = hier_sign_root_crl(rk, root->der, root->der_len, now, days, (uint64_t)now, &der,
				     &len, err)) != CA_OK)
		goto out;
	if ((rc = file_path(path, ca->dir, "root.crl", err)) == CA_OK)
		rc = file_replace(path, 0644, der, len, err);
out:
	free(der);
	signer_close(rk);
	return rc;
}
