/*
 * The code in this file implements route_match.h.
 */
#include <string.h>

#include "http/route_match.h"

static bool capture(struct http_match *m, const char *p, size_t n)
{
	if (n == 0 || m->n >= HTTP_MAX_PARAMS || n >= sizeof(m->caps[0]))
		return false;
	memcpy(m->caps[m->n], p, n);
	m->caps[m->n][n] = '\0';
	m->n++;
	return true;
}

bool http_route_match(const char *pattern, const char *path, struct http_match *m)
{
	m->n = 0;
	if (*pattern != '/' || *path != '/')
		return false;
	if (strcmp(pattern, "/") == 0)
		return strcmp(path, "/") == 0;
	pattern++;
	path++;
	for (;;) {
		const char *pe = strchr(pattern, '/');
		size_t pl = pe ? (size_t)(pe - pattern) : strlen(pattern);
		const char *se = strchr(path, '/');
		size_t sl = se ? (size_t)(se - path) : strlen(path);

		if (pl >= 3 && pattern[0] == '{' && pattern[pl - 2] == '*' &&
		    pattern[pl - 1] == '}')
			return pe == NULL && capture(m, path, strlen(path));
		if (pattern[0] == '{') {
			const char *close = memchr(pattern, '}', pl);
			if (close == NULL)
				return false;
			size_t suffix = pl - (size_t)(close + 1 - pattern);
			if (sl <= suffix || memcmp(path + sl - suffix, close + 1, suffix) != 0)
				return false;
			if (!capture(m, path, sl - suffix))
				return false;
		} else if (pl != sl || memcmp(pattern, path, pl) != 0) {
			return false;
		}
		if (pe == NULL || se == NULL)
			return pe == NULL && se == NULL;
		pattern = pe + 1;
		path = se + 1;
	}
}
