/*
 * The code in this file implements the SQLite store's rebuild of the
 * trigram index (sqlite_int.h: sq_reindex_some), the other half of a tidy
 * that deletes certificates but not their trigram entries
 * (schema/sqlite/013_fts_dead.sql says why).
 *
 * fts_state.dead counts the entries whose row is gone. When they are at
 * least REINDEX_MIN and a quarter of the rows, and the count has stood
 * still a while, a new contentless table, cert_fts_new, is filled beside
 * cert_fts in rowid order, REINDEX_CHUNK rows a transaction (2,000 held the
 * write lock up to 100 ms at a million rows), up to what cert_fts holds
 * (fts_state.last_rowid: the catch-up goes on indexing new rows into
 * cert_fts meanwhile), and once it holds every one of them the two are
 * swapped in one transaction: renamed, the old one aside as cert_fts_old.
 * Dropping it there and then held the write lock 3.2 s at a million rows
 * (its 300 MiB of pages freed in one commit), so later rounds empty its
 * segment table DROP_CHUNK rows a transaction and drop it once it is empty.
 * The state is in the database (fts_state.rebuild_rowid, cert_fts_old), so
 * a restart, or another process, goes on where the last chunk ended; each
 * chunk reads it inside its own write transaction, so two never fill the
 * same rows.
 */
#include "errors.h"
#include "sqlite_int.h"

#define REINDEX_CHUNK 1000
#define REINDEX_MIN   10000
#define REINDEX_SHARE 4 /* dead * REINDEX_SHARE >= rows: rebuild */
/* A rebuild begins once the count has stood still this many rounds (about
 * ten seconds of the service's): not while a tidy is still deleting, which
 * would make the rows it copies dead again and compete for the lock. */
#define REINDEX_QUIET_ROUNDS 40
/* Segment rows of the old index deleted a transaction (4 KiB or so each),
 * and the statement. Rowids 1 and 10 are FTS5's averages and structure
 * records, which it reads to open the table, and DROP TABLE opens it: they
 * stay. */
#define DROP_CHUNK "1000"
#define DROP_OLD_SQL                                                                               \
	"DELETE FROM cert_fts_old_data WHERE rowid IN (SELECT rowid FROM cert_fts_old_data "       \
	"WHERE rowid > 10 LIMIT " DROP_CHUNK ")"

static struct sq_sql q_rx_state =
    SQ_SQL("SELECT last_rowid, dead, rebuild_rowid, (SELECT coalesce(sum(n), 0) FROM cert_days), "
	   "EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'cert_fts_old') "
	   "FROM fts_state WHERE id = 1");
static struct sq_sql q_rx_begin =
    SQ_SQL("UPDATE fts_state SET rebuild_rowid = 0, rebuild_dead = dead WHERE id = 1");
/* The last rowid of the next chunk: rows after ?1 up to ?2, at most ?3. */
static struct sq_sql q_rx_upto =
    SQ_SQL("SELECT max(rowid) FROM (SELECT rowid FROM certificates WHERE rowid > ?1 AND "
	   "rowid <= ?2 ORDER BY rowid LIMIT ?3)");
static struct sq_sql q_rx_fill = SQ_SQL(SQ_FTS_FILL("cert_fts_new"));
static struct sq_sql q_rx_mark = SQ_SQL("UPDATE fts_state SET rebuild_rowid = ?1 WHERE id = 1");
static struct sq_sql q_rx_done =
    SQ_SQL("UPDATE fts_state SET dead = max(dead - rebuild_dead, 0), rebuild_rowid = NULL, "
	   "rebuild_dead = 0 WHERE id = 1");

struct rx_state {
	int64_t indexed, dead, rebuild, rows; /* rebuild: -1 when none is under way */
	bool old;			      /* cert_fts_old is still to be dropped */
};

static bool rx_read(struct sq_store *s, struct rx_state *o)
{
	sqlite3_stmt *st = sq_stmt(s, &q_rx_state, NULL);
	if (st == NULL)
		return false;
	bool ok = sqlite3_step(st) == SQLITE_ROW;
	if (ok) {
		o->indexed = sqlite3_column_int64(st, 0);
		o->dead = sqlite3_column_int64(st, 1);
		o->rebuild =
		    sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 2);
		o->rows = sqlite3_column_int64(st, 3);
		o->old = sqlite3_column_int(st, 4) != 0;
	}
	sq_done(st);
	return ok;
}

