/*
 * Certificate bundles as operators and other CAs hand them over: one or
 * more PEM certificates, one DER certificate, or a PKCS#7 certs-only
 * SignedData (.p7b, DER or PEM, as AD CS's certnew.p7b); and the facts of
 * a CA certificate the hierarchy checks (basicConstraints, keyUsage).
 */
#ifndef PRIVCA_BUNDLE_H
#define PRIVCA_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "x509/cert_read.h"
#include "privca/ca.h"

/* Most certificates one bundle may hold (a chain is rarely over 4). */
#define BUNDLE_MAX 16

/* The certificates of a bundle, in file order; each der[i] is owned. */
struct bundle {
	uint8_t *der[BUNDLE_MAX];
	size_t len[BUNDLE_MAX];
	struct cert_parts parts[BUNDLE_MAX]; /* point into der[i] */
	size_t n;
};

/*
 * Read every certificate in the n bytes at in and append it to b (zeroed
 * before the first call; bundle_free it after any call). what names the
 * file in errors. CA_ERR_BAD_REQUEST, naming what, for bytes that are no
 * certificate, a PEM block that does not decode, a PKCS#7 that holds no
 * certificate, or more than BUNDLE_MAX in all; CA_ERR_NOMEM.
 */
enum ca_err bundle_read(const uint8_t *in, size_t n, const char *what, struct bundle *b,
			struct ca_error *err) CA_WUR;

/* Free what b holds and zero it. */
void bundle_free(struct bundle *b);

/* What a certificate's extensions say about it as a CA. */
struct ca_facts {
	bool is_ca;	   /* basicConstraints cA TRUE */
	bool has_path_len; /* pathLenConstraint present, then path_len */
	uint64_t path_len;
	bool has_ku;	    /* keyUsage present */
	bool key_cert_sign; /* keyUsage keyCertSign */
	bool crl_sign;	    /* keyUsage cRLSign */
	bool has_nc;	    /* nameConstraints present */
};

/* Read p's basicConstraints and keyUsage; false if they are malformed. */
bool ca_facts_read(const struct cert_parts *p, struct ca_facts *f) CA_WUR;

/* True if a's subject is b's issuer, byte for byte. */
bool cert_issued_by(const struct cert_parts *child, const struct cert_parts *parent);

#endif
