/*
 * web/http/resp.c: a header past HTTP_MAX_HEADERS is refused and marked,
 * never dropped without a word (ACME answers carry Replay-Nonce, two
 * Links, Location, Retry-After and the security headers at once).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http/http.h"

const char *ca_token_name(const struct ca_token *t)
{
	(void)t;
	return "team-a";
}

static void sixteen_headers_fit(void **state)
{
	(void)state;
	struct http_resp w = {0};
	char v[16];
	for (int i = 0; i < 16; i++) {
		snprintf(v, sizeof(v), "v%d", i);
		assert_true(http_set_header(&w, "Link", v));
	}
	assert_int_equal(w.nheaders, 16);
	assert_false(w.headers_failed);
	assert_string_equal(w.headers[15].value, "v15");
	http_resp_clear(&w);
	assert_int_equal(w.nheaders, 0);
}

static void seventeenth_header_is_an_error(void **state)
{
	(void)state;
	struct http_resp w = {0};
	for (int i = 0; i < HTTP_MAX_HEADERS; i++)
		assert_true(http_set_header(&w, "X-N", "1"));
	assert_false(http_set_header(&w, "Retry-After", "5"));
	assert_true(w.headers_failed);
	assert_int_equal(w.nheaders, HTTP_MAX_HEADERS);
	http_resp_clear(&w);
	assert_false(w.headers_failed);
}

static void token_name_kept_for_the_log(void **state)
{
	(void)state;
	struct http_resp w = {0};
	http_resp_token(&w, (const struct ca_token *)&w);
	http_resp_clear(&w);
	assert_string_equal(w.token_name, "team-a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sixteen_headers_fit),
	    cmocka_unit_test(seventeenth_header_is_an_error),
	    cmocka_unit_test(token_name_kept_for_the_log),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
