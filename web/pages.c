/*
 * The code in this file implements the HTML pages (pages.h, design section
 * 4 "Pages"): the CA overview, the certificate browser and its CSV export,
 * one certificate, the enrollment form, and the embedded static files.
 *
 * Every byte of HTML goes through html.h, so text from certificates and
 * requests is escaped wherever it lands. Every page works without
 * JavaScript; request.js adds in-browser key generation and copy.js the
 * copy buttons. Pages send a strict Content-Security-Policy: no inline
 * script or style, nothing from another origin.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "form.h"
#include "http/auth.h"
#include "metrics.h"
#include "html.h"
#include "pages.h"

#define CSP                                                                                        \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "                \
	"connect-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; "      \
	"base-uri 'none'"

#define PAGE_SIZE     50
#define BACK_MAX      30 /* previous-page cursors carried in the URL */
#define EXPIRING_DAYS 30

/* ---- response plumbing ------------------------------------------------- */

/* Headers every answer of this file carries (server.c adds
 * X-Content-Type-Options: nosniff to all). Pages are not cached: they show
 * live status. */
static void security_headers(struct http_resp *w, const char *cache)
{
	http_set_header(w, "Content-Security-Policy", CSP);
	http_set_header(w, "Referrer-Policy", "no-referrer");
	http_set_header(w, "Cache-Control", cache ? cache : "no-store");
}

static void send_html(struct http_resp *w, int status)
{
	w->status = status;
	w->content_type = "text/html; charset=utf-8";
	security_headers(w, NULL);
}

static void redirect(struct http_resp *w, const char *location)
{
	buf_free(&w->body);
	w->status = 303;
	w->content_type = "text/plain; charset=utf-8";
	security_headers(w, NULL);
	http_set_header(w, "Location", location);
	buf_puts(&w->body, "See other\n");
}

static char *cn_of(const char *dn);

/* html_page_begin with the CA's common name in the header. */
static void page_begin(const struct http_req *r, struct buf *b, const char *title,
		       enum html_nav nav, const char *const *scripts)
{
	const struct ca_root *root = ca_root(r->ca);
	char *cn = root ? cn_of(root->subject) : NULL;
	html_page_begin(b, title, cn ? cn : root ? root->subject : NULL, nav, scripts);
	free(cn);
}

/* An error page for a person: never echoes the request path (style.md). */
static void error_page(const struct http_req *r, struct http_resp *w, int status, const char *title,
		       const char *detail)
{
	buf_free(&w->body);
	struct buf *b = &w->body;
	page_begin(r, b, title, HTML_NAV_NONE, NULL);
	html_elem(b, "h1", NULL, title);
	html_elem(b, "p", "lead", detail);
	html_lit(b, "<p><a href=\"/\">Back to the overview</a> \xc2\xb7 "
		    "<a href=\"/certs\">Browse certificates</a></p>");
	html_page_end(b);
	send_html(w, status);
}

/* ---- formatting --------------------------------------------------------- */

/* "2026-11-29" and "2026-11-29 20:24:54 UTC". */
static void fmt_date(int64_t t, char out[11])
{
	char s[21];
	ca_time_rfc3339(t, s);
	memcpy(out, s, 10);
	out[10] = '\0';
}

static void fmt_time(int64_t t, char out[24])
{
	char s[21];
	ca_time_rfc3339(t, s);
	snprintf(out, 24, "%.10s %.8s UTC", s, s + 11);
}

/* Whole days from now to t, rounded towards the past (floor). */
static long long days_until(int64_t now, int64_t t)
{
	int64_t d = t - now;
	return (long long)(d >= 0 ? d / 86400 : -((-d + 86399) / 86400));
}

/* "AB:CD:..." from lowercase hex. */
static void colon_hex(const char *hex, struct buf *out)
{
	for (size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
		char c[3] = {(char)toupper((unsigned char)hex[i]),
			     (char)toupper((unsigned char)hex[i + 1]), ':'};
		buf_add(out, c, hex[i + 2] ? 3 : 2);
	}
}

static void upper_hex(const char *hex, struct buf *out)
{
	for (size_t i = 0; hex[i]; i++) {
		char c = (char)toupper((unsigned char)hex[i]);
		buf_add(out, &c, 1);
	}
}

/*
 * The CN value of an RFC 4514 string ("CN=Acme Root,O=Acme" -> "Acme Root"),
 * backslash escapes undone; NULL if there is none. free().
 */
static char *cn_of(const char *dn)
{
	if (dn == NULL)
		return NULL;
	for (const char *p = dn; *p;) {
		bool is_cn = strncmp(p, "CN=", 3) == 0;
		if (is_cn)
			p += 3;
		struct buf v = {0};
		while (*p && *p != ',') {
			if (*p == '\\' && isxdigit((unsigned char)p[1]) &&
			    isxdigit((unsigned char)p[2])) {
				char hex[3] = {p[1], p[2], '\0'};
				char c = (char)strtol(hex, NULL, 16);
				buf_add(&v, &c, 1);
				p += 3;
			} else if (*p == '\\' && p[1]) {
				buf_add(&v, p + 1, 1);
				p += 2;
			} else {
				buf_add(&v, p, 1);
				p++;
			}
		}
		if (is_cn && !v.failed && v.len > 0)
			return v.data;
		buf_free(&v);
		if (*p == ',')
			p++;
	}
	return NULL;
}

/* The name a person looks for: first DNS name, else first IP, else subject. */
static const char *primary_name(const struct ca_cert *c)
{
	if (c->n_dns > 0)
		return c->dns_names[0];
	if (c->n_ip > 0)
		return c->ip_addresses[0];
	return c->subject && *c->subject ? c->subject : c->serial;
}

static const char *status_label(enum ca_status s)
{
	switch (s) {
	case CA_STATUS_VALID:
		return "Valid";
	case CA_STATUS_REVOKED:
		return "Revoked";
	case CA_STATUS_EXPIRED:
		return "Expired";
	default:
		return "Unknown";
	}
}

static void status_badge(struct buf *b, enum ca_status s)
{
	static const char *const cls[CA_STATUS_MAX] = {
	    [CA_STATUS_VALID] = "badge ok",
	    [CA_STATUS_REVOKED] = "badge bad",
	    [CA_STATUS_EXPIRED] = "badge off",
	};
	html_elem(b, "span", (unsigned)s < CA_STATUS_MAX ? cls[s] : "badge", status_label(s));
}

/* "in 12 days" / "today" / "3 days ago", amber when close, grey when past. */
static void days_note(struct buf *b, int64_t now, int64_t t)
{
	long long d = days_until(now, t);
	const char *cls = t <= now ? "days past" : d < EXPIRING_DAYS ? "days soon" : "days";
	html_open(b, "span", "class", cls, NULL);
	if (t <= now && d == 0)
		html_lit(b, "today");
	else if (t <= now)
		html_textf(b, "%lld day%s ago", -d, d == -1 ? "" : "s");
	else if (d == 0)
		html_lit(b, "in less than a day");
	else
		html_textf(b, "in %lld day%s", d, d == 1 ? "" : "s");
	html_close(b, "span");
}

static void time_elem(struct buf *b, int64_t t, bool long_form)
{
	char iso[21], text[24];
	ca_time_rfc3339(t, iso);
	if (long_form)
		fmt_time(t, text);
	else
		fmt_date(t, text);
	html_open(b, "time", "datetime", iso, "title", iso, NULL);
	html_text(b, text);
	html_close(b, "time");
}

static void cert_href(struct buf *out, const char *serial, const char *suffix)
{
	buf_puts(out, "/certs/");
	html_urlenc(out, serial);
	if (suffix)
		buf_puts(out, suffix);
}

/* The certificate table of / and /certs; cells carry data-label for the
 * stacked phone layout. */
