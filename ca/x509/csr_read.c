/*
 * The code in this file implements csr.h: reading a PKCS#10
 * CertificationRequest (RFC 2986) with der.h, checking its signature
 * algorithm against privca's allowlist (design.md section 3), and handing
 * its key and self-signature to crypto/pubkey.h, which checks the key and
 * verifies the signature.
 *
 * CertificationRequest ::= SEQUENCE {
 *     certificationRequestInfo SEQUENCE {
 *         version       INTEGER { v1(0) },
 *         subject       Name,
 *         subjectPKInfo SubjectPublicKeyInfo,
 *         attributes    [0] IMPLICIT SET OF Attribute },
 *     signatureAlgorithm AlgorithmIdentifier,
 *     signature          BIT STRING }
 *
 * The input comes from the network: every length is read through der.h,
 * nothing is trusted before it has been checked, and every error path goes
 * through the single out: label in csr_parse.
 */
#include "errors.h"
#include "x509/csr.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "crypto/pubkey.h"
#include "x509/der.h"
#include "x509/dn.h"
#include "x509/ext.h"
#include "x509/oid.h"

/* Far above any real request (a 4096-bit key and hundreds of SANs is < 32 KiB). */
#define CSR_MAX_INPUT (256 * 1024)

#define NOT_CSR "the request is not a PKCS#10 CSR: "

/* ---- Algorithm tables ---------------------------------------------------- */

enum verdict { ALLOWED, WEAK, UNSUPPORTED };

struct sig_alg {
	const char *name;
	const char *oid;
	size_t oid_len;
	enum verdict verdict;
	enum csr_key_alg key;  /* for ALLOWED entries */
	enum pubkey_hash hash; /* for ALLOWED RSA and ECDSA entries */
};

/* clang-format off */
#define S(n, o, v, k, h) {n, o, OID_LEN(o), v, k, h}
static const struct sig_alg sig_algs[] = {
    S("sha256WithRSAEncryption", OID_SHA256_RSA, ALLOWED, CSR_KEY_RSA, PUBKEY_SHA256),
    S("sha384WithRSAEncryption", OID_SHA384_RSA, ALLOWED, CSR_KEY_RSA, PUBKEY_SHA384),
    S("sha512WithRSAEncryption", OID_SHA512_RSA, ALLOWED, CSR_KEY_RSA, PUBKEY_SHA512),
    S("ecdsa-with-SHA256", OID_ECDSA_SHA256, ALLOWED, CSR_KEY_EC, PUBKEY_SHA256),
    S("ecdsa-with-SHA384", OID_ECDSA_SHA384, ALLOWED, CSR_KEY_EC, PUBKEY_SHA384),
    S("ecdsa-with-SHA512", OID_ECDSA_SHA512, ALLOWED, CSR_KEY_EC, PUBKEY_SHA512),
    S("Ed25519", OID_ED25519, ALLOWED, CSR_KEY_ED25519, PUBKEY_SHA512),
    S("sha1WithRSAEncryption", OID_SHA1_RSA, WEAK, 0, 0),
    S("sha1WithRSA", "\x2b\x0e\x03\x02\x1d", WEAK, 0, 0),
    S("md5WithRSAEncryption", OID_MD5_RSA, WEAK, 0, 0),
    S("md2WithRSAEncryption", "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x02", WEAK, 0, 0),
    S("ecdsa-with-SHA1", OID_ECDSA_SHA1, WEAK, 0, 0),
    S("dsa-with-SHA1", "\x2a\x86\x48\xce\x38\x04\x03", WEAK, 0, 0),
    S("RSASSA-PSS", OID_RSASSA_PSS, UNSUPPORTED, 0, 0),
    S("sha224WithRSAEncryption", "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0e", UNSUPPORTED, 0, 0),
    S("ecdsa-with-SHA224", "\x2a\x86\x48\xce\x3d\x04\x03\x01", UNSUPPORTED, 0, 0),
    S("Ed448", "\x2b\x65\x71", UNSUPPORTED, 0, 0),
};
#undef S
/* clang-format on */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Microsoft's older attribute for requested extensions (szOID_CERT_EXTENSIONS). */
#define OID_MS_CERT_EXTENSIONS "\x2b\x06\x01\x04\x01\x82\x37\x02\x01\x0e"

