/*
 * The code in this file implements JWS checking for ACME (RFC 8555 6.2,
 * RFC 7515 flattened form, RFC 7518 algorithms): a JWK's members become a
 * wolfCrypt key, the signature is verified over the signing input the web
 * layer hands in, and keys are named by their RFC 7638 thumbprint. Members
 * are canonicalised first (RSA n and e without leading zero bytes, EC
 * coordinates exactly the field size), so that two encodings of one key
 * have one thumbprint: keys are compared as keys, not as bytes.
 */
#include <wolfssl/options.h>

#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/ed25519.h>
#include <wolfssl/wolfcrypt/rsa.h>
#include <wolfssl/wolfcrypt/sha256.h>
#include <wolfssl/wolfcrypt/sha512.h>
#include <wolfssl/wolfcrypt/signature.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "acme_int.h"
#include "codec.h"
#include "crypto/hash.h"
#include "crypto/signer.h"

static const char *const prob_names[ACME_PROB_MAX] = {
    [ACME_PROB_NONE] = "none",
    [ACME_PROB_ACCOUNT_DOES_NOT_EXIST] = "accountDoesNotExist",
    [ACME_PROB_ALREADY_REVOKED] = "alreadyRevoked",
    [ACME_PROB_BAD_CSR] = "badCSR",
    [ACME_PROB_BAD_NONCE] = "badNonce",
    [ACME_PROB_BAD_PUBLIC_KEY] = "badPublicKey",
    [ACME_PROB_BAD_REVOCATION_REASON] = "badRevocationReason",
    [ACME_PROB_BAD_SIGNATURE_ALGORITHM] = "badSignatureAlgorithm",
    [ACME_PROB_CAA] = "caa",
    [ACME_PROB_COMPOUND] = "compound",
    [ACME_PROB_CONNECTION] = "connection",
    [ACME_PROB_DNS] = "dns",
    [ACME_PROB_EXTERNAL_ACCOUNT_REQUIRED] = "externalAccountRequired",
    [ACME_PROB_INCORRECT_RESPONSE] = "incorrectResponse",
    [ACME_PROB_INVALID_CONTACT] = "invalidContact",
    [ACME_PROB_MALFORMED] = "malformed",
    [ACME_PROB_ORDER_NOT_READY] = "orderNotReady",
    [ACME_PROB_REJECTED_IDENTIFIER] = "rejectedIdentifier",
    [ACME_PROB_SERVER_INTERNAL] = "serverInternal",
    [ACME_PROB_TLS] = "tls",
    [ACME_PROB_UNAUTHORIZED] = "unauthorized",
    [ACME_PROB_UNSUPPORTED_CONTACT] = "unsupportedContact",
    [ACME_PROB_UNSUPPORTED_IDENTIFIER] = "unsupportedIdentifier",
    [ACME_PROB_NOT_FOUND] = "malformed",
    [ACME_PROB_CONFLICT] = "malformed",
};

const char *acme_problem_name(enum acme_problem p)
{
	return (unsigned)p < ACME_PROB_MAX ? prob_names[p] : "serverInternal";
}

enum acme_problem acme_problem_parse(const char *s)
{
	for (int i = 1; i < ACME_PROB_NOT_FOUND; i++)
		if (s != NULL && strcmp(prob_names[i], s) == 0)
			return (enum acme_problem)i;
	return ACME_PROB_SERVER_INTERNAL;
}

enum acme_problem acme_fail(struct acme_error *e, enum acme_problem p, const char *fmt, ...)
{
	if (e != NULL) {
		memset(e, 0, sizeof(*e));
		e->type = p;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
		va_end(ap);
	}
	return p;
}

enum acme_problem acme_fail_store(struct acme_error *e, enum ca_err rc, const char *what)
{
	if (rc == CA_ERR_UNAVAILABLE)
		acme_fail(
		    e, ACME_PROB_SERVER_INTERNAL,
		    "%s: the CA's store is unreachable or cannot be written now; try again shortly",
		    what);
	else
		acme_fail(e, ACME_PROB_SERVER_INTERNAL, "%s", what);
	if (e != NULL)
		e->cause = rc;
	return ACME_PROB_SERVER_INTERNAL;
}