static void cert_table(struct buf *b, struct ca_cert *const *items, size_t n, int64_t now)
{
	html_lit(b, "<div class=\"table-wrap\"><table class=\"certs\"><thead><tr>"
		    "<th scope=\"col\">Name</th><th scope=\"col\">Other names</th>"
		    "<th scope=\"col\">Requester</th><th scope=\"col\">Expires</th>"
		    "<th scope=\"col\">Status</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		const struct ca_cert *c = items[i];
		const char *name = primary_name(c);
		struct buf href = {0};
		cert_href(&href, c->serial, NULL);

		html_lit(b, "<tr><td data-label=\"Name\" class=\"name\">");
		html_link(b, href.failed ? "/certs" : href.data, "cert-link", name);
		buf_free(&href);
		if (c->subject && *c->subject) {
			/* The subject is worth showing unless it only repeats the name. */
			size_t nl = strlen(name);
			if (!(strncmp(c->subject, "CN=", 3) == 0 && strlen(c->subject) == nl + 3 &&
			      strcmp(c->subject + 3, name) == 0) &&
			    strcmp(c->subject, name) != 0)
				html_elem(b, "div", "subject", c->subject);
		}
		html_elem(b, "div", "serial mono", c->serial);
		html_lit(b, "</td><td data-label=\"Other names\" class=\"sans\">");
		bool any = false;
		for (size_t k = 0; k < c->n_dns; k++) {
			if (c->dns_names[k] == name)
				continue;
			html_elem(b, "span", "san", c->dns_names[k]);
			any = true;
		}
		for (size_t k = 0; k < c->n_ip; k++) {
			if (c->ip_addresses[k] == name)
				continue;
			html_elem(b, "span", "san", c->ip_addresses[k]);
			any = true;
		}
		if (!any)
			html_lit(b, "<span class=\"muted\">\xe2\x80\x94</span>");
		html_lit(b, "</td><td data-label=\"Requester\">");
		html_text(b, c->requester);
		html_lit(b, "</td><td data-label=\"Expires\" class=\"expires\">");
		time_elem(b, c->not_after, false);
		html_lit(b, " ");
		if (c->status == CA_STATUS_REVOKED)
			html_lit(b, "<span class=\"days\">revoked</span>");
		else
			days_note(b, now, c->not_after);
		html_lit(b, "</td><td data-label=\"Status\">");
		status_badge(b, c->status);
		html_lit(b, "</td></tr>\n");
	}
	html_lit(b, "</tbody></table></div>");
}

/* ---- forms (form.h) ------------------------------------------------------ */

/* Parse the request body as a form. False: not a form or malformed. */
static bool form_parse(const struct http_req *r, struct form *f)
{
	return form_parse_body(http_header(r, "Content-Type"), (const char *)r->body, r->body_len,
			       f);
}

/* A refusal box: what was refused, in words, and the sentence from the core. */
static void refusal(struct buf *b, const char *what, const char *detail)
{
	html_lit(b, "<div class=\"alert bad\" role=\"alert\" id=\"refusal\"><strong>");
	html_text(b, what);
	html_lit(b, "</strong><p>");
	html_text(b, detail);
	html_lit(b, "</p></div>");
}

static const char *refusal_title(enum ca_err e)
{
	switch (e) {
	case CA_ERR_UNAUTHORIZED:
		return "The token was not accepted";
	case CA_ERR_FORBIDDEN:
		return "This token may not do that";
	case CA_ERR_NAME_NOT_ALLOWED:
		return "A name is outside this token's policy";
	case CA_ERR_BAD_CSR:
		return "The certificate request could not be read";
	case CA_ERR_BAD_SIGNATURE:
		return "The certificate request's signature does not verify";
	case CA_ERR_WEAK_KEY:
		return "The key or signature algorithm is refused";
	case CA_ERR_ALREADY_REVOKED:
		return "The certificate is already revoked";
	case CA_ERR_NOT_FOUND:
		return "Not found";
	case CA_ERR_BAD_REQUEST:
		return "The request was refused";
	default:
		return "The server could not complete the request";
	}
}

/* ---- / --------------------------------------------------------------------- */

static void count_tile(struct buf *b, const char *href, const char *cls, uint64_t n,
		       const char *label)
{
	html_open(b, "a", "class", cls, "href", href, NULL);
	html_open(b, "span", "class", "num", NULL);
	html_textf(b, "%llu", (unsigned long long)n);
	html_close(b, "span");
	html_elem(b, "span", "label", label);
	html_close(b, "a");
}

/* "ECDSA P-256, 256 bits" from a certificate, or fallback. */
static void key_text(struct buf *b, const uint8_t *der, size_t len, const char *fallback)
{
	struct ca_cert_info *ci = NULL;
	if (ca_cert_info(der, len, &ci, NULL) != CA_OK) {
		html_text(b, fallback);
		return;
	}
	html_text(b, ci->key_type);
	if (ci->key_curve) {
		html_lit(b, " ");
		html_text(b, ci->key_curve);
	}
	if (ci->key_bits)
		html_textf(b, ", %u bits", ci->key_bits);
	ca_cert_info_free(ci);
}

static void fingerprint_row(struct buf *b, const char *label, const char *hex, const char *id)
{
	struct buf fp = {0};
	colon_hex(hex, &fp);
	html_lit(b, "<div class=\"kv\"><dt>");
	html_text(b, label);
	html_lit(b, "</dt><dd>");
	html_open(b, "code", "class", "fp", "id", id, NULL);
	html_text(b, fp.failed ? "" : fp.data);
	html_lit(b, "</code> ");
	html_open(b, "button", "type", "button", "class", "copy", "data-copy", id, "hidden", "",
		  NULL);
	html_lit(b, "Copy</button></dd></div>");
	buf_free(&fp);
}