/* ---- Small helpers --------------------------------------------------------- */

static enum ca_err bad(struct ca_error *err, const char *why)
{
	return ca_fail(err, CA_ERR_BAD_CSR, NOT_CSR "%s", why);
}

/* AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL } */
static bool read_algid(const struct der_elem *seq, struct der_elem *oid, struct der_elem *params,
		       bool *has_params)
{
	if (seq->tag != DER_SEQUENCE)
		return false;
	struct der_r r = der_in(seq);
	if (!der_expect(&r, DER_OID, oid) || oid->len == 0)
		return false;
	*has_params = r.len > 0;
	if (*has_params && !der_next(&r, params))
		return false;
	return r.len == 0;
}

static bool is_null(const struct der_elem *e)
{
	return e->tag == DER_NULL && e->len == 0;
}

/* A reader over all of a constructed element's content must step cleanly. */
static bool tlvs_ok(const struct der_elem *e)
{
	struct der_r r = der_in(e);
	struct der_elem x;
	while (r.len > 0)
		if (!der_next(&r, &x))
			return false;
	return true;
}

/* ---- Input forms ------------------------------------------------------------ */

static enum ca_err load(const uint8_t *in, size_t n, struct csr *c, struct ca_error *err)
{
	static const char *const labels[] = {"CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST",
					     NULL};
	if (in[0] == DER_SEQUENCE) {
		c->der = malloc(n);
		if (c->der == NULL)
			return ca_fail(err, CA_ERR_NOMEM, "out of memory reading the CSR");
		memcpy(c->der, in, n);
		c->der_len = n;
		return CA_OK;
	}
	if (pem_looks(in, n)) {
		if (!pem_decode(in, n, labels, &c->der, &c->der_len))
			return bad(err, "no \"-----BEGIN CERTIFICATE REQUEST-----\" (or NEW "
					"CERTIFICATE REQUEST) block with valid base64 was found");
		return CA_OK;
	}
	if (!b64_decode(in, n, &c->der, &c->der_len))
		return bad(err, "it is neither PEM, DER nor base64 of DER");
	if (c->der_len == 0)
		return bad(err, "it is empty");
	return CA_OK;
}

/* ---- subjectAltName (RFC 5280 4.2.1.6) ------------------------------------- */

