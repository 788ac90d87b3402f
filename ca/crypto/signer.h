/*
 * Keys: the CA key (and the TLS key) as one type, whatever the algorithm.
 * Generate, load, save, export the SubjectPublicKeyInfo, and sign.
 */
#ifndef PRIVCA_KEY_H
#define PRIVCA_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "x509/der.h"
#include "privca/ca.h"

struct key;

/* New key of type t; free with key_free. */
enum ca_err key_generate(enum ca_key_type t, struct key **out, struct ca_error *err) CA_WUR;

/*
 * Load a PEM private key (PKCS#8 or traditional). Refuses, with
 * CA_ERR_IO, a file readable or writable by group or others.
 */
enum ca_err key_load(const char *path, struct key **out, struct ca_error *err) CA_WUR;

/* Load from PEM bytes already in memory (no mode check). */
enum ca_err key_load_pem(const uint8_t *pem, size_t n, struct key **out,
			 struct ca_error *err) CA_WUR;

/* Write as PEM PKCS#8, creating path with mode 0600; refuses to overwrite. */
enum ca_err key_save(const struct key *k, const char *path, struct ca_error *err) CA_WUR;

/* Wipes the key material and frees. NULL is fine. */
void key_free(struct key *k);

enum ca_key_type key_type(const struct key *k);

/* SubjectPublicKeyInfo DER; *der freed with free(). */
enum ca_err key_spki(const struct key *k, uint8_t **der, size_t *len) CA_WUR;

/* Write the signature AlgorithmIdentifier for this key. */
void key_write_alg(const struct key *k, struct der_w *w);

/*
 * Sign tbs (a complete DER TBSCertificate / TBSCertList / ResponseData)
 * and write SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING signature } to
 * *out (free()). Thread-safe.
 */
enum ca_err key_sign(struct key *k, const uint8_t *tbs, size_t tbs_len, uint8_t **out,
		     size_t *out_len) CA_WUR;

/*
 * The raw signature value (what goes in the BIT STRING) over msg, for
 * structures that carry more after the signature (OCSP BasicResponse).
 * sig must hold KEY_SIG_MAX bytes. Thread-safe.
 */
#define KEY_SIG_MAX 600
enum ca_err key_signature(struct key *k, const uint8_t *msg, size_t n, uint8_t *sig,
			  size_t *sig_len) CA_WUR;

/*
 * Mark the calling thread as one that uses wolfCrypt ECC, so its per-thread
 * fixed-point cache is freed when it exits (key_signature does this itself).
 * key_thread_done frees the calling thread's cache now (for the main thread,
 * which does not exit through pthread).
 */
void key_thread_init(void);
void key_thread_done(void);

#endif
