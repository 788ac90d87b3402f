/*
 * The code in this file implements the digest helpers (hash.h) over
 * wolfCrypt.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/sha.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include <limits.h>
#include <string.h>

#include "codec.h"
#include "crypto/hash.h"
#include "x509/der.h"

enum ca_err hash_sha256(const uint8_t *p, size_t n, uint8_t out[HASH_SHA256_LEN])
{
	if (n > UINT32_MAX || wc_Sha256Hash(p, (word32)n, out) != 0)
		return CA_ERR_CRYPTO;
	return CA_OK;
}

enum ca_err hash_sha1(const uint8_t *p, size_t n, uint8_t out[HASH_SHA1_LEN])
{
	if (n > UINT32_MAX || wc_ShaHash(p, (word32)n, out) != 0)
		return CA_ERR_CRYPTO;
	return CA_OK;
}

enum ca_err hash_sha256_hex(const uint8_t *p, size_t n, char out[65])
{
	uint8_t h[HASH_SHA256_LEN];
	out[0] = '\0';
	enum ca_err rc = hash_sha256(p, n, h);
	if (rc == CA_OK)
		hex_encode(h, sizeof(h), out);
	return rc;
}

enum ca_err hash_sha1_hex(const uint8_t *p, size_t n, char out[41])
{
	uint8_t h[HASH_SHA1_LEN];
	out[0] = '\0';
	enum ca_err rc = hash_sha1(p, n, h);
	if (rc == CA_OK)
		hex_encode(h, sizeof(h), out);
	return rc;
}

bool hash_key_id(const uint8_t *spki, size_t len, uint8_t id[HASH_SHA1_LEN])
{
	struct der_r r = {spki, len}, in;
	struct der_elem seq, alg, bits;
	if (!der_expect(&r, DER_SEQUENCE, &seq))
		return false;
	in = der_in(&seq);
	if (!der_expect(&in, DER_SEQUENCE, &alg) || !der_expect(&in, DER_BIT_STRING, &bits) ||
	    bits.len < 2 || bits.val[0] != 0)
		return false;
	return hash_sha1(bits.val + 1, bits.len - 1, id) == CA_OK;
}
