/*
 * The code in this file implements park.h: a table of waiting items, a
 * ring of the last wakes (so that a wake between a handler's look and its
 * park_add is not missed), and the thread that ends each wait.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "park.h"

/* Wakes remembered for park_add's epoch check; an older epoch counts as
 * woken (an extra look, never a missed wake). */
#define RING 64

struct item {
	void *item;
	uint64_t key;
	long long until_ms;
	bool due;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static pthread_t thread;
static bool running, quit;
static park_resume_fn resume_fn;
static struct item items[PARK_MAX];
static unsigned n_items;
static uint64_t epoch;
static uint64_t ring[RING]; /* ring[e % RING]: the key woken at epoch e */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t park_key(const char *s)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */
	for (; s != NULL && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h == 0 ? 1 : h;
}

/* Take out every item whose wait is over at now into out; the count.
 * Called with mu held. *next_ms: the earliest deadline left, or -1. */
static unsigned take_due(long long now, void **out, long long *next_ms)
{
	unsigned k = 0, i = 0;
	*next_ms = -1;
	while (i < n_items) {
		struct item *it = &items[i];
		if (it->due || it->until_ms <= now || quit) {
			out[k++] = it->item;
			items[i] = items[--n_items];
			continue;
		}
		if (*next_ms < 0 || it->until_ms < *next_ms)
			*next_ms = it->until_ms;
		i++;
	}
	return k;
}

static void *run(void *arg)
{
	static void *due[PARK_MAX]; /* this thread's only */
	(void)arg;
	pthread_mutex_lock(&mu);
	for (;;) {
		long long next;
		unsigned k = take_due(now_ms(), due, &next);
		if (k > 0) {
			pthread_mutex_unlock(&mu);
			for (unsigned i = 0; i < k; i++)
				resume_fn(due[i]);
			pthread_mutex_lock(&mu);
			continue;
		}
		if (quit)
			break;
		if (next < 0) {
			pthread_cond_wait(&cv, &mu);
		} else {
			struct timespec ts = {(time_t)(next / 1000), (long)(next % 1000) * 1000000};
			(void)pthread_cond_timedwait(&cv, &mu, &ts);
		}
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

bool park_start(park_resume_fn resume)
{
	pthread_condattr_t ca;
	bool ok = false;
	pthread_mutex_lock(&mu);
	if (running) {
		pthread_mutex_unlock(&mu);
		return true;
	}
	if (pthread_condattr_init(&ca) != 0)
		goto out;
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
	    pthread_cond_init(&cv, &ca) == 0) {
		resume_fn = resume;
		quit = false;
		n_items = 0;
		if (pthread_create(&thread, NULL, run, NULL) == 0)
			ok = running = true;
		else
			pthread_cond_destroy(&cv);
	}
	pthread_condattr_destroy(&ca);
out:
	pthread_mutex_unlock(&mu);
	if (!ok)
		fprintf(stderr, "privca: the thread for waiting answers could not be started\n");
	return ok;
}

void park_stop(void)
{
	pthread_mutex_lock(&mu);
	if (!running) {
		pthread_mutex_unlock(&mu);
		return;
	}
	quit = true;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(thread, NULL); /* it resumes what was parked, then ends */
	pthread_mutex_lock(&mu);
	running = false;
	pthread_cond_destroy(&cv);
	pthread_mutex_unlock(&mu);
}

uint64_t park_epoch(void)
{
	pthread_mutex_lock(&mu);
	uint64_t e = epoch;
	pthread_mutex_unlock(&mu);
	return e;
}

/* Was key (or every key) woken after epoch e? Called with mu held. */
static bool woken_since(uint64_t key, uint64_t e)
{
	if (epoch - e >= RING)
		return epoch != e;
	for (uint64_t i = e + 1; i <= epoch; i++)
		if (ring[i % RING] == key || ring[i % RING] == 0)
			return true;
	return false;
}

bool park_add(void *item, uint64_t key, uint64_t e, long long until_ms)
{
	bool ok = false;
	pthread_mutex_lock(&mu);
	if (running && !quit && n_items < PARK_MAX) {
		items[n_items++] = (struct item){item, key, until_ms, woken_since(key, e)};
		pthread_cond_signal(&cv);
		ok = true;
	}
	pthread_mutex_unlock(&mu);
	return ok;
}

bool park_remove(void *item)
{
	bool found = false;
	pthread_mutex_lock(&mu);
	for (unsigned i = 0; i < n_items; i++)
		if (items[i].item == item) {
			items[i] = items[--n_items];
			found = true;
			break;
		}
	pthread_mutex_unlock(&mu);
	return found;
}

void park_wake(uint64_t key)
{
	bool any = false;
	pthread_mutex_lock(&mu);
	epoch++;
	ring[epoch % RING] = key;
	for (unsigned i = 0; i < n_items; i++)
		if (key == 0 || items[i].key == key)
			any = items[i].due = true;
	if (any && running)
		pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
}

unsigned park_count(void)
{
	pthread_mutex_lock(&mu);
	unsigned n = n_items;
	pthread_mutex_unlock(&mu);
	return n;
}