static enum ca_err push(char ***list, size_t *n, char *s, struct ca_error *err)
{
	if (s == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory reading the CSR");
	char **l = realloc(*list, (*n + 1) * sizeof(**list));
	if (l == NULL) {
		free(s);
		return ca_fail(err, CA_ERR_NOMEM, "out of memory reading the CSR");
	}
	l[(*n)++] = s;
	*list = l;
	return CA_OK;
}

static enum ca_err read_san(struct csr *c, const struct der_elem *octets, struct ca_error *err)
{
	struct der_r r = der_in(octets);
	struct der_elem names;
	if (!der_expect(&r, DER_SEQUENCE, &names) || r.len != 0)
		return bad(err, "its subjectAltName extension is malformed");
	struct der_r g = der_in(&names);
	while (g.len > 0) {
		struct der_elem gn;
		enum ca_err rc = CA_OK;
		if (!der_next(&g, &gn))
			return bad(err, "its subjectAltName extension is malformed");
		switch (gn.tag) {
		case DER_CTX(2): { /* dNSName IA5String */
			for (size_t i = 0; i < gn.len; i++)
				if (gn.val[i] == 0 || gn.val[i] >= 0x80)
					return bad(err, "a dNSName in subjectAltName holds a NUL "
							"or non-ASCII byte");
			char *s = malloc(gn.len + 1);
			if (s != NULL) {
				memcpy(s, gn.val, gn.len);
				s[gn.len] = '\0';
			}
			rc = push(&c->dns, &c->ndns, s, err);
			break;
		}
		case DER_CTX(7): { /* iPAddress */
			char text[INET6_ADDRSTRLEN];
			int af = gn.len == 4 ? AF_INET : gn.len == 16 ? AF_INET6 : 0;
			if (af == 0 || inet_ntop(af, gn.val, text, sizeof(text)) == NULL)
				return bad(err, "an iPAddress in subjectAltName is not 4 or 16 "
						"bytes long");
			rc = push(&c->ips, &c->nips, strdup(text), err);
			break;
		}
		case DER_CTX_CONS(0): /* otherName (UPN, ...) */
		case DER_CTX(1):      /* rfc822Name */
		case DER_CTX_CONS(3): /* x400Address */
		case DER_CTX_CONS(4): /* directoryName */
		case DER_CTX_CONS(5): /* ediPartyName */
		case DER_CTX(6):      /* uniformResourceIdentifier */
		case DER_CTX(8):      /* registeredID */
			c->other_sans = true;
			break;
		default:
			return bad(err, "its subjectAltName holds an unknown GeneralName type");
		}
		if (rc != CA_OK)
			return rc;
	}
	return CA_OK;
}

/*
 * Extensions ::= SEQUENCE OF Extension; Extension ::= SEQUENCE { extnID,
 * critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. Only
 * subjectAltName matters; the CA decides every other extension itself.
 */
static enum ca_err read_exts(struct csr *c, const struct der_elem *exts, struct der_elem *san,
			     bool *have_san, struct ca_error *err)
{
	struct der_r r = der_in(exts);
	while (r.len > 0) {
		struct der_elem e;
		struct ext ext;
		if (!der_expect(&r, DER_SEQUENCE, &e) || !ext_read(&e, &ext))
			return bad(err, "an extension in its extensionRequest is malformed");
		if (!der_oid_eq(&ext.id, (const uint8_t *)OID_CE_SAN, OID_LEN(OID_CE_SAN)))
			continue;
		const struct der_elem val = ext.value;
		if (*have_san) {
			/* Windows may repeat its extensions in a second attribute. */
			if (san->len == val.len && memcmp(san->val, val.val, val.len) == 0)
				continue;
			return bad(err, "it requests two different subjectAltName extensions");
		}
		enum ca_err rc = read_san(c, &val, err);
		if (rc != CA_OK)
			return rc;
		*san = val;
		*have_san = true;
	}
	return CA_OK;
}

/* Attributes: the extension requests are read, everything else is skipped. */
static enum ca_err read_attrs(struct csr *c, const struct der_elem *attrs, struct ca_error *err)
{
	struct der_elem san = {0};
	bool have_san = false, seen_pkcs9 = false;
	struct der_r r = der_in(attrs);
	while (r.len > 0) {
		struct der_elem a, type, values;
		if (!der_expect(&r, DER_SEQUENCE, &a))
			return bad(err, "an attribute is malformed");
		struct der_r x = der_in(&a);
		if (!der_expect(&x, DER_OID, &type) || type.len == 0 ||
		    !der_expect(&x, DER_SET, &values) || x.len != 0 || !tlvs_ok(&values))
			return bad(err, "an attribute is malformed");
		bool pkcs9 = der_oid_eq(&type, (const uint8_t *)OID_EXTENSION_REQUEST,
					OID_LEN(OID_EXTENSION_REQUEST));
		bool ms = der_oid_eq(&type, (const uint8_t *)OID_MS_CERT_EXTENSIONS,
				     OID_LEN(OID_MS_CERT_EXTENSIONS));
		if (!pkcs9 && !ms)
			continue; /* challengePassword, Microsoft OS version, ... */
		if (pkcs9 && seen_pkcs9)
			return bad(err, "it has two extensionRequest attributes");
		seen_pkcs9 = seen_pkcs9 || pkcs9;
		struct der_r v = der_in(&values);
		struct der_elem exts;
		if (!der_expect(&v, DER_SEQUENCE, &exts) || v.len != 0)
			return bad(err, "its extensionRequest attribute must hold one "
					"Extensions value");
		enum ca_err rc = read_exts(c, &exts, &san, &have_san, err);
		if (rc != CA_OK)
			return rc;
	}
	return CA_OK;
}

/* ---- Structure ----------------------------------------------------------- */

struct parts {
	struct der_elem cri;
	struct der_elem sig_oid, sig_params;
	bool sig_has_params;
	const uint8_t *sig;
	size_t sig_len;
	struct der_elem attrs;
	bool has_attrs;
};

static enum ca_err read_structure(struct csr *c, struct parts *p, struct ca_error *err)
{
	struct der_r r = {c->der, c->der_len};
	struct der_elem req, alg, sig, ver, subj, spki, kalg, kbits, koid, kparams;
	bool khas_params;
	if (!der_expect(&r, DER_SEQUENCE, &req))
		return bad(err, "it does not start with a DER SEQUENCE");
	if (r.len != 0)
		return bad(err, "there are bytes after the end of the request");
	struct der_r q = der_in(&req);
	if (!der_expect(&q, DER_SEQUENCE, &p->cri))
		return bad(err, "certificationRequestInfo is missing or malformed");
	if (!der_expect(&q, DER_SEQUENCE, &alg) ||
	    !read_algid(&alg, &p->sig_oid, &p->sig_params, &p->sig_has_params))
		return bad(err, "signatureAlgorithm is missing or malformed");
	if (!der_expect(&q, DER_BIT_STRING, &sig) || sig.len < 2 || sig.val[0] != 0)
		return bad(err, "the signature BIT STRING is missing or malformed");
	if (q.len != 0)
		return bad(err, "there is data after the signature");
	p->sig = sig.val + 1;
	p->sig_len = sig.len - 1;

