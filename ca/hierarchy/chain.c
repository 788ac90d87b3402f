/*
 * The code in this file implements the chain above the issuing CA
 * (hierarchy/chain.h) and the public calls over it: ca_chain, ca_root,
 * ca_chain_pem, ca_root_crl and ca_serve_check.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "file.h"
#include "hierarchy/bundle.h"
#include "hierarchy/chain.h"
#include "internal.h"
#include "x509/der.h"
#include "x509/dn.h"
#include "x509/oid.h"

struct hier_cert {
	struct ca_issuer pub;
	uint8_t *der;
	char *pem;
	char *subject;
	uint8_t *p7b;
};

struct hier {
	struct hier_cert above[HIER_MAX]; /* ca.pem's issuer first, the root last */
	size_t nabove;
	const struct ca_issuer *chain[HIER_MAX + 1]; /* the issuer, then above */
	size_t nchain;
	char *chain_pem; /* every PEM of chain, in order */
	uint8_t *p7b;	 /* the whole chain as PKCS#7 (the issuer's p7b) */
	size_t p7b_len;
};

/* The key type of a SubjectPublicKeyInfo, as far as privca names them
 * (CA_KEY_TYPE_MAX for another: an AD CS root's RSA-8192, say). */
static enum ca_key_type spki_type(const struct der_elem *spki)
{
	struct der_r r = der_in(spki), a;
	struct der_elem alg, oid, param, bits;
	if (!der_expect(&r, DER_SEQUENCE, &alg) || !der_expect(&r, DER_BIT_STRING, &bits))
		return CA_KEY_TYPE_MAX;
	a = der_in(&alg);
	if (!der_expect(&a, DER_OID, &oid))
		return CA_KEY_TYPE_MAX;
	if (der_oid_eq(&oid, (const uint8_t *)OID_ED25519, OID_LEN(OID_ED25519)))
		return CA_KEY_ED25519;
	if (der_oid_eq(&oid, (const uint8_t *)OID_EC_PUBLIC_KEY, OID_LEN(OID_EC_PUBLIC_KEY)) &&
	    der_expect(&a, DER_OID, &param)) {
		if (der_oid_eq(&param, (const uint8_t *)OID_P256, OID_LEN(OID_P256)))
			return CA_KEY_EC_P256;
		if (der_oid_eq(&param, (const uint8_t *)OID_P384, OID_LEN(OID_P384)))
			return CA_KEY_EC_P384;
		return CA_KEY_TYPE_MAX;
	}
	if (!der_oid_eq(&oid, (const uint8_t *)OID_RSA_ENCRYPTION, OID_LEN(OID_RSA_ENCRYPTION)))
		return CA_KEY_TYPE_MAX;
	/* RSAPublicKey { modulus, exponent }: the modulus' size names the type. */
	struct der_elem rk, mod;
	struct der_r br = {bits.val + 1, bits.len > 0 ? bits.len - 1 : 0}, kr;
	if (bits.len < 1 || !der_expect(&br, DER_SEQUENCE, &rk))
		return CA_KEY_TYPE_MAX;
	kr = der_in(&rk);
	if (!der_expect(&kr, DER_INTEGER, &mod))
		return CA_KEY_TYPE_MAX;
	size_t n = mod.len > 0 && mod.val[0] == 0 ? mod.len - 1 : mod.len;
	return n == 256	  ? CA_KEY_RSA_2048
	       : n == 384 ? CA_KEY_RSA_3072
	       : n == 512 ? CA_KEY_RSA_4096
			  : CA_KEY_TYPE_MAX;
}

