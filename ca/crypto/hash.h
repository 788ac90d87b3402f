/*
 * Digests for the CA: certificate fingerprints, token hashes, OCSP cache
 * keys, key identifiers. A wolfCrypt failure is an error (CA_ERR_CRYPTO),
 * never a digest of zeros: an all-zero fingerprint or token hash would
 * look like a real one.
 */
#ifndef PRIVCA_HASH_H
#define PRIVCA_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "privca/ca.h"

#define HASH_SHA1_LEN	20
#define HASH_SHA256_LEN 32

/* SHA-256 / SHA-1 of n bytes at p (p may be NULL only when n is 0). */
enum ca_err hash_sha256(const uint8_t *p, size_t n, uint8_t out[HASH_SHA256_LEN]) CA_WUR;
enum ca_err hash_sha1(const uint8_t *p, size_t n, uint8_t out[HASH_SHA1_LEN]) CA_WUR;

/* The same as lowercase hex, NUL-terminated. On failure out is "". */
enum ca_err hash_sha256_hex(const uint8_t *p, size_t n, char out[65]) CA_WUR;
enum ca_err hash_sha1_hex(const uint8_t *p, size_t n, char out[41]) CA_WUR;

/*
 * RFC 5280 4.2.1.2 (1) key identifier: SHA-1 of an SPKI's subjectPublicKey.
 * False if spki is malformed or the digest fails.
 */
bool hash_key_id(const uint8_t *spki, size_t len, uint8_t id[HASH_SHA1_LEN]) CA_WUR;

#endif