void pages_home(const struct http_req *r, struct http_resp *w)
{
	struct buf *b = &w->body;
	const struct ca_root *root = ca_root(r->ca);
	const struct ca_settings *set = ca_settings(r->ca);
	int64_t now = ca_now(r->ca);
	struct ca_error err = {{0}};
	struct ca_counts counts = {0};
	struct ca_cert_list latest = {0};
	static const char *const scripts[] = {"/static/copy.js", NULL};

	enum ca_err e = ca_count(r->ca, &counts, &err);
	if (e == CA_OK) {
		struct ca_list_query q = {.status = -1, .limit = 10, .sort = CA_SORT_ISSUED};
		e = ca_list(r->ca, &q, &latest, &err);
	}
	if (e != CA_OK || root == NULL) {
		error_page(r, w, 500, "The CA is not available",
			   "The certificate store could not be read. Try again; if it persists, "
			   "the operator will find the reason in the server log.");
		fprintf(stderr, "privca: pages_home: %s\n", err.detail);
		ca_cert_list_free(&latest);
		return;
	}

	page_begin(r, b, "Certificate authority", HTML_NAV_HOME, scripts);
	char *cn = cn_of(root->subject);
	html_lit(b, "<section class=\"hero\"><p class=\"eyebrow\">Private certificate "
		    "authority</p><h1>");
	html_text(b, cn ? cn : root->subject);
	free(cn);
	html_lit(b, "</h1><p class=\"lead\">Install this root on your machines to trust "
		    "the certificates it issues, find your team's certificates, or request a "
		    "new one.</p>"
		    "<form class=\"quick-search\" method=\"get\" action=\"/certs\" role=\"search\">"
		    "<label for=\"home-q\">Find a certificate</label><div class=\"row\">"
		    "<input id=\"home-q\" name=\"q\" type=\"search\" "
		    "placeholder=\"Name, IP address or serial\" autocomplete=\"off\">"
		    "<button type=\"submit\">Search</button></div></form></section>");

	/* Root certificate card */
	html_lit(b, "<div class=\"grid2\"><section class=\"card\" aria-labelledby=\"root-h\">"
		    "<h2 id=\"root-h\">Root certificate</h2><dl class=\"kvs\">");
	html_lit(b, "<div class=\"kv\"><dt>Subject</dt><dd>");
	html_text(b, root->subject);
	html_lit(b, "</dd></div><div class=\"kv\"><dt>Valid from</dt><dd>");
	time_elem(b, root->not_before, true);
	html_lit(b, "</dd></div><div class=\"kv\"><dt>Valid until</dt><dd>");
	time_elem(b, root->not_after, true);
	html_lit(b, " ");
	days_note(b, now, root->not_after);
	html_lit(b, "</dd></div><div class=\"kv\"><dt>Key</dt><dd>");
	key_text(b, root->der, root->der_len, ca_key_type_name(root->key_type));
	html_lit(b, "</dd></div>");
	fingerprint_row(b, "SHA-256 fingerprint", root->fingerprint_sha256, "fp-sha256");
	fingerprint_row(b, "SHA-1 thumbprint", root->fingerprint_sha1, "fp-sha1");
	html_lit(b,
		 "</dl><div class=\"downloads\">"
		 "<a class=\"button primary\" href=\"/ca.pem\" download=\"privca-root.pem\">"
		 "Download PEM</a>"
		 "<a class=\"button\" href=\"/ca.crt\" download=\"privca-root.crt\">DER (.crt)</a>"
		 "<a class=\"button\" href=\"/ca.p7b\" download=\"privca-root.p7b\">"
		 "PKCS#7 (.p7b)</a>"
		 "<a class=\"button\" href=\"/crl\" download=\"privca.crl\">CRL</a></div>"
		 "<p class=\"hint\">PEM for Linux, macOS and most tools; DER for Windows and "
		 "Java; PKCS#7 for Windows and Exchange imports.</p></section>");

	/* Counts */
	html_lit(b, "<section class=\"card\" aria-labelledby=\"counts-h\">"
		    "<h2 id=\"counts-h\">Certificates</h2><div class=\"tiles\">");
	count_tile(b, "/certs?status=valid", "tile ok", counts.valid, "valid");
	count_tile(b, "/certs?status=valid&within=30&sort=expires", "tile soon",
		   counts.expiring_30d, "expiring within 30 days");
	count_tile(b, "/certs?status=revoked", "tile bad", counts.revoked, "revoked");
	count_tile(b, "/certs?status=expired", "tile off", counts.expired, "expired");
	html_lit(b, "</div><p><a class=\"button primary\" href=\"/request\">Request a "
		    "certificate</a> <a class=\"button\" href=\"/certs\">Browse all</a></p>"
		    "</section></div>");

	/* Install steps, with this CA's URL and fingerprints filled in */
	struct buf fp256 = {0}, fp256u = {0}, fp1 = {0};
	colon_hex(root->fingerprint_sha256, &fp256);
	upper_hex(root->fingerprint_sha256, &fp256u);
	upper_hex(root->fingerprint_sha1, &fp1);
	const char *base = set && set->base_url ? set->base_url : "";
	const char *vars[] = {"base",
			      base,
			      "sha256",
			      fp256.failed ? "" : fp256.data,
			      "sha256_upper",
			      fp256u.failed ? "" : fp256u.data,
			      "sha1",
			      fp1.failed ? "" : fp1.data,
			      NULL};
	html_template(b, "install.html", vars);
	buf_free(&fp256);
	buf_free(&fp256u);
	buf_free(&fp1);

	/* Latest certificates */
	html_lit(b, "<section aria-labelledby=\"latest-h\"><div class=\"section-head\">"
		    "<h2 id=\"latest-h\">Latest certificates</h2>"
		    "<a href=\"/certs\">All certificates \xe2\x86\x92</a></div>");
	if (latest.n == 0)
		html_lit(b, "<p class=\"empty\">Nothing issued yet. "
			    "<a href=\"/request\">Request the first certificate</a>.</p>");
	else
		cert_table(b, latest.items, latest.n, now);
	html_lit(b, "</section>");
	ca_cert_list_free(&latest);
	html_page_end(b);
	send_html(w, 200);
}

/* ---- /certs and /certs.csv ------------------------------------------------ */

struct certs_query {
	struct ca_list_query q;
	const char *status; /* as given, for the form and links */
	const char *sort;
	const char *within;
	const char *back[BACK_MAX];
	size_t nback;
	bool trunc; /* older back cursors were dropped */
	char problem[160];
};

/* Read and check the query of /certs and /certs.csv. */
static bool certs_query_parse(const struct http_req *r, struct certs_query *cq)
{
	memset(cq, 0, sizeof(*cq));
	cq->q.status = -1;
	cq->q.limit = PAGE_SIZE;
	cq->q.sort = CA_SORT_ISSUED;

	const char *q = http_query(r, "q");
	if (q != NULL) {
		while (*q == ' ')
			q++;
		if (*q)
			cq->q.q = q;
		if (strlen(q) > 200) {
			snprintf(cq->problem, sizeof(cq->problem),
				 "The search text is longer than 200 characters.");
			return false;
		}
	}
	const char *st = http_query(r, "status");
	if (st != NULL && *st && strcmp(st, "all") != 0) {
		int s = -1;
		for (int i = 0; i < CA_STATUS_MAX; i++)
			if (strcmp(st, ca_status_name((enum ca_status)i)) == 0)
				s = i;
		if (s < 0) {
			snprintf(cq->problem, sizeof(cq->problem),
				 "Status must be all, valid, revoked or expired.");
			return false;
		}
		cq->q.status = s;
		cq->status = st;
	}
	const char *so = http_query(r, "sort");
	if (so != NULL && *so) {
		if (strcmp(so, "expires") == 0)
			cq->q.sort = CA_SORT_EXPIRES;
		else if (strcmp(so, "issued") != 0) {
			snprintf(cq->problem, sizeof(cq->problem),
				 "Sort must be issued or expires.");
			return false;
		}
		cq->sort = so;
	}
	const char *wi = http_query(r, "within");
	if (wi != NULL && *wi) {
		char *end;
		errno = 0;
		long d = strtol(wi, &end, 10);
		if (errno || *end || d < 1 || d > 36500) {
			snprintf(cq->problem, sizeof(cq->problem),
				 "\"Expires within\" must be a number of days from 1 to 36500.");
			return false;
		}
		cq->q.expires_within_days = (int)d;
		cq->within = wi;
	}
	const char *li = http_query(r, "limit");
	if (li != NULL && *li) {
		char *end;
		long n = strtol(li, &end, 10);
		if (*end || n < 1 || n > 500) {
			snprintf(cq->problem, sizeof(cq->problem),
				 "Limit must be a number from 1 to 500.");
			return false;
		}
		cq->q.limit = (int)n;
	}
	const char *cur = http_query(r, "cursor");
	if (cur != NULL && *cur)
		cq->q.cursor = cur;
	cq->nback = http_query_all(r, "back", cq->back, BACK_MAX);
	const char *tr = http_query(r, "trunc");
	cq->trunc = tr != NULL && strcmp(tr, "1") == 0;
	return true;
}

/* The filter part of a /certs URL (no cursor), into q. */
static void certs_filters(struct buf *q, const struct certs_query *cq, int limit)
{
	html_query_add(q, "q", cq->q.q);
	html_query_add(q, "status", cq->status);
	html_query_add(q, "within", cq->within);
	html_query_add(q, "sort", cq->sort);
	if (limit != PAGE_SIZE) {
		char l[16];
		snprintf(l, sizeof(l), "%d", limit);
		html_query_add(q, "limit", l);
	}
}

