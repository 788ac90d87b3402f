/*
 * The code in this file implements http/json.h: JSON answers through
 * jansson, and the HTTP date format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "http/json.h"

json_t *json_text(const char *s)
{
	if (s == NULL)
		return json_null();
	json_t *v = json_string(s);
	if (v != NULL)
		return v;
	/* Not UTF-8: keep ASCII, replace every other byte with U+FFFD. */
	struct buf b = {0};
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x80)
			buf_add(&b, p, 1);
		else
			buf_puts(&b, "\xef\xbf\xbd");
	}
	v = b.failed ? NULL : json_string(b.data ? b.data : "");
	buf_free(&b);
	return v ? v : json_null();
}

void http_json(struct http_resp *w, int status, json_t *v)
{
	char *s = v ? json_dumps(v, JSON_INDENT(2)) : NULL;
	json_decref(v);
	if (s == NULL) {
		http_problem(w, CA_ERR_NOMEM, "out of memory building the JSON answer");
		return;
	}
	buf_free(&w->body);
	buf_puts(&w->body, s);
	buf_puts(&w->body, "\n");
	free(s);
	w->status = status;
	w->content_type = "application/json";
}

void http_date(int64_t t, char buf[40])
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	time_t tt = (time_t)t;
	if (gmtime_r(&tt, &tm) == NULL) {
		snprintf(buf, 40, "Thu, 01 Jan 1970 00:00:00 GMT");
		return;
	}
	snprintf(buf, 40, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
		 months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
