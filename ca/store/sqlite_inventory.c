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

/* Pages given back to the file system per transaction (256 KiB of 4 KiB
 * pages): each moved page rewrites its parent's pointer too, about 0.2 ms
 * a page at a million rows; rounds of 1,024 held the lock 9-82 ms beside
 * issuance, and issuance p99 was 72-81 ms while the service gave back a
 * tidy's space in rounds of 256. */
#define VACUUM_PAGES 64

/*
 * Rows a tidy may delete: expired before ?1, already in the trigram index
 * (so that fts_state.dead counts exactly the entries left there) and not
 * the newest row: a rowid is never handed out twice, and a tidied row's
 * entries, left in the index, must never match a new row.
 */
#define TIDY_WHERE                                                                                 \
	" FROM certificates INDEXED BY certificates_expires WHERE not_after < ?1 AND rowid <= "    \
	"(SELECT last_rowid FROM fts_state WHERE id = 1) AND rowid < (SELECT max(rowid) FROM "     \
	"certificates)"
static struct sq_sql q_tidy_count = SQ_SQL("SELECT count(*)" TIDY_WHERE);
/*
 * A step works set by set, not row by row: the rows it takes go into a
 * temporary table (this connection's), then one statement each removes
 * their events and the rows. Why:
 *
 *  - Their trigram entries stay (schema/sqlite/013_fts_dead.sql): deleting
 *    them was FTS5's merge work, about 0.3 s of a 2,000-row step at a
 *    million rows and up to 1.5 s, inside the write lock (with automerge
 *    off for the step, the markers piled up until a crisis merge of several
 *    seconds fell on the next writer and issuance stalled up to 6.5 s). A
 *    step counts them in fts_state.dead; sqlite_reindex.c rebuilds the
 *    index when they are many.
 *  - The rows are the oldest (lowest rowids) of those expired, found on
 *    certificates_expires, so each statement walks its tables forward:
 *    in expiry order, rows spread over the whole file made every step
 *    several times slower. Walking that index for the lowest rowids reads
 *    every expired entry, so one walk fills a pool of TIDY_POOL_ROWS rows
 *    (temp.tidy_pool); a step takes the lowest of it. Both happen before the
 *    write transaction, so the lock is held for the deletes only. The
 *    deletes join the rows again, so a row that another tidy took
 *    meanwhile is simply not there. (A join from temp.tidy_pick must not
 *    test a certificates column: SQLite builds a Bloom filter over the
 *    whole table for it; and it must be a CROSS JOIN, picked rows outer:
 *    the temporary table has no statistics.)
 *  - The commit is light (synchronous = NORMAL, as the store's light jobs):
 *    a power cut may give back the last steps' rows, with their counter and
 *    'tidy' event, and a later tidy deletes them again. Nothing else depends
 *    on a deletion being durable, and the fsync was half a step's time.
 */
/*
 * A step reads its pages through a map of the file (PRAGMA mmap_size; SQLite
 * caps it at 2 GiB), not a pread each into a page cache that the soft heap
 * limit keeps small: at a million rows a step read thousands of pages, and
 * the syscalls were half its time (500,000 rows: 144 s read, 88 s mapped).
 * Only for the step: a service's resident size does not keep the pages.
 */
#define TIDY_MMAP ((int64_t)1 << 31)
static struct sq_sql q_pool_clear = SQ_SQL("DELETE FROM temp.tidy_pool");
static struct sq_sql q_pool_fill =
    SQ_SQL("INSERT INTO temp.tidy_pool (r) SELECT rowid" TIDY_WHERE " ORDER BY rowid LIMIT ?2");
/* How many rows one walk puts in the pool: the walk reads every expired
 * entry of certificates_expires, so it is done seldom, whatever the step. */
#define TIDY_POOL_ROWS 50000
static struct sq_sql q_tidy_clear = SQ_SQL("DELETE FROM temp.tidy_pick");
static struct sq_sql q_tidy_pick =
    SQ_SQL("INSERT INTO temp.tidy_pick (r) SELECT r FROM temp.tidy_pool ORDER BY r LIMIT ?2");
static struct sq_sql q_pool_taken =
    SQ_SQL("DELETE FROM temp.tidy_pool WHERE r <= (SELECT max(r) FROM temp.tidy_pick)");
/* events_cert (schema/sqlite/011_events_cert.sql): side by side in rowid order. */
static struct sq_sql q_tidy_events =
    SQ_SQL("DELETE FROM events WHERE cert IN (SELECT r FROM temp.tidy_pick)");
static struct sq_sql q_tidy_cert = SQ_SQL(
    "DELETE FROM certificates WHERE rowid IN (SELECT r FROM temp.tidy_pick) AND not_after < ?1");
static struct sq_sql q_tidy_days = SQ_SQL("DELETE FROM cert_days WHERE n <= 0");
static struct sq_sql q_tidy_total =
    SQ_SQL("UPDATE tidy_state SET deleted = deleted + ?1 WHERE id = 1");