static void option(struct buf *b, const char *value, const char *label, const char *current)
{
	bool sel = current ? strcmp(current, value) == 0 : *value == '\0';
	html_open(b, "option", "value", value, "selected", sel ? "" : NULL, NULL);
	html_text(b, label);
	html_close(b, "option");
}

static void certs_form(struct buf *b, const struct certs_query *cq)
{
	html_lit(b, "<form class=\"filters\" method=\"get\" action=\"/certs\" role=\"search\">"
		    "<div class=\"field grow\"><label for=\"q\">Search</label>");
	html_open(b, "input", "id", "q", "name", "q", "type", "search", "value", cq->q.q,
		  "placeholder", "Name, IP address, subject or serial", "autocomplete", "off",
		  NULL);
	html_lit(b, "</div><div class=\"field\"><label for=\"status\">Status</label>"
		    "<select id=\"status\" name=\"status\">");
	option(b, "", "All", cq->status);
	option(b, "valid", "Valid", cq->status);
	option(b, "revoked", "Revoked", cq->status);
	option(b, "expired", "Expired", cq->status);
	html_lit(b, "</select></div><div class=\"field\"><label for=\"within\">Expires within "
		    "(days)</label>");
	html_open(b, "input", "id", "within", "name", "within", "type", "number", "min", "1", "max",
		  "36500", "inputmode", "numeric", "value", cq->within, "placeholder", "any", NULL);
	html_lit(b, "</div><div class=\"field\"><label for=\"sort\">Sort by</label>"
		    "<select id=\"sort\" name=\"sort\">");
	option(b, "", "Newest issued", cq->sort);
	option(b, "expires", "Expiry", cq->sort);
	html_lit(b, "</select></div><div class=\"field actions\"><button type=\"submit\" "
		    "class=\"primary\">Search</button>");
	if (cq->q.q || cq->status || cq->within || cq->sort)
		html_lit(b, "<a class=\"button\" href=\"/certs\">Clear</a>");
	html_lit(b, "</div></form>");
}

void pages_certs(const struct http_req *r, struct http_resp *w)
{
	struct buf *b = &w->body;
	struct certs_query cq;
	struct ca_cert_list list = {0};
	struct ca_error err = {{0}};
	int64_t now = ca_now(r->ca);
	int status = 200;

	bool ok = certs_query_parse(r, &cq);
	enum ca_err e = CA_OK;
	if (ok) {
		e = ca_list(r->ca, &cq.q, &list, &err);
		if (e != CA_OK)
			status = http_status_of(e);
	} else {
		status = 400;
	}

	page_begin(r, b, "Certificates", HTML_NAV_CERTS, NULL);
	html_lit(b, "<div class=\"section-head\"><h1>Certificates</h1>");
	struct buf csv = {0};
	buf_puts(&csv, "/certs.csv");
	certs_filters(&csv, &cq, PAGE_SIZE);
	html_open(b, "a", "class", "button", "href", csv.failed ? "/certs.csv" : csv.data,
		  "download", "certificates.csv", NULL);
	html_lit(b, "Export CSV</a></div>");
	buf_free(&csv);
	certs_form(b, &cq);

	if (!ok) {
		refusal(b, "The search could not be run", cq.problem);
	} else if (e != CA_OK) {
		if (status >= 500)
			fprintf(stderr, "privca: pages_certs: %s\n", err.detail);
		refusal(b, "The search could not be run",
			status >= 500 ? "The certificate store could not be read; try again."
				      : err.detail);
	} else if (list.n == 0) {
		html_lit(b, "<p class=\"empty\">");
		html_lit(b, cq.q.cursor ? "No more certificates."
					: "No certificate matches. Try part of a name, an IP "
					  "address or a serial, or clear the filters.");
		html_lit(b, "</p>");
	} else {
		size_t page = cq.q.cursor ? cq.nback + 2 : 1;
		html_open(b, "p", "class", "summary", "aria-live", "polite", NULL);
		if (cq.trunc)
			html_textf(b, "%zu certificate%s on this page", list.n,
				   list.n == 1 ? "" : "s");
		else
			html_textf(b, "Page %zu \xc2\xb7 %zu certificate%s", page, list.n,
				   list.n == 1 ? "" : "s");
		html_lit(b, "</p>");
		cert_table(b, list.items, list.n, now);
	}

	/* Keyset paging: next carries the current cursor onto the back stack,
	 * previous pops it (browser back works too). */
	if (ok && e == CA_OK && (cq.q.cursor || list.next_cursor)) {
		html_lit(b, "<nav class=\"pager\" aria-label=\"Pages\">");
		if (cq.q.cursor) {
			struct buf prev = {0};
			buf_puts(&prev, "/certs");
			certs_filters(&prev, &cq, cq.q.limit);
			if (cq.nback > 0) {
				html_query_add(&prev, "cursor", cq.back[cq.nback - 1]);
				for (size_t i = 0; i + 1 < cq.nback; i++)
					html_query_add(&prev, "back", cq.back[i]);
				if (cq.trunc)
					html_query_add(&prev, "trunc", "1");
			}
			html_open(b, "a", "class", "button", "rel", "prev", "href",
				  prev.failed ? "/certs" : prev.data, NULL);
			html_lit(b, cq.nback == 0 && cq.trunc ? "\xe2\x86\x90 First page"
							      : "\xe2\x86\x90 Previous");
			html_lit(b, "</a>");
			buf_free(&prev);
		}
		if (list.next_cursor) {
			struct buf next = {0};
			buf_puts(&next, "/certs");
			certs_filters(&next, &cq, cq.q.limit);
			html_query_add(&next, "cursor", list.next_cursor);
			bool trunc = cq.trunc;
			size_t first = 0;
			size_t total = cq.nback + (cq.q.cursor ? 1 : 0);
			if (total > BACK_MAX) {
				first = total - BACK_MAX;
				trunc = true;
			}
			for (size_t i = first; i < cq.nback; i++)
				html_query_add(&next, "back", cq.back[i]);
			if (cq.q.cursor)
				html_query_add(&next, "back", cq.q.cursor);
			if (trunc)
				html_query_add(&next, "trunc", "1");
			html_open(b, "a", "class", "button", "rel", "next", "href",
				  next.failed ? "/certs" : next.data, NULL);
			html_lit(b, "Next \xe2\x86\x92</a>");
			buf_free(&next);
		}
		html_lit(b, "</nav>");
	}
	ca_cert_list_free(&list);
	html_page_end(b);
	send_html(w, status);
}

/* One CSV cell (RFC 4180): a cell a spreadsheet would read as a formula
 * (= + - @, tab, CR) gets a leading apostrophe (OWASP CSV injection);
 * quoted when it holds a comma, quote, CR or LF. */
static void csv_cell(struct buf *b, const char *s, bool first)
{
	if (!first)
		buf_puts(b, ",");
	if (s == NULL)
		return;
	bool formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
	bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		buf_puts(b, "\"");
	if (formula)
		buf_puts(b, "'");
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_puts(b, "\"\"");
		else
			buf_add(b, p, 1);
	}
	if (quote)
		buf_puts(b, "\"");
}

static void csv_join(struct buf *b, char *const *v, size_t n)
{
	struct buf j = {0};
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_puts(&j, " ");
		buf_puts(&j, v[i]);
	}
	csv_cell(b, j.failed ? NULL : (j.data ? j.data : ""), false);
	if (j.failed)
		b->failed = true;
	buf_free(&j);
}

/*
 * The export is streamed a store page at a time (http_stream): memory per
 * download is one page, whatever the size of the store, and the first
 * byte leaves at once. Rows are the list of the same query, walked with
 * keyset cursors; certificates issued during the download are not in it.
 */
#define CSV_PAGE 500

