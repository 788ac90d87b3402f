/*
 * The code in this file implements the backend-neutral row helpers
 * (rows.h) and the destructors of store.h's owned structs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "rows.h"
#include "errors.h"

char *rows_join(char *const *v, size_t n, char sep)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	char *s = malloc(len), *p = s;
	if (s == NULL)
		return NULL;
	*p = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			*p++ = sep;
		size_t k = strlen(v[i]);
		memcpy(p, v[i], k + 1);
		p += k;
	}
	return s;
}

void rows_strv_free(char **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

bool rows_split(const char *s, char sep, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (s == NULL || *s == '\0')
		return true;
	size_t cnt = 1;
	for (const char *p = s; *p; p++)
		cnt += *p == sep;
	char **v = calloc(cnt, sizeof(*v));
	if (v == NULL)
		return false;
	size_t i = 0;
	const char *start = s;
	for (const char *p = s;; p++) {
		if (*p != sep && *p != '\0')
			continue;
		if ((v[i] = strndup(start, (size_t)(p - start))) == NULL) {
			rows_strv_free(v, i);
			return false;
		}
		i++;
		if (*p == '\0')
			break;
		start = p + 1;
	}
	*out = v;
	*n = i;
	return true;
}

/* A decimal int64 at s (optionally negative); *end after it. */
static bool num(const char *s, bool negative_ok, int64_t *v, const char **end)
{
	char *e;
	if (!((s[0] >= '0' && s[0] <= '9') || (negative_ok && s[0] == '-')))
		return false;
	long long k = strtoll(s, &e, 10);
	if (e == s || (s[0] == '-' && e == s + 1))
		return false;
	*v = k;
	*end = e;
	return true;
}

bool rows_cursor_decode(const char *text, char order, struct rows_cursor *out)
{
	const char *p;
	int64_t key = 0, tie;
	if (text[0] != order)
		return false;
	p = text + 1;
	if (order != 'r') {
		if (!num(p, true, &key, &p) || *p != '_')
			return false;
		p++;
	}
	if (!num(p, false, &tie, &p) || *p != '\0' || tie <= 0)
		return false;
	out->order = order;
	out->key = key;
	out->tie = tie;
	return true;
}

char *rows_cursor_encode(const struct rows_cursor *c)
{
	char buf[64];
	int n = c->order == 'r' ? snprintf(buf, sizeof(buf), "r%lld", (long long)c->tie)
				: snprintf(buf, sizeof(buf), "%c%lld_%lld", c->order,
					   (long long)c->key, (long long)c->tie);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return NULL;
	return strdup(buf);
}

static const char *str(const char *s)
{
	return s != NULL ? s : "";
}

enum ca_err rows_reason(int v, const char *serial, enum ca_reason *out, struct ca_error *err)
{
	if (v < 0 || v >= CA_REASON_MAX || ca_reason_name((enum ca_reason)v) == NULL)
		return ca_fail(err, CA_ERR_STORE,
			       "certificate %s has revocation reason %d in the store, which is not "
			       "a reason this CA writes",
			       serial, v);
	*out = (enum ca_reason)v;
	return CA_OK;
}

/* Copy text into a fixed field; false if it does not fit (never cut). */
static bool fixed(char *dst, size_t size, const char *text, size_t min)
{
	size_t n = strlen(text);
	if (n < min || n >= size)
		return false;
	memcpy(dst, text, n + 1);
	return true;
}

