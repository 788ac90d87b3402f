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

#include "privca/types.h"

struct ca;
struct ca_token;
struct ca_blob;

/* The wolfSSL privca runs on: wolfssl is the library's own version
 * ("5.5.4"), math its big-number code: "sp-asm" (SP code with x86_64
 * assembly: the fast build of scripts/deps), "sp" (SP code in C) or
 * "generic" (Debian's libwolfssl). Both are static strings. */
struct ca_crypto_info {
	const char *wolfssl;
	const char *math;
};
struct ca_crypto_info ca_crypto_build(void);

/* ---- Creating and opening a CA ------------------------------------- */

#define CA_DEFAULT_DAYS 397
#define CA_MAX_DAYS	825
#define CA_ROOT_DAYS	3650

#define CA_ROOT2_DAYS 7300 /* the offline root of --two-tier: 20 years */

/* The shape of the hierarchy init makes (design section 11). */
enum ca_tier {
	CA_TIER_ONE,	     /* a self-signed root that signs leaves */
	CA_TIER_TWO,	     /* an offline root (root.key, root.pem) and the intermediate */
	CA_TIER_SUBORDINATE, /* ca.key and ca.csr for another root; install-ca ends it */
	CA_TIER_MAX
};

struct ca_init_opts {
	enum ca_key_type key_type;    /* default CA_KEY_EC_P256 (root and intermediate alike) */
	const char *subject;	      /* the issuing CA: "CN=privca demo CA,O=..." or NULL */
	int days;		      /* issuing CA's validity; 0 = CA_ROOT_DAYS */
	const char *const *hostnames; /* extra TLS names besides localhost */
	size_t nhostnames;
	const char *base_url;	  /* NULL = "http://127.0.0.1:8080" */
	enum ca_tier tier;	  /* default CA_TIER_ONE */
	const char *root_subject; /* CA_TIER_TWO: the root's name; NULL = a default */
	int root_days;		  /* CA_TIER_TWO: 0 = CA_ROOT2_DAYS */
	/* CA_TIER_TWO, CA_TIER_SUBORDINATE: nameConstraints for the issuing CA
	 * (its certificate, or its request), DNS suffixes or CIDRs. */
	const char *const *permit;
	size_t npermit;
	const char *const *exclude;
	size_t nexclude;
	/* The store: NULL = DIR/privca.db; a PostgreSQL URL is written into
	 * privca.conf (then 0600) and must name an empty database or one
	 * whose privca store holds no certificate yet. */
	const char *store;
	/* Key protection (design section 11). Default: ca.key in plain PEM.
	 * encrypt_key: encrypted PKCS#8 under the passphrase in key_pass_file
	 * (a file: a passphrase never goes on argv). pkcs11_module: the key is
	 * generated in the token labelled pkcs11_token (its PIN in
	 * pkcs11_pin_file) and ca.key holds only its pkcs11: URI. */
	bool encrypt_key;
	const char *key_pass_file;
	const char *pkcs11_module, *pkcs11_token, *pkcs11_pin_file;
};

/*
 * Create a new CA in dir (created if missing, mode 0700): ca.key (0600),
 * ca.pem, tls.key (0600), tls.pem, privca.db (0600), privca.conf. With
 * CA_TIER_TWO also root.key (0600, for the operator to take offline),
 * root.pem and root.crl, ca.pem being the intermediate and tls.pem the
 * service's certificate followed by it. With CA_TIER_SUBORDINATE only
 * ca.key, ca.csr, privca.conf and privca.db: ca_install completes it.
 * CA_ERR_BAD_REQUEST for a bad option (base URL not http(s), days out of
 * 1..36500, a bad subject, hostname or constraint, a hostname outside the
 * constraints, constraints on a one-tier CA), checked before anything is
 * written. CA_ERR_EXISTS if dir already holds any file a CA has. On any
 * later failure what init wrote is removed again (and dir, if init made it
 * and it is empty).
 */
enum ca_err ca_init(const char *dir, const struct ca_init_opts *opts, struct ca_error *err) CA_WUR;

