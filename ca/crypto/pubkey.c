/*
 * The code in this file implements pubkey.h: SubjectPublicKeyInfo and raw
 * key members to wolfCrypt keys, the key allowlist (design.md section 3),
 * and signature verification.
 *
 * SubjectPublicKeyInfo ::= SEQUENCE {
 *     algorithm        AlgorithmIdentifier,
 *     subjectPublicKey BIT STRING }
 *
 * The input comes from the network: every length is read through der.h
 * and bounded before it reaches wolfCrypt.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/ed25519.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/rsa.h>

#include "crypto/pubkey.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "x509/der.h"
#include "x509/oid.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Far above the largest accepted key (RSA 4096: 512 bytes of modulus). */
#define PUBKEY_MAX_INPUT (64 * 1024)

struct pubkey {
	enum pubkey_type type;
	int bits;
	union {
		RsaKey rsa;
		ecc_key ecc;
		ed25519_key ed;
	} u;
	bool init; /* u holds an initialised wolfCrypt key of type */
};

/* ---- Tables -------------------------------------------------------------- */

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

/* DigestInfo prefixes (RFC 8017 section 9.2 note 1), with and without NULL. */
static const struct {
	enum pubkey_hash hash;
	const char *prefix;
	size_t len;
} digest_infos[] = {
    {PUBKEY_SHA256, "\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20",
     19},
    {PUBKEY_SHA384, "\x30\x41\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x02\x05\x00\x04\x30",
     19},
    {PUBKEY_SHA512, "\x30\x51\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x03\x05\x00\x04\x40",
     19},
    {PUBKEY_SHA256, "\x30\x2f\x30\x0b\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x04\x20", 17},
    {PUBKEY_SHA384, "\x30\x3f\x30\x0b\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x02\x04\x30", 17},
    {PUBKEY_SHA512, "\x30\x4f\x30\x0b\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x03\x04\x40", 17},
};

static const char *const type_names[] = {
    [PUBKEY_RSA] = "RSA", [PUBKEY_EC] = "EC", [PUBKEY_ED25519] = "Ed25519"};

/* ---- Small helpers --------------------------------------------------------- */

static enum ca_err malformed(struct ca_error *err, const char *why)
{
	return ca_fail(err, CA_ERR_BAD_REQUEST, "%s", why);
}

static enum ca_err nomem(struct ca_error *err)
{
	return ca_fail(err, CA_ERR_NOMEM, "out of memory reading the public key");
}

static const struct named_oid *find_named(const struct named_oid *t, size_t n,
					  const struct der_elem *oid)
{
	for (size_t i = 0; i < n; i++)
		if (der_oid_eq(oid, (const uint8_t *)t[i].oid, t[i].oid_len))
			return &t[i];
	return NULL;
}

/* "unsupported %s" message text: "Ed448 (1.3.101.113)" or "1.2.3". */
static void oid_name(const struct named_oid *t, size_t n, const struct der_elem *oid, char *out,
		     size_t cap)
{
	char num[64];
	const struct named_oid *no = find_named(t, n, oid);
	(void)der_oid_text(oid->val, oid->len, num, sizeof(num));
	if (no != NULL)
		snprintf(out, cap, "%s (%s)", no->name, num);
	else
		snprintf(out, cap, "%s", num);
}

static enum ca_err alloc_key(enum pubkey_type t, struct pubkey **out, struct ca_error *err)
{
	*out = calloc(1, sizeof(**out)); /* RsaKey is large: keep it off the stack */
	if (*out == NULL)
		return nomem(err);
	(*out)->type = t;
	return CA_OK;
}

/* The end of every constructor: *out = k on success, k freed on failure. */
static enum ca_err finish(struct pubkey *k, enum ca_err rc, struct pubkey **out)
{
	if (rc != CA_OK)
		pubkey_free(k);
	else
		*out = k;
	return rc;
}

/* Unsigned big-endian magnitude without its leading zero bytes. */
static void strip_zeros(const uint8_t **p, size_t *n)
{
	while (*n > 0 && (*p)[0] == 0) {
		(*p)++;
		(*n)--;
	}
}

/* ---- RSA ----------------------------------------------------------------- */