struct csv_export {
	struct ca *ca;
	struct ca_list_query q; /* q.q and q.cursor owned */
	int64_t now;
	bool more;
	enum ca_err err;
	struct ca_error detail;
};

static void csv_row(struct buf *b, const struct ca_cert *c, int64_t now)
{
	char nb[21], na[21], ra[21] = "", days[24];
	ca_time_rfc3339(c->not_before, nb);
	ca_time_rfc3339(c->not_after, na);
	if (c->revoked_at)
		ca_time_rfc3339(c->revoked_at, ra);
	snprintf(days, sizeof(days), "%lld", days_until(now, c->not_after));
	csv_cell(b, c->serial, true);
	csv_cell(b, primary_name(c), false);
	csv_cell(b, c->subject, false);
	csv_join(b, c->dns_names, c->n_dns);
	csv_join(b, c->ip_addresses, c->n_ip);
	csv_cell(b, nb, false);
	csv_cell(b, na, false);
	csv_cell(b, days, false);
	csv_cell(b, ca_status_name(c->status), false);
	csv_cell(b, ca_profile_name(c->profile), false);
	csv_cell(b, c->requester, false);
	csv_cell(b, ra, false);
	csv_cell(b, c->status == CA_STATUS_REVOKED ? ca_reason_name(c->reason) : "", false);
	buf_puts(b, "\r\n");
}

/* http_stream fill: the next page of rows. */
static bool csv_fill(void *ctx, struct buf *b)
{
	struct csv_export *x = ctx;
	if (!x->more)
		return false;
	struct ca_cert_list list = {0};
	x->err = ca_list(x->ca, &x->q, &list, &x->detail);
	free((char *)x->q.cursor);
	x->q.cursor = NULL;
	if (x->err != CA_OK) {
		fprintf(stderr, "privca: certs.csv cut short: %s\n", x->detail.detail);
		b->failed = true;
		x->more = false;
		return false;
	}
	for (size_t i = 0; i < list.n; i++)
		csv_row(b, list.items[i], x->now);
	x->more = list.next_cursor != NULL && list.n > 0;
	if (x->more) {
		x->q.cursor = list.next_cursor; /* taken over */
		list.next_cursor = NULL;
	}
	ca_cert_list_free(&list);
	return x->more;
}

static void csv_done(void *ctx)
{
	struct csv_export *x = ctx;
	free((char *)x->q.q);
	free((char *)x->q.cursor);
	free(x);
}

void pages_certs_csv(const struct http_req *r, struct http_resp *w)
{
	struct certs_query cq;
	if (!certs_query_parse(r, &cq)) {
		http_problem(w, CA_ERR_BAD_REQUEST, cq.problem);
		return;
	}
	struct csv_export *x = calloc(1, sizeof(*x));
	if (x == NULL || (cq.q.q != NULL && (x->q.q = strdup(cq.q.q)) == NULL)) {
		free(x);
		http_problem(w, CA_ERR_NOMEM, "out of memory");
		return;
	}
	/* The whole result of the query, whatever page the browser was on. */
	x->ca = r->ca;
	x->q.status = cq.q.status;
	x->q.sort = cq.q.sort;
	x->q.expires_within_days = cq.q.expires_within_days;
	x->q.limit = CSV_PAGE;
	x->now = ca_now(r->ca);
	x->more = true;

	/* The first page now: a failure can still be a proper answer. */
	struct buf *b = &w->body;
	buf_puts(b, "serial,name,subject,dns_names,ip_addresses,not_before,not_after,"
		    "days_left,status,profile,requester,revoked_at,revocation_reason\r\n");
	bool more = csv_fill(x, b);
	if (x->err != CA_OK || b->failed) {
		buf_free(b);
		http_problem(w, x->err != CA_OK ? x->err : CA_ERR_NOMEM,
			     x->err != CA_OK ? x->detail.detail : "out of memory");
		csv_done(x);
		return;
	}
	if (more)
		w->stream = (struct http_stream){csv_fill, csv_done, x};
	else
		csv_done(x);
	w->status = 200;
	w->content_type = "text/csv; charset=utf-8; header=present";
	security_headers(w, NULL);
	http_set_header(w, "Content-Disposition", "attachment; filename=\"certificates.csv\"");
}

/* ---- /certs/{serial} ------------------------------------------------------- */

static void kv_text(struct buf *b, const char *k, const char *v, const char *cls)
{
	html_lit(b, "<div class=\"kv\"><dt>");
	html_text(b, k);
	html_lit(b, "</dt><dd>");
	html_open(b, "span", "class", cls, NULL);
	html_text(b, v);
	html_lit(b, "</span></dd></div>");
}

/* Downloads that are not the API's: chain PEM and PKCS#7. */
static void cert_download(const struct http_req *r, struct http_resp *w, const struct ca_cert *c,
			  const char *kind)
{
	const struct ca_root *root = ca_root(r->ca);
	char disp[96];
	if (strcmp(kind, ".pem") == 0 || strcmp(kind, ".chain.pem") == 0) {
		char *pem = ca_cert_pem(c);
		if (pem == NULL) {
			http_problem(w, CA_ERR_NOMEM, "out of memory");
			return;
		}
		buf_puts(&w->body, pem);
		free(pem);
		if (strcmp(kind, ".chain.pem") == 0)
			buf_puts(&w->body, root->pem);
		w->content_type = "application/x-pem-file";
	} else if (strcmp(kind, ".crt") == 0 || strcmp(kind, ".der") == 0) {
		buf_add(&w->body, c->der, c->der_len);
		w->content_type = "application/pkix-cert";
	} else {
		const uint8_t *certs[2] = {c->der, root->der};
		size_t lens[2] = {c->der_len, root->der_len};
		uint8_t *p7 = NULL;
		size_t p7len = 0;
		if (ca_p7b(certs, lens, 2, &p7, &p7len) != CA_OK) {
			http_problem(w, CA_ERR_INTERNAL, "could not build the PKCS#7 bundle");
			return;
		}
		buf_add(&w->body, p7, p7len);
		free(p7);
		w->content_type = "application/pkcs7-mime";
	}
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s%s\"", c->serial, kind);
	security_headers(w, NULL);
	http_set_header(w, "Content-Disposition", disp);
	w->status = 200;
}

static const char *const reason_labels[CA_REASON_MAX] = {
    [CA_REASON_UNSPECIFIED] = "Unspecified",
    [CA_REASON_KEY_COMPROMISE] = "Key compromise",
    [CA_REASON_AFFILIATION_CHANGED] = "Affiliation changed",
    [CA_REASON_SUPERSEDED] = "Superseded",
    [CA_REASON_CESSATION_OF_OPERATION] = "Cessation of operation",
};

static void reason_options(struct buf *b)
{
	for (int i = 0; i < CA_REASON_MAX; i++) {
		const char *name = ca_reason_name((enum ca_reason)i);
		if (name == NULL || reason_labels[i] == NULL)
			continue;
		html_open(b, "option", "value", name, NULL);
		html_text(b, reason_labels[i]);
		html_close(b, "option");
	}
}

/* The detail page body. notice: a banner ("issued", "revoked") or NULL;
 * problem_title/problem: a refusal to show above the revoke form. */
