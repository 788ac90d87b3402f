/*
 * The code in this file implements http/negotiate.h: the Accept header
 * (RFC 9110 12.5.1) and the media type of Content-Type, parsed without
 * allocating, on input straight from the network (fuzzed by
 * tests/fuzz/fuzz_accept.c and fuzz_ctype.c).
 */
#include <assert.h>
#include <string.h>
#include <strings.h>

#include "http/negotiate.h"

bool http_media_type(const char *ct, char *out, size_t size)
{
	size_t n = 0;
	if (size == 0)
		return false;
	out[0] = '\0';
	if (ct == NULL)
		return true;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	for (; ct[n] && ct[n] != ';' && ct[n] != ' ' && ct[n] != '\t'; n++) {
		if (n + 1 >= size)
			return false;
		char c = ct[n];
		out[n] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	out[n] = '\0';
	return true;
}

/* q of one media range ("text/plain;q=0.5"), 1000ths; -1 if unparsable. */
static int range_q(const char *p, size_t n)
{
	for (size_t i = 0; i + 2 < n; i++) {
		if (p[i] != ';')
			continue;
		size_t j = i + 1;
		while (j < n && p[j] == ' ')
			j++;
		if (j + 2 > n || (p[j] != 'q' && p[j] != 'Q') || p[j + 1] != '=')
			continue;
		j += 2;
		int q = 0, digits = 0;
		if (j < n && p[j] == '1')
			return 1000;
		if (j < n && p[j] == '0') {
			j++;
			if (j < n && p[j] == '.') {
				for (j++; j < n && digits < 3 && p[j] >= '0' && p[j] <= '9'; j++) {
					q = q * 10 + (p[j] - '0');
					digits++;
				}
			}
			while (digits++ < 3)
				q *= 10;
			return q;
		}
		return -1;
	}
	return 1000;
}

/*
 * RFC 9110 12.5.1, kept small: for each format, the q of the most specific
 * range that names it; the best q wins, the default on a tie. No Accept, or
 * nothing acceptable, gives the default (answering beats a 406 here).
 */
int http_negotiate(const char *accept, const char *const *types, int ntypes, int dflt)
{
	int best_q[HTTP_NEGOTIATE_MAX], best_spec[HTTP_NEGOTIATE_MAX];
	assert(ntypes > 0 && ntypes <= HTTP_NEGOTIATE_MAX && dflt >= 0 && dflt < ntypes);
	if (accept == NULL || *accept == '\0')
		return dflt;
	for (int f = 0; f < ntypes; f++)
		best_q[f] = 0, best_spec[f] = -1;

	const char *p = accept;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		size_t tl = 0;
		while (tl < n && p[tl] != ';' && p[tl] != ' ')
			tl++;
		int q = range_q(p, n);
		for (int f = 0; f < ntypes && q >= 0; f++) {
			const char *t = types[f];
			const char *slash = strchr(t, '/');
			size_t major = (size_t)(slash - t);
			int spec = -1;
			if (tl == strlen(t) && strncasecmp(p, t, tl) == 0)
				spec = 2;
			else if (tl == major + 2 && strncasecmp(p, t, major + 1) == 0 &&
				 p[major + 1] == '*')
				spec = 1;
			else if (tl == 3 && strncmp(p, "*/*", 3) == 0)
				spec = 0;
			if (spec > best_spec[f]) {
				best_spec[f] = spec;
				best_q[f] = q;
			}
		}
		p += n;
	}
	int top = 0;
	for (int f = 0; f < ntypes; f++)
		if (best_q[f] > top)
			top = best_q[f];
	if (top == 0 || best_q[dflt] == top)
		return dflt;
	for (int f = 0; f < ntypes; f++)
		if (best_q[f] == top)
			return f;
	return dflt;
}

bool http_content_type(const struct http_req *r, char *out, size_t size)
{
	return http_media_type(http_header(r, "Content-Type"), out, size);
}
