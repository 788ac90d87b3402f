/*
 * The code in this file implements revocation and what clients see of it:
 * ca_revoke, the CRL (built by crl.c, cached here and rebuilt in the
 * background) and the OCSP responder (encoded by ocsp.c, answers for
 * requests without a nonce cached here).
 *
 * Freshness: every revocation bumps revocation_state.generation through a
 * trigger, whichever process makes it. In-process revocations bump the
 * in-memory copy at once; the background thread asks store_watch every
 * POLL_MS (SQLite: PRAGMA data_version, so the generation is read only
 * when another connection committed), so another process's `privca revoke` is seen
 * within a second. The CRL and the OCSP cache are valid for one
 * generation.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "x509/crl.h"
#include "internal.h"
#include "x509/ocsp.h"
#include "tokens.h"

#define CRL_VALIDITY  (7 * 86400)
#define CRL_REFRESH   86400 /* rebuild daily: expired entries leave, nextUpdate stays far */
#define OCSP_VALIDITY 86400
#define OCSP_REFRESH  3600 /* a cached answer is re-signed after an hour */
#define OCSP_SLOTS    4096 /* direct-mapped cache of no-nonce answers */
#define POLL_MS	      250

struct ca_blob {
	int refs; /* atomic */
	uint8_t *der;
	size_t len;
	int64_t this_update, next_update;
	uint64_t number;
};

struct ocsp_slot {
	uint8_t key[32]; /* SHA-256 of the request DER */
	int64_t gen, at;
	uint8_t *resp;
	size_t len;
};

struct crl_cache {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct ca_blob *cur; /* under mu */
	int64_t built_gen;   /* generation cur reflects */
	int64_t gen;	     /* latest known generation (atomic) */
	bool thread_running, stop, kick;
	pthread_t thread;

	pthread_mutex_t omu;
	struct ocsp_slot *slots;
	struct ocsp_issuer iss;
};

/* ---- blobs ---- */

const uint8_t *ca_blob_data(const struct ca_blob *b, size_t *len)
{
	*len = b->len;
	return b->der;
}

int64_t ca_blob_time(const struct ca_blob *b)
{
	return b->this_update;
}

int64_t ca_blob_expires(const struct ca_blob *b)
{
	return b->next_update;
}

uint64_t ca_blob_number(const struct ca_blob *b)
{
	return b->number;
}

void ca_blob_release(struct ca_blob *b)
{
	if (b != NULL && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free(b->der);
		free(b);
	}
}

static int64_t gen_get(struct crl_cache *c)
{
	return __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE);
}

static void gen_set(struct crl_cache *c, int64_t g)
{
	__atomic_store_n(&c->gen, g, __ATOMIC_RELEASE);
}

/* Is the background thread running? thread_running is written under mu
 * by ca_serve_start while request threads read it. */
static bool background_running(struct crl_cache *c)
{
	pthread_mutex_lock(&c->mu);
	bool running = c->thread_running;
	pthread_mutex_unlock(&c->mu);
	return running;
}

/* ---- CRL ---- */

/*
 * The CRL for the revocations recorded now (*gen): the recorded CRL if it
 * reflects them and is not due for its daily refresh (another process, or
 * this one before a restart, built it), else a new one with the next
 * number, recorded. CA_ERR_EXISTS if another builder recorded that number
 * first: look again.
 */
static enum ca_err crl_next(struct ca *ca, int64_t *gen, struct ca_blob **out, struct ca_error *err)
{
	struct store_revoked *rev = NULL;
	struct crl_entry *ent = NULL;
	size_t n = 0;
	struct store_crl rec;
	enum ca_err rc;
	int64_t now = clock_now(&ca->clock), g;