/* The rows' trigram entries stay, counted (schema/sqlite/013_fts_dead.sql). */
static struct sq_sql q_tidy_dead = SQ_SQL("UPDATE fts_state SET dead = dead + ?1 WHERE id = 1");

/* Run q, binding ?1 = before and ?2 = rows where it has them. */
static bool run_q(struct sq_store *s, struct sq_sql *q, const struct store_tidy *t, size_t rows)
{
	sqlite3_stmt *st = sq_stmt(s, q, NULL);
	if (st == NULL)
		return false;
	int n = sqlite3_bind_parameter_count(st);
	if (n >= 1)
		sqlite3_bind_int64(st, 1, t->before);
	if (n >= 2)
		sqlite3_bind_int64(st, 2, (int64_t)rows);
	return sq_run_done(st);
}

/* Inside the transaction: the picked rows, then the counters and the event. */
static enum ca_err tidy_step(struct sq_store *s, const struct store_tidy *t, uint64_t *n)
{
	struct sq_conn *c = sq_conn(s);
	if (c == NULL)
		return CA_ERR_STORE;
	if (!run_q(s, &q_tidy_events, t, 0) || !run_q(s, &q_tidy_cert, t, 0))
		return CA_ERR_STORE;
	*n = (uint64_t)sqlite3_changes(c->db);
	if (*n == 0)
		return CA_OK;
	sqlite3_stmt *days = sq_stmt(s, &q_tidy_days, NULL);
	sqlite3_stmt *total = days ? sq_stmt(s, &q_tidy_total, NULL) : NULL;
	sqlite3_stmt *dead = total ? sq_stmt(s, &q_tidy_dead, NULL) : NULL;
	if (dead == NULL)
		return CA_ERR_STORE;
	sqlite3_bind_int64(total, 1, (int64_t)*n);
	sqlite3_bind_int64(dead, 1, (int64_t)*n);
	if (!sq_run_done(days) || !sq_run_done(total) || !sq_run_done(dead))
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

/*
 * This step's rows into temp.tidy_pick, from the pool (filled again when it
 * is empty, or was filled for a later date than t's); *picked: how many.
 */
static enum ca_err tidy_pick(struct sq_store *s, struct sq_conn *c, const struct store_tidy *t,
			     int *picked, struct ca_error *err)
{
	*picked = 0;
	if (sq_exec(c->db, "CREATE TEMP TABLE IF NOT EXISTS tidy_pool (r INTEGER PRIMARY KEY); "
			   "CREATE TEMP TABLE IF NOT EXISTS tidy_pick (r INTEGER PRIMARY KEY)") !=
	    SQLITE_OK)
		return ca_fail(err, CA_ERR_STORE, "the tidy's work tables could not be made: %s",
			       sqlite3_errmsg(c->db));
	if (c->tidy_pool_before > t->before && !run_q(s, &q_pool_clear, t, 0))
		goto failed;
	for (int pass = 0; pass < 2; pass++) {
		if (!run_q(s, &q_tidy_clear, t, 0) || !run_q(s, &q_tidy_pick, t, t->limit))
			goto failed;
		if ((*picked = sqlite3_changes(c->db)) > 0)
			return run_q(s, &q_pool_taken, t, 0) ? CA_OK : CA_ERR_STORE;
		/* Rows not yet in the trigram index are left alone: index them
		 * first (the pool is filled seldom; a step must not write the
		 * index inside its own lock's turn). */
		if (pass == 0 && sq_index_catch_up(s) != CA_OK)
			return ca_fail(err, CA_ERR_STORE,
				       "the search index could not be brought up to date");
		if (pass == 0 && !run_q(s, &q_pool_fill, t, TIDY_POOL_ROWS))
			goto failed;
		c->tidy_pool_before = t->before;
	}
	return CA_OK;
failed:
	return ca_fail(err, CA_ERR_STORE, "the tidy could not pick its rows: %s",
		       sqlite3_errmsg(c->db));
}

/* One step's transaction, committed light when it can be (see above).
 * *dropped: c was closed (it could not be made durable again). */
static enum ca_err tidy_commit(struct sq_store *s, struct sq_conn *c, const struct store_tidy *t,
			       uint64_t *n, bool *dropped, struct ca_error *err)
{
	bool light = sq_light_begin(c);
	enum ca_err rc = sq_begin(c, err);
	if (rc == CA_OK) {
		if ((rc = tidy_step(s, t, n)) != CA_OK)
			rc = ca_fail(err, rc, "the tidy failed: %s", sqlite3_errmsg(c->db));
		rc = sq_end(c, rc, err);
	}
	if (light && !sq_light_end(s, c)) {
		*dropped = true;
		if (rc == CA_OK)
			rc =
			    ca_fail(err, CA_ERR_STORE, "synchronous = FULL could not be set again");
	}
	if (rc != CA_OK)
		*n = 0;
	return rc;
}

/*
 * The WAL a tidy grows, started over. A tidy beside a service that issues
 * left a WAL of 0.7 to 5.9 GB: SQLite's automatic checkpoints (PASSIVE,
 * after each step's commit once the WAL holds 1,000 pages) copied its
 * pages, but with two processes writing, the WAL was never wholly copied
 * when a writer began, and only then does it start over. After each
 * TIDY_RESTART_PAGES pages this connection wrote, a RESTART checkpoint
 * copies what is left (the automatic ones did the most of it), holding
 * writers off meanwhile, and waits for readers to leave the WAL, so that
 * the next writer starts it over. (Copying it all in one PASSIVE round
 * there instead of a little after each step: tidy 57.5 s instead of 66.6,
 * but issuance p99 beside it 29 ms instead of 12.)
 */
#define TIDY_RESTART_PAGES 4000
static void tidy_wal(struct sq_conn *c)
{
	if (sq_wal_written(c) < TIDY_RESTART_PAGES)
		return;
	(void)sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
	c->wal_own = 0;
}

enum ca_err sq_tidy(struct store *base, const struct store_tidy *t, uint64_t *n,
		    struct ca_error *err)
{
	struct sq_store *s = sq_of(base);
	*n = 0;
	enum ca_err rc = rows_tidy_check(t, err);
	if (rc != CA_OK)
		return rc;
	if (t->dry_run) {
		if (sq_index_catch_up(s) != CA_OK)
			return ca_fail(err, CA_ERR_STORE,
				       "the search index could not be brought up to date");
		return tidy_count(s, t, n, err);
	}
	struct sq_conn *c = sq_conn(s);
	if (c == NULL)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	/* Read through a map of the file for the step (see TIDY_MMAP), and
	 * unmapped again after it, so the pages it read are not kept. */
	char pragma[64];
	snprintf(pragma, sizeof(pragma), "PRAGMA mmap_size = %lld", (long long)TIDY_MMAP);
	if (sq_exec(c->db, pragma) != SQLITE_OK)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer: %s",
			       sqlite3_errmsg(c->db));
	/* Picked rows that another tidy took meanwhile delete nothing: pick
	 * again, so that 0 means none is left. */
	int picked = 0;
	bool dropped = false;
	do {
		if ((rc = tidy_pick(s, c, t, &picked, err)) != CA_OK || picked == 0 ||
		    (rc = tidy_commit(s, c, t, n, &dropped, err)) != CA_OK)
			break;
	} while (*n == 0);
	if (dropped)
		return rc;
	if (rc == CA_OK)
		tidy_wal(c);
	if (sq_exec(c->db, "PRAGMA mmap_size = 0") != SQLITE_OK && rc == CA_OK)
		rc = ca_fail(err, CA_ERR_STORE, "the database does not answer: %s",
			     sqlite3_errmsg(c->db));
	if (rc != CA_OK)
		return rc;
	if (picked > 0)
		return run_q(s, &q_tidy_clear, t, 0)
			   ? CA_OK
			   : ca_fail(err, CA_ERR_STORE,
				     "the tidy's work table could not be emptied: %s",
				     sqlite3_errmsg(c->db));
	/* None left. The freed pages stay free: new rows reuse them, and the
	 * service's housekeeping gives them back to the file system in the
	 * background (sq_vacuum_some, store_maintain) once no tidy is freeing
	 * more. Giving them back here took half the tidy: 500,000 of a million,
	 * alone, 79 s, of which 39 s moved pages for 199 rounds. */
	return CA_OK;
}

