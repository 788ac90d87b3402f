/*
 * Unit tests of ca/names.c: name validation and canonical form, token
 * patterns, CIDR blocks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>

#include <cmocka.h>

#include "names.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A message must name the problem and be printable, valid text. */
static void assert_message(const struct ca_error *e, const char *want)
{
	if (strstr(e->detail, want) == NULL)
		fail_msg("message \"%s\" does not contain \"%s\"", e->detail, want);
	for (const unsigned char *p = (const unsigned char *)e->detail; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			fail_msg("message \"%s\" has a control character", e->detail);
}

/* ---- name_parse: good names -------------------------------------------- */

static const struct {
	const char *in;
	enum name_kind kind;
	const char *text;
	bool wildcard;
	size_t ip_len;
} good_names[] = {
    {"a.example", NAME_DNS, "a.example", false, 0},
    {"localhost", NAME_DNS, "localhost", false, 0},
    {"WWW.Example.COM", NAME_DNS, "www.example.com", false, 0},
    {"a.example.", NAME_DNS, "a.example", false, 0},
    {"a-b.c-d.example", NAME_DNS, "a-b.c-d.example", false, 0},
    {"a--b.example", NAME_DNS, "a--b.example", false, 0},
    {"123.example", NAME_DNS, "123.example", false, 0},
    {"0.a.example", NAME_DNS, "0.a.example", false, 0},
    {"xn--bcher-kva.example", NAME_DNS, "xn--bcher-kva.example", false, 0},
    {"XN--BCHER-KVA.Example", NAME_DNS, "xn--bcher-kva.example", false, 0},
    {"*.example.com", NAME_DNS, "*.example.com", true, 0},
    {"*.A.Example.", NAME_DNS, "*.a.example", true, 0},
    {"*.xn--bcher-kva.example", NAME_DNS, "*.xn--bcher-kva.example", true, 0},
    {"10.0.0.5", NAME_IP, "10.0.0.5", false, 4},
    {"0.0.0.0", NAME_IP, "0.0.0.0", false, 4},
    {"255.255.255.255", NAME_IP, "255.255.255.255", false, 4},
    {"::1", NAME_IP, "::1", false, 16},
    {"::", NAME_IP, "::", false, 16},
    {"fd00::1", NAME_IP, "fd00::1", false, 16},
    {"FD00:0:0:0:0:0:0:1", NAME_IP, "fd00::1", false, 16},
    {"2001:db8:0:0:1:0:0:1", NAME_IP, "2001:db8::1:0:0:1", false, 16},
    {"2001:0DB8::0001", NAME_IP, "2001:db8::1", false, 16},
    {"::ffff:10.0.0.1", NAME_IP, "::ffff:10.0.0.1", false, 16},
    {"fe80::1:2:3:4", NAME_IP, "fe80::1:2:3:4", false, 16},
};

static void test_good_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(good_names); i++) {
		struct name n;
		struct ca_error e = {0};
		if (name_parse(good_names[i].in, &n, &e) != CA_OK)
			fail_msg("'%s' refused: %s", good_names[i].in, e.detail);
		assert_int_equal(n.kind, good_names[i].kind);
		assert_string_equal(n.text, good_names[i].text);
		assert_int_equal(n.wildcard, good_names[i].wildcard);
		assert_int_equal(n.ip_len, good_names[i].ip_len);
	}
}

static void test_ip_bytes(void **state)
{
	(void)state;
	struct name n;
	assert_int_equal(name_parse("10.1.2.3", &n, NULL), CA_OK);
	assert_memory_equal(n.ip, "\x0a\x01\x02\x03", 4);
	assert_int_equal(name_parse("fd00::ab", &n, NULL), CA_OK);
	assert_memory_equal(n.ip, "\xfd\x00\0\0\0\0\0\0\0\0\0\0\0\0\x00\xab", 16);
}

/* ---- name_parse: bad names --------------------------------------------- */

