/*
 * Test support shared by the unit tests of the revocation encoders: a
 * self-signed CA (every key type) made with the project's DER writer and
 * written to a temporary directory as ca.pem, and a way to run the real
 * tools (openssl, certtool) there.
 */
#ifndef PRIVCA_TESTCA_H
#define PRIVCA_TESTCA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "x509/der.h"
#include "crypto/signer.h"

#define T0 INT64_C(1780000000) /* 2026-05-28: notBefore/notAfter are around it */

struct tca {
	enum ca_key_type type;
	struct signer *key;
	uint8_t *name, *spki, *cert;
	size_t name_len, spki_len, cert_len;
	const uint8_t *pub; /* subjectPublicKey content, points into spki */
	size_t pub_len;
	uint8_t ski[20];
	char dir[64]; /* temporary directory holding ca.pem */
};

/* Name with one CN (UTF8String); *out freed with free(). */
void name_cn(const char *cn, uint8_t **out, size_t *len);
/* Write one Extension into w. */
void ext(struct der_w *w, const char *oid, size_t oid_len, bool critical, const uint8_t *val,
	 size_t n);
/* A certificate for subject/spki signed by signer as issuer; *out freed with free(). */
void make_cert(struct signer *signer, const uint8_t *issuer, size_t issuer_len,
	       const uint8_t *subject, size_t subject_len, const uint8_t *spki, size_t spki_len,
	       const uint8_t *serial, size_t serial_len, bool ca, const uint8_t *ski, uint8_t **out,
	       size_t *out_len);
void write_file(const char *dir, const char *name, const void *p, size_t n);
/* A leaf for a fresh P-256 key, CN leaf.example, with serial, signed by c:
 * written to c->dir/file as PEM. */
void tca_write_leaf(const struct tca *c, const uint8_t *serial, size_t serial_len,
		    const char *file);
void write_pem(const char *dir, const char *name, const char *label, const uint8_t *der, size_t n);
/* A new CA of type t with its ca.pem in c->dir; tca_free removes it. */
void tca_init(struct tca *c, enum ca_key_type t);
void tca_free(struct tca *c);
/* Write the string s to path (created or truncated) with mode. */
void put_file(const char *path, const char *s, mode_t mode);
/* The SoftHSM2 module the PKCS#11 tests use. */
#define SOFTHSM_MODULE "/usr/lib/softhsm/libsofthsm2.so"
/*
 * A fresh SoftHSM2 token labelled label (user PIN pin) whose store is in
 * dir/tokens, SOFTHSM2_CONF pointing at dir/softhsm2.conf. 1 made, 0 when
 * SoftHSM2 is not installed (callers skip), -1 (with a message) when
 * softhsm2-util failed.
 */
int softhsm_token(const char *dir, const char *label, const char *pin);
/* Run a shell command in dir; its output (stdout and stderr) into out. */
int run(const char *dir, char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
