/*
 * privca's shared vocabulary: the error codes and the error detail every
 * call fills, CA_WUR, and the enums with their name tables (key types,
 * profiles, revocation reasons, statuses). Included by ca.h and
 * certinfo.h; it has no functions that take a struct ca.
 */
#ifndef PRIVCA_TYPES_H
#define PRIVCA_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CA_WUR __attribute__((warn_unused_result))

/* Errors. Each maps to one problem type in the HTTP layer. */
enum ca_err {
	CA_OK = 0,
	CA_ERR_BAD_REQUEST,	 /* bad-request 400: a parameter is wrong */
	CA_ERR_BAD_CSR,		 /* bad-csr 400: not a parsable CSR */
	CA_ERR_BAD_SIGNATURE,	 /* bad-signature 400: self-signature does not verify */
	CA_ERR_WEAK_KEY,	 /* weak-key 400: key or signature algorithm refused */
	CA_ERR_UNAUTHORIZED,	 /* unauthorized 401: token missing or unknown */
	CA_ERR_FORBIDDEN,	 /* forbidden 403: token may not do this */
	CA_ERR_NAME_NOT_ALLOWED, /* name-not-allowed 403: a name outside policy */
	CA_ERR_NOT_FOUND,	 /* not-found 404 */
	CA_ERR_ALREADY_REVOKED,	 /* already-revoked 409 */
	CA_ERR_EXISTS,		 /* the thing to create exists already (a CA, a token) */
	CA_ERR_IO,		 /* a file could not be read or written */
	CA_ERR_STORE,		 /* the database failed */
	CA_ERR_CRYPTO,		 /* wolfCrypt failed */
	CA_ERR_NOMEM,		 /* out of memory */
	CA_ERR_INTERNAL,	 /* a bug or an impossible state */
	CA_ERR_UNAVAILABLE,	 /* unavailable 503: the CA cannot do this now (expired CA, ...) */
	CA_ERR_MAX
};

/*
 * Which input of a request an error is about, so that a front-end can name
 * it in its own terms: the core's message states the fact ("a validity of
 * 900 days is over the maximum of 825 days"), the JSON API adds
 * "'validity_days'", the CLI "--days". CA_INPUT_NONE when no one input is.
 */
enum ca_input {
	CA_INPUT_NONE,
	CA_INPUT_DAYS,	   /* the validity asked for */
	CA_INPUT_IP_BLOCK, /* a token pattern that belongs among its address blocks */
	CA_INPUT_MAX
};

struct ca_error {
	char detail[512];
	enum ca_input input; /* set with detail by every failing core call */
};

/* Short stable name of an error ("bad-csr", ...), never NULL. */
const char *ca_strerror(enum ca_err err);

enum ca_key_type {
	CA_KEY_EC_P256,
	CA_KEY_EC_P384,
	CA_KEY_RSA_2048,
	CA_KEY_RSA_3072,
	CA_KEY_RSA_4096,
	CA_KEY_ED25519,
	CA_KEY_TYPE_MAX
};

/* "ec-p256", ...; ca_key_type_parse returns false for an unknown name. */
const char *ca_key_type_name(enum ca_key_type t);
bool ca_key_type_parse(const char *name, enum ca_key_type *out) CA_WUR;

enum ca_profile { CA_PROFILE_SERVER, CA_PROFILE_CLIENT, CA_PROFILE_PEER, CA_PROFILE_MAX };

const char *ca_profile_name(enum ca_profile p);
bool ca_profile_parse(const char *name, enum ca_profile *out) CA_WUR;

/* CRL reason codes (RFC 5280 5.3.1); the values are the DER values. */
enum ca_reason {
	CA_REASON_UNSPECIFIED = 0,
	CA_REASON_KEY_COMPROMISE = 1,
	CA_REASON_AFFILIATION_CHANGED = 3,
	CA_REASON_SUPERSEDED = 4,
	CA_REASON_CESSATION_OF_OPERATION = 5,
	CA_REASON_MAX = 6
};

/* "keyCompromise", ...; NULL for a value that is not one of the above. */
const char *ca_reason_name(enum ca_reason r);
bool ca_reason_parse(const char *name, enum ca_reason *out) CA_WUR;

enum ca_status { CA_STATUS_VALID, CA_STATUS_REVOKED, CA_STATUS_EXPIRED, CA_STATUS_MAX };

const char *ca_status_name(enum ca_status s);

#endif