static const struct {
	const char *in;
	const char *msg; /* a part of the message */
} bad_names[] = {
    {"", "empty name"},
    {".", "name '.' is empty"},
    {"a..b", "name 'a..b' has an empty label"},
    {".a.example", "has an empty label"},
    {"a.example..", "has an empty label"},
    {"-a.example", "label '-a', which starts with a hyphen"},
    {"a-.example", "label 'a-', which ends with a hyphen"},
    {"a.example-", "ends with a hyphen"},
    {"_acme.example", "underscore"},
    {"a_b.example", "underscore"},
    {"a b.example", "contains a space"},
    {"a/b.example", "contains '/'"},
    {"a.example:443", "nor a valid IPv6 address"},
    {"https://a.example", "nor a valid IPv6 address"},
    {"a\tb.example", "byte 0x09"},
    {"b\xc3\xbc"
     "cher.example",
     "xn--"},
    {"b\xc3\xbc"
     "cher.example",
     "is not ASCII"},
    {"\xff.example", "\\xff"},
    {"*", "too broad"},
    {"*.com", "too broad"},
    {"*.", "too broad"},
    {"a.*.example", "misplaced '*'"},
    {"*.*.example", "misplaced '*'"},
    {"f*.example.com", "misplaced '*'"},
    {"*a.example.com", "misplaced '*'"},
    {"**.example.com", "misplaced '*'"},
    {"a.example.*", "misplaced '*'"},
    {"256.1.1.1", "not a valid IP address"},
    {"1.2.3", "not a valid IP address"},
    {"010.0.0.1", "not a valid IP address"},
    {"1.2.3.4.", "not a valid IP address"},
    {"host.123", "last label may not be all digits"},
    {"[::1]", "brackets"},
    {"fe80::1%eth0", "zone"},
    {"1:2:3:4:5:6:7:8:9", "nor a valid IPv6 address"},
    {":::", "nor a valid IPv6 address"},
};

static void test_bad_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(bad_names); i++) {
		struct name n;
		struct ca_error e = {0};
		if (name_parse(bad_names[i].in, &n, &e) != CA_ERR_BAD_REQUEST)
			fail_msg("'%s' accepted as '%s'", bad_names[i].in, n.text);
		assert_message(&e, bad_names[i].msg);
	}
}

static void test_null_name(void **state)
{
	(void)state;
	struct name n;
	struct ca_error e;
	assert_int_equal(name_parse(NULL, &n, &e), CA_ERR_BAD_REQUEST);
	assert_int_equal(name_parse("", &n, NULL), CA_ERR_BAD_REQUEST);
}

/* A name of labels of the given lengths, e.g. {63, 1} -> "aaa...a.a". */
static void make_name(char *buf, const size_t *labels, size_t n, const char *tail)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf[o++] = '.';
		memset(buf + o, 'a' + (int)i, labels[i]);
		o += labels[i];
	}
	strcpy(buf + o, tail);
}

static void test_label_lengths(void **state)
{
	(void)state;
	char buf[600];
	struct name n;
	struct ca_error e;

	const size_t l63[] = {63, 7};
	make_name(buf, l63, 2, "");
	assert_int_equal(name_parse(buf, &n, &e), CA_OK);
	assert_int_equal(strlen(n.text), 71);

	const size_t l64[] = {64, 7};
	make_name(buf, l64, 2, "");
	assert_int_equal(name_parse(buf, &n, &e), CA_ERR_BAD_REQUEST);
	assert_message(&e, "label of 64 characters");

	const size_t last64[] = {3, 64};
	make_name(buf, last64, 2, "");
	assert_int_equal(name_parse(buf, &n, &e), CA_ERR_BAD_REQUEST);
	assert_message(&e, "at most 63");
}

