/*
 * The code in this file implements the response bookkeeping of http.h:
 * headers (refused, never dropped, past HTTP_MAX_HEADERS), clearing, and
 * the request log's token name and serial.
 */
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

bool http_set_header(struct http_resp *w, const char *name, const char *value)
{
	if (w->nheaders >= HTTP_MAX_HEADERS) {
		w->headers_failed = true;
		return false;
	}
	char *v = strdup(value);
	if (v == NULL) {
		w->headers_failed = true;
		return false;
	}
	w->headers[w->nheaders].name = name;
	w->headers[w->nheaders].value = v;
	w->nheaders++;
	return true;
}

void http_resp_clear(struct http_resp *w)
{
	if (w->stream.done != NULL)
		w->stream.done(w->stream.ctx);
	w->stream = (struct http_stream){0};
	buf_free(&w->body);
	for (size_t i = 0; i < w->nheaders; i++)
		free(w->headers[i].value);
	w->nheaders = 0;
	w->headers_failed = false;
	w->status = 0;
	w->content_type = NULL;
}

void http_resp_token(struct http_resp *w, const struct ca_token *tok)
{
	const char *name = tok ? ca_token_name(tok) : NULL;
	size_t n = name ? strlen(name) : 0;
	if (n < sizeof(w->token_name)) {
		memcpy(w->token_name, name ? name : "", n);
		w->token_name[n] = '\0';
	}
}

void http_resp_serial(struct http_resp *w, const char *serial)
{
	size_t n = serial ? strlen(serial) : 0;
	if (n < sizeof(w->serial)) {
		memcpy(w->serial, serial ? serial : "", n);
		w->serial[n] = '\0';
	}
}
