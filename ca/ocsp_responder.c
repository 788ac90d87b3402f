/*
 * The code in this file implements the OCSP responder (RFC 6960): ca_ocsp
 * looks each CertID's serial up in the store and signs the answer
 * (encoded by x509/ocsp_codec.c). Answers to requests without a nonce are
 * cached for one revocation generation and at most OCSP_REFRESH seconds,
 * while the background service watches the store (revocation.h).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "revocation.h"
#include "x509/ocsp.h"

#define OCSP_VALIDITY 86400
#define OCSP_REFRESH  3600 /* a cached answer is re-signed after an hour */
#define OCSP_SLOTS    4096 /* direct-mapped cache of no-nonce answers */

struct ocsp_slot {
	uint8_t key[32]; /* SHA-256 of the request DER */
	int64_t gen, at;
	uint8_t *resp;
	size_t len;
};

struct ocsp_cache {
	pthread_mutex_t mu;
	struct ocsp_slot *slots; /* under mu */
	struct ocsp_issuer iss;	 /* this CA's CertID hashes; set at open */
};

/* ---- cache ---- */

static struct ocsp_slot *slot_of(struct ocsp_cache *c, const uint8_t key[32])
{
	return &c->slots[(key[0] | key[1] << 8) % OCSP_SLOTS];
}

/* A copy of the cached answer for key (*resp freed with free()). */
static bool cache_get(struct ocsp_cache *c, const uint8_t key[32], int64_t gen, int64_t now,
		      uint8_t **resp, size_t *len)
{
	struct ocsp_slot *s = slot_of(c, key);
	bool hit = false;
	pthread_mutex_lock(&c->mu);
	if (s->resp != NULL && s->gen == gen && now - s->at < OCSP_REFRESH &&
	    memcmp(s->key, key, 32) == 0 && (*resp = malloc(s->len)) != NULL) {
		memcpy(*resp, s->resp, s->len);
		*len = s->len;
		hit = true;
	}
	pthread_mutex_unlock(&c->mu);
	return hit;
}

/* Keep a copy of resp for key; without memory, nothing is cached. */
static void cache_put(struct ocsp_cache *c, const uint8_t key[32], int64_t gen, int64_t now,
		      const uint8_t *resp, size_t len)
{
	uint8_t *copy = malloc(len);
	if (copy == NULL)
		return;
	memcpy(copy, resp, len);
	struct ocsp_slot *s = slot_of(c, key);
	pthread_mutex_lock(&c->mu);
	free(s->resp);
	memcpy(s->key, key, 32);
	s->gen = gen;
	s->at = now;
	s->resp = copy;
	s->len = len;
	pthread_mutex_unlock(&c->mu);
}

/* ---- answering ---- */

static enum ca_err ocsp_error(enum ocsp_resp_status st, uint8_t **resp, size_t *len,
			      struct ca_error *err)
{
	if (ocsp_error_response(st, resp, len) != CA_OK)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	return CA_OK;
}

/* The status of one CertID into s (unknown unless it is this CA's and the
 * store knows the serial); *ours says whether it names this CA. */
static enum ca_err single_status(struct ca *ca, const struct ocsp_certid *id, int64_t now,
				 struct ocsp_single *s, bool *ours)
{
	s->certid = id->tlv;
	s->certid_len = id->tlv_len;
	s->status = OCSP_CERT_UNKNOWN;
	s->this_update = now;
	s->next_update = now + OCSP_VALIDITY;
	*ours = ocsp_certid_is_ours(&ca->ocsp->iss, id);
	if (!*ours || id->serial_len != 16)
		return CA_OK; /* every serial this CA writes is 16 bytes */
	char hex[33];
	struct store_status st;
	hex_encode(id->serial, 16, hex);
	if (store_status(ca->store, hex, &st, NULL) != CA_OK)
		return CA_ERR_STORE;
	if (st.found && st.revoked) {
		s->status = OCSP_CERT_REVOKED;
		s->revoked_at = st.revoked_at;
		s->reason = st.reason;
	} else if (st.found) {
		s->status = OCSP_CERT_GOOD;
	}
	return CA_OK;
}