static void cert_page(const struct http_req *r, struct http_resp *w, const struct ca_cert *c,
		      const char *notice, const char *problem_title, const char *problem,
		      int status)
{
	struct buf *b = &w->body;
	int64_t now = ca_now(r->ca);
	struct ca_cert_info *ci = NULL;
	struct ca_error err = {{0}};
	static const char *const scripts[] = {"/static/copy.js", NULL};
	const char *name = primary_name(c);
	char *pem = ca_cert_pem(c);

	if (ca_cert_info(c->der, c->der_len, &ci, &err) != CA_OK)
		ci = NULL; /* shown without the decoded details */

	buf_free(b);
	page_begin(r, b, name, HTML_NAV_CERTS, scripts);
	html_lit(b, "<p class=\"crumbs\"><a href=\"/certs\">Certificates</a> /</p>"
		    "<div class=\"title-row\"><h1 class=\"cert-name\">");
	html_text(b, name);
	html_lit(b, "</h1>");
	status_badge(b, c->status);
	html_lit(b, "</div>");

	if (notice && strcmp(notice, "issued") == 0)
		html_lit(b, "<div class=\"alert ok\" role=\"status\" id=\"notice\"><strong>"
			    "Certificate issued.</strong><p>Download it below; the chain file "
			    "holds it followed by the CA certificate.</p></div>");
	else if (notice && strcmp(notice, "revoked") == 0)
		html_lit(b, "<div class=\"alert ok\" role=\"status\" id=\"notice\"><strong>"
			    "Certificate revoked.</strong><p>The CRL and OCSP answers "
			    "reflect it now.</p></div>");
	if (problem)
		refusal(b, problem_title, problem);

	/* Names and validity */
	html_lit(b, "<div class=\"grid2\"><section class=\"card\"><h2>Names</h2>"
		    "<dl class=\"kvs\">");
	kv_text(b, "Subject", c->subject && *c->subject ? c->subject : "(empty)", "subject-text");
	html_lit(b, "<div class=\"kv\"><dt>DNS names</dt><dd><ul class=\"names\">");
	for (size_t i = 0; i < c->n_dns; i++)
		html_elem(b, "li", NULL, c->dns_names[i]);
	if (c->n_dns == 0)
		html_lit(b, "<li class=\"muted\">none</li>");
	html_lit(b, "</ul></dd></div><div class=\"kv\"><dt>IP addresses</dt><dd>"
		    "<ul class=\"names\">");
	for (size_t i = 0; i < c->n_ip; i++)
		html_elem(b, "li", NULL, c->ip_addresses[i]);
	if (c->n_ip == 0)
		html_lit(b, "<li class=\"muted\">none</li>");
	html_lit(b, "</ul></dd></div>");
	if (ci)
		kv_text(b, "Issuer", ci->issuer, NULL);
	html_lit(b, "</dl></section><section class=\"card\"><h2>Validity and status</h2>"
		    "<dl class=\"kvs\"><div class=\"kv\"><dt>Status</dt><dd>");
	status_badge(b, c->status);
	if (c->status == CA_STATUS_REVOKED) {
		html_lit(b, " <span class=\"revoked-info\">on ");
		time_elem(b, c->revoked_at, true);
		html_lit(b, ", reason: ");
		const char *rn =
		    (unsigned)c->reason < CA_REASON_MAX ? reason_labels[c->reason] : NULL;
		html_text(b, rn ? rn : "unknown");
		html_lit(b, "</span>");
	}
	html_lit(b, "</dd></div><div class=\"kv\"><dt>Not before</dt><dd>");
	time_elem(b, c->not_before, true);
	html_lit(b, "</dd></div><div class=\"kv\"><dt>Not after</dt><dd>");
	time_elem(b, c->not_after, true);
	html_lit(b, "</dd></div><div class=\"kv\"><dt>Days left</dt><dd>");
	if (c->not_after > now)
		html_textf(b, "%lld", days_until(now, c->not_after));
	else
		days_note(b, now, c->not_after);
	html_lit(b, "</dd></div>");
	kv_text(b, "Requester", c->requester, NULL);
	kv_text(b, "Profile", ca_profile_name(c->profile), NULL);
	html_lit(b, "<div class=\"kv\"><dt>Issued</dt><dd>");
	time_elem(b, c->created_at ? c->created_at : c->not_before, true);
	html_lit(b, "</dd></div></dl></section></div>");

	/* Identity: serial, key, fingerprints */
	html_lit(b, "<section class=\"card\"><h2>Identity</h2><dl class=\"kvs wide\">");
	kv_text(b, "Serial (hex)", c->serial, "mono");
	struct buf sc = {0};
	colon_hex(c->serial, &sc);
	kv_text(b, "Serial (with colons)", sc.failed ? "" : sc.data, "mono");
	buf_free(&sc);
	if (ci) {
		kv_text(b, "Serial (decimal)", ci->serial_dec, "mono");
		html_lit(b, "<div class=\"kv\"><dt>Public key</dt><dd>");
		key_text(b, c->der, c->der_len, ci->key_type);
		html_lit(b, "</dd></div>");
		kv_text(b, "Signature algorithm", ci->sig_alg, NULL);
	}
	fingerprint_row(b, "SHA-256 fingerprint", c->fingerprint_sha256, "fp-sha256");
	if (ci)
		fingerprint_row(b, "SHA-1 thumbprint", ci->fingerprint_sha1, "fp-sha1");
	html_lit(b, "</dl></section>");

	/* Extensions */
	if (ci && ci->n_exts > 0) {
		html_lit(b, "<section class=\"card\"><h2>Extensions</h2><div class=\"table-wrap\">"
			    "<table class=\"exts\"><thead><tr><th scope=\"col\">Extension</th>"
			    "<th scope=\"col\">Critical</th><th scope=\"col\">Value</th></tr>"
			    "</thead><tbody>");
		for (size_t i = 0; i < ci->n_exts; i++) {
			const struct ca_cert_ext *x = &ci->exts[i];
			html_lit(b, "<tr><td data-label=\"Extension\">");
			html_text(b, x->name ? x->name : x->oid);
			if (x->name)
				html_elem(b, "div", "oid mono", x->oid);
			html_lit(b, "</td><td data-label=\"Critical\">");
			html_lit(b, x->critical ? "yes" : "no");
			html_lit(b, "</td><td data-label=\"Value\" class=\"ext-value\">");
			html_text(b, x->value);
			html_lit(b, "</td></tr>");
		}
		html_lit(b, "</tbody></table></div></section>");
	}

	/* Downloads and PEM */
	struct buf h = {0};
	html_lit(b, "<section class=\"card\"><h2>Download</h2><div class=\"downloads\">");
	static const struct {
		const char *suffix, *label, *cls;
	} dl[] = {
	    {".pem", "Certificate (PEM)", "button primary"},
	    {"?download=chain", "Chain (PEM)", "button"},
	    {".crt", "Certificate (DER)", "button"},
	    {".p7b", "Chain (PKCS#7 .p7b)", "button"},
	};
	for (size_t i = 0; i < sizeof(dl) / sizeof(dl[0]); i++) {
		h.len = 0;
		cert_href(&h, c->serial, dl[i].suffix);
		char fname[64];
		snprintf(fname, sizeof(fname), "%s%s", c->serial,
			 dl[i].suffix[0] == '?' ? ".chain.pem" : dl[i].suffix);
		html_open(b, "a", "class", dl[i].cls, "href", h.failed ? "#" : h.data, "download",
			  fname, NULL);
		html_text(b, dl[i].label);
		html_close(b, "a");
	}
	buf_free(&h);
	html_lit(b, "</div><div class=\"pem-head\"><h3>PEM</h3>"
		    "<button type=\"button\" class=\"copy\" data-copy=\"pem\" hidden>Copy PEM"
		    "</button></div><pre class=\"pem\" id=\"pem\" tabindex=\"0\">");
	html_text(b, pem ? pem : "");
	html_lit(b, "</pre></section>");
	free(pem);

	/* Revocation */
	if (c->status != CA_STATUS_REVOKED) {
		struct buf action = {0};
		cert_href(&action, c->serial, "/revoke");
		html_lit(b, "<section class=\"card danger\" aria-labelledby=\"revoke-h\">"
			    "<h2 id=\"revoke-h\">Revoke</h2><p class=\"hint\">For an admin "
			    "token or the token that requested this certificate. Revocation is "
			    "final and shows in the CRL and OCSP at once.</p>");
		html_open(b, "form", "method", "post", "action", action.failed ? "" : action.data,
			  "class", "inline-form", NULL);
		buf_free(&action);
		html_lit(b, "<div class=\"field\"><label for=\"revoke-token\">Token</label>"
			    "<input id=\"revoke-token\" name=\"token\" type=\"password\" "
			    "autocomplete=\"off\" required></div>"
			    "<div class=\"field\"><label for=\"revoke-reason\">Reason</label>"
			    "<select id=\"revoke-reason\" name=\"reason\">");
		reason_options(b);
		html_lit(b, "</select></div><div class=\"field actions\"><button type=\"submit\" "
			    "class=\"danger\">Revoke certificate</button></div></form></section>");
	}
	ca_cert_info_free(ci);
	html_page_end(b);
	send_html(w, status);
}

