/*
 * The code in this file implements the HTML form parser (form.h): the
 * urlencoded and multipart/form-data bodies of the enrollment and revoke
 * forms. Every byte is attacker-controlled: the body is never assumed to be
 * NUL-terminated, and every search in it is bounded by its length.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "form.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void form_free(struct form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->f[i].name);
		free(f->f[i].value);
	}
	f->n = 0;
}

static char *dup_n(const char *p, size_t n)
{
	char *s = malloc(n + 1);
	if (s != NULL) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

static bool form_add(struct form *f, char *name, char *value, size_t len)
{
	if (name == NULL || value == NULL || f->n >= FORM_MAX) {
		free(name);
		free(value);
		return false;
	}
	f->f[f->n].name = name;
	f->f[f->n].value = value;
	f->f[f->n].len = len;
	f->n++;
	return true;
}

/* Decode one urlencoded component into a new string; *len gets its length. */
static char *url_decode(const char *p, size_t n, size_t *len)
{
	char *s = malloc(n + 1);
	if (s == NULL)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '+') {
			s[o++] = ' ';
		} else if (p[i] == '%' && i + 2 < n && hexval(p[i + 1]) >= 0 &&
			   hexval(p[i + 2]) >= 0) {
			s[o++] = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
			i += 2;
		} else {
			s[o++] = p[i];
		}
	}
	s[o] = '\0';
	*len = o;
	return s;
}

static bool parse_urlencoded(const char *p, size_t n, struct form *f)
{
	size_t i = 0;
	while (i < n) {
		size_t end = i;
		while (end < n && p[end] != '&')
			end++;
		size_t eq = i;
		while (eq < end && p[eq] != '=')
			eq++;
		if (end > i) {
			size_t nl, vl;
			char *name = url_decode(p + i, eq - i, &nl);
			char *value = eq < end ? url_decode(p + eq + 1, end - eq - 1, &vl)
					       : (vl = 0, dup_n("", 0));
			if (!form_add(f, name, value, vl))
				return false;
		}
		i = end + 1;
	}
	return true;
}

static const char *find_n(const char *s, size_t n, const char *pat, size_t pn)
{
	if (pn == 0 || n < pn)
		return NULL;
	for (size_t i = 0; i + pn <= n; i++)
		if (s[i] == pat[0] && memcmp(s + i, pat, pn) == 0)
			return s + i;
	return NULL;
}

/* The value of parameter key in a header value ("form-data; name=\"x\""). */
static char *header_param(const char *h, size_t n, const char *key)
{
	size_t kl = strlen(key);
	size_t i = 0;
	while (i < n) {
		while (i < n && (h[i] == ';' || h[i] == ' ' || h[i] == '\t'))
			i++;
		size_t start = i;
		while (i < n && h[i] != '=' && h[i] != ';')
			i++;
		size_t klen = i - start;
		if (i >= n || h[i] != '=') {
			continue;
		}
		i++; /* '=' */
		const char *v;
		size_t vl;
		if (i < n && h[i] == '"') {
			i++;
			v = h + i;
			while (i < n && h[i] != '"')
				i++;
			vl = (size_t)(h + i - v);
			if (i < n)
				i++;
		} else {
			v = h + i;
			while (i < n && h[i] != ';' && h[i] != ' ')
				i++;
			vl = (size_t)(h + i - v);
		}
		if (klen == kl && strncasecmp(h + start, key, kl) == 0)
			return dup_n(v, vl);
	}
	return NULL;
}

static bool parse_multipart(const char *ctype, const char *p, size_t n, struct form *f)
{
	char *boundary = header_param(ctype, strlen(ctype), "boundary");
	if (boundary == NULL || *boundary == '\0' || strlen(boundary) > 70) {
		free(boundary);
		return false;
	}
	char delim[80];
	int dl = snprintf(delim, sizeof(delim), "--%s", boundary);
	free(boundary);
	bool ok = false;
	const char *end = p + n;
	const char *cur = find_n(p, n, delim, (size_t)dl);
	while (cur != NULL) {
		cur += dl;
		if (end - cur >= 2 && cur[0] == '-' && cur[1] == '-') {
			ok = true; /* closing delimiter */
			break;
		}
		if (end - cur < 2 || cur[0] != '\r' || cur[1] != '\n')
			break;
		cur += 2;
		const char *hend = find_n(cur, (size_t)(end - cur), "\r\n\r\n", 4);
		if (hend == NULL)
			break;
		/* The Content-Disposition line among the part's headers. */
		char *name = NULL;
		for (const char *line = cur; line < hend;) {
			const char *eol = find_n(line, (size_t)(hend - line), "\r\n", 2);
			if (eol == NULL)
				eol = hend;
			static const char cd[] = "content-disposition:";
			if ((size_t)(eol - line) > sizeof(cd) - 1 &&
			    strncasecmp(line, cd, sizeof(cd) - 1) == 0) {
				free(name);
				name =
				    header_param(line + sizeof(cd) - 1,
						 (size_t)(eol - line) - (sizeof(cd) - 1), "name");
			}
			line = eol + 2;
		}
		const char *body = hend + 4;
		char next[84];
		int nl = snprintf(next, sizeof(next), "\r\n%s", delim);
		const char *stop = find_n(body, (size_t)(end - body), next, (size_t)nl);
		if (stop == NULL || name == NULL) {
			free(name);
			break;
		}
		if (!form_add(f, name, dup_n(body, (size_t)(stop - body)), (size_t)(stop - body)))
			break;
		cur = stop + 2;
	}
	return ok;
}

bool form_parse_body(const char *content_type, const char *body, size_t len, struct form *f)
{
	assert(f != NULL && f->n <= FORM_MAX);
	assert(body != NULL || len == 0);
	if (content_type == NULL)
		return false;
	if (strncasecmp(content_type, "application/x-www-form-urlencoded", 33) == 0)
		return parse_urlencoded(body ? body : "", len, f);
	if (strncasecmp(content_type, "multipart/form-data", 19) == 0 && body != NULL)
		return parse_multipart(content_type, body, len, f);
	return false;
}

const char *form_get(const struct form *f, const char *name, size_t *len)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->f[i].name, name) == 0) {
			if (len)
				*len = f->f[i].len;
			return f->f[i].value;
		}
	if (len)
		*len = 0;
	return NULL;
}
