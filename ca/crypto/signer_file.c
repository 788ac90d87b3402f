/*
 * The code in this file implements the file signer (signer.h): a key held
 * in memory, generated or loaded from PEM, saved as PEM PKCS#8, and its
 * SubjectPublicKeyInfo and signatures, for every CA key type, on top of
 * wolfCrypt.
 *
 * Thread safety: wolfCrypt key objects and the RNG are not safe for
 * concurrent use, so each key carries a small pool of signer slots, each
 * with its own RNG and a copy of the key, picked with trylock. A 2-core
 * machine signs on both cores at once without one big lock.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/ed25519.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/memory.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>
#include <wolfssl/wolfcrypt/sha256.h>
#include <wolfssl/wolfcrypt/sha512.h>
#include <wolfssl/wolfcrypt/asn.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "codec.h"
#include "file.h"
#include "crypto/signer.h"
#include "x509/oid.h"

#define SLOTS 4

struct slot {
	pthread_mutex_t mu;
	WC_RNG rng;
	bool rng_ok, key_ok;
	union {
		ecc_key ecc;
		RsaKey rsa;
		ed25519_key ed;
	} u;
};

struct key {
	struct signer base; /* first: a struct signer * is a struct key * */
	enum ca_key_type type;
	unsigned next; /* round-robin hint for slot choice */
	struct slot slot[SLOTS];
};

static bool is_ec(enum ca_key_type t)
{
	return t == CA_KEY_EC_P256 || t == CA_KEY_EC_P384;
}

static bool is_rsa(enum ca_key_type t)
{
	return t == CA_KEY_RSA_2048 || t == CA_KEY_RSA_3072 || t == CA_KEY_RSA_4096;
}

/* ---- per-thread wolfCrypt state ---- */

/*
 * FP_ECC keeps a fixed-point cache per thread (wolfssl-notes.md); it must be
 * freed by the thread that made it. Every thread that touches ECC marks
 * itself once and frees its cache when it exits. The fast build has no
 * FP_ECC (scripts/deps): then there is nothing to free.
 */
static void fp_free(void)
{
#ifdef FP_ECC
	wc_ecc_fp_free();
#endif
}

static pthread_key_t fp_key;
static pthread_once_t fp_once = PTHREAD_ONCE_INIT;

static void fp_release(void *p)
{
	(void)p;
	fp_free();
}

static void fp_init(void)
{
	pthread_key_create(&fp_key, fp_release);
}

void signer_thread_init(void)
{
	pthread_once(&fp_once, fp_init);
	if (pthread_getspecific(fp_key) == NULL)
		pthread_setspecific(fp_key, &fp_key);
}

void signer_thread_done(void)
{
	fp_free();
}

/* ---- slots ---- */

static void slot_clear(enum ca_key_type t, struct slot *s)
{
	if (s->key_ok) {
		if (is_ec(t))
			wc_ecc_free(&s->u.ecc);
		else if (is_rsa(t))
			wc_FreeRsaKey(&s->u.rsa);
		else
			wc_ed25519_free(&s->u.ed);
	}
	if (s->rng_ok)
		wc_FreeRng(&s->rng);
	pthread_mutex_destroy(&s->mu);
	explicit_bzero(&s->u, sizeof(s->u));
}

static void key_free(struct key *k)
{
	if (k == NULL)
		return;
	for (int i = 0; i < SLOTS; i++)
		slot_clear(k->type, &k->slot[i]);
	explicit_bzero(k, sizeof(*k));
	free(k);
}

static const struct signer_ops file_ops;

static struct key *key_alloc(enum ca_key_type t)
{
	struct key *k = calloc(1, sizeof(*k));
	if (k == NULL)
		return NULL;
	k->base.ops = &file_ops;
	k->type = t;
	for (int i = 0; i < SLOTS; i++)
		pthread_mutex_init(&k->slot[i].mu, NULL);
	return k;
}

