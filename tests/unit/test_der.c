/*
 * Unit tests of ca/der.c: the DER writer and reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "x509/der.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const size_t sizes[] = {0, 1, 127, 128, 255, 256, 65535, 65536};

/* The header DER gives a content length: tag byte, then the length field. */
static size_t expected_header(size_t n, uint8_t tag, uint8_t *hdr)
{
	hdr[0] = tag;
	if (n < 0x80) {
		hdr[1] = (uint8_t)n;
		return 2;
	}
	size_t k = 0;
	for (size_t v = n; v; v >>= 8)
		k++;
	hdr[1] = (uint8_t)(0x80 | k);
	for (size_t i = 0; i < k; i++)
		hdr[2 + i] = (uint8_t)(n >> (8 * (k - 1 - i)));
	return 2 + k;
}

static uint8_t *pattern_bytes(size_t n)
{
	uint8_t *p = malloc(n ? n : 1);
	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 3);
	return p;
}

static void finish(struct der_w *w, uint8_t **out, size_t *len)
{
	assert_true(der_finish(w, out, len));
	assert_non_null(*out);
}

/* ---- writer and reader round trips ----------------------------------- */

static void test_tlv_lengths(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(sizes); i++) {
		size_t n = sizes[i];
		uint8_t *content = pattern_bytes(n), hdr[8], *out;
		size_t hl = expected_header(n, DER_OCTET_STRING, hdr), len;
		struct der_w w = {0};
		der_tlv(&w, DER_OCTET_STRING, content, n);
		finish(&w, &out, &len);
		assert_int_equal(len, hl + n);
		assert_memory_equal(out, hdr, hl);
		if (n)
			assert_memory_equal(out + hl, content, n);

		struct der_r r = {out, len};
		struct der_elem e;
		assert_true(der_next(&r, &e));
		assert_int_equal(e.tag, DER_OCTET_STRING);
		assert_int_equal(e.len, n);
		assert_ptr_equal(e.val, out + hl);
		assert_ptr_equal(e.tlv, out);
		assert_int_equal(e.tlv_len, len);
		assert_int_equal(r.len, 0);
		assert_false(der_next(&r, &e));
		free(out);
		free(content);
	}
}

/* Writer a's and b's bytes are the same (both finished and freed here). */
static void assert_same_bytes(struct der_w *a, struct der_w *b)
{
	uint8_t *pa, *pb;
	size_t la, lb;
	finish(a, &pa, &la);
	finish(b, &pb, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(pa, pb, la);
	free(pa);
	free(pb);
}

/* Content n bytes long in two calls, so der_end moves what several wrote. */
static void raw_in_pieces(struct der_w *w, const uint8_t *content, size_t n)
{
	der_raw(w, content, n / 2);
	der_raw(w, content + n / 2, n - n / 2);
}

/* der_begin/der_end must give the same bytes as der_tlv at every size. */
static void test_begin_end_lengths(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(sizes); i++) {
		size_t n = sizes[i];
		uint8_t *content = pattern_bytes(n);
		struct der_w w1 = {0}, w2 = {0};
		der_tlv(&w1, DER_SEQUENCE, content, n);
		size_t m = der_begin(&w2, DER_SEQUENCE);
		raw_in_pieces(&w2, content, n);
		der_end(&w2, m);
		assert_same_bytes(&w1, &w2);
		free(content);
	}
}

/* der_begin_hint: the same bytes as der_tlv whatever the hint (too small,
 * right, too big), nested inside a plain der_begin, at every size. */
static void test_begin_hint_lengths(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(sizes); i++) {
		for (size_t h = 0; h < N(sizes); h++) {
			size_t n = sizes[i];
			uint8_t *content = pattern_bytes(n);
			struct der_w w1 = {0}, w2 = {0};
			size_t o1 = der_begin(&w1, DER_SET);
			der_tlv(&w1, DER_SEQUENCE, content, n);
			der_null(&w1);
			der_end(&w1, o1);
			size_t o2 = der_begin(&w2, DER_SET);
			size_t m = der_begin_hint(&w2, DER_SEQUENCE, sizes[h]);
			raw_in_pieces(&w2, content, n);
			der_end(&w2, m);
			der_null(&w2);
			der_end(&w2, o2);
			assert_same_bytes(&w1, &w2);
			free(content);
		}
	}
}