static bool due(const struct rx_state *x)
{
	return x->dead >= REINDEX_MIN && x->dead * REINDEX_SHARE >= x->rows;
}

/* In the write transaction: begin a rebuild (its table, its state). */
static bool rx_begin(struct sq_store *s, struct sq_conn *c)
{
	return sq_exec(c->db,
		       "DROP TABLE IF EXISTS cert_fts_new; "
		       "CREATE VIRTUAL TABLE cert_fts_new USING fts5(search, content = '', "
		       "columnsize = 0, detail = none, tokenize = 'trigram')") == SQLITE_OK &&
	       sq_run_done(sq_stmt(s, &q_rx_begin, NULL));
}

/* In the write transaction: fill the next chunk, or swap when none is
 * left. */
static bool rx_chunk(struct sq_store *s, struct sq_conn *c, const struct rx_state *x)
{
	sqlite3_stmt *st = sq_stmt(s, &q_rx_upto, NULL);
	if (st == NULL)
		return false;
	sqlite3_bind_int64(st, 1, x->rebuild);
	sqlite3_bind_int64(st, 2, x->indexed);
	sqlite3_bind_int(st, 3, REINDEX_CHUNK);
	int r = sqlite3_step(st);
	bool rows = r == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
	int64_t upto = rows ? sqlite3_column_int64(st, 0) : 0;
	sq_done(st);
	if (r != SQLITE_ROW)
		return false;
	if (!rows)
		return sq_exec(c->db, "ALTER TABLE cert_fts RENAME TO cert_fts_old; "
				      "ALTER TABLE cert_fts_new RENAME TO cert_fts") == SQLITE_OK &&
		       sq_run_done(sq_stmt(s, &q_rx_done, NULL));
	sqlite3_stmt *fill = sq_stmt(s, &q_rx_fill, NULL);
	sqlite3_stmt *mark = fill ? sq_stmt(s, &q_rx_mark, NULL) : NULL;
	if (mark == NULL)
		return false;
	sqlite3_bind_int64(fill, 1, x->rebuild);
	sqlite3_bind_int64(fill, 2, upto);
	sqlite3_bind_int64(mark, 1, upto);
	return sq_run_done(fill) && sq_run_done(mark);
}

/* In the write transaction: empty a chunk of the old index's segments, or
 * drop it when none are left; *done says which. */
static bool rx_drop_old(struct sq_conn *c, bool *done)
{
	if (sq_exec(c->db, DROP_OLD_SQL) != SQLITE_OK)
		return false;
	*done = sqlite3_changes(c->db) == 0;
	return !*done || sq_exec(c->db, "DROP TABLE cert_fts_old") == SQLITE_OK;
}

enum ca_err sq_reindex_some(struct sq_store *s, bool *more)
{
	struct rx_state x;
	*more = false;
	struct sq_conn *c = sq_conn(s);
	if (c == NULL || !rx_read(s, &x))
		return CA_ERR_STORE;
	/* Nothing under way or due: no write transaction (one read, a few
	 * hundred counter rows, every round of the service). */
	if (x.dead != s->reindex_dead) {
		s->reindex_dead = x.dead;
		s->reindex_quiet = 0;
	} else if (s->reindex_quiet < REINDEX_QUIET_ROUNDS) {
		s->reindex_quiet++;
	}
	if (!x.old && x.rebuild < 0 && (!due(&x) || s->reindex_quiet < REINDEX_QUIET_ROUNDS))
		return CA_OK;
	struct ca_error err;
	enum ca_err rc = sq_begin(c, &err);
	if (rc != CA_OK)
		return rc;
	bool ok = rx_read(s, &x), work = true, dropped; /* again, in the transaction */
	if (ok && x.old)				/* the last rebuild's old index first */
		work = (ok = rx_drop_old(c, &dropped)) && !dropped;
	else if (ok && x.rebuild < 0 && due(&x))
		ok = rx_begin(s, c);
	else if (ok && x.rebuild >= 0)
		ok = rx_chunk(s, c, &x); /* a chunk, or the swap: then the old one to drop */
	else
		work = false; /* another one finished it, or it is not due */
	if ((rc = sq_end(c, ok ? CA_OK : CA_ERR_STORE, &err)) == CA_OK)
		*more = work;
	return rc;
}
