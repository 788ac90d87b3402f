/*
 * The code in this file implements the SQLite store's inventory: the
 * counts by status (store_count) over the per-day expiry histogram that
 * triggers keep (schema/sqlite/007_counts.sql), and retention (store_tidy,
 * schema/sqlite/009_tidy.sql).
 *
 * A count at time `now` is the sum of the whole days on each side of now
 * plus index range counts of the partial days at its edges: the day now
 * falls in, and for "expiring within 30 days" the day 30 days on. So a
 * count costs a few hundred histogram rows and two days' worth of index
 * entries, whatever the store holds, and it is exact at `now` (nothing is
 * cached, so nothing goes stale: another process's revocation or the
 * clock passing a certificate's notAfter shows at the next count).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "rows.h"
#include "sqlite_int.h"

#define DAY	      86400
#define EXPIRING_DAYS 30
/* Times beyond this many seconds from 1970 are refused: the day arithmetic
 * below then never overflows. */
#define TIME_LIMIT ((int64_t)1 << 50)

/*
 * ?1 now; ?2 the first day wholly at or after now, ?3 its start; ?4 the
 * day now falls in, ?5 its start; ?6 the day now + 30 days falls in, ?7
 * its start. The partial days are counted from certificates_expires
 * (not_after first, status in the index).
 */
static struct sq_sql q_count =
    SQ_SQL("SELECT "
	   "(SELECT coalesce(sum(n), 0) FROM cert_days WHERE status = 'valid' AND day >= ?2) + "
	   "(SELECT count(*) FROM certificates WHERE status = 'valid' AND not_after >= ?1 "
	   "AND not_after < ?3), "
	   "(SELECT coalesce(sum(n), 0) FROM cert_days WHERE status = 'revoked'), "
	   "(SELECT coalesce(sum(n), 0) FROM cert_days WHERE status = 'valid' AND day < ?4) + "
	   "(SELECT count(*) FROM certificates WHERE status = 'valid' AND not_after >= ?5 "
	   "AND not_after < ?1), "
	   "(SELECT coalesce(sum(n), 0) FROM cert_days WHERE status = 'valid' AND day >= ?2 "
	   "AND day < ?6) + "
	   "(SELECT count(*) FROM certificates WHERE status = 'valid' AND not_after >= ?1 "
	   "AND not_after < ?3) + "
	   "(SELECT count(*) FROM certificates WHERE status = 'valid' AND not_after >= ?7 "
	   "AND not_after < ?1 + 2592000), "
	   "(SELECT deleted FROM tidy_state WHERE id = 1)");

/* floor(t / DAY), also for negative t (C's division truncates). */
static int64_t day_floor(int64_t t)
{
	return t >= 0 ? t / DAY : -((-t + DAY - 1) / DAY);
}

static int64_t day_ceil(int64_t t)
{
	return -day_floor(-t);
}

enum ca_err sq_count(struct store *base, int64_t now, struct ca_counts *out, struct ca_error *err)
{
	_Static_assert(EXPIRING_DAYS * DAY == 2592000, "q_count spells 30 days out");
	if (now > TIME_LIMIT || now < -TIME_LIMIT)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "the time %lld is out of range",
			       (long long)now);
	sqlite3_stmt *st = sq_stmt(sq_of(base), &q_count, NULL);
	if (st == NULL)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	int64_t first_full = day_ceil(now), this_day = day_floor(now);
	int64_t end_day = day_floor(now + (int64_t)EXPIRING_DAYS * DAY);
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, first_full);
	sqlite3_bind_int64(st, 3, first_full * DAY);
	sqlite3_bind_int64(st, 4, this_day);
	sqlite3_bind_int64(st, 5, this_day * DAY);
	sqlite3_bind_int64(st, 6, end_day);
	sqlite3_bind_int64(st, 7, end_day * DAY);
	enum ca_err rc = CA_OK;
	if (sqlite3_step(st) == SQLITE_ROW) {
		out->valid = (uint64_t)sqlite3_column_int64(st, 0);
		out->revoked = (uint64_t)sqlite3_column_int64(st, 1);
		out->expired = (uint64_t)sqlite3_column_int64(st, 2);
		out->expiring_30d = (uint64_t)sqlite3_column_int64(st, 3);
		out->tidied = (uint64_t)sqlite3_column_int64(st, 4);
	} else {
		rc = ca_fail(err, CA_ERR_STORE, "the counts could not be read: %s",
			     sqlite3_errmsg(sqlite3_db_handle(st)));
	}
	sq_done(st);
	return rc;
}