/* SEQUENCE { SEQUENCE { OCTET STRING (n) }, NULL } for every n, read back. */
static void test_nested_lengths(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(sizes); i++) {
		size_t n = sizes[i];
		uint8_t *content = pattern_bytes(n), *out;
		size_t len;
		struct der_w w = {0};
		size_t outer = der_begin(&w, DER_SEQUENCE);
		size_t inner = der_begin(&w, DER_CTX_CONS(0));
		der_tlv(&w, DER_OCTET_STRING, content, n);
		der_end(&w, inner);
		der_null(&w);
		der_end(&w, outer);
		finish(&w, &out, &len);

		uint8_t hdr[8];
		size_t os_len = expected_header(n, DER_OCTET_STRING, hdr) + n;
		size_t in_len = expected_header(os_len, DER_CTX_CONS(0), hdr) + os_len;
		size_t seq_len = expected_header(in_len + 2, DER_SEQUENCE, hdr) + in_len + 2;
		assert_int_equal(len, seq_len);

		struct der_r r = {out, len}, rs, ri;
		struct der_elem seq, ctx, os, nul;
		assert_true(der_expect(&r, DER_SEQUENCE, &seq));
		assert_int_equal(r.len, 0);
		rs = der_in(&seq);
		assert_true(der_expect(&rs, DER_CTX_CONS(0), &ctx));
		ri = der_in(&ctx);
		assert_true(der_expect(&ri, DER_OCTET_STRING, &os));
		assert_int_equal(os.len, n);
		if (n)
			assert_memory_equal(os.val, content, n);
		assert_int_equal(ri.len, 0);
		assert_true(der_expect(&rs, DER_NULL, &nul));
		assert_int_equal(nul.len, 0);
		assert_int_equal(rs.len, 0);
		free(out);
		free(content);
	}
}

static void test_empty_writer(void **state)
{
	(void)state;
	struct der_w w = {0};
	uint8_t *out;
	size_t len = 99;
	finish(&w, &out, &len);
	assert_int_equal(len, 0);
	free(out);
}

static void test_writer_failures(void **state)
{
	(void)state;
	uint8_t *out = NULL;
	size_t len;
	uint8_t b = 0;

	/* A bad mark fails the writer, and every later call is a no-op. */
	struct der_w w = {0};
	der_null(&w);
	der_end(&w, 1);
	der_null(&w);
	assert_true(w.failed);
	assert_false(der_finish(&w, &out, &len));
	assert_null(w.buf);

	/* A value longer than DER_MAX_LEN is a failure, not a silent omission.
	 * (der_tlv must refuse before touching the content.) */
	struct der_w w2 = {0};
	der_null(&w2);
	der_tlv(&w2, DER_OCTET_STRING, &b, DER_MAX_LEN + 1);
	assert_false(der_finish(&w2, &out, &len));

	struct der_w w3 = {0};
	der_raw(&w3, &b, DER_MAX_LEN + 1);
	assert_false(der_finish(&w3, &out, &len));
}

static void test_simple_types(void **state)
{
	(void)state;
	static const uint8_t oid[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
	static const uint8_t want[] = {
	    0x01, 0x01, 0xff,						/* TRUE */
	    0x01, 0x01, 0x00,						/* FALSE */
	    0x05, 0x00,							/* NULL */
	    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, /* OID */
	    0x03, 0x03, 0x00, 0xab, 0xcd,				/* BIT STRING */
	    0x03, 0x01, 0x00,						/* empty BIT STRING */
	};
	struct der_w w = {0};
	der_bool(&w, true);
	der_bool(&w, false);
	der_null(&w);
	der_oid(&w, oid, sizeof(oid));
	der_bits(&w, (const uint8_t *)"\xab\xcd", 2);
	der_bits(&w, NULL, 0);
	uint8_t *out;
	size_t len;
	finish(&w, &out, &len);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, len);

	struct der_r r = {out, len};
	struct der_elem e;
	assert_true(der_peek(&r, DER_BOOLEAN));
	assert_false(der_peek(&r, DER_NULL));
	assert_false(der_expect(&r, DER_NULL, &e)); /* wrong tag: nothing consumed */
	assert_int_equal(r.len, len);
	assert_true(der_expect(&r, DER_BOOLEAN, &e));
	assert_true(der_expect(&r, DER_BOOLEAN, &e));
	assert_true(der_expect(&r, DER_NULL, &e));
	assert_true(der_next(&r, &e));
	assert_true(der_oid_eq(&e, oid, sizeof(oid)));
	assert_false(der_oid_eq(&e, oid, sizeof(oid) - 1));
	free(out);

	struct der_r empty = {NULL, 0};
	assert_false(der_peek(&empty, DER_NULL));
}

/* ---- INTEGER ---------------------------------------------------------- */

