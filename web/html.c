/*
 * The code in this file implements the escaping HTML writer (html.h) and
 * the page shell every HTML page shares.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"

/* memmem is a GNU extension; this is all the templates need. */
static const char *find(const char *s, const char *end, const char *pat)
{
	size_t n = strlen(pat);
	for (; (size_t)(end - s) >= n; s++)
		if (memcmp(s, pat, n) == 0)
			return s;
	return NULL;
}

/* The table scripts/embed.cmake generates from web/templates and web/static. */
extern const struct embed_file web_files[];

void html_textn(struct buf *b, const char *s, size_t n)
{
	size_t run = 0; /* bytes copied as they are, flushed before an entity */
	for (size_t i = 0; i < n; i++) {
		const char *ent;
		switch (s[i]) {
		case '&':
			ent = "&amp;";
			break;
		case '<':
			ent = "&lt;";
			break;
		case '>':
			ent = "&gt;";
			break;
		case '"':
			ent = "&quot;";
			break;
		case '\'':
			ent = "&#39;";
			break;
		case '\0':
			/* U+0000 is a parse error in HTML; never pass it on. */
			ent = "\xef\xbf\xbd";
			break;
		default:
			continue;
		}
		buf_add(b, s + run, i - run);
		buf_puts(b, ent);
		run = i + 1;
	}
	buf_add(b, s + run, n - run);
}

void html_text(struct buf *b, const char *s)
{
	if (s != NULL)
		html_textn(b, s, strlen(s));
}

void html_textf(struct buf *b, const char *fmt, ...)
{
	char small[256], *s = small;
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= sizeof(small)) {
		s = malloc((size_t)n + 1);
		if (s == NULL || vsnprintf(s, (size_t)n + 1, fmt, ap2) != n)
			n = -1;
	}
	va_end(ap2);
	if (n < 0)
		b->failed = true;
	else
		html_textn(b, s, (size_t)n);
	if (s != small)
		free(s);
}

void html_lit(struct buf *b, const char *markup)
{
	buf_puts(b, markup);
}

void html_vopen(struct buf *b, const char *tag, va_list ap)
{
	buf_puts(b, "<");
	buf_puts(b, tag);
	for (;;) {
		const char *name = va_arg(ap, const char *);
		if (name == NULL)
			break;
		const char *value = va_arg(ap, const char *);
		if (value == NULL)
			continue;
		buf_puts(b, " ");
		buf_puts(b, name);
		buf_puts(b, "=\"");
		html_text(b, value);
		buf_puts(b, "\"");
	}
	buf_puts(b, ">");
}

void html_open(struct buf *b, const char *tag, ...)
{
	va_list ap;
	va_start(ap, tag);
	html_vopen(b, tag, ap);
	va_end(ap);
}

void html_close(struct buf *b, const char *tag)
{
	buf_puts(b, "</");
	buf_puts(b, tag);
	buf_puts(b, ">");
}

void html_elem(struct buf *b, const char *tag, const char *cls, const char *text)
{
	html_open(b, tag, "class", cls, NULL);
	html_text(b, text);
	html_close(b, tag);
}

void html_link(struct buf *b, const char *href, const char *cls, const char *text)
{
	html_open(b, "a", "href", href, "class", cls, NULL);
	html_text(b, text);
	html_close(b, "a");
}

void html_urlenc(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			buf_add(b, p, 1);
		} else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			buf_add(b, e, 3);
		}
	}
}

void html_query_add(struct buf *q, const char *name, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	bool first = q->len == 0 || memchr(q->data, '?', q->len) == NULL;
	buf_puts(q, first ? "?" : "&");
	html_urlenc(q, name);
	buf_puts(q, "=");
	html_urlenc(q, value);
}

const struct embed_file *html_embedded(const char *name)
{
	for (const struct embed_file *f = web_files; f->name != NULL; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

void html_template(struct buf *b, const char *name, const char *const *vars)
{
	char path[128];
	if ((size_t)snprintf(path, sizeof(path), "templates/%s", name) >= sizeof(path)) {
		b->failed = true;
		return;
	}
	const struct embed_file *f = html_embedded(path);
	if (f == NULL) {
		b->failed = true;
		return;
	}
	const char *s = (const char *)f->data, *end = s + f->len;
	while (s < end) {
		const char *open = find(s, end, "{{");
		if (open == NULL) {
			buf_add(b, s, (size_t)(end - s));
			break;
		}
		buf_add(b, s, (size_t)(open - s));
		const char *key = open + 2;
		const char *close = find(key, end, "}}");
		if (close == NULL) {
			b->failed = true;
			return;
		}
		size_t klen = (size_t)(close - key);
		const char *value = NULL;
		for (size_t i = 0; vars != NULL && vars[i] != NULL; i += 2)
			if (strlen(vars[i]) == klen && memcmp(vars[i], key, klen) == 0) {
				value = vars[i + 1];
				break;
			}
		if (value == NULL) {
			b->failed = true;
			return;
		}
		html_text(b, value);
		s = close + 2;
	}
}

static void nav_item(struct buf *b, const char *href, const char *label, bool current)
{
	html_lit(b, "<li>");
	html_open(b, "a", "href", href, "aria-current", current ? "page" : NULL, NULL);
	html_text(b, label);
	html_lit(b, "</a></li>");
}

void html_page_begin(struct buf *b, const char *title, const char *ca_name, enum html_nav nav,
		     const char *const *scripts)
{
	html_lit(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		    "<meta name=\"color-scheme\" content=\"light dark\">"
		    "<meta name=\"referrer\" content=\"no-referrer\"><title>");
	html_text(b, title);
	html_lit(b, " \xc2\xb7 privca</title>"
		    "<link rel=\"stylesheet\" href=\"/static/style.css\">"
		    "<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">");
	for (size_t i = 0; scripts != NULL && scripts[i] != NULL; i++) {
		html_open(b, "script", "src", scripts[i], "defer", "", NULL);
		html_close(b, "script");
	}
	html_lit(b,
		 "</head>\n<body><a class=\"skip\" href=\"#main\">Skip to content</a>"
		 "<header class=\"top\"><div class=\"wrap\">"
		 "<a class=\"brand\" href=\"/\"><span class=\"logo\" aria-hidden=\"true\"></span>"
		 "privca</a>");
	if (ca_name != NULL)
		html_elem(b, "span", "ca-name", ca_name);
	html_lit(b, "<nav aria-label=\"Main\"><ul>");
	nav_item(b, "/", "Overview", nav == HTML_NAV_HOME);
	nav_item(b, "/certs", "Certificates", nav == HTML_NAV_CERTS);
	nav_item(b, "/request", "Request", nav == HTML_NAV_REQUEST);
	html_lit(b, "</ul></nav></div></header>\n<main id=\"main\" class=\"wrap\">");
}

void html_page_end(struct buf *b)
{
	html_lit(b, "</main>\n<footer class=\"wrap foot\"><p>privca \xc2\xb7 "
		    "<a href=\"/ca.pem\">CA certificate</a> \xc2\xb7 <a href=\"/crl\">CRL</a> "
		    "\xc2\xb7 <a href=\"/api/v1/ca\">API</a> \xc2\xb7 "
		    "<a href=\"/healthz\">health</a></p></footer>\n</body></html>\n");
}
