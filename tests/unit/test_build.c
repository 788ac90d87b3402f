/*
 * Unit tests of ca/version.c: ca_crypto_build names the wolfSSL this test
 * is linked with (the build CMake chose: PRIVCA_WOLFSSL_MATH), and the
 * library's version is the one of the headers it was compiled against.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <wolfssl/options.h>
#include <wolfssl/version.h>

#include "privca/ca.h"

static void test_version_is_the_headers(void **state)
{
	(void)state;
	struct ca_crypto_info info = ca_crypto_build();
	assert_non_null(info.wolfssl);
	assert_string_equal(info.wolfssl, LIBWOLFSSL_VERSION_STRING);
}

static void test_math_is_the_chosen_build(void **state)
{
	(void)state;
	const char *want = getenv("PRIVCA_WOLFSSL_MATH");
	if (want == NULL)
		fail_msg("PRIVCA_WOLFSSL_MATH is not set (ctest sets it)");
	struct ca_crypto_info info = ca_crypto_build();
	assert_non_null(info.math);
	assert_string_equal(info.math, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_version_is_the_headers),
	    cmocka_unit_test(test_math_is_the_chosen_build),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
