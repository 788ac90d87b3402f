/*
 * The code in this file implements acme_check_run (one check in the calling
 * thread: input bounds, the challenge, then CAA) and the validator pool: a
 * fixed set of threads over a bounded FIFO. Every accepted check reaches
 * done() exactly once, from a pool thread: with its result, or with
 * r == NULL when the pool stops before it ran.
 */
#include <assert.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>

#include "check.h"
#include "codec.h"
#include "crypto/hash.h"
#include "errors.h"
#include "internal.h"
#include "resolver.h"

bool acme_check_dns_server_ok(const char *server)
{
	return resolver_server_ok(server);
}

static bool input_ok(const struct acme_check *c, struct acme_check_result *r)
{
	if (memchr(c->identifier, 0, sizeof(c->identifier)) == NULL ||
	    memchr(c->token, 0, sizeof(c->token)) == NULL ||
	    memchr(c->key_auth, 0, sizeof(c->key_auth)) == NULL ||
	    memchr(c->id, 0, sizeof(c->id)) == NULL) {
		check_fail(r, "serverInternal", "challenge fields are not NUL-terminated");
		return false;
	}
	if ((unsigned)c->type >= ACME_CHALL_MAX) {
		check_fail(r, "serverInternal", "unknown challenge type %d", (int)c->type);
		return false;
	}
	if (c->is_ip) {
		uint8_t a[16];
		if (inet_pton(AF_INET, c->identifier, a) != 1 &&
		    inet_pton(AF_INET6, c->identifier, a) != 1) {
			check_fail(r, "serverInternal", "identifier is not an IP address");
			return false;
		}
		if (c->type == ACME_CHALL_DNS01 || c->wildcard) {
			check_fail(r, "serverInternal",
				   "dns-01 and wildcards do not apply to IP identifiers");
			return false;
		}
	} else if (!check_dns_name_ok(c->identifier)) {
		check_fail(r, "serverInternal", "identifier is not a DNS name");
		return false;
	}
	if (c->token[0] == '\0' || !check_b64url_ok(c->token)) {
		check_fail(r, "serverInternal", "token is empty or not base64url");
		return false;
	}
	size_t tl = strlen(c->token);
	if (strncmp(c->key_auth, c->token, tl) != 0 || c->key_auth[tl] != '.' ||
	    c->key_auth[tl + 1] == '\0' || !check_b64url_ok(c->key_auth + tl + 1)) {
		check_fail(r, "serverInternal", "key authorization is not token.thumbprint");
		return false;
	}
	return true;
}

void acme_check_run(const struct acme_check_cfg *cfg, const struct acme_check *c,
		    struct acme_check_result *r)
{
	int timeout = cfg->timeout_ms > 0 ? cfg->timeout_ms : ACME_CHECK_DEFAULT_TIMEOUT_MS;
	int64_t deadline = check_now_ms() + timeout;

	memset(r, 0, sizeof(*r));
	if (!input_ok(c, r))
		return;
	switch (c->type) {
	case ACME_CHALL_HTTP01:
		http01_check(cfg, c, deadline, r);
		break;
	case ACME_CHALL_DNS01:
		dns01_check(cfg, c, deadline, r);
		break;
	case ACME_CHALL_TLSALPN01:
		tlsalpn01_check(cfg, c, deadline, r);
		break;
	default:
		check_fail(r, "serverInternal", "unknown challenge type");
		return;
	}
	/* RFC 8659 3: CAA is for DNS names; RFC 8738 defines none for IPs. */
	if (r->valid && cfg->caa_identity != NULL && !c->is_ip)
		r->valid = caa_check(cfg, c, deadline, r);
	if (r->valid) {
		r->problem = NULL;
		r->detail[0] = '\0';
	}
}

/* ---- the pool ---- */

struct acme_validator {
	struct acme_check_cfg cfg; /* strings below are owned copies */
	char *dns_server, *caa_identity;
	acme_check_done done;
	void *arg;

	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct acme_check *q; /* ring of cap entries */
	size_t cap, head, count;
	bool stopping;

	pthread_t *threads;
	int nthreads; /* started */
};

static void *worker(void *p)
{
	struct acme_validator *v = p;
	for (;;) {
		struct acme_check c;
		pthread_mutex_lock(&v->mu);
		while (v->count == 0 && !v->stopping)
			pthread_cond_wait(&v->cv, &v->mu);
		if (v->count == 0) { /* stopping and drained */
			pthread_mutex_unlock(&v->mu);
			break;
		}
		c = v->q[v->head];
		v->head = (v->head + 1) % v->cap;
		v->count--;
		bool run = !v->stopping;
		pthread_mutex_unlock(&v->mu);

		if (run) {
			struct acme_check_result r;
			int64_t t0 = check_now_ms();
			acme_check_run(&v->cfg, &c, &r);
			int64_t t = check_now_ms() - t0;
			r.elapsed_ms = t > 0 ? (uint64_t)t : 0;
			v->done(v->arg, &c, &r);
		} else {
			v->done(v->arg, &c, NULL);
		}
	}
	signer_thread_done(); /* FP_ECC's cache of this thread (TLS key exchange) */
	return NULL;
}

