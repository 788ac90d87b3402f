/*
 * The signer class: whatever holds the CA's private key (a key file, an
 * encrypted key file once unlocked, a PKCS#11 token) behind one ops table,
 * BearSSL-style (the ops pointer is the first member of every
 * implementation). The certificate, CRL, OCSP and TLS paths see only this.
 *
 * Implementations:
 *  - signer_file.c: a key in memory from a PEM file (plain, or decrypted
 *    from encrypted PKCS#8 by keyfile.c), or freshly generated.
 *  - signer_pkcs11.c: a key inside a PKCS#11 token; it never leaves it.
 * keyfile.h opens ca.key in whichever form it holds.
 *
 * Thread safety: signer_signature and signer_sign may be called from many
 * threads at once; the rest only while the signer is not shared.
 */
#ifndef PRIVCA_SIGNER_H
#define PRIVCA_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include "x509/der.h"
#include "privca/ca.h"

/* The largest raw signature any signer writes (RSA-4096 is 512 bytes). */
#define SIGNER_SIG_MAX 600

struct signer;

struct signer_ops {
	const char *name; /* "file", "pkcs11": for messages */
	enum ca_key_type (*type)(const struct signer *s);
	/* SubjectPublicKeyInfo DER into *der (free()). */
	enum ca_err (*spki)(const struct signer *s, uint8_t **der, size_t *len);
	/* The signature AlgorithmIdentifier this signer's signatures carry. */
	void (*write_alg)(const struct signer *s, struct der_w *w);
	/* The raw signature value over msg into sig (SIGNER_SIG_MAX bytes). */
	enum ca_err (*sign)(struct signer *s, const uint8_t *msg, size_t n, uint8_t *sig,
			    size_t *sig_len);
	/* Wipe the key material (or log out of the token) and free s. */
	void (*close)(struct signer *s);
};

struct signer {
	const struct signer_ops *ops;
};

static inline const char *signer_name(const struct signer *s)
{
	return s->ops->name;
}

static inline enum ca_key_type signer_type(const struct signer *s)
{
	return s->ops->type(s);
}

/* SubjectPublicKeyInfo DER; *der freed with free(). */
static inline enum ca_err CA_WUR signer_spki(const struct signer *s, uint8_t **der, size_t *len)
{
	return s->ops->spki(s, der, len);
}

/* Write the signature AlgorithmIdentifier for s into w. */
static inline void signer_write_alg(const struct signer *s, struct der_w *w)
{
	s->ops->write_alg(s, w);
}

/*
 * The raw signature value (what goes in the BIT STRING) over msg, for
 * structures that carry more after the signature (OCSP BasicResponse).
 * sig must hold SIGNER_SIG_MAX bytes. Thread-safe. CA_ERR_CRYPTO when the
 * key (or the token) does not sign.
 */
static inline enum ca_err CA_WUR signer_signature(struct signer *s, const uint8_t *msg, size_t n,
						  uint8_t *sig, size_t *sig_len)
{
	return s->ops->sign(s, msg, n, sig, sig_len);
}

/* Close s (wipes its key material). NULL is fine. */
static inline void signer_close(struct signer *s)
{
	if (s != NULL)
		s->ops->close(s);
}

/*
 * Sign tbs (a complete DER TBSCertificate / TBSCertList / ResponseData)
 * and write SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING signature } to
 * *out (free()). Thread-safe.
 */
enum ca_err signer_sign(struct signer *s, const uint8_t *tbs, size_t tbs_len, uint8_t **out,
			size_t *out_len) CA_WUR;

/* ---- the file signer (signer_file.c) ---- */

/* A new key of type t in memory; close with signer_close. */
enum ca_err signer_file_generate(enum ca_key_type t, struct signer **out,
				 struct ca_error *err) CA_WUR;

/* A key from unencrypted DER (PKCS#8 or traditional) in memory; der stays
 * the caller's (wipe it). */
enum ca_err signer_file_load_der(const uint8_t *der, size_t n, struct signer **out,
				 struct ca_error *err) CA_WUR;

/* A key from unencrypted PEM bytes (PKCS#8 or traditional) in memory. */
enum ca_err signer_file_load_pem(const uint8_t *pem, size_t n, struct signer **out,
				 struct ca_error *err) CA_WUR;

/*
 * Write a file signer's key as PEM PKCS#8 to path, created with mode 0600;
 * refuses to overwrite, and refuses (CA_ERR_INTERNAL) a signer of another
 * kind, whose key has no file.
 */
enum ca_err signer_file_save(const struct signer *s, const char *path, struct ca_error *err) CA_WUR;

/*
 * A file signer's key as PrivateKeyInfo DER into *der (free with
 * pkcs8_wipe); CA_ERR_INTERNAL for a signer of another kind.
 */
enum ca_err signer_file_pkcs8(const struct signer *s, uint8_t **der, size_t *len) CA_WUR;

/*
 * Mark the calling thread as one that uses wolfCrypt ECC, so its per-thread
 * fixed-point cache is freed when it exits (the file signer does this
 * itself). signer_thread_done frees the calling thread's cache now (for
 * the main thread, which does not exit through pthread).
 */
void signer_thread_init(void);
void signer_thread_done(void);

#endif