	struct der_r i = der_in(&p->cri);
	if (!der_expect(&i, DER_INTEGER, &ver) || ver.len != 1 || ver.val[0] != 0)
		return bad(err, "its version is not v1 (0)");
	if (!der_expect(&i, DER_SEQUENCE, &subj) || !dn_valid(subj.tlv, subj.tlv_len))
		return bad(err, "its subject Name is missing or malformed");
	c->subject = subj.tlv;
	c->subject_len = subj.tlv_len;
	if (!der_expect(&i, DER_SEQUENCE, &spki))
		return bad(err, "its SubjectPublicKeyInfo is missing");
	c->spki = spki.tlv;
	c->spki_len = spki.tlv_len;
	struct der_r k = der_in(&spki);
	if (!der_expect(&k, DER_SEQUENCE, &kalg) ||
	    !read_algid(&kalg, &koid, &kparams, &khas_params) ||
	    !der_expect(&k, DER_BIT_STRING, &kbits) || kbits.len < 2 || kbits.val[0] != 0 ||
	    k.len != 0)
		return bad(err, "its SubjectPublicKeyInfo is malformed");
	c->pubkey = kbits.val + 1;
	c->pubkey_len = kbits.len - 1;
	/* RFC 2986 makes [0] mandatory; a missing one is harmless, so allow it. */
	p->has_attrs = i.len > 0;
	if (p->has_attrs && (!der_expect(&i, DER_CTX_CONS(0), &p->attrs) || i.len != 0))
		return bad(err, "its attributes are malformed");
	return CA_OK;
}

/* ---- Key and signature ------------------------------------------------ */

/*
 * pubkey.h speaks of "the key"; say that it is the CSR's. A malformed key
 * makes the request not a CSR, as any other malformed part does.
 */
static enum ca_err key_fail(struct ca_error *err, enum ca_err rc, const struct ca_error *why)
{
	if (rc == CA_ERR_BAD_REQUEST)
		return bad(err, why->detail);
	return ca_fail(err, rc, "%s", why->detail);
}

static enum ca_err read_key(struct csr *c, struct pubkey **k, struct ca_error *err)
{
	struct ca_error why = {0};
	enum ca_err rc = pubkey_from_spki(c->spki, c->spki_len, k, &why);
	if (rc != CA_OK)
		return key_fail(err, rc, &why);
	c->key_alg = (enum csr_key_alg)pubkey_type(*k);
	c->key_bits = pubkey_bits(*k);
	return CA_OK;
}

static enum ca_err check_sig_alg(const struct csr *c, const struct parts *p,
				 const struct sig_alg **out, struct ca_error *err)
{
	const struct sig_alg *sa = NULL;
	for (size_t i = 0; i < COUNT(sig_algs) && sa == NULL; i++)
		if (der_oid_eq(&p->sig_oid, (const uint8_t *)sig_algs[i].oid, sig_algs[i].oid_len))
			sa = &sig_algs[i];
	char num[64];
	(void)der_oid_text(p->sig_oid.val, p->sig_oid.len, num, sizeof(num));
	if (sa == NULL || sa->verdict == UNSUPPORTED)
		return ca_fail(err, CA_ERR_BAD_CSR,
			       "the CSR's signature algorithm %s is not supported; sign with "
			       "SHA-256, SHA-384 or SHA-512 (RSA PKCS#1 v1.5 or ECDSA) or Ed25519",
			       sa ? sa->name : num);
	if (sa->verdict == WEAK)
		return ca_fail(err, CA_ERR_WEAK_KEY,
			       "the CSR is signed with %s; SHA-1 and MD5 signatures are refused: "
			       "sign with SHA-256 (e.g. openssl req -sha256)",
			       sa->name);
	bool params_ok =
	    !p->sig_has_params || (sa->key != CSR_KEY_ED25519 && is_null(&p->sig_params));
	if (!params_ok)
		return bad(err, "its signatureAlgorithm has unexpected parameters");
	if (sa->key != c->key_alg)
		return ca_fail(err, CA_ERR_BAD_CSR,
			       "the CSR is signed with %s but its key is %s: the signature cannot "
			       "belong to this key",
			       sa->name, pubkey_type_name((enum pubkey_type)c->key_alg));
	*out = sa;
	return CA_OK;
}

static enum ca_err verify(const struct parts *p, const struct sig_alg *sa, struct pubkey *k,
			  struct ca_error *err)
{
	struct ca_error why = {0};
	enum ca_err rc =
	    pubkey_verify(k, sa->hash, p->cri.tlv, p->cri.tlv_len, p->sig, p->sig_len, &why);
	if (rc == CA_ERR_BAD_SIGNATURE)
		return ca_fail(err, rc,
			       "the CSR's self-signature does not verify: the request was altered "
			       "or signed with a different key");
	if (rc != CA_OK)
		return ca_fail(err, rc, "%s (the CSR's self-signature)", why.detail);
	return CA_OK;
}

/* ---- Entry points -------------------------------------------------------- */

/* After the structure: the SAN, the key, the signature, the CN. */
static enum ca_err read_contents(struct csr *c, const struct parts *p, struct ca_error *err)
{
	struct pubkey *k = NULL;
	const struct sig_alg *sa = NULL;
	enum ca_err rc;
	if (p->has_attrs && (rc = read_attrs(c, &p->attrs, err)) != CA_OK)
		goto out;
	if ((rc = read_key(c, &k, err)) != CA_OK || (rc = check_sig_alg(c, p, &sa, err)) != CA_OK ||
	    (rc = verify(p, sa, k, err)) != CA_OK)
		goto out;
	rc = dn_last_cn(c->subject, c->subject_len, &c->cn);
	if (rc == CA_ERR_NOMEM)
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory reading the CSR");
	else if (rc != CA_OK)
		rc = bad(err, "its subject CN is not text (it does not decode to UTF-8 without NUL "
			      "bytes)");
out:
	pubkey_free(k);
	return rc;
}

enum ca_err csr_parse(const uint8_t *in, size_t n, struct csr *out, struct ca_error *err)
{
	struct csr c = {0};
	struct parts p = {0};
	enum ca_err rc;

	assert(out != NULL);
	memset(out, 0, sizeof(*out));
	if (in == NULL || n == 0) {
		rc = bad(err, "it is empty");
		goto out;
	}
	if (n > CSR_MAX_INPUT) {
		rc = bad(err, "it is larger than 256 KiB");
		goto out;
	}
	if ((rc = load(in, n, &c, err)) != CA_OK || (rc = read_structure(&c, &p, err)) != CA_OK)
		goto out;
	rc = read_contents(&c, &p, err);
out:
	if (rc != CA_OK)
		csr_free(&c);
	else
		*out = c;
	return rc;
}

void csr_free(struct csr *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->ndns; i++)
		free(c->dns[i]);
	free(c->dns);
	for (size_t i = 0; i < c->nips; i++)
		free(c->ips[i]);
	free(c->ips);
	free(c->cn);
	free(c->der);
	memset(c, 0, sizeof(*c));
}
