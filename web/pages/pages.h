/*
 * The HTML pages (design section 4 "Pages") and their static assets: the
 * handlers routes.c registers, and the helpers the files of web/pages share
 * (common.c). Every byte of HTML goes through html.h.
 *
 * Unless a comment says otherwise, the helpers borrow their arguments for the
 * call and append to the buffer or answer they are given.
 */
#ifndef PRIVCA_PAGES_H
#define PRIVCA_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "html.h"
#include "http/http.h"

struct form;

/* ---- handlers (routes.c) ------------------------------------------------- */

void pages_home(const struct http_req *r, struct http_resp *w);	     /* GET / */
void pages_certs(const struct http_req *r, struct http_resp *w);     /* GET /certs */
void pages_certs_csv(const struct http_req *r, struct http_resp *w); /* GET /certs.csv */
void pages_cert(const struct http_req *r,
		struct http_resp *w); /* GET /certs/{serial}; params[0] = serial */
void pages_cert_chain(const struct http_req *r,
		      struct http_resp *w); /* GET /certs/{serial}.chain.pem */
void pages_cert_p7b(const struct http_req *r, struct http_resp *w); /* GET /certs/{serial}.p7b */
void pages_cert_der(const struct http_req *r, struct http_resp *w); /* GET /certs/{serial}.der */
void pages_cert_revoke(const struct http_req *r,
		       struct http_resp *w); /* POST /certs/{serial}/revoke (form) */
void pages_request(const struct http_req *r, struct http_resp *w); /* GET and POST /request */
void pages_static(const struct http_req *r,
		  struct http_resp *w); /* GET /static/{name}; params[0] = name */

/* ---- response plumbing (common.c) ---------------------------------------- */

/* The Content-Security-Policy, Referrer-Policy and Cache-Control (cache, or
 * "no-store" when NULL: pages show live status) of every answer here. */
void page_security_headers(struct http_resp *w, const char *cache);
/* w's body as an HTML answer with that status and the security headers. */
void page_send_html(struct http_resp *w, int status);
/* Drop w's body and answer 303 See Other to location (copied). */
void page_redirect(struct http_resp *w, const char *location);
/* html_page_begin with the CA's common name in the header. */
void page_begin(const struct http_req *r, struct buf *b, const char *title, enum html_nav nav,
		const char *const *scripts);
/* An error page for a person, replacing w's body; never echoes the path. */
void page_error(const struct http_req *r, struct http_resp *w, int status, const char *title,
		const char *detail);

/* ---- formatting (common.c) ------------------------------------------------ */

/* Whole days from now to t, rounded towards the past (floor). */
long long page_days_until(int64_t now, int64_t t);
/* "AB:CD:..." from lowercase hex, and the same in capitals without colons. */
void page_colon_hex(const char *hex, struct buf *out);
void page_upper_hex(const char *hex, struct buf *out);
/* The CN value of an RFC 4514 string, escapes undone; NULL if none. free(). */
char *page_cn_of(const char *dn);
/* The name a person looks for: first DNS name, else first IP, else subject
 * or serial. Points into c. */
const char *page_primary_name(const struct ca_cert *c);
void page_status_badge(struct buf *b, enum ca_status s);
/* "in 12 days" / "today" / "3 days ago", amber when close, grey when past. */
void page_days_note(struct buf *b, int64_t now, int64_t t);
/* A <time> of t: the date, or (long_form) date and time in UTC. */
void page_time(struct buf *b, int64_t t, bool long_form);
/* "/certs/{serial}{suffix}" with the serial URL-encoded; suffix may be NULL. */
void page_cert_href(struct buf *out, const char *serial, const char *suffix);
/* The certificate table of / and /certs. */
void page_cert_table(struct buf *b, struct ca_cert *const *items, size_t n, int64_t now);
/* "ECDSA P-256, 256 bits" from a certificate's DER, or fallback. */
void page_key_text(struct buf *b, const uint8_t *der, size_t len, const char *fallback);
/* A <dt>/<dd> row with a colon-hex fingerprint and its copy button (id). */
void page_fingerprint_row(struct buf *b, const char *label, const char *hex, const char *id);

/* ---- forms and refusals (common.c) ---------------------------------------- */

/* Parse the request body as a form into f (form_free it). False: not a form
 * or malformed. */
bool page_form_parse(const struct http_req *r, struct form *f);
/* A refusal box: what was refused, in words, and the sentence from the core. */
void page_refusal(struct buf *b, const char *what, const char *detail);
/* The heading of a refusal box for a core error (static string). */
const char *page_refusal_title(enum ca_err e);

/* Why a form was refused, for the page that shows the form again. title is
 * static; detail points into buf or into the core's struct ca_error. */
struct page_why {
	const char *title;
	const char *detail;
	int status;
	char buf[512];
};
/*
 * Authenticate the form's token (form_token, else the Authorization
 * header) into *tok (ca_token_free it) and name it in the response. False
 * when refused: w->refusal and any WWW-Authenticate challenge are set and
 * *why says what the page shows.
 */
bool page_auth_or_refuse(const struct http_req *r, struct http_resp *w, const char *form_token,
			 struct ca_token **tok, struct page_why *why);
/*
 * A refusal by the core (e, err) of what ("issue", "revoke"): w->refusal
 * set and *why filled. A server error is logged with err and shown as
 * retry, a sentence that gives nothing away; any other shows err's detail.
 * *why points into err: keep err alive while it is used.
 */
void page_core_refusal(struct http_resp *w, enum ca_err e, const struct ca_error *err,
		       const char *what, const char *retry, struct page_why *why);

#endif
