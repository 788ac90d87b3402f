/*
 * The code in this file implements team tokens: creation (the token text
 * is shown once; only its SHA-256 is stored), bearer authentication,
 * listing and revocation.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "internal.h"
#include "tokens.h"

struct ca_token {
	struct store_token *st;
};

void token_policy(const struct ca_token *t, struct policy_token *o)
{
	const struct store_token *s = t->st;
	*o = (struct policy_token){
	    .name = s->name,
	    .allow = (const char *const *)s->allow,
	    .nallow = s->nallow,
	    .allow_ip = (const char *const *)s->allow_ip,
	    .nallow_ip = s->nallow_ip,
	    .allow_wildcard = s->allow_wildcard,
	    .max_days = s->max_days,
	    .profiles = s->profiles,
	    .admin = s->admin,
	};
}

const char *ca_token_name(const struct ca_token *t)
{
	return t->st->name;
}

bool ca_token_is_admin(const struct ca_token *t)
{
	return t->st->admin;
}

void ca_token_free(struct ca_token *t)
{
	if (t == NULL)
		return;
	store_token_free(t->st);
	free(t);
}

static bool name_ok(const char *n)
{
	size_t len = strlen(n);
	if (len == 0 || len > 64)
		return false;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			return false;
	return true;
}

enum ca_err ca_token_create(struct ca *ca, const char *name, const struct ca_token_policy *p,
			    char token_out[CA_TOKEN_LEN + 1], struct ca_error *err)
{
	enum ca_err rc;
	if (!name_ok(name))
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "token name '%s' must be 1-64 letters, digits, '.', '-' or '_'",
			       name);
	if (!p->admin && p->nallow == 0 && p->nallow_ip == 0)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "a token needs at least one name or address pattern, or to be an "
			       "admin");
	for (size_t i = 0; i < p->nallow; i++)
		if ((rc = pattern_check(p->allow[i], err)) != CA_OK)
			return rc;
	for (size_t i = 0; i < p->nallow_ip; i++)
		if ((rc = cidr_check(p->allow_ip[i], err)) != CA_OK)
			return rc;
	if (p->max_days < 0 || p->max_days > ca->settings.max_days)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "a token's maximum validity must be from 1 to %d days",
			       ca->settings.max_days);
	if (p->profiles >= (1u << CA_PROFILE_MAX))
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "the token's profiles name an unknown profile");

	uint8_t raw[32];
	if (rand_bytes(raw, sizeof(raw)) != CA_OK)
		return ca_fail(err, CA_ERR_CRYPTO, "the random generator failed");
	char *text = b64url_encode(raw, sizeof(raw));
	explicit_bzero(raw, sizeof(raw));
	if (text == NULL || strlen(text) != CA_TOKEN_LEN) {
		free(text);
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	}
	char hash[65];
	if (hash_sha256_hex((const uint8_t *)text, CA_TOKEN_LEN, hash) != CA_OK) {
		ca_secret_free(text);
		return ca_fail(err, CA_ERR_CRYPTO, "cannot hash the new token");
	}
	struct store_token st = {
	    .name = (char *)name,
	    .allow = (char **)p->allow,
	    .nallow = p->nallow,
	    .allow_ip = (char **)p->allow_ip,
	    .nallow_ip = p->nallow_ip,
	    .allow_wildcard = p->allow_wildcard,
	    .max_days = p->max_days,
	    .profiles = p->profiles,
	    .admin = p->admin,
	    .created_at = clock_now(&ca->clock),
	};
	rc = store_token_put(ca->store, &st, hash, err);
	if (rc == CA_OK)
		memcpy(token_out, text, CA_TOKEN_LEN + 1);
	explicit_bzero(text, CA_TOKEN_LEN);
	free(text);
	return rc;
}

/* A handle owning st (freed on failure). */
static enum ca_err wrap(struct store_token *st, struct ca_token **out, struct ca_error *err)
{
	struct ca_token *t = malloc(sizeof(*t));
	if (t == NULL) {
		store_token_free(st);
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	}
	t->st = st;
	*out = t;
	return CA_OK;
}

enum ca_err ca_token_auth(struct ca *ca, const char *bearer, struct ca_token **out,
			  struct ca_error *err)
{
	if (bearer == NULL || *bearer == '\0')
		return ca_fail(err, CA_ERR_UNAUTHORIZED,
			       "this needs a token: send 'Authorization: Bearer TOKEN'");
	size_t n = strlen(bearer);
	if (n != CA_TOKEN_LEN)
		return ca_fail(
		    err, CA_ERR_UNAUTHORIZED,
		    "the token is not valid: a privca token is %d characters; check that "
		    "it was copied whole, or ask the CA operator for a new one",
		    CA_TOKEN_LEN);
	char hash[65];
	if (hash_sha256_hex((const uint8_t *)bearer, n, hash) != CA_OK)
		return ca_fail(err, CA_ERR_CRYPTO, "cannot hash the token");
	struct store_token *st = NULL;
	enum ca_err rc = store_token_by_hash(ca->store, hash, &st);
	if (rc == CA_ERR_NOT_FOUND)
		return ca_fail(err, CA_ERR_UNAUTHORIZED,
			       "the token is not valid (unknown or revoked); ask the CA operator "
			       "for a new one");
	if (rc == CA_ERR_UNAVAILABLE)
		return ca_fail(err, rc,
			       "the token could not be checked: the %s store cannot be reached; "
			       "try again shortly",
			       ca->store->ops->scheme);
	if (rc != CA_OK)
		return ca_fail(err, rc, "the token could not be checked");
	return wrap(st, out, err);
}

