/*
 * OCSP (RFC 6960) encoding: parse an OCSPRequest, build a signed
 * BasicOCSPResponse or an error response, and compute the CertID hashes
 * that identify this CA. Pure encoding: the caller looks the serials up
 * and decides each status (wolfSSL 5.5.4 has no responder API).
 *
 * A responder's flow: ocsp_request_parse; for each CertID, if
 * ocsp_certid_is_ours look its serial up, else answer OCSP_CERT_UNKNOWN;
 * then ocsp_response_build. A parse error is answered with
 * ocsp_error_response(OCSP_MALFORMED_REQUEST), a request with no CertID
 * of this CA with OCSP_UNAUTHORIZED (RFC 6960 2.3).
 */
#ifndef PRIVCA_OCSP_H
#define PRIVCA_OCSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/signer.h"
#include "privca/ca.h"

/* Most CertIDs one request may ask about; more is a malformed request. */
#define OCSP_MAX_CERTIDS 256
/* RFC 9654: a nonce of 0 or more than 128 octets is a malformed request. */
#define OCSP_NONCE_MAX 128

/* OCSPResponseStatus (RFC 6960 4.2.1); the values are the DER values. */
enum ocsp_resp_status {
	OCSP_SUCCESSFUL = 0,
	OCSP_MALFORMED_REQUEST = 1,
	OCSP_INTERNAL_ERROR = 2,
	OCSP_TRY_LATER = 3,
	OCSP_SIG_REQUIRED = 5,
	OCSP_UNAUTHORIZED = 6,
};

/* The CertID hash algorithm. OCSP_HASH_OTHER: a valid request, never ours. */
enum ocsp_hash { OCSP_HASH_SHA1, OCSP_HASH_SHA256, OCSP_HASH_OTHER };

/* One CertID. Every pointer points into the request buffer. */
struct ocsp_certid {
	const uint8_t *tlv; /* the whole CertID TLV, echoed verbatim in the response */
	size_t tlv_len;
	enum ocsp_hash hash;
	const uint8_t *name_hash; /* issuerNameHash (20 bytes for SHA-1, 32 for SHA-256) */
	size_t name_hash_len;
	const uint8_t *key_hash; /* issuerKeyHash */
	size_t key_hash_len;
	/*
	 * serialNumber as its big-endian magnitude, without the 0x00 that DER
	 * puts before a top bit. serial_len is 0 for a zero or negative serial
	 * (which no certificate of this CA has: answer unknown).
	 */
	const uint8_t *serial;
	size_t serial_len;
};

struct ocsp_request {
	struct ocsp_certid *ids; /* n CertIDs in request order; owned, see ocsp_request_free */
	size_t n;		 /* 1..OCSP_MAX_CERTIDS */
	/*
	 * The nonce extension's extnValue content (normally an OCTET STRING
	 * TLV), to echo verbatim; NULL when the request has none. Points into
	 * the request buffer.
	 */
	const uint8_t *nonce;
	size_t nonce_len;
};

/*
 * Parse an OCSPRequest (DER, exactly n bytes: trailing bytes are an error).
 * Accepts version v1 only; skips requestorName, singleRequestExtensions and
 * optionalSignature (a signed request is answered like an unsigned one);
 * keeps the nonce; ignores other non-critical request extensions and
 * refuses critical ones it does not know. CertIDs with hash algorithms
 * other than SHA-1 and SHA-256 parse as OCSP_HASH_OTHER.
 *
 * On success *out points into der, which must outlive it, and is released
 * with ocsp_request_free. On failure *out holds nothing to free and the
 * error is CA_ERR_BAD_REQUEST (answer OCSP_MALFORMED_REQUEST; err->detail
 * says what was wrong) or CA_ERR_NOMEM.
 */
enum ca_err ocsp_request_parse(const uint8_t *der, size_t n, struct ocsp_request *out,
			       struct ca_error *err) CA_WUR;
/* Frees what ocsp_request_parse allocated and zeroes *r. NULL is fine. */
void ocsp_request_free(struct ocsp_request *r);

