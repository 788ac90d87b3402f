/*
 * privca ACME core (RFC 8555, RFC 9773 renewalInfo; design section 10): the
 * calls web/acme makes. No HTTP and no JSON here: web/acme decodes the
 * flattened JWS and its payload with jansson into the structs below, calls
 * one function, and renders what it gets back.
 *
 * Conventions: functions return ACME_PROB_NONE (0) on success, otherwise
 * the problem to answer with *e filled (detail, and subproblems per
 * identifier where there are several). Views are plain structs owned by
 * the caller. Every call is safe from several threads.
 */
#ifndef PRIVCA_ACME_H
#define PRIVCA_ACME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "privca/ca.h"

enum acme_problem {
	ACME_PROB_NONE = 0,
	ACME_PROB_ACCOUNT_DOES_NOT_EXIST,
	ACME_PROB_ALREADY_REVOKED,
	ACME_PROB_BAD_CSR,
	ACME_PROB_BAD_NONCE,
	ACME_PROB_BAD_PUBLIC_KEY,
	ACME_PROB_BAD_REVOCATION_REASON,
	ACME_PROB_BAD_SIGNATURE_ALGORITHM,
	ACME_PROB_CAA,
	ACME_PROB_COMPOUND,
	ACME_PROB_CONNECTION,
	ACME_PROB_DNS,
	ACME_PROB_EXTERNAL_ACCOUNT_REQUIRED,
	ACME_PROB_INCORRECT_RESPONSE,
	ACME_PROB_INVALID_CONTACT,
	ACME_PROB_MALFORMED,
	ACME_PROB_ORDER_NOT_READY,
	ACME_PROB_REJECTED_IDENTIFIER,
	ACME_PROB_SERVER_INTERNAL,
	ACME_PROB_TLS,
	ACME_PROB_UNAUTHORIZED,
	ACME_PROB_UNSUPPORTED_CONTACT,
	ACME_PROB_UNSUPPORTED_IDENTIFIER,
	ACME_PROB_NOT_FOUND, /* type "malformed", status 404 */
	ACME_PROB_CONFLICT,  /* type "malformed", status 409 */
	ACME_PROB_MAX
};

/* The word after "urn:ietf:params:acme:error:" ("badNonce"); never NULL. */
const char *acme_problem_name(enum acme_problem p);
/* The inverse, for stored errors; ACME_PROB_SERVER_INTERNAL if unknown. */
enum acme_problem acme_problem_parse(const char *s);

#define ACME_MAX_SUB 8
struct acme_subproblem {
	enum acme_problem type;
	char id_type[4]; /* "dns", "ip" */
	char id_value[256];
	char detail[256];
};
struct acme_error {
	enum acme_problem type;
	/* With serverInternal: the core error behind it (CA_OK: none said),
	 * which the front-end maps as the JSON API does (CA_ERR_UNAVAILABLE,
	 * e.g. a store that cannot be reached now, is 503 with Retry-After).
	 * RFC 8555 has no problem type for "try again later", so the reason
	 * travels here, not as a type of its own. */
	enum ca_err cause;
	char detail[512];
	struct acme_subproblem sub[ACME_MAX_SUB];
	size_t nsub;
};

#define ACME_ID_LEN 40 /* ids: 22 base64url characters and a NUL, with room */

/* ---- requests ------------------------------------------------------------ */

/* JWK members as sent (base64url text); NULL when absent. */
struct acme_jwk {
	const char *kty, *crv, *x, *y, *n, *e;
};

/* One flattened JWS, decoded by web/acme. Pointers are borrowed for the call. */
struct acme_jws {
	const uint8_t *signing_input; /* ASCII(protected "." payload) */
	size_t signing_input_len;
	const uint8_t *sig; /* decoded signature */
	size_t sig_len;
	const char *alg, *nonce, *url, *kid; /* protected header fields, NULL = absent */
	bool has_jwk;
	struct acme_jwk jwk;
	const uint8_t *payload; /* decoded payload; payload_len 0 for POST-as-GET */
	size_t payload_len;
};

struct acme_account {
	char id[ACME_ID_LEN];
	char status[16]; /* "valid", "deactivated", "revoked" */
	char team[65];
	char contact[1024]; /* newline-separated URLs */
	char thumbprint[48];
	int64_t created_at;
};

/* Who signed a request. */
struct acme_auth {
	bool by_kid;		     /* false: the JWS carried a jwk */
	struct acme_account account; /* by_kid: the signing account */
	char thumbprint[48];	     /* RFC 7638 of the signing key */
	struct acme_jwk_key *key;    /* the verified key (internal); acme_auth_clear */
};
void acme_auth_clear(struct acme_auth *a);

enum acme_key_mode { ACME_KEY_KID, ACME_KEY_JWK, ACME_KEY_EITHER };

