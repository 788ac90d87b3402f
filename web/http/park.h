/*
 * Answers that wait (http/park.c): a handler that cannot answer yet (an
 * ACME authorization whose challenge is being validated) asks to wait for
 * an event; exchange.c suspends the connection, so no worker thread is
 * held while it waits, and parks it here until the event comes (park_wake
 * with its key) or its deadline passes, whichever is first. One thread
 * sleeps until the next deadline and hands each item whose wait is over to
 * the resume callback given at park_start (exchange.c resumes the
 * connection there, and the handler answers on a worker thread).
 *
 * No libmicrohttpd types: items are opaque pointers the caller owns. At
 * most PARK_MAX items wait; past that park_add refuses, and the caller
 * answers at once. Thread-safe: one mutex over the table.
 */
#ifndef PRIVCA_HTTP_PARK_H
#define PRIVCA_HTTP_PARK_H

#include <stdbool.h>
#include <stdint.h>

#define PARK_MAX 512

typedef void (*park_resume_fn)(void *item);

/* Start the thread; resume is called from it, once per parked item whose
 * wait is over, outside the lock. False after a message on stderr. */
bool park_start(park_resume_fn resume);
/* Refuse new items, hand every parked one to resume, and join the thread.
 * Nothing waits after it returns. No-op when not started. */
void park_stop(void);

/* The key of a string (what an item waits for); never 0. */
uint64_t park_key(const char *s);
/* The count of wakes so far: read it before looking at what an item would
 * wait for, and give it to park_add, so that a wake in between is not
 * missed. */
uint64_t park_epoch(void);
/*
 * Park item until until_ms (CLOCK_MONOTONIC) or park_wake(key), whichever
 * comes first. epoch is park_epoch() from before the caller looked: if a
 * wake for key (or one whose key is forgotten) came since, the item's wait
 * is over at once. False, and nothing parked, when the table is full or
 * the park is stopped or not started.
 */
bool park_add(void *item, uint64_t key, uint64_t epoch, long long until_ms);
/* Take item out without resuming it; false if it was not parked. */
bool park_remove(void *item);
/* End the wait of every item parked with key (0: every item). Any thread. */
void park_wake(uint64_t key);
/* Items parked now. */
unsigned park_count(void);

#endif
