/*
 * PKCS#10 requests privca writes itself (RFC 2986): a subordinate CA's
 * request for its certificate (privca init --subordinate, ca.csr).
 */
#ifndef PRIVCA_CSR_WRITE_H
#define PRIVCA_CSR_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/signer.h"
#include "privca/ca.h"

struct nc;

/*
 * A CertificationRequest for subject (a Name TLV) and k's public key,
 * signed with k, whose extensionRequest asks for a CA certificate:
 * basicConstraints cA TRUE pathLenConstraint 0 (critical), keyUsage
 * digitalSignature keyCertSign cRLSign (critical), and nc as a critical
 * nameConstraints when not NULL or empty. AD CS's "Subordinate
 * Certification Authority" template and openssl ca -extensions v3_ca both
 * sign it. *der is freed with free(). CA_ERR_NOMEM, CA_ERR_CRYPTO.
 */
enum ca_err csr_write_ca(struct signer *k, const uint8_t *subject, size_t subject_len,
			 const struct nc *nc, uint8_t **der, size_t *len) CA_WUR;

#endif
