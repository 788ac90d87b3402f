/*
 * The code in this file implements csr.h: reading a PKCS#10
 * CertificationRequest (RFC 2986) with der.h, checking its key and
 * signature algorithm against privca's allowlist (design.md section 3), and
 * verifying the self-signature with wolfCrypt.
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
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/ed25519.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/rsa.h>

#include "errors.h"
#include "x509/csr.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "x509/der.h"
#include "x509/dn.h"
#include "x509/oid.h"

/* Far above any real request (a 4096-bit key and hundreds of SANs is < 32 KiB). */
#define CSR_MAX_INPUT (256 * 1024)

#define NOT_CSR "the request is not a PKCS#10 CSR: "

/* ---- Algorithm tables ---------------------------------------------------- */

enum hash { H_SHA256, H_SHA384, H_SHA512 };
enum verdict { ALLOWED, WEAK, UNSUPPORTED };

struct sig_alg {
	const char *name;
	const char *oid;
	size_t oid_len;
	enum verdict verdict;
	enum csr_key_alg key; /* for ALLOWED entries */
	enum hash hash;	      /* for ALLOWED RSA and ECDSA entries */
};

/* clang-format off */
#define S(n, o, v, k, h) {n, o, OID_LEN(o), v, k, h}
static const struct sig_alg sig_algs[] = {
    S("sha256WithRSAEncryption", OID_SHA256_RSA, ALLOWED, CSR_KEY_RSA, H_SHA256),
    S("sha384WithRSAEncryption", OID_SHA384_RSA, ALLOWED, CSR_KEY_RSA, H_SHA384),
    S("sha512WithRSAEncryption", OID_SHA512_RSA, ALLOWED, CSR_KEY_RSA, H_SHA512),
    S("ecdsa-with-SHA256", OID_ECDSA_SHA256, ALLOWED, CSR_KEY_EC, H_SHA256),
    S("ecdsa-with-SHA384", OID_ECDSA_SHA384, ALLOWED, CSR_KEY_EC, H_SHA384),
    S("ecdsa-with-SHA512", OID_ECDSA_SHA512, ALLOWED, CSR_KEY_EC, H_SHA512),
    S("Ed25519", OID_ED25519, ALLOWED, CSR_KEY_ED25519, H_SHA512),
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

struct named_oid {
	const char *name;
	const char *oid;
	size_t oid_len;
};

/* clang-format off */
#define N(n, o) {n, o, OID_LEN(o)}
/* Key types refused by name (anything else is refused by number). */
static const struct named_oid other_keys[] = {
    N("Ed448", "\x2b\x65\x71"),
    N("X25519", "\x2b\x65\x6e"),
    N("X448", "\x2b\x65\x6f"),
    N("DSA", "\x2a\x86\x48\xce\x38\x04\x01"),
    N("RSASSA-PSS", OID_RSASSA_PSS),
};
/* Curves refused by name. */
static const struct named_oid other_curves[] = {
    N("secp256k1", "\x2b\x81\x04\x00\x0a"),
    N("P-224", "\x2b\x81\x04\x00\x21"),
    N("P-192", "\x2a\x86\x48\xce\x3d\x03\x01\x01"),
    N("brainpoolP256r1", "\x2b\x24\x03\x03\x02\x08\x01\x01\x07"),
    N("brainpoolP384r1", "\x2b\x24\x03\x03\x02\x08\x01\x01\x0b"),
    N("brainpoolP512r1", "\x2b\x24\x03\x03\x02\x08\x01\x01\x0d"),
};
#undef N
/* clang-format on */

struct curve {
	const char *name;
	const char *oid;
	size_t oid_len;
	int id;	   /* wolfCrypt ecc_curve_id */
	int bytes; /* field element size */
	int bits;
	const char *prime; /* p, big-endian, bytes long: coordinates must be below it */
};

/* clang-format off */
static const struct curve curves[] = {
    {"P-256", OID_P256, OID_LEN(OID_P256), ECC_SECP256R1, 32, 256,
     "\xff\xff\xff\xff\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"},
    {"P-384", OID_P384, OID_LEN(OID_P384), ECC_SECP384R1, 48, 384,
     "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
     "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xfe"
     "\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff"},
    {"P-521", OID_P521, OID_LEN(OID_P521), ECC_SECP521R1, 66, 521,
     "\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
     "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
     "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
     "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
     "\xff\xff"},
};
/* clang-format on */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Microsoft's older attribute for requested extensions (szOID_CERT_EXTENSIONS). */
#define OID_MS_CERT_EXTENSIONS "\x2b\x06\x01\x04\x01\x82\x37\x02\x01\x0e"

/* DigestInfo prefixes (RFC 8017 section 9.2 note 1), with and without NULL. */
static const struct {
	enum hash hash;
	const char *prefix;
	size_t len;
} digest_infos[] = {
    {H_SHA256, "\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20", 19},
    {H_SHA384, "\x30\x41\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x02\x05\x00\x04\x30", 19},
    {H_SHA512, "\x30\x51\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x03\x05\x00\x04\x40", 19},
    {H_SHA256, "\x30\x2f\x30\x0b\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x04\x20", 17},
    {H_SHA384, "\x30\x3f\x30\x0b\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x02\x04\x30", 17},
    {H_SHA512, "\x30\x4f\x30\x0b\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x03\x04\x40", 17},
};

/* ---- Small helpers --------------------------------------------------------- */

static enum ca_err bad(struct ca_error *err, const char *why)
{
	return ca_fail(err, CA_ERR_BAD_CSR, NOT_CSR "%s", why);
}

/* Dotted-decimal text of an OID's content (for messages; "?" if odd). */
static void oid_text(const struct der_elem *e, char *buf, size_t cap)
{
	size_t k = 0;
	uint64_t v = 0;
	bool first = true;
	buf[0] = '\0';
	for (size_t i = 0; i < e->len && k < cap; i++) {
		if (v > (UINT64_MAX >> 7)) {
			snprintf(buf, cap, "?");
			return;
		}
		v = v << 7 | (e->val[i] & 0x7f);
		if (e->val[i] & 0x80)
			continue;
		int w;
		if (first) {
			unsigned a = v < 40 ? 0 : v < 80 ? 1 : 2;
			w = snprintf(buf + k, cap - k, "%u.%llu", a,
				     (unsigned long long)(v - 40u * a));
			first = false;
		} else {
			w = snprintf(buf + k, cap - k, ".%llu", (unsigned long long)v);
		}
		if (w < 0)
			break;
		k += (size_t)w;
		v = 0;
	}
	if (first)
		snprintf(buf, cap, "?");
}

static const struct named_oid *find_named(const struct named_oid *t, size_t n,
					  const struct der_elem *oid)
{
	for (size_t i = 0; i < n; i++)
		if (der_oid_eq(oid, (const uint8_t *)t[i].oid, t[i].oid_len))
			return &t[i];
	return NULL;
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
		struct der_elem ext, id, crit, val;
		if (!der_expect(&r, DER_SEQUENCE, &ext))
			return bad(err, "an extension in its extensionRequest is malformed");
		struct der_r x = der_in(&ext);
		if (!der_expect(&x, DER_OID, &id) || id.len == 0)
			return bad(err, "an extension in its extensionRequest is malformed");
		if (der_peek(&x, DER_BOOLEAN) &&
		    (!der_expect(&x, DER_BOOLEAN, &crit) || crit.len != 1 ||
		     (crit.val[0] != 0 && crit.val[0] != 0xff)))
			return bad(err, "an extension in its extensionRequest is malformed");
		if (!der_expect(&x, DER_OCTET_STRING, &val) || x.len != 0)
			return bad(err, "an extension in its extensionRequest is malformed");
		if (!der_oid_eq(&id, (const uint8_t *)OID_CE_SAN, OID_LEN(OID_CE_SAN)))
			continue;
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
	struct der_elem key_oid, key_params;
	bool key_has_params;
	struct der_elem attrs;
	bool has_attrs;
};

static enum ca_err read_structure(struct csr *c, struct parts *p, struct ca_error *err)
{
	struct der_r r = {c->der, c->der_len};
	struct der_elem req, alg, sig, ver, subj, spki, kalg, kbits;
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
	    !read_algid(&kalg, &p->key_oid, &p->key_params, &p->key_has_params) ||
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

/* ---- Keys ------------------------------------------------------------------ */

struct keys {
	RsaKey rsa;
	ecc_key ecc;
	ed25519_key ed;
	bool rsa_init, ecc_init, ed_init;
};

static void keys_free(struct keys *k)
{
	if (k->rsa_init)
		wc_FreeRsaKey(&k->rsa);
	if (k->ecc_init)
		wc_ecc_free(&k->ecc);
	if (k->ed_init)
		wc_ed25519_free(&k->ed);
	k->rsa_init = k->ecc_init = k->ed_init = false;
}

static enum ca_err check_rsa(struct csr *c, const struct parts *p, struct keys *k,
			     struct ca_error *err)
{
	if (p->key_has_params && !is_null(&p->key_params))
		return bad(err, "its rsaEncryption key has parameters other than NULL");
	struct der_r r = {c->pubkey, c->pubkey_len};
	struct der_elem seq, n, e;
	if (!der_expect(&r, DER_SEQUENCE, &seq) || r.len != 0)
		return bad(err, "its RSA public key is malformed");
	struct der_r x = der_in(&seq);
	if (!der_expect(&x, DER_INTEGER, &n) || !der_expect(&x, DER_INTEGER, &e) || x.len != 0)
		return bad(err, "its RSA public key is malformed");
	const uint8_t *m = n.val;
	size_t mlen = n.len;
	if (mlen == 0 || (m[0] & 0x80))
		return bad(err, "its RSA modulus is not a positive INTEGER");
	if (m[0] == 0) {
		if (mlen < 2 || !(m[1] & 0x80))
			return bad(err, "its RSA modulus is not minimally encoded");
		m++;
		mlen--;
	}
	int bits = (int)(mlen - 1) * 8; /* mlen <= CSR_MAX_INPUT: no overflow */
	for (unsigned t = m[0]; t; t >>= 1)
		bits++;
	c->key_bits = bits;
	if (bits < 2048 || bits > 4096)
		return ca_fail(err, CA_ERR_WEAK_KEY,
			       "the CSR's RSA key has %d bits; privca accepts RSA keys of 2048 to "
			       "4096 bits",
			       bits);
	uint64_t ev;
	if (!der_get_uint(&e, &ev))
		return ca_fail(err, CA_ERR_WEAK_KEY,
			       "the CSR's RSA public exponent is not 65537; only e = 65537 is "
			       "accepted");
	if (ev != 65537)
		return ca_fail(err, CA_ERR_WEAK_KEY,
			       "the CSR's RSA public exponent is %llu; only e = 65537 is accepted",
			       (unsigned long long)ev);
	int ret = wc_InitRsaKey(&k->rsa, NULL);
	if (ret != 0)
		return ca_fail(err, CA_ERR_CRYPTO, "wolfCrypt could not set up an RSA key (%d)",
			       ret);
	k->rsa_init = true;
	ret = wc_RsaPublicKeyDecodeRaw(m, (word32)mlen, e.val, (word32)e.len, &k->rsa);
	if (ret == MEMORY_E)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory reading the CSR's RSA key");
	if (ret != 0)
		return bad(err, "its RSA public key could not be loaded");
	return CA_OK;
}

static enum ca_err check_ec(struct csr *c, const struct parts *p, struct keys *k,
			    struct ca_error *err)
{
	if (!p->key_has_params)
		return bad(err, "its EC key names no curve");
	if (p->key_params.tag == DER_SEQUENCE)
		return ca_fail(err, CA_ERR_WEAK_KEY,
			       "the CSR's EC key has explicit curve parameters; use a named curve "
			       "(P-256, P-384 or P-521)");
	if (p->key_params.tag != DER_OID || p->key_params.len == 0)
		return bad(err, "its EC key parameters are malformed");
	size_t ci = 0;
	while (ci < COUNT(curves) &&
	       !der_oid_eq(&p->key_params, (const uint8_t *)curves[ci].oid, curves[ci].oid_len))
		ci++;
	if (ci == COUNT(curves)) {
		char num[64];
		const struct named_oid *no =
		    find_named(other_curves, COUNT(other_curves), &p->key_params);
		oid_text(&p->key_params, num, sizeof(num));
		return ca_fail(err, CA_ERR_WEAK_KEY,
			       "the CSR's EC curve %s%s%s%s is not supported; use P-256, P-384 or "
			       "P-521",
			       no ? no->name : "", no ? " (" : "", num, no ? ")" : "");
	}
	const struct curve *cv = &curves[ci];
	c->key_bits = cv->bits;
	if (c->pubkey_len == (size_t)cv->bytes + 1 && (c->pubkey[0] == 2 || c->pubkey[0] == 3))
		return ca_fail(err, CA_ERR_WEAK_KEY,
			       "the CSR's EC public key is compressed; privca accepts uncompressed "
			       "points only");
	if (c->pubkey_len != 2 * (size_t)cv->bytes + 1 || c->pubkey[0] != 4)
		return bad(err, "its EC public key is not an uncompressed point");
	/* SEC 1 3.2.2.1: coordinates in [0, p-1], point on the curve. The curves
	 * have cofactor 1, so the expensive n*Q = O check of wc_ecc_check_key
	 * adds nothing. */
	const uint8_t *x = c->pubkey + 1, *y = x + cv->bytes;
	if (memcmp(x, cv->prime, (size_t)cv->bytes) >= 0 ||
	    memcmp(y, cv->prime, (size_t)cv->bytes) >= 0)
		return ca_fail(err, CA_ERR_BAD_CSR,
			       NOT_CSR "its EC public key is not a point on %s", cv->name);
	int ret = wc_ecc_init_ex(&k->ecc, NULL, INVALID_DEVID);
	if (ret != 0)
		return ca_fail(err, CA_ERR_CRYPTO, "wolfCrypt could not set up an EC key (%d)",
			       ret);
	k->ecc_init = true;
	ret = wc_ecc_import_x963_ex(c->pubkey, (word32)c->pubkey_len, &k->ecc, cv->id);
	if (ret == 0)
		ret = wc_ecc_point_is_on_curve(&k->ecc.pubkey, k->ecc.idx);
	if (ret == MEMORY_E)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory reading the CSR's EC key");
	if (ret != 0)
		return ca_fail(err, CA_ERR_BAD_CSR,
			       NOT_CSR "its EC public key is not a point on %s", cv->name);
	return CA_OK;
}

static enum ca_err check_ed25519(struct csr *c, const struct parts *p, struct keys *k,
				 struct ca_error *err)
{
	if (p->key_has_params)
		return bad(err, "its Ed25519 key has parameters (RFC 8410 forbids them)");
	if (c->pubkey_len != ED25519_PUB_KEY_SIZE)
		return bad(err, "its Ed25519 public key is not 32 bytes");
	c->key_bits = 256;
	int ret = wc_ed25519_init(&k->ed);
	if (ret != 0)
		return ca_fail(err, CA_ERR_CRYPTO, "wolfCrypt could not set up an Ed25519 key (%d)",
			       ret);
	k->ed_init = true;
	if (wc_ed25519_import_public(c->pubkey, (word32)c->pubkey_len, &k->ed) != 0)
		return bad(err, "its Ed25519 public key is not valid");
	return CA_OK;
}

static enum ca_err check_key(struct csr *c, const struct parts *p, struct keys *k,
			     struct ca_error *err)
{
	const struct der_elem *o = &p->key_oid;
	if (der_oid_eq(o, (const uint8_t *)OID_RSA_ENCRYPTION, OID_LEN(OID_RSA_ENCRYPTION))) {
		c->key_alg = CSR_KEY_RSA;
		return check_rsa(c, p, k, err);
	}
	if (der_oid_eq(o, (const uint8_t *)OID_EC_PUBLIC_KEY, OID_LEN(OID_EC_PUBLIC_KEY))) {
		c->key_alg = CSR_KEY_EC;
		return check_ec(c, p, k, err);
	}
	if (der_oid_eq(o, (const uint8_t *)OID_ED25519, OID_LEN(OID_ED25519))) {
		c->key_alg = CSR_KEY_ED25519;
		return check_ed25519(c, p, k, err);
	}
	char num[64];
	const struct named_oid *no = find_named(other_keys, COUNT(other_keys), o);
	oid_text(o, num, sizeof(num));
	return ca_fail(err, CA_ERR_WEAK_KEY,
		       "unsupported key type %s%s%s%s in the CSR; use RSA (2048 to 4096 bits), "
		       "ECDSA P-256, P-384 or P-521, or Ed25519",
		       no ? no->name : "", no ? " (" : "", num, no ? ")" : "");
}

/* ---- Signature ----------------------------------------------------------- */

static const char *const key_names[] = {
    [CSR_KEY_RSA] = "RSA", [CSR_KEY_EC] = "EC", [CSR_KEY_ED25519] = "Ed25519"};

static enum ca_err check_sig_alg(const struct csr *c, const struct parts *p,
				 const struct sig_alg **out, struct ca_error *err)
{
	const struct sig_alg *sa = NULL;
	for (size_t i = 0; i < COUNT(sig_algs) && sa == NULL; i++)
		if (der_oid_eq(&p->sig_oid, (const uint8_t *)sig_algs[i].oid, sig_algs[i].oid_len))
			sa = &sig_algs[i];
	char num[64];
	oid_text(&p->sig_oid, num, sizeof(num));
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
			       sa->name, key_names[c->key_alg]);
	*out = sa;
	return CA_OK;
}

/* PKCS#1 v1.5: recover the DigestInfo and compare it with the expected one. */
static int verify_rsa(RsaKey *key, enum hash h, const uint8_t *digest, size_t dlen,
		      const uint8_t *sig, size_t sig_len, int *res)
{
	*res = 0;
	int ksz = wc_RsaEncryptSize(key);
	if (ksz <= 0 || sig_len != (size_t)ksz)
		return 0; /* RFC 8017 8.2.2 step 1: wrong length is an invalid signature */
	uint8_t *buf = malloc(sig_len);
	if (buf == NULL)
		return MEMORY_E;
	memcpy(buf, sig, sig_len);
	byte *plain = NULL;
	int pl = wc_RsaSSL_VerifyInline(buf, (word32)sig_len, &plain, key);
	for (size_t i = 0; pl > 0 && plain != NULL && i < COUNT(digest_infos); i++) {
		size_t len = digest_infos[i].len;
		if (digest_infos[i].hash == h && (size_t)pl == len + dlen &&
		    memcmp(plain, digest_infos[i].prefix, len) == 0 &&
		    memcmp(plain + len, digest, dlen) == 0)
			*res = 1;
	}
	free(buf);
	return pl == MEMORY_E ? MEMORY_E : 0;
}

static enum ca_err verify(const struct parts *p, const struct sig_alg *sa, struct keys *k,
			  struct ca_error *err)
{
	const uint8_t *msg = p->cri.tlv;
	word32 mlen = (word32)p->cri.tlv_len; /* < CSR_MAX_INPUT */
	byte digest[WC_SHA512_DIGEST_SIZE];
	size_t dlen = 0;
	int ret = 0, res = 0;
	if (sa->key != CSR_KEY_ED25519) {
		switch (sa->hash) {
		case H_SHA256:
			ret = wc_Sha256Hash(msg, mlen, digest);
			dlen = WC_SHA256_DIGEST_SIZE;
			break;
		case H_SHA384:
			ret = wc_Sha384Hash(msg, mlen, digest);
			dlen = WC_SHA384_DIGEST_SIZE;
			break;
		case H_SHA512:
			ret = wc_Sha512Hash(msg, mlen, digest);
			dlen = WC_SHA512_DIGEST_SIZE;
			break;
		}
		if (ret != 0)
			return ca_fail(err, CA_ERR_CRYPTO, "hashing the CSR failed (wolfCrypt %d)",
				       ret);
	}
	switch (sa->key) {
	case CSR_KEY_EC:
		ret = wc_ecc_verify_hash(p->sig, (word32)p->sig_len, digest, (word32)dlen, &res,
					 &k->ecc);
		break;
	case CSR_KEY_ED25519:
		if (p->sig_len == ED25519_SIG_SIZE)
			ret = wc_ed25519_verify_msg(p->sig, (word32)p->sig_len, msg, mlen, &res,
						    &k->ed);
		break;
	case CSR_KEY_RSA:
		ret = verify_rsa(&k->rsa, sa->hash, digest, dlen, p->sig, p->sig_len, &res);
		break;
	}
	if (ret == MEMORY_E)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory verifying the CSR");
	if (ret != 0 || res != 1)
		return ca_fail(err, CA_ERR_BAD_SIGNATURE,
			       "the CSR's self-signature does not verify: the request was altered "
			       "or signed with a different key");
	return CA_OK;
}

/* ---- Entry points -------------------------------------------------------- */

enum ca_err csr_parse(const uint8_t *in, size_t n, struct csr *out, struct ca_error *err)
{
	struct csr c = {0};
	struct parts p = {0};
	struct keys *k = NULL; /* RsaKey is large: keep it off the stack */
	const struct sig_alg *sa = NULL;
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
	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory reading the CSR");
		goto out;
	}
	if ((rc = load(in, n, &c, err)) != CA_OK || (rc = read_structure(&c, &p, err)) != CA_OK)
		goto out;
	if (p.has_attrs && (rc = read_attrs(&c, &p.attrs, err)) != CA_OK)
		goto out;
	if ((rc = check_key(&c, &p, k, err)) != CA_OK ||
	    (rc = check_sig_alg(&c, &p, &sa, err)) != CA_OK ||
	    (rc = verify(&p, sa, k, err)) != CA_OK)
		goto out;
	rc = dn_last_cn(c.subject, c.subject_len, &c.cn);
	if (rc == CA_ERR_NOMEM)
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory reading the CSR");
	else if (rc != CA_OK)
		rc = bad(err, "its subject CN is not text (it does not decode to UTF-8 without NUL "
			      "bytes)");
out:
	if (k != NULL) {
		keys_free(k);
		free(k);
	}
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
