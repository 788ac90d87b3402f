/*
 * The code in this file implements the SQLite store's certificate list:
 * keyset paging newest first (or by expiry), status filters, and search
 * over the FTS5 trigram index (schema/sqlite/002_search.sql, contentless
 * since 008_lean.sql: the text is SQ_SEARCH_EXPR over the columns, stored
 * nowhere) kept up to date in bulk by sq_index_catch_up, off the issuance
 * path.
 *
 * Ties on the sort key are broken by rowid, which is the issue order
 * (schema/sqlite/003); the cursor carries the rowid as its tie-breaker and
 * is opaque to callers (rows.h encodes it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rows.h"
#include "errors.h"
#include "sqlite_int.h"

/* Rows indexed per transaction when catching up (about 0.2 s of work). */
#define FTS_CHUNK 5000
/* Matches of a trigram phrase beyond which sorting them all costs more
 * than walking the expiry index until a page is full. */
#define FTS_SORT_MAX 1000
/* Rows per row of the page a common term's expiry-ordered scan reads before
 * it gives way to FTS_FILTER: a term in one certificate of 20, spread evenly,
 * fills a page within it. */
#define SCAN_CAP_PER_ROW 20
/* FTS_TRIGRAM: the term's rarest trigram, when fewer than one certificate
 * in FILTER_DENSITY hold it (where a capped scan would seldom fill a page)
 * and fewer than FILTER_SET_MAX (counting stops there). */
#define FILTER_DENSITY 16
#define FILTER_SET_MAX 65536
/* Trigrams of the term counted for it, at most. */
#define FILTER_TRIGRAMS 6

static struct sq_sql q_fts_behind =
    SQ_SQL("SELECT (SELECT last_rowid FROM fts_state WHERE id = 1), "
	   "(SELECT coalesce(max(rowid), 0) FROM certificates)");
static struct sq_sql q_fts_index = SQ_SQL(SQ_FTS_FILL("cert_fts"));
static struct sq_sql q_fts_mark = SQ_SQL("UPDATE fts_state SET last_rowid = ?1 WHERE id = 1");
static struct sq_sql q_fts_rare =
    SQ_SQL("SELECT count(*) FROM (SELECT 1 FROM cert_fts WHERE cert_fts MATCH ?1 LIMIT ?2)");
/* FTS5 walks its doclists in rowid order: ORDER BY rowid costs no sort. */
static struct sq_sql q_fts_rowids =
    SQ_SQL("SELECT rowid FROM cert_fts WHERE cert_fts MATCH ?1 ORDER BY rowid");

/* ---- the trigram index ---- */

/* How far the trigram index is behind: indexed up to *indexed, rows up to *top. */
static enum ca_err fts_behind(struct sq_store *s, int64_t *indexed, int64_t *top)
{
	sqlite3_stmt *st = sq_stmt(s, &q_fts_behind, NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*indexed = sqlite3_column_int64(st, 0);
		*top = sqlite3_column_int64(st, 1);
	}
	sq_done(st);
	return r == SQLITE_ROW ? CA_OK : CA_ERR_STORE;
}

/* Index rows (from, upto] and move the watermark, inside a transaction. */
static enum ca_err fts_index(struct sq_store *s, int64_t from, int64_t upto)
{
	sqlite3_stmt *st = sq_stmt(s, &q_fts_index, NULL);
	sqlite3_stmt *mk = st ? sq_stmt(s, &q_fts_mark, NULL) : NULL;
	if (mk == NULL)
		return CA_ERR_STORE;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, upto);
	sqlite3_bind_int64(mk, 1, upto);
	return sq_run_done(st) && sq_run_done(mk) ? CA_OK : CA_ERR_STORE;
}

/*
 * Index the rows the trigram index has not seen, one chunk of at most
 * FTS_CHUNK rows: *more when rows are left. Rows are appended with growing
 * rowids and tidy (sqlite_inventory.c) deletes only rows already indexed
 * and never the newest, so no rowid is used twice and "not seen" is
 * "rowid above fts_state.last_rowid". BEGIN IMMEDIATE makes concurrent
 * catch-ups (threads, processes) take turns: the second finds nothing
 * left, and no row is indexed twice. Each chunk its own transaction: a
 * bulk import's backlog never holds the write lock long enough to stall
 * issuance.
 */