/* Decode a private key DER (PKCS#8 or traditional) into slot s. */
static int slot_decode(struct slot *s, enum ca_key_type t, const uint8_t *der, size_t n)
{
	word32 idx = 0;
	int rc;
	if (is_ec(t)) {
		if ((rc = wc_ecc_init(&s->u.ecc)) != 0)
			return rc;
		s->key_ok = true;
		return wc_EccPrivateKeyDecode(der, &idx, &s->u.ecc, (word32)n);
	}
	if (is_rsa(t)) {
		if ((rc = wc_InitRsaKey(&s->u.rsa, NULL)) != 0)
			return rc;
		s->key_ok = true;
		return wc_RsaPrivateKeyDecode(der, &idx, &s->u.rsa, (word32)n);
	}
	if ((rc = wc_ed25519_init(&s->u.ed)) != 0)
		return rc;
	s->key_ok = true;
	if ((rc = wc_Ed25519PrivateKeyDecode(der, &idx, &s->u.ed, (word32)n)) != 0)
		return rc;
	if (!s->u.ed.pubKeySet) {
		/* A PKCS#8 v1 Ed25519 key has no public half (wolfssl-notes). */
		uint8_t pub[ED25519_PUB_KEY_SIZE];
		if ((rc = wc_ed25519_make_public(&s->u.ed, pub, sizeof(pub))) != 0)
			return rc;
		if ((rc = wc_ed25519_import_private_key(s->u.ed.k, ED25519_KEY_SIZE, pub,
							sizeof(pub), &s->u.ed)) != 0)
			return rc;
	}
	return 0;
}

/* Fill every slot from one private key DER. */
static enum ca_err key_from_der(enum ca_key_type t, const uint8_t *der, size_t n,
				struct signer **out)
{
	struct key *k = key_alloc(t);
	if (k == NULL)
		return CA_ERR_NOMEM;
	for (int i = 0; i < SLOTS; i++) {
		struct slot *s = &k->slot[i];
		if (wc_InitRng(&s->rng) != 0) {
			key_free(k);
			return CA_ERR_CRYPTO;
		}
		s->rng_ok = true;
		if (slot_decode(s, t, der, n) != 0) {
			key_free(k);
			return CA_ERR_CRYPTO;
		}
		if (is_rsa(t) && wc_RsaSetRNG(&s->u.rsa, &s->rng) != 0) {
			key_free(k);
			return CA_ERR_CRYPTO;
		}
	}
	*out = &k->base;
	return CA_OK;
}

/* The private key as PKCS#8 DER; *der freed by the caller with wipe. */
static int to_pkcs8(struct slot *s, enum ca_key_type t, uint8_t **der, size_t *len)
{
	word32 sz = 8192;
	uint8_t *buf = malloc(sz);
	int rc = -1;
	if (buf == NULL)
		return -1;
	if (is_ec(t)) {
		rc = wc_EccKeyToPKCS8(&s->u.ecc, buf, &sz);
	} else if (is_rsa(t)) {
		uint8_t trad[4096];
		int tl = wc_RsaKeyToDer(&s->u.rsa, trad, sizeof(trad));
		if (tl > 0)
			rc = wc_CreatePKCS8Key(buf, &sz, trad, (word32)tl, RSAk, NULL, 0);
		explicit_bzero(trad, sizeof(trad));
	} else {
		rc = wc_Ed25519PrivateKeyToDer(&s->u.ed, buf, sz);
		if (rc > 0)
			sz = (word32)rc;
	}
	if (rc < 0) {
		explicit_bzero(buf, 8192);
		free(buf);
		return rc;
	}
	*der = buf;
	*len = sz;
	return 0;
}

enum ca_err signer_file_generate(enum ca_key_type t, struct signer **out, struct ca_error *err)
{
	struct slot tmp;
	memset(&tmp, 0, sizeof(tmp));
	pthread_mutex_init(&tmp.mu, NULL);
	enum ca_err rc = CA_ERR_CRYPTO;
	uint8_t *der = NULL;
	size_t len = 0;
	int wr;