enum ca_err token_by_name(struct ca *ca, const char *name, struct ca_token **out,
			  struct ca_error *err)
{
	struct store_token *st = NULL;
	enum ca_err rc = store_token_by_name(ca->store, name, &st);
	if (rc == CA_ERR_NOT_FOUND)
		return ca_fail(err, CA_ERR_UNAUTHORIZED, "the team '%s' has no live token", name);
	if (rc != CA_OK)
		return ca_fail(err, rc, "the team's token could not be read");
	return wrap(st, out, err);
}

/* Append to s (cap bytes, *n used). Once something does not fit, *n is
 * cap and every later call is refused: the caller checks once at the end. */
static void add(char *s, size_t cap, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add(char *s, size_t cap, size_t *n, const char *fmt, ...)
{
	if (*n >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(s + *n, cap - *n, fmt, ap);
	va_end(ap);
	*n = k < 0 || (size_t)k >= cap - *n ? cap : *n + (size_t)k;
}

/* "allow=a,b ip=c wildcard max-days=90 profiles=server,peer"; NULL if no
 * memory (or, impossibly, if the summary outgrew its size). */
static char *summary(const struct store_token *t)
{
	size_t cap = 256;
	for (size_t i = 0; i < t->nallow; i++)
		cap += strlen(t->allow[i]) + 1;
	for (size_t i = 0; i < t->nallow_ip; i++)
		cap += strlen(t->allow_ip[i]) + 1;
	char *s = malloc(cap);
	if (s == NULL)
		return NULL;
	size_t n = 0;
	s[0] = '\0';
#define ADD(...) add(s, cap, &n, __VA_ARGS__)
	if (t->admin)
		ADD("admin ");
	for (size_t i = 0; i < t->nallow; i++)
		ADD("%s%s", i ? "," : "allow=", t->allow[i]);
	if (t->nallow)
		ADD(" ");
	for (size_t i = 0; i < t->nallow_ip; i++)
		ADD("%s%s", i ? "," : "allow-ip=", t->allow_ip[i]);
	if (t->nallow_ip)
		ADD(" ");
	if (t->allow_wildcard)
		ADD("wildcard ");
	if (t->max_days)
		ADD("max-days=%d ", t->max_days);
	if (t->profiles) {
		bool first = true;
		for (int p = 0; p < CA_PROFILE_MAX; p++)
			if (t->profiles & (1u << p)) {
				ADD("%s%s", first ? "profiles=" : ",",
				    ca_profile_name((enum ca_profile)p));
				first = false;
			}
	}
#undef ADD
	if (n >= cap) {
		free(s);
		return NULL;
	}
	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
	return s;
}

void ca_token_list_free(struct ca_token_info *l, size_t n)
{
	for (size_t i = 0; l != NULL && i < n; i++) {
		free(l[i].name);
		free(l[i].policy);
	}
	free(l);
}

enum ca_err ca_token_list(struct ca *ca, struct ca_token_info **out, size_t *n,
			  struct ca_error *err)
{
	struct store_token **v = NULL;
	size_t cnt = 0;
	if (store_token_list(ca->store, &v, &cnt) != CA_OK)
		return ca_fail(err, CA_ERR_STORE, "the tokens could not be read");
	struct ca_token_info *l = calloc(cnt ? cnt : 1, sizeof(*l));
	enum ca_err rc = l ? CA_OK : CA_ERR_NOMEM;
	for (size_t i = 0; rc == CA_OK && i < cnt; i++) {
		l[i].name = strdup(v[i]->name);
		l[i].policy = summary(v[i]);
		l[i].admin = v[i]->admin;
		l[i].created_at = v[i]->created_at;
		l[i].revoked_at = v[i]->revoked_at;
		if (l[i].name == NULL || l[i].policy == NULL)
			rc = CA_ERR_NOMEM;
	}
	store_token_list_free(v, cnt);
	if (rc != CA_OK) {
		ca_token_list_free(l, cnt);
		return ca_fail(err, rc, "out of memory");
	}
	*out = l;
	*n = cnt;
	return CA_OK;
}

enum ca_err ca_token_revoke(struct ca *ca, const char *name, struct ca_error *err)
{
	return store_token_revoke(ca->store, name, clock_now(&ca->clock), err);
}
