/*
 * The code in this file implements ca_cert_info (ca.h): decoding a
 * certificate DER into what a person checks on a detail page (issuer, key
 * type and size, fingerprints, serial in decimal, extensions in words).
 *
 * It walks the structure with the project's DER reader (RFC 5280 4.1) rather
 * than wolfSSL's DecodedCert, which drops unknown extensions and does not
 * give their raw bytes. Every
 * string that comes out of the certificate is returned as is: the caller
 * escapes it for its output (web/html.c for pages).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "codec.h"
#include "x509/der.h"
#include "x509/dn.h"
#include "x509/ext.h"
#include "crypto/hash.h"
#include "x509/oid.h"
#include "privca/ca.h"
#include "privca/certinfo.h"

/* A growable string with sticky failure, for extension summaries. */
struct str {
	char *s;
	size_t len, cap;
	bool failed;
};

static void str_add(struct str *b, const char *p, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *s = realloc(b->s, cap);
		if (s == NULL) {
			b->failed = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void str_puts(struct str *b, const char *p)
{
	str_add(b, p, strlen(p));
}

static void str_printf(struct str *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void str_printf(struct str *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->failed = true;
		return;
	}
	str_add(b, tmp, (size_t)n);
}

/* "ab:cd:..." of n bytes. */
static void str_hex(struct str *b, const uint8_t *p, size_t n, bool colons)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		char c[3] = {digits[p[i] >> 4], digits[p[i] & 15], ':'};
		str_add(b, c, colons && i + 1 < n ? 3 : 2);
	}
}

static char *str_take(struct str *b)
{
	if (b->failed) {
		free(b->s);
		return NULL;
	}
	if (b->s == NULL)
		return strdup("");
	return b->s;
}

/* Big-endian unsigned magnitude to decimal, by repeated division by 10. */
static char *to_decimal(const uint8_t *p, size_t n)
{
	while (n > 1 && p[0] == 0) {
		p++;
		n--;
	}
	uint8_t *num = malloc(n ? n : 1);
	char *digits = malloc(n * 3 + 2); /* 256^n < 10^(3n) */
	if (num == NULL || digits == NULL) {
		free(num);
		free(digits);
		return NULL;
	}
	memcpy(num, p, n);
	size_t nd = 0;
	bool zero;
	do {
		unsigned rem = 0;
		zero = true;
		for (size_t i = 0; i < n; i++) {
			unsigned cur = (rem << 8) | num[i];
			num[i] = (uint8_t)(cur / 10);
			rem = cur % 10;
			if (num[i])
				zero = false;
		}
		digits[nd++] = (char)('0' + rem);
	} while (!zero);
	free(num);
	for (size_t i = 0; i < nd / 2; i++) {
		char t = digits[i];
		digits[i] = digits[nd - 1 - i];
		digits[nd - 1 - i] = t;
	}
	digits[nd] = '\0';
	return digits;
}

struct oid_name {
	const char *oid;
	size_t len;
	const char *name;
};

#define ON(o, n)                                                                                   \
	{                                                                                          \
		o, OID_LEN(o), n                                                                   \
	}

static const struct oid_name sig_algs[] = {
    ON(OID_ECDSA_SHA256, "ecdsa-with-SHA256"),
    ON(OID_ECDSA_SHA384, "ecdsa-with-SHA384"),
    ON(OID_ECDSA_SHA512, "ecdsa-with-SHA512"),
    ON(OID_SHA256_RSA, "sha256WithRSAEncryption"),
    ON(OID_SHA384_RSA, "sha384WithRSAEncryption"),
    ON(OID_SHA512_RSA, "sha512WithRSAEncryption"),
    ON(OID_RSASSA_PSS, "RSASSA-PSS"),
    ON(OID_ED25519, "Ed25519"),
    ON(OID_SHA1_RSA, "sha1WithRSAEncryption"),
    ON(OID_ECDSA_SHA1, "ecdsa-with-SHA1"),
};