static enum ca_err catch_up_chunk(struct sq_store *s, struct sq_conn *c, int64_t chunk, bool *more)
{
	int64_t indexed, top;
	struct ca_error err;
	enum ca_err rc = sq_begin(c, &err);
	if (rc != CA_OK)
		return rc;
	if ((rc = fts_behind(s, &indexed, &top)) == CA_OK && indexed < top)
		rc = fts_index(s, indexed, indexed + chunk < top ? indexed + chunk : top);
	if ((rc = sq_end(c, rc, &err)) == CA_OK)
		*more = top - indexed > chunk;
	return rc;
}

enum ca_err sq_index_catch_up_some(struct sq_store *s, bool *more)
{
	struct sq_conn *c = sq_conn(s);
	*more = false;
	if (c == NULL)
		return CA_ERR_STORE;
	int64_t backlog = sq_index_backlog(s);
	if (backlog < 0)
		return CA_ERR_STORE;
	return backlog > 0 ? catch_up_chunk(s, c, FTS_CHUNK, more) : CA_OK;
}

int64_t sq_index_backlog(struct sq_store *s)
{
	int64_t indexed, top;
	if (fts_behind(s, &indexed, &top) != CA_OK)
		return -1;
	return top > indexed ? top - indexed : 0;
}

/*
 * The writer's share of the catch-up. Issuing 7,000 certificates a second,
 * the housekeeping's catch-up (every 250 ms, store_maintain) indexed about
 * 1,800 rows a transaction and held the write lock up to 70 ms while the
 * writer's groups waited for it: issuance p99 20 ms, against 8 ms without
 * it. The writer indexes the backlog itself once it reaches
 * SQ_WRITER_INDEX_ROWS, in the gap between two groups, so no lock is waited
 * for and the housekeeping finds at most a smaller backlog. Committed
 * light (synchronous = NORMAL): the next group's fsync makes it durable,
 * and a power cut before it loses rows the index then takes again (the
 * watermark is in the same transaction).
 */
void sq_index_writer_round(struct sq_store *s)
{
	struct sq_conn *c = sq_writer_conn(s);
	bool more;
	if (c == NULL || sq_index_backlog(s) < SQ_WRITER_INDEX_ROWS)
		return;
	bool light = sq_light_begin(c);
	(void)catch_up_chunk(s, c, SQ_WRITER_INDEX_ROWS, &more);
	if (light)
		(void)sq_light_end(s, c); /* on failure it drops c: the next group opens one */
}

enum ca_err sq_index_catch_up(struct sq_store *s)
{
	bool more = true;
	enum ca_err rc = CA_OK;
	while (rc == CA_OK && more)
		rc = sq_index_catch_up_some(s, &more);
	return rc;
}

/* How many certificates phrase matches, counting up to max (max on error). */
static int fts_count(struct sq_store *s, const char *phrase, int max)
{
	sqlite3_stmt *st = sq_stmt(s, &q_fts_rare, NULL);
	if (st == NULL)
		return max;
	sq_bind_text(st, 1, phrase);
	sqlite3_bind_int(st, 2, max);
	int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : max;
	sq_done(st);
	return n;
}

/* Does phrase match fewer than FTS_SORT_MAX certificates? */
static bool fts_rare(struct sq_store *s, const char *phrase)
{
	return fts_count(s, phrase, FTS_SORT_MAX) < FTS_SORT_MAX;
}

/* Bytes of the character at p as SQLite reads UTF-8, and so as the trigram
 * tokenizer counts: a lead byte from 0xc0 up with the continuation bytes
 * after it, any other byte alone (a stray continuation byte too). */
static size_t utf8_len(const char *p)
{
	size_t n = 1;
	if ((unsigned char)p[0] < 0xc0)
		return 1;
	while (((unsigned char)p[n] & 0xc0) == 0x80)
		n++;
	return n;
}

