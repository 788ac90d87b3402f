/*
 * The code in this file implements the CRL cache: ca_crl, the snapshot
 * (struct ca_blob) every GET shares, and the rebuild that signs a new CRL
 * (encoded by x509/crl_write.c) when a revocation or the daily refresh
 * calls for one. revocation.h says how freshness is tracked.
 *
 * A CRL is recorded in the store with the generation it reflects, so a
 * process that needs one (`privca crl`, a restart) takes the recorded CRL
 * when it is current instead of signing and using up a number.
 *
 * Delta CRLs (RFC 5280 5.2.4). Every complete CRL N comes with a delta CRL
 * of the same number (5.2.3: issued at the same time, the same
 * information) listing the revocations since a base: an earlier complete
 * CRL, moved forward once a day (store_crl.base_*), so a delta holds a day
 * of revocations at most. A client that holds any complete CRL numbered
 * from the base on and the delta knows what complete CRL N says, for a
 * download of the day's revocations instead of all of them. The delta is
 * signed first and published before the complete CRL is built: its cost
 * is that of the revocations since the base (one indexed read), so a
 * revocation reaches delta clients in milliseconds however long the
 * complete list is. Deltas are not recorded: each process signs its own
 * for the number it serves.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revocation/revocation.h"
#include "urls.h"
#include "x509/crl.h"

#define CRL_VALIDITY (7 * 86400)
#define CRL_REFRESH  86400 /* rebuild daily: expired entries leave, nextUpdate stays far */
/* A delta is re-signed with every complete CRL, at least daily: valid an
 * hour past that. HTTP tells clients to look again much sooner. */
#define DELTA_VALIDITY (CRL_REFRESH + 3600)

struct ca_blob {
	int refs; /* atomic */
	uint8_t *der;
	size_t len;
	int64_t this_update, next_update;
	uint64_t number;
};