enum ca_err acme_rand_id(char out[ACME_ID_LEN])
{
	uint8_t b[16];
	enum ca_err rc = rand_bytes(b, sizeof(b));
	if (rc != CA_OK)
		return rc;
	char *s = b64url_encode(b, sizeof(b));
	if (s == NULL)
		return CA_ERR_NOMEM;
	snprintf(out, ACME_ID_LEN, "%s", s);
	free(s);
	return CA_OK;
}

/* ---- keys ---- */

enum kind { K_EC, K_RSA, K_ED25519 };

struct acme_jwk_key {
	enum kind kind;
	int curve; /* ECC_SECP256R1 / ECC_SECP384R1 */
	struct store_acme_jwk canon;
	union {
		ecc_key ec;
		RsaKey rsa;
		ed25519_key ed;
	} u;
};

void jwk_key_free(struct acme_jwk_key *k)
{
	if (k == NULL)
		return;
	if (k->kind == K_EC)
		wc_ecc_free(&k->u.ec);
	else if (k->kind == K_RSA)
		wc_FreeRsaKey(&k->u.rsa);
	else
		wc_ed25519_free(&k->u.ed);
	free(k);
}

/* Strict base64url (no padding, no white space) of at most max bytes. */
static bool b64u(const char *s, uint8_t **out, size_t *len, size_t max)
{
	if (s == NULL || *s == '\0' || strlen(s) > (max * 4 + 2) / 3)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return false;
	return b64_decode((const uint8_t *)s, strlen(s), out, len);
}

/* base64url of p into a fixed field; false if it does not fit. */
static bool put(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	char *s = b64url_encode(p, n);
	bool ok = s != NULL && strlen(s) < cap;
	if (ok)
		memcpy(dst, s, strlen(s) + 1);
	free(s);
	return ok;
}

static enum acme_problem import_ec(const struct acme_jwk *in, struct store_acme_jwk *c,
				   struct acme_jwk_key *k, struct acme_error *e)
{
	size_t fs;
	if (in->crv != NULL && strcmp(in->crv, "P-256") == 0) {
		k->curve = ECC_SECP256R1;
		fs = 32;
	} else if (in->crv != NULL && strcmp(in->crv, "P-384") == 0) {
		k->curve = ECC_SECP384R1;
		fs = 48;
	} else {
		return acme_fail(e, ACME_PROB_BAD_PUBLIC_KEY,
				 "EC account keys must be on P-256 or P-384");
	}
	uint8_t *x = NULL, *y = NULL;
	size_t xl = 0, yl = 0;
	enum acme_problem p = ACME_PROB_NONE;
	if (!b64u(in->x, &x, &xl, 66) || !b64u(in->y, &y, &yl, 66) || xl != fs || yl != fs) {
		p = acme_fail(e, ACME_PROB_BAD_PUBLIC_KEY,
			      "the EC key's x and y must be base64url of %zu bytes each", fs);
		goto out;
	}
	if (wc_ecc_init(&k->u.ec) != 0) {
		p = acme_fail(e, ACME_PROB_SERVER_INTERNAL, "wolfCrypt failed");
		goto out;
	}
	k->kind = K_EC;
	if (wc_ecc_import_unsigned(&k->u.ec, x, y, NULL, k->curve) != 0 ||
	    wc_ecc_check_key(&k->u.ec) != 0) {
		p = acme_fail(e, ACME_PROB_BAD_PUBLIC_KEY, "the EC point is not on the curve");
		goto out;
	}
	snprintf(c->kty, sizeof(c->kty), "EC");
	snprintf(c->crv, sizeof(c->crv), "%s", in->crv);
	if (!put(c->x, sizeof(c->x), x, xl) || !put(c->y, sizeof(c->y), y, yl))
		p = acme_fail(e, ACME_PROB_SERVER_INTERNAL, "out of memory");
out:
	free(x);
	free(y);
	return p;
}