/* Characters of s, as utf8_len counts them. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s += utf8_len(s))
		n++;
	return n;
}

/*
 * The FTS5 query for term (at least three characters): each of its
 * trigrams, quoted with inner quotes doubled, joined by AND. The index
 * keeps no positions (schema/sqlite/014_fts_detail_none.sql), so it cannot
 * say the trigrams are side by side: every statement that takes its rows
 * checks the term against the row itself (instr, ?9).
 */
static char *fts_phrase(const char *term)
{
	/* Each byte goes into at most three trigrams, twice if a quote; each
	 * trigram adds its two quotes and " AND ". */
	size_t n = 0;
	char *s = malloc(1 + strlen(term) * 13), *o = s;
	if (s == NULL)
		return NULL;
	for (const char *a = term; *a; a += utf8_len(a)) {
		const char *b = a + utf8_len(a), *c = *b ? b + utf8_len(b) : b;
		if (*b == '\0' || *c == '\0')
			break;
		const char *end = c + utf8_len(c);
		if (n++ > 0) {
			memcpy(o, " AND ", 5);
			o += 5;
		}
		*o++ = '"';
		for (const char *p = a; p < end; p++) {
			if (*p == '"')
				*o++ = '"';
			*o++ = *p;
		}
		*o++ = '"';
	}
	*o = '\0';
	return s;
}

/*
 * The phrase of the trigram of needle that the fewest certificates hold,
 * if fewer than max do: a superset of the needle's matches that is cheaper
 * to build than the phrase's (whose every candidate is checked at each of
 * its trigrams' positions). The first FILTER_TRIGRAMS trigrams are
 * counted, each up to the best count so far. NULL: none is rare enough
 * (or out of memory).
 */
static char *rarest_trigram(struct sq_store *s, const char *needle, int max)
{
	char *best = NULL;
	int best_n = max;
	const char *p = needle;
	for (int k = 0; k < FILTER_TRIGRAMS && *p; k++, p += utf8_len(p)) {
		size_t a = utf8_len(p), b = p[a] ? utf8_len(p + a) : 0;
		if (b == 0 || p[a + b] == '\0')
			break;
		size_t len = a + b + utf8_len(p + a + b);
		char tri[16];
		if (len >= sizeof(tri)) /* not UTF-8: count no trigram of it */
			continue;
		snprintf(tri, sizeof(tri), "%.*s", (int)len, p);
		char *phrase = fts_phrase(tri);
		int n = phrase != NULL ? fts_count(s, phrase, best_n) : best_n;
		if (n < best_n) {
			free(best);
			best = phrase;
			best_n = n;
		} else {
			free(phrase);
		}
	}
	return best;
}

/* ---- the rarest trigram's rowids ---- */

/*
 * FTS_TRIGRAM's set: the rowids of the rarest trigram's matches, sorted.
 * The expiry walk asks privca_rowset_has(?7, c.rowid) (sqlite.c) of each
 * index entry,
 * and reads a row only for the entries in the set. SQLite's own IN
 * (subquery) copies the set into a temporary b-tree first: at a million
 * rows, a trigram in one certificate of 20 took 8 ms that way, against
 * 2 ms to read its 50,000 rowids into this array.
 */
#define ROWSET_MAX (2 * FILTER_SET_MAX) /* the index may grow after the count */

/* The rowids phrase matches into r, sorted. *too_many (and r empty) past
 * ROWSET_MAX: the caller takes the phrase's set instead. */
static enum ca_err rowset_fill(struct sq_store *s, const char *phrase, struct sq_rowset *r,
			       bool *too_many)
{
	sqlite3_stmt *st = sq_stmt(s, &q_fts_rowids, NULL);
	int rc;
	*too_many = false;
	if (st == NULL)
		return CA_ERR_STORE;
	sq_bind_text(st, 1, phrase);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (r->n == ROWSET_MAX) {
			*too_many = true;
			r->n = 0;
			break;
		}
		if (r->n == r->cap) {
			size_t cap = r->cap ? 2 * r->cap : 1024;
			int64_t *id = realloc(r->id, cap * sizeof(*id));
			if (id == NULL) {
				sq_done(st);
				return CA_ERR_NOMEM;
			}
			r->id = id, r->cap = cap;
		}
		r->id[r->n++] = sqlite3_column_int64(st, 0);
	}
	sq_done(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? CA_OK : CA_ERR_STORE;
}

