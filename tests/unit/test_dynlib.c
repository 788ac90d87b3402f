/*
 * Libraries opened on first use (ca/dynlib.h), the mechanism under libpq's
 * and libcurl's loaders: a library that is not there, and a function a
 * library lacks, each fail in words, once, and are not tried again; a
 * library and function that are there resolve to a pointer that works.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dynlib.h"

static int resolves;
static size_t (*strlen_fn)(const char *);

static bool resolve_strlen(struct dynlib *l)
{
	resolves++;
	return dynlib_sym(l, "strlen", &strlen_fn);
}

static bool resolve_missing(struct dynlib *l)
{
	resolves++;
	void (*fn)(void) = NULL;
	return dynlib_sym(l, "privca_no_such_function", &fn);
}

static void missing_library_fails_once_in_words(void **state)
{
	(void)state;
	struct dynlib l = {.soname = "libprivca-not-there.so.9"};
	resolves = 0;
	assert_false(dynlib_load(&l, resolve_strlen));
	assert_non_null(strstr(l.why, "libprivca-not-there.so.9"));
	assert_int_equal(resolves, 0); /* nothing to resolve from */
	assert_false(dynlib_load(&l, resolve_strlen));
	assert_int_equal(resolves, 0);
}

static void missing_function_fails_in_words(void **state)
{
	(void)state;
	struct dynlib l = {.soname = "libc.so.6"};
	resolves = 0;
	assert_false(dynlib_load(&l, resolve_missing));
	assert_non_null(strstr(l.why, "privca_no_such_function"));
	assert_non_null(strstr(l.why, "libc.so.6"));
	assert_false(dynlib_load(&l, resolve_missing)); /* said once, kept */
	assert_int_equal(resolves, 1);
}

static void present_function_resolves_and_works(void **state)
{
	(void)state;
	struct dynlib l = {.soname = "libc.so.6"};
	resolves = 0;
	strlen_fn = NULL;
	assert_true(dynlib_load(&l, resolve_strlen));
	assert_true(dynlib_load(&l, resolve_strlen));
	assert_int_equal(resolves, 1);
	assert_non_null(strlen_fn);
	assert_int_equal(strlen_fn("privca"), 6);
	assert_string_equal(l.why, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(missing_library_fails_once_in_words),
	    cmocka_unit_test(missing_function_fails_in_words),
	    cmocka_unit_test(present_function_resolves_and_works),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
