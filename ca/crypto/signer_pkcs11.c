/*
 * The code in this file implements the PKCS#11 signer (signer_pkcs11.h): CA
 * keys in a token, behind the signer class (signer.h). wolfSSL loads the module
 * (wc_Pkcs11_Initialize) and signs through its crypto callback (wc_Pkcs11_CryptoDevCb) with keys
 * made by wc_ecc_init_id / wc_InitRsaKey_Id, which find the private key by CKA_ID. Key generation,
 * the slot lookup and the login are done here with the module's own function list, because
 * wolfSSL 5.5.4 generates session (not token) objects without CKA_SENSITIVE/CKA_EXTRACTABLE, and
 * reports a wrong PIN only as WC_HW_E.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/cryptocb.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>
#include <wolfssl/wolfcrypt/sha256.h>
#include <wolfssl/wolfcrypt/sha512.h>
#include <wolfssl/wolfcrypt/wc_port.h>
#include <wolfssl/wolfcrypt/wc_pkcs11.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/rand.h"
#include "errors.h"
#include "codec.h"
#include "crypto/pkcs8.h"
#include "crypto/signer_pkcs11.h"
#include "crypto/signer.h"
#include "x509/oid.h"

/* Return values wolfSSL's pkcs11.h leaves out (PKCS#11 2.40 section 11). */
#ifndef CKR_PIN_INCORRECT
#define CKR_PIN_INCORRECT 0x000000A0UL
#endif
#ifndef CKR_PIN_INVALID
#define CKR_PIN_INVALID 0x000000A1UL
#endif
#ifndef CKR_PIN_LEN_RANGE
#define CKR_PIN_LEN_RANGE 0x000000A2UL
#endif
#ifndef CKR_PIN_LOCKED
#define CKR_PIN_LOCKED 0x000000A4UL
#endif
#ifndef CKM_RSA_PKCS
#define CKM_RSA_PKCS 0x00000001UL
#endif
#ifndef CKR_USER_ALREADY_LOGGED_IN
#define CKR_USER_ALREADY_LOGGED_IN 0x00000100UL
#endif

struct p11_key {
	struct signer base; /* first: a struct signer * is a struct p11_key * */
	pthread_mutex_t mu;
	Pkcs11Dev dev;
	Pkcs11Token tok;
	bool dev_ok, tok_ok, reg_ok, key_ok, rng_ok;
	int devid;
	enum ca_key_type type;
	union {
		ecc_key ecc;
		RsaKey rsa;
	} u;
	WC_RNG rng;
	uint8_t id[P11_ID_MAX];
	size_t id_len;
	char token[33];
	CK_OBJECT_HANDLE priv; /* RSA: the private key object */
};

static bool is_ec(enum ca_key_type t)
{
	return t == CA_KEY_EC_P256 || t == CA_KEY_EC_P384;
}

/* ---- module, token, login ---- */

static int next_devid = 0x70c0; /* under mu_devid */
static pthread_mutex_t mu_devid = PTHREAD_MUTEX_INITIALIZER;

/* wolfCrypt_Init clears the crypto callback table; registering a device
 * before it fails (5.5.4 does not do it lazily). Reference counted. */
static pthread_once_t wc_once = PTHREAD_ONCE_INIT;
static int wc_init_rc = -1;

static void wc_init(void)
{
	wc_init_rc = wolfCrypt_Init();
}

static void close_all(struct p11_key *k)
{
	if (k->key_ok) {
		if (is_ec(k->type))
			wc_ecc_free(&k->u.ecc);
		else
			wc_FreeRsaKey(&k->u.rsa);
		k->key_ok = false;
	}
	if (k->reg_ok) {
		wc_CryptoCb_UnRegisterDevice(k->devid);
		k->reg_ok = false;
	}
	if (k->tok_ok) {
		if (k->tok.handle != NULL_PTR)
			k->tok.func->C_Logout(k->tok.handle);
		wc_Pkcs11Token_Final(&k->tok);
		k->tok_ok = false;
	}
	if (k->dev_ok) {
		wc_Pkcs11_Finalize(&k->dev);
		k->dev_ok = false;
	}
	if (k->rng_ok) {
		wc_FreeRng(&k->rng);
		k->rng_ok = false;
	}
}

