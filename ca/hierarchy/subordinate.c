/*
 * The code in this file implements install-ca (ca_install): the last step
 * of a subordinate CA, once its request (ca.csr, from init --subordinate)
 * came back signed from the enterprise root (AD CS, an OpenSSL root).
 *
 * Every check runs before anything is written, so a refused certificate
 * leaves the directory as it was: the certificate is for ca.key, is a CA
 * that may sign certificates (RFC 5280 4.2.1.3, 4.2.1.9), is valid now,
 * and chains through CA certificates to a self-signed root, each signature
 * verified (crypto/pubkey.h) with the key of the certificate above it.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "crypto/keyfile.h"
#include "crypto/pubkey.h"
#include "file.h"
#include "hierarchy/bundle.h"
#include "hierarchy/chain.h"
#include "hierarchy/constraints.h"
#include "hierarchy/tiers.h"
#include "internal.h"
#include "tls.h"
#include "x509/der.h"
#include "x509/dn.h"
#include "x509/oid.h"

/* A certificate's subject in words, for messages (static buffer per call site). */
static const char *who(const struct cert_parts *p, char *buf, size_t cap)
{
	char *s = dn_to_string(p->subject.tlv, p->subject.tlv_len);
	snprintf(buf, cap, "'%s'", s ? s : "?");
	free(s);
	return buf;
}

/* Valid at now, and a CA that may sign certificates. */
static enum ca_err ca_cert_ok(const struct cert_parts *p, const char *file, bool ours, int64_t now,
			      struct ca_error *err)
{
	struct ca_facts f;
	char name[300], when[21];
	who(p, name, sizeof(name));
	if (!ca_facts_read(p, &f))
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "%s: the certificate %s has malformed extensions", file, name);
	if (!f.is_ca)
		return ca_fail(
		    err, CA_ERR_BAD_REQUEST,
		    "%s: the certificate %s is not a CA certificate (no basicConstraints "
		    "cA TRUE)%s",
		    file, name,
		    ours ? ": have the request signed with a CA template (AD CS: "
			   "SubCA; openssl ca: -extensions v3_ca)"
			 : "");
	if (f.has_ku && !f.key_cert_sign)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "%s: the certificate %s may not sign certificates (its keyUsage "
			       "lacks keyCertSign)",
			       file, name);
	if (ours && !f.has_ku)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "%s: the certificate %s has no keyUsage; an issuing CA needs "
			       "keyCertSign and cRLSign",
			       file, name);
	if (now < p->not_before) {
		ca_time_rfc3339(p->not_before, when);
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "%s: the certificate %s is not valid before %s", file, name, when);
	}
	if (now >= p->not_after) {
		ca_time_rfc3339(p->not_after, when);
		return ca_fail(err, CA_ERR_BAD_REQUEST, "%s: the certificate %s expired at %s",
			       file, name, when);
	}
	return CA_OK;
}

/* The signature algorithms a CA certificate may be signed with here. */
static const struct {
	const char *oid;
	size_t len;
	enum pubkey_hash hash; /* ignored for Ed25519 */
} sig_algs[] = {
    {OID_SHA256_RSA, OID_LEN(OID_SHA256_RSA), PUBKEY_SHA256},
    {OID_SHA384_RSA, OID_LEN(OID_SHA384_RSA), PUBKEY_SHA384},
    {OID_SHA512_RSA, OID_LEN(OID_SHA512_RSA), PUBKEY_SHA512},
    {OID_ECDSA_SHA256, OID_LEN(OID_ECDSA_SHA256), PUBKEY_SHA256},
    {OID_ECDSA_SHA384, OID_LEN(OID_ECDSA_SHA384), PUBKEY_SHA384},
    {OID_ECDSA_SHA512, OID_LEN(OID_ECDSA_SHA512), PUBKEY_SHA512},
    {OID_ED25519, OID_LEN(OID_ED25519), PUBKEY_SHA256},
};

/*
 * Does the signature on cert (a certificate DER) verify with the key in
 * spki (its issuer's SubjectPublicKeyInfo)? The structure is read here and
 * the signature checked with crypto/pubkey.h: wolfSSL's certificate parser
 * refuses some CA certificates openssl and Windows take (5.5.4: a
 * nameConstraints before basicConstraints, error -198). 1 verifies, 0 does
 * not, -1 an algorithm or key privca does not take (SHA-1, RSA-PSS, ...).
 */
