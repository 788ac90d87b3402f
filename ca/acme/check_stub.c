/*
 * TEMPORARY stand-in for the validators of branch `valid` (validate.c and
 * friends) so that this branch links before it merges them: it knows the
 * challenge names and refuses every submission. Deleted by the merge of
 * `valid`.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char *const names[ACME_CHALL_MAX] = {"http-01", "dns-01", "tls-alpn-01"};

const char *acme_chall_name(enum acme_chall t)
{
	return (unsigned)t < ACME_CHALL_MAX ? names[t] : "unknown";
}

bool acme_chall_parse(const char *s, enum acme_chall *out)
{
	for (int i = 0; i < ACME_CHALL_MAX; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum acme_chall)i;
			return true;
		}
	return false;
}

struct acme_validator {
	int unused;
};

void acme_check_run(const struct acme_check_cfg *cfg, const struct acme_check *c,
		    struct acme_check_result *r)
{
	(void)cfg;
	(void)c;
	memset(r, 0, sizeof(*r));
	r->problem = "serverInternal";
	strcpy(r->detail, "no validators in this build");
}

enum ca_err acme_validator_start(const struct acme_check_cfg *cfg, int nthreads, size_t queue_max,
				 acme_check_done done, void *arg, struct acme_validator **out)
{
	(void)cfg;
	(void)nthreads;
	(void)queue_max;
	(void)done;
	(void)arg;
	*out = calloc(1, sizeof(**out));
	return *out ? CA_OK : CA_ERR_NOMEM;
}

enum ca_err acme_validator_submit(struct acme_validator *v, const struct acme_check *c,
				  struct ca_error *err)
{
	(void)v;
	(void)c;
	return ca_fail(err, CA_ERR_BAD_REQUEST, "no validators in this build");
}

void acme_validator_stop(struct acme_validator *v)
{
	free(v);
}