/* ---- retention ---- */

/* Pages given back to the file system per tidy step (4 MiB of 4 KiB pages):
 * a few milliseconds of writing, so issuance never waits long behind it. */
#define VACUUM_PAGES 1024

/*
 * Rows a tidy may delete: expired before ?1, already in the trigram index
 * (its 'delete' needs the text it indexed) and not the newest row (a
 * rowid is never handed out twice: sqlite_search.c relies on it).
 */
#define TIDY_WHERE                                                                                 \
	" FROM certificates WHERE not_after < ?1 AND rowid <= (SELECT last_rowid FROM fts_state "  \
	"WHERE id = 1) AND rowid < (SELECT max(rowid) FROM certificates)"
static struct sq_sql q_tidy_count = SQ_SQL("SELECT count(*)" TIDY_WHERE);
static struct sq_sql q_tidy_pick =
    SQ_SQL("SELECT rowid, serial, " SQ_SEARCH_EXPR TIDY_WHERE " ORDER BY not_after LIMIT ?2");
static struct sq_sql q_tidy_unindex =
    SQ_SQL("INSERT INTO cert_fts (cert_fts, rowid, search) VALUES ('delete', ?1, ?2)");
static struct sq_sql q_tidy_events = SQ_SQL("DELETE FROM events WHERE serial = ?1");
static struct sq_sql q_tidy_cert = SQ_SQL("DELETE FROM certificates WHERE rowid = ?1");
static struct sq_sql q_tidy_days = SQ_SQL("DELETE FROM cert_days WHERE n <= 0");
static struct sq_sql q_tidy_total =
    SQ_SQL("UPDATE tidy_state SET deleted = deleted + ?1 WHERE id = 1");

/* Step st (bound, from sq_stmt) to its end; false if it failed. */
static bool run_done(sqlite3_stmt *st)
{
	int r = sqlite3_step(st);
	sq_done(st);
	return r == SQLITE_DONE;
}

/* Delete one certificate (its trigram entries, its events, its row). */
static enum ca_err tidy_one(struct sq_store *s, sqlite3_stmt *pick)
{
	int64_t rowid = sqlite3_column_int64(pick, 0);
	const char *serial = sq_col_text(pick, 1), *text = sq_col_text(pick, 2);
	sqlite3_stmt *un = sq_stmt(s, &q_tidy_unindex, NULL);
	sqlite3_stmt *ev = un ? sq_stmt(s, &q_tidy_events, NULL) : NULL;
	sqlite3_stmt *del = ev ? sq_stmt(s, &q_tidy_cert, NULL) : NULL;
	if (del == NULL)
		return CA_ERR_STORE;
	sqlite3_bind_int64(un, 1, rowid);
	sq_bind_text(un, 2, text);
	sq_bind_text(ev, 1, serial);
	sqlite3_bind_int64(del, 1, rowid);
	return run_done(un) && run_done(ev) && run_done(del) ? CA_OK : CA_ERR_STORE;
}

