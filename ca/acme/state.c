/*
 * The code in this file implements the per-CA ACME state (acme_int.h):
 * settings from privca.conf (acme_dns, acme_http_port, acme_tls_port,
 * acme_days, caa_identity) and the command line, and the start and stop of
 * background validation. Challenges left "processing" by a stop are
 * submitted again at start.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme_int.h"

#define ACME_DAYS_DEFAULT 90

enum ca_err acme_open(struct ca *ca, struct ca_error *err)
{
	struct acme *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&a->mu, NULL);
	a->http_port = 80;
	a->tls_port = 443;
	a->days = ACME_DAYS_DEFAULT;
	ca->acme = a;
	return CA_OK;
}

void acme_close(struct ca *ca)
{
	struct acme *a = ca->acme;
	if (a == NULL)
		return;
	if (a->validator != NULL)
		acme_validator_stop(a->validator);
	pthread_mutex_destroy(&a->mu);
	free(a->dns);
	free(a->caa_identity);
	explicit_bzero(a->eab_secret, sizeof(a->eab_secret));
	free(a);
	ca->acme = NULL;
}

static bool num(const char *v, long lo, long hi, int *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < lo || n > hi)
		return false;
	*out = (int)n;
	return true;
}

static enum ca_err set(char **dst, const char *v)
{
	char *c = *v ? strdup(v) : NULL;
	if (*v && c == NULL)
		return CA_ERR_NOMEM;
	free(*dst);
	*dst = c;
	return CA_OK;
}

enum ca_err acme_conf(struct ca *ca, const char *key, const char *v, struct ca_error *err)
{
	struct acme *a = ca->acme;
	if (strcmp(key, "acme_dns") == 0)
		return set(&a->dns, v) == CA_OK ? CA_OK
						: ca_fail(err, CA_ERR_NOMEM, "out of memory");
	if (strcmp(key, "caa_identity") == 0)
		return set(&a->caa_identity, v) == CA_OK
			   ? CA_OK
			   : ca_fail(err, CA_ERR_NOMEM, "out of memory");
	if (strcmp(key, "acme_http_port") == 0 || strcmp(key, "acme_tls_port") == 0)
		return num(v, 1, 65535, key[5] == 'h' ? &a->http_port : &a->tls_port)
			   ? CA_OK
			   : ca_fail(err, CA_ERR_BAD_REQUEST, "%s must be a port from 1 to 65535",
				     key);
	if (strcmp(key, "acme_days") == 0)
		return num(v, 1, CA_MAX_DAYS, &a->days)
			   ? CA_OK
			   : ca_fail(err, CA_ERR_BAD_REQUEST,
				     "acme_days must be a number of days from 1 to %d",
				     CA_MAX_DAYS);
	return CA_ERR_NOT_FOUND;
}

/* The validator's answer, from a pool thread. */
static void on_done(void *arg, const struct acme_check *c, const struct acme_check_result *r)
{
	struct ca *ca = arg;
	if (r == NULL)
		return; /* stopped first: left processing, submitted again at start */
	enum acme_problem p = r->valid ? ACME_PROB_NONE : acme_problem_parse(r->problem);
	acme_count_check(ca, c->type, r->valid, r->elapsed_ms);
	if (acme_chall_result(ca, c->id, r->valid, p, r->detail) != ACME_PROB_NONE)
		fprintf(stderr, "privca: acme: the result of challenge %s could not be recorded\n",
			c->id);
	else if (ca->acme->on_result != NULL)
		ca->acme->on_result(ca->acme->on_result_arg, c->id);
}

enum ca_err acme_serve_start(struct ca *ca, const struct acme_serve_opts *o, struct ca_error *err)
{
	struct acme *a = ca->acme;
	enum ca_err rc;
	if (o != NULL) {
		if (o->dns != NULL && set(&a->dns, o->dns) != CA_OK)
			return ca_fail(err, CA_ERR_NOMEM, "out of memory");
		if (o->http_port > 0)
			a->http_port = o->http_port;
		if (o->tls_port > 0)
			a->tls_port = o->tls_port;
		a->on_result = o->on_result;
		a->on_result_arg = o->on_result_arg;
	}
	struct acme_check_cfg cfg = {
	    .dns_server = a->dns,
	    .http_port = a->http_port,
	    .tls_port = a->tls_port,
	    .timeout_ms = 10000,
	    .caa_identity = a->caa_identity,
	};
	if ((rc = acme_validator_start(&cfg, 4, 1024, on_done, ca, &a->validator)) != CA_OK)
		return ca_fail(err, rc, "the ACME validators could not be started");
	struct store_acme_chall *v = NULL;
	size_t n = 0;
	if (store_acme_chall_processing(ca->store, &v, &n) != CA_OK)
		return ca_fail(err, CA_ERR_STORE, "the pending ACME challenges could not be read");
	for (size_t i = 0; i < n; i++)
		acme_submit(ca, &v[i]);
	free(v);
	return CA_OK;
}
