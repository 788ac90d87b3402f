/*
 * The digest helpers: known answers, and a wolfCrypt failure reported as
 * an error rather than as a digest of zeros (which would pass for a real
 * fingerprint, token hash or OCSP cache key).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/hash.h"

static void test_known_answers(void **state)
{
	(void)state;
	char h256[65], h1[41];
	assert_int_equal(hash_sha256_hex((const uint8_t *)"abc", 3, h256), CA_OK);
	assert_string_equal(h256,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(hash_sha1_hex((const uint8_t *)"abc", 3, h1), CA_OK);
	assert_string_equal(h1, "a9993e364706816aba3e25717850c26c9cd0d89d");
	assert_int_equal(hash_sha256_hex(NULL, 0, h256), CA_OK);
	assert_string_equal(h256,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* wolfCrypt refuses NULL data with a length: the helper must say so. */
static void test_failure_is_an_error_not_zeros(void **state)
{
	(void)state;
	char h256[65], h1[41];
	uint8_t raw[32];
	memset(h256, 'x', sizeof(h256));
	assert_int_equal(hash_sha256_hex(NULL, 5, h256), CA_ERR_CRYPTO);
	assert_string_equal(h256, "");
	assert_int_equal(hash_sha1_hex(NULL, 5, h1), CA_ERR_CRYPTO);
	assert_string_equal(h1, "");
	assert_int_equal(hash_sha256(NULL, 5, raw), CA_ERR_CRYPTO);
	assert_int_equal(hash_sha1(NULL, 5, raw), CA_ERR_CRYPTO);
}

static void test_key_id_refuses_malformed_spki(void **state)
{
	(void)state;
	uint8_t id[20];
	assert_false(hash_key_id((const uint8_t *)"\x30\x00", 2, id));
	/* SEQUENCE { SEQUENCE {}, BIT STRING 00 01 02 }: SHA-1 of 01 02. */
	static const uint8_t spki[] = {0x30, 0x07, 0x30, 0x00, 0x03, 0x03, 0x00, 0x01, 0x02};
	uint8_t want[20];
	assert_int_equal(hash_sha1(spki + 7, 2, want), CA_OK);
	assert_true(hash_key_id(spki, sizeof(spki), id));
	assert_memory_equal(id, want, 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_answers),
	    cmocka_unit_test(test_failure_is_an_error_not_zeros),
	    cmocka_unit_test(test_key_id_refuses_malformed_spki),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
