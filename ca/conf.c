/*
 * The code in this file implements privca.conf (conf.h) from one table.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "file.h"
#include "internal.h"

enum conf_type { CONF_URL, CONF_TEXT, CONF_DAYS, CONF_YESNO };

static const struct conf_key {
	const char *key;
	enum conf_type type;
	long min, max;	    /* length for text, value for numbers */
	size_t off;	    /* in struct conf */
	const char *before; /* comment written before the key, or NULL */
} keys[] = {
    {"base_url", CONF_URL, 1, 1000, offsetof(struct conf, base_url),
     "# Base URL of this CA as clients reach it: certificates point their\n"
     "# CRL distribution point and OCSP/CA-issuer URLs here.\n"},
    {"default_days", CONF_DAYS, 1, CA_MAX_DAYS, offsetof(struct conf, default_days),
     "# Validity of issued certificates, in days.\n"},
    {"max_days", CONF_DAYS, 1, CA_MAX_DAYS, offsetof(struct conf, max_days), NULL},
    {"clamp_to_ca", CONF_YESNO, 0, 1, offsetof(struct conf, clamp_to_ca),
     "# A certificate that would end after the CA's own is refused; with\n"
     "# yes it is cut to end with the CA instead, and the answer says so.\n"},
    {"retain_expired_days", CONF_DAYS, 0, 36500, offsetof(struct conf, retain_expired_days),
     "# Certificates expired this many days ago are deleted in the background\n"
     "# (privca tidy does it by hand); 0 keeps every certificate.\n"},
    {"http", CONF_TEXT, 1, 255, offsetof(struct conf, http), "# Listen addresses.\n"},
    {"https", CONF_TEXT, 1, 255, offsetof(struct conf, https), NULL},
    {"store", CONF_TEXT, 1, 1000, offsetof(struct conf, store),
     "# Where certificates, tokens, CRL state and events live: a PostgreSQL URL\n"
     "# (postgresql://...) that several privca nodes share. Without it: privca.db.\n"},
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static char **str_at(struct conf *c, const struct conf_key *k)
{
	return (char **)((char *)c + k->off);
}

static int *int_at(struct conf *c, const struct conf_key *k)
{
	return (int *)((char *)c + k->off);
}

static enum ca_err set_str(char **dst, const char *v, struct ca_error *err)
{
	char *c = strdup(v);
	if (c == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	free(*dst);
	*dst = c;
	return CA_OK;
}

enum ca_err conf_defaults(struct conf *c, struct ca_error *err)
{
	enum ca_err rc;
	c->default_days = CA_DEFAULT_DAYS;
	c->max_days = CA_MAX_DAYS;
	if ((rc = set_str(&c->base_url, CONF_DEFAULT_URL, err)) != CA_OK ||
	    (rc = set_str(&c->http, "127.0.0.1:8080", err)) != CA_OK)
		return rc;
	return set_str(&c->https, "127.0.0.1:8443", err);
}

/* Why url is not what certificates may point to (an absolute http or
 * https URL: a host name or address, a port, a path of plain characters;
 * no user, query or fragment), or NULL. */
static const char *url_problem(const char *url)
{
	const char *p = url;
	if (strncmp(p, "https://", 8) == 0)
		p += 8;
	else if (strncmp(p, "http://", 7) == 0)
		p += 7;
	else
		return "it must start with http:// or https://";
	const char *host = p;
	if (*p == '[') { /* an IPv6 literal */
		while (*++p && (strchr("0123456789abcdefABCDEF:.", *p) != NULL))
			;
		if (*p != ']' || p == host + 1)
			return "its IPv6 address is not closed by ']'";
		p++;
	} else {
		while (*p && (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				     "0123456789.-",
				     *p) != NULL))
			p++;
		if (p == host)
			return "it names no host";
	}
	if (*p == ':') {
		long port = 0;
		const char *d = ++p;
		while (*p >= '0' && *p <= '9' && port <= 65535)
			port = port * 10 + (*p++ - '0');
		if (p == d || port < 1 || port > 65535)
			return "its port is not a number from 1 to 65535";
	}
	if (*p != '\0' && *p != '/')
		return "its host may hold only letters, digits, '.' and '-' (no user, space or "
		       "quote)";
	for (; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '%' && p[1] && p[2] && strchr("0123456789abcdefABCDEF", p[1]) &&
		    strchr("0123456789abcdefABCDEF", p[2]))
			continue;
		if (ch >= 0x80 ||
		    strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "0123456789-._~/",
			   ch) == NULL ||
		    ch == '\0')
			return "its path may hold only letters, digits and - . _ ~ / (no query, "
			       "fragment, space, quote or angle bracket)";
	}
	return NULL;
}

enum ca_err conf_url_check(const char *url, struct ca_error *err)
{
	const char *why = strlen(url) > 1000 ? "it is over 1000 characters" : url_problem(url);
	if (why != NULL)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "the base URL '%.200s' is not an absolute http(s) URL: %s; write it "
			       "as https://HOST[:PORT][/PATH]",
			       url, why);
	return CA_OK;
}

