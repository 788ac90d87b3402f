/*
 * The code in this file implements policy.h: which names a certificate
 * gets, for how many days, and whether the requesting token may have them.
 */
#include "errors.h"
#include "policy.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where the names came from, for messages. */
enum source { SRC_SANS, SRC_CSR_SAN, SRC_CN };

static enum ca_err add_name(struct name *list, size_t *count, const char *in, enum source src,
			    bool want_ip, struct ca_error *err)
{
	struct ca_error why;
	struct name nm;
	if (name_parse(in, &nm, &why) != CA_OK) {
		switch (src) {
		case SRC_CSR_SAN:
			return ca_fail(
			    err, CA_ERR_BAD_REQUEST,
			    "the CSR's subjectAltName has a bad entry: %s; fix the CSR or "
			    "give the names with the request",
			    why.detail);
		case SRC_CN:
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "the CSR has no subjectAltName, so its common name is used, "
				       "but %s; give the names with the request",
				       why.detail);
		default:
			return ca_fail(err, CA_ERR_BAD_REQUEST, "%s", why.detail);
		}
	}
	if (want_ip && nm.kind != NAME_IP)
		return ca_fail(
		    err, CA_ERR_BAD_REQUEST,
		    "the CSR's subjectAltName has an IP address entry '%s' that is not an "
		    "IP address",
		    nm.text);
	for (size_t i = 0; i < *count; i++)
		if (list[i].kind == nm.kind && strcmp(list[i].text, nm.text) == 0)
			return CA_OK; /* the same name twice after canonicalisation */
	if (*count == POLICY_MAX_NAMES)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "the request has more than %d names; a certificate may have at most "
			       "%d, so split them over several certificates",
			       POLICY_MAX_NAMES, POLICY_MAX_NAMES);
	list[(*count)++] = nm;
	return CA_OK;
}

enum ca_err policy_names(const char *const *sans, size_t nsans, const char *const *csr_dns,
			 size_t ncsr_dns, const char *const *csr_ips, size_t ncsr_ips,
			 const char *cn, struct name **out, size_t *n, struct ca_error *err)
{
	assert(out != NULL && n != NULL);
	assert(nsans == 0 || sans != NULL);
	assert(ncsr_dns == 0 || csr_dns != NULL);
	assert(ncsr_ips == 0 || csr_ips != NULL);
	*out = NULL;
	*n = 0;

	struct name *list = malloc(POLICY_MAX_NAMES * sizeof(*list));
	if (list == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory while checking names");
	size_t count = 0;
	enum ca_err rc = CA_OK;

	if (nsans > 0) {
		for (size_t i = 0; i < nsans && rc == CA_OK; i++)
			rc = add_name(list, &count, sans[i], SRC_SANS, false, err);
	} else if (ncsr_dns + ncsr_ips > 0) {
		for (size_t i = 0; i < ncsr_dns && rc == CA_OK; i++)
			rc = add_name(list, &count, csr_dns[i], SRC_CSR_SAN, false, err);
		for (size_t i = 0; i < ncsr_ips && rc == CA_OK; i++)
			rc = add_name(list, &count, csr_ips[i], SRC_CSR_SAN, true, err);
	} else if (cn != NULL && cn[0] != '\0') {
		rc = add_name(list, &count, cn, SRC_CN, false, err);
	} else {
		rc = ca_fail(err, CA_ERR_BAD_REQUEST,
			     "the request names no DNS name or IP address; give them with the "
			     "request, in the CSR's subjectAltName, or as the CSR's common name");
	}
	if (rc != CA_OK) {
		free(list);
		return rc;
	}
	assert(count > 0);
	struct name *shrunk = realloc(list, count * sizeof(*list));
	*out = shrunk != NULL ? shrunk : list;
	*n = count;
	return CA_OK;
}

enum ca_err policy_days(const struct policy_limits *lim, const struct policy_token *tok,
			int requested, int *days, struct ca_error *err)
{
	assert(lim != NULL && days != NULL);
	int max = lim->max_days > 0 ? lim->max_days : CA_MAX_DAYS;
	int def = lim->default_days > 0 ? lim->default_days : CA_DEFAULT_DAYS;
	bool token_limit = false;
	if (tok != NULL && tok->max_days > 0 && tok->max_days < max) {
		max = tok->max_days;
		token_limit = true;
	}
	if (requested < 0)
		return ca_fail_in(err, CA_ERR_BAD_REQUEST, CA_INPUT_DAYS,
				  "a validity of %d days is not a positive number of days; leave "
				  "it out for the default of %d",
				  requested, def < max ? def : max);
	if (requested == 0) {
		*days = def < max ? def : max;
		return CA_OK;
	}
	if (requested > max)
		return ca_fail_in(err, CA_ERR_BAD_REQUEST, CA_INPUT_DAYS,
				  "a validity of %d days is over %s maximum of %d days", requested,
				  token_limit ? "this token's" : "the", max);
	*days = requested;
	return CA_OK;
}

/* Append s to buf (of cap bytes) at *len; "..." once the list does not fit. */
static void list_add(char *buf, size_t cap, size_t *len, const char *s)
{
	const char *sep = *len > 0 ? ", " : "";
	if (*len >= cap - 1)
		return; /* already full */
	size_t need = strlen(sep) + strlen(s);
	if (*len + need + 5 >= cap) {
		snprintf(buf + *len, cap - *len, "%s...", sep);
		*len = cap - 1;
		return;
	}
	snprintf(buf + *len, cap - *len, "%s%s", sep, s);
	*len += need;
}

static void join(char *buf, size_t cap, const char *const *items, size_t n)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		list_add(buf, cap, &len, items[i]);
}

