/*
 * X.509 extensions (RFC 5280 4.1, 4.2), written and read in one shape:
 *
 *   Extension ::= SEQUENCE {
 *       extnID    OBJECT IDENTIFIER,
 *       critical  BOOLEAN DEFAULT FALSE,
 *       extnValue OCTET STRING }
 *
 * The writers add to a der.h writer (errors stay sticky in it); the reader
 * points into the caller's bytes and allocates nothing.
 */
#ifndef PRIVCA_EXT_H
#define PRIVCA_EXT_H

#include <stdbool.h>
#include <stddef.h>

#include "x509/der.h"

/*
 * Open an Extension with extnID oid (content bytes, oid_len long) and its
 * extnValue OCTET STRING; write the value, then close both with ext_end
 * (m and octets are what ext_begin returned and stored).
 */
size_t ext_begin(struct der_w *w, const char *oid, size_t oid_len, bool critical, size_t *octets);
void ext_end(struct der_w *w, size_t m, size_t octets);
#define EXT_BEGIN(w, o, crit, oct) ext_begin((w), (o), OID_LEN(o), (crit), (oct))

/* cRLDistributionPoints with one DistributionPoint: fullName URI url. */
void ext_put_crl_dp(struct der_w *w, const char *url);
/* freshestCRL (RFC 5280 5.2.6), in a CRL: where its delta CRL is. */
void ext_put_freshest_crl(struct der_w *w, const char *url);
/*
 * authorityInfoAccess with id-ad-ocsp ocsp and id-ad-caIssuers issuer, in
 * that order; a NULL URL is left out, and nothing is written when both are.
 */
void ext_put_aia(struct der_w *w, const char *ocsp, const char *issuer);

/* One Extension read by ext_read; id and value point into the input. */
struct ext {
	struct der_elem id;    /* the OID, non-empty */
	bool critical;	       /* an explicit TRUE */
	struct der_elem value; /* extnValue's OCTET STRING */
};

/*
 * Read the Extension SEQUENCE e. False when it is malformed: no OID, a
 * critical BOOLEAN that is not one byte 0x00 or 0xff, no OCTET STRING, or
 * anything after it.
 */
bool ext_read(const struct der_elem *e, struct ext *out) __attribute__((warn_unused_result));

#endif