static void p11_free(struct p11_key *k)
{
	if (k == NULL)
		return;
	close_all(k);
	pthread_mutex_destroy(&k->mu);
	explicit_bzero(k, sizeof(*k));
	free(k);
}

/* Load the module (a regular file that is a PKCS#11 module). */
static enum ca_err load_module(struct p11_key *k, const char *module, struct ca_error *err)
{
	struct stat st;
	CK_RV rv = CKR_OK;
	if (stat(module, &st) != 0 || !S_ISREG(st.st_mode))
		return ca_fail(err, CA_ERR_IO, "the PKCS#11 module '%s' is not a file", module);
	int w = wc_Pkcs11_Initialize_ex(&k->dev, module, NULL, &rv);
	if (w != 0)
		return ca_fail(err, CA_ERR_IO,
			       w == WC_INIT_E
				   ? "the PKCS#11 module '%s' failed to initialise (CK_RV 0x%lx)"
				   : "'%s' is not a PKCS#11 module (CK_RV 0x%lx)",
			       module, (unsigned long)rv);
	k->dev_ok = true;
	return CA_OK;
}

/* The slot whose token label is exactly token (labels are 32 bytes padded
 * with spaces). */
static enum ca_err find_slot(struct p11_key *k, const char *module, const char *token,
			     CK_SLOT_ID *slot, struct ca_error *err)
{
	CK_FUNCTION_LIST *f = k->dev.func;
	CK_SLOT_ID *slots = NULL;
	CK_ULONG nslots = 0;
	enum ca_err rc = CA_ERR_NOT_FOUND;
	char want[32];

	if (f->C_GetSlotList(CK_TRUE, NULL, &nslots) != CKR_OK || nslots > 4096 ||
	    (slots = calloc(nslots + 1, sizeof(*slots))) == NULL ||
	    f->C_GetSlotList(CK_TRUE, slots, &nslots) != CKR_OK) {
		free(slots);
		return ca_fail(err, CA_ERR_IO, "cannot list the slots of PKCS#11 module '%s'",
			       module);
	}
	memset(want, ' ', sizeof(want));
	memcpy(want, token, strlen(token));
	for (CK_ULONG i = 0; i < nslots && rc != CA_OK; i++) {
		CK_TOKEN_INFO ti;
		if (f->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
		    memcmp(ti.label, want, sizeof(want)) == 0) {
			*slot = slots[i];
			rc = CA_OK;
		}
	}
	free(slots);
	if (rc != CA_OK)
		ca_fail(err, rc, "no token labelled '%s' in PKCS#11 module '%s'", token, module);
	return rc;
}

/* Open a session on slot and log in with pin (read from pin_file). */
static enum ca_err login(struct p11_key *k, CK_SLOT_ID slot, bool rw, const uint8_t *pin,
			 size_t pin_len, const char *pin_file, struct ca_error *err)
{
	CK_FUNCTION_LIST *f = k->dev.func;
	CK_SESSION_HANDLE h;
	CK_RV rv;
	/* wolfSSL's lookup by name is unreliable (header); take any slot,
	 * then point the token at the one found. */
	if (wc_Pkcs11Token_Init_NoLogin(&k->tok, &k->dev, -1, NULL) != 0)
		return ca_fail(err, CA_ERR_IO, "cannot use token '%s'", k->token);
	k->tok_ok = true;
	k->tok.slotId = slot;
	CK_FLAGS fl = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
	if ((rv = f->C_OpenSession(slot, fl, NULL, NULL, &h)) != CKR_OK)
		return ca_fail(err, CA_ERR_IO, "cannot open a session on token '%s' (CK_RV 0x%lx)",
			       k->token, (unsigned long)rv);
	k->tok.handle = h; /* wolfSSL then uses this session for every operation */
	rv = f->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)pin_len);
	if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_INVALID || rv == CKR_PIN_LEN_RANGE)
		return ca_fail(err, CA_ERR_UNAUTHORIZED,
			       "wrong PIN for PKCS#11 token '%s' (from '%s')", k->token, pin_file);
	if (rv == CKR_PIN_LOCKED)
		return ca_fail(err, CA_ERR_UNAUTHORIZED, "the PIN of PKCS#11 token '%s' is locked",
			       k->token);
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
		return ca_fail(err, CA_ERR_IO, "cannot log in to token '%s' (CK_RV 0x%lx)",
			       k->token, (unsigned long)rv);
	return CA_OK;
}

