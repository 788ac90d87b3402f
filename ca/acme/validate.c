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

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ecc.h>

#include "check.h"
#include "codec.h"
#include "internal.h"
#include "resolver.h"

static const char *const chall_names[ACME_CHALL_MAX] = {
    [ACME_CHALL_HTTP01] = "http-01",
    [ACME_CHALL_DNS01] = "dns-01",
    [ACME_CHALL_TLSALPN01] = "tls-alpn-01",
};

const char *acme_chall_name(enum acme_chall t)
{
	return (unsigned)t < ACME_CHALL_MAX ? chall_names[t] : "unknown";
}

bool acme_chall_parse(const char *s, enum acme_chall *out)
{
	for (int i = 0; i < ACME_CHALL_MAX; i++) {
		if (s != NULL && strcmp(s, chall_names[i]) == 0) {
			*out = (enum acme_chall)i;
			return true;
		}
	}
	return false;
}

int64_t check_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int check_left_ms(int64_t deadline)
{
	int64_t left = deadline - check_now_ms();
	if (left <= 0)
		return 0;
	return left > 3600000 ? 3600000 : (int)left;
}

void check_fail(struct acme_check_result *r, const char *problem, const char *fmt, ...)
{
	va_list ap;
	r->valid = false;
	r->problem = problem;
	va_start(ap, fmt);
	int n = vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
	if (n < 0)
		snprintf(r->detail, sizeof(r->detail), "%s", problem);
	/* Whatever went in, only printable ASCII comes out (a DNS or TLS error
	 * string may carry bytes a peer chose). */
	for (char *p = r->detail; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
}

void check_quote(char *out, size_t cap, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t w = 0;
	assert(cap >= 8);
	for (size_t i = 0; i < n; i++) {
		char tmp[4];
		size_t k = 0;
		uint8_t ch = p[i];
		if (ch == '"' || ch == '\\') {
			tmp[k++] = '\\';
			tmp[k++] = (char)ch;
		} else if (ch >= 0x20 && ch <= 0x7e) {
			tmp[k++] = (char)ch;
		} else {
			tmp[k++] = '\\';
			tmp[k++] = 'x';
			tmp[k++] = hex[ch >> 4];
			tmp[k++] = hex[ch & 15];
		}
		if (w + k + 4 > cap) { /* room for "..." and NUL */
			memcpy(out + w, "...", 3);
			w += 3;
			break;
		}
		memcpy(out + w, tmp, k);
		w += k;
	}
	out[w] = '\0';
}

void check_key_auth_digest(const char *key_auth, char out[44])
{
	uint8_t h[32];
	sha256_bytes((const uint8_t *)key_auth, strlen(key_auth), h);
	char *s = b64url_encode(h, sizeof(h));
	if (s == NULL || strlen(s) != 43) {
		out[0] = '\0'; /* matches no record: the check fails, never passes */
	} else {
		memcpy(out, s, 44);
	}
	free(s);
}

static bool b64url_chars(const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return false;
	}
	return true;
}

/* A DNS name as the validators use it in URLs, SNI and queries: LDH labels. */
bool check_dns_name_ok(const char *s)
{
	size_t n = strlen(s), label = 0;
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return false;
		if (label == 0 && ch == '-')
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && s[n - 1] != '-';
}

/* The fixed-size fields must hold C strings of the right shape before any of them is used. */
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
	if (c->token[0] == '\0' || !b64url_chars(c->token)) {
		check_fail(r, "serverInternal", "token is empty or not base64url");
		return false;
	}
	size_t tl = strlen(c->token);
	if (strncmp(c->key_auth, c->token, tl) != 0 || c->key_auth[tl] != '.' ||
	    c->key_auth[tl + 1] == '\0' || !b64url_chars(c->key_auth + tl + 1)) {
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
			acme_check_run(&v->cfg, &c, &r);
			v->done(v->arg, &c, &r);
		} else {
			v->done(v->arg, &c, NULL);
		}
	}
	wc_ecc_fp_free(); /* FP_ECC keeps a cache per thread (TLS key exchange) */
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
