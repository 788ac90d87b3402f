/*
 * The code in this file implements the PostgreSQL store's retention
 * (store_tidy, pg_int.h): the twin of SQLite's sq_tidy
 * (sqlite_inventory.c), over schema/postgres/009_tidy.sql.
 *
 * One step is one short transaction on a pooled connection: one statement
 * deletes at most `limit` certificates expired before `before`, oldest
 * first (certificates_expires), with their events; then the total in
 * tidy_state and one 'tidy' event. Rows another transaction holds locked
 * (a revocation in flight) are skipped, for a later step, so issuance and
 * revocation never wait behind a tidy. Nothing else needs undoing: the
 * search text is a column of the row, and counts are read from the rows.
 */
#include "errors.h"
#include "pg_int.h"
#include "rows.h"

/* Inside the transaction: delete the rows, then the total and the event. */
static enum ca_err tidy_step(PGconn *c, const struct store_tidy *t, uint64_t *n,
			     struct ca_error *err)
{
	struct pg_query q = {0};
	PGresult *r;
	/* Data-modifying WITH clauses run once whether or not they are read. */
	pg_sql(&q, "WITH gone AS (DELETE FROM certificates WHERE serial IN (SELECT serial FROM "
		   "certificates WHERE not_after < ");
	pg_int(&q, t->before);
	pg_sql(&q, " ORDER BY not_after LIMIT ");
	pg_int(&q, (int64_t)t->limit);
	pg_sql(&q, " FOR UPDATE SKIP LOCKED) RETURNING serial), ev AS (DELETE FROM events WHERE "
		   "serial IN (SELECT serial FROM gone)) SELECT count(*) FROM gone");
	enum ca_err rc = pg_run(c, &q, &r, err);
	if (rc != CA_OK)
		return rc;
	*n = (uint64_t)pg_num(r, 0, 0);
	PQclear(r);
	if (*n == 0)
		return CA_OK;
	struct pg_query u = {0};
	pg_sql(&u, "UPDATE tidy_state SET deleted = deleted + ");
	pg_int(&u, (int64_t)*n);
	pg_sql(&u, " WHERE id = 1");
	if ((rc = pg_run(c, &u, NULL, err)) != CA_OK)
		return rc;
	char detail[128];
	rows_tidy_detail(t, *n, detail, sizeof(detail));
	return pg_event_insert(c, t->now, "tidy", NULL, t->actor, detail);
}

static enum ca_err tidy_count(PGconn *c, const struct store_tidy *t, uint64_t *n,
			      struct ca_error *err)
{
	struct pg_query q = {0};
	PGresult *r;
	pg_sql(&q, "SELECT count(*) FROM certificates WHERE not_after < ");
	pg_int(&q, t->before);
	enum ca_err rc = pg_run(c, &q, &r, err);
	if (rc != CA_OK)
		return rc;
	*n = (uint64_t)pg_num(r, 0, 0);
	PQclear(r);
	return CA_OK;
}

enum ca_err pg_tidy(struct store *base, const struct store_tidy *t, uint64_t *n,
		    struct ca_error *err)
{
	struct pg_store *s = pg_of(base);
	*n = 0;
	enum ca_err rc = rows_tidy_check(t, err);
	if (rc != CA_OK)
		return rc;
	struct pg_conn *c = pg_get(s, err);
	if (c == NULL)
		return CA_ERR_UNAVAILABLE;
	if (t->dry_run) {
		rc = tidy_count(c->db, t, n, err);
	} else if ((rc = pg_begin(c->db, err)) == CA_OK) {
		rc = pg_end(c->db, tidy_step(c->db, t, n, err), err);
		if (rc != CA_OK)
			*n = 0; /* rolled back: nothing was deleted */
	}
	pg_put(s, c);
	return rc; /* a failure: pg_run's CA_ERR_STORE with the server's message */
}
