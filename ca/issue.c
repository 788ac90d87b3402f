/*
 * The code in this file implements issuance (ca_issue): CSR -> checks ->
 * certificate -> durable record, and reading certificates back.
 *
 * Order matters: the CSR's signature, key and names are verified and the
 * policy is checked before anything is signed; the record is committed
 * before the certificate is returned, so a certificate that is not in the
 * store never leaves the process.
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "x509/csr.h"
#include "x509/dn.h"
#include "hierarchy/constraints.h"
#include "internal.h"
#include "policy.h"
#include "tokens.h"
#include "urls.h"

/* The record of a freshly built certificate. */
static enum ca_err cert_record(struct ca *ca, const uint8_t *der, size_t len,
			       const char *serial_hex, const uint8_t *subject, size_t subject_len,
			       const struct name *names, size_t nnames, const struct cert_tpl *t,
			       const char *requester, struct ca_cert **out)
{
	struct ca_cert *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return CA_ERR_NOMEM;
	size_t ndns = 0, nip = 0;
	for (size_t i = 0; i < nnames; i++)
		ndns += names[i].kind == NAME_DNS;
	nip = nnames - ndns;
	memcpy(c->serial, serial_hex, 33);
	c->subject = dn_to_string(subject, subject_len);
	c->dns_names = calloc(ndns ? ndns : 1, sizeof(char *));
	c->ip_addresses = calloc(nip ? nip : 1, sizeof(char *));
	c->requester = strdup(requester);
	c->der = malloc(len);
	if (c->subject == NULL || c->dns_names == NULL || c->ip_addresses == NULL ||
	    c->requester == NULL || c->der == NULL)
		goto bad;
	for (size_t i = 0; i < nnames; i++) {
		char *s = strdup(names[i].text);
		if (s == NULL)
			goto bad;
		if (names[i].kind == NAME_DNS)
			c->dns_names[c->n_dns++] = s;
		else
			c->ip_addresses[c->n_ip++] = s;
	}
	memcpy(c->der, der, len);
	c->der_len = len;
	c->not_before = t->not_before;
	c->not_after = t->not_after;
	c->profile = t->profile;
	c->status = CA_STATUS_VALID;
	c->reason = CA_REASON_UNSPECIFIED;
	c->created_at = clock_now(&ca->clock);
	if (hash_sha256_hex(der, len, c->fingerprint_sha256) != CA_OK) {
		ca_cert_free(c);
		return CA_ERR_CRYPTO;
	}
	*out = c;
	return CA_OK;
bad:
	ca_cert_free(c);
	return CA_ERR_NOMEM;
}

/*
 * The validity of a leaf signed now: notBefore now - CERT_SKEW (never
 * before the CA's own), notAfter l->days later. A leaf never outlives its
 * issuer (RFC 5280 6.1.3 would reject it, and so do the verifiers):
 * past the CA's notAfter it is refused, or cut to it where l->clamp or
 * the clamp_to_ca setting allows.
 */
static enum ca_err leaf_window(struct ca *ca, const struct leaf *l, int64_t *nb, int64_t *na,
			       bool *clamped, struct ca_error *err)
{
	enum ca_err rc = ca_validity(ca, NULL, err);
	if (rc != CA_OK)
		return rc;
	const struct ca_issuer *root = ca_issuer(ca);
	*nb = clock_now(&ca->clock) - CERT_SKEW;
	if (*nb < root->not_before)
		*nb = root->not_before;
	*na = *nb + (int64_t)l->days * 86400;
	*clamped = false;
	if (*na <= root->not_after)
		return CA_OK;
	if (l->clamp || ca->settings.clamp_to_ca) {
		*na = root->not_after;
		*clamped = true;
		return CA_OK;
	}
	char end[21];
	ca_time_rfc3339(root->not_after, end);
	int64_t left = (root->not_after - *nb) / 86400;
	if (left < 1)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "the CA's certificate ends at %s, in less than a day: a certificate "
			       "of %d days would outlive it; renew the CA",
			       end, l->days);
	return ca_fail(err, CA_ERR_BAD_REQUEST,
		       "the CA's certificate ends at %s: a certificate of %d days would outlive "
		       "it; ask for at most %lld days",
		       end, l->days, (long long)left);
}

