/*
 * The code in this file implements the PostgreSQL store's certificate list
 * (pg_int.h): keyset paging newest first (or by expiry), ties in issue
 * order (the seq column, schema/postgres/003), status filters, and search.
 *
 * Search has the SQLite store's meaning: a case-insensitive (ASCII)
 * substring of the lowercase search column. It is written as LIKE
 * '%term%' with the term's own % _ \ escaped, which pg_trgm's GIN index
 * (schema/postgres/002) answers for terms of three or more characters;
 * without pg_trgm, or for shorter terms, the same query scans in list
 * order. The cursor is the last row's sort key and seq (rows.h).
 */
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "pg_int.h"
#include "rows.h"

/* '%' term '%' for LIKE, the term's wildcards and backslashes escaped. */
static char *like_pattern(const char *term)
{
	size_t n = strlen(term);
	char *p = malloc(2 * n + 3), *o = p;
	if (p == NULL)
		return NULL;
	*o++ = '%';
	for (const char *c = term; *c; c++) {
		if (*c == '%' || *c == '_' || *c == '\\')
			*o++ = '\\';
		*o++ = *c;
	}
	*o++ = '%';
	*o = '\0';
	return p;
}

struct plan {
	const struct ca_list_query *q;
	int64_t now;
	int limit;
	bool by_expiry;
	bool has_cursor;
	struct rows_cursor cur;
	char *pattern; /* owned; NULL: no search */
};

/* The statement for p; every value a parameter. */
static void list_sql(const struct plan *p, struct pg_query *q)
{
	const char *key = p->by_expiry ? "not_after" : "created_at";
	pg_sql(q, "SELECT " PG_CERT_COLS ", NULL, seq FROM certificates WHERE true");
	if (p->q->status == CA_STATUS_VALID) {
		pg_sql(q, " AND status = 'valid' AND not_after >= ");
		pg_int(q, p->now);
	} else if (p->q->status == CA_STATUS_REVOKED) {
		pg_sql(q, " AND status = 'revoked'");
	} else if (p->q->status == CA_STATUS_EXPIRED) {
		pg_sql(q, " AND status = 'valid' AND not_after < ");
		pg_int(q, p->now);
	}
	if (p->q->expires_within_days > 0) {
		pg_sql(q, " AND status = 'valid' AND not_after >= ");
		pg_int(q, p->now);
		pg_sql(q, " AND not_after < ");
		pg_int(q, p->now + (int64_t)p->q->expires_within_days * 86400);
	}
	if (p->pattern != NULL) {
		pg_sql(q, " AND search LIKE ");
		pg_text(q, p->pattern);
	}
	if (p->has_cursor) {
		pg_sql(q, " AND (");
		pg_sql(q, key);
		pg_sql(q, ", seq) < (");
		pg_int(q, p->cur.key);
		pg_sql(q, ", ");
		pg_int(q, p->cur.tie);
		pg_sql(q, ")");
	}
	pg_sql(q, " ORDER BY ");
	pg_sql(q, key);
	pg_sql(q, " DESC, seq DESC LIMIT ");
	pg_int(q, p->limit + 1);
}

/* r's rows into out: up to limit, and the cursor if there are more. */
static enum ca_err list_rows(const PGresult *r, const struct plan *p, struct ca_cert_list *out,
			     struct ca_error *err)
{
	int rows = PQntuples(r);
	if ((out->items = calloc((size_t)p->limit, sizeof(*out->items))) == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	for (int i = 0; i < rows && i < p->limit; i++) {
		struct rows_cert_cols k;
		pg_cert_cols(r, i, &k, NULL);
		enum ca_err rc = rows_cert(&k, false, p->now, &out->items[out->n], err);
		if (rc != CA_OK)
			return rc;
		out->n++;
	}
	if (rows <= p->limit)
		return CA_OK;
	const struct ca_cert *last = out->items[out->n - 1];
	struct rows_cursor c = {.order = p->by_expiry ? 'e' : 'i'};
	c.key = p->by_expiry ? last->not_after : last->created_at;
	c.tie = pg_num(r, p->limit - 1, 14);
	if ((out->next_cursor = rows_cursor_encode(&c)) == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	return CA_OK;
}

static enum ca_err plan_make(struct plan *p, struct ca_error *err)
{
	p->limit = p->q->limit == 0 ? 50 : p->q->limit;
	if (p->limit < 1 || p->limit > 500)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "limit must be between 1 and 500");
	p->by_expiry = p->q->sort == CA_SORT_EXPIRES;
	p->has_cursor = p->q->cursor != NULL && *p->q->cursor;
	if (p->has_cursor && !rows_cursor_decode(p->q->cursor, p->by_expiry ? 'e' : 'i', &p->cur))
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "cursor is not one this server handed out for this query; start "
			       "again without it");
	if (p->q->q != NULL && *p->q->q) {
		char *low = rows_lower(p->q->q);
		p->pattern = low != NULL ? like_pattern(low) : NULL;
		free(low);
		if (p->pattern == NULL)
			return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	}
	return CA_OK;
}

enum ca_err pg_list(struct store *base, const struct ca_list_query *q, int64_t now,
		    struct ca_cert_list *out, struct ca_error *err)
{
	struct pg_store *s = pg_of(base);
	struct plan p = {.q = q, .now = now};
	struct pg_query sql = {0};
	struct pg_conn *c = NULL;
	PGresult *r = NULL;
	memset(out, 0, sizeof(*out));
	enum ca_err rc = plan_make(&p, err);
	if (rc != CA_OK)
		goto out;
	list_sql(&p, &sql);
	if ((c = pg_get(s, err)) == NULL) {
		rc = CA_ERR_UNAVAILABLE;
		goto out;
	}
	if ((rc = pg_run(c->db, &sql, &r, err)) == CA_OK)
		rc = list_rows(r, &p, out, err);
out:
	if (rc != CA_OK)
		ca_cert_list_free(out);
	PQclear(r);
	if (c != NULL)
		pg_put(s, c);
	free(p.pattern);
	return rc;
}