static char *dup_opt(const char *s, bool *ok)
{
	if (s == NULL)
		return NULL;
	char *d = strdup(s);
	if (d == NULL)
		*ok = false;
	return d;
}

static void validator_free(struct acme_validator *v)
{
	if (v == NULL)
		return;
	free(v->threads);
	free(v->q);
	free(v->dns_server);
	free(v->caa_identity);
	free(v);
}

enum ca_err acme_validator_start(const struct acme_check_cfg *cfg, int nthreads, size_t queue_max,
				 acme_check_done done, void *arg, struct acme_validator **out)
{
	bool ok = true, sync_init = false;
	enum ca_err rc = CA_ERR_NOMEM;
	struct acme_validator *v = NULL;

	*out = NULL;
	if (cfg == NULL || done == NULL || nthreads < 1 || nthreads > 256 || queue_max < 1 ||
	    queue_max > 1000000 || cfg->timeout_ms < 0 || cfg->http_port < 0 ||
	    cfg->http_port > 65535 || cfg->tls_port < 0 || cfg->tls_port > 65535)
		return CA_ERR_BAD_REQUEST;
	if (cfg->dns_server != NULL && !resolver_server_ok(cfg->dns_server))
		return CA_ERR_BAD_REQUEST;
	if (cfg->caa_identity != NULL && cfg->caa_identity[0] == '\0')
		return CA_ERR_BAD_REQUEST;

	v = calloc(1, sizeof(*v));
	if (v == NULL)
		goto out;
	v->cfg = *cfg;
	v->dns_server = dup_opt(cfg->dns_server, &ok);
	v->caa_identity = dup_opt(cfg->caa_identity, &ok);
	v->cfg.dns_server = v->dns_server;
	v->cfg.caa_identity = v->caa_identity;
	v->done = done;
	v->arg = arg;
	v->cap = queue_max;
	v->q = calloc(queue_max, sizeof(*v->q));
	v->threads = calloc((size_t)nthreads, sizeof(*v->threads));
	if (!ok || v->q == NULL || v->threads == NULL)
		goto out;
	if (pthread_mutex_init(&v->mu, NULL) != 0)
		goto out;
	if (pthread_cond_init(&v->cv, NULL) != 0) {
		pthread_mutex_destroy(&v->mu);
		goto out;
	}
	sync_init = true;
	for (int i = 0; i < nthreads; i++) {
		if (pthread_create(&v->threads[i], NULL, worker, v) != 0) {
			rc = CA_ERR_INTERNAL;
			goto out;
		}
		v->nthreads++;
	}
	*out = v;
	return CA_OK;
out:
	if (sync_init) {
		if (v->nthreads > 0)
			acme_validator_stop(v); /* joins what started, frees v */
		else {
			pthread_cond_destroy(&v->cv);
			pthread_mutex_destroy(&v->mu);
			validator_free(v);
		}
	} else {
		validator_free(v);
	}
	return rc;
}

enum ca_err acme_validator_submit(struct acme_validator *v, const struct acme_check *c,
				  struct ca_error *err)
{
	enum ca_err rc = CA_OK;
	pthread_mutex_lock(&v->mu);
	if (v->stopping) {
		rc = ca_fail(err, CA_ERR_BAD_REQUEST,
			     "challenge validation is stopping; try again later");
	} else if (v->count == v->cap) {
		rc = ca_fail(err, CA_ERR_BAD_REQUEST,
			     "challenge validation queue is full (%zu waiting); try again later",
			     v->count);
	} else {
		v->q[(v->head + v->count) % v->cap] = *c;
		v->count++;
		pthread_cond_signal(&v->cv);
	}
	pthread_mutex_unlock(&v->mu);
	return rc;
}

size_t acme_validator_queued(struct acme_validator *v)
{
	pthread_mutex_lock(&v->mu);
	size_t n = v->count;
	pthread_mutex_unlock(&v->mu);
	return n;
}

void acme_validator_stop(struct acme_validator *v)
{
	if (v == NULL)
		return;
	pthread_mutex_lock(&v->mu);
	v->stopping = true;
	pthread_cond_broadcast(&v->cv);
	pthread_mutex_unlock(&v->mu);
	for (int i = 0; i < v->nthreads; i++)
		pthread_join(v->threads[i], NULL);
	assert(v->count == 0);
	pthread_cond_destroy(&v->cv);
	pthread_mutex_destroy(&v->mu);
	validator_free(v);
}
