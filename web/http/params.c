/*
 * The serial parameter and the one list-query parser (params.h).
 */
#include <stdio.h>
#include <string.h>

#include "http/params.h"

bool http_serial_param(const struct http_req *r, char serial[33])
{
	return r->nparams > 0 && ca_serial_norm(r->params[0], serial);
}

/* s (non-empty) as a whole decimal number in [lo, hi]. */
static bool whole_number(const char *s, long lo, long hi, long *out)
{
	long v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > hi)
			return false;
		v = v * 10 + (*p - '0');
	}
	if (v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* The query parameter name, or NULL when absent or empty. */
static const char *value(const struct http_req *r, const char *name)
{
	const char *v = http_query(r, name);
	return v != NULL && *v ? v : NULL;
}

static bool refuse(struct http_list_query *lq, const char *why)
{
	snprintf(lq->problem, sizeof(lq->problem), "%s", why);
	return false;
}

static bool parse_status(const char *st, struct http_list_query *lq)
{
	if (st == NULL || strcmp(st, "all") == 0)
		return true;
	for (int i = 0; i < CA_STATUS_MAX; i++) {
		if (strcmp(st, ca_status_name((enum ca_status)i)) == 0) {
			lq->q.status = i;
			lq->status = st;
			return true;
		}
	}
	return refuse(lq, "Status must be all, valid, revoked or expired.");
}

static bool parse_sort(const char *so, struct http_list_query *lq)
{
	if (so == NULL)
		return true;
	if (strcmp(so, "expires") == 0)
		lq->q.sort = CA_SORT_EXPIRES;
	else if (strcmp(so, "issued") != 0)
		return refuse(lq, "Sort must be issued or expires.");
	lq->sort = so;
	return true;
}

bool http_list_query_parse(const struct http_req *r, struct http_list_query *lq)
{
	memset(lq, 0, sizeof(*lq));
	lq->q.status = -1;
	lq->q.limit = HTTP_LIST_LIMIT_DEFAULT;
	lq->q.sort = CA_SORT_ISSUED;
	long n;

	const char *q = http_query(r, "q");
	if (q != NULL) {
		while (*q == ' ')
			q++;
		if (strlen(q) > HTTP_LIST_Q_MAX)
			return refuse(lq, "The search text (q) is longer than 200 characters.");
		if (*q)
			lq->q.q = q;
	}
	if (!parse_status(value(r, "status"), lq) || !parse_sort(value(r, "sort"), lq))
		return false;
	const char *wi = value(r, "within");
	if (wi != NULL) {
		if (!whole_number(wi, 1, HTTP_LIST_WITHIN_MAX, &n))
			return refuse(lq, "\"Expires within\" (within) must be a number of days "
					  "from 1 to 36500.");
		lq->q.expires_within_days = (int)n;
		lq->within = wi;
	}
	const char *li = value(r, "limit");
	if (li != NULL) {
		if (!whole_number(li, 1, HTTP_LIST_LIMIT_MAX, &n))
			return refuse(lq, "Limit must be a whole number from 1 to 500.");
		lq->q.limit = (int)n;
	}
	const char *cur = value(r, "cursor");
	if (cur != NULL && strlen(cur) > HTTP_LIST_CURSOR_MAX)
		return refuse(lq, "The cursor is not one this server handed out; start again "
				  "without it.");
	lq->q.cursor = cur;
	return true;
}