struct ca_install_opts {
	const char *cert;  /* the CA certificate: PEM, DER or PKCS#7 (.p7b, maybe with chain) */
	const char *chain; /* the certificates above it up to the root; NULL if cert has them */
	const char *const *hostnames; /* extra TLS names, as ca_init's */
	size_t nhostnames;
	const char *key_pass_file; /* an encrypted ca.key's passphrase file, as ca_open_ex's */
};

/*
 * Complete a subordinate dir (ca_init with CA_TIER_SUBORDINATE): check that
 * the certificate is for ca.key, is a CA (basicConstraints cA, keyUsage
 * keyCertSign), is valid now, and chains by signature to a self-signed
 * root through CA certificates that are valid now; then write ca.pem,
 * chain.pem (CA certificates between it and the root, if any), root.pem
 * and the TLS pair. CA_ERR_BAD_REQUEST, with one sentence naming the file
 * and the fault, when a check fails; nothing in dir changes then.
 * CA_ERR_NOT_FOUND: no subordinate request in dir; CA_ERR_EXISTS: already
 * installed.
 */
enum ca_err ca_install(const char *dir, const struct ca_install_opts *opts,
		       struct ca_error *err) CA_WUR;

/*
 * Sign a new certificate for the issuing CA with the root key in the file
 * root_key (the key of root.pem): same key, subject and name constraints,
 * validity days (0 = CA_ROOT_DAYS, cut to the root's end), and replace
 * ca.pem. Leaves issued before keep verifying. A running service takes it
 * on restart. CA_ERR_BAD_REQUEST: a one-tier CA, or a key that is not the
 * root's.
 */
enum ca_err ca_intermediate_renew(struct ca *ca, const char *root_key, int days,
				  struct ca_error *err) CA_WUR;

/*
 * Sign the root's CRL with the root key in the file root_key and replace
 * root.crl (served at /root.crl at once): no entries, nextUpdate days on
 * (0 = 365). CA_ERR_BAD_REQUEST as ca_intermediate_renew.
 */
enum ca_err ca_root_crl_sign(struct ca *ca, const char *root_key, int days,
			     struct ca_error *err) CA_WUR;

/* Settings from privca.conf. Strings are owned by the struct ca. */
struct ca_settings {
	const char *base_url; /* no trailing slash */
	int default_days;
	int max_days;
	bool clamp_to_ca;	  /* a leaf that would outlive the CA ends with it instead of
				     being refused (privca.conf clamp_to_ca = yes) */
	int retain_expired_days;  /* > 0: serve deletes certificates expired longer
				     than this (privca.conf); 0: it keeps them all */
	const char *http_listen;  /* "127.0.0.1:8080" */
	const char *https_listen; /* "127.0.0.1:8443" */
};

/*
 * Open the CA in dir. On success *out is freed with ca_close.
 * CA_ERR_NOT_FOUND: dir holds no CA (no ca.pem). CA_ERR_BAD_REQUEST: a
 * bad privca.conf (the message names file and line). CA_ERR_IO: ca.key
 * readable or writable by group or others, ca.pem not a certificate, or
 * ca.key not its key. CA_ERR_STORE: privca.db cannot be opened or
 * migrated. CA_ERR_NOMEM.
 */
enum ca_err ca_open(const char *dir, struct ca **out, struct ca_error *err) CA_WUR;

/* What `privca store copy` copied: per table, rows and the SHA-256 of
 * their canonical text, equal on both sides. name is a static string. */
struct ca_copy_table {
	const char *name;
	uint64_t rows;
	char sha256[65];
};
struct ca_copy_report {
	struct ca_copy_table tables[16];
	size_t n;
};

/*
 * Copy the CA's SQLite store into the empty PostgreSQL database at url
 * (design section 12), verified table by table (row counts and digests)
 * before it is committed; the CA's own store is only read (the service may
 * run). CA_ERR_BAD_REQUEST: url is not a PostgreSQL URL, or the CA's store
 * is PostgreSQL already; CA_ERR_EXISTS: the target holds a CA's rows;
 * the refusals of store_pg_open; CA_ERR_STORE when it does not verify
 * (nothing is committed then).
 */
enum ca_err ca_store_copy(struct ca *ca, const char *url, struct ca_copy_report *out,
			  struct ca_error *err) CA_WUR;