struct crl_cache {
	pthread_mutex_t mu;
	struct ca_blob *cur;   /* under mu */
	struct ca_blob *delta; /* under mu; NULL until there is a base */
	int64_t built_gen;     /* generation cur reflects; under mu */
	int64_t gen;	       /* latest known generation (atomic) */
	bool watched;	       /* under mu */
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

static struct ca_blob *blob_ref(struct ca_blob *b)
{
	__atomic_add_fetch(&b->refs, 1, __ATOMIC_ACQ_REL);
	return b;
}

/* ---- generation ---- */

int64_t revocation_gen(struct ca *ca)
{
	return __atomic_load_n(&ca->crl->gen, __ATOMIC_ACQUIRE);
}

void revocation_gen_raise(struct ca *ca, int64_t g)
{
	int64_t cur = revocation_gen(ca);
	while (g > cur && !__atomic_compare_exchange_n(&ca->crl->gen, &cur, g, false,
						       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		/* cur now holds the newer value: try again while g is newer still */
	}
}

bool revocation_watched(struct ca *ca)
{
	pthread_mutex_lock(&ca->crl->mu);
	bool w = ca->crl->watched;
	pthread_mutex_unlock(&ca->crl->mu);
	return w;
}

void revocation_set_watched(struct ca *ca)
{
	pthread_mutex_lock(&ca->crl->mu);
	ca->crl->watched = true;
	pthread_mutex_unlock(&ca->crl->mu);
}

/* ---- building ---- */

/*
 * The recorded CRL into b if it is one to serve for generation g: it
 * reflects g and is not due for its daily refresh, or the CA is not valid
 * (an expired or not yet valid CA signs nothing: the CRL recorded last is
 * served as it is until its nextUpdate, and clients then judge it, as they
 * judge the certificates it lists). *rec is what the store holds; rec->der
 * is NULL (and b untouched) when a new CRL must be signed.
 */
static enum ca_err crl_recorded(struct ca *ca, int64_t g, int64_t now, struct store_crl *rec,
				struct ca_blob *b, struct ca_error *err)
{
	enum ca_err rc = store_crl_get(ca->store, g, now - CRL_REFRESH, rec);
	if (rc != CA_OK)
		return ca_fail(err, rc, "the CRL state could not be read");
	struct ca_error verr;
	if (rec->der == NULL && rec->number > 0 && ca_validity(ca, NULL, &verr) != CA_OK &&
	    (rc = store_crl_get(ca->store, rec->generation, INT64_MIN, rec)) != CA_OK)
		return ca_fail(err, rc, "the CRL state could not be read");
	if (rec->der != NULL) {
		b->der = rec->der; /* taken as it is, nothing signed */
		b->len = rec->len;
		b->number = rec->number;
		b->this_update = rec->this_update;
		b->next_update = rec->next_update;
	}
	return CA_OK;
}

/* The store's revoked, unexpired certificates as CRL entries: all of them
 * (since NULL) or those revoked past generation *since (a delta's); *out
 * freed with free(). */
static enum ca_err crl_entries(struct ca *ca, int64_t now, const int64_t *since,
			       struct crl_entry **out, size_t *n, struct ca_error *err)
{
	return since != NULL ? store_revoked_since(ca->store, *since, now, out, n, err)
			     : store_revoked_list(ca->store, now, out, n, err);
}

/* The base a delta numbered after rec names: rec's, moved to rec itself
 * (the last complete CRL) when there is none yet or it is a day old. */
static void crl_base(const struct store_crl *rec, int64_t now, struct store_crl *base)
{
	*base = *rec;
	if (rec->base_number == 0 || now - rec->base_this_update >= CRL_REFRESH) {
		base->base_number = rec->number; /* 0: no complete CRL yet, no delta */
		base->base_generation = rec->generation;
		base->base_this_update = rec->this_update;
	}
}

/* Publish d as the delta for CRL d->number (a newer one stays). */
static void delta_publish(struct ca *ca, struct ca_blob *d)
{
	struct crl_cache *c = ca->crl;
	pthread_mutex_lock(&c->mu);
	struct ca_blob *prev = c->delta;
	if (prev == NULL || prev->number <= d->number)
		c->delta = blob_ref(d);
	else
		prev = blob_ref(d); /* not taken: released below */
	pthread_mutex_unlock(&c->mu);
	ca_blob_release(prev);
}

/* The freshestCRL URI for complete CRLs into u (CERT_URL_MAX bytes);
 * false if the base URL gives none. */
static bool delta_url(struct ca *ca, char *u)
{
	struct cert_urls urls;
	if (cert_urls_from_base(ca->settings.base_url, &urls, NULL) != CA_OK)
		return false;
	memcpy(u, urls.delta, sizeof(urls.delta));
	return true;
}

/*
 * Sign and publish delta CRL number over base->base_number (revocations
 * since base->base_generation), thisUpdate now. Nothing when there is no
 * base yet. A failure leaves the previous delta, to be replaced by the next
 * CRL's: the complete CRL is what a delta must never hold up.
 */
static void delta_sign(struct ca *ca, const struct store_crl *base, uint64_t number, int64_t now)
{
	struct crl_entry *ent = NULL;
	size_t n = 0;
	struct ca_error e;
	struct ca_blob *d = calloc(1, sizeof(*d));
	if (d != NULL)
		d->refs = 1;
	if (d == NULL || base->base_number == 0 || base->base_number >= number ||
	    crl_entries(ca, now, &base->base_generation, &ent, &n, &e) != CA_OK)
		goto out;
	d->number = number;
	d->this_update = now;
	d->next_update = now + DELTA_VALIDITY;
	struct crl_params p = {
	    .issuer = ca->subject,
	    .issuer_len = ca->subject_len,
	    .ski = ca->ski,
	    .ski_len = sizeof(ca->ski),
	    .number = number,
	    .this_update = now,
	    .next_update = d->next_update,
	    .entries = ent,
	    .n = n,
	    .delta_base = base->base_number,
	};
	if (crl_build(ca->key, &p, &d->der, &d->len, &e) == CA_OK)
		delta_publish(ca, d);
out:
	free(ent);
	ca_blob_release(d); /* NULL, or refs 1: the published one holds its own */
}

/* Sign CRL number rec->number + 1 for generation g into b and record it,
 * its delta first. CA_ERR_EXISTS if another builder recorded that number
 * first. */
static enum ca_err crl_sign_new(struct ca *ca, int64_t g, int64_t now, const struct store_crl *rec,
				struct ca_blob *b, struct ca_error *err)
{
	struct crl_entry *ent = NULL;
	size_t n = 0;
	enum ca_err rc;
	struct store_crl base;
	char url[CERT_URL_MAX];
	if ((rc = ca_validity(ca, NULL, err)) != CA_OK)
		return rc;
	crl_base(rec, now, &base);
	delta_sign(ca, &base, rec->number + 1, now);
	if ((rc = crl_entries(ca, now, NULL, &ent, &n, err)) != CA_OK)
		return rc;
	b->number = rec->number + 1;
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
	    .freshest_url = delta_url(ca, url) ? url : NULL,
	};
	rc = crl_build(ca->key, &p, &b->der, &b->len, err);
	free(ent);
	if (rc != CA_OK)
		return rc;
	struct store_crl put = {
	    .number = b->number,
	    .der = b->der,
	    .len = b->len,
	    .this_update = b->this_update,
	    .next_update = b->next_update,
	    .generation = g,
	    .base_number = base.base_number,
	    .base_generation = base.base_generation,
	    .base_this_update = base.base_this_update,
	};
	if ((rc = store_crl_put(ca->store, &put)) != CA_OK)
		ca_fail(err, rc, "CRL number %llu could not be recorded",
			(unsigned long long)b->number);
	return rc;
}

/*
 * The CRL for the revocations recorded now (*gen, raised to what the store
 * says): the recorded one if it is current, else a new one with the next
 * number, recorded. CA_ERR_EXISTS if another builder recorded that number
 * first: look again. *out holds one reference.
 */
static enum ca_err crl_next(struct ca *ca, int64_t *gen, struct ca_blob **out, struct ca_error *err)
{
	int64_t now = clock_now(&ca->clock), g;
	struct store_crl rec;
	/* The generation first, then the list: the list holds at least what
	 * the generation counts, so the label is never ahead of the content. */
	if (store_revocation_gen(ca->store, &g) != CA_OK)
		return ca_fail(err, CA_ERR_STORE, "the revocation state could not be read");
	if (g < *gen)
		g = *gen;
	struct ca_blob *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	b->refs = 1;
	enum ca_err rc = crl_recorded(ca, g, now, &rec, b, err);
	struct ca_error verr;
	if (rc == CA_OK && b->der == NULL)
		rc = crl_sign_new(ca, g, now, &rec, b, err);
	else if (rc == CA_OK && rec.generation == g && ca_validity(ca, NULL, &verr) == CA_OK)
		delta_sign(ca, &rec, b->number, b->this_update); /* taken as it is: its delta */
	if (rc != CA_OK) {
		ca_blob_release(b);
		return rc;
	}
	*gen = g;
	*out = b;
	return CA_OK;
}

/* Get, record and cache the CRL for generation gen (or later); the caller
 * holds no lock. *out holds one reference. */
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
	revocation_gen_raise(ca, gen);
	blob_ref(b);
	pthread_mutex_unlock(&c->mu);
	ca_blob_release(prev);
	*out = b;
	return CA_OK;
}