/* The certificate at params[0] (its serial) as a page, or as the download
 * kind (".chain.pem", ".p7b", ".der") when not NULL. */
static void cert_or_download(const struct http_req *r, struct http_resp *w, const char *kind)
{
	char serial[33];
	struct ca_cert *c = NULL;
	struct ca_error err = {{0}};
	enum ca_err e = CA_ERR_NOT_FOUND;
	if (r->nparams > 0 && ca_serial_norm(r->params[0], serial))
		e = ca_cert_get(r->ca, serial, &c, &err);
	if (e != CA_OK) {
		if (e == CA_ERR_NOT_FOUND)
			error_page(
			    r, w, 404, "Certificate not found",
			    "No certificate of this CA has that serial number. Serials are "
			    "32 hexadecimal digits; search by name on the certificates page.");
		else
			error_page(r, w, 500, "The certificate could not be read",
				   "The certificate store could not be read; try again.");
		return;
	}
	/* The chain has no path of its own: /certs/{serial}.pem is the API's. */
	const char *dl = http_query(r, "download");
	if (kind == NULL && dl != NULL && strcmp(dl, "chain") == 0)
		kind = ".chain.pem";
	else if (kind == NULL && dl != NULL && strcmp(dl, "p7b") == 0)
		kind = ".p7b";
	if (kind != NULL)
		cert_download(r, w, c, kind);
	else
		cert_page(r, w, c, http_query(r, "done"), NULL, NULL, 200);
	ca_cert_free(c);
}

void pages_cert(const struct http_req *r, struct http_resp *w)
{
	cert_or_download(r, w, NULL);
}

void pages_cert_chain(const struct http_req *r, struct http_resp *w)
{
	cert_or_download(r, w, ".chain.pem");
}

void pages_cert_p7b(const struct http_req *r, struct http_resp *w)
{
	cert_or_download(r, w, ".p7b");
}

void pages_cert_der(const struct http_req *r, struct http_resp *w)
{
	cert_or_download(r, w, ".der");
}

void pages_cert_revoke(const struct http_req *r, struct http_resp *w)
{
	const char *arg = r->nparams > 0 ? r->params[0] : "";
	struct form f = {0};
	struct ca_cert *c = NULL;
	struct ca_token *tok = NULL;
	struct ca_error err = {{0}};
	char detail[sizeof(err.detail)];

	char sn[33];
	if (!ca_serial_norm(arg, sn) || ca_cert_get(r->ca, sn, &c, &err) != CA_OK) {
		error_page(r, w, 404, "Certificate not found",
			   "No certificate of this CA has that serial number.");
		return;
	}
	if (!form_parse(r, &f)) {
		cert_page(r, w, c, NULL, "The form could not be read",
			  "Send the revoke form from this page.", 400);
		goto out;
	}
	enum ca_reason reason = CA_REASON_UNSPECIFIED;
	const char *rs = form_get(&f, "reason", NULL);
	if (rs && *rs && !ca_reason_parse(rs, &reason)) {
		cert_page(r, w, c, NULL, "Unknown reason", "Pick one of the reasons in the list.",
			  400);
		goto out;
	}
	struct http_auth_error ae;
	enum ca_err e = http_auth(r, form_get(&f, "token", NULL), &tok, &ae);
	if (e != CA_OK) {
		const char *title = ae.title;
		int status = ae.status;
		w->refusal = ae.problem;
		if (ae.challenge != NULL)
			(void)http_set_header(w, "WWW-Authenticate", ae.challenge);
		snprintf(detail, sizeof(detail), "%s", ae.detail);
		cert_page(r, w, c, NULL, title, detail, status);
		goto out;
	}
	http_resp_token(w, tok);
	e = metrics_revoke(r->ca, c->serial, reason, tok, NULL, &err);
	if (e != CA_OK) {
		w->refusal = http_code_of(e);
		int status = http_status_of(e);
		if (status >= 500)
			fprintf(stderr, "privca: revoke: %s\n", err.detail);
		cert_page(r, w, c, NULL, refusal_title(e),
			  status >= 500 ? "The revocation could not be recorded; try again."
					: err.detail,
			  status);
		goto out;
	}
	struct buf loc = {0};
	cert_href(&loc, c->serial, "?done=revoked");
	redirect(w, loc.failed ? "/certs" : loc.data);
	buf_free(&loc);
out:
	ca_token_free(tok);
	ca_cert_free(c);
	form_free(&f);
}

/* ---- /request ------------------------------------------------------------- */

struct request_form {
	const char *csr, *profile, *days;
};