/* Fill h->above[i] from a certificate DER (copied). */
static enum ca_err above_set(struct hier_cert *h, const uint8_t *der, size_t len,
			     const struct cert_parts *p, struct ca_error *err)
{
	if ((h->der = malloc(len)) == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	memcpy(h->der, der, len);
	h->pem = pem_encode("CERTIFICATE", der, len);
	h->subject = dn_to_string(p->subject.tlv, p->subject.tlv_len);
	const uint8_t *one[1] = {h->der};
	size_t p7_len = 0;
	if (h->pem == NULL || h->subject == NULL || ca_p7b(one, &len, 1, &h->p7b, &p7_len) != CA_OK)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	h->pub = (struct ca_issuer){
	    .der = h->der,
	    .der_len = len,
	    .pem = h->pem,
	    .p7b = h->p7b,
	    .p7b_len = p7_len,
	    .subject = h->subject,
	    .not_before = p->not_before,
	    .not_after = p->not_after,
	    .key_type = spki_type(&p->spki),
	};
	if (hash_sha256_hex(der, len, h->pub.fingerprint_sha256) != CA_OK ||
	    hash_sha1_hex(der, len, h->pub.fingerprint_sha1) != CA_OK)
		return ca_fail(err, CA_ERR_CRYPTO, "cannot fingerprint a CA certificate");
	return CA_OK;
}

/* Read DIR/name into b when it exists (*found). */
static enum ca_err read_opt(struct ca *ca, const char *name, struct bundle *b, bool *found,
			    struct ca_error *err)
{
	char path[PATH_MAX];
	uint8_t *buf = NULL;
	size_t len;
	enum ca_err rc;
	*found = false;
	if ((rc = file_path(path, ca->dir, name, err)) != CA_OK)
		return rc;
	if (access(path, F_OK) != 0)
		return CA_OK;
	*found = true;
	if ((rc = file_read(path, 0, &buf, &len, err)) != CA_OK)
		return rc;
	rc = bundle_read(buf, len, path, b, err);
	free(buf);
	return rc == CA_ERR_BAD_REQUEST ? CA_ERR_IO : rc;
}

enum ca_err hier_open(struct ca *ca, struct ca_error *err)
{
	struct bundle b = {0};
	struct cert_parts issuer;
	bool has_chain, has_root;
	enum ca_err rc;
	struct hier *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	ca->hier = h;
	if ((rc = read_opt(ca, "chain.pem", &b, &has_chain, err)) != CA_OK)
		goto out;
	size_t nmid = b.n;
	if ((rc = read_opt(ca, "root.pem", &b, &has_root, err)) != CA_OK)
		goto out;
	if (has_root && b.n != nmid + 1) {
		rc = ca_fail(err, CA_ERR_IO, "%s/root.pem must hold one certificate, the root",
			     ca->dir);
		goto out;
	}
	if (has_chain && !has_root) {
		rc = ca_fail(err, CA_ERR_IO, "%s has a chain.pem but no root.pem", ca->dir);
		goto out;
	}
	if (b.n > HIER_MAX) {
		rc = ca_fail(err, CA_ERR_IO, "%s: more than %d CA certificates above ca.pem",
			     ca->dir, HIER_MAX);
		goto out;
	}
	if (!cert_read(ca->cert_der, ca->cert_len, &issuer)) {
		rc = ca_fail(err, CA_ERR_IO, "%s/ca.pem does not hold a certificate", ca->dir);
		goto out;
	}
	/* Each certificate is issued by the next: ca.pem, chain.pem..., root.pem. */
	const struct cert_parts *below = &issuer;
	for (size_t i = 0; i < b.n; i++) {
		if (!cert_issued_by(below, &b.parts[i])) {
			rc = ca_fail(err, CA_ERR_IO,
				     "%s: %s does not follow on from the certificate below it "
				     "(its subject is not that certificate's issuer)",
				     ca->dir, i < nmid ? "a certificate of chain.pem" : "root.pem");
			goto out;
		}
		if ((rc = above_set(&h->above[i], b.der[i], b.len[i], &b.parts[i], err)) != CA_OK)
			goto out;
		h->nabove++;
		below = &b.parts[i];
	}

	/* The whole chain: the issuer first, then what is above it. */
	const uint8_t *ders[HIER_MAX + 1];
	size_t lens[HIER_MAX + 1], pem_len = 0;
	h->chain[0] = &ca->issuer;
	for (size_t i = 0; i < h->nabove; i++)
		h->chain[i + 1] = &h->above[i].pub;
	h->nchain = h->nabove + 1;
	for (size_t i = 0; i < h->nchain; i++) {
		ders[i] = h->chain[i]->der;
		lens[i] = h->chain[i]->der_len;
		pem_len += strlen(h->chain[i]->pem);
	}
	if ((h->chain_pem = malloc(pem_len + 1)) == NULL) {
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
		goto out;
	}
	h->chain_pem[0] = '\0';
	for (size_t i = 0; i < h->nchain; i++)
		strcat(h->chain_pem, h->chain[i]->pem);
	if (h->nabove > 0) {
		if ((rc = ca_p7b(ders, lens, h->nchain, &h->p7b, &h->p7b_len)) != CA_OK) {
			rc = ca_fail(err, rc, "out of memory");
			goto out;
		}
		ca->issuer.p7b = h->p7b; /* /ca.p7b: the whole chain */
		ca->issuer.p7b_len = h->p7b_len;
	}
	rc = CA_OK;
out:
	bundle_free(&b);
	return rc;
}

void hier_close(struct ca *ca)
{
	struct hier *h = ca->hier;
	if (h == NULL)
		return;
	for (size_t i = 0; i < h->nabove; i++) {
		free(h->above[i].der);
		free(h->above[i].pem);
		free(h->above[i].subject);
		free(h->above[i].p7b);
	}
	/* A partly filled entry (hier_open failed in above_set). */
	if (h->nabove < HIER_MAX) {
		free(h->above[h->nabove].der);
		free(h->above[h->nabove].pem);
		free(h->above[h->nabove].subject);
		free(h->above[h->nabove].p7b);
	}
	free(h->chain_pem);
	free(h->p7b);
	free(h);
	ca->hier = NULL;
}

enum ca_err hier_not_installed(const char *dir, struct ca_error *err)
{
	char path[PATH_MAX];
	if (file_path(path, dir, "ca.csr", NULL) == CA_OK && access(path, F_OK) == 0)
		return ca_fail(err, CA_ERR_NOT_FOUND,
			       "the CA in %s is not installed yet: have %s signed by the root "
			       "(AD CS: certreq -submit -attrib \"CertificateTemplate:SubCA\"), "
			       "then run privca install-ca --cert FILE --chain FILE",
			       dir, path);
	return ca_fail(err, CA_ERR_NOT_FOUND, "%s holds no CA (it has no ca.pem)", dir);
}

const struct ca_issuer *const *ca_chain(const struct ca *ca, size_t *n)
{
	*n = ca->hier->nchain;
	return ca->hier->chain;
}

const struct ca_issuer *ca_root(const struct ca *ca)
{
	return ca->hier->chain[ca->hier->nchain - 1];
}

const char *ca_chain_pem(const struct ca *ca)
{
	return ca->hier->chain_pem;
}

enum ca_err ca_root_crl(struct ca *ca, uint8_t **der, size_t *len, struct ca_error *err)
{
	char path[PATH_MAX];
	enum ca_err rc = file_path(path, ca->dir, "root.crl", err);
	if (rc != CA_OK)
		return rc;
	if (access(path, F_OK) != 0)
		return ca_fail(err, CA_ERR_NOT_FOUND,
			       ca->hier->nabove == 0
				   ? "this CA is its own root: its CRL is /crl"
				   : "no root CRL here: the root's own CRL is where its "
				     "certificates' CRL distribution point says");
	/* Read on each request: privca root crl, in another process, replaces
	 * it in one step, and the next GET serves the new one. */
	return file_read(path, 0, der, len, err);
}

enum ca_err ca_serve_check(const struct ca *ca, struct ca_error *err)
{
	char path[PATH_MAX];
	enum ca_err rc = file_path(path, ca->dir, "root.key", err);
	if (rc != CA_OK)
		return rc;
	if (access(path, F_OK) == 0)
		return ca_fail(err, CA_ERR_FORBIDDEN,
			       "%s is the root's private key: take it off this machine (copy it "
			       "to offline storage, then delete it here) before serving; the "
			       "commands that need it take --root-key FILE",
			       path);
	return CA_OK;
}
