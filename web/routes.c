/*
 * The code in this file implements the route table of the service
 * ({method, path pattern, handler}) and its dispatch, plus the small
 * helpers the handlers share (routes.h).
 *
 * Patterns are '/'-separated segments: a literal, "{x}" (one non-empty
 * segment, captured), "{x}.ext" (a segment ending in .ext, the part before
 * captured) or "{x*}" (the non-empty rest of the path, slashes included).
 * The first route whose pattern and method match wins, so the table lists
 * the specific patterns (/certs/{serial}.pem) before the general ones
 * (/certs/{serial}).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "acme/acme_web.h"
#include "pages.h"
#include "routes.h"

struct route {
	const char *method;
	const char *pattern;
	http_handler handler;
};

static const struct route routes[] = {
    /* JSON API */
    {"POST", "/api/v1/certificates", api_issue},
    {"GET", "/api/v1/certificates", api_list},
    {"GET", "/api/v1/certificates/{serial}", api_cert},
    {"POST", "/api/v1/certificates/{serial}/revoke", api_revoke},
    {"GET", "/api/v1/ca", api_ca},
    {"GET", "/healthz", api_healthz},
    {"GET", "/metrics", api_metrics},
    /* downloads and revocation artifacts */
    {"GET", "/ca.pem", art_ca_pem},
    {"GET", "/ca.crt", art_ca_crt},
    {"GET", "/ca.p7b", art_ca_p7b},
    {"GET", "/certs/{serial}.pem", art_cert_pem},
    {"GET", "/certs/{serial}.crt", art_cert_crt},
    {"GET", "/crl", art_crl},
    {"GET", "/crl.pem", art_crl_pem},
    {"POST", "/ocsp", art_ocsp_post},
    {"GET", "/ocsp/{request*}", art_ocsp_get},
    /* HTML pages (pages.c) */
    {"GET", "/", pages_home},
    {"GET", "/certs", pages_certs},
    {"GET", "/certs.csv", pages_certs_csv},
    {"GET", "/certs/{serial}", pages_cert},
    {"POST", "/certs/{serial}/revoke", pages_cert_revoke},
    {"GET", "/request", pages_request},
    {"POST", "/request", pages_request},
    {"GET", "/static/{name}", pages_static},
    /* ACME (web/acme/routes.c dispatches below /acme/) */
    {"GET", "/acme/{rest*}", acme_dispatch},
    {"POST", "/acme/{rest*}", acme_dispatch},
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* Captures point into caps[], which outlives the handler call. */
struct match {
	char caps[HTTP_MAX_PARAMS][1024];
	size_t n;
};

static bool capture(struct match *m, const char *p, size_t n)
{
	if (n == 0 || m->n >= HTTP_MAX_PARAMS || n >= sizeof(m->caps[0]))
		return false;
	memcpy(m->caps[m->n], p, n);
	m->caps[m->n][n] = '\0';
	m->n++;
	return true;
}

static bool match(const char *pattern, const char *path, struct match *m)
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

void routes_dispatch(struct http_req *r, struct http_resp *w)
{
	struct match m = {0};
	const char *method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
	char allow[128] = "";
	bool known = false;

	for (size_t i = 0; i < NROUTES; i++) {
		if (!match(routes[i].pattern, r->path, &m))
			continue;
		if (strcmp(routes[i].method, method) == 0) {
			r->nparams = m.n;
			for (size_t k = 0; k < m.n; k++)
				r->params[k] = m.caps[k];
			routes[i].handler(r, w);
			return;
		}
		known = true;
		if (strstr(allow, routes[i].method) == NULL) {
			size_t len = strlen(allow);
			snprintf(allow + len, sizeof(allow) - len, "%s%s%s", len ? ", " : "",
				 routes[i].method,
				 strcmp(routes[i].method, "GET") == 0 ? ", HEAD" : "");
		}
	}
	if (known) {
		http_set_header(w, "Allow", allow);
		http_problem_code(w, 405, "method-not-allowed",
				  "This path does not take that method; the Allow header lists "
				  "the ones it takes.");
		return;
	}
	http_problem_code(w, 404, "not-found",
			  "There is nothing at this path; the API is under /api/v1/ and the CA "
			  "certificate at /ca.pem.");
}

/* ---- shared helpers ---------------------------------------------------- */

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

bool http_content_type(const struct http_req *r, char *out, size_t size)
{
	const char *ct = http_header(r, "Content-Type");
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

bool http_serial_ok(const char *s, char out[33])
{
	size_t i;
	for (i = 0; s[i] && i < 32; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9')
			out[i] = c;
		else if (c >= 'a' && c <= 'f')
			out[i] = c;
		else if (c >= 'A' && c <= 'F')
			out[i] = (char)(c - 'A' + 'a');
		else
			return false;
	}
	if (i != 32 || s[i] != '\0')
		return false;
	out[32] = '\0';
	return true;
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