	if ((unsigned)t >= CA_KEY_TYPE_MAX)
		return ca_fail(err, CA_ERR_INTERNAL, "unknown key type");
	if (wc_InitRng(&tmp.rng) != 0)
		goto out;
	tmp.rng_ok = true;
	if (is_ec(t)) {
		int curve = t == CA_KEY_EC_P256 ? ECC_SECP256R1 : ECC_SECP384R1;
		if (wc_ecc_init(&tmp.u.ecc) != 0)
			goto out;
		tmp.key_ok = true;
		wr = wc_ecc_make_key_ex(&tmp.rng, wc_ecc_get_curve_size_from_id(curve), &tmp.u.ecc,
					curve);
	} else if (is_rsa(t)) {
		int bits = t == CA_KEY_RSA_2048 ? 2048 : t == CA_KEY_RSA_3072 ? 3072 : 4096;
		if (wc_InitRsaKey(&tmp.u.rsa, NULL) != 0)
			goto out;
		tmp.key_ok = true;
		wr = wc_MakeRsaKey(&tmp.u.rsa, bits, WC_RSA_EXPONENT, &tmp.rng);
	} else {
		if (wc_ed25519_init(&tmp.u.ed) != 0)
			goto out;
		tmp.key_ok = true;
		wr = wc_ed25519_make_key(&tmp.rng, ED25519_KEY_SIZE, &tmp.u.ed);
	}
	if (wr != 0 || to_pkcs8(&tmp, t, &der, &len) != 0)
		goto out;
	rc = key_from_der(t, der, len, out);
out:
	if (der != NULL) {
		explicit_bzero(der, len);
		free(der);
	}
	slot_clear(t, &tmp);
	if (rc != CA_OK)
		return ca_fail(err, rc, "could not generate a %s key", ca_key_type_name(t));
	return CA_OK;
}

/* Which CA key type a decoded key is; -1 if privca does not use it. */
static int classify(const uint8_t *der, size_t n)
{
	word32 idx = 0;
	int t = -1;
	ecc_key ecc;
	RsaKey rsa;
	ed25519_key ed;

	if (wc_ecc_init(&ecc) == 0) {
		if (wc_EccPrivateKeyDecode(der, &idx, &ecc, (word32)n) == 0 && ecc.dp != NULL) {
			if (ecc.dp->id == ECC_SECP256R1)
				t = CA_KEY_EC_P256;
			else if (ecc.dp->id == ECC_SECP384R1)
				t = CA_KEY_EC_P384;
		}
		wc_ecc_free(&ecc);
		if (t >= 0)
			return t;
	}
	idx = 0;
	if (wc_InitRsaKey(&rsa, NULL) == 0) {
		if (wc_RsaPrivateKeyDecode(der, &idx, &rsa, (word32)n) == 0) {
			int bits = wc_RsaEncryptSize(&rsa) * 8;
			t = bits == 2048   ? CA_KEY_RSA_2048
			    : bits == 3072 ? CA_KEY_RSA_3072
			    : bits == 4096 ? CA_KEY_RSA_4096
					   : -1;
		}
		wc_FreeRsaKey(&rsa);
		if (t >= 0)
			return t;
	}
	idx = 0;
	if (wc_ed25519_init(&ed) == 0) {
		if (wc_Ed25519PrivateKeyDecode(der, &idx, &ed, (word32)n) == 0)
			t = CA_KEY_ED25519;
		wc_ed25519_free(&ed);
	}
	return t;
}

enum ca_err signer_file_load_der(const uint8_t *der, size_t n, struct signer **out,
				 struct ca_error *err)
{
	int t = classify(der, n);
	if (t < 0)
		return ca_fail(
		    err, CA_ERR_CRYPTO,
		    "the key is not one privca uses (ec-p256, ec-p384, rsa-2048/3072/4096, "
		    "ed25519), or it is corrupt");
	enum ca_err rc = key_from_der((enum ca_key_type)t, der, n, out);
	if (rc != CA_OK)
		ca_fail(err, rc, "could not load the key");
	return rc;
}

enum ca_err signer_file_load_pem(const uint8_t *pem, size_t n, struct signer **out,
				 struct ca_error *err)
{
	static const char *const labels[] = {"PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY",
					     NULL};
	uint8_t *der = NULL;
	size_t len = 0;