/* Load module, find the token by its full label, open a session, log in. */
static enum ca_err connect_token(struct p11_key *k, const char *module, const char *token,
				 const char *pin_file, bool rw, struct ca_error *err)
{
	uint8_t *pin = NULL;
	size_t pin_len = 0;
	CK_SLOT_ID slot = 0;
	enum ca_err rc;

	if (strlen(token) > 32)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "token label '%s' is over 32 bytes", token);
	snprintf(k->token, sizeof(k->token), "%s", token);
	if ((rc = pass_file_read(pin_file, "PIN", &pin, &pin_len, err)) != CA_OK)
		return rc;
	if ((rc = load_module(k, module, err)) != CA_OK ||
	    (rc = find_slot(k, module, token, &slot, err)) != CA_OK ||
	    (rc = login(k, slot, rw, pin, pin_len, pin_file, err)) != CA_OK)
		goto out;
	if (wc_InitRng(&k->rng) != 0) {
		rc = ca_fail(err, CA_ERR_CRYPTO, "cannot start the RNG");
		goto out;
	}
	k->rng_ok = true;
out:
	pkcs8_wipe(pin, pin_len);
	if (rc != CA_OK)
		close_all(k);
	return rc;
}

static const struct signer_ops p11_ops;

static struct p11_key *alloc_key(void)
{
	struct p11_key *k = calloc(1, sizeof(*k));
	if (k != NULL) {
		k->base.ops = &p11_ops;
		pthread_mutex_init(&k->mu, NULL);
	}
	return k;
}

/* ---- the key's public half ---- */

/* The EC_PARAMS (a DER OID) for a curve type. */
static void ec_params(enum ca_key_type t, uint8_t *buf, CK_ULONG *len)
{
	const char *oid = t == CA_KEY_EC_P256 ? OID_P256 : OID_P384;
	size_t n = t == CA_KEY_EC_P256 ? OID_LEN(OID_P256) : OID_LEN(OID_P384);
	buf[0] = DER_OID;
	buf[1] = (uint8_t)n;
	memcpy(buf + 2, oid, n);
	*len = (CK_ULONG)(n + 2);
}

static bool find(struct p11_key *k, CK_OBJECT_CLASS cls, CK_OBJECT_HANDLE *obj)
{
	CK_FUNCTION_LIST *f = k->tok.func;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_ID, k->id, (CK_ULONG)k->id_len}};
	CK_ULONG n = 0;
	if (f->C_FindObjectsInit(k->tok.handle, t, 2) != CKR_OK)
		return false;
	CK_RV rv = f->C_FindObjects(k->tok.handle, obj, 1, &n);
	f->C_FindObjectsFinal(k->tok.handle);
	return rv == CKR_OK && n == 1;
}

/* An attribute's value into a new buffer (free()). */
static uint8_t *get_attr(struct p11_key *k, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type,
			 size_t *len)
{
	CK_FUNCTION_LIST *f = k->tok.func;
	CK_ATTRIBUTE a = {type, NULL, 0};
	if (f->C_GetAttributeValue(k->tok.handle, obj, &a, 1) != CKR_OK || a.ulValueLen == 0 ||
	    a.ulValueLen > 4096)
		return NULL;
	uint8_t *buf = malloc(a.ulValueLen);
	if (buf == NULL)
		return NULL;
	a.pValue = buf;
	if (f->C_GetAttributeValue(k->tok.handle, obj, &a, 1) != CKR_OK) {
		free(buf);
		return NULL;
	}
	*len = a.ulValueLen;
	return buf;
}

