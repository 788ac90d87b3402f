/*
 * GET /certs and GET /certs.csv (design section 4 "Pages"): the
 * certificate browser with its filters and keyset paging, and the CSV
 * export of the same query, streamed a store page at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "http/params.h"
#include "pages/pages.h"

#define PAGE_SIZE HTTP_LIST_LIMIT_DEFAULT
#define BACK_MAX  30 /* previous-page cursors carried in the URL */

struct certs_query {
	struct http_list_query l; /* the list query, shared with the API */
	const char *back[BACK_MAX];
	size_t nback;
	bool trunc; /* older back cursors were dropped */
};

/* Read and check the query of /certs and /certs.csv: the list query plus
 * the back-link cursors. */
static bool certs_query_parse(const struct http_req *r, struct certs_query *cq)
{
	memset(cq, 0, sizeof(*cq));
	if (!http_list_query_parse(r, &cq->l))
		return false;
	cq->nback = http_query_all(r, "back", cq->back, BACK_MAX);
	const char *tr = http_query(r, "trunc");
	cq->trunc = tr != NULL && strcmp(tr, "1") == 0;
	return true;
}

/* The filter part of a /certs URL (no cursor), into q. */
static void certs_filters(struct buf *q, const struct certs_query *cq, int limit)
{
	html_query_add(q, "q", cq->l.q.q);
	html_query_add(q, "status", cq->l.status);
	html_query_add(q, "within", cq->l.within);
	html_query_add(q, "sort", cq->l.sort);
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
	html_open(b, "input", "id", "q", "name", "q", "type", "search", "value", cq->l.q.q,
		  "placeholder", "Name, IP address, subject or serial", "autocomplete", "off",
		  NULL);
	html_lit(b, "</div><div class=\"field\"><label for=\"status\">Status</label>"
		    "<select id=\"status\" name=\"status\">");
	option(b, "", "All", cq->l.status);
	option(b, "valid", "Valid", cq->l.status);
	option(b, "revoked", "Revoked", cq->l.status);
	option(b, "expired", "Expired", cq->l.status);
	html_lit(b, "</select></div><div class=\"field\"><label for=\"within\">Expires within "
		    "(days)</label>");
	html_open(b, "input", "id", "within", "name", "within", "type", "number", "min", "1", "max",
		  "36500", "inputmode", "numeric", "value", cq->l.within, "placeholder", "any",
		  NULL);
	html_lit(b, "</div><div class=\"field\"><label for=\"sort\">Sort by</label>"
		    "<select id=\"sort\" name=\"sort\">");
	option(b, "", "Newest issued", cq->l.sort);
	option(b, "expires", "Expiry", cq->l.sort);
	html_lit(b, "</select></div><div class=\"field actions\"><button type=\"submit\" "
		    "class=\"primary\">Search</button>");
	if (cq->l.q.q || cq->l.status || cq->l.within || cq->l.sort)
		html_lit(b, "<a class=\"button\" href=\"/certs\">Clear</a>");
	html_lit(b, "</div></form>");
}

