/*
 * privca core interface: the only header web/ includes.
 *
 * A struct ca is one certificate authority opened from its data directory:
 * the CA key and certificate, the settings from privca.conf and the SQLite
 * store. Every capability of the service (issue, list, revoke, CRL, OCSP,
 * tokens) is a call here, so the CLI and the HTTP handlers are two thin
 * front-ends over the same code.
 *
 * Conventions:
 *  - Functions return enum ca_err, CA_OK (0) on success. Where a struct
 *    ca_error * is taken it may be NULL; otherwise on failure its detail
 *    holds a sentence a person can act on.
 *  - A pointer returned through an out-parameter is owned by the caller and
 *    freed with the function named in its comment.
 *  - Every function taking a struct ca * is safe to call from several
 *    threads at once, except ca_open and ca_close.
 *  - Times are Unix seconds (UTC).
 */
#ifndef PRIVCA_CA_H
#define PRIVCA_CA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CA_WUR __attribute__((warn_unused_result))

struct ca;
struct ca_token;
struct ca_blob;

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
	CA_ERR_MAX
};

struct ca_error {
	char detail[512];
};

/* Short stable name of an error ("bad-csr", ...), never NULL. */
const char *ca_strerror(enum ca_err err);

/* Format into err->detail (if err is not NULL) and return code. */
enum ca_err ca_fail(struct ca_error *err, enum ca_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

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

/* ---- Creating and opening a CA ------------------------------------- */

#define CA_DEFAULT_DAYS 397
#define CA_MAX_DAYS	825
#define CA_ROOT_DAYS	3650

struct ca_init_opts {
	enum ca_key_type key_type;    /* default CA_KEY_EC_P256 */
	const char *subject;	      /* "CN=privca demo CA,O=..." or NULL */
	int days;		      /* root validity; 0 = CA_ROOT_DAYS */
	const char *const *hostnames; /* extra TLS names besides localhost */
	size_t nhostnames;
	const char *base_url; /* NULL = "http://127.0.0.1:8080" */
};

/*
 * Create a new CA in dir (created if missing, mode 0700): ca.key (0600),
 * ca.pem, tls.key, tls.pem, privca.db, privca.conf. Refuses (CA_ERR_EXISTS)
 * a directory that already holds a ca.key or ca.pem.
 */
enum ca_err ca_init(const char *dir, const struct ca_init_opts *opts, struct ca_error *err) CA_WUR;

/* Settings from privca.conf. Strings are owned by the struct ca. */
struct ca_settings {
	const char *base_url; /* no trailing slash */
	int default_days;
	int max_days;
	const char *http_listen;  /* "127.0.0.1:8080" */
	const char *https_listen; /* "127.0.0.1:8443" */
};

/*
 * Open the CA in dir. Refuses a ca.key readable by group or others. On
 * success *out is freed with ca_close.
 */
enum ca_err ca_open(const char *dir, struct ca **out, struct ca_error *err) CA_WUR;
void ca_close(struct ca *ca);

const struct ca_settings *ca_settings(const struct ca *ca);

/* Replace the clock (tests). now(arg) returns Unix seconds. */
void ca_set_clock(struct ca *ca, int64_t (*now)(void *arg), void *arg);
int64_t ca_now(const struct ca *ca);

/*
 * Start what a long-running service needs in the background: the CRL is
 * rebuilt after revocations (also those made by another process, seen
 * within a second) and before nextUpdate nears, so ca_crl never signs on a
 * request's time; new certificates are added to the search index in bulk.
 * Without it ca_crl builds on demand and a search indexes what it lacks
 * first. Stopped by ca_close.
 */
enum ca_err ca_serve_start(struct ca *ca, struct ca_error *err) CA_WUR;

/* CA_OK when the store answers and the key signs. */
enum ca_err ca_health(struct ca *ca, struct ca_error *err) CA_WUR;

/* ---- The CA's own certificate --------------------------------------- */

struct ca_root {
	const uint8_t *der; /* certificate DER */
	size_t der_len;
	const char *pem;    /* certificate PEM, NUL-terminated */
	const uint8_t *p7b; /* PKCS#7 certs-only chain, DER */
	size_t p7b_len;
	const char *subject;	     /* RFC 4514 string */
	char fingerprint_sha256[65]; /* lowercase hex */
	char fingerprint_sha1[41];   /* lowercase hex (Windows thumbprint) */
	int64_t not_before, not_after;
	enum ca_key_type key_type;
};

/* Everything points into the struct ca: valid until ca_close. */
const struct ca_root *ca_root(const struct ca *ca);

/*
 * The TLS key and certificate PEM for the HTTPS listener (tls.key, tls.pem).
 * *key_pem and *cert_pem are freed with ca_secret_free / free.
 */
enum ca_err ca_tls_load(struct ca *ca, char **key_pem, char **cert_pem,
			struct ca_error *err) CA_WUR;
void ca_secret_free(char *s);

/*
 * Renew the server's TLS certificate (tls.pem) when it expires within
 * days_left days: same key, subject and names, the default validity, a
 * new record in the store. *renewed says whether it did. One this CA did
 * not issue (the operator's own) is left alone: CA_ERR_BAD_REQUEST, saying
 * so, when it is due.
 */
enum ca_err ca_tls_renew(struct ca *ca, int days_left, bool *renewed, struct ca_error *err) CA_WUR;

/* ---- Certificates ---------------------------------------------------- */

struct ca_cert {
	char serial[33]; /* 32 lowercase hex digits */
	char *subject;	 /* RFC 4514 string */
	char **dns_names;
	size_t n_dns;
	char **ip_addresses;
	size_t n_ip;
	int64_t not_before, not_after;
	enum ca_profile profile;
	char *requester; /* token name, or "cli" */
	char fingerprint_sha256[65];
	uint8_t *der;
	size_t der_len;
	enum ca_status status; /* computed against ca_now() when read */
	int64_t revoked_at;    /* 0 if not revoked */
	enum ca_reason reason;
	int64_t created_at;
};

void ca_cert_free(struct ca_cert *c);

/* PEM of an issued certificate; free() it. */
char *ca_cert_pem(const struct ca_cert *c);

struct ca_token;

struct ca_issue_req {
	const uint8_t *csr; /* PEM (either header), DER, or base64 of DER */
	size_t csr_len;
	enum ca_profile profile; /* CA_PROFILE_SERVER by default */
	int validity_days;	 /* 0 = the default */
	const char *const *sans; /* if nsans > 0, these names instead of the CSR's */
	size_t nsans;
	const struct ca_token *token; /* NULL: offline issue by the operator */
};

/*
 * Check the CSR (signature, key, names) against the global rules and the
 * token's policy, sign, record durably, return the record in *out
 * (ca_cert_free). Nothing is recorded on failure.
 */
enum ca_err ca_issue(struct ca *ca, const struct ca_issue_req *req, struct ca_cert **out,
		     struct ca_error *err) CA_WUR;

/* True if in is 32 hex digits (either case); out receives them lowercased
 * and NUL-terminated. The one serial validator, for every front-end. */
bool ca_serial_norm(const char *in, char out[33]);

/* Look up by serial (32 hex digits; case-insensitive). CA_ERR_NOT_FOUND. */
enum ca_err ca_cert_get(struct ca *ca, const char *serial, struct ca_cert **out,
			struct ca_error *err) CA_WUR;

enum ca_sort { CA_SORT_ISSUED, CA_SORT_EXPIRES, CA_SORT_MAX };

struct ca_list_query {
	int status;	    /* enum ca_status, or -1 for all */
	const char *q;	    /* substring of subject, SAN or serial; NULL = any */
	int limit;	    /* 1..500; 0 = 50 */
	const char *cursor; /* from the previous page's next_cursor, or NULL */
	enum ca_sort sort;
	int expires_within_days; /* > 0: only certificates expiring that soon */
};

struct ca_cert_list {
	struct ca_cert **items;
	size_t n;
	char *next_cursor; /* NULL on the last page */
};

/* One page, newest first. Free with ca_cert_list_free. */
enum ca_err ca_list(struct ca *ca, const struct ca_list_query *q, struct ca_cert_list *out,
		    struct ca_error *err) CA_WUR;
void ca_cert_list_free(struct ca_cert_list *l);

struct ca_counts {
	uint64_t valid, revoked, expired, expiring_30d;
};

enum ca_err ca_count(struct ca *ca, struct ca_counts *out, struct ca_error *err) CA_WUR;

/*
 * Write a consistent copy of the database to path, a new file (mode 0600;
 * CA_ERR_EXISTS if it is there), also while the service runs and issues.
 * With ca.key, ca.pem, tls.key, tls.pem and privca.conf it is the whole CA.
 */
enum ca_err ca_backup(struct ca *ca, const char *path, struct ca_error *err) CA_WUR;

/* ---- Revocation --------------------------------------------------------- */

/*
 * Revoke serial for reason. actor NULL is the operator (CLI); otherwise the
 * token must be an admin or the one that requested the certificate
 * (CA_ERR_FORBIDDEN). CA_ERR_NOT_FOUND, CA_ERR_ALREADY_REVOKED. On success
 * *out (may be NULL) receives the updated record.
 */
enum ca_err ca_revoke(struct ca *ca, const char *serial, enum ca_reason reason,
		      const struct ca_token *actor, struct ca_cert **out,
		      struct ca_error *err) CA_WUR;

/*
 * The current CRL DER, rebuilt if a revocation happened (in this process or
 * another) or nextUpdate is near. *der is a reference-counted snapshot:
 * release it with ca_blob_release. this_update and next_update may be NULL.
 */
struct ca_blob;
enum ca_err ca_crl(struct ca *ca, struct ca_blob **out, struct ca_error *err) CA_WUR;
const uint8_t *ca_blob_data(const struct ca_blob *b, size_t *len);
int64_t ca_blob_time(const struct ca_blob *b);	  /* thisUpdate for a CRL */
int64_t ca_blob_expires(const struct ca_blob *b); /* nextUpdate for a CRL */
uint64_t ca_blob_number(const struct ca_blob *b); /* cRLNumber */
void ca_blob_release(struct ca_blob *b);

/*
 * Answer an OCSP request (DER). Always produces a response (an OCSP error
 * status for a malformed request): *resp is freed with free().
 */
enum ca_err ca_ocsp(struct ca *ca, const uint8_t *req, size_t req_len, uint8_t **resp,
		    size_t *resp_len, struct ca_error *err) CA_WUR;

/* ---- Tokens and policy -------------------------------------------------- */

#define CA_TOKEN_LEN 43 /* base64url of 32 random bytes, no padding */

struct ca_token_policy {
	const char *const *allow; /* "host.example", "*.suffix", ".suffix" */
	size_t nallow;
	const char *const *allow_ip; /* "10.0.0.0/8", "fd00::/8", "10.1.2.3" */
	size_t nallow_ip;
	bool allow_wildcard;
	int max_days;	   /* 0 = the CA's maximum */
	unsigned profiles; /* bit (1 << enum ca_profile); 0 = all */
	bool admin;
};

/*
 * Create a token NAME with policy. token_out receives the token text, shown
 * once; only its SHA-256 is stored. CA_ERR_EXISTS if NAME is taken,
 * CA_ERR_BAD_REQUEST for a policy that allows nothing or a bad pattern.
 */
enum ca_err ca_token_create(struct ca *ca, const char *name, const struct ca_token_policy *policy,
			    char token_out[CA_TOKEN_LEN + 1], struct ca_error *err) CA_WUR;

/* Find the live token for a bearer string (CA_ERR_UNAUTHORIZED). */
enum ca_err ca_token_auth(struct ca *ca, const char *bearer, struct ca_token **out,
			  struct ca_error *err) CA_WUR;
void ca_token_free(struct ca_token *t);
const char *ca_token_name(const struct ca_token *t);
bool ca_token_is_admin(const struct ca_token *t);

struct ca_token_info {
	char *name;
	char *policy; /* human-readable summary */
	bool admin;
	int64_t created_at, revoked_at;
};

enum ca_err ca_token_list(struct ca *ca, struct ca_token_info **out, size_t *n,
			  struct ca_error *err) CA_WUR;
void ca_token_list_free(struct ca_token_info *l, size_t n);
enum ca_err ca_token_revoke(struct ca *ca, const char *name, struct ca_error *err) CA_WUR;

/* ---- Small helpers the front-ends share -------------------------------- */

/* PEM of DER bytes under label ("X509 CRL", ...); free(). NULL if no memory. */
char *ca_pem(const char *label, const uint8_t *der, size_t len);

/*
 * Decode base64 (standard or url-safe alphabet, padding optional, white
 * space skipped). *out is freed with free(). False if s is not base64.
 */
bool ca_base64_decode(const char *s, uint8_t **out, size_t *len) CA_WUR;

/* Format t as RFC 3339 UTC ("2026-11-29T20:24:54Z"); buf >= 21 bytes. */
void ca_time_rfc3339(int64_t t, char buf[21]);

/* PKCS#7 certs-only of one certificate DER (for /certs/{serial}.p7b); free(). */
enum ca_err ca_p7b(const uint8_t *const *certs, const size_t *lens, size_t n, uint8_t **out,
		   size_t *out_len) CA_WUR;

/* ---- Reading a certificate for people (ca/certinfo.c) -------------------- */

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