/* The row's own fields, before any allocation of lists. */
static enum ca_err cert_scalars(const struct rows_cert_cols *k, int64_t now, struct ca_cert *c,
				struct ca_error *err)
{
	const char *serial = str(k->serial);
	if (!fixed(c->serial, sizeof(c->serial), serial, 1))
		return ca_fail(err, CA_ERR_STORE,
			       "a certificate row has serial '%.40s', longer than 32 hex digits",
			       serial);
	if (!ca_profile_parse(str(k->profile), &c->profile))
		return ca_fail(err, CA_ERR_STORE,
			       "certificate %s has profile '%.32s' in the store, which this CA "
			       "does not know",
			       serial, str(k->profile));
	if (!fixed(c->fingerprint_sha256, sizeof(c->fingerprint_sha256), str(k->fingerprint), 0))
		return ca_fail(err, CA_ERR_STORE, "certificate %s has a malformed fingerprint",
			       serial);
	bool revoked = strcmp(str(k->status), "revoked") == 0;
	c->not_before = k->not_before;
	c->not_after = k->not_after;
	c->created_at = k->created_at;
	c->revoked_at = revoked ? k->revoked_at : 0;
	c->reason = CA_REASON_UNSPECIFIED;
	if (revoked) {
		enum ca_err rc = rows_reason(k->reason, serial, &c->reason, err);
		if (rc != CA_OK)
			return rc;
	}
	c->status = revoked		 ? CA_STATUS_REVOKED
		    : c->not_after < now ? CA_STATUS_EXPIRED
					 : CA_STATUS_VALID;
	return CA_OK;
}

enum ca_err rows_cert(const struct rows_cert_cols *k, bool with_der, int64_t now,
		      struct ca_cert **out, struct ca_error *err)
{
	struct ca_cert *c = calloc(1, sizeof(*c));
	enum ca_err rc;
	if (c == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	if ((rc = cert_scalars(k, now, c, err)) != CA_OK)
		goto bad;
	rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
	if ((c->subject = strdup(str(k->subject))) == NULL ||
	    (c->requester = strdup(str(k->requester))) == NULL ||
	    !rows_split(k->dns, ',', &c->dns_names, &c->n_dns) ||
	    !rows_split(k->ips, ',', &c->ip_addresses, &c->n_ip))
		goto bad;
	if (with_der) {
		if (k->der == NULL || k->der_len == 0) {
			rc = ca_fail(err, CA_ERR_STORE, "certificate %s has no DER in the store",
				     c->serial);
			goto bad;
		}
		if ((c->der = malloc(k->der_len)) == NULL)
			goto bad;
		memcpy(c->der, k->der, k->der_len);
		c->der_len = k->der_len;
	}
	*out = c;
	return CA_OK;
bad:
	ca_cert_free(c);
	return rc;
}

enum ca_err rows_serial_bytes(const char *hex, struct crl_entry *out, struct ca_error *err)
{
	size_t hl = strlen(str(hex));
	if (hl == 0 || hl > 2 * sizeof(out->serial) || hl % 2 ||
	    !hex_decode(hex, out->serial, hl / 2))
		return ca_fail(err, CA_ERR_STORE,
			       "revoked certificate '%.48s' has a serial that is not 1 to 20 bytes "
			       "of hex; the CRL cannot list it (repair the row)",
			       str(hex));
	out->serial_len = hl / 2;
	return CA_OK;
}

char *rows_lower(const char *s)
{
	char *d = strdup(s);
	for (char *p = d; p != NULL && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return d;
}

void store_token_free(struct store_token *t)
{
	if (t == NULL)
		return;
	rows_strv_free(t->allow, t->nallow);
	rows_strv_free(t->allow_ip, t->nallow_ip);
	free(t->name);
	free(t);
}

void store_token_list_free(struct store_token **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		store_token_free(v[i]);
	free(v);
}

void store_event_list_free(struct store_event_row *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++) {
		free(v[i].kind);
		free(v[i].serial);
		free(v[i].actor);
		free(v[i].detail);
	}
	free(v);
}

/* ---- retention ---- */

#define TIDY_MAX_ROWS 100000

enum ca_err rows_tidy_check(const struct store_tidy *t, struct ca_error *err)
{
	if (t->before > t->now)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "a tidy deletes only certificates that have expired: the date must "
			       "not be in the future");
	if (!t->dry_run && (t->limit < 1 || t->limit > TIDY_MAX_ROWS))
		return ca_fail(err, CA_ERR_BAD_REQUEST, "a tidy step takes 1 to 100000 rows");
	return CA_OK;
}

void rows_tidy_detail(const struct store_tidy *t, uint64_t n, char *buf, size_t size)
{
	char when[32];
	time_t b = (time_t)t->before;
	struct tm tm;
	if (gmtime_r(&b, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof(when), "%lld", (long long)t->before);
	snprintf(buf, size, "deleted %llu certificates that expired before %s",
		 (unsigned long long)n, when);
}