	if (!pem_decode(pem, n, labels, &der, &len))
		return ca_fail(err, CA_ERR_CRYPTO,
			       "the key file holds no unencrypted PEM private key");
	enum ca_err rc = signer_file_load_der(der, len, out, err);
	explicit_bzero(der, len);
	free(der);
	return rc;
}

/* The file signer behind s, or NULL for a signer of another kind. */
static struct key *as_file(const struct signer *s)
{
	return s->ops == &file_ops ? (struct key *)s : NULL;
}

enum ca_err signer_file_pkcs8(const struct signer *sg, uint8_t **der, size_t *len)
{
	struct key *k = as_file(sg);
	if (k == NULL)
		return CA_ERR_INTERNAL;
	struct slot *s = &k->slot[0];
	pthread_mutex_lock(&s->mu);
	int r = to_pkcs8(s, k->type, der, len);
	pthread_mutex_unlock(&s->mu);
	return r == 0 ? CA_OK : CA_ERR_CRYPTO;
}

enum ca_err signer_file_save(const struct signer *sg, const char *path, struct ca_error *err)
{
	uint8_t *der = NULL;
	size_t len = 0;

	if (as_file(sg) == NULL)
		return ca_fail(err, CA_ERR_INTERNAL, "a %s key has no file to save",
			       signer_name(sg));
	if (signer_file_pkcs8(sg, &der, &len) != CA_OK)
		return ca_fail(err, CA_ERR_CRYPTO, "could not encode the key");
	char *pem = pem_encode("PRIVATE KEY", der, len);
	explicit_bzero(der, len);
	free(der);
	if (pem == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	/* Created 0600 from the start: the key is never readable by others. */
	enum ca_err rc = file_write_new(path, 0600, pem, strlen(pem), err);
	ca_secret_free(pem);
	return rc;
}

static enum ca_key_type file_type(const struct signer *sg)
{
	return ((const struct key *)sg)->type;
}

static enum ca_err file_spki(const struct signer *sg, uint8_t **out, size_t *out_len)
{
	const struct key *k = (const struct key *)sg;
	struct slot *s = (struct slot *)&k->slot[0];
	struct der_w w = {0};
	uint8_t pub[1100];
	word32 plen = sizeof(pub);
	int rc = -1;