	/* The generation first, then the list: the list holds at least what
	 * the generation counts, so the label is never ahead of the content. */
	if (store_revocation_gen(ca->store, &g) != CA_OK)
		return ca_fail(err, CA_ERR_STORE, "the revocation state could not be read");
	if (g < *gen)
		g = *gen;
	if ((rc = store_crl_get(ca->store, g, now - CRL_REFRESH, &rec)) != CA_OK)
		return ca_fail(err, rc, "the CRL state could not be read");
	struct ca_blob *b = calloc(1, sizeof(*b));
	if (b == NULL) {
		free(rec.der);
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	}
	b->refs = 1;
	struct ca_error verr;
	if (rec.der == NULL && rec.number > 0 && ca_validity(ca, NULL, &verr) != CA_OK) {
		/* An expired (or not yet valid) CA signs nothing: the CRL recorded
		 * last is served as it is until its nextUpdate, and clients then
		 * judge it, as they judge the certificates it lists. */
		if ((rc = store_crl_get(ca->store, rec.generation, INT64_MIN, &rec)) != CA_OK) {
			free(b);
			return ca_fail(err, rc, "the CRL state could not be read");
		}
	}
	if (rec.der != NULL) {
		b->der = rec.der; /* current: taken as it is, nothing signed */
		b->len = rec.len;
		b->number = rec.number;
		b->this_update = rec.this_update;
		b->next_update = rec.next_update;
		*gen = g;
		*out = b;
		return CA_OK;
	}
	if ((rc = ca_validity(ca, NULL, err)) != CA_OK) {
		free(b);
		return rc;
	}
	if ((rc = store_revoked_list(ca->store, now, &rev, &n, err)) != CA_OK ||
	    (ent = calloc(n ? n : 1, sizeof(*ent))) == NULL) {
		free(rev);
		free(b);
		return rc != CA_OK ? rc : ca_fail(err, CA_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		memcpy(ent[i].serial, rev[i].serial, rev[i].serial_len);
		ent[i].serial_len = rev[i].serial_len;
		ent[i].revoked_at = rev[i].revoked_at;
		ent[i].reason = rev[i].reason;
	}
	free(rev);
	b->number = rec.number + 1;
	b->this_update = now;
	b->next_update = now + CRL_VALIDITY;
	struct crl_params p = {
	    .issuer = ca->subject,
	    .issuer_len = ca->subject_len,
	    .ski = ca->ski,
	    .ski_len = sizeof(ca->ski),
	    .number = b->number,
	    .this_update = b->this_update,
	    .next_update = b->next_update,
	    .entries = ent,
	    .n = n,
	};
	rc = crl_build(ca->key, &p, &b->der, &b->len, err);
	free(ent);
	if (rc == CA_OK) {
		struct store_crl put = {b->number,	b->der,		b->len,
					b->this_update, b->next_update, g};
		if ((rc = store_crl_put(ca->store, &put)) != CA_OK)
			ca_fail(err, rc, "CRL number %llu could not be recorded",
				(unsigned long long)b->number);
	}
	if (rc != CA_OK) {
		ca_blob_release(b);
		return rc;
	}
	*gen = g;
	*out = b;
	return CA_OK;
}

/* Get, record and cache the CRL for generation gen (or later); the caller
 * holds no lock. */
static enum ca_err crl_rebuild(struct ca *ca, int64_t gen, struct ca_blob **out,
			       struct ca_error *err)
{
	struct ca_blob *b = NULL;
	enum ca_err rc = CA_ERR_EXISTS;
	/* Lost the number to another builder: theirs may be the one to take. */
	for (int i = 0; i < 5 && rc == CA_ERR_EXISTS; i++)
		rc = crl_next(ca, &gen, &b, err);
	if (rc == CA_ERR_EXISTS)
		return ca_fail(err, CA_ERR_STORE,
			       "the CRL could not be recorded: other processes kept taking its "
			       "number; try again");
	if (rc != CA_OK)
		return rc;
	struct crl_cache *c = ca->crl;
	pthread_mutex_lock(&c->mu);
	struct ca_blob *prev = c->cur;
	c->cur = b;
	c->built_gen = gen;
	if (gen > gen_get(c))
		gen_set(c, gen);
	__atomic_add_fetch(&b->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&c->mu);
	ca_blob_release(prev);
	*out = b;
	return CA_OK;
}

static bool crl_stale(struct ca *ca, const struct ca_blob *b, int64_t built_gen)
{
	return b == NULL || built_gen != gen_get(ca->crl) ||
	       clock_now(&ca->clock) >= b->this_update + CRL_REFRESH;
}

enum ca_err ca_crl(struct ca *ca, struct ca_blob **out, struct ca_error *err)
{
	struct crl_cache *c = ca->crl;
	bool background = background_running(c);
	/* Without the background thread nobody watches the store for
	 * revocations made elsewhere: look now (one indexed read). */
	int64_t g;
	if (!background && store_revocation_gen(ca->store, &g) == CA_OK && g > gen_get(c))
		gen_set(c, g);
	pthread_mutex_lock(&c->mu);
	struct ca_blob *b = c->cur;
	bool stale = crl_stale(ca, b, c->built_gen);
	if (b != NULL && (!stale || background)) {
		/* Current, or the background thread is on it: serve this one. */
		__atomic_add_fetch(&b->refs, 1, __ATOMIC_ACQ_REL);
		pthread_mutex_unlock(&c->mu);
		*out = b;
		return CA_OK;
	}
	pthread_mutex_unlock(&c->mu);
	return crl_rebuild(ca, gen_get(c), out, err);
}

static void *crl_thread(void *arg)
{
	struct ca *ca = arg;
	struct crl_cache *c = ca->crl;
	struct store_change seen = {-1, 0, false};
	pthread_mutex_lock(&c->mu);
	while (!c->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += POLL_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (!c->kick)
			pthread_cond_timedwait(&c->cv, &c->mu, &ts);
		c->kick = false;
		if (c->stop)
			break;
		pthread_mutex_unlock(&c->mu);

		/* A revocation elsewhere, or a newer CRL recorded by another
		 * process (take it). */
		bool newer = false;
		if (store_watch(ca->store, &seen, 0) == CA_OK && seen.changed) {
			if (seen.revocation_gen > gen_get(c))
				gen_set(c, seen.revocation_gen);
			pthread_mutex_lock(&c->mu);
			uint64_t have = c->cur != NULL ? c->cur->number : 0;
			pthread_mutex_unlock(&c->mu);
			newer = seen.crl_number > have;
		}
		/* Housekeeping (search indexing) in bulk, off the issuance path. */
		if (store_maintain(ca->store) != CA_OK) {
			/* a search will catch up itself (or report the store) */
		}
		ca_tidy_tick(ca); /* retention, one bounded step when due */
		pthread_mutex_lock(&c->mu);
		bool stale = newer || crl_stale(ca, c->cur, c->built_gen);
		pthread_mutex_unlock(&c->mu);
		if (stale) {
			struct ca_blob *b;
			struct ca_error e;
			if (crl_rebuild(ca, gen_get(c), &b, &e) == CA_OK)
				ca_blob_release(b);
		}
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

enum ca_err ca_serve_start(struct ca *ca, struct ca_error *err)
{
	struct crl_cache *c = ca->crl;
	struct ca_blob *b;
	enum ca_err rc = ca_crl(ca, &b, err); /* the first CRL before the first request */
	if (rc != CA_OK)
		return rc;
	ca_blob_release(b);
	pthread_mutex_lock(&c->mu);
	if (!c->thread_running) {
		if (pthread_create(&c->thread, NULL, crl_thread, ca) != 0)
			rc = ca_fail(err, CA_ERR_INTERNAL, "cannot start the CRL thread");
		else
			c->thread_running = true;
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

void revocation_changed(struct ca *ca)
{
	struct crl_cache *c = ca->crl;
	int64_t g;
	if (store_revocation_gen(ca->store, &g) == CA_OK)
		gen_set(c, g);
	else
		gen_set(c, gen_get(c) + 1); /* at least invalidate */
	pthread_mutex_lock(&c->mu);
	c->kick = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

enum ca_err revocation_open(struct ca *ca, struct ca_error *err)
{
	struct crl_cache *c = calloc(1, sizeof(*c));
	if (c == NULL || (c->slots = calloc(OCSP_SLOTS, sizeof(*c->slots))) == NULL) {
		free(c);
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	pthread_mutex_init(&c->omu, NULL);
	ca->crl = c;
	int64_t g = 0;
	if (store_revocation_gen(ca->store, &g) != CA_OK)
		return ca_fail(err, CA_ERR_STORE, "the revocation state could not be read");
	gen_set(c, g);
	c->built_gen = -1;
	if (ocsp_issuer_hashes(ca->subject, ca->subject_len, ca->pubkey, ca->pubkey_len, &c->iss) !=
	    CA_OK)
		return ca_fail(err, CA_ERR_CRYPTO, "cannot hash the CA name and key");
	return CA_OK;
}

void revocation_close(struct ca *ca)
{
	struct crl_cache *c = ca->crl;
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = true;
	bool running = c->thread_running;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (running)
		pthread_join(c->thread, NULL);
	ca_blob_release(c->cur);
	for (size_t i = 0; i < OCSP_SLOTS; i++)
		free(c->slots[i].resp);
	free(c->slots);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->omu);
	free(c);
	ca->crl = NULL;
}

/* ---- revoke ---- */

enum ca_err ca_revoke(struct ca *ca, const char *serial, enum ca_reason reason,
		      const struct ca_token *actor, struct ca_cert **out, struct ca_error *err)
{
	char s[33];
	if (ca_reason_name(reason) == NULL)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "reason must be one of unspecified, keyCompromise, "
			       "affiliationChanged, superseded, cessationOfOperation");
	if (!ca_serial_norm(serial, s))
		return ca_fail(err, CA_ERR_NOT_FOUND,
			       "no certificate with that serial (serials are 32 hex digits)");
	const char *who = actor ? ca_token_name(actor) : "cli";
	const char *only = actor && !ca_token_is_admin(actor) ? ca_token_name(actor) : NULL;
	struct store_revocation r = {s, clock_now(&ca->clock), reason, who, only};
	enum ca_err rc = store_revoke(ca->store, &r, err);
	if (rc == CA_ERR_FORBIDDEN)
		return ca_fail(
		    err, rc,
		    "certificate %s was requested by another team; only that team's token "
		    "or an admin token may revoke it",
		    s);
	if (rc != CA_OK)
		return rc;
	revocation_changed(ca);
	if (out != NULL)
		return store_cert_get(ca->store, s, clock_now(&ca->clock), out, err);
	return CA_OK;
}

/* ---- OCSP ---- */

static enum ca_err ocsp_error(enum ocsp_resp_status st, uint8_t **resp, size_t *len,
			      struct ca_error *err)
{
	if (ocsp_error_response(st, resp, len) != CA_OK)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	return CA_OK;
}

static bool cache_get(struct crl_cache *c, const uint8_t key[32], int64_t gen, int64_t now,
		      uint8_t **resp, size_t *len)
{
	struct ocsp_slot *s = &c->slots[(key[0] | key[1] << 8) % OCSP_SLOTS];
	bool hit = false;
	pthread_mutex_lock(&c->omu);
	if (s->resp != NULL && s->gen == gen && now - s->at < OCSP_REFRESH &&
	    memcmp(s->key, key, 32) == 0 && (*resp = malloc(s->len)) != NULL) {
		memcpy(*resp, s->resp, s->len);
		*len = s->len;
		hit = true;
	}
	pthread_mutex_unlock(&c->omu);
	return hit;
}

static void cache_put(struct crl_cache *c, const uint8_t key[32], int64_t gen, int64_t now,
		      const uint8_t *resp, size_t len)
{
	uint8_t *copy = malloc(len);
	if (copy == NULL)
		return;
	memcpy(copy, resp, len);
	struct ocsp_slot *s = &c->slots[(key[0] | key[1] << 8) % OCSP_SLOTS];
	pthread_mutex_lock(&c->omu);
	free(s->resp);
	memcpy(s->key, key, 32);
	s->gen = gen;
	s->at = now;
	s->resp = copy;
	s->len = len;
	pthread_mutex_unlock(&c->omu);
}

enum ca_err ca_ocsp(struct ca *ca, const uint8_t *req, size_t req_len, uint8_t **resp,
		    size_t *resp_len, struct ca_error *err)
{
	struct crl_cache *c = ca->crl;
	struct ocsp_request r;
	struct ca_error perr;
	int64_t now = clock_now(&ca->clock);
	int64_t gen = gen_get(c);
	uint8_t key[32];

	if (ocsp_request_parse(req, req_len, &r, &perr) != CA_OK) {
		ca_fail(err, CA_ERR_BAD_REQUEST, "%s", perr.detail);
		return ocsp_error(OCSP_MALFORMED_REQUEST, resp, resp_len, err);
	}
	/* No cache key, no cache: the answer is computed afresh. */
	bool cacheable =
	    r.nonce == NULL && background_running(c) && hash_sha256(req, req_len, key) == CA_OK;
	if (cacheable) {
		if (cache_get(c, key, gen, now, resp, resp_len)) {
			ocsp_request_free(&r);
			return CA_OK;
		}
	}
	struct ocsp_single *singles = calloc(r.n, sizeof(*singles));
	enum ca_err rc = CA_OK;
	bool any_ours = false;
	if (singles == NULL) {
		ocsp_request_free(&r);
		return ocsp_error(OCSP_INTERNAL_ERROR, resp, resp_len, err);
	}
	for (size_t i = 0; i < r.n; i++) {
		const struct ocsp_certid *id = &r.ids[i];
		struct ocsp_single *s = &singles[i];
		s->certid = id->tlv;
		s->certid_len = id->tlv_len;
		s->status = OCSP_CERT_UNKNOWN;
		s->this_update = now;
		s->next_update = now + OCSP_VALIDITY;
		if (!ocsp_certid_is_ours(&c->iss, id))
			continue;
		any_ours = true;
		if (id->serial_len != 16)
			continue; /* every serial this CA writes is 16 bytes */
		char hex[33];
		struct store_status st;
		hex_encode(id->serial, 16, hex);
		if (store_status(ca->store, hex, &st, NULL) != CA_OK) {
			rc = CA_ERR_STORE;
			break;
		}
		if (st.found && st.revoked) {
			s->status = OCSP_CERT_REVOKED;
			s->revoked_at = st.revoked_at;
			s->reason = st.reason;
		} else if (st.found) {
			s->status = OCSP_CERT_GOOD;
		}
	}
	if (rc != CA_OK || !any_ours) {
		free(singles);
		ocsp_request_free(&r);
		if (rc != CA_OK)
			return ocsp_error(OCSP_INTERNAL_ERROR, resp, resp_len, err);
		ca_fail(err, CA_ERR_FORBIDDEN, "no CertID in the request is for this CA");
		return ocsp_error(OCSP_UNAUTHORIZED, resp, resp_len, err);
	}
	struct ocsp_response o = {
	    .key_hash = c->iss.key_sha1,
	    .ca_cert = ca->cert_der,
	    .ca_cert_len = ca->cert_len,
	    .produced_at = now,
	    .singles = singles,
	    .n = r.n,
	    .nonce = r.nonce,
	    .nonce_len = r.nonce_len,
	};
	rc = ocsp_response_build(ca->key, &o, resp, resp_len, err);
	free(singles);
	ocsp_request_free(&r);
	if (rc != CA_OK)
		return ocsp_error(OCSP_INTERNAL_ERROR, resp, resp_len, err);
	if (cacheable)
		cache_put(c, key, gen, now, *resp, *resp_len);
	return CA_OK;
}