static const struct {
	uint64_t v;
	size_t len;
	const char *der;
} uints[] = {
    {0, 3, "\x02\x01\x00"},
    {1, 3, "\x02\x01\x01"},
    {0x7f, 3, "\x02\x01\x7f"},
    {0x80, 4, "\x02\x02\x00\x80"},
    {0xff, 4, "\x02\x02\x00\xff"},
    {0x100, 4, "\x02\x02\x01\x00"},
    {0x7fff, 4, "\x02\x02\x7f\xff"},
    {0x8000, 5, "\x02\x03\x00\x80\x00"},
    {0x7fffffffffffffff, 10, "\x02\x08\x7f\xff\xff\xff\xff\xff\xff\xff"},
    {UINT64_MAX, 11, "\x02\x09\x00\xff\xff\xff\xff\xff\xff\xff\xff"},
};

static void test_uint(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(uints); i++) {
		struct der_w w = {0};
		uint8_t *out;
		size_t len;
		der_uint(&w, uints[i].v);
		finish(&w, &out, &len);
		assert_int_equal(len, uints[i].len);
		assert_memory_equal(out, uints[i].der, len);

		struct der_r r = {out, len};
		struct der_elem e;
		uint64_t v;
		assert_true(der_expect(&r, DER_INTEGER, &e));
		assert_true(der_get_uint(&e, &v));
		assert_true(v == uints[i].v);
		free(out);
	}
}

static const struct {
	const char *in;
	size_t n;
	const char *der;
	size_t len;
} uint_bytes[] = {
    {"", 0, "\x02\x01\x00", 3},
    {"\x00", 1, "\x02\x01\x00", 3},
    {"\x00\x00\x00", 3, "\x02\x01\x00", 3},
    {"\x00\x00\x01", 3, "\x02\x01\x01", 3},
    {"\x00\x00\x80", 3, "\x02\x02\x00\x80", 4},
    {"\x00\x7f\xff", 3, "\x02\x02\x7f\xff", 4},
    {"\x80", 1, "\x02\x02\x00\x80", 4},
    {"\xff\x00", 2, "\x02\x03\x00\xff\x00", 5},
    {"\x01\x02\x03", 3, "\x02\x03\x01\x02\x03", 5},
};

static void test_uint_bytes(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(uint_bytes); i++) {
		struct der_w w = {0};
		uint8_t *out;
		size_t len;
		der_uint_bytes(&w, DER_INTEGER, (const uint8_t *)uint_bytes[i].in, uint_bytes[i].n);
		finish(&w, &out, &len);
		assert_int_equal(len, uint_bytes[i].len);
		assert_memory_equal(out, uint_bytes[i].der, len);
		free(out);
	}

	/* A 16-byte serial with the top bit set and a 200-byte magnitude. */
	uint8_t big[200];
	memset(big, 0xa5, sizeof(big));
	big[0] = 0x80;
	struct der_w w = {0};
	uint8_t *out;
	size_t len;
	der_uint_bytes(&w, DER_CTX(2), big, sizeof(big));
	finish(&w, &out, &len);
	assert_int_equal(len, 3 + 201);
	assert_memory_equal(out, "\x82\x81\xc9\x00\x80", 5);
	free(out);
}

static const struct {
	const char *val;
	size_t n;
} bad_uints[] = {
    {"", 0},					 /* empty */
    {"\x80", 1},				 /* negative */
    {"\xff\xff", 2},				 /* negative */
    {"\x00\x01", 2},				 /* not minimal */
    {"\x00\x00\x80", 3},			 /* not minimal */
    {"\x01\x00\x00\x00\x00\x00\x00\x00\x00", 9}, /* over 64 bits */
};

static void test_get_uint_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(bad_uints); i++) {
		struct der_elem e = {DER_INTEGER, (const uint8_t *)bad_uints[i].val, bad_uints[i].n,
				     NULL, 0};
		uint64_t v;
		if (der_get_uint(&e, &v))
			fail_msg("case %zu accepted as %llu", i, (unsigned long long)v);
	}
}

/* ---- reader rejects --------------------------------------------------- */

