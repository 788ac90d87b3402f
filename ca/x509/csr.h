/*
 * PKCS#10 CertificationRequest intake (RFC 2986), read with the project's
 * DER reader because wolfSSL 5.5.4's parser refuses what Windows certreq and
 * Exchange New-ExchangeCertificate write (see wolfssl-notes.md).
 */
#ifndef PRIVCA_CSR_H
#define PRIVCA_CSR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/pubkey.h"
#include "privca/ca.h"

/* The key's type (crypto/pubkey.h's, under the names the issue path uses). */
enum csr_key_alg {
	CSR_KEY_RSA = PUBKEY_RSA,
	CSR_KEY_EC = PUBKEY_EC,
	CSR_KEY_ED25519 = PUBKEY_ED25519
};

struct csr {
	uint8_t *der; /* the whole CertificationRequest, owned */
	size_t der_len;
	/* The following point into der. */
	const uint8_t *subject; /* subject Name, whole TLV */
	size_t subject_len;
	const uint8_t *spki; /* SubjectPublicKeyInfo, whole TLV */
	size_t spki_len;
	const uint8_t *pubkey; /* subjectPublicKey BIT STRING content after the unused-bits byte */
	size_t pubkey_len;
	enum csr_key_alg key_alg;
	int key_bits; /* RSA modulus bits; 256/384/521 for EC; 256 for Ed25519 */
	/* From the extensionRequest subjectAltName, in request order, owned. */
	char **dns; /* dNSName values as written (not yet validated) */
	size_t ndns;
	char **ips; /* iPAddress values as text (inet_ntop form) */
	size_t nips;
	bool other_sans; /* rfc822Name, URI, ... were present (they are not issued) */
	char *cn;	 /* the last CN of the subject as UTF-8, or NULL */
};

/*
 * Parse in (PEM with header CERTIFICATE REQUEST or NEW CERTIFICATE REQUEST,
 * DER, or base64 of DER), check the signature algorithm, and check the key
 * and verify the self-signature with crypto/pubkey.h. Errors:
 * CA_ERR_BAD_CSR (not a CSR, or a signature algorithm other than
 * SHA-256/384/512 with RSA PKCS#1 v1.5 or ECDSA, or Ed25519),
 * CA_ERR_WEAK_KEY (key type/size/exponent/curve or SHA-1/MD5 signature),
 * CA_ERR_BAD_SIGNATURE, CA_ERR_NOMEM, CA_ERR_CRYPTO; err (may be NULL) says
 * why. in need not be NUL-terminated; more than 256 KiB is refused.
 * Attributes other than extensionRequest (and Microsoft's
 * 1.3.6.1.4.1.311.2.1.14) are ignored; dNSName values hold no NUL and only
 * ASCII. out must not be NULL. On success *out is filled and freed with
 * csr_free; on failure *out is zeroed (csr_free on it is harmless).
 */
enum ca_err csr_parse(const uint8_t *in, size_t n, struct csr *out, struct ca_error *err) CA_WUR;
void csr_free(struct csr *c);

#endif