static enum acme_problem import_rsa(const struct acme_jwk *in, struct store_acme_jwk *c,
				    struct acme_jwk_key *k, struct acme_error *e)
{
	uint8_t *n = NULL, *ex = NULL;
	size_t nl = 0, el = 0;
	enum acme_problem p = ACME_PROB_NONE;
	if (!b64u(in->n, &n, &nl, 513) || !b64u(in->e, &ex, &el, 8)) {
		p = acme_fail(e, ACME_PROB_BAD_PUBLIC_KEY,
			      "the RSA key's n and e must be base64url");
		goto out;
	}
	size_t ns = 0, es = 0;
	while (ns < nl && n[ns] == 0)
		ns++;
	while (es < el && ex[es] == 0)
		es++;
	size_t bits = (nl - ns) * 8;
	for (uint8_t top = ns < nl ? n[ns] : 0; bits > 0 && !(top & 0x80);
	     top = (uint8_t)(top << 1))
		bits--;
	if (bits < 2048 || bits > 4096) {
		p = acme_fail(e, ACME_PROB_BAD_PUBLIC_KEY,
			      "RSA account keys must be 2048 to 4096 bits");
		goto out;
	}
	if (el - es != 3 || ex[es] != 0x01 || ex[es + 1] != 0x00 || ex[es + 2] != 0x01) {
		p = acme_fail(e, ACME_PROB_BAD_PUBLIC_KEY, "RSA account keys must have e = 65537");
		goto out;
	}
	if (wc_InitRsaKey(&k->u.rsa, NULL) != 0) {
		p = acme_fail(e, ACME_PROB_SERVER_INTERNAL, "wolfCrypt failed");
		goto out;
	}
	k->kind = K_RSA;
	if (wc_RsaPublicKeyDecodeRaw(n + ns, (word32)(nl - ns), ex + es, (word32)(el - es),
				     &k->u.rsa) != 0) {
		p = acme_fail(e, ACME_PROB_BAD_PUBLIC_KEY, "the RSA key could not be read");
		goto out;
	}
	snprintf(c->kty, sizeof(c->kty), "RSA");
	if (!put(c->n, sizeof(c->n), n + ns, nl - ns) || !put(c->e, sizeof(c->e), ex + es, el - es))
		p = acme_fail(e, ACME_PROB_SERVER_INTERNAL, "out of memory");
out:
	free(n);
	free(ex);
	return p;
}

static enum acme_problem import_okp(const struct acme_jwk *in, struct store_acme_jwk *c,
				    struct acme_jwk_key *k, struct acme_error *e)
{
	uint8_t *x = NULL;
	size_t xl = 0;
	enum acme_problem p = ACME_PROB_NONE;
	if (in->crv == NULL || strcmp(in->crv, "Ed25519") != 0)
		return acme_fail(e, ACME_PROB_BAD_PUBLIC_KEY, "OKP account keys must be Ed25519");
	if (!b64u(in->x, &x, &xl, 32) || xl != 32) {
		p = acme_fail(e, ACME_PROB_BAD_PUBLIC_KEY,
			      "the Ed25519 key's x must be base64url of 32 bytes");
		goto out;
	}
	if (wc_ed25519_init(&k->u.ed) != 0) {
		p = acme_fail(e, ACME_PROB_SERVER_INTERNAL, "wolfCrypt failed");
		goto out;
	}
	k->kind = K_ED25519;
	if (wc_ed25519_import_public(x, 32, &k->u.ed) != 0) {
		p = acme_fail(e, ACME_PROB_BAD_PUBLIC_KEY, "the Ed25519 key could not be read");
		goto out;
	}
	snprintf(c->kty, sizeof(c->kty), "OKP");
	snprintf(c->crv, sizeof(c->crv), "Ed25519");
	if (!put(c->x, sizeof(c->x), x, xl))
		p = acme_fail(e, ACME_PROB_SERVER_INTERNAL, "out of memory");
out:
	free(x);
	return p;
}

enum acme_problem jwk_import(const struct acme_jwk *in, struct store_acme_jwk *canon,
			     struct acme_jwk_key **out, struct acme_error *e)
{
	struct acme_jwk_key *k = calloc(1, sizeof(*k));
	enum acme_problem p;
	if (k == NULL)
		return acme_fail(e, ACME_PROB_SERVER_INTERNAL, "out of memory");
	k->kind = (enum kind) - 1;
	memset(canon, 0, sizeof(*canon));
	signer_thread_init();
	if (in->kty != NULL && strcmp(in->kty, "EC") == 0)
		p = import_ec(in, canon, k, e);
	else if (in->kty != NULL && strcmp(in->kty, "RSA") == 0)
		p = import_rsa(in, canon, k, e);
	else if (in->kty != NULL && strcmp(in->kty, "OKP") == 0)
		p = import_okp(in, canon, k, e);
	else
		p = acme_fail(e, ACME_PROB_BAD_PUBLIC_KEY,
			      "the jwk's kty must be EC (P-256, P-384), RSA or OKP (Ed25519)");
	if (p != ACME_PROB_NONE) {
		if ((int)k->kind == -1)
			free(k);
		else
			jwk_key_free(k);
		return p;
	}
	k->canon = *canon;
	*out = k;
	return ACME_PROB_NONE;
}