/* Under c->mu. */
static bool crl_stale(struct ca *ca, const struct ca_blob *b, int64_t built_gen)
{
	return b == NULL || built_gen != revocation_gen(ca) ||
	       clock_now(&ca->clock) >= b->this_update + CRL_REFRESH;
}

enum ca_err ca_crl(struct ca *ca, struct ca_blob **out, struct ca_error *err)
{
	struct crl_cache *c = ca->crl;
	bool background = revocation_watched(ca);
	/* Without the background service nobody watches the store for
	 * revocations made elsewhere: look now (one indexed read). */
	int64_t g;
	if (!background && store_revocation_gen(ca->store, &g) == CA_OK)
		revocation_gen_raise(ca, g);
	pthread_mutex_lock(&c->mu);
	struct ca_blob *b = c->cur;
	if (b != NULL && (background || !crl_stale(ca, b, c->built_gen))) {
		/* Current, or the background service is on it: serve this one. */
		*out = blob_ref(b);
		pthread_mutex_unlock(&c->mu);
		return CA_OK;
	}
	pthread_mutex_unlock(&c->mu);
	return crl_rebuild(ca, revocation_gen(ca), out, err);
}

enum ca_err ca_crl_delta(struct ca *ca, struct ca_blob **out, struct ca_error *err)
{
	struct ca_blob *full;
	enum ca_err rc = ca_crl(ca, &full, err); /* brings the delta up to date too */
	if (rc != CA_OK)
		return rc;
	ca_blob_release(full);
	struct crl_cache *c = ca->crl;
	pthread_mutex_lock(&c->mu);
	*out = c->delta != NULL ? blob_ref(c->delta) : NULL;
	pthread_mutex_unlock(&c->mu);
	if (*out == NULL)
		return ca_fail(err, CA_ERR_NOT_FOUND,
			       "no delta CRL yet: the first complete CRL is the base of the next "
			       "one; fetch the complete CRL");
	return CA_OK;
}

void crl_cache_refresh(struct ca *ca, uint64_t crl_number_seen)
{
	struct crl_cache *c = ca->crl;
	pthread_mutex_lock(&c->mu);
	uint64_t have = c->cur != NULL ? c->cur->number : 0;
	bool stale = crl_number_seen > have || crl_stale(ca, c->cur, c->built_gen);
	pthread_mutex_unlock(&c->mu);
	if (stale) {
		struct ca_blob *b;
		struct ca_error e;
		if (crl_rebuild(ca, revocation_gen(ca), &b, &e) == CA_OK)
			ca_blob_release(b);
	}
}

enum ca_err crl_cache_open(struct ca *ca, struct ca_error *err)
{
	struct crl_cache *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&c->mu, NULL);
	c->built_gen = -1;
	ca->crl = c;
	int64_t g = 0;
	if (store_revocation_gen(ca->store, &g) != CA_OK)
		return ca_fail(err, CA_ERR_STORE, "the revocation state could not be read");
	c->gen = g;
	return CA_OK;
}

void crl_cache_close(struct ca *ca)
{
	struct crl_cache *c = ca->crl;
	if (c == NULL)
		return;
	ca_blob_release(c->cur);
	ca_blob_release(c->delta);
	pthread_mutex_destroy(&c->mu);
	free(c);
	ca->crl = NULL;
}