/*
 * Check an incoming JWS: algorithm, the single-use nonce, url == the URL it
 * was posted to, jwk or kid as mode says (kid must be acct_prefix + id of a
 * valid account), and the signature. On success *out is filled
 * (acme_auth_clear).
 */
enum acme_problem acme_verify(struct ca *ca, const struct acme_jws *j, const char *url,
			      const char *acct_prefix, enum acme_key_mode mode,
			      struct acme_auth *out, struct acme_error *e) CA_WUR;

/* ---- nonces and directory ------------------------------------------------ */

#define ACME_NONCE_LEN 22
enum acme_problem acme_nonce_new(struct ca *ca, char out[ACME_NONCE_LEN + 1],
				 struct acme_error *e) CA_WUR;
/* meta.externalAccountRequired: true unless an open team is set. */
bool acme_eab_required(struct ca *ca);

/* ---- accounts ------------------------------------------------------------ */

/*
 * newAccount (RFC 8555 7.3). auth from acme_verify(ACME_KEY_JWK). eab (may
 * be NULL) is the decoded externalAccountBinding JWS, whose url must be
 * url. contacts are "mailto:" URLs. *created says whether a new account was
 * made (201) or the key's existing one returned (200).
 */
enum acme_problem acme_account_new(struct ca *ca, const struct acme_auth *auth,
				   const struct acme_jws *eab, const char *url,
				   const char *const *contacts, size_t ncontacts,
				   bool only_existing, struct acme_account *out, bool *created,
				   struct acme_error *e) CA_WUR;
/* Update contacts (contacts NULL: keep) and/or deactivate. */
enum acme_problem acme_account_update(struct ca *ca, const struct acme_auth *auth, const char *id,
				      const char *const *contacts, size_t ncontacts,
				      bool deactivate, struct acme_account *out,
				      struct acme_error *e) CA_WUR;
/*
 * keyChange (7.3.5): inner is the inner JWS (jwk of the new key), whose url
 * must be url; inner_account is its payload's "account", which must be
 * acct_prefix + the signing account's id; old_key its "oldKey".
 */
enum acme_problem acme_key_change(struct ca *ca, const struct acme_auth *auth,
				  const struct acme_jws *inner, const char *url,
				  const char *acct_prefix, const char *inner_account,
				  const struct acme_jwk *old_key, struct acme_error *e) CA_WUR;
/*
 * One page of the account's order ids, newest first, at most
 * ACME_ORDERS_PAGE (RFC 8555 7.1.2.1: the rest behind Link rel="next"):
 * cursor NULL or "" for the first page, else a `next` this call gave.
 * next gets the cursor of the following page, "" on the last one. A
 * cursor that is not one of the account's orders is malformed. *ids freed
 * with free().
 */
#define ACME_ORDERS_PAGE 50
enum acme_problem acme_account_orders(struct ca *ca, const struct acme_auth *auth, const char *id,
				      const char *cursor, char (**ids)[ACME_ID_LEN], size_t *n,
				      char next[ACME_ID_LEN], struct acme_error *e) CA_WUR;

/* ---- orders, authorizations, challenges --------------------------------- */

struct acme_ident {
	char type[4];	 /* "dns", "ip" */
	char value[256]; /* as ordered, "*.example" for a wildcard */
};

struct acme_order {
	char id[ACME_ID_LEN];
	char status[16];
	int64_t expires;
	struct acme_ident *idents;
	size_t nidents;
	char (*authz)[ACME_ID_LEN];
	size_t nauthz;
	char serial[33];	 /* the certificate when valid, else "" */
	struct acme_error error; /* type NONE unless invalid with a reason */
};
void acme_order_free(struct acme_order *o);

struct acme_chall_view {
	char id[ACME_ID_LEN];
	char type[16];
	char status[16];
	char token[48];
	int64_t validated;
	enum acme_problem err_type; /* NONE unless invalid */
	char err_detail[512];
};

struct acme_authz {
	char id[ACME_ID_LEN];
	char order_id[ACME_ID_LEN];
	struct acme_ident ident; /* value without "*." */
	bool wildcard;
	char status[16];
	int64_t expires;
	struct acme_chall_view ch[3];
	size_t nch;
};

/* newOrder: every identifier is checked against the team's policy now. */
enum acme_problem acme_order_new(struct ca *ca, const struct acme_auth *auth,
				 const struct acme_ident *ids, size_t n, const char *replaces,
				 struct acme_order *out, struct acme_error *e) CA_WUR;
/* auth NULL: no owner check (the CLI, tests). */
enum acme_problem acme_order_get(struct ca *ca, const struct acme_auth *auth, const char *id,
				 struct acme_order *out, struct acme_error *e) CA_WUR;
/* Finalize with a CSR (DER): the same issue path as the JSON API. */
enum acme_problem acme_order_finalize(struct ca *ca, const struct acme_auth *auth, const char *id,
				      const uint8_t *csr, size_t csr_len, struct acme_order *out,
				      struct acme_error *e) CA_WUR;
