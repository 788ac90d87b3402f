/*
 * The CA's clock: Unix seconds from a function the tests may replace.
 * Header-only so that every file that asks the time (issue, revoke,
 * tokens, the CRL cache) depends on no other file of the core for it.
 */
#ifndef PRIVCA_CLOCK_H
#define PRIVCA_CLOCK_H

#include <stdint.h>
#include <time.h>

struct ca_clock {
	int64_t (*now)(void *arg); /* NULL: the system clock */
	void *arg;
};

static inline int64_t clock_system(void)
{
	return (int64_t)time(NULL);
}

/* What c says the time is. */
static inline int64_t clock_now(const struct ca_clock *c)
{
	return c->now != NULL ? c->now(c->arg) : clock_system();
}

/* Replace the clock; now NULL restores the system clock. */
static inline void clock_set(struct ca_clock *c, int64_t (*now)(void *arg), void *arg)
{
	c->now = now;
	c->arg = arg;
}

#endif