/* Register k as a wolfCrypt crypto callback device (k->devid). */
static enum ca_err register_dev(struct p11_key *k, struct ca_error *err)
{
	pthread_once(&wc_once, wc_init);
	if (wc_init_rc != 0)
		return ca_fail(err, CA_ERR_CRYPTO, "cannot initialise wolfCrypt");
	pthread_mutex_lock(&mu_devid);
	k->devid = next_devid++;
	pthread_mutex_unlock(&mu_devid);
	if (wc_CryptoCb_RegisterDevice(k->devid, wc_Pkcs11_CryptoDevCb, &k->tok) != 0)
		return ca_fail(err, CA_ERR_CRYPTO, "cannot register the PKCS#11 device");
	k->reg_ok = true;
	return CA_OK;
}

/* The curve of the EC private key priv into k->type. */
static enum ca_err ec_curve(struct p11_key *k, CK_OBJECT_HANDLE priv, struct ca_error *err)
{
	uint8_t want[16];
	CK_ULONG wl;
	size_t al = 0;
	uint8_t *a = get_attr(k, priv, CKA_EC_PARAMS, &al);
	enum ca_err rc = CA_OK;
	if (a == NULL)
		return CA_ERR_CRYPTO;
	ec_params(CA_KEY_EC_P256, want, &wl);
	if (al == wl && memcmp(a, want, wl) == 0) {
		k->type = CA_KEY_EC_P256;
	} else {
		ec_params(CA_KEY_EC_P384, want, &wl);
		if (al == wl && memcmp(a, want, wl) == 0)
			k->type = CA_KEY_EC_P384;
		else
			rc = ca_fail(err, CA_ERR_WEAK_KEY,
				     "the key in token '%s' is on a curve privca does not use",
				     k->token);
	}
	free(a);
	return rc;
}

/* An EC key: its curve, and the public point into a wolfSSL key bound to
 * the token's private key by CKA_ID. */
static enum ca_err load_ec(struct p11_key *k, CK_OBJECT_HANDLE priv, struct ca_error *err)
{
	CK_OBJECT_HANDLE pub;
	size_t bl = 0;
	uint8_t *b = NULL;
	enum ca_err rc = ec_curve(k, priv, err);
	if (rc != CA_OK)
		return rc;
	if (!find(k, CKO_PUBLIC_KEY, &pub) || (b = get_attr(k, pub, CKA_EC_POINT, &bl)) == NULL)
		return ca_fail(err, CA_ERR_NOT_FOUND, "no public key with that id in token '%s'",
			       k->token);
	/* CKA_EC_POINT is DER OCTET STRING { 04 X Y }; a few modules give the
	 * raw point. */
	size_t psz = k->type == CA_KEY_EC_P256 ? 65 : 97;
	const uint8_t *pt = b;
	int curve = k->type == CA_KEY_EC_P256 ? ECC_SECP256R1 : ECC_SECP384R1;
	rc = CA_ERR_CRYPTO;
	if (bl == psz + 2 && b[0] == DER_OCTET_STRING && b[1] == psz)
		pt = b + 2;
	else if (bl != psz)
		goto out;
	if (wc_ecc_init_id(&k->u.ecc, k->id, (int)k->id_len, NULL, k->devid) != 0)
		goto out;
	k->key_ok = true;
	if (wc_ecc_import_x963_ex(pt, (word32)psz, &k->u.ecc, curve) == 0)
		rc = CA_OK;
out:
	free(b);
	return rc;
}

/* An RSA key: its size, and the public half for the SPKI (RSA signs with
 * C_Sign directly; p11_sign says why). */
static enum ca_err load_rsa(struct p11_key *k, CK_OBJECT_HANDLE priv, struct ca_error *err)
{
	size_t al = 0, bl = 0;
	uint8_t *a = get_attr(k, priv, CKA_MODULUS, &al), *b = NULL;
	enum ca_err rc = CA_ERR_CRYPTO;
	if (a == NULL || (b = get_attr(k, priv, CKA_PUBLIC_EXPONENT, &bl)) == NULL)
		goto out;
	while (al > 0 && a[0] == 0) /* leading zero octets */
		memmove(a, a + 1, --al);
	size_t bits = al * 8;
	k->type = bits == 2048	 ? CA_KEY_RSA_2048
		  : bits == 3072 ? CA_KEY_RSA_3072
		  : bits == 4096 ? CA_KEY_RSA_4096
				 : CA_KEY_TYPE_MAX;
	if (k->type == CA_KEY_TYPE_MAX) {
		rc = ca_fail(err, CA_ERR_WEAK_KEY,
			     "the RSA key in token '%s' is %zu bits; privca uses 2048, 3072 or "
			     "4096",
			     k->token, bits);
		goto out;
	}
	if (wc_InitRsaKey(&k->u.rsa, NULL) != 0)
		goto out;
	k->key_ok = true;
	if (wc_RsaPublicKeyDecodeRaw(a, (word32)al, b, (word32)bl, &k->u.rsa) != 0)
		goto out;
	k->priv = priv;
	rc = CA_OK;
out:
	free(a);
	free(b);
	return rc;
}

