/*
 * Public keys the CA accepts from others (design.md section 3): read from a
 * SubjectPublicKeyInfo (a CSR's, a certificate's) or built from raw members
 * (a JWK's n/e, x/y), checked against privca's allowlist, and used to verify
 * a signature with wolfCrypt.
 *
 * The allowlist: RSA 2048 to 4096 bits with e = 65537, ECDSA on P-256,
 * P-384 or P-521 (uncompressed points on the curve), Ed25519.
 *
 * Errors, for every function below that returns enum ca_err:
 *   CA_ERR_BAD_REQUEST  the key (or signature) bytes are malformed
 *   CA_ERR_WEAK_KEY     a well-formed key the allowlist refuses
 *   CA_ERR_BAD_SIGNATURE  pubkey_verify: the signature does not verify
 *   CA_ERR_NOMEM, CA_ERR_CRYPTO
 * err (may be NULL) says why, about "the key" (callers add whose key it is).
 *
 * Caveats: no RSASSA-PSS, no compressed EC points, no explicit curve
 * parameters; ECDSA signatures are the DER SEQUENCE { r, s } of X.509 (a
 * JWS's raw r || s must be DER-encoded by the caller first).
 */
#ifndef PRIVCA_PUBKEY_H
#define PRIVCA_PUBKEY_H

#include <stddef.h>
#include <stdint.h>

#include "privca/types.h"

enum pubkey_type { PUBKEY_RSA, PUBKEY_EC, PUBKEY_ED25519 };
enum pubkey_hash { PUBKEY_SHA256, PUBKEY_SHA384, PUBKEY_SHA512 };

/* Opaque; made by the pubkey_from_* functions, freed with pubkey_free. */
struct pubkey;

/*
 * A key from a DER SubjectPublicKeyInfo (the whole TLV, n bytes at spki;
 * nothing after it). Key types outside the allowlist are CA_ERR_WEAK_KEY
 * and named in the message (by name where known, else by OID).
 * On success *out is the key (free with pubkey_free); on failure NULL.
 */
enum ca_err pubkey_from_spki(const uint8_t *spki, size_t n, struct pubkey **out,
			     struct ca_error *err) CA_WUR;

/*
 * An RSA key from its modulus and public exponent as unsigned big-endian
 * magnitudes (leading zero bytes allowed, as in a JWK's n and e).
 * *out as for pubkey_from_spki.
 */
enum ca_err pubkey_from_rsa(const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen,
			    struct pubkey **out, struct ca_error *err) CA_WUR;

/*
 * An EC key on curve ("P-256", "P-384" or "P-521", as in a JWK's crv) from
 * its affine coordinates, each exactly the curve's field size in bytes.
 * Other curve names are CA_ERR_WEAK_KEY. *out as for pubkey_from_spki.
 */
enum ca_err pubkey_from_ec(const char *curve, const uint8_t *x, size_t xlen, const uint8_t *y,
			   size_t ylen, struct pubkey **out, struct ca_error *err) CA_WUR;

/* An Ed25519 key from its 32 bytes (RFC 8032). *out as for pubkey_from_spki. */
enum ca_err pubkey_from_ed25519(const uint8_t *x, size_t xlen, struct pubkey **out,
				struct ca_error *err) CA_WUR;

enum pubkey_type pubkey_type(const struct pubkey *k);
/* RSA modulus bits; 256, 384 or 521 for EC; 256 for Ed25519. */
int pubkey_bits(const struct pubkey *k);
/* "RSA", "EC" or "Ed25519", static. */
const char *pubkey_type_name(enum pubkey_type t);

/*
 * Verify sig over the n bytes at msg: RSA PKCS#1 v1.5 and ECDSA over the
 * hash h of msg, Ed25519 (PureEdDSA) over msg itself (h is ignored).
 * A signature of the wrong length or shape is CA_ERR_BAD_SIGNATURE, as is
 * one that does not verify. k is not changed.
 */
enum ca_err pubkey_verify(struct pubkey *k, enum pubkey_hash h, const uint8_t *msg, size_t n,
			  const uint8_t *sig, size_t sig_len, struct ca_error *err) CA_WUR;

/* Free k and what it holds; NULL is harmless. */
void pubkey_free(struct pubkey *k);

#endif