static void test_total_lengths(void **state)
{
	(void)state;
	char buf[600];
	struct name n;
	struct ca_error e;
	const size_t l253[] = {63, 63, 63, 61}; /* 250 + 3 dots */
	const size_t l254[] = {63, 63, 63, 62};

	make_name(buf, l253, 4, "");
	assert_int_equal(strlen(buf), 253);
	assert_int_equal(name_parse(buf, &n, &e), CA_OK);
	assert_string_equal(n.text, buf);

	make_name(buf, l253, 4, "."); /* the trailing dot does not count */
	assert_int_equal(name_parse(buf, &n, &e), CA_OK);
	assert_int_equal(strlen(n.text), 253);

	make_name(buf, l254, 4, "");
	assert_int_equal(name_parse(buf, &n, &e), CA_ERR_BAD_REQUEST);
	assert_message(&e, "254 characters long; a DNS name may have at most 253");
	/* The echoed name is shortened, never the whole input. */
	assert_true(strlen(e.detail) < 300);

	make_name(buf, l254, 4, ".");
	assert_int_equal(name_parse(buf, &n, &e), CA_ERR_BAD_REQUEST);

	const size_t w253[] = {1, 63, 63, 63, 59}; /* "*." + 251 */
	make_name(buf, w253, 5, "");
	buf[0] = '*';
	assert_int_equal(strlen(buf), 253);
	assert_int_equal(name_parse(buf, &n, &e), CA_OK);
	assert_true(n.wildcard);
}

static void test_messages_are_text(void **state)
{
	(void)state;
	struct name n;
	struct ca_error e;
	/* Control bytes and broken UTF-8 are escaped, never copied. */
	assert_int_equal(name_parse("a\n\x1b[31m.example", &n, &e), CA_ERR_BAD_REQUEST);
	assert_message(&e, "\\x0a\\x1b[31m");
	assert_int_equal(name_parse("\xc3(.example", &n, &e), CA_ERR_BAD_REQUEST);
	assert_message(&e, "\\xc3(");
	/* A well-formed U-label is quoted as the person typed it. */
	assert_int_equal(name_parse("\xc3\xa9t\xc3\xa9.example", &n, &e), CA_ERR_BAD_REQUEST);
	assert_message(&e, "name '\xc3\xa9t\xc3\xa9.example' is not ASCII");
}

/* ---- patterns --------------------------------------------------------- */

static const struct {
	const char *pattern;
	const char *msg; /* NULL: valid */
} patterns[] = {
    {"a.example", NULL},
    {"A.Example.", NULL},
    {"*.example", NULL},
    {"*.team-a.internal", NULL},
    {".internal", NULL},
    {".team-a.internal", NULL},
    {"*.com", NULL},
    {"localhost", NULL},
    {"", "empty pattern"},
    {"*", "misplaced '*'"},
    {"*.", "no domain after its '*.'"},
    {".", "is empty"},
    {"..example", "empty label"},
    {"*..example", "empty label"},
    {"*.*.example", "misplaced '*'"},
    {"a.*.example", "misplaced '*'"},
    {"*example", "misplaced '*'"},
    {"10.0.0.1", "as CIDR blocks (such as '10.0.0.1/32')"},
    {"fd00::1", "as CIDR blocks (such as 'fd00::1/128')"},
    {"_x.example", "underscore"},
    {".b\xc3\xbc"
     "cher.example",
     "xn--"},
};

static void test_pattern_check(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(patterns); i++) {
		struct ca_error e = {0};
		enum ca_err rc = pattern_check(patterns[i].pattern, &e);
		if (patterns[i].msg == NULL) {
			if (rc != CA_OK)
				fail_msg("pattern '%s' refused: %s", patterns[i].pattern, e.detail);
			continue;
		}
		if (rc != CA_ERR_BAD_REQUEST)
			fail_msg("pattern '%s' accepted", patterns[i].pattern);
		assert_message(&e, patterns[i].msg);
		/* The core states the fact; the CLI adds its flag (from e.input). */
		assert_null(strstr(e.detail, " --"));
		bool is_ip = strstr(patterns[i].msg, "CIDR") != NULL;
		assert_int_equal(e.input, is_ip ? CA_INPUT_IP_BLOCK : CA_INPUT_NONE);
	}
	assert_int_equal(pattern_check(NULL, NULL), CA_ERR_BAD_REQUEST);
}

