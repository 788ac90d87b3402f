/*
 * The code in this file implements the SQLite store's inventory: the
 * counts by status (store_count) over the per-day expiry histogram that
 * triggers keep (schema/sqlite/007_counts.sql).
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

#include "errors.h"
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
	   "AND not_after < ?1 + 2592000)");

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
	} else {
		rc = ca_fail(err, CA_ERR_STORE, "the counts could not be read: %s",
			     sqlite3_errmsg(sqlite3_db_handle(st)));
	}
	sq_done(st);
	return rc;
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
