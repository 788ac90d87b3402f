/*
 * web/http/park.c: a parked item is resumed once, by a wake for its key
 * or at its deadline, never by a wake for another key; a wake between a
 * handler's look (park_epoch) and its park_add is not missed; the table's
 * limit refuses rather than drops; park_stop resumes everything.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "http/park.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int resumed[PARK_MAX + 1];
static long long resumed_at[PARK_MAX + 1];
static int slot[PARK_MAX + 1]; /* the items: &slot[i] */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_resume(void *item)
{
	size_t i = (size_t)((int *)item - slot);
	pthread_mutex_lock(&mu);
	resumed[i]++;
	resumed_at[i] = now_ms();
	pthread_mutex_unlock(&mu);
}

static int count(size_t i)
{
	pthread_mutex_lock(&mu);
	int n = resumed[i];
	pthread_mutex_unlock(&mu);
	return n;
}

/* Wait up to ms for item i to be resumed; its count. */
static int await(size_t i, int ms)
{
	for (int t = 0; t < ms && count(i) == 0; t += 2) {
		struct timespec ts = {0, 2 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return count(i);
}

static int setup(void **state)
{
	(void)state;
	memset(resumed, 0, sizeof(resumed));
	return park_start(on_resume) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	park_stop();
	return 0;
}

static void wake_ends_only_its_key(void **state)
{
	(void)state;
	uint64_t a = park_key("chall-a"), b = park_key("chall-b");
	assert_int_not_equal(a, b);
	long long t0 = now_ms();
	assert_true(park_add(&slot[0], a, park_epoch(), t0 + 5000));
	assert_true(park_add(&slot[1], b, park_epoch(), t0 + 5000));
	park_wake(a);
	assert_int_equal(await(0, 2000), 1);
	assert_true(resumed_at[0] - t0 < 1000);
	assert_int_equal(count(1), 0);
	assert_int_equal(park_count(), 1);
	park_wake(b);
	assert_int_equal(await(1, 2000), 1);
	assert_int_equal(park_count(), 0);
}

static void deadline_ends_the_wait(void **state)
{
	(void)state;
	long long t0 = now_ms();
	assert_true(park_add(&slot[2], park_key("never"), park_epoch(), t0 + 150));
	assert_int_equal(await(2, 3000), 1);
	assert_true(resumed_at[2] >= t0 + 150);
	assert_int_equal(count(2), 1);
}

static void wake_before_add_is_not_missed(void **state)
{
	(void)state;
	uint64_t k = park_key("chall-c");
	uint64_t e = park_epoch(); /* the handler looks: still processing */
	park_wake(park_key("other"));
	park_wake(k); /* the result lands before the handler parks */
	long long t0 = now_ms();
	assert_true(park_add(&slot[3], k, e, t0 + 5000));
	assert_int_equal(await(3, 2000), 1);
	assert_true(resumed_at[3] - t0 < 1000);
	/* A wake for another key only does not end a later wait. */
	e = park_epoch();
	park_wake(park_key("other"));
	assert_true(park_add(&slot[4], k, e, now_ms() + 5000));
	assert_int_equal(await(4, 200), 0);
	assert_true(park_remove(&slot[4]));
	assert_false(park_remove(&slot[4]));
}

static void full_table_refuses_and_stop_resumes_all(void **state)
{
	(void)state;
	long long until = now_ms() + 60000;
	for (size_t i = 0; i < PARK_MAX; i++)
		assert_true(park_add(&slot[i], park_key("x"), park_epoch(), until));
	assert_false(park_add(&slot[PARK_MAX], park_key("x"), park_epoch(), until));
	assert_int_equal(park_count(), PARK_MAX);
	park_stop();
	for (size_t i = 0; i < PARK_MAX; i++)
		assert_int_equal(count(i), 1);
	assert_int_equal(count(PARK_MAX), 0);
	assert_false(park_add(&slot[0], park_key("x"), park_epoch(), until));
	assert_true(park_start(on_resume)); /* for teardown, and a restart works */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(wake_ends_only_its_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(deadline_ends_the_wait, setup, teardown),
	    cmocka_unit_test_setup_teardown(wake_before_add_is_not_missed, setup, teardown),
	    cmocka_unit_test_setup_teardown(full_table_refuses_and_stop_resumes_all, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