/* How to unlock ca.key; NULL fields are the defaults. */
struct ca_open_opts {
	/* Passphrase file for an encrypted ca.key; NULL: the systemd
	 * credential $CREDENTIALS_DIRECTORY/privca-key-pass. */
	const char *key_pass_file;
	/* The store instead of the one privca.conf names (`serve --store`): a
	 * PostgreSQL URL (design section 12) or a SQLite file; NULL: the
	 * conf's, else DIR/privca.db. A PostgreSQL store that cannot be
	 * reached is CA_ERR_UNAVAILABLE; one that is not privca's, read-only
	 * or newer than this binary is refused naming the problem (store.h,
	 * store_pg_open). */
	const char *store_url;
};

/*
 * ca_open with opts (NULL: as ca_open). Besides ca_open's errors, for
 * ca.key: CA_ERR_BAD_REQUEST when it is encrypted and no passphrase was
 * given, CA_ERR_CRYPTO for a wrong passphrase (or a corrupt file: the two
 * cannot be told apart), and for a key in a token CA_ERR_UNAUTHORIZED (a
 * wrong PIN), CA_ERR_NOT_FOUND (no such token or key) or CA_ERR_IO (the
 * module or PIN file). Every message names the file at fault.
 */
enum ca_err ca_open_ex(const char *dir, const struct ca_open_opts *opts, struct ca **out,
		       struct ca_error *err) CA_WUR;

/* Stop the background work (ca_serve_start) and free everything the CA
 * holds; pointers from ca_settings, ca_issuer and ca_chain die here.
 * NULL is fine. */
void ca_close(struct ca *ca);

/* The settings in use; valid until ca_close. */
const struct ca_settings *ca_settings(const struct ca *ca);

/* Replace the clock (tests). now(arg) returns Unix seconds; NULL restores
 * the system clock. Not thread-safe: call before the CA is shared. */
void ca_set_clock(struct ca *ca, int64_t (*now)(void *arg), void *arg);
/* The CA's time now (its clock, Unix seconds). */
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

/*
 * CA_OK when the store answers, the key signs and the CA's certificate is
 * within its validity (CA_ERR_UNAVAILABLE naming its dates otherwise).
 */
enum ca_err ca_health(struct ca *ca, struct ca_error *err) CA_WUR;

/* Warn this long before the CA's certificate ends (design section 3). */
#define CA_EXPIRY_WARN_DAYS 30

/*
 * Is the issuing CA's certificate valid now (ca_now)? CA_OK with
 * *seconds_left (may be NULL) until its notAfter; CA_ERR_UNAVAILABLE with a
 * sentence naming the dates when it is expired or not yet valid. Nothing is
 * issued and no CRL is signed while it is not valid.
 */
enum ca_err ca_validity(struct ca *ca, int64_t *seconds_left, struct ca_error *err) CA_WUR;

/* ---- The CA's own certificates --------------------------------------- */

/*
 * A CA certificate of this CA: the issuing CA (the one that signs leaves,
 * CRLs and OCSP answers) or one above it in the chain.
 */
