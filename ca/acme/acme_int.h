/*
 * What the ACME core's files share (ca/acme/): the per-CA ACME state hung
 * off struct ca, the verified key, and small helpers. Not public: web/ sees
 * include/privca/acme.h.
 */
#ifndef PRIVCA_ACME_INT_H
#define PRIVCA_ACME_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "../store/store_acme.h"
#include "check.h"
#include "internal.h"
#include "privca/acme.h"

/* Per-CA ACME state: settings from privca.conf and the command line, the
 * validator pool, the EAB secret (loaded on first use, under mu). */
struct acme {
	pthread_mutex_t mu;
	char *dns;			  /* acme_dns, NULL = system resolver */
	int http_port;			  /* acme_http_port, default 80 */
	int tls_port;			  /* acme_tls_port, default 443 */
	int days;			  /* acme_days, default 90 */
	char *caa_identity;		  /* caa_identity, NULL = CAA not checked */
	struct acme_validator *validator; /* NULL until acme_serve_start */
	void (*on_result)(void *arg, const char *chall_id); /* set before validator */
	void *on_result_arg;
	bool eab_loaded;
	uint8_t eab_secret[32];
	struct acme_counters {
		atomic_ullong accounts, orders, orders_valid, orders_invalid, authz_reused,
		    certs_revoked;
		atomic_ullong chall[ACME_CHALL_MAX][2]; /* [type][valid] */
		atomic_ullong bucket[ACME_CHALL_MAX][ACME_LATENCY_NBUCKET + 1];
		atomic_ullong sum_ms[ACME_CHALL_MAX];
	} n;
};

/* Count one event in ca->acme->n (stats.c). */
void acme_count(atomic_ullong *counter);
/* Count one finished check: its type, result and time. */
void acme_count_check(struct ca *ca, enum acme_chall type, bool valid, uint64_t elapsed_ms);

/*
 * acme_open/acme_close/acme_conf (declared in internal.h): acme_conf
 * returns CA_ERR_NOT_FOUND if key is not one of acme_dns, acme_http_port,
 * acme_tls_port, acme_days, caa_identity; CA_ERR_BAD_REQUEST (with a
 * sentence) for a bad value.
 */

/* A public key from a JWK (jws.c). */
struct acme_jwk_key;
/* Canonical members (store form) and key from a JWK; problem badPublicKey. */
enum acme_problem jwk_import(const struct acme_jwk *in, struct store_acme_jwk *canon,
			     struct acme_jwk_key **out, struct acme_error *e) CA_WUR;
void jwk_key_free(struct acme_jwk_key *k);
/* The key's canonical members; valid while k lives. */
const struct store_acme_jwk *jwk_members(const struct acme_jwk_key *k);
/* RFC 7638 thumbprint of canonical members: base64url(SHA-256), 43 chars. */
void jwk_thumbprint(const struct store_acme_jwk *k, char out[48]);
/* Verify sig over msg with alg ("ES256", ...); badSignatureAlgorithm for an
 * alg that does not fit the key, malformed for a bad signature. */
enum acme_problem jwk_verify(const struct acme_jwk_key *k, const char *alg, const uint8_t *msg,
			     size_t n, const uint8_t *sig, size_t sig_len,
			     struct acme_error *e) CA_WUR;
/* True if the DER SubjectPublicKeyInfo spki holds the same public key as
 * k, compared as keys (curve and point, modulus and exponent, Ed25519
 * bytes), not as encodings: a compressed EC point matches its JWK. */
bool jwk_same_key(const struct acme_jwk_key *k, const uint8_t *spki, size_t len);

/* Fill e and return its type. */
enum acme_problem acme_fail(struct acme_error *e, enum acme_problem p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * A store (or core) call failed with rc while doing `what` ("the order
 * could not be stored"): serverInternal with e->cause = rc. When rc is
 * CA_ERR_UNAVAILABLE (the store cannot be reached or written now) the
 * detail says so and that a retry may succeed; the front-end answers 503.
 */
enum acme_problem acme_fail_store(struct acme_error *e, enum ca_err rc, const char *what);
/* A random id: base64url of 16 bytes (22 characters). */
enum ca_err acme_rand_id(char out[ACME_ID_LEN]) CA_WUR;
/* An account's public view from its store record. */
void acme_account_view(const struct store_acme_account *a, struct acme_account *out);

/* EAB (eab.c): check the binding JWS of newAccount; *team receives the key's
 * team, *kid its id. */
enum acme_problem eab_check(struct ca *ca, const struct acme_jws *eab, const char *url,
			    const char *outer_thumbprint, char team[65], char kid[ACME_ID_LEN],
			    struct acme_error *e) CA_WUR;

/* Submit a processing challenge to the validator (authz.c). */
void acme_submit(struct ca *ca, const struct store_acme_chall *c);

#endif
