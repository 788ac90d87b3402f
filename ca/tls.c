/*
 * The code in this file implements the server's own TLS pair (tls.h):
 * its issue at init, its renewal, its loading for the listener and the
 * check that the key and the certificate belong together.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x509/cert_read.h"
#include "codec.h"
#include "x509/dn.h"
#include "file.h"
#include "internal.h"
#include "tls.h"

enum ca_err tls_names(const struct ca_init_opts *o, struct name **out, size_t *n,
		      struct ca_error *err)
{
	size_t cap = 3 + o->nhostnames, k = 0;
	struct name *v = calloc(cap, sizeof(*v));
	if (v == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	const char *fixed[] = {"localhost", "127.0.0.1", "::1"};
	for (size_t i = 0; i < cap; i++) {
		const char *h = i < 3 ? fixed[i] : o->hostnames[i - 3];
		struct name nm;
		enum ca_err rc = name_parse(h, &nm, err);
		if (rc != CA_OK) {
			free(v);
			return rc;
		}
		bool dup = false;
		for (size_t j = 0; j < k; j++)
			dup |= strcmp(v[j].text, nm.text) == 0;
		if (!dup)
			v[k++] = nm;
	}
	*out = v;
	*n = k;
	return CA_OK;
}

/*
 * tls.pem: the service's certificate, then the CA certificates above it
 * but the root (design section 11), so that a client that trusts only the
 * root verifies it. New (file_write_new) or replacing what is there.
 */