static const struct oid_name ext_names[] = {
    ON(OID_CE_SKI, "subjectKeyIdentifier"),
    ON(OID_CE_KEY_USAGE, "keyUsage"),
    ON(OID_CE_SAN, "subjectAltName"),
    ON(OID_CE_BASIC_CONSTRAINTS, "basicConstraints"),
    ON(OID_CE_CRL_DP, "cRLDistributionPoints"),
    ON(OID_CE_AKI, "authorityKeyIdentifier"),
    ON(OID_CE_EKU, "extKeyUsage"),
    ON(OID_PE_AIA, "authorityInfoAccess"),
    ON("\x55\x1d\x20", "certificatePolicies"),
    ON("\x55\x1d\x1e", "nameConstraints"),
    ON("\x55\x1d\x12", "issuerAltName"),
    ON("\x2b\x06\x01\x04\x01\xd6\x79\x02\x04\x02", "CT precertificate SCTs"),
};

static const struct oid_name eku_names[] = {
    ON(OID_KP_SERVER_AUTH, "serverAuth (TLS server)"),
    ON(OID_KP_CLIENT_AUTH, "clientAuth (TLS client)"),
    ON("\x2b\x06\x01\x05\x05\x07\x03\x03", "codeSigning"),
    ON("\x2b\x06\x01\x05\x05\x07\x03\x04", "emailProtection"),
    ON("\x2b\x06\x01\x05\x05\x07\x03\x08", "timeStamping"),
    ON("\x2b\x06\x01\x05\x05\x07\x03\x09", "OCSPSigning"),
};

static const char *lookup(const struct oid_name *tab, size_t n, const struct der_elem *e)
{
	for (size_t i = 0; i < n; i++)
		if (der_oid_eq(e, (const uint8_t *)tab[i].oid, tab[i].len))
			return tab[i].name;
	return NULL;
}

#define LOOKUP(tab, e) lookup(tab, sizeof(tab) / sizeof(tab[0]), e)

static void str_oid(struct str *b, const struct der_elem *e)
{
	char dotted[64];
	if (der_oid_text(e->val, e->len, dotted, sizeof(dotted)))
		str_puts(b, dotted);
	else
		str_puts(b, "(malformed OID)");
}

/* One GeneralName (RFC 5280 4.2.1.6) as "DNS:x", "IP:x", "URI:x", ... */
static void str_general_name(struct str *b, const struct der_elem *g)
{
	switch (g->tag) {
	case DER_CTX(1):
		str_puts(b, "email:");
		str_add(b, (const char *)g->val, g->len);
		return;
	case DER_CTX(2):
		str_puts(b, "DNS:");
		str_add(b, (const char *)g->val, g->len);
		return;
	case DER_CTX(6):
		str_puts(b, "URI:");
		str_add(b, (const char *)g->val, g->len);
		return;
	case DER_CTX(7):
		str_puts(b, "IP:");
		if (g->len == 4) {
			str_printf(b, "%u.%u.%u.%u", g->val[0], g->val[1], g->val[2], g->val[3]);
		} else if (g->len == 16) {
			char text[INET6_ADDRSTRLEN];
			if (inet_ntop(AF_INET6, g->val, text, sizeof(text)) != NULL)
				str_puts(b, text);
			else
				str_hex(b, g->val, g->len, true);
		} else {
			str_hex(b, g->val, g->len, true);
		}
		return;
	case DER_CTX_CONS(4): {
		char *dn = dn_to_string(g->val, g->len);
		str_puts(b, "DirName:");
		str_puts(b, dn ? dn : "(malformed)");
		free(dn);
		return;
	}
	default:
		str_printf(b, "[%u]:", g->tag & 0x1f);
		str_hex(b, g->val, g->len, true);
	}
}

static bool general_names(struct str *b, struct der_r r)
{
	struct der_elem g;
	bool first = true;
	while (r.len > 0) {
		if (!der_next(&r, &g))
			return false;
		if (!first)
			str_puts(b, ", ");
		str_general_name(b, &g);
		first = false;
	}
	return true;
}

