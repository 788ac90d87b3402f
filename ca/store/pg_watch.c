/*
 * The code in this file implements store_watch for the PostgreSQL store
 * (pg_int.h): how a node learns of a revocation or a CRL recorded by
 * another node.
 *
 * One connection of the store LISTENs on PG_CHANNEL (pg_certs.c NOTIFYs
 * there in the writing transaction). The revocation generation and the CRL
 * number are read again when a notification came, when the last reading is
 * older than RECHECK_MS (the periodic check: a notification missed, or a
 * database without LISTEN), and always when there is no listener (it
 * failed, or PRIVCA_PG_LISTEN=off, which the tests use to run the
 * fallback). A listener that drops is made again on a later call.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "pg_int.h"

#define RECHECK_MS 500
#define POLL_MS	   50

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What the store holds now, read on db. */
static enum ca_err look_on(PGconn *db, struct store_change *now)
{
	struct pg_query q = {0};
	PGresult *r;
	pg_sql(&q, "SELECT generation, coalesce((SELECT number FROM crl_state WHERE id = 1), 0) "
		   "FROM revocation_state WHERE id = 1");
	enum ca_err rc = pg_run(db, &q, &r, NULL);
	if (rc != CA_OK)
		return rc;
	if (PQntuples(r) == 1) {
		now->revocation_gen = pg_num(r, 0, 0);
		now->crl_number = (uint64_t)pg_num(r, 0, 1);
	} else {
		rc = CA_ERR_STORE;
	}
	PQclear(r);
	return rc;
}

static enum ca_err look(struct pg_store *s, struct store_change *now)
{
	if (s->ldb != NULL)
		return look_on(s->ldb, now);
	struct pg_conn *c = pg_get(s, NULL);
	if (c == NULL)
		return CA_ERR_UNAVAILABLE;
	enum ca_err rc = look_on(c->db, now);
	pg_put(s, c);
	return rc;
}

static void listener_drop(struct pg_store *s)
{
	PQfinish(s->ldb);
	s->ldb = NULL;
}

/* Make the listener if there is none and the server is thought up. */
static void listener_make(struct pg_store *s)
{
	if (s->ldb != NULL || s->listen_off)
		return;
	pthread_mutex_lock(&s->mu);
	bool down = mono_ms() < s->down_until_ms;
	pthread_mutex_unlock(&s->mu);
	if (down || (s->ldb = pg_connect(s, NULL)) == NULL)
		return;
	if (pg_exec(s->ldb, "LISTEN " PG_CHANNEL, NULL) != CA_OK)
		listener_drop(s);
	s->look_valid = false; /* what was missed while there was none */
}

/* Take what arrived on the listener: true if anything was announced. */
static bool listener_drain(struct pg_store *s)
{
	if (s->ldb == NULL)
		return false;
	if (!PQconsumeInput(s->ldb)) {
		listener_drop(s);
		return true;
	}
	bool any = false;
	PGnotify *n;
	while ((n = PQnotifies(s->ldb)) != NULL) {
		any = true;
		PQfreemem(n);
	}
	return any;
}

/* Wait up to ms for the listener to have something (or just sleep). */
static void nap(struct pg_store *s, int64_t ms)
{
	if (s->ldb != NULL) {
		struct pollfd p = {.fd = PQsocket(s->ldb), .events = POLLIN};
		(void)poll(&p, 1, (int)ms);
		return;
	}
	if (ms > POLL_MS)
		ms = POLL_MS;
	struct timespec t = {0, ms * 1000000L};
	nanosleep(&t, NULL);
}

enum ca_err pg_watch(struct store *base, struct store_change *seen, int timeout_ms)
{
	struct pg_store *s = pg_of(base);
	int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	enum ca_err rc = CA_OK;
	pthread_mutex_lock(&s->wmu);
	listener_make(s);
	for (;;) {
		bool told = listener_drain(s);
		int64_t now = mono_ms();
		if (told || s->ldb == NULL || !s->look_valid || now - s->look_ms >= RECHECK_MS) {
			struct store_change got = {0};
			if ((rc = look(s, &got)) != CA_OK) {
				if (s->ldb != NULL && PQstatus(s->ldb) != CONNECTION_OK)
					listener_drop(s);
				s->look_valid = false;
				break;
			}
			s->look = got;
			s->look_valid = true;
			s->look_ms = now;
		}
		if (s->look.revocation_gen != seen->revocation_gen ||
		    s->look.crl_number != seen->crl_number) {
			*seen = s->look;
			seen->changed = true;
			pthread_mutex_unlock(&s->wmu);
			return CA_OK;
		}
		int64_t left = deadline - mono_ms();
		if (left <= 0)
			break;
		nap(s, left < RECHECK_MS ? left : RECHECK_MS);
	}
	pthread_mutex_unlock(&s->wmu);
	seen->changed = false;
	return rc;
}

void pg_watch_close(struct pg_store *s)
{
	listener_drop(s);
}