/* Set up the wolfSSL key for k->id from the token's key objects. */
static enum ca_err load_public(struct p11_key *k, struct ca_error *err)
{
	CK_OBJECT_HANDLE priv;
	CK_KEY_TYPE kt;
	CK_ATTRIBUTE at = {CKA_KEY_TYPE, &kt, sizeof(kt)};
	enum ca_err rc;

	if (!find(k, CKO_PRIVATE_KEY, &priv))
		return ca_fail(err, CA_ERR_NOT_FOUND, "no private key with that id in token '%s'",
			       k->token);
	if (k->tok.func->C_GetAttributeValue(k->tok.handle, priv, &at, 1) != CKR_OK)
		return ca_fail(err, CA_ERR_CRYPTO, "cannot read the key type in token '%s'",
			       k->token);
	if ((rc = register_dev(k, err)) != CA_OK)
		return rc;
	if (kt == CKK_EC)
		rc = load_ec(k, priv, err);
	else if (kt == CKK_RSA)
		rc = load_rsa(k, priv, err);
	else
		rc = ca_fail(err, CA_ERR_WEAK_KEY, "the key in token '%s' is neither EC nor RSA",
			     k->token);
	if (rc == CA_ERR_CRYPTO)
		ca_fail(err, rc, "cannot read the public key in token '%s'", k->token);
	return rc;
}

enum ca_err p11_open(const struct p11_uri *u, struct signer **out, struct ca_error *err)
{
	enum ca_err rc;
	*out = NULL;
	if (u->id_len == 0)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "the pkcs11: URI has no id=");
	struct p11_key *k = alloc_key();
	if (k == NULL)
		return CA_ERR_NOMEM;
	memcpy(k->id, u->id, u->id_len);
	k->id_len = u->id_len;
	if ((rc = connect_token(k, u->module_path, u->token, u->pin_file, false, err)) != CA_OK ||
	    (rc = load_public(k, err)) != CA_OK) {
		p11_free(k);
		return rc;
	}
	*out = &k->base;
	return CA_OK;
}

/* ---- key generation ---- */

static bool abs_path(const char *in, char out[PATH_MAX])
{
	if (in[0] == '/') {
		if (strlen(in) >= PATH_MAX)
			return false;
		strcpy(out, in);
		return true;
	}
	return realpath(in, out) != NULL;
}

/* The URI of the key p11_generate is to make, before it is made. */
static enum ca_err gen_uri(const char *module, const char *token, const char *pin_file,
			   const char *object, enum ca_key_type t, struct p11_uri *out,
			   struct ca_error *err)
{
	memset(out, 0, sizeof(*out));
	if (t == CA_KEY_ED25519 || (unsigned)t >= CA_KEY_TYPE_MAX)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "a %s key cannot be made in a PKCS#11 token (ec-p256, ec-p384 and "
			       "rsa keys can)",
			       ca_key_type_name(t));
	if (strlen(object) >= sizeof(out->object) || strlen(module) >= sizeof(out->module_path) ||
	    strlen(token) >= sizeof(out->token))
		return ca_fail(err, CA_ERR_BAD_REQUEST, "module path, token or label too long");
	/* The URI is read later from another working directory: relative
	 * paths are made absolute (absolute ones kept as given, so that a
	 * module symlink that upgrades follow stays the path). */
	if (!abs_path(pin_file, out->pin_file) || !abs_path(module, out->module_path))
		return ca_fail(err, CA_ERR_IO, "cannot find '%s' or '%s'", pin_file, module);
	snprintf(out->token, sizeof(out->token), "%s", token);
	snprintf(out->object, sizeof(out->object), "%s", object);
	out->id_len = 16;
	if (rand_bytes(out->id, out->id_len) != CA_OK)
		return ca_fail(err, CA_ERR_CRYPTO, "no random bytes for the key id");
	return CA_OK;
}