/* m: the modulus magnitude, m[0] != 0; ev: the exponent when it fits 64 bits. */
static enum ca_err rsa_load(struct pubkey *k, const uint8_t *m, size_t mlen, bool ev_fits,
			    uint64_t ev, struct ca_error *err)
{
	int bits = (int)(mlen - 1) * 8; /* mlen <= PUBKEY_MAX_INPUT: no overflow */
	for (unsigned t = m[0]; t; t >>= 1)
		bits++;
	k->bits = bits;
	if (bits < 2048 || bits > 4096)
		return ca_fail(err, CA_ERR_WEAK_KEY,
			       "the RSA key has %d bits; privca accepts RSA keys of 2048 to 4096 "
			       "bits",
			       bits);
	if (!ev_fits)
		return ca_fail(err, CA_ERR_WEAK_KEY,
			       "the RSA public exponent is not 65537; only e = 65537 is accepted");
	if (ev != 65537)
		return ca_fail(err, CA_ERR_WEAK_KEY,
			       "the RSA public exponent is %llu; only e = 65537 is accepted",
			       (unsigned long long)ev);
	int ret = wc_InitRsaKey(&k->u.rsa, NULL);
	if (ret != 0)
		return ca_fail(err, CA_ERR_CRYPTO, "wolfCrypt could not set up an RSA key (%d)",
			       ret);
	k->init = true;
	static const uint8_t e65537[] = {0x01, 0x00, 0x01};
	ret = wc_RsaPublicKeyDecodeRaw(m, (word32)mlen, e65537, sizeof(e65537), &k->u.rsa);
	if (ret == MEMORY_E)
		return nomem(err);
	if (ret != 0)
		return malformed(err, "the RSA public key could not be loaded");
	return CA_OK;
}

/* RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1) */
static enum ca_err rsa_from_der(struct pubkey *k, const struct der_elem *params, bool has_params,
				const uint8_t *bits, size_t nbits, struct ca_error *err)
{
	if (has_params && !(params->tag == DER_NULL && params->len == 0))
		return malformed(err, "the rsaEncryption key has parameters other than NULL");
	struct der_r r = {bits, nbits};
	struct der_elem seq, n, e;
	if (!der_expect(&r, DER_SEQUENCE, &seq) || r.len != 0)
		return malformed(err, "the RSA public key is malformed");
	struct der_r x = der_in(&seq);
	if (!der_expect(&x, DER_INTEGER, &n) || !der_expect(&x, DER_INTEGER, &e) || x.len != 0)
		return malformed(err, "the RSA public key is malformed");
	const uint8_t *m = n.val;
	size_t mlen = n.len;
	if (mlen == 0 || (m[0] & 0x80))
		return malformed(err, "the RSA modulus is not a positive INTEGER");
	if (m[0] == 0) {
		if (mlen < 2 || !(m[1] & 0x80))
			return malformed(err, "the RSA modulus is not minimally encoded");
		m++;
		mlen--;
	}
	uint64_t ev = 0;
	bool fits = der_get_uint(&e, &ev);
	return rsa_load(k, m, mlen, fits, ev, err);
}

enum ca_err pubkey_from_rsa(const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen,
			    struct pubkey **out, struct ca_error *err)
{
	*out = NULL;
	if (n == NULL || e == NULL || nlen > PUBKEY_MAX_INPUT || elen > PUBKEY_MAX_INPUT)
		return malformed(err, "the RSA key's modulus or exponent is missing or too long");
	strip_zeros(&n, &nlen);
	strip_zeros(&e, &elen);
	if (nlen == 0)
		return malformed(err, "the RSA modulus is zero");
	uint64_t ev = 0;
	for (size_t i = 0; i < elen && elen <= 8; i++)
		ev = ev << 8 | e[i];
	struct pubkey *k = NULL;
	enum ca_err rc = alloc_key(PUBKEY_RSA, &k, err);
	if (rc == CA_OK)
		rc = rsa_load(k, n, nlen, elen <= 8, ev, err);
	return finish(k, rc, out);
}

/* ---- EC ------------------------------------------------------------------ */