static int sig_verify(const uint8_t *cert, size_t len, const uint8_t *spki, size_t spki_len)
{
	struct der_r r = {cert, len}, c, a;
	struct der_elem seq, tbs, alg, oid, bits;
	if (!der_expect(&r, DER_SEQUENCE, &seq))
		return 0;
	c = der_in(&seq);
	if (!der_expect(&c, DER_SEQUENCE, &tbs) || !der_expect(&c, DER_SEQUENCE, &alg) ||
	    !der_expect(&c, DER_BIT_STRING, &bits) || bits.len < 2 || bits.val[0] != 0)
		return 0;
	a = der_in(&alg);
	if (!der_expect(&a, DER_OID, &oid))
		return 0;
	size_t k = 0;
	while (k < sizeof(sig_algs) / sizeof(sig_algs[0]) &&
	       !der_oid_eq(&oid, (const uint8_t *)sig_algs[k].oid, sig_algs[k].len))
		k++;
	struct pubkey *pk = NULL;
	if (k == sizeof(sig_algs) / sizeof(sig_algs[0]) ||
	    pubkey_from_spki(spki, spki_len, &pk, NULL) != CA_OK)
		return -1;
	int ok = pubkey_verify(pk, sig_algs[k].hash, tbs.tlv, tbs.tlv_len, bits.val + 1,
			       bits.len - 1, NULL) == CA_OK;
	pubkey_free(pk);
	return ok;
}

/*
 * Verify every signature of chain[0..n) (chain[n-1] the self-signed root):
 * each with the key of the certificate above it, the root with its own.
 */
static enum ca_err chain_verify(const struct bundle *pool, const size_t *chain, size_t n,
				const char *file, struct ca_error *err)
{
	char name[300], up[300];
	for (size_t k = 0; k < n; k++) {
		size_t i = chain[k], above = chain[k + 1 < n ? k + 1 : k];
		const struct der_elem *spki = &pool->parts[above].spki;
		int v = sig_verify(pool->der[i], pool->len[i], spki->tlv, spki->tlv_len);
		if (v < 0)
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "%s: %s is signed with an algorithm or key privca does not "
				       "accept (SHA-256/384/512 with RSA 2048-4096 or ECDSA, or "
				       "Ed25519)",
				       file, who(&pool->parts[i], name, sizeof(name)));
		if (v == 0)
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "%s: the signature on %s does not verify with the key of %s "
				       "(a broken or forged chain)",
				       file, who(&pool->parts[i], name, sizeof(name)),
				       who(&pool->parts[above], up, sizeof(up)));
	}
	return CA_OK;
}

/*
 * Find ours in the pool (its key is ca.key's) and the chain above it up to
 * a self-issued root: chain[0] ours, chain[*n-1] the root.
 */
