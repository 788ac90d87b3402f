/*
 * A certificate read for people (ca/x509/certinfo.c): what a detail page
 * or `privca show` prints. Needs no struct ca: any certificate DER will do.
 */
#ifndef PRIVCA_CERTINFO_H
#define PRIVCA_CERTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "privca/types.h"

/* One extension, decoded into words for a detail page. */
struct ca_cert_ext {
	char oid[64];	  /* dotted decimal */
	const char *name; /* "subjectAltName", ... (static); NULL if unknown */
	bool critical;
	char *value; /* "DNS:a.example, IP:10.0.0.1", hex for unknown ones */
};

/* What a person checks on a certificate, beyond struct ca_cert. */
struct ca_cert_info {
	char *subject, *issuer; /* RFC 4514 strings */
	char *serial_hex;	/* lowercase hex, no colons, as in URLs */
	char *serial_dec;	/* decimal */
	int version;		/* 3 for X.509 v3 */
	const char *key_type;	/* "ECDSA", "RSA", "Ed25519" (static) */
	const char *key_curve;	/* "P-256", ... or NULL (static) */
	unsigned key_bits;	/* RSA modulus bits, curve bits */
	const char *sig_alg;	/* "ecdsa-with-SHA256", ... (static) */
	char fingerprint_sha256[65], fingerprint_sha1[41]; /* lowercase hex */
	int64_t not_before, not_after;
	struct ca_cert_ext *exts;
	size_t n_exts;
};

/*
 * Decode a certificate DER for display. *out is freed with
 * ca_cert_info_free. CA_ERR_BAD_REQUEST if der is not a certificate this
 * reader understands.
 */
enum ca_err ca_cert_info(const uint8_t *der, size_t len, struct ca_cert_info **out,
			 struct ca_error *err) CA_WUR;
void ca_cert_info_free(struct ca_cert_info *i);

#endif