/* pt: the uncompressed point 04 || x || y of the curve's size. */
static enum ca_err ec_load(struct pubkey *k, const struct curve *cv, const uint8_t *pt,
			   struct ca_error *err)
{
	k->bits = cv->bits;
	/* SEC 1 3.2.2.1: coordinates in [0, p-1], point on the curve. The curves
	 * have cofactor 1, so the expensive n*Q = O check of wc_ecc_check_key
	 * adds nothing. */
	const uint8_t *x = pt + 1, *y = x + cv->bytes;
	if (memcmp(x, cv->prime, (size_t)cv->bytes) >= 0 ||
	    memcmp(y, cv->prime, (size_t)cv->bytes) >= 0)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "the EC public key is not a point on %s",
			       cv->name);
	int ret = wc_ecc_init_ex(&k->u.ecc, NULL, INVALID_DEVID);
	if (ret != 0)
		return ca_fail(err, CA_ERR_CRYPTO, "wolfCrypt could not set up an EC key (%d)",
			       ret);
	k->init = true;
	ret = wc_ecc_import_x963_ex(pt, (word32)(2 * cv->bytes + 1), &k->u.ecc, cv->id);
	if (ret == 0)
		ret = wc_ecc_point_is_on_curve(&k->u.ecc.pubkey, k->u.ecc.idx);
	if (ret == MEMORY_E)
		return nomem(err);
	if (ret != 0)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "the EC public key is not a point on %s",
			       cv->name);
	return CA_OK;
}

static enum ca_err ec_curve_from_der(const struct der_elem *params, bool has_params,
				     const struct curve **out, struct ca_error *err)
{
	if (!has_params)
		return malformed(err, "the EC key names no curve");
	if (params->tag == DER_SEQUENCE)
		return ca_fail(err, CA_ERR_WEAK_KEY,
			       "the EC key has explicit curve parameters; use a named curve "
			       "(P-256, P-384 or P-521)");
	if (params->tag != DER_OID || params->len == 0)
		return malformed(err, "the EC key parameters are malformed");
	for (size_t i = 0; i < COUNT(curves); i++)
		if (der_oid_eq(params, (const uint8_t *)curves[i].oid, curves[i].oid_len)) {
			*out = &curves[i];
			return CA_OK;
		}
	char name[128];
	oid_name(other_curves, COUNT(other_curves), params, name, sizeof(name));
	return ca_fail(err, CA_ERR_WEAK_KEY,
		       "the EC curve %s is not supported; use P-256, P-384 or P-521", name);
}

static enum ca_err ec_from_der(struct pubkey *k, const struct der_elem *params, bool has_params,
			       const uint8_t *bits, size_t nbits, struct ca_error *err)
{
	const struct curve *cv = NULL;
	enum ca_err rc = ec_curve_from_der(params, has_params, &cv, err);
	if (rc != CA_OK)
		return rc;
	k->bits = cv->bits;
	if (nbits == (size_t)cv->bytes + 1 && (bits[0] == 2 || bits[0] == 3))
		return ca_fail(err, CA_ERR_WEAK_KEY,
			       "the EC public key is compressed; privca accepts uncompressed "
			       "points only");
	if (nbits != 2 * (size_t)cv->bytes + 1 || bits[0] != 4)
		return malformed(err, "the EC public key is not an uncompressed point");
	return ec_load(k, cv, bits, err);
}

enum ca_err pubkey_from_ec(const char *curve, const uint8_t *x, size_t xlen, const uint8_t *y,
			   size_t ylen, struct pubkey **out, struct ca_error *err)
{
	*out = NULL;
	const struct curve *cv = NULL;
	for (size_t i = 0; curve != NULL && i < COUNT(curves) && cv == NULL; i++)
		if (strcmp(curve, curves[i].name) == 0)
			cv = &curves[i];
	if (cv == NULL)
		return ca_fail(err, CA_ERR_WEAK_KEY,
			       "the EC curve %.32s is not supported; use P-256, P-384 or P-521",
			       curve != NULL ? curve : "(none)");
	if (x == NULL || y == NULL || xlen != (size_t)cv->bytes || ylen != (size_t)cv->bytes)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "the EC key's coordinates must be %d bytes each on %s", cv->bytes,
			       cv->name);
	uint8_t pt[1 + 2 * 66];
	pt[0] = 4;
	memcpy(pt + 1, x, xlen);
	memcpy(pt + 1 + xlen, y, ylen);
	struct pubkey *k = NULL;
	enum ca_err rc = alloc_key(PUBKEY_EC, &k, err);
	if (rc == CA_OK)
		rc = ec_load(k, cv, pt, err);
	return finish(k, rc, out);
}