struct ca_issuer {
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

/* The issuing CA. Everything points into the struct ca: valid until ca_close. */
const struct ca_issuer *ca_issuer(const struct ca *ca);

/*
 * The chain from the issuing CA up to the root, the issuer first, *n
 * entries: one when the issuer is the root (one tier), two with an
 * intermediate under privca's own root (--two-tier), more under a deeper
 * enterprise hierarchy. Only the issuer's p7b holds the whole chain (the
 * others' hold their own certificate); only the issuer's key_type is sure
 * (CA_KEY_TYPE_MAX for a key privca does not name). Valid until ca_close.
 */
const struct ca_issuer *const *ca_chain(const struct ca *ca, size_t *n);

/* The root: the last of ca_chain, what clients install (/ca.pem, /ca.crt).
 * The issuer itself in one tier. Valid until ca_close. */
const struct ca_issuer *ca_root(const struct ca *ca);

/* Every PEM of ca_chain, the issuer first: what follows a leaf in a
 * "certificate with chain" answer. Valid until ca_close. */
const char *ca_chain_pem(const struct ca *ca);

/*
 * The root's CRL (DIR/root.crl, DER, written by init --two-tier and
 * privca root crl), read afresh on each call; *der is freed with free().
 * CA_ERR_NOT_FOUND when there is none (one tier, or a subordinate whose
 * root publishes its own).
 */
enum ca_err ca_root_crl(struct ca *ca, uint8_t **der, size_t *len, struct ca_error *err) CA_WUR;

/*
 * May the service run from this directory? CA_ERR_FORBIDDEN, saying what
 * to do, while the root's key (root.key) is in it (design section 11).
 */
enum ca_err ca_serve_check(const struct ca *ca, struct ca_error *err) CA_WUR;

/*
 * The TLS key and certificate PEM for the HTTPS listener (tls.key, tls.pem).
 * *key_pem and *cert_pem are freed with ca_secret_free / free.
 */
enum ca_err ca_tls_load(struct ca *ca, char **key_pem, char **cert_pem,
			struct ca_error *err) CA_WUR;
/* Wipe a NUL-terminated secret (a key PEM) and free it. NULL is fine. */
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
	char *requester; /* token name, "cli" (the operator), "init" or "renew"
			    (the service's own TLS certificate) */
	char fingerprint_sha256[65];
	uint8_t *der;
	size_t der_len;
	enum ca_status status; /* computed against ca_now() when read */
	int64_t revoked_at;    /* 0 if not revoked */
	enum ca_reason reason;
	int64_t created_at;
	bool clamped; /* at issuance only: notAfter was cut to the CA's (clamp_to_ca) */
};