static struct sq_sql q_free_pages = SQ_SQL("PRAGMA freelist_count");

/* Free pages of the file; -1 if they cannot be counted. Asked every round
 * of the service's housekeeping: prepared once (sq_stmt). */
int64_t sq_free_pages(struct sq_store *s)
{
	int64_t n;
	return sq_int64(s, &q_free_pages, &n) == SQLITE_ROW ? n : -1;
}

enum ca_err sq_vacuum_some(struct sq_store *s, int64_t keep, bool *more)
{
	struct sq_conn *c = sq_conn(s);
	*more = false;
	int64_t n = c != NULL ? sq_free_pages(s) : -1, after;
	if (n < 0)
		return CA_ERR_STORE;
	if (n <= keep)
		return CA_OK;
	char pragma[64];
	snprintf(pragma, sizeof(pragma), "PRAGMA incremental_vacuum(%d)", VACUUM_PAGES);
	if (sq_exec(c->db, pragma) != SQLITE_OK || (after = sq_free_pages(s)) < 0)
		return CA_ERR_STORE;
	/* A store from before auto_vacuum (a no-op there) gives none back:
	 * then there is no more to do, not a loop. */
	*more = after < n && after > keep;
	return CA_OK;
}

enum ca_err sq_count_explain(struct store *base, char **out, struct ca_error *err)
{
	return sq_explain_sql(base, q_count.text, "count", out, err);
}