const struct store_acme_jwk *jwk_members(const struct acme_jwk_key *k)
{
	return &k->canon;
}

void jwk_thumbprint(const struct store_acme_jwk *k, char out[48])
{
	/* RFC 7638 3.2: the required members, lexicographic order, no white
	 * space; the values are base64url, so nothing needs escaping. */
	char json[1024];
	if (strcmp(k->kty, "RSA") == 0)
		snprintf(json, sizeof(json), "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", k->e,
			 k->n);
	else if (strcmp(k->kty, "EC") == 0)
		snprintf(json, sizeof(json),
			 "{\"crv\":\"%s\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", k->crv, k->x,
			 k->y);
	else
		snprintf(json, sizeof(json), "{\"crv\":\"%s\",\"kty\":\"OKP\",\"x\":\"%s\"}",
			 k->crv, k->x);
	uint8_t h[32];
	/* A failed hash gives an empty thumbprint, which matches no account. */
	char *s = hash_sha256((const uint8_t *)json, strlen(json), h) == CA_OK
		      ? b64url_encode(h, sizeof(h))
		      : NULL;
	snprintf(out, 48, "%s", s ? s : "");
	free(s);
}

enum acme_problem jwk_verify(const struct acme_jwk_key *k, const char *alg, const uint8_t *msg,
			     size_t n, const uint8_t *sig, size_t sig_len, struct acme_error *e)
{
	int ok = 0, r = -1;
	struct acme_jwk_key *kk = (struct acme_jwk_key *)k; /* wolfCrypt takes non-const keys */
	if (alg == NULL)
		alg = "";
	if (k->kind == K_EC) {
		bool p256 = k->curve == ECC_SECP256R1;
		size_t fs = p256 ? 32 : 48;
		if (strcmp(alg, p256 ? "ES256" : "ES384") != 0)
			return acme_fail(e, ACME_PROB_BAD_SIGNATURE_ALGORITHM,
					 "a %s key signs with %s", p256 ? "P-256" : "P-384",
					 p256 ? "ES256" : "ES384");
		if (sig_len != 2 * fs)
			return acme_fail(e, ACME_PROB_MALFORMED,
					 "an %s signature is %zu bytes (r || s)", alg, 2 * fs);
		uint8_t h[WC_SHA384_DIGEST_SIZE], der[160];
		word32 dl = sizeof(der);
		if (p256)
			r = wc_Sha256Hash(msg, (word32)n, h);
		else
			r = wc_Sha384Hash(msg, (word32)n, h);
		if (r == 0)
			r = wc_ecc_rs_raw_to_sig(sig, (word32)fs, sig + fs, (word32)fs, der, &dl);
		if (r == 0)
			r = wc_ecc_verify_hash(der, dl, h, (word32)fs, &ok, &kk->u.ec);
	} else if (k->kind == K_RSA) {
		if (strcmp(alg, "RS256") != 0)
			return acme_fail(e, ACME_PROB_BAD_SIGNATURE_ALGORITHM,
					 "an RSA key signs with RS256");
		r = wc_SignatureVerify(WC_HASH_TYPE_SHA256, WC_SIGNATURE_TYPE_RSA_W_ENC, msg,
				       (word32)n, sig, (word32)sig_len, &kk->u.rsa,
				       sizeof(kk->u.rsa));
		ok = r == 0;
		r = 0;
	} else {
		if (strcmp(alg, "EdDSA") != 0)
			return acme_fail(e, ACME_PROB_BAD_SIGNATURE_ALGORITHM,
					 "an Ed25519 key signs with EdDSA");
		if (sig_len != 64)
			return acme_fail(e, ACME_PROB_MALFORMED, "an EdDSA signature is 64 bytes");
		r = wc_ed25519_verify_msg(sig, 64, msg, (word32)n, &ok, &kk->u.ed);
	}
	if (r != 0 || ok != 1)
		return acme_fail(e, ACME_PROB_MALFORMED, "the JWS signature does not verify");
	return ACME_PROB_NONE;
}

