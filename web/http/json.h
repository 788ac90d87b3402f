/* JSON answers (jansson) and dates for HTTP headers. */
#ifndef PRIVCA_HTTP_JSON_H
#define PRIVCA_HTTP_JSON_H

#include <jansson.h>

#include "http/http.h"

/* A JSON string for text that may not be valid UTF-8 (certificate fields):
 * invalid bytes become U+FFFD. NULL becomes JSON null. New reference. */
json_t *json_text(const char *s);
/* Answer status with the JSON value (reference stolen) as application/json. */
void http_json(struct http_resp *w, int status, json_t *v);
/* RFC 9110 IMF-fixdate of t into buf (>= 30 bytes). */
void http_date(int64_t t, char buf[40]);

#endif