static const struct {
	const char *in;
	size_t n;
	const char *why;
} bad_der[] = {
    {"", 0, "empty"},
    {"\x04", 1, "tag without length"},
    {"\x04\x05\x01\x02", 4, "content truncated"},
    {"\x04\x81", 2, "length truncated"},
    {"\x04\x82\x01", 3, "length truncated"},
    {"\x04\x81\x05\x01\x02\x03\x04\x05", 8, "non-minimal long form for a short length"},
    {"\x04\x81\x7f", 3, "non-minimal long form for 127"},
    {"\x04\x82\x00\x80", 4, "non-minimal leading zero length byte"},
    {"\x04\x82\x00\xff", 4, "non-minimal leading zero length byte"},
    {"\x30\x80\x05\x00\x00\x00", 6, "indefinite length"},
    {"\x04\x85\x01\x00\x00\x00\x00", 7, "five length bytes"},
    {"\x04\xff", 2, "reserved length 0xff"},
    {"\x1f\x21\x00", 3, "multi-byte tag"},
    {"\xbf\x81\x00\x00", 4, "multi-byte context tag"},
    {"\x04\x84\xff\xff\xff\xff\x00", 7, "length beyond the input"},
};

static void test_reader_rejects(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(bad_der); i++) {
		struct der_r r = {(const uint8_t *)bad_der[i].in, bad_der[i].n};
		struct der_elem e;
		if (der_next(&r, &e))
			fail_msg("accepted: %s", bad_der[i].why);
		assert_int_equal(r.len, bad_der[i].n); /* nothing consumed */
	}
}

static void test_reader_long_form_ok(void **state)
{
	(void)state;
	static uint8_t big[5 + 65536];
	memcpy(big, "\x04\x83\x01\x00\x00", 5);
	struct der_r r = {big, sizeof(big) - 1}; /* one byte short */
	struct der_elem e;
	assert_false(der_next(&r, &e));
	r.len = sizeof(big);
	assert_true(der_next(&r, &e));
	assert_int_equal(e.len, 65536);
	assert_int_equal(r.len, 0);
}

/* ---- time ------------------------------------------------------------- */

static const struct {
	int64_t t;
	uint8_t tag;
	const char *text;
} times[] = {
    {0, DER_UTCTIME, "700101000000Z"},
    {1, DER_UTCTIME, "700101000001Z"},
    {951782400, DER_UTCTIME, "000229000000Z"}, /* 2000 is a leap year */
    {951868800, DER_UTCTIME, "000301000000Z"},
    {1709208000, DER_UTCTIME, "240229120000Z"}, /* 2024-02-29T12:00:00Z */
    {1704067199, DER_UTCTIME, "231231235959Z"},
    {1767225600, DER_UTCTIME, "260101000000Z"},
    {2524607999, DER_UTCTIME, "491231235959Z"},		  /* last UTCTime second */
    {2524608000, DER_GENERALIZEDTIME, "20500101000000Z"}, /* first GeneralizedTime */
    {4107542400, DER_GENERALIZEDTIME, "21000301000000Z"}, /* 2100 is not a leap year */
    {253402300799, DER_GENERALIZEDTIME, "99991231235959Z"},
    /* RFC 5280 4.1.2.5: UTCTime covers 1950 through 2049. */
    {-1, DER_UTCTIME, "691231235959Z"},
    {-631152000, DER_UTCTIME, "500101000000Z"},
    {-631152001, DER_GENERALIZEDTIME, "19491231235959Z"},
};

static void test_time_encoding(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(times); i++) {
		struct der_w w = {0};
		uint8_t *out;
		size_t len;
		der_time(&w, times[i].t);
		finish(&w, &out, &len);
		size_t tl = strlen(times[i].text);
		if (len != 2 + tl || out[0] != times[i].tag || out[1] != tl ||
		    memcmp(out + 2, times[i].text, tl) != 0)
			fail_msg("time %lld: got tag 0x%02x '%.*s', want 0x%02x '%s'",
				 (long long)times[i].t, out[0], (int)len - 2, (const char *)out + 2,
				 times[i].tag, times[i].text);

		struct der_r r = {out, len};
		struct der_elem e;
		int64_t back;
		assert_true(der_next(&r, &e));
		assert_true(der_get_time(&e, &back));
		assert_true(back == times[i].t);
		free(out);
	}
}

static void test_gentime(void **state)
{
	(void)state;
	struct der_w w = {0};
	uint8_t *out;
	size_t len;
	der_gentime(&w, 0);
	der_gentime(&w, 2524607999);
	finish(&w, &out, &len);
	assert_int_equal(len, 34);
	assert_memory_equal(out,
			    "\x18\x0f"
			    "19700101000000Z\x18\x0f"
			    "20491231235959Z",
			    34);
	free(out);

	struct der_w w2 = {0};
	der_time(&w2, 253402300800); /* year 10000 does not fit */
	assert_false(der_finish(&w2, &out, &len));
}