static bool ext_basic_constraints(struct str *b, struct der_r r)
{
	struct der_elem seq, e;
	if (!der_expect(&r, DER_SEQUENCE, &seq))
		return false;
	struct der_r in = der_in(&seq);
	bool ca = false;
	if (der_expect(&in, DER_BOOLEAN, &e))
		ca = e.len == 1 && e.val[0] != 0;
	str_puts(b, ca ? "CA:TRUE" : "CA:FALSE");
	uint64_t pathlen;
	if (der_expect(&in, DER_INTEGER, &e) && der_get_uint(&e, &pathlen))
		str_printf(b, ", pathlen:%llu", (unsigned long long)pathlen);
	return true;
}

static bool ext_key_usage(struct str *b, struct der_r r)
{
	static const char *const bits[] = {
	    "digitalSignature", "nonRepudiation", "keyEncipherment",
	    "dataEncipherment", "keyAgreement",	  "keyCertSign",
	    "cRLSign",		"encipherOnly",	  "decipherOnly",
	};
	struct der_elem e;
	if (!der_expect(&r, DER_BIT_STRING, &e) || e.len < 1)
		return false;
	bool first = true;
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		size_t byte = 1 + i / 8;
		if (byte < e.len && (e.val[byte] & (0x80 >> (i % 8)))) {
			str_puts(b, first ? "" : ", ");
			str_puts(b, bits[i]);
			first = false;
		}
	}
	return true;
}

static bool ext_eku(struct str *b, struct der_r r)
{
	struct der_elem seq, e;
	if (!der_expect(&r, DER_SEQUENCE, &seq))
		return false;
	struct der_r in = der_in(&seq);
	bool first = true;
	while (in.len > 0) {
		if (!der_expect(&in, DER_OID, &e))
			return false;
		str_puts(b, first ? "" : ", ");
		const char *name = LOOKUP(eku_names, &e);
		if (name)
			str_puts(b, name);
		else
			str_oid(b, &e);
		first = false;
	}
	return true;
}

static bool ext_ski(struct str *b, struct der_r r)
{
	struct der_elem e;
	if (!der_expect(&r, DER_OCTET_STRING, &e))
		return false;
	str_hex(b, e.val, e.len, true);
	return true;
}

static bool ext_aki(struct str *b, struct der_r r)
{
	struct der_elem seq, e;
	if (!der_expect(&r, DER_SEQUENCE, &seq))
		return false;
	struct der_r in = der_in(&seq);
	while (in.len > 0) {
		if (!der_next(&in, &e))
			return false;
		if (e.tag == DER_CTX(0)) {
			str_puts(b, "keyid:");
			str_hex(b, e.val, e.len, true);
		}
	}
	return true;
}

static bool ext_crl_dp(struct str *b, struct der_r r)
{
	struct der_elem seq, dp, e;
	if (!der_expect(&r, DER_SEQUENCE, &seq))
		return false;
	struct der_r in = der_in(&seq);
	bool first = true;
	while (in.len > 0) {
		if (!der_expect(&in, DER_SEQUENCE, &dp))
			return false;
		struct der_r dpr = der_in(&dp);
		/* DistributionPoint { [0] DistributionPointName { [0] fullName } } */
		if (!der_expect(&dpr, DER_CTX_CONS(0), &e))
			continue;
		struct der_r dpn = der_in(&e);
		if (!der_expect(&dpn, DER_CTX_CONS(0), &e))
			continue;
		if (!first)
			str_puts(b, ", ");
		if (!general_names(b, der_in(&e)))
			return false;
		first = false;
	}
	return true;
}