static enum ca_err chain_build(const struct bundle *pool, const uint8_t *spki, size_t spki_len,
			       const char *cert_file, const char *chain_file, const char *key_file,
			       int64_t now, size_t chain[HIER_MAX + 1], size_t *n,
			       struct ca_error *err)
{
	char name[300];
	enum ca_err rc;
	size_t me = pool->n;
	for (size_t i = 0; i < pool->n; i++)
		if (pool->parts[i].spki.tlv_len == spki_len &&
		    memcmp(pool->parts[i].spki.tlv, spki, spki_len) == 0) {
			me = i;
			break;
		}
	if (me == pool->n)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "%s is not a certificate for %s: its public key is another (was it "
			       "issued for this directory's ca.csr?)",
			       cert_file, key_file);
	if ((rc = ca_cert_ok(&pool->parts[me], cert_file, true, now, err)) != CA_OK)
		return rc;
	chain[0] = me;
	*n = 1;
	size_t cur = me;
	const char *chain_what = chain_file ? chain_file : cert_file;
	while (!cert_issued_by(&pool->parts[cur], &pool->parts[cur])) {
		size_t up = pool->n;
		for (size_t i = 0; i < pool->n && up == pool->n; i++) {
			bool used = false;
			for (size_t k = 0; k < *n; k++)
				used |= chain[k] == i;
			if (!used && cert_issued_by(&pool->parts[cur], &pool->parts[i]))
				up = i;
		}
		if (up == pool->n) {
			char *iss = dn_to_string(pool->parts[cur].issuer.tlv,
						 pool->parts[cur].issuer.tlv_len);
			rc = ca_fail(err, CA_ERR_BAD_REQUEST,
				     "%s does not lead to a root: it has no certificate for '%s', "
				     "the issuer of %s",
				     chain_what, iss ? iss : "?",
				     who(&pool->parts[cur], name, sizeof(name)));
			free(iss);
			return rc;
		}
		if (*n == HIER_MAX + 1)
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "%s: the chain is longer than %d certificates", chain_what,
				       HIER_MAX + 1);
		if ((rc = ca_cert_ok(&pool->parts[up], chain_what, false, now, err)) != CA_OK)
			return rc;
		chain[(*n)++] = up;
		cur = up;
	}
	if (*n == 1)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "%s is self-signed: a subordinate's certificate is signed by the "
			       "root above it",
			       cert_file);
	return CA_OK;
}

/* Read path into pool. */
static enum ca_err pool_read(const char *path, struct bundle *pool, struct ca_error *err)
{
	uint8_t *buf = NULL;
	size_t len;
	enum ca_err rc = file_read(path, 0, &buf, &len, err);
	if (rc != CA_OK)
		return rc == CA_ERR_IO ? CA_ERR_BAD_REQUEST : rc;
	rc = bundle_read(buf, len, path, pool, err);
	free(buf);
	return rc;
}

/* The PEM of pool certificates chain[from..to), concatenated; free(). */
static char *pems(const struct bundle *pool, const size_t *chain, size_t from, size_t to)
{
	size_t total = 0;
	char *v[HIER_MAX + 1] = {0}, *out = NULL;
	for (size_t k = from; k < to; k++) {
		if ((v[k] = pem_encode("CERTIFICATE", pool->der[chain[k]], pool->len[chain[k]])) ==
		    NULL)
			goto out;
		total += strlen(v[k]);
	}
	if ((out = malloc(total + 1)) == NULL)
		goto out;
	out[0] = '\0';
	for (size_t k = from; k < to; k++)
		strcat(out, v[k]);
out:
	for (size_t k = from; k < to; k++)
		free(v[k]);
	return out;
}

static const char *const installed[] = {"ca.pem", "chain.pem", "root.pem", "tls.key", "tls.pem"};

/* The directory holds a request made by init --subordinate, and nothing
 * install writes. */
static enum ca_err install_ready(const char *dir, const struct ca_install_opts *o,
				 struct ca_error *err)
{
	char path[PATH_MAX];
	enum ca_err rc;
	if (o->cert == NULL)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "give the CA certificate (--cert FILE)");
	if ((rc = file_path(path, dir, "ca.csr", err)) != CA_OK)
		return rc;
	if (access(path, F_OK) != 0)
		return ca_fail(err, CA_ERR_NOT_FOUND,
			       "%s holds no subordinate CA request (ca.csr): make one with privca "
			       "init --subordinate",
			       dir);
	for (size_t i = 0; i < sizeof(installed) / sizeof(installed[0]); i++) {
		if ((rc = file_path(path, dir, installed[i], err)) != CA_OK)
			return rc;
		if (access(path, F_OK) == 0)
			return ca_fail(err, CA_ERR_EXISTS,
				       "the CA in %s is installed already (%s exists)", dir,
				       installed[i]);
	}
	return CA_OK;
}

/* The CA key's SubjectPublicKeyInfo (malloc'd); the key is closed at once:
 * only its public half is needed, and a token allows one session. */
static enum ca_err key_spki(const char *key_path, const char *pass_file, uint8_t **spki,
			    size_t *len, struct ca_error *err)
{
	struct signer *k = NULL;
	enum ca_err rc = keyfile_open(key_path, pass_file, &k, err);
	if (rc != CA_OK)
		return rc;
	rc = signer_spki(k, spki, len);
	signer_close(k);
	return rc == CA_OK ? CA_OK : ca_fail(err, rc, "cannot encode the CA public key");
}