enum ca_err issue_leaf(struct ca *ca, const struct leaf *l, struct ca_cert **out,
		       struct ca_error *err)
{
	uint8_t ski[20], *der = NULL;
	size_t der_len = 0;
	struct ca_cert *rec = NULL;
	enum ca_err rc = CA_ERR_EXISTS;

	if (!hash_key_id(l->spki, l->spki_len, ski))
		return ca_fail(err, CA_ERR_BAD_CSR, "the public key is malformed");
	/* A CA under name constraints signs nothing outside them (design 11). */
	if (ca->nc != NULL && (rc = nc_check(ca->nc, l->names, l->nnames, err)) != CA_OK)
		return rc;
	int64_t nb, na;
	bool clamped;
	struct cert_urls urls;
	if ((rc = leaf_window(ca, l, &nb, &na, &clamped, err)) != CA_OK ||
	    (rc = cert_urls_from_base(ca->conf.base_url, &urls, err)) != CA_OK)
		return rc;
	rc = CA_ERR_EXISTS; /* draw a serial until one is free */
	/* A serial collision (2^-100-ish) is retried with a fresh draw. */
	for (int attempt = 0; attempt < 3 && rc == CA_ERR_EXISTS; attempt++) {
		uint8_t serial[16];
		char serial_hex[33];
		if ((rc = rand_serial(serial)) != CA_OK)
			return ca_fail(err, rc, "the random generator failed");
		hex_encode(serial, sizeof(serial), serial_hex);
		struct cert_tpl t = {
		    .serial = serial,
		    .serial_len = sizeof(serial),
		    .issuer = ca->subject,
		    .issuer_len = ca->subject_len,
		    .subject = l->subject,
		    .subject_len = l->subject_len,
		    .spki = l->spki,
		    .spki_len = l->spki_len,
		    .not_before = nb,
		    .not_after = na,
		    .ski = ski,
		    .aki = ca->ski,
		    .key_encipherment = l->key_encipherment,
		    .profile = l->profile,
		    .names = l->names,
		    .nnames = l->nnames,
		    .crl_url = urls.crl,
		    .freshest_url = urls.delta,
		    .ocsp_url = urls.ocsp,
		    /* Under a root: AIA caIssuers names the issuer, not the root. */
		    .issuer_url = ca_root(ca) != ca_issuer(ca) ? urls.issuer_sub : urls.issuer,
		};
		free(der);
		der = NULL;
		ca_cert_free(rec);
		rec = NULL;
		if ((rc = cert_build(&t, ca->key, &der, &der_len)) != CA_OK) {
			rc = ca_fail(err, rc, "the CA could not sign the certificate");
			break;
		}
		if ((rc = cert_record(ca, der, der_len, serial_hex, l->subject, l->subject_len,
				      l->names, l->nnames, &t, l->requester, &rec)) != CA_OK) {
			rc = ca_fail(err, rc, "out of memory");
			break;
		}
		rec->clamped = clamped;
		rc = store_cert_put(ca->store, rec, err);
	}
	free(der);
	if (rc != CA_OK) {
		ca_cert_free(rec);
		return rc;
	}
	*out = rec;
	return CA_OK;
}

/* Record that requester was refused for names (an event row). */
static void refusal_event(struct ca *ca, const char *requester, enum ca_err rc,
			  const struct ca_error *err)
{
	if (store_event(ca->store, clock_now(&ca->clock), "refuse", NULL, requester,
			err ? err->detail : ca_strerror(rc)) != CA_OK) {
		/* The refusal stands whether or not its event row was written. */
	}
}

/* Name texts for dn_drop_foreign_cn. */
static const char **name_texts(const struct name *names, size_t n)
{
	const char **v = calloc(n ? n : 1, sizeof(*v));
	if (v != NULL)
		for (size_t i = 0; i < n; i++)
			v[i] = names[i].text;
	return v;
}

