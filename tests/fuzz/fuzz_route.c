/*
 * libFuzzer target for the route matcher (web/http/route_match.c): every
 * request path, attacker-controlled, is matched against every route.
 *
 * Input: a path; or, with a '\n', a pattern before it and a path after
 * (patterns are the service's own, fuzzed for robustness only). Seeds are
 * in tests/fuzz/corpus/fuzz_route.
 *
 * Invariants, for the service's patterns: a match captures one value per
 * "{...}", each non-empty, NUL-terminated and shorter than 1024 bytes; a
 * one-segment capture holds no '/'; the path rebuilt from the pattern and
 * the captures is the path.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/route_match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_route: invariant broken: %s\n", what);
		abort();
	}
}

static const char *const patterns[] = {
    "/",
    "/api/v1/certificates",
    "/api/v1/certificates/{serial}",
    "/api/v1/certificates/{serial}/revoke",
    "/certs/{serial}.chain.pem",
    "/certs/{serial}.pem",
    "/certs/{serial}.crt",
    "/certs/{serial}",
    "/ocsp/{b64*}",
    "/static/{name}",
    "/acme/{rest*}",
};

/* The pattern with m's captures put in: must give path back. */
static void rebuild(const char *pattern, const struct http_match *m, const char *path)
{
	char out[HTTP_MAX_PARAMS * 1024 + 512];
	size_t o = 0, k = 0;
	for (const char *p = pattern; *p;) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			check(close != NULL && k < m->n, "one capture per {...}");
			const char *c = m->caps[k];
			size_t n = strlen(c);
			check(n > 0 && n < 1024, "a capture is non-empty and short");
			check(close[-1] == '*' || strchr(c, '/') == NULL, "a segment holds no '/'");
			check(o + n < sizeof(out), "fits");
			memcpy(out + o, c, n);
			o += n;
			k++;
			p = close + 1;
			continue;
		}
		check(o + 1 < sizeof(out), "fits");
		out[o++] = *p++;
	}
	out[o] = '\0';
	check(k == m->n, "no extra captures");
	check(strcmp(out, path) == 0, "pattern + captures = path");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_match m;
	if (size > 8192)
		return 0;
	char *s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	char *nl = strchr(s, '\n');
	if (nl != NULL) {
		*nl = '\0';
		(void)http_route_match(s, nl + 1, &m); /* any pattern: no crash */
		check(m.n <= HTTP_MAX_PARAMS, "at most HTTP_MAX_PARAMS captures");
	} else {
		for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
			if (http_route_match(patterns[i], s, &m))
				rebuild(patterns[i], &m, s);
	}
	free(s);
	return 0;
}
