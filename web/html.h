/*
 * The one way HTML is written (style.md "Output to people"): an escaping
 * writer over struct buf. Text and attribute values always escape
 * & < > " ' (kcgi's kcgihtml.c does the same), so a certificate subject such
 * as "<img src=x onerror=alert(1)>" can only ever show as text.
 *
 * Tag and attribute names, and the markup passed to html_lit, are string
 * literals of the program; everything else (from certificates, requests,
 * settings) goes through html_text or an attribute value.
 *
 * Errors are sticky in the struct buf (failed), like the rest of the
 * service: a page is written straight through and checked once at the end.
 */
#ifndef PRIVCA_HTML_H
#define PRIVCA_HTML_H

#include <stdarg.h>
#include <stddef.h>

#include "embed.h"
#include "http/http.h"

/* Escaped text: & < > " ' become entities. NULL writes nothing. */
void html_text(struct buf *b, const char *s);
void html_textn(struct buf *b, const char *s, size_t n);
/* printf, then escaped as text (for numbers and dates, but safe for any). */
void html_textf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Markup that is part of the program: a string literal, never data. */
void html_lit(struct buf *b, const char *markup);

/*
 * <tag name="value" ...>: attributes as name/value pairs ending with NULL.
 * Values are escaped; a NULL value leaves its attribute out (handy for
 * "selected" or "open"); "" writes name="" (a boolean attribute).
 */
void html_open(struct buf *b, const char *tag, ...) __attribute__((sentinel));
void html_vopen(struct buf *b, const char *tag, va_list ap);
void html_close(struct buf *b, const char *tag);

/* <tag class="cls">text</tag>; cls may be NULL. */
void html_elem(struct buf *b, const char *tag, const char *cls, const char *text);

/* <a href="href" [class]>text</a>. */
void html_link(struct buf *b, const char *href, const char *cls, const char *text);

/*
 * Percent-encode s for a URL query value (RFC 3986 unreserved characters
 * kept) into b. The result is still escaped when written as an attribute.
 */
void html_urlenc(struct buf *b, const char *s);

/*
 * A URL being built: html_query_add appends "?name=value" (the first time
 * q holds no '?') or "&name=value", both percent-encoded, to q, skipping
 * NULL or "" values.
 */
void html_query_add(struct buf *q, const char *name, const char *value);

/*
 * Write an embedded template (web/templates/NAME) with every {{key}}
 * replaced by the escaped value from vars, a NULL-terminated list of
 * key, value pairs. An unknown key or a missing template marks b failed:
 * that is a bug, not a runtime condition.
 */
void html_template(struct buf *b, const char *name, const char *const *vars);

/* An embedded file (web/NAME, e.g. "static/style.css") or NULL. */
const struct embed_file *html_embedded(const char *name);

/* Navigation entries of the page header. */
enum html_nav { HTML_NAV_NONE, HTML_NAV_HOME, HTML_NAV_CERTS, HTML_NAV_REQUEST };

/*
 * The page shell: doctype, head (title, stylesheet, scripts listed in
 * scripts, a NULL-terminated list of "/static/x.js" literals, or NULL),
 * header with navigation, <main>. html_page_end closes it with the footer.
 * ca_name is the CA's subject, shown in the header (escaped).
 */
void html_page_begin(struct buf *b, const char *title, const char *ca_name, enum html_nav nav,
		     const char *const *scripts);
void html_page_end(struct buf *b);

#endif