/* ---- Ed25519 --------------------------------------------------------------- */

static enum ca_err ed_load(struct pubkey *k, const uint8_t *x, size_t xlen, struct ca_error *err)
{
	if (xlen != ED25519_PUB_KEY_SIZE)
		return malformed(err, "the Ed25519 public key is not 32 bytes");
	k->bits = 256;
	int ret = wc_ed25519_init(&k->u.ed);
	if (ret != 0)
		return ca_fail(err, CA_ERR_CRYPTO, "wolfCrypt could not set up an Ed25519 key (%d)",
			       ret);
	k->init = true;
	if (wc_ed25519_import_public(x, (word32)xlen, &k->u.ed) != 0)
		return malformed(err, "the Ed25519 public key is not valid");
	return CA_OK;
}

enum ca_err pubkey_from_ed25519(const uint8_t *x, size_t xlen, struct pubkey **out,
				struct ca_error *err)
{
	*out = NULL;
	if (x == NULL)
		return malformed(err, "the Ed25519 public key is missing");
	struct pubkey *k = NULL;
	enum ca_err rc = alloc_key(PUBKEY_ED25519, &k, err);
	if (rc == CA_OK)
		rc = ed_load(k, x, xlen, err);
	return finish(k, rc, out);
}

/* ---- SubjectPublicKeyInfo ---------------------------------------------------- */

struct spki_parts {
	struct der_elem oid, params;
	bool has_params;
	const uint8_t *bits; /* subjectPublicKey content after the unused-bits byte */
	size_t nbits;
};

static bool read_spki(const uint8_t *spki, size_t n, struct spki_parts *p)
{
	struct der_r r = {spki, n};
	struct der_elem seq, alg, bits;
	if (!der_expect(&r, DER_SEQUENCE, &seq) || r.len != 0)
		return false;
	struct der_r k = der_in(&seq);
	if (!der_expect(&k, DER_SEQUENCE, &alg) || !der_expect(&k, DER_BIT_STRING, &bits) ||
	    bits.len < 2 || bits.val[0] != 0 || k.len != 0)
		return false;
	/* AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL } */
	struct der_r a = der_in(&alg);
	if (!der_expect(&a, DER_OID, &p->oid) || p->oid.len == 0)
		return false;
	p->has_params = a.len > 0;
	if (p->has_params && !der_next(&a, &p->params))
		return false;
	p->bits = bits.val + 1;
	p->nbits = bits.len - 1;
	return a.len == 0;
}

static enum ca_err load_spki(struct pubkey *k, const struct spki_parts *p, struct ca_error *err)
{
	const struct der_elem *o = &p->oid;
	if (der_oid_eq(o, (const uint8_t *)OID_RSA_ENCRYPTION, OID_LEN(OID_RSA_ENCRYPTION))) {
		k->type = PUBKEY_RSA;
		return rsa_from_der(k, &p->params, p->has_params, p->bits, p->nbits, err);
	}
	if (der_oid_eq(o, (const uint8_t *)OID_EC_PUBLIC_KEY, OID_LEN(OID_EC_PUBLIC_KEY))) {
		k->type = PUBKEY_EC;
		return ec_from_der(k, &p->params, p->has_params, p->bits, p->nbits, err);
	}
	if (der_oid_eq(o, (const uint8_t *)OID_ED25519, OID_LEN(OID_ED25519))) {
		k->type = PUBKEY_ED25519;
		if (p->has_params)
			return malformed(err,
					 "the Ed25519 key has parameters (RFC 8410 forbids them)");
		return ed_load(k, p->bits, p->nbits, err);
	}
	char name[128];
	oid_name(other_keys, COUNT(other_keys), o, name, sizeof(name));
	return ca_fail(err, CA_ERR_WEAK_KEY,
		       "unsupported key type %s; use RSA (2048 to 4096 bits), ECDSA P-256, P-384 "
		       "or P-521, or Ed25519",
		       name);
}

