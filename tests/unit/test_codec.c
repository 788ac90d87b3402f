/*
 * Unit tests of ca/codec.c: hex, base64 and PEM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- hex -------------------------------------------------------------- */

static void test_hex(void **state)
{
	(void)state;
	const uint8_t in[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
	char out[2 * sizeof(in) + 1];
	hex_encode(in, sizeof(in), out);
	assert_string_equal(out, "00017f80abff");
	uint8_t back[sizeof(in)];
	assert_true(hex_decode(out, back, sizeof(back)));
	assert_memory_equal(back, in, sizeof(in));
	assert_true(hex_decode("00017F80ABFF", back, sizeof(back)));
	assert_memory_equal(back, in, sizeof(in));

	char empty[1];
	hex_encode(NULL, 0, empty);
	assert_string_equal(empty, "");
	assert_true(hex_decode("", back, 0));
}

static const struct {
	const char *s;
	size_t n;
} bad_hex[] = {
    {"0", 1},  {"001", 2}, {"00112", 2}, /* too long */
    {"0g", 1}, {"g0", 1},  {" 0", 1},	 {"0 ", 1}, {"0x00", 2}, {"-1", 1}, {"", 1}, {"00\n", 2},
};

static void test_hex_bad(void **state)
{
	(void)state;
	uint8_t out[8];
	for (size_t i = 0; i < N(bad_hex); i++)
		if (hex_decode(bad_hex[i].s, out, bad_hex[i].n))
			fail_msg("'%s' (%zu bytes) accepted", bad_hex[i].s, bad_hex[i].n);
}

/* ---- base64 ----------------------------------------------------------- */

/* RFC 4648 section 10. */
static const struct {
	const char *raw, *std, *url;
} b64_vectors[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

static void check_decode(const char *in, const void *want, size_t want_len)
{
	uint8_t *out = NULL;
	size_t len = 0;
	if (!b64_decode((const uint8_t *)in, strlen(in), &out, &len))
		fail_msg("'%s' refused", in);
	assert_int_equal(len, want_len);
	if (len)
		assert_memory_equal(out, want, len);
	free(out);
}

static void test_b64_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(b64_vectors); i++) {
		const char *raw = b64_vectors[i].raw;
		char *s = b64_encode((const uint8_t *)raw, strlen(raw));
		assert_non_null(s);
		assert_string_equal(s, b64_vectors[i].std);
		free(s);
		s = b64url_encode((const uint8_t *)raw, strlen(raw));
		assert_non_null(s);
		assert_string_equal(s, b64_vectors[i].url);
		free(s);
		check_decode(b64_vectors[i].std, raw, strlen(raw));
		check_decode(b64_vectors[i].url, raw, strlen(raw)); /* padding optional */
	}
}

static void test_b64_alphabets(void **state)
{
	(void)state;
	const uint8_t raw[] = {0xfb, 0xff, 0xbf};
	char *s = b64_encode(raw, sizeof(raw));
	assert_string_equal(s, "+/+/");
	free(s);
	s = b64url_encode(raw, sizeof(raw));
	assert_string_equal(s, "-_-_");
	free(s);
	check_decode("+/+/", raw, sizeof(raw));
	check_decode("-_-_", raw, sizeof(raw));
}

static void test_b64_whitespace(void **state)
{
	(void)state;
	check_decode("Zm9v\r\nYmFy\n", "foobar", 6);
	check_decode("  Zm 9v\tYm\nE=\n", "fooba", 5);
	check_decode("Zm9vYg=\n=", "foob", 4);
	check_decode(" \r\n\t", "", 0);
}

static void test_b64_round_trip(void **state)
{
	(void)state;
	uint8_t raw[1000];
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i * 131 + 17);
	for (size_t n = 0; n <= 70; n++) {
		char *s = b64_encode(raw, n);
		check_decode(s, raw, n);
		free(s);
		s = b64url_encode(raw, n);
		check_decode(s, raw, n);
		free(s);
	}
	char *s = b64_encode(raw, sizeof(raw));
	check_decode(s, raw, sizeof(raw));
	free(s);
}

static const char *const bad_b64[] = {
    "Zm9v!",   "Zm9v.YmFy", "Zm9v\x80", "Zm9v\0Ym",  "Z",    "Zm9vY",
    "Zg===",   "Zm9v=YmFy", "Zm9v=",	"=",	     "==",   "Zg=",
    "Zm9vYg=", "Zm9vYmE==", "Zm8==",	"Zm9vYmFy=", "Zh==", /* non-zero pad bits */
    "Zm9=",    "Zg==Zg==",  "Zm\v9v",
};

static void test_b64_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(bad_b64); i++) {
		const char *in = bad_b64[i];
		size_t n = strlen(in);
		if (strcmp(in, "Zm9v\0Ym") == 0)
			n = 7;
		uint8_t *out = NULL;
		size_t len;
		if (b64_decode((const uint8_t *)in, n, &out, &len))
			fail_msg("'%s' accepted as %zu bytes", in, len);
	}
}

/* ---- PEM -------------------------------------------------------------- */