/* The base URL checked, trailing slashes dropped (certificates add "/crl"). */
static enum ca_err set_url(char **dst, const char *url, struct ca_error *err)
{
	enum ca_err rc = conf_url_check(url, err);
	if (rc != CA_OK)
		return rc;
	size_t n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	char *c = strndup(url, n);
	if (c == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	free(*dst);
	*dst = c;
	return CA_OK;
}

enum ca_err conf_set_base_url(struct conf *c, const char *url, struct ca_error *err)
{
	return set_url(&c->base_url, url, err);
}

enum ca_err conf_set_store(struct conf *c, const char *url, struct ca_error *err)
{
	return set_str(&c->store, url, err);
}

void conf_free(struct conf *c)
{
	free(c->base_url);
	free(c->http);
	free(c->https);
	free(c->store);
	memset(c, 0, sizeof(*c));
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Set key k from the text v (line lineno of path). */
static enum ca_err set_key(struct conf *c, const struct conf_key *k, char *v, const char *path,
			   int lineno, struct ca_error *err)
{
	if (k->type == CONF_YESNO) {
		if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
			return ca_fail(err, CA_ERR_BAD_REQUEST, "%s:%d: %s must be yes or no", path,
				       lineno, k->key);
		*int_at(c, k) = v[0] == 'y';
		return CA_OK;
	}
	if (k->type == CONF_DAYS) {
		char *end;
		errno = 0;
		long d = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno != 0 || d < k->min || d > k->max)
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "%s:%d: %s must be a number of days from %ld to %ld", path,
				       lineno, k->key, k->min, k->max);
		*int_at(c, k) = (int)d;
		return CA_OK;
	}
	size_t n = strlen(v);
	while (k->type == CONF_URL && n > 0 && v[n - 1] == '/')
		v[--n] = '\0';
	if ((long)n < k->min || (long)n > k->max)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "%s:%d: %s must be %ld to %ld characters",
			       path, lineno, k->key, k->min, k->max);
	if (k->type == CONF_URL && url_problem(v) != NULL)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "%s:%d: %s is not an absolute http(s) URL: %s", path, lineno, k->key,
			       url_problem(v));
	return set_str(str_at(c, k), v, err);
}

/* One line (NUL-terminated, no newline) of path. */
static enum ca_err conf_line(struct conf *c, char *line, const char *path, int lineno,
			     struct ca_error *err)
{
	char *s = trim(line);
	if (*s == '#' || *s == '\0')
		return CA_OK;
	char *eq = strchr(s, '=');
	if (eq == NULL)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "%s:%d: expected 'key = value'", path,
			       lineno);
	*eq = '\0';
	char *k = trim(s), *v = trim(eq + 1);
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(k, keys[i].key) == 0)
			return set_key(c, &keys[i], v, path, lineno, err);
	if (c->extra != NULL) {
		enum ca_err rc = c->extra(c->extra_arg, k, v, err);
		if (rc == CA_OK)
			return CA_OK;
		if (rc != CA_ERR_NOT_FOUND) {
			char why[sizeof(err->detail)];
			snprintf(why, sizeof(why), "%s", err != NULL ? err->detail : "");
			return ca_fail(err, rc, "%s:%d: %s", path, lineno, why);
		}
	}
	return ca_fail(err, CA_ERR_BAD_REQUEST, "%s:%d: unknown setting '%s'", path, lineno, k);
}

enum ca_err conf_read(struct conf *c, const char *path, struct ca_error *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return CA_OK;
	enum ca_err rc = file_read(path, 0, &buf, &len, err);
	if (rc != CA_OK)
		return rc;
	char *p = (char *)buf, *end = p + len;
	for (int lineno = 1; rc == CA_OK && p < end; lineno++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *stop = nl != NULL ? nl : end;
		if (stop - p > CONF_LINE_MAX) {
			rc = ca_fail(err, CA_ERR_BAD_REQUEST, "%s:%d: the line is over %d bytes",
				     path, lineno, CONF_LINE_MAX);
			break;
		}
		if (memchr(p, '\0', (size_t)(stop - p)) != NULL) {
			rc = ca_fail(err, CA_ERR_BAD_REQUEST, "%s:%d: the line holds a NUL byte",
				     path, lineno);
			break;
		}
		*stop = '\0';
		rc = conf_line(c, p, path, lineno, err);
		p = stop + 1;
	}
	free(buf);
	if (rc == CA_OK && c->default_days > c->max_days)
		rc = ca_fail(err, CA_ERR_BAD_REQUEST, "%s: default_days is over max_days", path);
	return rc;
}

enum ca_err conf_write(const char *path, const struct conf *c, struct ca_error *err)
{
	char buf[4096];
	size_t off = 0;
	int n = snprintf(buf, sizeof(buf),
			 "# privca settings, written by privca init. Flags on "
			 "the command line\n# override them.\n");
	for (size_t i = 0; n >= 0 && (size_t)n < sizeof(buf) - off && i < NKEYS; i++) {
		off += (size_t)n;
		const struct conf_key *k = &keys[i];
		struct conf *cc = (struct conf *)c;
		if (k->type == CONF_DAYS)
			n = snprintf(buf + off, sizeof(buf) - off, "%s%s%s = %d\n",
				     k->before ? "\n" : "", k->before ? k->before : "", k->key,
				     *int_at(cc, k));
		else if (k->type == CONF_YESNO)
			n = snprintf(buf + off, sizeof(buf) - off, "%s%s%s = %s\n",
				     k->before ? "\n" : "", k->before ? k->before : "", k->key,
				     *int_at(cc, k) ? "yes" : "no");
		else if (*str_at(cc, k) == NULL) /* an optional setting not set */
			n = 0;
		else
			n = snprintf(buf + off, sizeof(buf) - off, "%s%s%s = %s\n",
				     k->before ? "\n" : "", k->before ? k->before : "", k->key,
				     *str_at(cc, k));
	}
	if (n < 0 || (size_t)n >= sizeof(buf) - off)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "the settings do not fit in %s", path);
	off += (size_t)n;
	/* A store URL may hold a password: then only the CA's user reads it. */
	return file_write_new(path, c->store != NULL ? 0600 : 0644, buf, off, err);
}
