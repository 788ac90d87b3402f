/*
 * The route matcher: does a request path match a route pattern, and what
 * does it capture? Patterns are '/'-separated segments: a literal, "{x}"
 * (one non-empty segment, captured), "{x}.ext" (a segment ending in .ext,
 * the part before captured) or "{x*}" (the non-empty rest of the path,
 * slashes included). Pure (no libmicrohttpd): fuzzed by tests/fuzz/fuzz_route.c.
 */
#ifndef PRIVCA_HTTP_ROUTE_MATCH_H
#define PRIVCA_HTTP_ROUTE_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "http/http.h"

/* What a match captured: n NUL-terminated captures, each non-empty and
 * shorter than 1024 bytes (a longer one fails the match). */
struct http_match {
	char caps[HTTP_MAX_PARAMS][1024];
	size_t n;
};

/* True if path matches pattern; the captures into *m (reset first). Both
 * must start with '/'. */
bool http_route_match(const char *pattern, const char *path, struct http_match *m);

#endif