static const struct {
	const char *pattern;
	const char *name;
	bool allow_wildcard;
	bool match;
} matches[] = {
    /* exact */
    {"a.example", "a.example", false, true},
    {"a.example", "A.EXAMPLE.", false, true},
    {"A.Example.", "a.example", false, true},
    {"a.example", "b.a.example", false, false},
    {"a.example", "example", false, false},
    {"a.example", "*.a.example", true, false},
    {"a.example", "*.x.a.example", true, false},
    /* *.suffix: strictly under, any depth */
    {"*.example", "a.example", false, true},
    {"*.example", "b.a.example", false, true},
    {"*.example", "example", false, false},
    {"*.example", "badexample", false, false},
    {"*.example", "a.badexample", false, false},
    {"*.example", "example.com", false, false},
    {"*.a.example", "b.a.example", false, true},
    {"*.a.example", "a.example", false, false},
    {"*.a.example", "b.example", false, false},
    /* .suffix: the suffix and under */
    {".example", "example", false, true},
    {".example", "a.example", false, true},
    {".example", "c.b.a.example", false, true},
    {".example", "badexample", false, false},
    {".team-a.internal", "db.team-b.internal", false, false},
    {".team-a.internal", "db.team-a.internal", false, true},
    {".team-a.internal", "team-a.internal", false, true},
    /* wildcard names: only when covered, and only with allow_wildcard */
    {"*.example", "*.a.example", true, true},
    {"*.example", "*.a.example", false, false},
    {".example", "*.a.example", true, true},
    {".example", "*.a.example", false, false},
    {".a.example", "*.a.example", true, true},
    {"*.a.example", "*.a.example", true, true},
    {"*.a.example", "*.b.a.example", true, true},
    {"*.b.a.example", "*.a.example", true, false},
    {".b.a.example", "*.a.example", true, false},
    {"*.example", "*.a.badexample", true, false},
    {"*.a.example", "*.b.example", true, false},
    /* IP names never match DNS patterns */
    {"*.example", "10.0.0.1", true, false},
    {".example", "::1", true, false},
    /* a bad pattern matches nothing */
    {"*", "a.example", true, false},
    {"", "a.example", true, false},
    {"a..example", "a.example", true, false},
};

static void test_pattern_match(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(matches); i++) {
		struct name n;
		if (name_parse(matches[i].name, &n, NULL) != CA_OK)
			fail_msg("name '%s' refused", matches[i].name);
		bool got = pattern_match(matches[i].pattern, &n, matches[i].allow_wildcard);
		if (got != matches[i].match)
			fail_msg("pattern '%s' name '%s' wildcard %d: got %d", matches[i].pattern,
				 matches[i].name, matches[i].allow_wildcard, got);
	}
	assert_false(pattern_match("a.example", NULL, true));
}

/* ---- CIDR ------------------------------------------------------------- */

static const struct {
	const char *cidr;
	const char *msg; /* NULL: valid */
} cidrs[] = {
    {"10.0.0.0/8", NULL},
    {"10.1.2.3", NULL},
    {"10.1.2.3/32", NULL},
    {"0.0.0.0/0", NULL},
    {"fd00::/8", NULL},
    {"::1", NULL},
    {"::1/128", NULL},
    {"::/0", NULL},
    {"2001:db8::/32", NULL},
    {"", "empty address block"},
    {"/8", "not an IPv4 or IPv6"},
    {"10.0.0.0/", "bad prefix length"},
    {"10.0.0.0/33", "prefix /33, but an IPv4 prefix is at most /32"},
    {"fd00::/129", "at most /128"},
    {"10.0.0.0/-1", "bad prefix length"},
    {"10.0.0.0/+8", "bad prefix length"},
    {"10.0.0.0/08", "bad prefix length"},
    {"10.0.0.0/8/8", "bad prefix length"},
    {"10.0.0.0/ 8", "bad prefix length"},
    {"10.0.0.0/99999", "bad prefix length"},
    {"10.0.0.1/8", "did you mean '10.0.0.0/8'?"},
    {"fd00::1/64", "did you mean 'fd00::/64'?"},
    {"10.0.0/8", "not an IPv4 or IPv6"},
    {"a.example/8", "not an IPv4 or IPv6"},
    {"fe80::1%eth0/64", "not an IPv4 or IPv6"},
    {"1111:2222:3333:4444:5555:6666:7777:8888:9999/8", "not an IPv4 or IPv6"},
};