static bool ext_aia(struct str *b, struct der_r r)
{
	struct der_elem seq, ad, method, loc;
	if (!der_expect(&r, DER_SEQUENCE, &seq))
		return false;
	struct der_r in = der_in(&seq);
	bool first = true;
	while (in.len > 0) {
		if (!der_expect(&in, DER_SEQUENCE, &ad))
			return false;
		struct der_r adr = der_in(&ad);
		if (!der_expect(&adr, DER_OID, &method) || !der_next(&adr, &loc))
			return false;
		str_puts(b, first ? "" : ", ");
		if (der_oid_eq(&method, (const uint8_t *)OID_AD_OCSP, OID_LEN(OID_AD_OCSP)))
			str_puts(b, "OCSP - ");
		else if (der_oid_eq(&method, (const uint8_t *)OID_AD_CA_ISSUERS,
				    OID_LEN(OID_AD_CA_ISSUERS)))
			str_puts(b, "CA Issuers - ");
		else {
			str_oid(b, &method);
			str_puts(b, " - ");
		}
		str_general_name(b, &loc);
		first = false;
	}
	return true;
}

static bool ext_san(struct str *b, struct der_r r)
{
	struct der_elem seq;
	if (!der_expect(&r, DER_SEQUENCE, &seq))
		return false;
	return general_names(b, der_in(&seq));
}

/* Decode one Extension { extnID, critical DEFAULT FALSE, extnValue }. */
static bool decode_ext(const struct der_elem *e, struct ca_cert_ext *out)
{
	struct ext x;
	if (!ext_read(e, &x) || !der_oid_text(x.id.val, x.id.len, out->oid, sizeof(out->oid)))
		return false;
	out->critical = x.critical;
	const struct der_elem id = x.id, val = x.value;
	out->name = LOOKUP(ext_names, &id);

	struct str b = {0};
	struct der_r vr = der_in(&val);
	bool ok = true;
	const uint8_t *o = id.val;
	size_t n = id.len;
#define IS(x) (n == OID_LEN(x) && memcmp(o, x, n) == 0)
	if (IS(OID_CE_BASIC_CONSTRAINTS))
		ok = ext_basic_constraints(&b, vr);
	else if (IS(OID_CE_KEY_USAGE))
		ok = ext_key_usage(&b, vr);
	else if (IS(OID_CE_EKU))
		ok = ext_eku(&b, vr);
	else if (IS(OID_CE_SAN))
		ok = ext_san(&b, vr);
	else if (IS(OID_CE_SKI))
		ok = ext_ski(&b, vr);
	else if (IS(OID_CE_AKI))
		ok = ext_aki(&b, vr);
	else if (IS(OID_CE_CRL_DP))
		ok = ext_crl_dp(&b, vr);
	else if (IS(OID_PE_AIA))
		ok = ext_aia(&b, vr);
	else
		ok = false;
#undef IS
	if (!ok) {
		/* Unknown or not what we expected: show the bytes, never guess. */
		free(b.s);
		memset(&b, 0, sizeof(b));
		str_hex(&b, val.val, val.len, true);
	}
	out->value = str_take(&b);
	return out->value != NULL;
}

/* SubjectPublicKeyInfo: algorithm, curve and size. */
static bool decode_spki(const struct der_elem *spki, struct ca_cert_info *ci)
{
	struct der_r r = der_in(spki);
	struct der_elem alg, oid, params, bits;
	if (!der_expect(&r, DER_SEQUENCE, &alg) || !der_expect(&r, DER_BIT_STRING, &bits) ||
	    bits.len < 1)
		return false;
	struct der_r ar = der_in(&alg);
	if (!der_expect(&ar, DER_OID, &oid))
		return false;
	if (der_oid_eq(&oid, (const uint8_t *)OID_EC_PUBLIC_KEY, OID_LEN(OID_EC_PUBLIC_KEY))) {
		ci->key_type = "ECDSA";
		if (!der_expect(&ar, DER_OID, &params))
			return true;
		if (der_oid_eq(&params, (const uint8_t *)OID_P256, OID_LEN(OID_P256))) {
			ci->key_curve = "P-256";
			ci->key_bits = 256;
		} else if (der_oid_eq(&params, (const uint8_t *)OID_P384, OID_LEN(OID_P384))) {
			ci->key_curve = "P-384";
			ci->key_bits = 384;
		} else if (der_oid_eq(&params, (const uint8_t *)OID_P521, OID_LEN(OID_P521))) {
			ci->key_curve = "P-521";
			ci->key_bits = 521;
		}
	} else if (der_oid_eq(&oid, (const uint8_t *)OID_RSA_ENCRYPTION,
			      OID_LEN(OID_RSA_ENCRYPTION))) {
		ci->key_type = "RSA";
		/* RSAPublicKey { modulus, publicExponent } inside the BIT STRING */
		struct der_r kr = {bits.val + 1, bits.len - 1};
		struct der_elem seq, mod;
		if (!der_expect(&kr, DER_SEQUENCE, &seq))
			return true;
		struct der_r sr = der_in(&seq);
		if (!der_expect(&sr, DER_INTEGER, &mod) || mod.len == 0)
			return true;
		const uint8_t *p = mod.val;
		size_t n = mod.len;
		while (n > 0 && *p == 0) {
			p++;
			n--;
		}
		if (n > 0) {
			unsigned top = 8;
			while (top > 0 && !(p[0] & (1u << (top - 1))))
				top--;
			ci->key_bits = (unsigned)(n - 1) * 8 + top;
		}
	} else if (der_oid_eq(&oid, (const uint8_t *)OID_ED25519, OID_LEN(OID_ED25519))) {
		ci->key_type = "Ed25519";
		ci->key_bits = 256;
	} else {
		ci->key_type = "unknown";
	}
	return true;
}