	pthread_mutex_lock(&s->mu);
	size_t top = der_begin(&w, DER_SEQUENCE);
	size_t alg = der_begin(&w, DER_SEQUENCE);
	if (is_ec(k->type)) {
		der_oid(&w, (const uint8_t *)OID_EC_PUBLIC_KEY, OID_LEN(OID_EC_PUBLIC_KEY));
		if (k->type == CA_KEY_EC_P256)
			der_oid(&w, (const uint8_t *)OID_P256, OID_LEN(OID_P256));
		else
			der_oid(&w, (const uint8_t *)OID_P384, OID_LEN(OID_P384));
		der_end(&w, alg);
		rc = wc_ecc_export_x963(&s->u.ecc, pub, &plen);
		if (rc == 0)
			der_bits(&w, pub, plen);
	} else if (is_rsa(k->type)) {
		der_oid(&w, (const uint8_t *)OID_RSA_ENCRYPTION, OID_LEN(OID_RSA_ENCRYPTION));
		der_null(&w);
		der_end(&w, alg);
		uint8_t e[8], n[600];
		word32 el = sizeof(e), nl = sizeof(n);
		rc = wc_RsaFlattenPublicKey(&s->u.rsa, e, &el, n, &nl);
		if (rc == 0) {
			size_t bits = der_begin(&w, DER_BIT_STRING);
			der_raw(&w, "\x00", 1);
			size_t seq = der_begin(&w, DER_SEQUENCE);
			der_uint_bytes(&w, DER_INTEGER, n, nl);
			der_uint_bytes(&w, DER_INTEGER, e, el);
			der_end(&w, seq);
			der_end(&w, bits);
		}
	} else {
		der_oid(&w, (const uint8_t *)OID_ED25519, OID_LEN(OID_ED25519));
		der_end(&w, alg);
		rc = wc_ed25519_export_public(&s->u.ed, pub, &plen);
		if (rc == 0)
			der_bits(&w, pub, plen);
	}
	der_end(&w, top);
	pthread_mutex_unlock(&s->mu);
	if (rc != 0) {
		der_free(&w);
		return CA_ERR_CRYPTO;
	}
	return der_finish(&w, out, out_len) ? CA_OK : CA_ERR_NOMEM;
}

static void file_write_alg(const struct signer *sg, struct der_w *w)
{
	size_t m = der_begin(w, DER_SEQUENCE);
	switch (((const struct key *)sg)->type) {
	case CA_KEY_EC_P256:
		der_oid(w, (const uint8_t *)OID_ECDSA_SHA256, OID_LEN(OID_ECDSA_SHA256));
		break;
	case CA_KEY_EC_P384:
		der_oid(w, (const uint8_t *)OID_ECDSA_SHA384, OID_LEN(OID_ECDSA_SHA384));
		break;
	case CA_KEY_ED25519:
		der_oid(w, (const uint8_t *)OID_ED25519, OID_LEN(OID_ED25519));
		break;
	default:
		der_oid(w, (const uint8_t *)OID_SHA256_RSA, OID_LEN(OID_SHA256_RSA));
		der_null(w);
		break;
	}
	der_end(w, m);
}

static struct slot *slot_take(struct key *k)
{
	unsigned start = __atomic_fetch_add(&k->next, 1, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < SLOTS; i++) {
		struct slot *s = &k->slot[(start + i) % SLOTS];
		if (pthread_mutex_trylock(&s->mu) == 0)
			return s;
	}
	struct slot *s = &k->slot[start % SLOTS];
	pthread_mutex_lock(&s->mu);
	return s;
}

static enum ca_err file_sign(struct signer *sg, const uint8_t *msg, size_t n, uint8_t *sig,
			     size_t *sig_len)
{
	struct key *k = (struct key *)sg;
	uint8_t hash[WC_SHA384_DIGEST_SIZE];
	word32 sl = SIGNER_SIG_MAX;
	int rc;

	if (n > UINT32_MAX)
		return CA_ERR_INTERNAL;
	signer_thread_init();
	if (k->type == CA_KEY_EC_P384)
		rc = wc_Sha384Hash(msg, (word32)n, hash);
	else if (k->type != CA_KEY_ED25519)
		rc = wc_Sha256Hash(msg, (word32)n, hash);
	else
		rc = 0;
	if (rc != 0)
		return CA_ERR_CRYPTO;

	struct slot *s = slot_take(k);
	if (is_ec(k->type)) {
		word32 hl =
		    k->type == CA_KEY_EC_P384 ? WC_SHA384_DIGEST_SIZE : WC_SHA256_DIGEST_SIZE;
		rc = wc_ecc_sign_hash(hash, hl, sig, &sl, &s->rng, &s->u.ecc);
	} else if (is_rsa(k->type)) {
		uint8_t di[64];
		word32 dl = wc_EncodeSignature(di, hash, WC_SHA256_DIGEST_SIZE, SHA256h);
		rc = wc_RsaSSL_Sign(di, dl, sig, sl, &s->u.rsa, &s->rng);
		if (rc > 0) {
			sl = (word32)rc;
			rc = 0;
		}
	} else {
		rc = wc_ed25519_sign_msg(msg, (word32)n, sig, &sl, &s->u.ed);
	}
	pthread_mutex_unlock(&s->mu);
	if (rc != 0)
		return CA_ERR_CRYPTO;
	*sig_len = sl;
	return CA_OK;
}

static void file_close(struct signer *sg)
{
	key_free((struct key *)sg);
}

static const struct signer_ops file_ops = {
    .name = "file",
    .type = file_type,
    .spki = file_spki,
    .write_alg = file_write_alg,
    .sign = file_sign,
    .close = file_close,
};