/* What a CertID must hold to be about a certificate this CA issued. */
struct ocsp_issuer {
	uint8_t name_sha1[20];	 /* SHA-1 of the CA's subject Name DER */
	uint8_t key_sha1[20];	 /* SHA-1 of its subjectPublicKey; also the byKey KeyHash */
	uint8_t name_sha256[32]; /* the same with SHA-256 */
	uint8_t key_sha256[32];
};

/*
 * Hash the CA certificate's subject Name TLV and its subjectPublicKey BIT
 * STRING content (without the unused-bits byte) as RFC 6960 4.1.1 says.
 * CA_ERR_CRYPTO if wolfCrypt fails, CA_ERR_INTERNAL for lengths over 4 GiB.
 */
enum ca_err ocsp_issuer_hashes(const uint8_t *name, size_t name_len, const uint8_t *pubkey,
			       size_t pubkey_len, struct ocsp_issuer *out) CA_WUR;

/* True if id's issuerNameHash and issuerKeyHash are those of iss. */
bool ocsp_certid_is_ours(const struct ocsp_issuer *iss, const struct ocsp_certid *id);

enum ocsp_cert_status { OCSP_CERT_GOOD, OCSP_CERT_REVOKED, OCSP_CERT_UNKNOWN };

/* One SingleResponse. */
struct ocsp_single {
	const uint8_t *certid; /* CertID TLV from the request (ocsp_certid.tlv) */
	size_t certid_len;
	enum ocsp_cert_status status;
	int64_t revoked_at;    /* OCSP_CERT_REVOKED: revocationTime */
	enum ca_reason reason; /* OCSP_CERT_REVOKED; CA_REASON_UNSPECIFIED writes none */
	int64_t this_update;
	int64_t next_update; /* 0: no nextUpdate (newer information at any time) */
};

struct ocsp_response {
	const uint8_t *key_hash; /* 20 bytes, ocsp_issuer.key_sha1: responderID byKey */
	const uint8_t *ca_cert;	 /* the CA certificate DER for certs [0]; NULL: none */
	size_t ca_cert_len;
	int64_t produced_at;
	const struct ocsp_single *singles; /* 1..OCSP_MAX_CERTIDS, in request order */
	size_t n;
	const uint8_t *nonce; /* ocsp_request.nonce or NULL: no responseExtensions */
	size_t nonce_len;
};

/*
 * Encode a successful OCSPResponse holding a BasicOCSPResponse signed by k:
 * ResponseData (v1, responderID byKey, producedAt, the SingleResponses
 * with CertIDs copied verbatim, the nonce echoed), signatureAlgorithm,
 * signature, and certs [0] with ca_cert. All times are GeneralizedTime.
 *
 * On success *der is freed with free(). Errors: CA_ERR_BAD_REQUEST for
 * n out of range, a CertID that is not one DER SEQUENCE, an unknown
 * status or reason, a time outside 1970..9999 or a nonce longer than
 * OCSP_NONCE_MAX + 3 bytes (an OCTET STRING of 128 octets); CA_ERR_NOMEM;
 * CA_ERR_CRYPTO if signing fails.
 */
enum ca_err ocsp_response_build(struct signer *k, const struct ocsp_response *r, uint8_t **der,
				size_t *len, struct ca_error *err) CA_WUR;

/*
 * An OCSPResponse with only a responseStatus (no responseBytes), for
 * OCSP_MALFORMED_REQUEST, OCSP_INTERNAL_ERROR, OCSP_TRY_LATER,
 * OCSP_SIG_REQUIRED and OCSP_UNAUTHORIZED. *der (5 bytes) is freed with
 * free(). CA_ERR_INTERNAL for OCSP_SUCCESSFUL or an unknown status,
 * CA_ERR_NOMEM.
 */
enum ca_err ocsp_error_response(enum ocsp_resp_status status, uint8_t **der, size_t *len) CA_WUR;

#endif