void ca_cert_info_free(struct ca_cert_info *i)
{
	if (i == NULL)
		return;
	free(i->subject);
	free(i->issuer);
	free(i->serial_hex);
	free(i->serial_dec);
	for (size_t k = 0; k < i->n_exts; k++)
		free(i->exts[k].value);
	free(i->exts);
	free(i);
}

/* [0] EXPLICIT Version DEFAULT v1 */
static enum ca_err read_version(struct der_r *tr, struct ca_cert_info *ci)
{
	struct der_elem e, v;
	uint64_t vv;
	ci->version = 1;
	if (!der_expect(tr, DER_CTX_CONS(0), &e))
		return CA_OK;
	struct der_r vr = der_in(&e);
	if (!der_expect(&vr, DER_INTEGER, &v) || !der_get_uint(&v, &vv) || vv > 2)
		return CA_ERR_BAD_REQUEST;
	ci->version = (int)vv + 1;
	return CA_OK;
}

/* serialNumber, in hex and in decimal (without a sign byte). */
static enum ca_err read_serial(struct der_r *tr, struct ca_cert_info *ci)
{
	struct der_elem e;
	if (!der_expect(tr, DER_INTEGER, &e) || e.len == 0 || e.len > 64)
		return CA_ERR_BAD_REQUEST;
	const uint8_t *p = e.val;
	size_t n = e.len;
	if (n > 1 && p[0] == 0) {
		p++;
		n--;
	}
	ci->serial_hex = malloc(2 * n + 1);
	ci->serial_dec = to_decimal(p, n);
	if (ci->serial_hex == NULL || ci->serial_dec == NULL)
		return CA_ERR_NOMEM;
	hex_encode(p, n, ci->serial_hex);
	return CA_OK;
}

/* signature, issuer, validity, subject, subjectPublicKeyInfo. */
static enum ca_err read_middle(struct der_r *tr, struct ca_cert_info *ci)
{
	struct der_elem sigalg, issuer, validity, subject, spki, oid, t1, t2;
	if (!der_expect(tr, DER_SEQUENCE, &sigalg) || !der_expect(tr, DER_SEQUENCE, &issuer) ||
	    !der_expect(tr, DER_SEQUENCE, &validity) || !der_expect(tr, DER_SEQUENCE, &subject) ||
	    !der_expect(tr, DER_SEQUENCE, &spki))
		return CA_ERR_BAD_REQUEST;
	struct der_r sr = der_in(&sigalg);
	if (!der_expect(&sr, DER_OID, &oid))
		return CA_ERR_BAD_REQUEST;
	ci->sig_alg = LOOKUP(sig_algs, &oid);
	if (ci->sig_alg == NULL)
		ci->sig_alg = "unknown";
	struct der_r vr = der_in(&validity);
	if (!der_next(&vr, &t1) || !der_next(&vr, &t2) || !der_get_time(&t1, &ci->not_before) ||
	    !der_get_time(&t2, &ci->not_after))
		return CA_ERR_BAD_REQUEST;
	ci->issuer = dn_to_string(issuer.tlv, issuer.tlv_len);
	ci->subject = dn_to_string(subject.tlv, subject.tlv_len);
	if (ci->issuer == NULL || ci->subject == NULL || !decode_spki(&spki, ci))
		return CA_ERR_BAD_REQUEST;
	return CA_OK;
}