static void certs_pager(struct buf *b, const struct certs_query *cq,
			const struct ca_cert_list *list)
{
	/* Keyset paging: next carries the current cursor onto the back stack,
	 * previous pops it (browser back works too). */
	html_lit(b, "<nav class=\"pager\" aria-label=\"Pages\">");
	if (cq->l.q.cursor) {
		struct buf prev = {0};
		buf_puts(&prev, "/certs");
		certs_filters(&prev, cq, cq->l.q.limit);
		if (cq->nback > 0) {
			html_query_add(&prev, "cursor", cq->back[cq->nback - 1]);
			for (size_t i = 0; i + 1 < cq->nback; i++)
				html_query_add(&prev, "back", cq->back[i]);
			if (cq->trunc)
				html_query_add(&prev, "trunc", "1");
		}
		html_open(b, "a", "class", "button", "rel", "prev", "href",
			  prev.failed ? "/certs" : prev.data, NULL);
		html_lit(b, cq->nback == 0 && cq->trunc ? "\xe2\x86\x90 First page"
							: "\xe2\x86\x90 Previous");
		html_lit(b, "</a>");
		buf_free(&prev);
	}
	if (list->next_cursor) {
		struct buf next = {0};
		buf_puts(&next, "/certs");
		certs_filters(&next, cq, cq->l.q.limit);
		html_query_add(&next, "cursor", list->next_cursor);
		bool trunc = cq->trunc;
		size_t first = 0;
		size_t total = cq->nback + (cq->l.q.cursor ? 1 : 0);
		if (total > BACK_MAX) {
			first = total - BACK_MAX;
			trunc = true;
		}
		for (size_t i = first; i < cq->nback; i++)
			html_query_add(&next, "back", cq->back[i]);
		if (cq->l.q.cursor)
			html_query_add(&next, "back", cq->l.q.cursor);
		if (trunc)
			html_query_add(&next, "trunc", "1");
		html_open(b, "a", "class", "button", "rel", "next", "href",
			  next.failed ? "/certs" : next.data, NULL);
		html_lit(b, "Next \xe2\x86\x92</a>");
		buf_free(&next);
	}
	html_lit(b, "</nav>");
}

void pages_certs(const struct http_req *r, struct http_resp *w)
{
	struct buf *b = &w->body;
	struct certs_query cq;
	struct ca_cert_list list = {0};
	struct ca_error err = {0};
	int64_t now = ca_now(r->ca);
	int status = 200;

	bool ok = certs_query_parse(r, &cq);
	enum ca_err e = CA_OK;
	if (ok) {
		e = ca_list(r->ca, &cq.l.q, &list, &err);
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
		page_refusal(b, "The search could not be run", cq.l.problem);
	} else if (e != CA_OK) {
		if (status >= 500)
			fprintf(stderr, "privca: pages_certs: %s\n", err.detail);
		page_refusal(b, "The search could not be run",
			     status >= 500 ? "The certificate store could not be read; try again."
					   : err.detail);
	} else if (list.n == 0) {
		html_lit(b, "<p class=\"empty\">");
		html_lit(b, cq.l.q.cursor ? "No more certificates."
					  : "No certificate matches. Try part of a name, an IP "
					    "address or a serial, or clear the filters.");
		html_lit(b, "</p>");
	} else {
		size_t page = cq.l.q.cursor ? cq.nback + 2 : 1;
		html_open(b, "p", "class", "summary", "aria-live", "polite", NULL);
		if (cq.trunc)
			html_textf(b, "%zu certificate%s on this page", list.n,
				   list.n == 1 ? "" : "s");
		else
			html_textf(b, "Page %zu \xc2\xb7 %zu certificate%s", page, list.n,
				   list.n == 1 ? "" : "s");
		html_lit(b, "</p>");
		page_cert_table(b, list.items, list.n, now);
	}

	if (ok && e == CA_OK && (cq.l.q.cursor || list.next_cursor))
		certs_pager(b, &cq, &list);
	ca_cert_list_free(&list);
	html_page_end(b);
	page_send_html(w, status);
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
	snprintf(days, sizeof(days), "%lld", page_days_until(now, c->not_after));
	csv_cell(b, c->serial, true);
	csv_cell(b, page_primary_name(c), false);
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
		http_problem(w, CA_ERR_BAD_REQUEST, cq.l.problem);
		return;
	}
	struct csv_export *x = calloc(1, sizeof(*x));
	if (x == NULL || (cq.l.q.q != NULL && (x->q.q = strdup(cq.l.q.q)) == NULL)) {
		free(x);
		http_problem(w, CA_ERR_NOMEM, "out of memory");
		return;
	}
	/* The whole result of the query, whatever page the browser was on. */
	x->ca = r->ca;
	x->q.status = cq.l.q.status;
	x->q.sort = cq.l.q.sort;
	x->q.expires_within_days = cq.l.q.expires_within_days;
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
	page_security_headers(w, NULL);
	http_set_header(w, "Content-Disposition", "attachment; filename=\"certificates.csv\"");
}
