/*
 * What privca's own offline root signs (hierarchy/root.c): the issuing
 * intermediate (at init --two-tier and on privca intermediate renew) and
 * the root's CRL (root.crl, served at /root.crl). The root key is only
 * ever a parameter: nothing here keeps it.
 */
#ifndef PRIVCA_HIER_ROOT_H
#define PRIVCA_HIER_ROOT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/signer.h"
#include "privca/ca.h"

struct nc;

/* Root CRLs are good this long by default (design section 11). */
#define HIER_ROOT_CRL_DAYS 365

/*
 * The self-signed root certificate *der (free()) of k for subject subj,
 * days long from now - CERT_SKEW: the one-tier CA and the two-tier root
 * alike.
 */
enum ca_err hier_self_sign(struct signer *k, const uint8_t *subj, size_t subj_len, int days,
			   uint8_t **der, size_t *der_len, struct ca_error *err) CA_WUR;

/*
 * Sign, with the root key rk (the key of root_der), an intermediate for
 * the SubjectPublicKeyInfo spki named subject: basicConstraints cA
 * pathLenConstraint 0 and keyUsage keyCertSign cRLSign (both critical),
 * SKI/AKI, nc as critical nameConstraints when not NULL, a CRL DP
 * base_url/root.crl and AIA caIssuers base_url/ca.crt. Valid from
 * not_before for days, cut to the root's end. *der freed with free().
 */
enum ca_err hier_sign_intermediate(struct signer *rk, const uint8_t *root_der, size_t root_len,
				   const uint8_t *spki, size_t spki_len, const uint8_t *subject,
				   size_t subject_len, int64_t not_before, int days,
				   const struct nc *nc, const char *base_url, uint8_t **der,
				   size_t *len, struct ca_error *err) CA_WUR;

/*
 * The root's CRL, signed with rk, thisUpdate now, nextUpdate days later,
 * cRLNumber number, no entries (the root's one intermediate is not
 * revoked). *der freed with free().
 */
enum ca_err hier_sign_root_crl(struct signer *rk, const uint8_t *root_der, size_t root_len,
			       int64_t now, int days, uint64_t number, uint8_t **der, size_t *len,
			       struct ca_error *err) CA_WUR;

#endif
