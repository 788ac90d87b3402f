/*
 * What the core's files share about a struct ca. Not part of the public
 * interface: web/ sees only include/privca/ca.h.
 */
#ifndef PRIVCA_INTERNAL_H
#define PRIVCA_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "clock.h"
#include "conf.h"
#include "crypto/hash.h"
#include "crypto/rand.h"
#include "crypto/signer.h"
#include "names.h"
#include "errors.h"
#include "privca/ca.h"
#include "store/store.h"

struct acme;	   /* acme/acme_int.h */
struct nc;	   /* hierarchy/constraints.h */
struct hier;	   /* hierarchy/chain.c: the chain above the issuer, the root CRL */
struct crl_cache;  /* crl_cache.c */
struct ocsp_cache; /* ocsp_responder.c */
struct ca_service; /* service.c */

struct ca {
	char *dir;
	struct signer *key; /* the CA's signer (crypto/signer.h), owned */
	struct nc *nc;	    /* the CA certificate's nameConstraints, or NULL */
	struct store *store;
	struct conf conf;	     /* privca.conf, owned */
	struct ca_settings settings; /* the same, pointing into conf */

	/* The CA certificate and what is derived from it once at open. */
	struct ca_issuer issuer;
	struct hier *hier; /* the chain above the issuer (hierarchy/chain.c) */
	uint8_t *cert_der;
	size_t cert_len;
	char *cert_pem;
	uint8_t *p7b;
	size_t p7b_len;
	char *subject_str;
	uint8_t *subject; /* the CA's Name TLV, copied into every issuer field */
	size_t subject_len;
	uint8_t ski[20]; /* SHA-1 of the subjectPublicKey (RFC 5280 4.2.1.2 (1)) */
	uint8_t *pubkey; /* subjectPublicKey BIT STRING contents (no unused-bits byte) */
	size_t pubkey_len;

	struct ca_clock clock;

	struct crl_cache *crl;
	struct ocsp_cache *ocsp;
	struct ca_service *service; /* the revocation service (service.c) */
	struct acme *acme;	    /* ACME settings and validators (acme/state.c) */

	/* ca_activity: successful ca_issue and ca_revoke calls, whatever the
	 * front-end (the service's own TLS certificate is not counted). */
	atomic_ullong n_issued, n_revoked;
	int64_t tidy_next; /* the background tidy's next look (tidy.c; service thread only) */
};

/* One bounded step of the background tidy (retain_expired_days), when it
 * is due: called by the service's background thread (service.c). */
void ca_tidy_tick(struct ca *ca);

/* ACME hooks for ca_open/ca_close and privca.conf (acme/state.c). */
enum ca_err acme_open(struct ca *ca, struct ca_error *err) CA_WUR;
void acme_close(struct ca *ca);
enum ca_err acme_conf(struct ca *ca, const char *key, const char *value,
		      struct ca_error *err) CA_WUR;

/* What a certificate carries besides its subject and key. */
struct cert_tpl {
	const uint8_t *serial; /* big-endian, positive */
	size_t serial_len;
	const uint8_t *issuer; /* Name TLV */
	size_t issuer_len;
	const uint8_t *subject; /* Name TLV */
	size_t subject_len;
	const uint8_t *spki; /* SubjectPublicKeyInfo TLV */
	size_t spki_len;
	int64_t not_before, not_after;
	const uint8_t *ski; /* 20 bytes */
	const uint8_t *aki; /* 20 bytes, NULL for a self-signed root */
	bool is_ca;
	bool key_encipherment; /* RSA subject key */
	enum ca_profile profile;
	const struct name *names;
	size_t nnames;
	/* Written as given (urls.h makes them from the base URL); each NULL
	 * for none: cRLDistributionPoints, AIA id-ad-ocsp, AIA id-ad-caIssuers,
	 * freshestCRL (the delta CRL). */
	const char *crl_url;
	const char *ocsp_url;
	const char *issuer_url;
	const char *freshest_url;
	/* CA only: basicConstraints pathLenConstraint when has_path_len. */
	bool has_path_len;
	unsigned path_len;
	const struct nc *nc; /* CA only: critical nameConstraints; NULL for none */
};

/* Encode and sign a certificate (cert.c). *der freed with free(). */
enum ca_err cert_build(const struct cert_tpl *t, struct signer *signer, uint8_t **der,
		       size_t *len) CA_WUR;

/* A leaf certificate to sign and record (everything policy has decided). */
struct leaf {
	const uint8_t *subject; /* Name TLV */
	size_t subject_len;
	const uint8_t *spki; /* SubjectPublicKeyInfo TLV */
	size_t spki_len;
	const struct name *names;
	size_t nnames;
	enum ca_profile profile;
	int days;
	bool key_encipherment; /* RSA subject key */
	const char *requester; /* token name, "cli", "init", "renew" */
	bool clamp;	       /* end with the CA rather than be refused (the service's own TLS
				  certificate, or clamp_to_ca) */
};

/*
 * Sign l with the CA key (fresh serial, notBefore now - 5 min) and record
 * it durably; a serial that is taken is drawn again. Refused while the CA
 * is not valid (ca_validity), and when the leaf would end after the CA
 * (CA_ERR_BAD_REQUEST naming the CA's end) unless l->clamp or clamp_to_ca
 * cut it to the CA's notAfter (then (*out)->clamped), and when a name is
 * outside the CA certificate's nameConstraints (CA_ERR_NAME_NOT_ALLOWED,
 * before anything is signed). *out (ca_cert_free)
 * holds the record with its DER. Nothing is recorded on failure.
 */
enum ca_err issue_leaf(struct ca *ca, const struct leaf *l, struct ca_cert **out,
		       struct ca_error *err) CA_WUR;

/* notBefore is backdated this much for clock skew (design section 3). */
#define CERT_SKEW 300

/* CRL and OCSP state and the service that keeps them fresh (service.c;
 * revocation.h has the rest); called by ca_open / ca_close. */
enum ca_err revocation_open(struct ca *ca, struct ca_error *err) CA_WUR;
void revocation_close(struct ca *ca);
/* A revocation happened in this process: rebuild the CRL, drop OCSP cache. */
void revocation_changed(struct ca *ca);

#endif