static enum ca_err tls_write(struct ca *ca, const char *path, const uint8_t *der, size_t len,
			     bool replace, struct ca_error *err)
{
	size_t n;
	const struct ca_issuer *const *chain = ca_chain(ca, &n);
	if (n < 2)
		return file_write_cert(path, der, len, replace, err);
	char *leaf = pem_encode("CERTIFICATE", der, len);
	if (leaf == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	size_t total = strlen(leaf);
	for (size_t i = 0; i + 1 < n; i++)
		total += strlen(chain[i]->pem);
	char *pem = malloc(total + 1);
	if (pem == NULL) {
		free(leaf);
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	}
	strcpy(pem, leaf);
	for (size_t i = 0; i + 1 < n; i++)
		strcat(pem, chain[i]->pem);
	enum ca_err rc = replace ? file_replace(path, 0644, pem, total, err)
				 : file_write_new(path, 0644, pem, total, err);
	free(pem);
	free(leaf);
	return rc;
}

enum ca_err tls_init(struct ca *ca, const struct ca_init_opts *o, const struct name *names,
		     size_t nnames, struct ca_error *err)
{
	struct signer *tk = NULL;
	uint8_t *spki = NULL, *subj = NULL;
	size_t spki_len, subj_len;
	char path[PATH_MAX];
	struct ca_cert *rec = NULL;
	enum ca_err rc;

	if ((rc = signer_file_generate(CA_KEY_EC_P256, &tk, err)) != CA_OK)
		goto out;
	if ((rc = signer_spki(tk, &spki, &spki_len)) != CA_OK) {
		rc = ca_fail(err, CA_ERR_CRYPTO, "cannot encode the TLS public key");
		goto out;
	}
	/* The CN: the first hostname given, else the first name (localhost,
	 * unless name constraints left it out). */
	const char *cn_name = names[0].text;
	for (size_t i = 0; i < nnames && o->nhostnames > 0; i++)
		if (strcmp(names[i].text, "localhost") != 0 &&
		    strcmp(names[i].text, "127.0.0.1") != 0 && strcmp(names[i].text, "::1") != 0) {
			cn_name = names[i].text;
			break;
		}
	char cn[300];
	snprintf(cn, sizeof(cn), "CN=%s", cn_name);
	if ((rc = dn_from_string(cn, &subj, &subj_len, err)) != CA_OK)
		goto out;
	struct leaf l = {
	    .subject = subj,
	    .subject_len = subj_len,
	    .spki = spki,
	    .spki_len = spki_len,
	    .names = names,
	    .nnames = nnames,
	    .profile = CA_PROFILE_SERVER,
	    .days = CA_DEFAULT_DAYS,
	    .requester = "init",
	    .clamp = true,
	};
	if ((rc = issue_leaf(ca, &l, &rec, err)) != CA_OK ||
	    (rc = file_path(path, ca->dir, "tls.key", err)) != CA_OK ||
	    (rc = signer_file_save(tk, path, err)) != CA_OK ||
	    (rc = file_path(path, ca->dir, "tls.pem", err)) != CA_OK)
		goto out;
	rc = tls_write(ca, path, rec->der, rec->der_len, false, err);
out:
	ca_cert_free(rec);
	signer_close(tk);
	free(spki);
	free(subj);
	return rc;
}

/* Read tls.pem's first certificate: *der (free()) and its parts. */
static enum ca_err tls_cert_read(const char *path, uint8_t **der, size_t *len, struct cert_parts *p,
				 struct ca_error *err)
{
	static const char *const labels[] = {"CERTIFICATE", NULL};
	uint8_t *pem = NULL;
	size_t pem_len;
	enum ca_err rc = file_read(path, 0, &pem, &pem_len, err);
	if (rc != CA_OK)
		return rc;
	if (!pem_decode(pem, pem_len, labels, der, len)) {
		rc = ca_fail(err, CA_ERR_IO, "%s does not hold a certificate", path);
	} else if (!cert_read(*der, *len, p)) {
		free(*der);
		*der = NULL;
		rc = ca_fail(err, CA_ERR_IO, "%s does not hold a certificate", path);
	}
	free(pem);
	return rc;
}

enum ca_err ca_tls_renew(struct ca *ca, int days_left, bool *renewed, struct ca_error *err)
{
	char path[PATH_MAX];
	uint8_t *old = NULL;
	size_t old_len;
	struct name *names = NULL;
	size_t nnames = 0;
	struct ca_cert *rec = NULL;
	struct cert_parts p;
	enum ca_err rc;

	*renewed = false;
	if ((rc = file_path(path, ca->dir, "tls.pem", err)) != CA_OK ||
	    (rc = tls_cert_read(path, &old, &old_len, &p, err)) != CA_OK)
		return rc;
	int64_t now = clock_now(&ca->clock);
	if (p.not_after - now > (int64_t)days_left * 86400)
		goto out; /* still good */
	/* Ending with the CA already: a new one could last no longer (the CA
	 * warns of its own end; ca_validity). */
	if (p.not_after >= ca->issuer.not_after && now < ca->issuer.not_after)
		goto out;
	/* One from elsewhere (the operator's) is theirs to replace. */
	if (p.issuer.tlv_len != ca->subject_len ||
	    memcmp(p.issuer.tlv, ca->subject, ca->subject_len) != 0) {
		rc = ca_fail(err, CA_ERR_BAD_REQUEST,
			     "%s expires in %lld days and was not issued by this CA; replace it",
			     path, (long long)((p.not_after - now) / 86400));
		goto out;
	}
	if ((rc = cert_read_sans(&p, &names, &nnames, err)) != CA_OK)
		goto out;
	/* Same key, same subject and names; a new serial and validity. */
	struct leaf l = {
	    .subject = p.subject.tlv,
	    .subject_len = p.subject.tlv_len,
	    .spki = p.spki.tlv,
	    .spki_len = p.spki.tlv_len,
	    .names = names,
	    .nnames = nnames,
	    .profile = CA_PROFILE_SERVER,
	    .days = ca->settings.default_days,
	    .requester = "renew",
	    .clamp = true,
	};
	if ((rc = issue_leaf(ca, &l, &rec, err)) != CA_OK)
		goto out;
	/* Replaced in one step: a crash leaves the old or the new one. */
	if ((rc = tls_write(ca, path, rec->der, rec->der_len, true, err)) != CA_OK)
		goto out;
	*renewed = true;
out:
	free(old);
	free(names);
	ca_cert_free(rec);
	return rc;
}

/*
 * Is the first certificate in tls.pem the certificate of tls.key? Checked
 * before the pair is handed to GnuTLS, so a half-replaced pair is named in
 * words and the listener keeps the pair it has. Key types privca does not
 * read pass here; GnuTLS has the last word on every pair.
 */
static enum ca_err tls_pair_check(const uint8_t *key, size_t key_len, const uint8_t *pem,
				  size_t pem_len, struct ca_error *err)
{
	static const char *const labels[] = {"CERTIFICATE", NULL};
	struct signer *k = NULL;
	uint8_t *der = NULL, *spki = NULL;
	size_t der_len, spki_len;
	struct cert_parts p;
	enum ca_err rc;
	/* A key of a type privca does not make (an operator's P-521, say) is
	 * left to GnuTLS, which checks the pair itself when it loads it. */
	if (signer_file_load_pem(key, key_len, &k, NULL) != CA_OK)
		return CA_OK;
	if (!pem_decode(pem, pem_len, labels, &der, &der_len) || !cert_read(der, der_len, &p))
		rc = ca_fail(err, CA_ERR_IO, "tls.pem does not hold a certificate");
	else if ((rc = signer_spki(k, &spki, &spki_len)) == CA_OK &&
		 (spki_len != p.spki.tlv_len || memcmp(spki, p.spki.tlv, spki_len) != 0))
		rc = ca_fail(err, CA_ERR_IO, "tls.pem is not a certificate for tls.key");
	free(spki);
	free(der);
	signer_close(k);
	return rc;
}

enum ca_err ca_tls_load(struct ca *ca, char **key_pem, char **cert_pem, struct ca_error *err)
{
	char path[PATH_MAX];
	uint8_t *k = NULL, *c = NULL;
	size_t kl, cl;
	enum ca_err rc;
	if ((rc = file_path(path, ca->dir, "tls.key", err)) != CA_OK ||
	    (rc = file_read(path, FILE_SECRET, &k, &kl, err)) != CA_OK)
		return rc;
	if ((rc = file_path(path, ca->dir, "tls.pem", err)) != CA_OK ||
	    (rc = file_read(path, 0, &c, &cl, err)) != CA_OK ||
	    (rc = tls_pair_check(k, kl, c, cl, err)) != CA_OK) {
		ca_secret_free((char *)k);
		free(c);
		return rc;
	}
	*key_pem = (char *)k;
	*cert_pem = (char *)c;
	return CA_OK;
}
