/*
 * Certificate revocation lists: encode and sign an X.509 v2 CRL
 * (RFC 5280 section 5) from a list of revoked serials. Pure encoding: the
 * caller reads the entries from the store and keeps the cRLNumber.
 */
#ifndef PRIVCA_CRL_H
#define PRIVCA_CRL_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/signer.h"
#include "x509/crl_entry.h"
#include "privca/ca.h"

struct crl_params {
	const uint8_t *issuer; /* the CA certificate's subject Name TLV, copied verbatim */
	size_t issuer_len;
	const uint8_t *ski;		  /* the CA's subjectKeyIdentifier bytes, for the AKI */
	size_t ski_len;			  /* 1..64 */
	uint64_t number;		  /* cRLNumber */
	int64_t this_update, next_update; /* next_update > this_update */
	const struct crl_entry *entries;  /* may be NULL when n is 0 */
	size_t n;
	/* Not 0: this is a delta CRL (RFC 5280 5.2.4) over the complete CRL
	 * numbered delta_base (< number): a critical deltaCRLIndicator. */
	uint64_t delta_base;
	/* Not NULL (complete CRLs only): a freshestCRL extension (RFC 5280
	 * 5.2.6) naming this URI (IA5 text, 1..1024 bytes) as the delta's. */
	const char *freshest_url;
};

/*
 * Encode the TBSCertList of p (version v2; thisUpdate, nextUpdate and every
 * revocationDate as UTCTime through 2049 and GeneralizedTime after; the
 * revokedCertificates field left out when n is 0; a reasonCode entry
 * extension where the reason is not unspecified; crlExtensions
 * authorityKeyIdentifier, cRLNumber, then deltaCRLIndicator or
 * freshestCRL as p asks) and sign it with k.
 *
 * Entries are written in the order given; duplicates are not checked.
 * Runs in time linear in n (about 50 bytes of DER per entry).
 *
 * On success *der (a CertificateList) is freed with free().
 * Errors: CA_ERR_BAD_REQUEST for a malformed issuer, an empty or too long
 * SKI or serial, a zero serial, an unknown reason or a time outside
 * 1970..9999 or next_update <= this_update, a delta_base not below
 * number, a freshest_url on a delta or out of bounds (err->detail says which);
 * CA_ERR_NOMEM; CA_ERR_CRYPTO if signing fails.
 */
enum ca_err crl_build(struct signer *k, const struct crl_params *p, uint8_t **der, size_t *len,
		      struct ca_error *err) CA_WUR;

#endif