/* root.pem, chain.pem (only with intermediates between) and ca.pem. */
static enum ca_err write_chain(const char *dir, const char *root, const char *mid, const char *me,
			       struct ca_error *err)
{
	char path[PATH_MAX];
	enum ca_err rc;
	if ((rc = file_path(path, dir, "root.pem", err)) != CA_OK ||
	    (rc = file_write_new(path, 0644, root, strlen(root), err)) != CA_OK)
		return rc;
	if (mid != NULL && ((rc = file_path(path, dir, "chain.pem", err)) != CA_OK ||
			    (rc = file_write_new(path, 0644, mid, strlen(mid), err)) != CA_OK))
		return rc;
	if ((rc = file_path(path, dir, "ca.pem", err)) != CA_OK)
		return rc;
	return file_write_new(path, 0644, me, strlen(me), err);
}

enum ca_err ca_install(const char *dir, const struct ca_install_opts *o, struct ca_error *err)
{
	char path[PATH_MAX], key_path[PATH_MAX];
	struct bundle pool = {0};
	uint8_t *spki = NULL;
	size_t spki_len, chain[HIER_MAX + 1], n = 0;
	struct nc *nc = NULL;
	struct name *tls = NULL;
	size_t ntls = 0;
	struct ca *ca = NULL;
	char *mid = NULL, *root = NULL, *me = NULL;
	bool writing = false;
	enum ca_err rc;

	if ((rc = install_ready(dir, o, err)) != CA_OK)
		return rc;
	if ((rc = file_path(key_path, dir, "ca.key", err)) != CA_OK ||
	    (rc = key_spki(key_path, o->key_pass_file, &spki, &spki_len, err)) != CA_OK)
		goto out;
	if ((rc = pool_read(o->cert, &pool, err)) != CA_OK ||
	    (o->chain != NULL && (rc = pool_read(o->chain, &pool, err)) != CA_OK))
		goto out;
	if ((rc = chain_build(&pool, spki, spki_len, o->cert, o->chain, key_path, clock_system(),
			      chain, &n, err)) != CA_OK ||
	    (rc = chain_verify(&pool, chain, n, o->chain ? o->chain : o->cert, err)) != CA_OK)
		goto out;
	/* The constraints it carries are the ones the service's name obeys. */
	const struct cert_parts *mine = &pool.parts[chain[0]];
	if (mine->exts.len > 0 &&
	    (rc = nc_from_exts(mine->exts.val, mine->exts.len, &nc, err)) != CA_OK) {
		rc = ca_fail(err, CA_ERR_BAD_REQUEST, "%s: %s", o->cert, err ? err->detail : "");
		goto out;
	}
	struct ca_init_opts io = {.hostnames = o->hostnames, .nhostnames = o->nhostnames};
	if ((rc = tls_names(&io, &tls, &ntls, err)) != CA_OK ||
	    (rc = hier_tls_filter(nc, 3, tls, &ntls, err)) != CA_OK)
		goto out;
	if ((me = pems(&pool, chain, 0, 1)) == NULL ||
	    (root = pems(&pool, chain, n - 1, n)) == NULL ||
	    (n > 2 && (mid = pems(&pool, chain, 1, n - 1)) == NULL)) {
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
		goto out;
	}

	writing = true;
	struct ca_open_opts oo = {.key_pass_file = o->key_pass_file};
	if ((rc = write_chain(dir, root, mid, me, err)) != CA_OK ||
	    (rc = ca_open_ex(dir, &oo, &ca, err)) != CA_OK)
		goto out;
	rc = tls_init(ca, &io, tls, ntls, err);
out:
	ca_close(ca);
	if (rc != CA_OK && writing)
		for (size_t i = 0; i < sizeof(installed) / sizeof(installed[0]); i++)
			if (file_path(path, dir, installed[i], NULL) == CA_OK)
				unlink(path);
	bundle_free(&pool);
	free(spki);
	free(nc);
	free(tls);
	free(me);
	free(mid);
	free(root);
	return rc;
}
