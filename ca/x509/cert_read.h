/*
 * The one certificate reader: the parts of an X.509 certificate the CA
 * needs (its own at open, the TLS pair, renewal), pointing into the DER.
 */
#ifndef PRIVCA_CERT_READ_H
#define PRIVCA_CERT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "x509/der.h"
#include "names.h"
#include "privca/ca.h"

/* Every der_elem points into the DER given to cert_read. */
struct cert_parts {
	struct der_elem serial;		       /* the INTEGER's contents */
	struct der_elem issuer, subject, spki; /* TLVs in .tlv/.tlv_len */
	struct der_elem exts;		       /* the [3] extensions; exts.len 0 if none */
	int64_t not_before, not_after;
};

/* Split a certificate DER (nothing after it); false if it is not one. */
bool cert_read(const uint8_t *der, size_t len, struct cert_parts *p) CA_WUR;

/*
 * The DNS names and IP addresses of p's subjectAltName (at most
 * POLICY_MAX_NAMES, those name_parse accepts). *out freed with free().
 * CA_ERR_BAD_REQUEST when there is no usable one.
 */
enum ca_err cert_read_sans(const struct cert_parts *p, struct name **out, size_t *n,
			   struct ca_error *err) CA_WUR;

#endif
