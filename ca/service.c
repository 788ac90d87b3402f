/*
 * The code in this file implements the revocation service: the state
 * ca_open and ca_close set up for revocation (revocation_open/close), the
 * notice a revocation in this process gives (revocation_changed), and
 * ca_serve_start's background thread that keeps the CRL fresh, sees other
 * processes' revocations through store_watch and runs the store's
 * housekeeping and the background tidy off the request path.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "revocation.h"

#define POLL_MS 250

struct ca_service {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool running, stop, kick; /* under mu */
	pthread_t thread;
};

/* Under v->mu: sleep until kicked, stopped or POLL_MS have passed. */
static void service_wait(struct ca_service *v)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += POLL_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	if (!v->kick)
		pthread_cond_timedwait(&v->cv, &v->mu, &ts);
	v->kick = false;
}

/* One round, no lock held: another process's revocation or newer CRL,
 * housekeeping, then the CRL. */
static void service_step(struct ca *ca, struct store_change *seen)
{
	uint64_t newer = 0;
	if (store_watch(ca->store, seen, 0) == CA_OK && seen->changed) {
		revocation_gen_raise(ca, seen->revocation_gen);
		newer = seen->crl_number;
	}
	/* Housekeeping (search indexing) in bulk, off the issuance path. */
	if (store_maintain(ca->store) != CA_OK) {
		/* a search will catch up itself (or report the store) */
	}
	ca_tidy_tick(ca); /* retention, one bounded step when due (tidy.c) */
	crl_cache_refresh(ca, newer);
}

static void *service_thread(void *arg)
{
	struct ca *ca = arg;
	struct ca_service *v = ca->service;
	struct store_change seen = {-1, 0, false};
	pthread_mutex_lock(&v->mu);
	while (!v->stop) {
		service_wait(v);
		if (v->stop)
			break;
		pthread_mutex_unlock(&v->mu);
		service_step(ca, &seen);
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
		if (pthread_create(&v->thread, NULL, service_thread, ca) != 0)
			rc = ca_fail(err, CA_ERR_INTERNAL, "cannot start the CRL thread");
		else
			v->running = true;
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
	pthread_mutex_unlock(&v->mu);
	if (running)
		pthread_join(v->thread, NULL);
	ocsp_cache_close(ca);
	crl_cache_close(ca);
	pthread_mutex_destroy(&v->mu);
	pthread_cond_destroy(&v->cv);
	free(v);
	ca->service = NULL;
}