static void test_cidr_check(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(cidrs); i++) {
		struct ca_error e = {0};
		enum ca_err rc = cidr_check(cidrs[i].cidr, &e);
		if (cidrs[i].msg == NULL) {
			if (rc != CA_OK)
				fail_msg("cidr '%s' refused: %s", cidrs[i].cidr, e.detail);
			continue;
		}
		if (rc != CA_ERR_BAD_REQUEST)
			fail_msg("cidr '%s' accepted", cidrs[i].cidr);
		assert_message(&e, cidrs[i].msg);
	}
	assert_int_equal(cidr_check(NULL, NULL), CA_ERR_BAD_REQUEST);
}

static const struct {
	const char *cidr;
	const char *name;
	bool match;
} cidr_matches[] = {
    {"10.0.0.0/8", "10.0.0.1", true},
    {"10.0.0.0/8", "10.255.255.255", true},
    {"10.0.0.0/8", "11.0.0.0", false},
    {"10.0.0.0/8", "9.255.255.255", false},
    {"10.1.2.3", "10.1.2.3", true},
    {"10.1.2.3", "10.1.2.4", false},
    {"10.1.2.3/32", "10.1.2.3", true},
    {"192.168.0.0/23", "192.168.1.200", true},
    {"192.168.0.0/23", "192.168.2.1", false},
    {"192.168.1.128/25", "192.168.1.127", false},
    {"192.168.1.128/25", "192.168.1.128", true},
    {"0.0.0.0/0", "203.0.113.9", true},
    {"0.0.0.0/0", "::1", false},
    {"::/0", "10.0.0.1", false},
    {"::/0", "2001:db8::1", true},
    {"fd00::/8", "fd12:3456::1", true},
    {"fd00::/8", "fe80::1", false},
    {"2001:db8::/33", "2001:db8:7fff::1", true},
    {"2001:db8::/33", "2001:db8:8000::1", false},
    {"::1", "::1", true},
    {"::1", "::2", false},
    {"10.0.0.0/8", "::ffff:10.0.0.1", false}, /* v4-mapped is IPv6 */
    {"::ffff:0:0/96", "::ffff:10.0.0.1", true},
    {"::ffff:0:0/96", "10.0.0.1", false},
    {"10.0.0.0/8", "a.example", false},
    {"10.0.0.1/8", "10.0.0.1", false}, /* a bad block matches nothing */
    {"garbage", "10.0.0.1", false},
};

static void test_cidr_match(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(cidr_matches); i++) {
		struct name n;
		assert_int_equal(name_parse(cidr_matches[i].name, &n, NULL), CA_OK);
		if (cidr_match(cidr_matches[i].cidr, &n) != cidr_matches[i].match)
			fail_msg("cidr '%s' name '%s': expected %d", cidr_matches[i].cidr,
				 cidr_matches[i].name, cidr_matches[i].match);
	}
	assert_false(cidr_match("10.0.0.0/8", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_names),	      cmocka_unit_test(test_ip_bytes),
	    cmocka_unit_test(test_bad_names),	      cmocka_unit_test(test_null_name),
	    cmocka_unit_test(test_label_lengths),     cmocka_unit_test(test_total_lengths),
	    cmocka_unit_test(test_messages_are_text), cmocka_unit_test(test_pattern_check),
	    cmocka_unit_test(test_pattern_match),     cmocka_unit_test(test_cidr_check),
	    cmocka_unit_test(test_cidr_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