/* Both keys' public values, exported the same way, compared. */
static bool ec_same(const struct acme_jwk_key *k, ecc_key *other)
{
	ecc_key *mine = (ecc_key *)&k->u.ec; /* wolfCrypt takes non-const keys */
	uint8_t a[1 + 2 * 66], b[1 + 2 * 66];
	word32 al = sizeof(a), bl = sizeof(b);
	if (other->dp == NULL || other->dp->id != k->curve)
		return false;
	if (wc_ecc_export_x963(mine, a, &al) != 0 || wc_ecc_export_x963(other, b, &bl) != 0)
		return false;
	return al == bl && memcmp(a, b, al) == 0;
}

static bool rsa_same(const struct acme_jwk_key *k, RsaKey *other)
{
	RsaKey *mine = (RsaKey *)&k->u.rsa;
	uint8_t n1[512], n2[512], e1[8], e2[8];
	word32 n1l = sizeof(n1), n2l = sizeof(n2), e1l = sizeof(e1), e2l = sizeof(e2);
	if (wc_RsaFlattenPublicKey(mine, e1, &e1l, n1, &n1l) != 0 ||
	    wc_RsaFlattenPublicKey(other, e2, &e2l, n2, &n2l) != 0)
		return false;
	return n1l == n2l && e1l == e2l && memcmp(n1, n2, n1l) == 0 && memcmp(e1, e2, e1l) == 0;
}

static bool ed_same(const struct acme_jwk_key *k, ed25519_key *other)
{
	ed25519_key *mine = (ed25519_key *)&k->u.ed;
	uint8_t a[ED25519_PUB_KEY_SIZE], b[ED25519_PUB_KEY_SIZE];
	word32 al = sizeof(a), bl = sizeof(b);
	if (wc_ed25519_export_public(mine, a, &al) != 0 ||
	    wc_ed25519_export_public(other, b, &bl) != 0)
		return false;
	return al == bl && memcmp(a, b, al) == 0;
}

bool jwk_same_key(const struct acme_jwk_key *k, const uint8_t *spki, size_t len)
{
	word32 idx = 0;
	bool same = false;
	if (len > UINT32_MAX)
		return false;
	if (k->kind == K_EC) {
		ecc_key o;
		if (wc_ecc_init(&o) != 0)
			return false;
		/* Decodes compressed points too (RFC 5480 2.2). */
		same = wc_EccPublicKeyDecode(spki, &idx, &o, (word32)len) == 0 && idx == len &&
		       ec_same(k, &o);
		wc_ecc_free(&o);
	} else if (k->kind == K_RSA) {
		RsaKey o;
		if (wc_InitRsaKey(&o, NULL) != 0)
			return false;
		same = wc_RsaPublicKeyDecode(spki, &idx, &o, (word32)len) == 0 && idx == len &&
		       rsa_same(k, &o);
		wc_FreeRsaKey(&o);
	} else {
		ed25519_key o;
		if (wc_ed25519_init(&o) != 0)
			return false;
		same = wc_Ed25519PublicKeyDecode(spki, &idx, &o, (word32)len) == 0 && idx == len &&
		       ed_same(k, &o);
		wc_ed25519_free(&o);
	}
	return same;
}

/* ---- requests ---- */

void acme_auth_clear(struct acme_auth *a)
{
	jwk_key_free(a->key);
	a->key = NULL;
}

static const struct store_acme_jwk *as_members(const struct store_acme_jwk *k, struct acme_jwk *out)
{
	*out = (struct acme_jwk){k->kty,
				 k->crv[0] ? k->crv : NULL,
				 k->x[0] ? k->x : NULL,
				 k->y[0] ? k->y : NULL,
				 k->n[0] ? k->n : NULL,
				 k->e[0] ? k->e : NULL};
	return k;
}