static void test_time_round_trip(void **state)
{
	(void)state;
	/* Every day from 1950 to 2200 at a varying time of day. */
	for (int64_t day = -7305; day < 84006; day++) {
		int64_t t = day * 86400 + (day * 7919) % 86400;
		struct der_w w = {0};
		uint8_t *out;
		size_t len;
		der_time(&w, t);
		finish(&w, &out, &len);
		struct der_r r = {out, len};
		struct der_elem e;
		int64_t back;
		assert_true(der_next(&r, &e));
		assert_true(der_get_time(&e, &back));
		if (back != t)
			fail_msg("%lld came back as %lld", (long long)t, (long long)back);
		free(out);
	}
}

static void test_civil(void **state)
{
	(void)state;
	assert_int_equal(der_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(der_days_from_civil(2000, 3, 1) - der_days_from_civil(2000, 2, 28), 2);
	assert_int_equal(der_days_from_civil(2100, 3, 1) - der_days_from_civil(2100, 2, 28), 1);
	assert_int_equal(der_days_from_civil(2024, 3, 1) - der_days_from_civil(2024, 2, 28), 2);
	assert_int_equal(der_days_from_civil(2023, 3, 1) - der_days_from_civil(2023, 2, 28), 1);
	int64_t y;
	unsigned m, d;
	der_civil_from_days(-1, &y, &m, &d);
	assert_true(y == 1969 && m == 12 && d == 31);
	der_civil_from_days(der_days_from_civil(2400, 2, 29), &y, &m, &d);
	assert_true(y == 2400 && m == 2 && d == 29);
}

static const struct {
	uint8_t tag;
	const char *text;
	bool ok;
} parse_times[] = {
    {DER_UTCTIME, "240229000000Z", true},
    {DER_UTCTIME, "230229000000Z", false}, /* 2023 is not a leap year */
    {DER_UTCTIME, "240230000000Z", false},
    {DER_UTCTIME, "240431000000Z", false},
    {DER_UTCTIME, "241131000000Z", false},
    {DER_UTCTIME, "241231000000Z", true},
    {DER_GENERALIZEDTIME, "21000229000000Z", false},
    {DER_GENERALIZEDTIME, "20000229000000Z", true},
    {DER_UTCTIME, "241301000000Z", false},
    {DER_UTCTIME, "240001000000Z", false},
    {DER_UTCTIME, "240100000000Z", false},
    {DER_UTCTIME, "240101240000Z", false},
    {DER_UTCTIME, "240101006000Z", false},
    {DER_UTCTIME, "240101000060Z", false},
    {DER_UTCTIME, "2401010000Z", false},  /* no seconds */
    {DER_UTCTIME, "240101000000", false}, /* no Z */
    {DER_UTCTIME, "2401010000000Z", false},
    {DER_UTCTIME, "240101000000+0000", false},
    {DER_UTCTIME, "24010100000aZ", false},
    {DER_UTCTIME, "-40101000000Z", false},
    {DER_GENERALIZEDTIME, "20240101000000.5Z", false},
    {DER_GENERALIZEDTIME, "20240101000000", false},
    {DER_GENERALIZEDTIME, "240101000000Z", false},
    {DER_OCTET_STRING, "240101000000Z", false},
    {DER_UTCTIME, "500101000000Z", true}, /* 1950 */
};

static void test_time_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(parse_times); i++) {
		const char *s = parse_times[i].text;
		struct der_elem e = {parse_times[i].tag, (const uint8_t *)s, strlen(s), NULL, 0};
		int64_t t;
		if (der_get_time(&e, &t) != parse_times[i].ok)
			fail_msg("'%s' tag 0x%02x: want %s", s, parse_times[i].tag,
				 parse_times[i].ok ? "accepted" : "refused");
	}
	struct der_elem e = {DER_UTCTIME, (const uint8_t *)"500101000000Z", 13, NULL, 0};
	int64_t t;
	assert_true(der_get_time(&e, &t));
	assert_true(t == -631152000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tlv_lengths),	       cmocka_unit_test(test_begin_end_lengths),
	    cmocka_unit_test(test_begin_hint_lengths), cmocka_unit_test(test_nested_lengths),
	    cmocka_unit_test(test_empty_writer),       cmocka_unit_test(test_writer_failures),
	    cmocka_unit_test(test_simple_types),       cmocka_unit_test(test_uint),
	    cmocka_unit_test(test_uint_bytes),	       cmocka_unit_test(test_get_uint_bad),
	    cmocka_unit_test(test_reader_rejects),     cmocka_unit_test(test_reader_long_form_ok),
	    cmocka_unit_test(test_time_encoding),      cmocka_unit_test(test_gentime),
	    cmocka_unit_test(test_time_round_trip),    cmocka_unit_test(test_civil),
	    cmocka_unit_test(test_time_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
