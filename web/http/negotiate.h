/* Content negotiation: Accept and Content-Type. */
#ifndef PRIVCA_HTTP_NEGOTIATE_H
#define PRIVCA_HTTP_NEGOTIATE_H

#include "http/http.h"

#define HTTP_NEGOTIATE_MAX 8

/*
 * The index in types[0..ntypes) (media types like "application/json",
 * 0 < ntypes <= HTTP_NEGOTIATE_MAX) that accept prefers: for each type
 * the q of the most specific range naming it, the best q wins, dflt on a
 * tie. No Accept (NULL or ""), or nothing acceptable, gives dflt
 * (answering beats a 406 here).
 */
int http_negotiate(const char *accept, const char *const *types, int ntypes, int dflt);

/* The media type of a Content-Type value ct, lowercased, without
 * parameters, into out (empty when ct is NULL). False if it does not fit
 * in size bytes. */
bool http_media_type(const char *ct, char *out, size_t size);
/* The same for the request's Content-Type header. */
bool http_content_type(const struct http_req *r, char *out, size_t size);

#endif