enum acme_problem acme_verify(struct ca *ca, const struct acme_jws *j, const char *url,
			      const char *acct_prefix, enum acme_key_mode mode,
			      struct acme_auth *out, struct acme_error *e)
{
	enum acme_problem p;
	struct store_acme_jwk canon;
	memset(out, 0, sizeof(*out));
	if (j->alg == NULL || strcmp(j->alg, "none") == 0 || strncmp(j->alg, "HS", 2) == 0)
		return acme_fail(e, ACME_PROB_BAD_SIGNATURE_ALGORITHM,
				 "the JWS must be signed with ES256, ES384, RS256 or EdDSA");
	if (strcmp(j->alg, "ES256") != 0 && strcmp(j->alg, "ES384") != 0 &&
	    strcmp(j->alg, "RS256") != 0 && strcmp(j->alg, "EdDSA") != 0)
		return acme_fail(e, ACME_PROB_BAD_SIGNATURE_ALGORITHM,
				 "alg '%.32s' is not one of ES256, ES384, RS256, EdDSA", j->alg);
	if (j->has_jwk == (j->kid != NULL))
		return acme_fail(e, ACME_PROB_MALFORMED,
				 "the protected header must carry exactly one of jwk and kid");
	if (mode == ACME_KEY_KID && j->has_jwk)
		return acme_fail(e, ACME_PROB_MALFORMED,
				 "this request is signed with kid, not jwk");
	if (mode == ACME_KEY_JWK && j->kid != NULL)
		return acme_fail(e, ACME_PROB_MALFORMED,
				 "this request is signed with jwk, not kid");
	if (j->url == NULL || strcmp(j->url, url) != 0)
		return acme_fail(e, ACME_PROB_UNAUTHORIZED,
				 "the protected header's url must be the URL posted to, %s", url);
	/* The nonce last before the signature: a request refused for its
	 * shape does not spend one. */
	bool fresh = false;
	if (j->nonce == NULL || strlen(j->nonce) != ACME_NONCE_LEN)
		return acme_fail(e, ACME_PROB_BAD_NONCE, "the nonce is missing or malformed");
	enum ca_err rc = store_acme_nonce_take(ca->store, j->nonce, clock_now(&ca->clock), &fresh);
	if (rc != CA_OK)
		return acme_fail_store(e, rc, "the nonce could not be checked");
	if (!fresh)
		return acme_fail(e, ACME_PROB_BAD_NONCE,
				 "the nonce is unknown, used or expired; retry with the one in "
				 "this answer's Replay-Nonce");
	if (j->has_jwk) {
		if ((p = jwk_import(&j->jwk, &canon, &out->key, e)) != ACME_PROB_NONE)
			return p;
	} else {
		size_t pl = strlen(acct_prefix);
		if (strncmp(j->kid, acct_prefix, pl) != 0 || strlen(j->kid + pl) >= ACME_ID_LEN)
			return acme_fail(e, ACME_PROB_ACCOUNT_DOES_NOT_EXIST,
					 "kid must be an account URL of this server (%s...)",
					 acct_prefix);
		struct store_acme_account a;
		rc = store_acme_account_get(ca->store, j->kid + pl, &a);
		if (rc == CA_ERR_NOT_FOUND)
			return acme_fail(e, ACME_PROB_ACCOUNT_DOES_NOT_EXIST, "no such account");
		if (rc != CA_OK)
			return acme_fail_store(e, rc, "the account could not be read");
		if (strcmp(a.status, "valid") != 0)
			return acme_fail(e, ACME_PROB_UNAUTHORIZED,
					 "the account is %s (its team's token may be revoked)",
					 a.status);
		struct acme_jwk m;
		as_members(&a.jwk, &m);
		if ((p = jwk_import(&m, &canon, &out->key, e)) != ACME_PROB_NONE)
			return acme_fail(e, ACME_PROB_SERVER_INTERNAL, "a stored key is unusable");
		out->by_kid = true;
		acme_account_view(&a, &out->account);
	}
	jwk_thumbprint(&canon, out->thumbprint);
	if ((p = jwk_verify(out->key, j->alg, j->signing_input, j->signing_input_len, j->sig,
			    j->sig_len, e)) != ACME_PROB_NONE) {
		acme_auth_clear(out);
		return p;
	}
	return ACME_PROB_NONE;
}

/* The account as a verified request's signer (here, below account.c, since
 * jws.c finds the account of a kid). */
void acme_account_view(const struct store_acme_account *a, struct acme_account *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->id, sizeof(o->id), "%s", a->id);
	snprintf(o->status, sizeof(o->status), "%s", a->status);
	snprintf(o->team, sizeof(o->team), "%s", a->team);
	snprintf(o->contact, sizeof(o->contact), "%s", a->contact);
	snprintf(o->thumbprint, sizeof(o->thumbprint), "%s", a->thumbprint);
	o->created_at = a->created_at;
}
