/*
 * libFuzzer target for the HTML form parser (web/form.c): the bodies of
 * POST /request and the revoke form, attacker-controlled up to 64 KiB.
 *
 * The first input byte picks the Content-Type; the body follows:
 *   'm'  "multipart/form-data; " + the rest of the first line (the
 *        boundary parameter), body after the '\n';
 *   'c'  the whole first line is the Content-Type, body after the '\n';
 *   else application/x-www-form-urlencoded, body from the second byte.
 * The seed corpus is made by scripts/mkfixtures (fixtures/form/).
 *
 * Invariants, parse or not: at most FORM_MAX fields; every name and value
 * is no longer than the body, every value is NUL-terminated at its length;
 * a multipart value is a piece of the body; form_get finds the first field
 * of each parsed name with its length; nothing for a content type that is
 * neither form. A urlencoded form is what a plain second decoder makes of
 * the body. And the fields survive a round trip: encoded again (every
 * byte %XX-escaped, or as multipart parts) they parse back, successfully,
 * into the same fields. Leaks and over-reads are ASan's to find.
 */
#define _GNU_SOURCE /* memmem */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum kind { KIND_NONE, KIND_URLENCODED, KIND_MULTIPART };

#define RT_BOUNDARY "privca-fuzz-roundtrip"

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_form: invariant broken: %s\n", what);
		abort();
	}
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL) {
		fprintf(stderr, "fuzz_form: out of memory\n");
		abort();
	}
	return p;
}

/* memmem (linear time, where a loop of memcmp is quadratic on 64 KiB). */
static bool contains(const char *s, size_t n, const char *pat, size_t pn)
{
	return memmem(s, n, pat, pn) != NULL;
}

/* Which parser form.h promises for this Content-Type. */
static enum kind kind_of(const char *ctype)
{
	if (strncasecmp(ctype, "application/x-www-form-urlencoded", 33) == 0)
		return KIND_URLENCODED;
	if (strncasecmp(ctype, "multipart/form-data", 19) == 0)
		return KIND_MULTIPART;
	return KIND_NONE;
}

static void check_fields(const struct form *f, const char *body, size_t len, enum kind k)
{
	check(f->n <= FORM_MAX, "more than FORM_MAX fields");
	if (k == KIND_NONE)
		check(f->n == 0, "fields from a content type that is not a form");
	for (size_t i = 0; i < f->n; i++) {
		const char *name = f->f[i].name, *value = f->f[i].value;
		size_t vlen = f->f[i].len;
		check(name != NULL && value != NULL, "NULL name or value");
		check(strlen(name) <= len, "name longer than the body");
		check(vlen <= len, "value longer than the body");
		check(value[vlen] == '\0', "value not NUL-terminated at its length");
		if (k == KIND_MULTIPART && vlen > 0)
			check(contains(body, len, value, vlen),
			      "multipart value is not a piece of the body");

		/* form_get answers with the first field of that name. */
		size_t j = 0;
		while (strcmp(f->f[j].name, name) != 0)
			j++;
		size_t glen = (size_t)-1;
		const char *got = form_get(f, name, &glen);
		check(got == f->f[j].value, "form_get missed a parsed name");
		check(glen == f->f[j].len, "form_get gave the wrong length");
		check(form_get(f, name, NULL) == got, "form_get differs without len");
	}
	/* The names the pages ask for: found exactly when a field has them. */
	static const char *const asked[] = {"csr", "csrfile", "token", "profile", "days", "reason"};
	for (size_t a = 0; a < sizeof(asked) / sizeof(*asked); a++) {
		bool present = false;
		for (size_t i = 0; i < f->n && !present; i++)
			present = strcmp(f->f[i].name, asked[a]) == 0;
		size_t glen = (size_t)-1;
		const char *got = form_get(f, asked[a], &glen);
		check((got != NULL) == present, "form_get disagrees with the fields");
		if (got == NULL)
			check(glen == 0, "form_get: no field but a length");
	}
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static size_t ref_decode(const char *p, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '+') {
			out[o++] = ' ';
		} else if (p[i] == '%' && n - i >= 3 && hex(p[i + 1]) >= 0 && hex(p[i + 2]) >= 0) {
			out[o++] = (char)(hex(p[i + 1]) << 4 | hex(p[i + 2]));
			i += 2;
		} else {
			out[o++] = p[i];
		}
	}
	return o;
}

/*
 * form.h's urlencoded rules written again as plainly as possible: field k
 * is the k-th non-empty '&'-separated piece, split at its first '=' and
 * decoded; a 13th piece makes the form malformed.
 */
static void reference_urlencoded(const struct form *f, bool ok, const char *body, size_t len)
{
	char *buf = xmalloc(len);
	size_t k = 0, i = 0;
	bool over = false;
	while (i < len && !over) {
		size_t amp = i;
		while (amp < len && body[amp] != '&')
			amp++;
		if (amp > i && k == FORM_MAX) {
			over = true;
		} else if (amp > i) {
			size_t eq = i;
			while (eq < amp && body[eq] != '=')
				eq++;
			check(k < f->n, "urlencoded: a field is missing");
			size_t nl = ref_decode(body + i, eq - i, buf);
			size_t sl = strlen(f->f[k].name);
			check(sl == strnlen(buf, nl) && memcmp(f->f[k].name, buf, sl) == 0,
			      "urlencoded: name differs from the reference");
			size_t vl = eq < amp ? ref_decode(body + eq + 1, amp - eq - 1, buf) : 0;
			check(f->f[k].len == vl && memcmp(f->f[k].value, buf, vl) == 0,
			      "urlencoded: value differs from the reference");
			k++;
		}
		i = amp + 1;
	}
	check(ok == !over, "urlencoded: accepted or refused against the reference");
	check(f->n == k, "urlencoded: field count differs from the reference");
	free(buf);
}

