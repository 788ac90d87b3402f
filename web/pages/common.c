/*
 * The helpers every page shares (pages/pages.h): response plumbing with the
 * security headers, the page frame and error page, date and name
 * formatting, the certificate table, the refusal box and the form reader.
 *
 * Every byte of HTML goes through html.h, so text from certificates and
 * requests is escaped wherever it lands. Pages send a strict
 * Content-Security-Policy: no inline script or style, nothing from another
 * origin.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "privca/certinfo.h"
#include "form.h"
#include "html.h"
#include "http/auth.h"
#include "pages/pages.h"

#define EXPIRING_DAYS 30

#define CSP                                                                                        \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "                \
	"connect-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; "      \
	"base-uri 'none'"

/* ---- response plumbing ------------------------------------------------- */

/* Headers every answer of this file carries (exchange.c adds
 * X-Content-Type-Options: nosniff to all). Pages are not cached: they show
 * live status. */
void page_security_headers(struct http_resp *w, const char *cache)
{
	http_set_header(w, "Content-Security-Policy", CSP);
	http_set_header(w, "Referrer-Policy", "no-referrer");
	http_set_header(w, "Cache-Control", cache ? cache : "no-store");
}

void page_send_html(struct http_resp *w, int status)
{
	w->status = status;
	w->content_type = "text/html; charset=utf-8";
	page_security_headers(w, NULL);
}

void page_redirect(struct http_resp *w, const char *location)
{
	buf_free(&w->body);
	w->status = 303;
	w->content_type = "text/plain; charset=utf-8";
	page_security_headers(w, NULL);
	http_set_header(w, "Location", location);
	buf_puts(&w->body, "See other\n");
}

/* html_page_begin with the CA's common name in the header. */
void page_begin(const struct http_req *r, struct buf *b, const char *title, enum html_nav nav,
		const char *const *scripts)
{
	const struct ca_issuer *root = ca_issuer(r->ca);
	char *cn = root ? page_cn_of(root->subject) : NULL;
	html_page_begin(b, title, cn ? cn : root ? root->subject : NULL, nav, scripts);
	free(cn);
}

/* An error page for a person: never echoes the request path (style.md). */
void page_error(const struct http_req *r, struct http_resp *w, int status, const char *title,
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
	page_send_html(w, status);
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
long long page_days_until(int64_t now, int64_t t)
{
	int64_t d = t - now;
	return (long long)(d >= 0 ? d / 86400 : -((-d + 86399) / 86400));
}

/* "AB:CD:..." from lowercase hex. */
void page_colon_hex(const char *hex, struct buf *out)
{
	for (size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
		char c[3] = {(char)toupper((unsigned char)hex[i]),
			     (char)toupper((unsigned char)hex[i + 1]), ':'};
		buf_add(out, c, hex[i + 2] ? 3 : 2);
	}
}

void page_upper_hex(const char *hex, struct buf *out)
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
char *page_cn_of(const char *dn)
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
const char *page_primary_name(const struct ca_cert *c)
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

void page_status_badge(struct buf *b, enum ca_status s)
{
	static const char *const cls[CA_STATUS_MAX] = {
	    [CA_STATUS_VALID] = "badge ok",
	    [CA_STATUS_REVOKED] = "badge bad",
	    [CA_STATUS_EXPIRED] = "badge off",
	};
	html_elem(b, "span", (unsigned)s < CA_STATUS_MAX ? cls[s] : "badge", status_label(s));
}

/* "in 12 days" / "today" / "3 days ago", amber when close, grey when past. */
void page_days_note(struct buf *b, int64_t now, int64_t t)
{
	long long d = page_days_until(now, t);
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

void page_time(struct buf *b, int64_t t, bool long_form)
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

void page_cert_href(struct buf *out, const char *serial, const char *suffix)
{
	buf_puts(out, "/certs/");
	html_urlenc(out, serial);
	if (suffix)
		buf_puts(out, suffix);
}

/* The certificate table of / and /certs; cells carry data-label for the
 * stacked phone layout. */
void page_cert_table(struct buf *b, struct ca_cert *const *items, size_t n, int64_t now)
{
	html_lit(b, "<div class=\"table-wrap\"><table class=\"certs\"><thead><tr>"
		    "<th scope=\"col\">Name</th><th scope=\"col\">Other names</th>"
		    "<th scope=\"col\">Requester</th><th scope=\"col\">Expires</th>"
		    "<th scope=\"col\">Status</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		const struct ca_cert *c = items[i];
		const char *name = page_primary_name(c);
		struct buf href = {0};
		page_cert_href(&href, c->serial, NULL);

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
		page_time(b, c->not_after, false);
		html_lit(b, " ");
		if (c->status == CA_STATUS_REVOKED)
			html_lit(b, "<span class=\"days\">revoked</span>");
		else
			page_days_note(b, now, c->not_after);
		html_lit(b, "</td><td data-label=\"Status\">");
		page_status_badge(b, c->status);
		html_lit(b, "</td></tr>\n");
	}
	html_lit(b, "</tbody></table></div>");
}

/* ---- forms (form.h) ------------------------------------------------------ */

/* Parse the request body as a form. False: not a form or malformed. */
bool page_form_parse(const struct http_req *r, struct form *f)
{
	return form_parse_body(http_header(r, "Content-Type"), (const char *)r->body, r->body_len,
			       f);
}

/* A refusal box: what was refused, in words, and the sentence from the core. */
void page_refusal(struct buf *b, const char *what, const char *detail)
{
	html_lit(b, "<div class=\"alert bad\" role=\"alert\" id=\"refusal\"><strong>");
	html_text(b, what);
	html_lit(b, "</strong><p>");
	html_text(b, detail);
	html_lit(b, "</p></div>");
}

const char *page_refusal_title(enum ca_err e)
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

/* "ECDSA P-256, 256 bits" from a certificate, or fallback. */
void page_key_text(struct buf *b, const uint8_t *der, size_t len, const char *fallback)
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

void page_fingerprint_row(struct buf *b, const char *label, const char *hex, const char *id)
{
	struct buf fp = {0};
	page_colon_hex(hex, &fp);
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

bool page_auth_or_refuse(const struct http_req *r, struct http_resp *w, const char *form_token,
			 struct ca_token **tok, struct page_why *why)
{
	struct http_auth_error ae;
	if (http_auth(r, form_token, tok, &ae) == CA_OK) {
		http_resp_token(w, *tok);
		return true;
	}
	w->refusal = ae.problem;
	if (ae.challenge != NULL)
		(void)http_set_header(w, "WWW-Authenticate", ae.challenge);
	snprintf(why->buf, sizeof(why->buf), "%s", ae.detail);
	why->title = ae.title;
	why->detail = why->buf;
	why->status = ae.status;
	return false;
}

void page_core_refusal(struct http_resp *w, enum ca_err e, const struct ca_error *err,
		       const char *what, const char *retry, struct page_why *why)
{
	w->refusal = http_code_of(e);
	why->status = http_status_of(e);
	why->title = page_refusal_title(e);
	why->detail = why->status >= 500 ? retry : err->detail;
	if (why->status >= 500)
		fprintf(stderr, "privca: %s: %s\n", what, err->detail);
}