static enum ca_err check_profile(const struct policy_token *tok, enum ca_profile profile,
				 struct ca_error *err)
{
	if ((unsigned)profile >= CA_PROFILE_MAX)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "unknown profile; use 'server', 'client' or 'peer'");
	if (tok == NULL || tok->profiles == 0 || (tok->profiles & (1u << profile)))
		return CA_OK;
	char allowed[128];
	size_t len = 0;
	allowed[0] = '\0';
	for (unsigned p = 0; p < CA_PROFILE_MAX; p++)
		if (tok->profiles & (1u << p))
			list_add(allowed, sizeof(allowed), &len,
				 ca_profile_name((enum ca_profile)p));
	return ca_fail(
	    err, CA_ERR_FORBIDDEN, "token '%s' may not issue '%s' certificates; it may issue: %s",
	    tok->name ? tok->name : "", ca_profile_name(profile), len ? allowed : "no profile");
}

static bool dns_allowed(const struct policy_token *tok, const struct name *nm)
{
	for (size_t i = 0; i < tok->nallow; i++)
		if (pattern_match(tok->allow[i], nm, tok->allow_wildcard))
			return true;
	return false;
}

static bool ip_allowed(const struct policy_token *tok, const struct name *nm)
{
	for (size_t i = 0; i < tok->nallow_ip; i++)
		if (cidr_match(tok->allow_ip[i], nm))
			return true;
	return false;
}

enum ca_err policy_check(const struct policy_token *tok, enum ca_profile profile,
			 const struct name *names, size_t n, struct ca_error *err)
{
	assert(n == 0 || names != NULL);
	enum ca_err rc = check_profile(tok, profile, err);
	if (rc != CA_OK || tok == NULL || tok->admin)
		return rc; /* the operator and admin tokens may have any valid name */

	char list[300];
	for (size_t i = 0; i < n; i++) {
		const struct name *nm = &names[i];
		if (nm->kind == NAME_IP) {
			if (ip_allowed(tok, nm))
				continue;
			if (tok->nallow_ip == 0)
				return ca_fail(err, CA_ERR_NAME_NOT_ALLOWED,
					       "IP address '%s' is not allowed: this token may not "
					       "issue certificates for IP addresses",
					       nm->text);
			join(list, sizeof(list), tok->allow_ip, tok->nallow_ip);
			return ca_fail(err, CA_ERR_NAME_NOT_ALLOWED,
				       "IP address '%s' is outside this token's allowed addresses "
				       "(%s)",
				       nm->text, list);
		}
		if (nm->wildcard && !tok->allow_wildcard)
			return ca_fail(err, CA_ERR_NAME_NOT_ALLOWED,
				       "name '%s' is a wildcard, and this token may not issue "
				       "wildcard certificates",
				       nm->text);
		if (dns_allowed(tok, nm))
			continue;
		if (tok->nallow == 0)
			return ca_fail(err, CA_ERR_NAME_NOT_ALLOWED,
				       "name '%s' is not allowed: this token may not issue "
				       "certificates for DNS names",
				       nm->text);
		join(list, sizeof(list), tok->allow, tok->nallow);
		return ca_fail(err, CA_ERR_NAME_NOT_ALLOWED,
			       "name '%s' is outside this token's allowed names (%s)", nm->text,
			       list);
	}
	return CA_OK;
}