/* Free a record and everything it points to. NULL is fine. */
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
 * (ca_cert_free). Nothing is recorded on failure. Errors:
 * CA_ERR_BAD_CSR (not a CSR, or no names), CA_ERR_BAD_SIGNATURE,
 * CA_ERR_WEAK_KEY, CA_ERR_BAD_REQUEST (validity or profile out of range,
 * a bad name given in req->sans), CA_ERR_NAME_NOT_ALLOWED and
 * CA_ERR_FORBIDDEN (the token's policy), CA_ERR_STORE, CA_ERR_CRYPTO,
 * CA_ERR_NOMEM.
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

/*
 * One page, newest first (or by expiry with CA_SORT_EXPIRES). Free with
 * ca_cert_list_free. CA_ERR_BAD_REQUEST: an unknown status or sort, a
 * search text over 256 characters, expires_within_days out of 0..36500, a
 * limit out of 1..500, a malformed cursor. CA_ERR_STORE.
 */
enum ca_err ca_list(struct ca *ca, const struct ca_list_query *q, struct ca_cert_list *out,
		    struct ca_error *err) CA_WUR;
/* Free the items and cursor of l and zero it (l itself is the caller's). */
void ca_cert_list_free(struct ca_cert_list *l);

struct ca_counts {
	uint64_t valid, revoked, expired, expiring_30d;
	uint64_t tidied; /* certificates ever deleted by a tidy (ca_tidy) */
};

/* How many certificates are in each state now (for /metrics and the home
 * page). CA_ERR_STORE. */
enum ca_err ca_count(struct ca *ca, struct ca_counts *out, struct ca_error *err) CA_WUR;

/*
 * Write a consistent copy of the database to path, a new file (mode 0600;
 * CA_ERR_EXISTS if it is there), also while the service runs and issues.
 * With ca.key, ca.pem, tls.key, tls.pem and privca.conf it is the whole CA.
 */
enum ca_err ca_backup(struct ca *ca, const char *path, struct ca_error *err) CA_WUR;

/*
 * Retention: delete the certificates whose notAfter is before `before`
 * (Unix seconds, not after now: never a valid certificate, nor a revoked
 * one still inside its validity, so the CRL and OCSP stay right), with
 * their events, a 'tidy' event by actor (NULL: "cli") for each step, in
 * steps short enough that issuance goes on meanwhile. *count: how many
 * were deleted, or with dry_run would be (nothing is changed).
 * CA_ERR_BAD_REQUEST for a `before` in the future; CA_ERR_STORE.
 */
enum ca_err ca_tidy(struct ca *ca, int64_t before, bool dry_run, const char *actor, uint64_t *count,
		    struct ca_error *err) CA_WUR;

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
 * What this process has done since ca_open: certificates issued by
 * ca_issue (the JSON API, the form, ACME, privca sign) and revoked by
 * ca_revoke, each counted once where it happens. The service's own TLS
 * certificate is not counted. Lock-free; any thread.
 */
struct ca_activity {
	uint64_t issued;
	uint64_t revoked;
};
void ca_activity(const struct ca *ca, struct ca_activity *out);

/*
 * The current CRL, rebuilt if a revocation happened (in this process or
 * another) or nextUpdate is near. *out is a reference-counted snapshot,
 * shared with other callers and immutable: read it with the ca_blob_*
 * accessors and release it with ca_blob_release. CA_ERR_STORE,
 * CA_ERR_CRYPTO, CA_ERR_NOMEM.
 */
enum ca_err ca_crl(struct ca *ca, struct ca_blob **out, struct ca_error *err) CA_WUR;
/*
 * The delta CRL (RFC 5280 5.2.4) that goes with the current CRL: the same
 * cRLNumber, a critical deltaCRLIndicator naming an earlier complete CRL
 * (at most a day older) as its base, and the revocations since that base.
 * Brought up to date as ca_crl is; *out as for ca_crl. CA_ERR_NOT_FOUND
 * while there is no base yet (before the second complete CRL);
 * otherwise as ca_crl.
 */
enum ca_err ca_crl_delta(struct ca *ca, struct ca_blob **out, struct ca_error *err) CA_WUR;
/* The CRL DER and its length; valid while b is held. */
const uint8_t *ca_blob_data(const struct ca_blob *b, size_t *len);
int64_t ca_blob_time(const struct ca_blob *b);	  /* thisUpdate for a CRL */
int64_t ca_blob_expires(const struct ca_blob *b); /* nextUpdate for a CRL */
uint64_t ca_blob_number(const struct ca_blob *b); /* cRLNumber */
/* Drop one reference; the last frees the snapshot. NULL is fine. */
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
/* Free a token from ca_token_auth. NULL is fine. */
void ca_token_free(struct ca_token *t);
/* The token's name (valid while t lives) and whether it is an admin. */
const char *ca_token_name(const struct ca_token *t);
bool ca_token_is_admin(const struct ca_token *t);

struct ca_token_info {
	char *name;
	char *policy; /* human-readable summary */
	bool admin;
	int64_t created_at, revoked_at;
};

/* Every token, revoked ones too: *out (n entries) is freed with
 * ca_token_list_free. CA_ERR_STORE, CA_ERR_NOMEM. */
enum ca_err ca_token_list(struct ca *ca, struct ca_token_info **out, size_t *n,
			  struct ca_error *err) CA_WUR;
void ca_token_list_free(struct ca_token_info *l, size_t n);
/* Revoke the token NAME: it no longer authenticates. CA_ERR_NOT_FOUND if
 * there is no live token of that name. */
enum ca_err ca_token_revoke(struct ca *ca, const char *name, struct ca_error *err) CA_WUR;

/* ---- Small helpers the front-ends share -------------------------------- */

/*
 * Normalise a certificate serial as written in a URL or on the command
 * line: exactly 32 hex digits, either case, into out as lowercase
 * (NUL-terminated). False for anything else. The one serial validator:
 * the front-ends use it rather than their own.
 */
bool ca_serial_norm(const char *in, char out[33]) CA_WUR;

/* PEM of DER bytes under label ("X509 CRL", ...); free(). NULL if no memory. */
char *ca_pem(const char *label, const uint8_t *der, size_t len);

/*
 * Decode base64 (standard or url-safe alphabet, padding optional, white
 * space skipped). *out is freed with free(). False if s is not base64.
 */
bool ca_base64_decode(const char *s, uint8_t **out, size_t *len) CA_WUR;

/* Format t as RFC 3339 UTC ("2026-11-29T20:24:54Z"); buf >= 21 bytes. */
void ca_time_rfc3339(int64_t t, char buf[21]);

/*
 * PKCS#7 certs-only SignedData (RFC 5652 5.1, no signers) of the n
 * certificate DERs certs[i] (lens[i] bytes each), in that order: a
 * certificate with its chain, say. *out is freed with free().
 * CA_ERR_NOMEM.
 */
enum ca_err ca_p7b(const uint8_t *const *certs, const size_t *lens, size_t n, uint8_t **out,
		   size_t *out_len) CA_WUR;

#endif