static const char *const req_labels[] = {"CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST", NULL};
static const char *const cert_labels[] = {"CERTIFICATE", NULL};
static const char *const key_labels[] = {"PRIVATE KEY", NULL};

/* openssl x509 -text style noise, a certificate, then a request. */
static const char two_blocks[] = "Certificate:\n"
				 "    Data: -----\n"
				 "-----BEGIN CERTIFICATE-----\n"
				 "Y2VydA==\n"
				 "-----END CERTIFICATE-----\n"
				 "-----BEGIN CERTIFICATE REQUEST-----\r\n"
				 "cmVx\r\n"
				 "dWVzdA==\r\n"
				 "-----END CERTIFICATE REQUEST-----\r\n";

static bool decode(const char *pem, const char *const *labels, uint8_t **der, size_t *len)
{
	return pem_decode((const uint8_t *)pem, strlen(pem), labels, der, len);
}

static void test_pem_label_selection(void **state)
{
	(void)state;
	uint8_t *der;
	size_t len;
	assert_true(decode(two_blocks, cert_labels, &der, &len));
	assert_int_equal(len, 4);
	assert_memory_equal(der, "cert", 4);
	free(der);

	assert_true(decode(two_blocks, req_labels, &der, &len));
	assert_int_equal(len, 7);
	assert_memory_equal(der, "request", 7);
	free(der);

	assert_false(decode(two_blocks, key_labels, &der, &len));
	assert_true(pem_looks((const uint8_t *)two_blocks, strlen(two_blocks)));
}

static void test_pem_windows_header(void **state)
{
	(void)state;
	const char *pem = "-----BEGIN NEW CERTIFICATE REQUEST-----\r\n"
			  "d2luZG93cw==\r\n"
			  "-----END NEW CERTIFICATE REQUEST-----\r\n";
	uint8_t *der;
	size_t len;
	assert_true(decode(pem, req_labels, &der, &len));
	assert_int_equal(len, 7);
	assert_memory_equal(der, "windows", 7);
	free(der);
	/* A label is matched whole, never as a prefix or suffix. */
	assert_false(decode(pem, cert_labels, &der, &len));
	const char *only_req[] = {"CERTIFICATE REQUEST", NULL};
	assert_false(decode(pem, only_req, &der, &len));
}

static const char *const bad_pem[] = {
    "",
    "no pem here",
    "-----BEGIN CERTIFICATE-----\nY2VydA==\n",				   /* no END */
    "-----BEGIN CERTIFICATE",						   /* cut in the label */
    "-----BEGIN CERTIFICATE-----\nY2V!ydA==\n-----END CERTIFICATE-----\n", /* bad body */
    "-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n",	   /* empty body */
    "-----BEGIN CERTIFICATES-----\nY2VydA==\n-----END CERTIFICATES-----\n",
    "-----BEGIN certificate-----\nY2VydA==\n-----END certificate-----\n",
};

static void test_pem_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(bad_pem); i++) {
		uint8_t *der = NULL;
		size_t len;
		if (decode(bad_pem[i], cert_labels, &der, &len))
			fail_msg("accepted: %s", bad_pem[i]);
	}
	assert_false(pem_looks((const uint8_t *)"-----BEGIN", 10));
	assert_false(pem_looks((const uint8_t *)"", 0));
}

static void test_pem_round_trip(void **state)
{
	(void)state;
	uint8_t raw[300];
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i * 37 + 1);
	const size_t lens[] = {1, 2, 3, 47, 48, 49, 96, 300};
	for (size_t k = 0; k < N(lens); k++) {
		char *pem = pem_encode("CERTIFICATE", raw, lens[k]);
		assert_non_null(pem);
		assert_true(strncmp(pem, "-----BEGIN CERTIFICATE-----\n", 28) == 0);
		size_t pl = strlen(pem);
		assert_true(pl > 26 && strcmp(pem + pl - 26, "-----END CERTIFICATE-----\n") == 0);
		/* No body line longer than 64 columns. */
		for (const char *l = pem; *l;) {
			const char *nl = strchr(l, '\n');
			assert_non_null(nl);
			assert_true(nl - l <= 64 || strncmp(l, "-----", 5) == 0);
			l = nl + 1;
		}
		uint8_t *der;
		size_t len;
		assert_true(decode(pem, cert_labels, &der, &len));
		assert_int_equal(len, lens[k]);
		assert_memory_equal(der, raw, len);
		free(der);
		free(pem);
	}
	char *pem = pem_encode("X509 CRL", NULL, 0);
	assert_string_equal(pem, "-----BEGIN X509 CRL-----\n-----END X509 CRL-----\n");
	free(pem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hex),
	    cmocka_unit_test(test_hex_bad),
	    cmocka_unit_test(test_b64_vectors),
	    cmocka_unit_test(test_b64_alphabets),
	    cmocka_unit_test(test_b64_whitespace),
	    cmocka_unit_test(test_b64_round_trip),
	    cmocka_unit_test(test_b64_bad),
	    cmocka_unit_test(test_pem_label_selection),
	    cmocka_unit_test(test_pem_windows_header),
	    cmocka_unit_test(test_pem_bad),
	    cmocka_unit_test(test_pem_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
