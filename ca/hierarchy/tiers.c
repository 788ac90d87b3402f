/*
 * The code in this file implements privca init above one tier
 * (hierarchy/tiers.h): design section 11.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "crypto/keyfile.h"
#include "file.h"
#include "hierarchy/constraints.h"
#include "hierarchy/root.h"
#include "hierarchy/tiers.h"
#include "internal.h"
#include "x509/csr_write.h"
#include "x509/dn.h"

#define DEFAULT_ROOT_SUBJECT "CN=privca demo Root CA,O=privca"

enum ca_err hier_init_check(const struct ca_init_opts *o, struct nc **out, struct ca_error *err)
{
	enum ca_err rc;
	*out = NULL;
	if ((unsigned)o->tier >= CA_TIER_MAX)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "unknown hierarchy");
	if (o->tier != CA_TIER_TWO && (o->root_subject != NULL || o->root_days != 0))
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "a root subject or validity is for a two-tier CA only");
	if (o->root_days < 0 || o->root_days > 36500)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "the root's validity must be from 1 to 36500 days");
	if (o->npermit + o->nexclude == 0)
		return CA_OK;
	if (o->tier == CA_TIER_ONE)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "name constraints go into an intermediate: use them with a "
			       "two-tier or subordinate CA (a root carries none)");
	struct nc *nc = calloc(1, sizeof(*nc));
	if (nc == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < o->npermit; i++)
		if ((rc = nc_add(nc, false, o->permit[i], err)) != CA_OK)
			goto bad;
	for (size_t i = 0; i < o->nexclude; i++)
		if ((rc = nc_add(nc, true, o->exclude[i], err)) != CA_OK)
			goto bad;
	*out = nc;
	return CA_OK;
bad:
	free(nc);
	return rc;
}

enum ca_err hier_tls_filter(const struct nc *nc, size_t nfixed, struct name *v, size_t *n,
			    struct ca_error *err)
{
	if (nc == NULL)
		return CA_OK;
	size_t k = 0;
	for (size_t i = 0; i < *n; i++) {
		struct ca_error why;
		if (nc_check(nc, &v[i], 1, &why) == CA_OK) {
			v[k++] = v[i];
			continue;
		}
		if (i >= nfixed)
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "--hostname %s is outside the CA's name constraints: the "
				       "service's own certificate must obey them too",
				       v[i].text);
	}
	if (k == 0)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "the name constraints permit none of the service's default names "
			       "(localhost, 127.0.0.1, ::1): give a --hostname inside them");
	*n = k;
	return CA_OK;
}

enum ca_err hier_init_two_tier(const char *dir, const struct ca_init_opts *o, const struct nc *nc,
			       const uint8_t *subject, size_t subject_len, int days,
			       struct signer **k, char **uri, uint8_t **der, size_t *der_len,
			       struct ca_error *err)
{
	char path[PATH_MAX];
	struct signer *rk = NULL;
	uint8_t *rsubj = NULL, *root = NULL, *spki = NULL, *crl = NULL;
	size_t rsubj_len, root_len, spki_len, crl_len;
	const char *base = o->base_url ? o->base_url : CONF_DEFAULT_URL;
	enum ca_err rc;

	if ((rc = dn_from_string(o->root_subject ? o->root_subject : DEFAULT_ROOT_SUBJECT, &rsubj,
				 &rsubj_len, err)) != CA_OK)
		return rc;
	if (rsubj_len == subject_len && memcmp(rsubj, subject, subject_len) == 0) {
		rc = ca_fail(err, CA_ERR_BAD_REQUEST,
			     "the root and the intermediate need different subjects (give "
			     "--root-subject or --subject)");
		goto out;
	}
	/* The root's key is a file key whatever ca.key becomes: it is taken
	 * off this machine. */
	if ((rc = signer_file_generate(o->key_type, &rk, err)) != CA_OK ||
	    (rc = hier_self_sign(rk, rsubj, rsubj_len, o->root_days ? o->root_days : CA_ROOT2_DAYS,
				 &root, &root_len, err)) != CA_OK)
		goto out;
	if ((rc = keyfile_generate(o, k, uri, err)) != CA_OK)
		goto out;
	if ((rc = signer_spki(*k, &spki, &spki_len)) != CA_OK) {
		rc = ca_fail(err, rc, "cannot encode the CA public key");
		goto out;
	}
	int64_t now = clock_system();
	if ((rc = hier_sign_intermediate(rk, root, root_len, spki, spki_len, subject, subject_len,
					 now - CERT_SKEW, days, nc, base, der, der_len, err)) !=
	    CA_OK)
		goto out;
	if ((rc = hier_sign_root_crl(rk, root, root_len, now - CERT_SKEW, HIER_ROOT_CRL_DAYS,
				     (uint64_t)now, &crl, &crl_len, err)) != CA_OK)
		goto out;
	if ((rc = file_path(path, dir, "root.key", err)) != CA_OK ||
	    (rc = signer_file_save(rk, path, err)) != CA_OK ||
	    (rc = file_path(path, dir, "root.pem", err)) != CA_OK ||
	    (rc = file_write_cert(path, root, root_len, false, err)) != CA_OK ||
	    (rc = file_path(path, dir, "root.crl", err)) != CA_OK)
		goto out;
	rc = file_write_new(path, 0644, crl, crl_len, err);
out:
	if (rc != CA_OK) {
		signer_close(*k);
		*k = NULL;
		free(*uri);
		*uri = NULL;
		free(*der);
		*der = NULL;
	}
	signer_close(rk);
	free(rsubj);
	free(root);
	free(spki);
	free(crl);
	return rc;
}

enum ca_err hier_init_subordinate(const char *dir, const struct ca_init_opts *o,
				  const struct nc *nc, const uint8_t *subject, size_t subject_len,
				  struct signer **k, char **uri, struct ca_error *err)
{
	char path[PATH_MAX];
	uint8_t *der = NULL;
	size_t len;
	char *pem = NULL;
	enum ca_err rc;
	if ((rc = keyfile_generate(o, k, uri, err)) != CA_OK)
		return rc;
	if ((rc = csr_write_ca(*k, subject, subject_len, nc, &der, &len)) != CA_OK) {
		rc = ca_fail(err, rc, "cannot sign the CA request");
		goto out;
	}
	if ((pem = pem_encode("CERTIFICATE REQUEST", der, len)) == NULL) {
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = file_path(path, dir, "ca.csr", err)) == CA_OK)
		rc = file_write_new(path, 0644, pem, strlen(pem), err);
out:
	if (rc != CA_OK) {
		signer_close(*k);
		*k = NULL;
		free(*uri);
		*uri = NULL;
	}
	free(pem);
	free(der);
	return rc;
}