/* Inside the transaction: up to t->limit rows, then the counters and the event. */
static enum ca_err tidy_step(struct sq_store *s, const struct store_tidy *t, uint64_t *n)
{
	sqlite3_stmt *pick = sq_stmt(s, &q_tidy_pick, NULL);
	enum ca_err rc = CA_OK;
	int r = SQLITE_DONE;
	if (pick == NULL)
		return CA_ERR_STORE;
	sqlite3_bind_int64(pick, 1, t->before);
	sqlite3_bind_int64(pick, 2, (int64_t)t->limit);
	while (rc == CA_OK && (r = sqlite3_step(pick)) == SQLITE_ROW)
		if ((rc = tidy_one(s, pick)) == CA_OK)
			(*n)++;
	if (rc == CA_OK && r != SQLITE_DONE)
		rc = CA_ERR_STORE;
	sq_done(pick);
	if (rc != CA_OK || *n == 0)
		return rc;
	sqlite3_stmt *days = sq_stmt(s, &q_tidy_days, NULL);
	sqlite3_stmt *total = days ? sq_stmt(s, &q_tidy_total, NULL) : NULL;
	if (total == NULL)
		return CA_ERR_STORE;
	sqlite3_bind_int64(total, 1, (int64_t)*n);
	if (!run_done(days) || !run_done(total))
		return CA_ERR_STORE;
	char detail[128];
	rows_tidy_detail(t, *n, detail, sizeof(detail));
	return sq_event_insert(s, t->now, "tidy", NULL, t->actor, detail);
}

static enum ca_err tidy_count(struct sq_store *s, const struct store_tidy *t, uint64_t *n,
			      struct ca_error *err)
{
	sqlite3_stmt *st = sq_stmt(s, &q_tidy_count, NULL);
	if (st == NULL)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	sqlite3_bind_int64(st, 1, t->before);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*n = (uint64_t)sqlite3_column_int64(st, 0);
	sq_done(st);
	if (r != SQLITE_ROW)
		return ca_fail(err, CA_ERR_STORE, "the database failed");
	return CA_OK;
}

enum ca_err sq_tidy(struct store *base, const struct store_tidy *t, uint64_t *n,
		    struct ca_error *err)
{
	struct sq_store *s = sq_of(base);
	*n = 0;
	enum ca_err rc = rows_tidy_check(t, err);
	if (rc != CA_OK)
		return rc;
	/* Rows not yet in the trigram index are left alone: index them first. */
	if (sq_index_catch_up(s) != CA_OK)
		return ca_fail(err, CA_ERR_STORE,
			       "the search index could not be brought up to date");
	if (t->dry_run)
		return tidy_count(s, t, n, err);
	struct sq_conn *c = sq_conn(s);
	if (c == NULL)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	rc = sq_begin(c, err);
	if (rc != CA_OK)
		return rc;
	if ((rc = tidy_step(s, t, n)) != CA_OK) {
		*n = 0;
		rc = ca_fail(err, rc, "the tidy failed: %s", sqlite3_errmsg(c->db));
	}
	if ((rc = sq_end(c, rc, err)) != CA_OK) {
		*n = 0;
		return rc;
	}
	/* Outside the transaction, in its own: a no-op with auto_vacuum NONE. */
	char pragma[64];
	snprintf(pragma, sizeof(pragma), "PRAGMA incremental_vacuum(%d)", VACUUM_PAGES);
	if (sq_exec(c->db, pragma) != SQLITE_OK)
		return ca_fail(err, CA_ERR_STORE, "the freed space could not be given back: %s",
			       sqlite3_errmsg(c->db));
	return CA_OK;
}

enum ca_err sq_count_explain(struct store *base, char **out, struct ca_error *err)
{
	struct sq_conn *c = sq_conn(sq_of(base));
	sqlite3_stmt *st = NULL;
	char sql[2048];
	*out = NULL;
	if (snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", q_count.text) >= (int)sizeof(sql))
		return ca_fail(err, CA_ERR_INTERNAL, "the count query does not fit its buffer");
	if (c == NULL || sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return ca_fail(err, CA_ERR_STORE, "the count query could not be explained");
	enum ca_err rc = sq_explain_rows(st, "count", out, err);
	sqlite3_finalize(st);
	return rc;
}