enum acme_problem acme_authz_get(struct ca *ca, const struct acme_auth *auth, const char *id,
				 bool deactivate, struct acme_authz *out,
				 struct acme_error *e) CA_WUR;
/* A challenge POST: a pending challenge starts validating ("processing"). */
enum acme_problem acme_chall_post(struct ca *ca, const struct acme_auth *auth, const char *id,
				  struct acme_chall_view *out, char authz_id[ACME_ID_LEN],
				  struct acme_error *e) CA_WUR;
/* The certificate and chain as PEM (leaf first); *pem freed with free(). */
enum acme_problem acme_cert_chain(struct ca *ca, const struct acme_auth *auth, const char *serial,
				  char **pem, struct acme_error *e) CA_WUR;
/*
 * revokeCert: cert is DER; auth by kid (an account of the team that
 * requested it) or by jwk (the certificate's own key). reason is the CRL
 * code (0, 1, 3, 4, 5; others are badRevocationReason).
 */
enum acme_problem acme_revoke(struct ca *ca, const struct acme_auth *auth, const uint8_t *cert,
			      size_t cert_len, int reason, struct acme_error *e) CA_WUR;

/* renewalInfo (RFC 9773): certid is base64url(AKI) "." base64url(serial). */
enum acme_problem acme_renewal_info(struct ca *ca, const char *certid, int64_t *start, int64_t *end,
				    struct acme_error *e) CA_WUR;

/* A challenge result recorded by the validator (also for tests): the
 * challenge must be "processing". */
enum acme_problem acme_chall_result(struct ca *ca, const char *chall_id, bool valid,
				    enum acme_problem type, const char *detail) CA_WUR;

/* ---- operator side -------------------------------------------------------- */

/* Settings from the command line (override privca.conf); NULL/0 = keep. */
struct acme_serve_opts {
	const char *dns; /* "ADDR:PORT" */
	int http_port, tls_port;
	/* Called after each challenge result is recorded, from a validator
	 * thread, with the challenge's id: web/ ends the authorization polls
	 * that wait for it. NULL: none. */
	void (*on_result)(void *arg, const char *chall_id);
	void *on_result_arg;
};
/* Start background validation and resubmit challenges left "processing". */
enum ca_err acme_serve_start(struct ca *ca, const struct acme_serve_opts *o,
			     struct ca_error *err) CA_WUR;

#define ACME_EAB_KID_LEN 22
#define ACME_EAB_KEY_LEN 43
/* A new binding key for team (a live token's name), shown once. */
enum ca_err acme_eab_create(struct ca *ca, const char *team, char kid[ACME_EAB_KID_LEN + 1],
			    char key[ACME_EAB_KEY_LEN + 1], struct ca_error *err) CA_WUR;
struct acme_eab_info {
	char kid[ACME_ID_LEN];
	const char *state; /* "unused", "used", "expired", "revoked" (static) */
	int64_t created_at, expires_at;
	char account_id[ACME_ID_LEN];
};
enum ca_err acme_eab_list(struct ca *ca, const char *team, struct acme_eab_info **out, size_t *n,
			  struct ca_error *err) CA_WUR; /* *out: free() */
enum ca_err acme_eab_revoke(struct ca *ca, const char *kid, struct ca_error *err) CA_WUR;
/* Make team (a live token) the open team. CA_ERR_EXISTS if another is. */
enum ca_err acme_open_team_set(struct ca *ca, const char *team, struct ca_error *err) CA_WUR;

/* ---- counters for /metrics ------------------------------------------------ */

/* Upper bounds of the validation latency buckets, in milliseconds. */
#define ACME_LATENCY_MS	     50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000
#define ACME_LATENCY_NBUCKET 9
#define ACME_STATS_NCHALL    3 /* http-01, dns-01, tls-alpn-01 */

/* What this process's ACME core did since the CA was opened. */
struct acme_stats {
	uint64_t accounts;	     /* accounts created */
	uint64_t orders;	     /* orders created */
	uint64_t orders_valid;	     /* orders finalized with a certificate */
	uint64_t orders_invalid;     /* orders that became invalid */
	uint64_t authz_reused;	     /* valid authorizations an order reused */
	uint64_t certs_revoked;	     /* certificates revoked through revokeCert */
	uint64_t validations_queued; /* checks waiting for a validator now */
	struct acme_stats_chall {
		const char *type; /* "http-01", "dns-01", "tls-alpn-01" (static) */
		uint64_t valid, invalid;
		/* Checks that took at most bucket i's bound (not cumulative);
		 * the last one counts the slower ones. */
		uint64_t bucket[ACME_LATENCY_NBUCKET + 1];
		uint64_t sum_ms;
	} chall[ACME_STATS_NCHALL];
};

/* The counters now (each read on its own: a snapshot only roughly). */
void acme_stats(const struct ca *ca, struct acme_stats *out);

#endif
