/*
 * The code in this file implements pkcs11: URIs (RFC 7512) as privca
 * writes them into ca.key and reads them back (signer_pkcs11.h).
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "errors.h"
#include "crypto/signer_pkcs11.h"

/* Percent-decode [p, p+n) into out (cap bytes); length or -1. */
static long pct_decode(const char *p, size_t n, uint8_t *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)p[i];
		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			char h[3] = {p[i + 1], p[i + 2], 0};
			if (!hex_decode(h, &c, 1))
				return -1;
			i += 2;
		} else if (c <= ' ' || c >= 0x7f) {
			return -1;
		}
		if (o >= cap)
			return -1;
		out[o++] = c;
	}
	return (long)o;
}

/* Decode into a NUL-terminated string without NUL bytes inside. */
static bool pct_str(const char *p, size_t n, char *out, size_t cap)
{
	long l = pct_decode(p, n, (uint8_t *)out, cap - 1);
	if (l < 0 || memchr(out, 0, (size_t)l) != NULL)
		return false;
	out[l] = 0;
	return true;
}

/* One name=value attribute of a pkcs11: URI (query: after the '?') into u. */
static enum ca_err uri_attr(struct p11_uri *u, bool query, const char *p, size_t kl, const char *v,
			    size_t vl, struct ca_error *err)
{
	bool ok;
#define IS(k) (kl == sizeof(k) - 1 && memcmp(p, k, kl) == 0)
	if (!query && IS("token")) {
		ok = pct_str(v, vl, u->token, sizeof(u->token)) && u->token[0];
	} else if (!query && IS("object")) {
		ok = pct_str(v, vl, u->object, sizeof(u->object)) && u->object[0];
	} else if (!query && IS("id")) {
		long l = pct_decode(v, vl, u->id, sizeof(u->id));
		ok = l > 0;
		u->id_len = l > 0 ? (size_t)l : 0;
	} else if (!query && IS("type")) {
		ok = vl == 7 && memcmp(v, "private", 7) == 0;
	} else if (query && IS("module-path")) {
		ok = pct_str(v, vl, u->module_path, sizeof(u->module_path)) &&
		     u->module_path[0] == '/';
	} else if (query && IS("pin-source")) {
		char src[PATH_MAX + 8];
		if (!pct_str(v, vl, src, sizeof(src)) || strncmp(src, "file:", 5) != 0 ||
		    src[5] != '/' || strlen(src + 5) >= sizeof(u->pin_file))
			return ca_fail(
			    err, CA_ERR_BAD_REQUEST,
			    "pkcs11: URI: pin-source must be file: and an absolute path");
		strcpy(u->pin_file, src + 5);
		ok = true;
	} else {
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "pkcs11: URI: attribute '%.*s' is not supported", (int)kl, p);
	}
#undef IS
	if (!ok)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "pkcs11: URI: bad value for '%.*s'",
			       (int)kl, p);
	return CA_OK;
}

enum ca_err p11_uri_parse(const char *s, struct p11_uri *u, struct ca_error *err)
{
	memset(u, 0, sizeof(*u));
	if (strncmp(s, "pkcs11:", 7) != 0)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "not a pkcs11: URI");
	size_t total = strlen(s);
	if (total > 8192)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "the pkcs11: URI is too long");
	const char *p = s + 7, *end = s + total;
	bool query = false;
	while (p < end) {
		char sep = query ? '&' : ';';
		const char *stop = p;
		while (stop < end && *stop != sep && !(!query && *stop == '?'))
			stop++;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		if (eq == NULL || eq == p)
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "pkcs11: URI: '%.*s' is not name=value", (int)(stop - p), p);
		enum ca_err rc =
		    uri_attr(u, query, p, (size_t)(eq - p), eq + 1, (size_t)(stop - eq - 1), err);
		if (rc != CA_OK)
			return rc;
		p = stop;
		if (p < end) {
			if (*p == '?') {
				if (query)
					return ca_fail(err, CA_ERR_BAD_REQUEST,
						       "pkcs11: URI: a second '?'");
				query = true;
			}
			p++;
		}
	}
	if (u->token[0] == 0 || u->module_path[0] == 0 || u->pin_file[0] == 0 ||
	    (u->object[0] == 0 && u->id_len == 0))
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "pkcs11: URI needs token=, id= or object=, module-path= and "
			       "pin-source=file:");
	return CA_OK;
}

/* Append v percent-encoded; keep lists the bytes left as they are. */
static bool pct_put(char **o, char *end, const uint8_t *v, size_t n, const char *keep)
{
	static const char hx[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		uint8_t c = v[i];
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
			     c == '~' || (c != 0 && strchr(keep, c) != NULL);
		if (end - *o < 4)
			return false;
		if (plain) {
			*(*o)++ = (char)c;
		} else {
			*(*o)++ = '%';
			*(*o)++ = hx[c >> 4];
			*(*o)++ = hx[c & 15];
		}
	}
	**o = 0;
	return true;
}

static bool put_lit(char **o, char *end, const char *s)
{
	size_t n = strlen(s);
	if ((size_t)(end - *o) <= n)
		return false;
	memcpy(*o, s, n + 1);
	*o += n;
	return true;
}

char *p11_uri_format(const struct p11_uri *u)
{
	size_t cap = 3 * (sizeof(*u)) + 128;
	char *buf = malloc(cap), *o = buf, *end = buf + cap;
	if (buf == NULL)
		return NULL;
	bool ok = put_lit(&o, end, "pkcs11:token=") &&
		  pct_put(&o, end, (const uint8_t *)u->token, strlen(u->token), "");
	if (ok && u->object[0])
		ok = put_lit(&o, end, ";object=") &&
		     pct_put(&o, end, (const uint8_t *)u->object, strlen(u->object), "");
	if (ok && u->id_len > 0) {
		/* id= always percent-encoded, as p11-kit and OpenSC write it. */
		ok = put_lit(&o, end, ";id=");
		for (size_t i = 0; ok && i < u->id_len; i++) {
			char h[4];
			snprintf(h, sizeof(h), "%%%02X", u->id[i]);
			ok = put_lit(&o, end, h);
		}
	}
	ok = ok && put_lit(&o, end, ";type=private?module-path=") &&
	     pct_put(&o, end, (const uint8_t *)u->module_path, strlen(u->module_path), "/") &&
	     put_lit(&o, end, "&pin-source=file:") &&
	     pct_put(&o, end, (const uint8_t *)u->pin_file, strlen(u->pin_file), "/");
	if (!ok) {
		free(buf);
		return NULL;
	}
	return buf;
}