/* issuerUniqueID [1] and subjectUniqueID [2] are skipped; extensions are [3]. */
static enum ca_err read_exts(struct der_r *tr, struct ca_cert_info *ci)
{
	struct der_elem e, seq, ext;
	if (der_peek(tr, DER_CTX(1)) && !der_next(tr, &e))
		return CA_ERR_BAD_REQUEST;
	if (der_peek(tr, DER_CTX(2)) && !der_next(tr, &e))
		return CA_ERR_BAD_REQUEST;
	if (!der_expect(tr, DER_CTX_CONS(3), &e))
		return CA_OK;
	struct der_r er = der_in(&e);
	if (!der_expect(&er, DER_SEQUENCE, &seq))
		return CA_ERR_BAD_REQUEST;
	struct der_r xr = der_in(&seq);
	size_t count = 0;
	for (struct der_r cnt = xr; cnt.len > 0; count++)
		if (!der_expect(&cnt, DER_SEQUENCE, &ext))
			return CA_ERR_BAD_REQUEST;
	ci->exts = calloc(count ? count : 1, sizeof(*ci->exts));
	if (ci->exts == NULL)
		return CA_ERR_NOMEM;
	while (xr.len > 0) {
		if (!der_expect(&xr, DER_SEQUENCE, &ext))
			return CA_ERR_BAD_REQUEST;
		if (!decode_ext(&ext, &ci->exts[ci->n_exts])) {
			free(ci->exts[ci->n_exts].value);
			return CA_ERR_BAD_REQUEST;
		}
		ci->n_exts++;
	}
	return CA_OK;
}

/* Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature } */
static enum ca_err read_cert(const uint8_t *der, size_t len, struct ca_cert_info *ci)
{
	struct der_r r = {der, len};
	struct der_elem cert, tbs;
	if (!der_expect(&r, DER_SEQUENCE, &cert) || r.len != 0)
		return CA_ERR_BAD_REQUEST;
	struct der_r cr = der_in(&cert);
	if (!der_expect(&cr, DER_SEQUENCE, &tbs))
		return CA_ERR_BAD_REQUEST;
	struct der_r tr = der_in(&tbs);
	enum ca_err rc;
	if ((rc = read_version(&tr, ci)) != CA_OK || (rc = read_serial(&tr, ci)) != CA_OK ||
	    (rc = read_middle(&tr, ci)) != CA_OK)
		return rc;
	return read_exts(&tr, ci);
}

enum ca_err ca_cert_info(const uint8_t *der, size_t len, struct ca_cert_info **out,
			 struct ca_error *err)
{
	struct ca_cert_info *ci = calloc(1, sizeof(*ci));
	if (ci == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	enum ca_err rc = read_cert(der, len, ci);
	if (rc == CA_ERR_NOMEM)
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
	else if (rc != CA_OK)
		rc =
		    ca_fail(err, CA_ERR_BAD_REQUEST, "the stored certificate could not be decoded");
	else if (hash_sha256_hex(der, len, ci->fingerprint_sha256) != CA_OK ||
		 hash_sha1_hex(der, len, ci->fingerprint_sha1) != CA_OK)
		rc = ca_fail(err, CA_ERR_CRYPTO, "could not hash the certificate");
	if (rc != CA_OK) {
		ca_cert_info_free(ci);
		return rc;
	}
	*out = ci;
	return CA_OK;
}
