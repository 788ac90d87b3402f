/*
 * Request parameters every front-end reads the same way: the serial of a
 * /certs/{serial} path, and the list query of /certs, /certs.csv and
 * /api/v1/certificates (design "Listing"), with one set of limits.
 */
#ifndef PRIVCA_HTTP_PARAMS_H
#define PRIVCA_HTTP_PARAMS_H

#include <stdbool.h>

#include "http/http.h"

#define HTTP_LIST_LIMIT_DEFAULT 50
#define HTTP_LIST_LIMIT_MAX	500
#define HTTP_LIST_Q_MAX		200   /* bytes of search text */
#define HTTP_LIST_CURSOR_MAX	512   /* bytes; a cursor this server handed out is shorter */
#define HTTP_LIST_WITHIN_MAX	36500 /* days */

/* params[0] of r as a normalized serial (ca_serial_norm) into serial.
 * False: there is none or it is not a serial. */
bool http_serial_param(const struct http_req *r, char serial[33]);

struct http_list_query {
	struct ca_list_query q; /* q.q and q.cursor point into the request */
	/* As given, for forms and links; NULL when absent, empty or "all". */
	const char *status, *sort, *within;
	char problem[160]; /* why the query was refused (parse returned false) */
};

/*
 * Read q, status, sort, within, limit and cursor from r's query string into
 * lq (status all, newest issued first, HTTP_LIST_LIMIT_DEFAULT when absent).
 * Leading spaces of q are dropped; an empty value is an absent one. False:
 * a value is out of its range, and lq->problem says which in a sentence.
 */
bool http_list_query_parse(const struct http_req *r, struct http_list_query *lq);

#endif