enum ca_err pubkey_from_spki(const uint8_t *spki, size_t n, struct pubkey **out,
			     struct ca_error *err)
{
	*out = NULL;
	struct spki_parts p = {0};
	if (spki == NULL || n > PUBKEY_MAX_INPUT || !read_spki(spki, n, &p))
		return malformed(err, "the SubjectPublicKeyInfo is malformed");
	struct pubkey *k = NULL;
	enum ca_err rc = alloc_key(PUBKEY_RSA, &k, err);
	if (rc == CA_OK)
		rc = load_spki(k, &p, err);
	return finish(k, rc, out);
}

/* ---- Accessors ----------------------------------------------------------- */

enum pubkey_type pubkey_type(const struct pubkey *k)
{
	return k->type;
}

int pubkey_bits(const struct pubkey *k)
{
	return k->bits;
}

const char *pubkey_type_name(enum pubkey_type t)
{
	return (size_t)t < COUNT(type_names) ? type_names[t] : "?";
}

void pubkey_free(struct pubkey *k)
{
	if (k == NULL)
		return;
	if (k->init) {
		switch (k->type) {
		case PUBKEY_RSA:
			wc_FreeRsaKey(&k->u.rsa);
			break;
		case PUBKEY_EC:
			wc_ecc_free(&k->u.ecc);
			break;
		case PUBKEY_ED25519:
			wc_ed25519_free(&k->u.ed);
			break;
		}
	}
	free(k);
}

/* ---- Verification -------------------------------------------------------- */

static int digest(enum pubkey_hash h, const uint8_t *msg, word32 n, uint8_t *out, size_t *len)
{
	switch (h) {
	case PUBKEY_SHA256:
		*len = WC_SHA256_DIGEST_SIZE;
		return wc_Sha256Hash(msg, n, out);
	case PUBKEY_SHA384:
		*len = WC_SHA384_DIGEST_SIZE;
		return wc_Sha384Hash(msg, n, out);
	case PUBKEY_SHA512:
		*len = WC_SHA512_DIGEST_SIZE;
		return wc_Sha512Hash(msg, n, out);
	}
	return BAD_FUNC_ARG;
}

/* PKCS#1 v1.5: recover the DigestInfo and compare it with the expected one. */
static int verify_rsa(RsaKey *key, enum pubkey_hash h, const uint8_t *dig, size_t dlen,
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
		    memcmp(plain + len, dig, dlen) == 0)
			*res = 1;
	}
	free(buf);
	return pl == MEMORY_E ? MEMORY_E : 0;
}

enum ca_err pubkey_verify(struct pubkey *k, enum pubkey_hash h, const uint8_t *msg, size_t n,
			  const uint8_t *sig, size_t sig_len, struct ca_error *err)
{
	if (n > UINT32_MAX || sig_len > PUBKEY_MAX_INPUT)
		return ca_fail(err, CA_ERR_BAD_SIGNATURE, "the signature or message is too long");
	byte dig[WC_SHA512_DIGEST_SIZE];
	size_t dlen = 0;
	int ret = 0, res = 0;
	if (k->type != PUBKEY_ED25519 && (ret = digest(h, msg, (word32)n, dig, &dlen)) != 0)
		return ca_fail(err, CA_ERR_CRYPTO, "hashing the signed data failed (wolfCrypt %d)",
			       ret);
	switch (k->type) {
	case PUBKEY_EC:
		ret = wc_ecc_verify_hash(sig, (word32)sig_len, dig, (word32)dlen, &res, &k->u.ecc);
		break;
	case PUBKEY_ED25519:
		if (sig_len == ED25519_SIG_SIZE)
			ret = wc_ed25519_verify_msg(sig, (word32)sig_len, msg, (word32)n, &res,
						    &k->u.ed);
		break;
	case PUBKEY_RSA:
		ret = verify_rsa(&k->u.rsa, h, dig, dlen, sig, sig_len, &res);
		break;
	}
	if (ret == MEMORY_E)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory verifying a signature");
	if (ret != 0 || res != 1)
		return ca_fail(err, CA_ERR_BAD_SIGNATURE, "the signature does not verify");
	return CA_OK;
}