/*
 * Look up and sign the answer to the parsed request r (*resp freed with
 * free()). CA_ERR_FORBIDDEN (err says why) when no CertID is this CA's;
 * CA_ERR_STORE, CA_ERR_NOMEM, CA_ERR_CRYPTO: no answer.
 */
static enum ca_err ocsp_answer(struct ca *ca, const struct ocsp_request *r, int64_t now,
			       uint8_t **resp, size_t *resp_len, struct ca_error *err)
{
	struct ocsp_single *singles = calloc(r->n, sizeof(*singles));
	enum ca_err rc = singles != NULL ? CA_OK : CA_ERR_NOMEM;
	bool any_ours = false;
	for (size_t i = 0; i < r->n && rc == CA_OK; i++) {
		bool ours;
		rc = single_status(ca, &r->ids[i], now, &singles[i], &ours);
		any_ours |= ours;
	}
	if (rc == CA_OK && !any_ours)
		rc = ca_fail(err, CA_ERR_FORBIDDEN, "no CertID in the request is for this CA");
	if (rc != CA_OK)
		goto out;
	struct ocsp_response o = {
	    .key_hash = ca->ocsp->iss.key_sha1,
	    .ca_cert = ca->cert_der,
	    .ca_cert_len = ca->cert_len,
	    .produced_at = now,
	    .singles = singles,
	    .n = r->n,
	    .nonce = r->nonce,
	    .nonce_len = r->nonce_len,
	};
	rc = ocsp_response_build(ca->key, &o, resp, resp_len, err);
out:
	free(singles);
	return rc;
}

enum ca_err ca_ocsp(struct ca *ca, const uint8_t *req, size_t req_len, uint8_t **resp,
		    size_t *resp_len, struct ca_error *err)
{
	struct ocsp_request r;
	struct ca_error perr;
	int64_t now = clock_now(&ca->clock);
	int64_t gen = revocation_gen(ca);
	uint8_t key[32];

	if (ocsp_request_parse(req, req_len, &r, &perr) != CA_OK) {
		ca_fail(err, CA_ERR_BAD_REQUEST, "%s", perr.detail);
		return ocsp_error(OCSP_MALFORMED_REQUEST, resp, resp_len, err);
	}
	/* No cache key, no cache: the answer is computed afresh. */
	bool cacheable =
	    r.nonce == NULL && revocation_watched(ca) && hash_sha256(req, req_len, key) == CA_OK;
	if (cacheable && cache_get(ca->ocsp, key, gen, now, resp, resp_len)) {
		ocsp_request_free(&r);
		return CA_OK;
	}
	enum ca_err rc = ocsp_answer(ca, &r, now, resp, resp_len, err);
	ocsp_request_free(&r);
	if (rc == CA_ERR_FORBIDDEN)
		return ocsp_error(OCSP_UNAUTHORIZED, resp, resp_len, err);
	if (rc != CA_OK)
		return ocsp_error(OCSP_INTERNAL_ERROR, resp, resp_len, err);
	if (cacheable) /* only signed answers, never an error status */
		cache_put(ca->ocsp, key, gen, now, *resp, *resp_len);
	return CA_OK;
}

enum ca_err ocsp_cache_open(struct ca *ca, struct ca_error *err)
{
	struct ocsp_cache *c = calloc(1, sizeof(*c));
	if (c == NULL || (c->slots = calloc(OCSP_SLOTS, sizeof(*c->slots))) == NULL) {
		free(c);
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	}
	pthread_mutex_init(&c->mu, NULL);
	ca->ocsp = c;
	if (ocsp_issuer_hashes(ca->subject, ca->subject_len, ca->pubkey, ca->pubkey_len, &c->iss) !=
	    CA_OK)
		return ca_fail(err, CA_ERR_CRYPTO, "cannot hash the CA name and key");
	return CA_OK;
}

void ocsp_cache_close(struct ca *ca)
{
	struct ocsp_cache *c = ca->ocsp;
	if (c == NULL)
		return;
	for (size_t i = 0; i < OCSP_SLOTS; i++)
		free(c->slots[i].resp);
	free(c->slots);
	pthread_mutex_destroy(&c->mu);
	free(c);
	ca->ocsp = NULL;
}