static void request_page(const struct http_req *r, struct http_resp *w,
			 const struct request_form *in, const char *problem_title,
			 const char *problem, int status)
{
	struct buf *b = &w->body;
	const struct ca_settings *set = ca_settings(r->ca);
	static const char *const scripts[] = {"/static/request.js", NULL};
	char defdays[16], maxdays[16];
	snprintf(defdays, sizeof(defdays), "%d", set ? set->default_days : CA_DEFAULT_DAYS);
	snprintf(maxdays, sizeof(maxdays), "%d", set ? set->max_days : CA_MAX_DAYS);

	buf_free(b);
	page_begin(r, b, "Request a certificate", HTML_NAV_REQUEST, scripts);
	html_lit(b, "<h1>Request a certificate</h1><p class=\"lead\">Paste or upload a "
		    "certificate signing request (CSR) and give your team's token. No CSR? "
		    "Your browser can make the key and the request for you below; the private "
		    "key never leaves this computer.</p>");
	if (problem)
		refusal(b, problem_title, problem);

	html_lit(b, "<form class=\"card request\" method=\"post\" action=\"/request\" "
		    "enctype=\"multipart/form-data\" id=\"request-form\">"
		    "<fieldset><legend>Who asks</legend><div class=\"field\">"
		    "<label for=\"token\">Token</label>"
		    "<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" "
		    "required aria-describedby=\"token-hint\"><p class=\"hint\" "
		    "id=\"token-hint\">The token your team got from the CA operator "
		    "(<code>privca token create</code>).</p></div>"
		    "<div class=\"row2\"><div class=\"field\"><label for=\"profile\">Profile"
		    "</label><select id=\"profile\" name=\"profile\">");
	for (int i = 0; i < CA_PROFILE_MAX; i++) {
		static const char *const labels[CA_PROFILE_MAX] = {
		    [CA_PROFILE_SERVER] = "Server (TLS server authentication)",
		    [CA_PROFILE_CLIENT] = "Client (TLS client authentication)",
		    [CA_PROFILE_PEER] = "Peer (server and client)",
		};
		const char *name = ca_profile_name((enum ca_profile)i);
		bool sel = in->profile ? strcmp(in->profile, name) == 0 : i == CA_PROFILE_SERVER;
		html_open(b, "option", "value", name, "selected", sel ? "" : NULL, NULL);
		html_text(b, labels[i]);
		html_close(b, "option");
	}
	html_lit(b, "</select></div><div class=\"field\"><label for=\"days\">Valid for (days)"
		    "</label>");
	html_open(b, "input", "id", "days", "name", "days", "type", "number", "min", "1", "max",
		  maxdays, "inputmode", "numeric", "value", in->days ? in->days : defdays,
		  "aria-describedby", "days-hint", NULL);
	html_open(b, "p", "class", "hint", "id", "days-hint", NULL);
	html_textf(b, "Default %s, at most %s (your token may allow fewer).", defdays, maxdays);
	html_lit(b, "</p></div></div></fieldset>"
		    "<fieldset><legend>Your certificate signing request</legend>"
		    "<div class=\"field\"><label for=\"csr\">CSR (PEM)</label>"
		    "<textarea id=\"csr\" name=\"csr\" rows=\"10\" spellcheck=\"false\" "
		    "class=\"mono\" placeholder=\"-----BEGIN CERTIFICATE REQUEST-----\">");
	html_text(b, in->csr);
	html_lit(b, "</textarea></div><div class=\"field\"><label for=\"csrfile\">or upload a "
		    "CSR file</label><input id=\"csrfile\" name=\"csrfile\" type=\"file\" "
		    "accept=\".csr,.req,.pem,.der,application/pkcs10\"></div>"
		    "<p class=\"hint\">The names come from the CSR (its subjectAltName, else its "
		    "common name). Make one with <code>openssl req -new -newkey ec "
		    "-pkeyopt ec_paramgen_curve:P-256 -nodes -keyout host.key -out host.csr "
		    "-subj /CN=host.example.internal -addext "
		    "subjectAltName=DNS:host.example.internal</code>.</p>"
		    "<div class=\"actions\"><button type=\"submit\" class=\"primary\">Request "
		    "certificate</button></div></fieldset></form>");

	/* In-browser key generation: hidden until request.js shows it. */
	html_lit(b,
		 "<section class=\"card keygen\" id=\"keygen\" hidden "
		 "aria-labelledby=\"keygen-h\"><h2 id=\"keygen-h\">No CSR? Generate the key "
		 "here</h2><p>Your browser makes an ECDSA P-256 key pair and the request, "
		 "offers you the private key as a file, and sends only the request (with the "
		 "token, profile and days above) to this CA.</p>"
		 "<div class=\"field\"><label for=\"kg-names\">Names</label>"
		 "<input id=\"kg-names\" type=\"text\" autocomplete=\"off\" spellcheck=\"false\" "
		 "placeholder=\"app.team.example.internal, 10.0.0.5\" "
		 "aria-describedby=\"kg-hint\"><p class=\"hint\" id=\"kg-hint\">DNS names or IP "
		 "addresses, separated by commas or spaces; the first is the common name."
		 "</p></div><div class=\"actions\"><button type=\"button\" id=\"kg-go\" "
		 "class=\"primary\">Generate key and request certificate</button></div>"
		 "<div id=\"kg-status\" role=\"status\" aria-live=\"polite\"></div>"
		 "<div id=\"kg-key\" hidden><p><strong>Save your private key now.</strong> "
		 "It exists only in this page; privca never sees it.</p>"
		 "<a id=\"kg-download\" class=\"button primary\" download=\"private-key.pem\" "
		 "href=\"#\">Download private key (PKCS#8 PEM)</a></div></section>");
	html_page_end(b);
	send_html(w, status);
}

void pages_request(const struct http_req *r, struct http_resp *w)
{
	struct request_form in = {0};
	if (strcmp(r->method, "POST") != 0) {
		request_page(r, w, &in, NULL, NULL, 200);
		return;
	}

	struct form f = {0};
	struct ca_token *tok = NULL;
	struct ca_cert *c = NULL;
	struct ca_error err = {{0}};
	char detail[sizeof(err.detail)];
	bool parsed = form_parse(r, &f);
	in.csr = form_get(&f, "csr", NULL);
	in.profile = form_get(&f, "profile", NULL);
	in.days = form_get(&f, "days", NULL);
	if (!parsed) {
		request_page(r, w, &in, "The form could not be read",
			     "Send the form from this page (multipart or urlencoded).", 400);
		goto out;
	}

	struct ca_issue_req req = {0};
	size_t flen = 0, clen = 0;
	const char *file = form_get(&f, "csrfile", &flen);
	const char *text = form_get(&f, "csr", &clen);
	if (file != NULL && flen > 0) {
		req.csr = (const uint8_t *)file;
		req.csr_len = flen;
	} else if (text != NULL && clen > 0) {
		req.csr = (const uint8_t *)text;
		req.csr_len = clen;
	} else {
		request_page(r, w, &in, "No certificate request",
			     "Paste a CSR into the box or choose a CSR file.", 400);
		goto out;
	}
	if (in.profile && *in.profile && !ca_profile_parse(in.profile, &req.profile)) {
		request_page(r, w, &in, "Unknown profile",
			     "Pick server, client or peer from the list.", 400);
		goto out;
	}
	if (in.days && *in.days) {
		char *end;
		errno = 0;
		long d = strtol(in.days, &end, 10);
		if (errno || *end || d < 1 || d > 100000) {
			request_page(r, w, &in, "Invalid validity",
				     "\"Valid for\" must be a whole number of days.", 400);
			goto out;
		}
		req.validity_days = (int)d;
	}

	struct http_auth_error ae;
	enum ca_err e = http_auth(r, form_get(&f, "token", NULL), &tok, &ae);
	if (e != CA_OK) {
		const char *title = ae.title;
		int status = ae.status;
		w->refusal = ae.problem;
		if (ae.challenge != NULL)
			(void)http_set_header(w, "WWW-Authenticate", ae.challenge);
		snprintf(detail, sizeof(detail), "%s", ae.detail);
		request_page(r, w, &in, title, detail, status);
		goto out;
	}
	http_resp_token(w, tok);
	req.token = tok; /* never NULL here: NULL would mean the operator */
	e = metrics_issue(r->ca, &req, &c, &err);
	if (e != CA_OK) {
		w->refusal = http_code_of(e);
		int status = http_status_of(e);
		if (status >= 500)
			fprintf(stderr, "privca: issue: %s\n", err.detail);
		request_page(r, w, &in, refusal_title(e),
			     status >= 500 ? "The certificate could not be issued; try again."
					   : err.detail,
			     status);
		goto out;
	}
	struct buf loc = {0};
	cert_href(&loc, c->serial, "?done=issued");
	redirect(w, loc.failed ? "/certs" : loc.data);
	buf_free(&loc);
out:
	ca_cert_free(c);
	ca_token_free(tok);
	form_free(&f);
}

/* ---- /static/{name} -------------------------------------------------------- */

static const char *static_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
	    {".css", "text/css; charset=utf-8"},
	    {".js", "text/javascript; charset=utf-8"},
	    {".svg", "image/svg+xml"},
	    {".png", "image/png"},
	    {".txt", "text/plain; charset=utf-8"},
	};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

void pages_static(const struct http_req *r, struct http_resp *w)
{
	const char *name = r->nparams > 0 ? r->params[0] : "";
	char path[128];
	const struct embed_file *f = NULL;
	/* Only names in the embedded table: no path is ever opened. */
	if (strchr(name, '/') == NULL &&
	    (size_t)snprintf(path, sizeof(path), "static/%s", name) < sizeof(path))
		f = html_embedded(path);
	if (f == NULL) {
		http_problem_code(w, 404, "not-found", "No such static file.");
		return;
	}
	buf_add(&w->body, f->data, f->len);
	w->status = 200;
	w->content_type = static_type(name);
	security_headers(w, "public, max-age=300");
}
