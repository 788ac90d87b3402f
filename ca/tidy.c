/*
 * The code in this file implements retention (issue 12): ca_tidy for
 * `privca tidy`, and the background tidy of `retain_expired_days` that
 * the service's background thread steps (ca_tidy_tick).
 *
 * Both go through store_tidy in steps of at most TIDY_STEP rows, each its
 * own short transaction, so issuance (which waits for the write lock) is
 * held up by one step at most, never by the whole tidy.
 */
#include <stdio.h>
#include <time.h>

#include "internal.h"
#include "store/store.h"

/* Rows per step: issuance waits behind one step at most. A tidy of 500,000
 * of a million rows while one client issues (the harness of the note on
 * issue 12, 2 cores), with the pool and the catch-up out of the steps
 * (sqlite_inventory.c): 100 rows a step, 54-64 s and issuance p99 16-26 ms;
 * 150, 52 s and 34 ms; 250, 47-50 s and 31-43 ms; the old 1,000 with a
 * catch-up in every step, 67 s and 80 ms. Since the writer stopped
 * checkpointing for the tidy's pages (sqlite.c: sq_writer_checkpoint),
 * `scripts/bench --large pages`: 150 rows, 70.8 s and 10.3 ms, with twice
 * the issuances beside it; 250, 52.4-61.5 s and 13.9-17.1 ms, and 48.3-51.3
 * s and 14.7-16.9 ms once the space went back in the background only. */
#define TIDY_STEP 250
/* How often the background tidy looks when nothing was due. */
#define TIDY_IDLE_SECONDS 600
/* The pause between two steps of ca_tidy: the store's writers poll for the
 * lock every millisecond (ca/store/sqlite.c: busy_wait), so a few are
 * enough for the ones waiting to go first. */
#define TIDY_PAUSE_MS 2

enum ca_err ca_tidy(struct ca *ca, int64_t before, bool dry_run, const char *actor, uint64_t *count,
		    struct ca_error *err)
{
	int64_t now = clock_now(&ca->clock);
	struct store_tidy t = {.before = before,
			       .now = now,
			       .limit = TIDY_STEP,
			       .dry_run = dry_run,
			       .actor = actor != NULL ? actor : "cli"};
	uint64_t n;
	enum ca_err rc;
	*count = 0;
	if (before > now)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "a tidy deletes only certificates that have expired: the date is in "
			       "the future; give one in the past");
	for (;;) {
		if ((rc = store_tidy(ca->store, &t, &n, err)) != CA_OK)
			return rc;
		*count += n;
		if (dry_run || n == 0)
			return CA_OK;
		/* Let the writers waiting for the lock (a service issuing on the
		 * same store) have it before the next step takes it again. */
		struct timespec pause = {0, TIDY_PAUSE_MS * 1000000L};
		nanosleep(&pause, NULL);
	}
}

void ca_tidy_tick(struct ca *ca)
{
	int days = ca->settings.retain_expired_days;
	int64_t now = clock_now(&ca->clock);
	if (days <= 0 || now < ca->tidy_next)
		return;
	struct store_tidy t = {.before = now - (int64_t)days * 86400,
			       .now = now,
			       .limit = TIDY_STEP,
			       .actor = "retention"};
	struct ca_error err = {0};
	uint64_t n = 0;
	if (store_tidy(ca->store, &t, &n, &err) != CA_OK) {
		fprintf(stderr, "privca: background tidy: %s\n", err.detail);
		ca->tidy_next = now + TIDY_IDLE_SECONDS;
		return;
	}
	/* Rows deleted: more may be due, go on at the next tick. */
	ca->tidy_next = n > 0 ? now : now + TIDY_IDLE_SECONDS;
	if (n > 0)
		fprintf(stderr,
			"privca: background tidy deleted %llu certificates expired before %lld\n",
			(unsigned long long)n, (long long)t.before);
}