static void same_fields(const struct form *a, const struct form *b)
{
	check(a->n == b->n, "round trip: field count differs");
	for (size_t i = 0; i < a->n; i++) {
		check(strcmp(a->f[i].name, b->f[i].name) == 0, "round trip: name differs");
		check(a->f[i].len == b->f[i].len, "round trip: value length differs");
		check(memcmp(a->f[i].value, b->f[i].value, a->f[i].len) == 0,
		      "round trip: value differs");
	}
}

static char *pct(char *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		*o++ = '%';
		*o++ = hex[c >> 4];
		*o++ = hex[c & 15];
	}
	return o;
}

/* Every field %XX-escaped, '&'-joined: must parse back into f. */
static void roundtrip_urlencoded(const struct form *f)
{
	size_t cap = 1;
	for (size_t i = 0; i < f->n; i++)
		cap += 3 * (strlen(f->f[i].name) + f->f[i].len) + 2;
	char *buf = xmalloc(cap), *o = buf;
	for (size_t i = 0; i < f->n; i++) {
		if (i > 0)
			*o++ = '&';
		o = pct(o, f->f[i].name, strlen(f->f[i].name));
		*o++ = '=';
		o = pct(o, f->f[i].value, f->f[i].len);
	}
	struct form g = {0};
	bool ok = form_parse_body("application/x-www-form-urlencoded", buf, (size_t)(o - buf), &g);
	check(ok, "round trip: urlencoded form refused");
	same_fields(f, &g);
	form_free(&g);
	free(buf);
}

/*
 * Every field as a part with a quoted name. Skipped for a name holding '"'
 * (only an unquoted name can) or a value holding the new delimiter.
 */
static void roundtrip_multipart(const struct form *f)
{
	static const char delim[] = "\r\n--" RT_BOUNDARY;
	static const char head[] = "Content-Disposition: form-data; name=\"";
	size_t cap = sizeof(delim) + 4;
	for (size_t i = 0; i < f->n; i++) {
		if (strchr(f->f[i].name, '"') != NULL ||
		    contains(f->f[i].value, f->f[i].len, delim, sizeof(delim) - 1))
			return;
		cap += sizeof(delim) + sizeof(head) + strlen(f->f[i].name) + 8 + f->f[i].len;
	}
	char *buf = xmalloc(cap), *o = buf;
	for (size_t i = 0; i < f->n; i++) {
		/* The first delimiter needs no CRLF in front. */
		size_t dl = i == 0 ? sizeof(delim) - 3 : sizeof(delim) - 1;
		memcpy(o, i == 0 ? delim + 2 : delim, dl);
		o += dl;
		o += sprintf(o, "\r\n%s%s\"\r\n\r\n", head, f->f[i].name);
		memcpy(o, f->f[i].value, f->f[i].len);
		o += f->f[i].len;
	}
	if (f->n == 0) {
		memcpy(o, delim + 2, sizeof(delim) - 3);
		o += sizeof(delim) - 3;
	} else {
		memcpy(o, delim, sizeof(delim) - 1);
		o += sizeof(delim) - 1;
	}
	memcpy(o, "--\r\n", 4);
	o += 4;
	struct form g = {0};
	bool ok = form_parse_body("multipart/form-data; boundary=" RT_BOUNDARY, buf,
				  (size_t)(o - buf), &g);
	check(ok, "round trip: multipart form refused");
	same_fields(f, &g);
	form_free(&g);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char mp[] = "multipart/form-data; ";
	const char *in = (const char *)data;
	char *ctype;
	const char *body;
	size_t len;

	if (size > 0 && (in[0] == 'm' || in[0] == 'c')) {
		const char *nl = memchr(in + 1, '\n', size - 1);
		size_t line = nl ? (size_t)(nl - in - 1) : size - 1;
		size_t pre = in[0] == 'm' ? sizeof(mp) - 1 : 0;
		ctype = xmalloc(pre + line + 1);
		memcpy(ctype, mp, pre);
		memcpy(ctype + pre, in + 1, line);
		ctype[pre + line] = '\0';
		body = nl ? nl + 1 : in + size;
		len = size - (size_t)(body - in);
	} else {
		static const char ue[] = "application/x-www-form-urlencoded";
		ctype = xmalloc(sizeof(ue));
		memcpy(ctype, ue, sizeof(ue));
		/* An empty body is NULL, as exchange.c passes it. */
		body = size > 1 ? in + 1 : NULL;
		len = size > 1 ? size - 1 : 0;
	}

	enum kind k = kind_of(ctype);
	struct form f = {0};
	bool ok = form_parse_body(ctype, body, len, &f);
	if (k == KIND_NONE)
		check(!ok, "a content type that is not a form parsed");
	check_fields(&f, body, len, k);
	if (k == KIND_URLENCODED) {
		reference_urlencoded(&f, ok, body, len);
		roundtrip_urlencoded(&f);
	} else if (k == KIND_MULTIPART)
		roundtrip_multipart(&f);
	form_free(&f);
	check(f.n == 0, "form_free left fields");
	free(ctype);
	return 0;
}
