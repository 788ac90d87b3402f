/*
 * ca/acme/check.h — ACME challenge validation (RFC 8555 8.3 http-01, 8.4
 * dns-01; RFC 8737 tls-alpn-01; RFC 8738 IP identifiers) and CAA (RFC 8659),
 * run off the request threads by a small pool. The agreed seam between the
 * ACME protocol code (orders, authorizations: ca/acme/order.c, authz.c) and
 * the validators (ca/acme/validate.c, http01.c, dns01.c, tlsalpn01.c,
 * resolver.c, caa.c). No HTTP-server or JSON types here.
 */
#ifndef PRIVCA_ACME_CHECK_H
#define PRIVCA_ACME_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "privca/ca.h"

enum acme_chall { ACME_CHALL_HTTP01, ACME_CHALL_DNS01, ACME_CHALL_TLSALPN01, ACME_CHALL_MAX };

/* "http-01", "dns-01", "tls-alpn-01"; parse returns false for another name. */
const char *acme_chall_name(enum acme_chall t);
bool acme_chall_parse(const char *s, enum acme_chall *out) CA_WUR;

/* Settings for every check; strings are copied by acme_validator_start. */
struct acme_check_cfg {
	const char *dns_server;	  /* "127.0.0.1:5353", "[::1]:53"; NULL = system resolver */
	int http_port;		  /* http-01 target port; 0 = 80 */
	int tls_port;		  /* tls-alpn-01 target port; 0 = 443 */
	int timeout_ms;		  /* deadline for one whole check; 0 = 10000 */
	const char *caa_identity; /* e.g. "privca.example"; NULL = CAA not checked */
};

/* One challenge to check. */
struct acme_check {
	char id[64]; /* the caller's challenge id, handed back to the done callback */
	enum acme_chall type;
	char identifier[256]; /* DNS name without any "*." prefix, or an IP literal */
	bool is_ip;
	bool wildcard;	    /* the order asked for *.identifier (CAA issuewild) */
	char token[128];    /* the challenge token (base64url) */
	char key_auth[256]; /* token "." base64url(SHA-256 JWK thumbprint) */
};

struct acme_check_result {
	bool valid;
	/* When !valid: the ACME error type after "urn:ietf:params:acme:error:"
	 * ("connection", "dns", "incorrectResponse", "unauthorized", "tls",
	 * "caa", "serverInternal"); a static string. */
	const char *problem;
	char detail[512];    /* what the CA saw: start of the body, the cert, the error */
	uint64_t elapsed_ms; /* how long the check ran (set by the validator pool) */
};

/* Run one check now, in the calling thread, within cfg->timeout_ms. */
void acme_check_run(const struct acme_check_cfg *cfg, const struct acme_check *c,
		    struct acme_check_result *r);

/*
 * A pool of nthreads validator threads with a queue of at most queue_max
 * checks. done(arg, c, r) is called from a pool thread exactly once for each
 * accepted check; r is NULL when the pool stopped before running it (the
 * caller leaves that challenge "processing" and submits it again after a
 * restart). done must not call acme_validator_stop.
 */
struct acme_validator;
typedef void (*acme_check_done)(void *arg, const struct acme_check *c,
				const struct acme_check_result *r);
enum ca_err acme_validator_start(const struct acme_check_cfg *cfg, int nthreads, size_t queue_max,
				 acme_check_done done, void *arg,
				 struct acme_validator **out) CA_WUR;
/* Copies *c into the queue. CA_ERR_BAD_REQUEST (with a sentence) when full. */
enum ca_err acme_validator_submit(struct acme_validator *v, const struct acme_check *c,
				  struct ca_error *err) CA_WUR;
/* Checks accepted and not yet started. */
size_t acme_validator_queued(struct acme_validator *v);
/* Stop: running checks finish (bounded by their deadline), queued ones get done(r = NULL). */
void acme_validator_stop(struct acme_validator *v);
/*
 * Below: declarations shared by the validator files only (validate.c,
 * http01.c, dns01.c, tlsalpn01.c, caa.c); the protocol code needs none of
 * them. Each check function runs in the calling thread, returns by the
 * monotonic deadline (check_now_ms() + the time left) and fills *r; r->detail
 * is always printable ASCII (bytes the target sent are quoted as \xNN), so it
 * can go into JSON as it is.
 */
#include <stdint.h>

/*
 * For the protocol code and the CLI too: true if server is a DNS server
 * list c-ares takes ("127.0.0.1:5353", "[::1]:53"), the form --acme-dns and
 * acme_dns must have. acme_validator_start refuses any other with
 * CA_ERR_BAD_REQUEST and no sentence, so check it first to say why.
 */
bool acme_check_dns_server_ok(const char *server);

#define ACME_CHECK_DEFAULT_TIMEOUT_MS 10000
#define ACME_HTTP01_BODY_MAX	      8192 /* bytes of a challenge response read before giving up */
#define ACME_HTTP01_REDIRECTS_MAX     10

/* CLOCK_MONOTONIC in milliseconds. */
int64_t check_now_ms(void);
/* Milliseconds until deadline, at least 0. */
int check_left_ms(int64_t deadline);

/* r->valid = false, r->problem = problem (a static string), detail formatted (cut, never overrun).
 */
void check_fail(struct acme_check_result *r, const char *problem, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Quote n bytes of p into out (cap bytes, NUL-terminated) as printable
 * ASCII: \" \\ and \xNN for anything else; "..." is appended when cut. */
void check_quote(char *out, size_t cap, const uint8_t *p, size_t n);
/* True if s is a DNS name of letter-digit-hyphen labels (underscore allowed), 1..253 bytes, no
 * final dot. */
bool check_dns_name_ok(const char *s);
/* True if s is non-empty base64url without padding (check_util.c). */
bool check_b64url_ok(const char *s);
/* base64url(SHA-256(key_auth)) into out (44 bytes: 43 characters and NUL). */
void check_key_auth_digest(const char *key_auth, char out[44]);

void http01_check(const struct acme_check_cfg *cfg, const struct acme_check *c, int64_t deadline,
		  struct acme_check_result *r);
void dns01_check(const struct acme_check_cfg *cfg, const struct acme_check *c, int64_t deadline,
		 struct acme_check_result *r);
void tlsalpn01_check(const struct acme_check_cfg *cfg, const struct acme_check *c, int64_t deadline,
		     struct acme_check_result *r);
/*
 * CAA (RFC 8659) for c->identifier as the CA named cfg->caa_identity, for a
 * check of type c->type (RFC 8657 validationmethods): true when issuance is
 * permitted; false with r filled ("caa", or "dns" when a lookup failed).
 */
bool caa_check(const struct acme_check_cfg *cfg, const struct acme_check *c, int64_t deadline,
	       struct acme_check_result *r);

#endif