/* C_GenerateKeyPair for u in k's session: token objects, the private one
 * sensitive, never extractable and behind the PIN. */
static enum ca_err gen_pair(struct p11_key *k, const struct p11_uri *u, enum ca_key_type t,
			    CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv, struct ca_error *err)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	static CK_BYTE e65537[] = {0x01, 0x00, 0x01};
	uint8_t params[16];
	CK_ULONG plen = 0, bits = 0;
	CK_ULONG idl = (CK_ULONG)u->id_len, ll = (CK_ULONG)strlen(u->object);
	CK_ATTRIBUTE pubt[6] = {
	    {CKA_TOKEN, &yes, sizeof(yes)},
	    {CKA_VERIFY, &yes, sizeof(yes)},
	    {CKA_ID, (void *)u->id, idl},
	    {CKA_LABEL, (void *)u->object, ll},
	};
	CK_ULONG npub = 4;
	CK_ATTRIBUTE privt[] = {
	    {CKA_TOKEN, &yes, sizeof(yes)},	{CKA_PRIVATE, &yes, sizeof(yes)},
	    {CKA_SENSITIVE, &yes, sizeof(yes)}, {CKA_EXTRACTABLE, &no, sizeof(no)},
	    {CKA_SIGN, &yes, sizeof(yes)},	{CKA_ID, (void *)u->id, idl},
	    {CKA_LABEL, (void *)u->object, ll},
	};
	CK_MECHANISM mech = {0, NULL, 0};
	if (is_ec(t)) {
		ec_params(t, params, &plen);
		mech.mechanism = CKM_EC_KEY_PAIR_GEN;
		pubt[npub++] = (CK_ATTRIBUTE){CKA_EC_PARAMS, params, plen};
	} else {
		bits = t == CA_KEY_RSA_2048 ? 2048 : t == CA_KEY_RSA_3072 ? 3072 : 4096;
		mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
		pubt[npub++] = (CK_ATTRIBUTE){CKA_MODULUS_BITS, &bits, sizeof(bits)};
		pubt[npub++] = (CK_ATTRIBUTE){CKA_PUBLIC_EXPONENT, e65537, sizeof(e65537)};
	}
	CK_RV rv = k->tok.func->C_GenerateKeyPair(k->tok.handle, &mech, pubt, npub, privt,
						  sizeof(privt) / sizeof(privt[0]), pub, priv);
	if (rv != CKR_OK)
		return ca_fail(err, CA_ERR_CRYPTO,
			       "token '%s' could not generate a %s key (CK_RV 0x%lx)", k->token,
			       ca_key_type_name(t), (unsigned long)rv);
	return CA_OK;
}

enum ca_err p11_generate(const char *module, const char *token, const char *pin_file,
			 const char *object, enum ca_key_type t, struct p11_uri *out,
			 struct ca_error *err)
{
	CK_OBJECT_HANDLE pub = 0, priv = 0;
	enum ca_err rc = gen_uri(module, token, pin_file, object, t, out, err);
	if (rc != CA_OK)
		return rc;
	struct p11_key *k = alloc_key();
	if (k == NULL)
		return CA_ERR_NOMEM;
	if ((rc = connect_token(k, out->module_path, token, out->pin_file, true, err)) != CA_OK ||
	    (rc = gen_pair(k, out, t, &pub, &priv, err)) != CA_OK)
		goto out;
	memcpy(k->id, out->id, out->id_len);
	k->id_len = out->id_len;
	if ((rc = load_public(k, err)) != CA_OK) {
		k->tok.func->C_DestroyObject(k->tok.handle, priv);
		k->tok.func->C_DestroyObject(k->tok.handle, pub);
	}
out:
	p11_free(k);
	return rc;
}

/* ---- the signer ops ---- */

static enum ca_key_type p11_type(const struct signer *s)
{
	return ((const struct p11_key *)s)->type;
}