/* ---- the list ---- */

/*
 * How to find the rows. SCAN: walk the ordering index, testing the search
 * text of each row it passes. FTS_ROWID: trigram lookup, newest first by
 * rowid (issue order). FTS_SORTED: trigram lookup of a rare term, sorted
 * by expiry. A common term by expiry: SCAN_CAPPED, a scan that reads at
 * most SCAN_CAP_PER_ROW rows per row of the page (enough when the term is
 * dense where the order begins), then, if the page is not full,
 * FTS_FILTER: the term's rowids from the trigram index as a set, and the
 * expiry index walked on its own entries (no row read) until the page
 * fills. When one of the term's trigrams is rare enough, FTS_TRIGRAM goes
 * first instead of the capped scan: that trigram's rowids as the set and
 * the term tested on the rows that pass it; if they miss the term more
 * often than the capped scan's cap, FTS_FILTER again. At a million rows, a
 * term in one certificate of 20 whose matches all sit 15,000 rows into the
 * order: SCAN 210 ms, the capped scan then the phrase's set 66 ms, the
 * rarest trigram's set about 25. Trigrams need three characters.
 */
enum list_mode { SCAN, FTS_ROWID, FTS_SORTED, SCAN_CAPPED, FTS_FILTER, FTS_TRIGRAM };

struct list_plan {
	const struct ca_list_query *q;
	int64_t now;
	int limit;
	bool by_expiry, searching, has_cursor;
	char *needle, *phrase; /* owned */
	char *trigram;	       /* owned: FTS_TRIGRAM's phrase */
	struct sq_rowset set;  /* owned: FTS_TRIGRAM's rowids (sq_list fills it) */
	enum list_mode mode;
	struct rows_cursor cur;
};