enum ca_err ca_issue(struct ca *ca, const struct ca_issue_req *req, struct ca_cert **out,
		     struct ca_error *err)
{
	struct csr csr;
	struct name *names = NULL;
	size_t nnames = 0;
	const char **texts = NULL;
	uint8_t *subject = NULL;
	size_t subject_len = 0;
	struct ca_cert *rec = NULL;
	struct policy_token pt, *ptp = NULL;
	const char *requester = req->token ? ca_token_name(req->token) : "cli";
	int days;
	enum ca_err rc;

	memset(&csr, 0, sizeof(csr));
	signer_thread_init(); /* the CSR check below uses this thread's ECC cache */
	if ((unsigned)req->profile >= CA_PROFILE_MAX)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "profile must be one of server, client, peer");
	if (req->validity_days < 0)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "validity_days must be a positive number");
	if (req->token != NULL) {
		token_policy(req->token, &pt);
		ptp = &pt;
	}
	struct policy_limits lim = {ca->settings.default_days, ca->settings.max_days};
	if ((rc = policy_days(&lim, ptp, req->validity_days, &days, err)) != CA_OK)
		return rc;
	if ((rc = csr_parse(req->csr, req->csr_len, &csr, err)) != CA_OK)
		return rc;
	if ((rc = policy_names(req->sans, req->nsans, (const char *const *)csr.dns, csr.ndns,
			       (const char *const *)csr.ips, csr.nips, csr.cn, &names, &nnames,
			       err)) != CA_OK)
		goto out;
	if ((rc = policy_check(ptp, req->profile, names, nnames, err)) != CA_OK) {
		refusal_event(ca, requester, rc, err);
		goto out;
	}
	if ((texts = name_texts(names, nnames)) == NULL) {
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = dn_drop_foreign_cn(csr.subject, csr.subject_len, texts, nnames, &subject,
				     &subject_len)) != CA_OK) {
		rc = ca_fail(err, rc, "the CSR's subject could not be copied");
		goto out;
	}
	struct leaf l = {
	    .subject = subject,
	    .subject_len = subject_len,
	    .spki = csr.spki,
	    .spki_len = csr.spki_len,
	    .names = names,
	    .nnames = nnames,
	    .profile = req->profile,
	    .days = days,
	    .key_encipherment = csr.key_alg == CSR_KEY_RSA,
	    .requester = requester,
	};
	rc = issue_leaf(ca, &l, &rec, err);
	if (rc == CA_ERR_NAME_NOT_ALLOWED) /* outside the CA's own name constraints */
		refusal_event(ca, requester, rc, err);
	if (rc == CA_OK) {
		atomic_fetch_add_explicit(&ca->n_issued, 1, memory_order_relaxed);
		*out = rec;
		rec = NULL;
	}
out:
	ca_cert_free(rec);
	free(subject);
	free(texts);
	free(names);
	csr_free(&csr);
	return rc;
}

enum ca_err ca_cert_get(struct ca *ca, const char *serial, struct ca_cert **out,
			struct ca_error *err)
{
	char s[33];
	if (!ca_serial_norm(serial, s))
		return ca_fail(err, CA_ERR_NOT_FOUND,
			       "no certificate with that serial (serials are 32 hex digits)");
	return store_cert_get(ca->store, s, clock_now(&ca->clock), out, err);
}

enum ca_err ca_list(struct ca *ca, const struct ca_list_query *q, struct ca_cert_list *out,
		    struct ca_error *err)
{
	if (q->status < -1 || q->status >= CA_STATUS_MAX || (unsigned)q->sort >= CA_SORT_MAX)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "unknown status or sort");
	if (q->q != NULL && strlen(q->q) > 256)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "the search text is over 256 characters");
	if (q->expires_within_days < 0 || q->expires_within_days > 36500)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "expires within must be 0 to 36500 days");
	return store_list(ca->store, q, clock_now(&ca->clock), out, err);
}

enum ca_err ca_count(struct ca *ca, struct ca_counts *out, struct ca_error *err)
{
	return store_count(ca->store, clock_now(&ca->clock), out, err);
}

enum ca_err ca_backup(struct ca *ca, const char *path, struct ca_error *err)
{
	return store_backup(ca->store, path, err);
}