static enum ca_err p11_spki(const struct signer *s, uint8_t **der, size_t *len)
{
	uint8_t buf[1200];
	int n;
	struct p11_key *m = (struct p11_key *)s;
	pthread_mutex_lock(&m->mu);
	if (is_ec(m->type))
		n = wc_EccPublicKeyToDer(&m->u.ecc, buf, sizeof(buf), 1);
	else
		n = wc_RsaKeyToPublicDer(&m->u.rsa, buf, sizeof(buf));
	pthread_mutex_unlock(&m->mu);
	if (n <= 0)
		return CA_ERR_CRYPTO;
	if ((*der = malloc((size_t)n)) == NULL)
		return CA_ERR_NOMEM;
	memcpy(*der, buf, (size_t)n);
	*len = (size_t)n;
	return CA_OK;
}

static void p11_write_alg(const struct signer *s, struct der_w *w)
{
	enum ca_key_type t = ((const struct p11_key *)s)->type;
	size_t m = der_begin(w, DER_SEQUENCE);
	if (t == CA_KEY_EC_P256) {
		der_oid(w, (const uint8_t *)OID_ECDSA_SHA256, OID_LEN(OID_ECDSA_SHA256));
	} else if (t == CA_KEY_EC_P384) {
		der_oid(w, (const uint8_t *)OID_ECDSA_SHA384, OID_LEN(OID_ECDSA_SHA384));
	} else {
		der_oid(w, (const uint8_t *)OID_SHA256_RSA, OID_LEN(OID_SHA256_RSA));
		der_null(w);
	}
	der_end(w, m);
}

/* CKM_RSA_PKCS over the DigestInfo of hash, in the token. */
static int rsa_sign(struct p11_key *k, const uint8_t *hash, word32 hl, uint8_t *sig, word32 *sl)
{
	/* wolfSSL 5.5.4's PKCS#11 RSA path re-imports the modulus on every
	 * operation and leaks the previous copy (HAVE_WOLF_BIGINT), so RSA goes
	 * to the token directly, through the function list wolfSSL loaded. */
	uint8_t di[64];
	word32 dl = wc_EncodeSignature(di, hash, hl, SHA256h);
	CK_MECHANISM mech = {CKM_RSA_PKCS, NULL, 0};
	CK_ULONG ol = *sl;
	CK_FUNCTION_LIST *f = k->tok.func;
	if (dl == 0 || f->C_SignInit(k->tok.handle, &mech, k->priv) != CKR_OK ||
	    f->C_Sign(k->tok.handle, di, dl, sig, &ol) != CKR_OK)
		return -1;
	*sl = (word32)ol;
	return 0;
}

static enum ca_err p11_sign(struct signer *s, const uint8_t *msg, size_t n, uint8_t *sig,
			    size_t *sig_len)
{
	struct p11_key *k = (struct p11_key *)s;
	uint8_t hash[WC_SHA384_DIGEST_SIZE];
	word32 sl = SIGNER_SIG_MAX, hl;
	int rc;

	if (n > UINT32_MAX)
		return CA_ERR_INTERNAL;
	if (k->type == CA_KEY_EC_P384) {
		hl = WC_SHA384_DIGEST_SIZE;
		rc = wc_Sha384Hash(msg, (word32)n, hash);
	} else {
		hl = WC_SHA256_DIGEST_SIZE;
		rc = wc_Sha256Hash(msg, (word32)n, hash);
	}
	if (rc != 0)
		return CA_ERR_CRYPTO;
	pthread_mutex_lock(&k->mu);
	if (is_ec(k->type))
		rc = wc_ecc_sign_hash(hash, hl, sig, &sl, &k->rng, &k->u.ecc);
	else
		rc = rsa_sign(k, hash, hl, sig, &sl);
	pthread_mutex_unlock(&k->mu);
	if (rc != 0)
		return CA_ERR_CRYPTO;
	*sig_len = sl;
	return CA_OK;
}

static void p11_close(struct signer *s)
{
	p11_free((struct p11_key *)s);
}

static const struct signer_ops p11_ops = {
    .name = "pkcs11",
    .type = p11_type,
    .spki = p11_spki,
    .write_alg = p11_write_alg,
    .sign = p11_sign,
    .close = p11_close,
};