/* The needle (lowered), the phrase if trigrams can find it, the mode. */
static enum ca_err plan_search(struct sq_store *s, struct list_plan *p, struct ca_error *err)
{
	if (!p->searching)
		return CA_OK;
	if ((p->needle = rows_lower(p->q->q)) == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	if (utf8_chars(p->needle) < 3)
		return CA_OK;
	if ((p->phrase = fts_phrase(p->needle)) == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	if (sq_index_catch_up(s) != CA_OK)
		return ca_fail(err, CA_ERR_STORE,
			       "the search index could not be brought up to date");
	p->mode = !p->by_expiry ? FTS_ROWID : fts_rare(s, p->phrase) ? FTS_SORTED : SCAN_CAPPED;
	int64_t indexed, top;
	if (p->mode == SCAN_CAPPED && fts_behind(s, &indexed, &top) == CA_OK) {
		int64_t max =
		    top / FILTER_DENSITY < FILTER_SET_MAX ? top / FILTER_DENSITY : FILTER_SET_MAX;
		if ((p->trigram = rarest_trigram(s, p->needle, (int)max)) != NULL)
			p->mode = FTS_TRIGRAM;
	}
	return CA_OK;
}

static enum ca_err plan_cursor(struct list_plan *p, struct ca_error *err)
{
	p->has_cursor = p->q->cursor != NULL && *p->q->cursor;
	if (!p->has_cursor)
		return CA_OK;
	char order = p->mode == FTS_ROWID ? 'r' : p->by_expiry ? 'e' : 'i';
	if (!rows_cursor_decode(p->q->cursor, order, &p->cur))
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "cursor is not one this server handed out for this query; start "
			       "again without it");
	return CA_OK;
}

/* The statement for p from constant fragments; every value is bound. */
static const char *list_sql(const struct list_plan *p, struct sq_text *b)
{
	const char *key = p->by_expiry ? "not_after" : "created_at";
	if (p->mode == SCAN)
		sq_text_add(b, "SELECT " SQ_CERT_COLS ", c.rowid FROM certificates c WHERE 1");
	else if (p->mode == SCAN_CAPPED) /* every row read, whether it matches at 14 */
		sq_text_add(b, "SELECT " SQ_CERT_COLS ", c.rowid, instr(" SQ_SEARCH_EXPR
			       ", ?2) > 0 FROM certificates c INDEXED BY certificates_expires "
			       "WHERE 1");
	else if (p->mode == FTS_TRIGRAM) /* likewise */
		sq_text_add(b, "SELECT " SQ_CERT_COLS ", c.rowid, instr(" SQ_SEARCH_EXPR
			       ", ?2) > 0 FROM certificates c INDEXED BY certificates_expires "
			       "WHERE privca_rowset_has(?7, c.rowid)");
	else if (p->mode == FTS_FILTER)
		sq_text_add(b, "SELECT " SQ_CERT_COLS ", c.rowid FROM certificates c INDEXED BY "
			       "certificates_expires WHERE c.rowid IN (SELECT rowid FROM cert_fts "
			       "WHERE cert_fts MATCH ?2)");
	else
		sq_text_add(b, "SELECT " SQ_CERT_COLS ", c.rowid FROM cert_fts JOIN certificates "
			       "c ON c.rowid = cert_fts.rowid WHERE cert_fts MATCH ?2");
	if (p->q->status == CA_STATUS_VALID)
		sq_text_add(b, " AND status = 'valid' AND not_after >= ?1");
	else if (p->q->status == CA_STATUS_REVOKED)
		sq_text_add(b, " AND status = 'revoked'");
	else if (p->q->status == CA_STATUS_EXPIRED)
		sq_text_add(b, " AND status = 'valid' AND not_after < ?1");
	if (p->q->expires_within_days > 0)
		sq_text_add(b, " AND status = 'valid' AND not_after >= ?1 AND not_after < ?5");
	if (p->mode == SCAN && p->searching)
		sq_text_add(b, " AND instr(" SQ_SEARCH_EXPR ", ?2) > 0");
	/* The index says only that the term's trigrams are in the row. */
	if (p->mode == FTS_ROWID || p->mode == FTS_SORTED || p->mode == FTS_FILTER)
		sq_text_add(b, " AND instr(" SQ_SEARCH_EXPR ", ?9) > 0");
	if (p->mode == FTS_ROWID) {
		if (p->has_cursor)
			sq_text_add(b, " AND cert_fts.rowid < ?4");
		sq_text_add(b, " ORDER BY cert_fts.rowid DESC LIMIT ?6");
		return sq_text_get(b);
	}
	if (p->has_cursor) {
		sq_text_add(b, " AND (");
		sq_text_add(b, key);
		sq_text_add(b, ", c.rowid) < (?3, ?4)");
	}
	sq_text_add(b, " ORDER BY ");
	sq_text_add(b, key);
	/* Where rows that miss the term come back too (column 14), the page and
	 * the misses allowed: list_rows stops at whichever ends first. */
	sq_text_add(b, p->mode == SCAN_CAPPED	? " DESC, c.rowid DESC LIMIT ?7"
		       : p->mode == FTS_TRIGRAM ? " DESC, c.rowid DESC LIMIT ?8"
						: " DESC, c.rowid DESC LIMIT ?6");
	return sq_text_get(b);
}

/* Rows SCAN_CAPPED reads, and misses FTS_TRIGRAM passes, before each gives
 * way to FTS_FILTER. */
static int scan_cap(const struct list_plan *p)
{
	return SCAN_CAP_PER_ROW * (p->limit + 1);
}

static void list_bind(sqlite3_stmt *st, const struct list_plan *p)
{
	sqlite3_bind_int64(st, 1, p->now);
	if (p->searching)
		sq_bind_text(st, 2,
			     p->mode == SCAN || p->mode == SCAN_CAPPED || p->mode == FTS_TRIGRAM
				 ? p->needle
				 : p->phrase);
	if (p->has_cursor) {
		sqlite3_bind_int64(st, 3, p->cur.key);
		sqlite3_bind_int64(st, 4, p->cur.tie);
	}
	if (p->q->expires_within_days > 0)
		sqlite3_bind_int64(st, 5, p->now + (int64_t)p->q->expires_within_days * 86400);
	sqlite3_bind_int(st, 6, p->limit + 1);
	if (p->mode == SCAN_CAPPED)
		sqlite3_bind_int(st, 7, scan_cap(p));
	if (p->mode == FTS_TRIGRAM) {
		sqlite3_bind_pointer(st, 7, (void *)&p->set, SQ_ROWSET_TYPE, NULL);
		sqlite3_bind_int(st, 8, p->limit + 2 + scan_cap(p));
	}
	if (p->mode == FTS_ROWID || p->mode == FTS_SORTED || p->mode == FTS_FILTER)
		sq_bind_text(st, 9, p->needle);
}

/* One more row exists: the cursor is the last row returned. */
static enum ca_err page_cursor(const struct list_plan *p, const struct ca_cert *last, int64_t rowid,
			       struct ca_cert_list *out, struct ca_error *err)
{
	struct rows_cursor c = {.tie = rowid};
	c.order = p->mode == FTS_ROWID ? 'r' : p->by_expiry ? 'e' : 'i';
	c.key = p->by_expiry ? last->not_after : last->created_at;
	if ((out->next_cursor = rows_cursor_encode(&c)) == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	return CA_OK;
}

/* Step st into out: up to limit rows, and the cursor if there are more.
 * SCAN_CAPPED and FTS_TRIGRAM: rows that do not hold the term
 * (column 14) are passed over, and *give_way says the walk was stopped for
 * the phrase's set: the capped scan's cap was reached before the page was
 * full, or the trigram's candidates missed more than the scan's cap. */
static enum ca_err list_rows(sqlite3_stmt *st, const struct list_plan *p, struct ca_cert_list *out,
			     bool *give_way, struct ca_error *err)
{
	int64_t last_rowid = 0;
	int r, read = 0, missed = 0;
	bool tested = p->mode == SCAN_CAPPED || p->mode == FTS_TRIGRAM;
	*give_way = false;
	if ((out->items = calloc((size_t)p->limit, sizeof(*out->items))) == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		read++;
		if (tested && sqlite3_column_int(st, 14) == 0) {
			if (p->mode == FTS_TRIGRAM && ++missed > scan_cap(p)) {
				*give_way = true;
				return CA_OK;
			}
			continue;
		}
		if (out->n == (size_t)p->limit)
			return page_cursor(p, out->items[out->n - 1], last_rowid, out, err);
		struct rows_cert_cols k;
		sq_cert_cols(st, &k, false);
		enum ca_err rc = rows_cert(&k, false, p->now, &out->items[out->n], err);
		if (rc != CA_OK)
			return rc;
		out->n++;
		last_rowid = sqlite3_column_int64(st, 13);
	}
	if (r != SQLITE_DONE)
		return ca_fail(err, CA_ERR_STORE, "the database failed: %s",
			       sqlite3_errmsg(sqlite3_db_handle(st)));
	*give_way = p->mode == SCAN_CAPPED && read == scan_cap(p);
	return CA_OK;
}

static enum ca_err list_run(struct sq_store *s, const struct list_plan *p, struct ca_cert_list *out,
			    bool *give_way, struct ca_error *err)
{
	struct sq_text b = {0};
	const char *sql = list_sql(p, &b);
	struct sq_conn *c = sq_conn(s);
	sqlite3_stmt *st = NULL;
	if (sql == NULL)
		return ca_fail(err, CA_ERR_INTERNAL, "the list query does not fit its buffer");
	if (c == NULL || sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	list_bind(st, p);
	enum ca_err rc = list_rows(st, p, out, give_way, err);
	sqlite3_finalize(st);
	return rc;
}

/* The plan for q at now: limits, search mode, cursor. plan_free after. */
static enum ca_err plan_make(struct sq_store *s, const struct ca_list_query *q, int64_t now,
			     struct list_plan *p, struct ca_error *err)
{
	*p = (struct list_plan){.q = q, .now = now, .mode = SCAN};
	p->limit = q->limit == 0 ? 50 : q->limit;
	if (p->limit < 1 || p->limit > 500)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "limit must be between 1 and 500");
	p->by_expiry = q->sort == CA_SORT_EXPIRES;
	p->searching = q->q != NULL && *q->q;
	enum ca_err rc = plan_search(s, p, err);
	return rc == CA_OK ? plan_cursor(p, err) : rc;
}

/* Does p give way to FTS_FILTER (when its walk says so)? */
static bool plan_may_give_way(const struct list_plan *p)
{
	return p->mode == SCAN_CAPPED || p->mode == FTS_TRIGRAM;
}

static void plan_give_way(struct list_plan *p)
{
	free(p->trigram);
	p->trigram = NULL;
	free(p->set.id);
	p->set = (struct sq_rowset){0};
	p->mode = FTS_FILTER;
}

static void plan_free(struct list_plan *p)
{
	free(p->needle);
	free(p->phrase);
	free(p->trigram);
	free(p->set.id);
}

/* FTS_TRIGRAM's set, read before its walk; FTS_FILTER instead if the
 * trigram's matches grew past ROWSET_MAX since they were counted. */
static enum ca_err plan_fill(struct sq_store *s, struct list_plan *p, struct ca_error *err)
{
	bool too_many = false;
	if (p->mode != FTS_TRIGRAM)
		return CA_OK;
	enum ca_err rc = rowset_fill(s, p->trigram, &p->set, &too_many);
	if (rc == CA_ERR_NOMEM)
		return ca_fail(err, rc, "out of memory");
	if (rc != CA_OK)
		return ca_fail(err, rc, "the search index does not answer");
	if (too_many)
		plan_give_way(p);
	return CA_OK;
}

enum ca_err sq_list(struct store *base, const struct ca_list_query *q, int64_t now,
		    struct ca_cert_list *out, struct ca_error *err)
{
	struct sq_store *s = sq_of(base);
	struct list_plan p;
	bool give_way = false;
	memset(out, 0, sizeof(*out));
	enum ca_err rc = plan_make(s, q, now, &p, err);
	if (rc == CA_OK)
		rc = plan_fill(s, &p, err);
	if (rc == CA_OK)
		rc = list_run(s, &p, out, &give_way, err);
	if (rc == CA_OK && give_way) { /* the phrase's set, which has no misses */
		ca_cert_list_free(out);
		plan_give_way(&p);
		rc = list_run(s, &p, out, &give_way, err);
	}
	if (rc != CA_OK)
		ca_cert_list_free(out);
	plan_free(&p);
	return rc;
}

/* The plan of p's statement, its mode named on the first line. */
static enum ca_err explain_one(struct sq_store *s, const struct list_plan *p, char **out,
			       struct ca_error *err)
{
	static const char *const names[] = {[SCAN] = "scan",
					    [FTS_ROWID] = "fts",
					    [FTS_SORTED] = "fts-sorted",
					    [SCAN_CAPPED] = "scan-capped",
					    [FTS_FILTER] = "fts-filter",
					    [FTS_TRIGRAM] = "fts-filter-trigram"};
	struct sq_text b = {0};
	sqlite3_stmt *st = NULL;
	struct sq_conn *c = sq_conn(s);
	sq_text_add(&b, "EXPLAIN QUERY PLAN ");
	const char *sql = list_sql(p, &b);
	if (sql == NULL || c == NULL || sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return ca_fail(err, CA_ERR_STORE, "the list query could not be explained");
	list_bind(st, p);
	enum ca_err rc = sq_explain_rows(st, names[p->mode], out, err);
	sqlite3_finalize(st);
	return rc;
}

enum ca_err sq_list_explain(struct store *base, const struct ca_list_query *q, int64_t now,
			    char **out, struct ca_error *err)
{
	struct sq_store *s = sq_of(base);
	struct list_plan p;
	*out = NULL;
	enum ca_err rc = plan_make(s, q, now, &p, err);
	if (rc == CA_OK)
		rc = explain_one(s, &p, out, err);
	if (rc == CA_OK && plan_may_give_way(&p)) { /* and the plan it may give way to */
		char *second = NULL, *both = NULL;
		plan_give_way(&p);
		if ((rc = explain_one(s, &p, &second, err)) == CA_OK) {
			size_t n1 = strlen(*out), n2 = strlen(second);
			if ((both = realloc(*out, n1 + n2 + 1)) == NULL)
				rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
			else {
				memcpy(both + n1, second, n2 + 1);
				*out = both;
			}
		}
		free(second);
	}
	if (rc != CA_OK) {
		free(*out);
		*out = NULL;
	}
	plan_free(&p);
	return rc;
}
