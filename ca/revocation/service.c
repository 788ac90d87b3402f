/*
 * The code in this file implements the revocation service: the state
 * ca_open and ca_close set up for revocation (revocation_open/close), the
 * notice a revocation in this process gives (revocation_changed), and
 * ca_serve_start's two background threads: one keeps the CRL fresh and sees
 * other processes' revocations through store_watch; the other runs the
 * store's housekeeping (search indexing) and the background tidy, off the
 * request path. Two, so that a revocation never waits behind housekeeping:
 * with one, a search index catching up on a million imported rows held the
 * delta CRL back 15 s, and a tidy step holds it up to 1.5 s.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "revocation/revocation.h"

#define POLL_MS 250

struct ca_service {
	pthread_mutex_t mu;
	pthread_cond_t cv;	  /* the CRL thread's: kick, stop */
	pthread_cond_t house_cv;  /* the housekeeping thread's: stop */
	bool running, stop, kick; /* under mu */
	pthread_t thread, house;
};

/* Under v->mu: sleep on cv until kicked (if kick is not NULL), stopped or
 * ms have passed. */
static void service_wait(struct ca_service *v, pthread_cond_t *cv, bool *kick, long ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	if (!v->stop && (kick == NULL || !*kick))
		pthread_cond_timedwait(cv, &v->mu, &ts);
	if (kick != NULL)
		*kick = false;
}

/* One round of the CRL thread, no lock held: another process's revocation
 * or newer CRL, then the CRL. */
static void crl_step(struct ca *ca, struct store_change *seen)
{
	uint64_t newer = 0;
	if (store_watch(ca->store, seen, 0) == CA_OK && seen->changed) {
		revocation_gen_raise(ca, seen->revocation_gen);
		newer = seen->crl_number;
	}
	crl_cache_refresh(ca, newer);
}

static void *service_thread(void *arg)
{
	struct ca *ca = arg;
	struct ca_service *v = ca->service;
	struct store_change seen = {-1, 0, false};
	pthread_mutex_lock(&v->mu);
	while (!v->stop) {
		service_wait(v, &v->cv, &v->kick, POLL_MS);
		if (v->stop)
			break;
		pthread_mutex_unlock(&v->mu);
		crl_step(ca, &seen);
		pthread_mutex_lock(&v->mu);
	}
	pthread_mutex_unlock(&v->mu);
	return NULL;
}

/* Housekeeping in bulk, one bounded round at a time; again after
 * ROUND_PAUSE_MS while the store says more is left, else after POLL_MS.
 * The pause lets the group-commit writer, which polls for the write lock
 * every millisecond (ca/store/sqlite.c: busy_wait), have it between two
 * rounds: back to back, the rounds took it again first, and issuance
 * waited behind several (p99 70-81 ms while a tidy's space went back). */
#define ROUND_PAUSE_MS 2
static void *house_thread(void *arg)
{
	struct ca *ca = arg;
	struct ca_service *v = ca->service;
	bool more = false;
	pthread_mutex_lock(&v->mu);
	while (!v->stop) {
		service_wait(v, &v->house_cv, NULL, more ? ROUND_PAUSE_MS : POLL_MS);
		if (v->stop)
			break;
		pthread_mutex_unlock(&v->mu);
		if (store_maintain(ca->store, &more) != CA_OK)
			more = false; /* a search will catch up itself (or report the store) */
		ca_tidy_tick(ca);     /* retention, one bounded step when due (tidy.c) */
		pthread_mutex_lock(&v->mu);
	}
	pthread_mutex_unlock(&v->mu);
	return NULL;
}

enum ca_err ca_serve_start(struct ca *ca, struct ca_error *err)
{
	struct ca_service *v = ca->service;
	struct ca_blob *b;
	enum ca_err rc = ca_crl(ca, &b, err); /* the first CRL before the first request */
	if (rc != CA_OK)
		return rc;
	ca_blob_release(b);
	pthread_mutex_lock(&v->mu);
	if (!v->running) {
		if (pthread_create(&v->thread, NULL, service_thread, ca) != 0) {
			rc = ca_fail(err, CA_ERR_INTERNAL, "cannot start the CRL thread");
		} else if (pthread_create(&v->house, NULL, house_thread, ca) != 0) {
			v->stop = true;
			pthread_cond_signal(&v->cv);
			pthread_mutex_unlock(&v->mu);
			pthread_join(v->thread, NULL);
			pthread_mutex_lock(&v->mu);
			v->stop = false;
			rc = ca_fail(err, CA_ERR_INTERNAL, "cannot start the housekeeping thread");
		} else {
			v->running = true;
		}
	}
	pthread_mutex_unlock(&v->mu);
	if (rc == CA_OK)
		revocation_set_watched(ca);
	return rc;
}

void revocation_changed(struct ca *ca)
{
	struct ca_service *v = ca->service;
	int64_t g;
	if (store_revocation_gen(ca->store, &g) != CA_OK)
		g = revocation_gen(ca) + 1; /* at least invalidate */
	revocation_gen_raise(ca, g);
	pthread_mutex_lock(&v->mu);
	v->kick = true;
	pthread_cond_signal(&v->cv);
	pthread_mutex_unlock(&v->mu);
}

enum ca_err revocation_open(struct ca *ca, struct ca_error *err)
{
	struct ca_service *v = calloc(1, sizeof(*v));
	if (v == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&v->mu, NULL);
	pthread_cond_init(&v->cv, NULL);
	pthread_cond_init(&v->house_cv, NULL);
	ca->service = v;
	enum ca_err rc = crl_cache_open(ca, err);
	if (rc == CA_OK)
		rc = ocsp_cache_open(ca, err);
	return rc;
}

void revocation_close(struct ca *ca)
{
	struct ca_service *v = ca->service;
	if (v == NULL)
		return;
	pthread_mutex_lock(&v->mu);
	v->stop = true;
	bool running = v->running;
	pthread_cond_signal(&v->cv);
	pthread_cond_signal(&v->house_cv);
	pthread_mutex_unlock(&v->mu);
	if (running) {
		pthread_join(v->thread, NULL);
		pthread_join(v->house, NULL);
	}
	ocsp_cache_close(ca);
	crl_cache_close(ca);
	pthread_mutex_destroy(&v->mu);
	pthread_cond_destroy(&v->cv);
	pthread_cond_destroy(&v->house_cv);
	free(v);
	ca->service = NULL;
}
