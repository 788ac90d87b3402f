/*
 * dn.h: RFC 4514 printing, string decoding, building from "CN=x,O=y",
 * and dropping CN RDNs that are not among a certificate's names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x509/csr.h"
#include "x509/der.h"
#include "x509/dn.h"
#include "x509/oid.h"

#define AT_O  "\x55\x04\x0a"
#define AT_OU "\x55\x04\x0b"
#define AT_C  "\x55\x04\x06"

/* ---- Helpers ------------------------------------------------------------- */

/* Build a Name: each call to rdn() opens a SET, ava() adds to it. */
struct nb {
	struct der_w w;
	size_t name, set;
	bool open;
};

static void nb_start(struct nb *b)
{
	memset(b, 0, sizeof(*b));
	b->name = der_begin(&b->w, DER_SEQUENCE);
}

static void nb_rdn(struct nb *b)
{
	if (b->open)
		der_end(&b->w, b->set);
	b->set = der_begin(&b->w, DER_SET);
	b->open = true;
}

static void nb_ava(struct nb *b, const char *oid, size_t oid_len, uint8_t tag, const void *v,
		   size_t n)
{
	size_t s = der_begin(&b->w, DER_SEQUENCE);
	der_oid(&b->w, (const uint8_t *)oid, oid_len);
	der_tlv(&b->w, tag, v, n);
	der_end(&b->w, s);
}

static uint8_t *nb_finish(struct nb *b, size_t *len)
{
	if (b->open)
		der_end(&b->w, b->set);
	der_end(&b->w, b->name);
	uint8_t *out;
	assert_true(der_finish(&b->w, &out, len));
	return out;
}

/* One-RDN Name holding one AVA. */
static uint8_t *one(const char *oid, size_t oid_len, uint8_t tag, const void *v, size_t n,
		    size_t *len)
{
	struct nb b;
	nb_start(&b);
	nb_rdn(&b);
	nb_ava(&b, oid, oid_len, tag, v, n);
	return nb_finish(&b, len);
}

static void assert_prints(const uint8_t *name, size_t len, const char *want)
{
	char *s = dn_to_string(name, len);
	if (s == NULL)
		fail_msg("dn_to_string returned NULL, want \"%s\"", want);
	if (strcmp(s, want) != 0)
		fail_msg("got \"%s\", want \"%s\"", s, want);
	free(s);
}

static void assert_cn_prints(uint8_t tag, const void *v, size_t n, const char *want)
{
	size_t len;
	uint8_t *name = one(OID_AT_CN, OID_LEN(OID_AT_CN), tag, v, n, &len);
	assert_prints(name, len, want);
	free(name);
}

static struct csr load_csr(const char *fixture)
{
	const char *dir = getenv("PRIVCA_FIXTURES");
	if (dir == NULL)
		fail_msg("PRIVCA_FIXTURES is not set (scripts/mkfixtures DIR makes them)");
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, fixture);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open fixture %s", path);
	static uint8_t buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	struct csr c;
	struct ca_error e;
	if (csr_parse(buf, n, &c, &e) != CA_OK)
		fail_msg("%s: %s", fixture, e.detail);
	return c;
}

/* ---- dn_to_string ----------------------------------------------------------- */

static void prints_most_specific_first(void **state)
{
	(void)state;
	struct nb b;
	nb_start(&b);
	nb_rdn(&b);
	nb_ava(&b, AT_C, 3, DER_PRINTABLESTRING, "DE", 2);
	nb_rdn(&b);
	nb_ava(&b, AT_O, 3, DER_UTF8STRING, "Example", 7);
	nb_rdn(&b);
	nb_ava(&b, OID_AT_CN, 3, DER_UTF8STRING, "host", 4);
	size_t len;
	uint8_t *name = nb_finish(&b, &len);
	assert_prints(name, len, "CN=host,O=Example,C=DE");
	free(name);
}

static void escapes_special_characters(void **state)
{
	(void)state;
	struct csr c = load_csr("special.csr");
	assert_prints(c.subject, c.subject_len,
		      "CN=special.example.test,OU=\\#1 team\\ ,OU=R\\+D \\<lab\\>\\;x\\\\y,"
		      "O=Foo \\\"Bar\\\"\\, Inc.,L=Z\xc3\xbcrich,C=DE");
	csr_free(&c);
}

static void bmpstring_printed_as_utf8(void **state)
{
	(void)state;
	struct csr c = load_csr("bmp.csr");
	assert_prints(c.subject, c.subject_len,
		      "CN=bmp.example.test \xe6\x9d\xb1\xe4\xba\xac,O=Gr\xc3\xbc\xc3\x9f"
		      "e AG,C=CH");
	csr_free(&c);
}

static void multi_valued_rdn_joined_with_plus(void **state)
{
	(void)state;
	struct nb b;
	nb_start(&b);
	nb_rdn(&b);
	nb_ava(&b, OID_AT_CN, 3, DER_UTF8STRING, "a", 1);
	nb_ava(&b, AT_OU, 3, DER_UTF8STRING, "b", 1);
	size_t len;
	uint8_t *name = nb_finish(&b, &len);
	assert_prints(name, len, "CN=a+OU=b");
	free(name);
}

static void unknown_type_dotted_with_hex(void **state)
{
	(void)state;
	size_t len;
	/* 1.3.6.1.4.1.311.60.2.1.3 (jurisdictionC), PrintableString "US" */
	uint8_t *name = one("\x2b\x06\x01\x04\x01\x82\x37\x3c\x02\x01\x03", 11, DER_PRINTABLESTRING,
			    "US", 2, &len);
	assert_prints(name, len, "1.3.6.1.4.1.311.60.2.1.3=#13025553");
	free(name);
}

static void invalid_utf8_printed_as_hex(void **state)
{
	(void)state;
	assert_cn_prints(DER_UTF8STRING, "\xc0\xaf", 2, "CN=#0C02C0AF");
}

static void nul_in_value_printed_as_hex(void **state)
{
	(void)state;
	assert_cn_prints(DER_UTF8STRING, "a\0b", 3, "CN=#0C03610062");
}

static void non_string_value_printed_as_hex(void **state)
{
	(void)state;
	assert_cn_prints(DER_INTEGER, "\x05", 1, "CN=#020105");
}

static void control_characters_escaped(void **state)
{
	(void)state;
	assert_cn_prints(DER_UTF8STRING, "a\nb", 3, "CN=a\\0Ab");
}

static void leading_space_and_hash_escaped(void **state)
{
	(void)state;
	assert_cn_prints(DER_UTF8STRING, " x", 2, "CN=\\ x");
	assert_cn_prints(DER_UTF8STRING, "#x#", 3, "CN=\\#x#");
}

static void empty_name_is_empty_string(void **state)
{
	(void)state;
	assert_prints((const uint8_t *)"\x30\x00", 2, "");
}

static void malformed_names_are_null(void **state)
{
	(void)state;
	static const struct {
		const char *der;
		size_t len;
	} bad[] = {
	    {"", 0},
	    {"\x31\x00", 2},						  /* SET, not SEQUENCE */
	    {"\x30\x02\x31\x00", 4},					  /* empty RDN */
	    {"\x30\x00\x00", 3},					  /* trailing byte */
	    {"\x30\x04\x31\x02\x30\x00", 6},				  /* AVA without type */
	    {"\x30\x06\x31\x04\x30\x02\x06\x00", 8},			  /* empty OID, no value */
	    {"\x30\x09\x31\x07\x30\x05\x06\x01\x55\x0c", 10},		  /* truncated */
	    {"\x30\x0b\x31\x09\x30\x07\x06\x01\x80\x0c\x02\x61\x62", 13}, /* bad OID */
	    {"\x30\x0d\x31\x0b\x30\x09\x06\x01\x55\x0c\x00\x0c\x02\x61\x62", 15}, /* 3 items */
	    {"\x30\x80\x00\x00", 4}, /* indefinite length */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *s = dn_to_string((const uint8_t *)bad[i].der, bad[i].len);
		if (s != NULL)
			fail_msg("case %zu printed \"%s\"", i, s);
		assert_false(dn_valid((const uint8_t *)bad[i].der, bad[i].len));
	}
	assert_null(dn_to_string(NULL, 0));
}

/* ---- dn_string_utf8 ------------------------------------------------------- */

static void decode_ok(uint8_t tag, const char *in, size_t n, const char *want)
{
	char *s = NULL;
	assert_int_equal(dn_string_utf8(tag, (const uint8_t *)in, n, &s), CA_OK);
	assert_string_equal(s, want);
	free(s);
}

static void decode_bad(uint8_t tag, const char *in, size_t n)
{
	char *s = (char *)"not touched";
	assert_int_equal(dn_string_utf8(tag, (const uint8_t *)in, n, &s), CA_ERR_BAD_REQUEST);
	assert_null(s);
}

static void teletex_latin1_to_utf8(void **state)
{
	(void)state;
	decode_ok(0x14, "caf\xe9", 4, "caf\xc3\xa9");
	decode_ok(0x14, "caf\xc3\xa9", 5, "caf\xc3\xa9"); /* already UTF-8 */
}

static void bmp_surrogate_pair(void **state)
{
	(void)state;
	decode_ok(DER_BMPSTRING, "\xd8\x3d\xde\x00", 4, "\xf0\x9f\x98\x80");
	decode_bad(DER_BMPSTRING, "\xd8\x3d", 2);	  /* lone high surrogate */
	decode_bad(DER_BMPSTRING, "\xde\x00\x00\x41", 4); /* lone low surrogate */
	decode_bad(DER_BMPSTRING, "\x00\x41\x00", 3);	  /* odd length */
}

static void universal_string(void **state)
{
	(void)state;
	decode_ok(0x1c, "\x00\x00\x00\x41\x00\x01\xf6\x00", 8, "A\xf0\x9f\x98\x80");
	decode_bad(0x1c, "\x00\x11\x00\x00", 4);
	decode_bad(0x1c, "\x00\x00\x41", 3);
}

static void utf8_must_be_well_formed(void **state)
{
	(void)state;
	decode_ok(DER_UTF8STRING, "\xe6\x9d\xb1", 3, "\xe6\x9d\xb1");
	decode_bad(DER_UTF8STRING, "\xc0\x80", 2);	   /* overlong NUL */
	decode_bad(DER_UTF8STRING, "\xed\xa0\x80", 3);	   /* surrogate */
	decode_bad(DER_UTF8STRING, "\xf4\x90\x80\x80", 4); /* > U+10FFFF */
	decode_bad(DER_UTF8STRING, "\xe6\x9d", 2);	   /* truncated */
}

static void ascii_types_refuse_high_bytes(void **state)
{
	(void)state;
	decode_ok(DER_PRINTABLESTRING, "Ab 1", 4, "Ab 1");
	decode_bad(DER_PRINTABLESTRING, "\xe9", 1);
	decode_bad(DER_IA5STRING, "\x80", 1);
}

static void non_string_tag_refused(void **state)
{
	(void)state;
	decode_bad(DER_INTEGER, "\x01", 1);
	decode_bad(DER_OCTET_STRING, "ab", 2);
}

/* ---- dn_last_cn ---------------------------------------------------------- */

static void last_cn_and_none(void **state)
{
	(void)state;
	struct nb b;
	nb_start(&b);
	nb_rdn(&b);
	nb_ava(&b, OID_AT_CN, 3, DER_UTF8STRING, "first", 5);
	nb_rdn(&b);
	nb_ava(&b, AT_O, 3, DER_UTF8STRING, "org", 3);
	nb_ava(&b, OID_AT_CN, 3, DER_PRINTABLESTRING, "last", 4);
	size_t len;
	uint8_t *name = nb_finish(&b, &len);
	char *cn = NULL;
	assert_int_equal(dn_last_cn(name, len, &cn), CA_OK);
	assert_string_equal(cn, "last");
	free(cn);
	free(name);
	assert_int_equal(dn_last_cn((const uint8_t *)"\x30\x00", 2, &cn), CA_OK);
	assert_null(cn);
	assert_int_equal(dn_last_cn((const uint8_t *)"\x30\x01", 2, &cn), CA_ERR_BAD_REQUEST);
}

/* ---- dn_from_string -------------------------------------------------------- */

static void from_string_round_trip(const char *in, const char *printed)
{
	uint8_t *der = NULL;
	size_t len = 0;
	struct ca_error e = {0};
	enum ca_err rc = dn_from_string(in, &der, &len, &e);
	if (rc != CA_OK)
		fail_msg("\"%s\": %s", in, e.detail);
	assert_prints(der, len, printed);
	free(der);
}

static void from_string_failure(const char *in, const char *why)
{
	uint8_t *der = (uint8_t *)"x";
	size_t len = 1;
	struct ca_error e = {0};
	enum ca_err rc = dn_from_string(in, &der, &len, &e);
	if (rc != CA_ERR_BAD_REQUEST)
		fail_msg("\"%s\": got %s, want bad-request", in ? in : "(null)", ca_strerror(rc));
	if (strstr(e.detail, why) == NULL)
		fail_msg("\"%s\": \"%s\" does not mention \"%s\"", in ? in : "(null)", e.detail,
			 why);
	assert_null(der);
}

static void from_string_order_and_types(void **state)
{
	(void)state;
	uint8_t *der;
	size_t len;
	struct ca_error e;
	assert_int_equal(dn_from_string("CN=privca CA,O=Example,C=de", &der, &len, &e), CA_OK);
	/* First RDN in the DER is the last one written: C, as a PrintableString "DE". */
	static const uint8_t c_rdn[] = {0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55,
					0x04, 0x06, 0x13, 0x02, 'D',  'E'};
	assert_true(len > 2 + sizeof(c_rdn));
	assert_memory_equal(der + 2, c_rdn, sizeof(c_rdn));
	assert_prints(der, len, "CN=privca CA,O=Example,C=DE");
	/* CN last in the DER, as UTF8String. */
	static const uint8_t cn_tail[] = {0x0c, 0x09, 'p', 'r', 'i', 'v', 'c', 'a', ' ', 'C', 'A'};
	assert_memory_equal(der + len - sizeof(cn_tail), cn_tail, sizeof(cn_tail));
	free(der);
}

static void from_string_dc_and_email_are_ia5(void **state)
{
	(void)state;
	uint8_t *der;
	size_t len;
	struct ca_error e;
	assert_int_equal(dn_from_string("emailAddress=a@b.test,DC=test", &der, &len, &e), CA_OK);
	assert_prints(der, len, "emailAddress=a@b.test,DC=test");
	/* ... 0x16 0x04 't' 'e' 's' 't' for DC (first in DER) */
	assert_memory_equal(der + 2 + 2 + 2 + 12, "\x16\x04test", 6);
	free(der);
	from_string_failure("DC=caf\xc3\xa9", "must be ASCII");
}

static void from_string_escapes(void **state)
{
	(void)state;
	from_string_round_trip("CN=a\\,b\\+c\\\\d,O=x", "CN=a\\,b\\+c\\\\d,O=x");
	from_string_round_trip("CN=caf\\C3\\A9", "CN=caf\xc3\xa9");
	from_string_round_trip("CN=x\\ ", "CN=x\\ ");
	from_string_round_trip("O=\\#1", "O=\\#1");
}

static void from_string_trims_spaces(void **state)
{
	(void)state;
	from_string_round_trip("  CN = my host , o = Example Inc  ", "CN=my host,O=Example Inc");
}

static void from_string_multi_valued(void **state)
{
	(void)state;
	/* DER sorts the SET: CN (2.5.4.3) before O (2.5.4.10) whatever the input order. */
	from_string_round_trip("O=b+CN=a,C=US", "CN=a+O=b,C=US");
}

static void from_string_errors(void **state)
{
	(void)state;
	from_string_failure(NULL, "empty");
	from_string_failure("", "empty");
	from_string_failure("   ", "empty");
	from_string_failure("FOO=bar", "unknown attribute 'FOO'");
	from_string_failure("CN=", "empty value");
	from_string_failure("CN=x,", "expected KEY=value");
	from_string_failure("just text", "expected KEY=value");
	from_string_failure("CN=\\q", "bad escape");
	from_string_failure("CN=a\\00b", "UTF-8");
	from_string_failure("C=DEU", "two-letter");
	from_string_failure("CN=\xff", "UTF-8");
	from_string_failure("CN=0123456789012345678901234567890123456789012345678901234567890123X",
			    "longer than 64");
}

static void from_string_cn_64_characters_ok(void **state)
{
	(void)state;
	/* 64 characters, 128 bytes: the limit counts characters. */
	char in[3 + 128 + 1] = "CN=";
	for (int i = 0; i < 64; i++)
		memcpy(in + 3 + 2 * i, "\xc3\xa9", 2);
	in[3 + 128] = '\0';
	uint8_t *der;
	size_t len;
	struct ca_error e;
	assert_int_equal(dn_from_string(in, &der, &len, &e), CA_OK);
	free(der);
}

/* ---- dn_drop_foreign_cn ----------------------------------------------------- */

static void drop(const uint8_t *name, size_t len, const char *const *names, size_t n,
		 const char *want)
{
	uint8_t *out;
	size_t out_len;
	assert_int_equal(dn_drop_foreign_cn(name, len, names, n, &out, &out_len), CA_OK);
	assert_prints(out, out_len, want);
	free(out);
}

static void keeps_cn_that_is_a_name(void **state)
{
	(void)state;
	struct csr c = load_csr("special.csr");
	const char *names[] = {"other.test", "SPECIAL.example.TEST"};
	uint8_t *out;
	size_t out_len;
	assert_int_equal(dn_drop_foreign_cn(c.subject, c.subject_len, names, 2, &out, &out_len),
			 CA_OK);
	/* Nothing to drop: byte for byte the same. */
	assert_int_equal(out_len, c.subject_len);
	assert_memory_equal(out, c.subject, out_len);
	free(out);
	csr_free(&c);
}

static void drops_foreign_cn_keeps_rest_verbatim(void **state)
{
	(void)state;
	struct csr c = load_csr("bmp.csr"); /* C=CH (Printable), O=BMPString, CN=BMPString */
	uint8_t *out;
	size_t out_len;
	const char *names[] = {"bmp.example.test"};
	assert_int_equal(dn_drop_foreign_cn(c.subject, c.subject_len, names, 1, &out, &out_len),
			 CA_OK);
	/* The remaining RDNs are the original bytes, BMPString and all. */
	struct der_r r = {c.subject, c.subject_len};
	struct der_elem seq, c_rdn, o_rdn;
	assert_true(der_next(&r, &seq));
	struct der_r in = der_in(&seq);
	assert_true(der_next(&in, &c_rdn) && der_next(&in, &o_rdn));
	size_t body = c_rdn.tlv_len + o_rdn.tlv_len;
	assert_int_equal(out_len, 2 + body);
	assert_int_equal(out[0], 0x30);
	assert_int_equal(out[1], body);
	assert_memory_equal(out + 2, c_rdn.tlv, body);
	assert_prints(out, out_len,
		      "O=Gr\xc3\xbc\xc3\x9f"
		      "e AG,C=CH");
	free(out);
	csr_free(&c);
}

static void drops_each_foreign_cn(void **state)
{
	(void)state;
	struct csr c = load_csr("twocn.csr");
	const char *first[] = {"first.example.test"};
	drop(c.subject, c.subject_len, first, 1, "CN=first.example.test");
	drop(c.subject, c.subject_len, NULL, 0, "");
	csr_free(&c);
}

static void drops_whole_multi_valued_rdn(void **state)
{
	(void)state;
	struct nb b;
	nb_start(&b);
	nb_rdn(&b);
	nb_ava(&b, AT_O, 3, DER_UTF8STRING, "org", 3);
	nb_rdn(&b);
	nb_ava(&b, OID_AT_CN, 3, DER_UTF8STRING, "evil", 4);
	nb_ava(&b, AT_OU, 3, DER_UTF8STRING, "unit", 4);
	size_t len;
	uint8_t *name = nb_finish(&b, &len);
	const char *names[] = {"good.test"};
	drop(name, len, names, 1, "O=org");
	free(name);
}

static void undecodable_cn_is_foreign(void **state)
{
	(void)state;
	size_t len;
	uint8_t *name = one(OID_AT_CN, 3, DER_UTF8STRING, "a\0b", 3, &len);
	const char *names[] = {"a", "a\0b"};
	drop(name, len, names, 2, "");
	free(name);
}

static void drop_refuses_malformed_name(void **state)
{
	(void)state;
	uint8_t *out = (uint8_t *)"x";
	size_t out_len = 1;
	assert_int_equal(
	    dn_drop_foreign_cn((const uint8_t *)"\x30\x02\x31\x00", 4, NULL, 0, &out, &out_len),
	    CA_ERR_BAD_CSR);
	assert_null(out);
	assert_int_equal(out_len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(prints_most_specific_first),
	    cmocka_unit_test(escapes_special_characters),
	    cmocka_unit_test(bmpstring_printed_as_utf8),
	    cmocka_unit_test(multi_valued_rdn_joined_with_plus),
	    cmocka_unit_test(unknown_type_dotted_with_hex),
	    cmocka_unit_test(invalid_utf8_printed_as_hex),
	    cmocka_unit_test(nul_in_value_printed_as_hex),
	    cmocka_unit_test(non_string_value_printed_as_hex),
	    cmocka_unit_test(control_characters_escaped),
	    cmocka_unit_test(leading_space_and_hash_escaped),
	    cmocka_unit_test(empty_name_is_empty_string),
	    cmocka_unit_test(malformed_names_are_null),
	    cmocka_unit_test(teletex_latin1_to_utf8),
	    cmocka_unit_test(bmp_surrogate_pair),
	    cmocka_unit_test(universal_string),
	    cmocka_unit_test(utf8_must_be_well_formed),
	    cmocka_unit_test(ascii_types_refuse_high_bytes),
	    cmocka_unit_test(non_string_tag_refused),
	    cmocka_unit_test(last_cn_and_none),
	    cmocka_unit_test(from_string_order_and_types),
	    cmocka_unit_test(from_string_dc_and_email_are_ia5),
	    cmocka_unit_test(from_string_escapes),
	    cmocka_unit_test(from_string_trims_spaces),
	    cmocka_unit_test(from_string_multi_valued),
	    cmocka_unit_test(from_string_errors),
	    cmocka_unit_test(from_string_cn_64_characters_ok),
	    cmocka_unit_test(keeps_cn_that_is_a_name),
	    cmocka_unit_test(drops_foreign_cn_keeps_rest_verbatim),
	    cmocka_unit_test(drops_each_foreign_cn),
	    cmocka_unit_test(drops_whole_multi_valued_rdn),
	    cmocka_unit_test(undecodable_cn_is_foreign),
	    cmocka_unit_test(drop_refuses_malformed_name),
	};
	return cmocka_run_group_tests_name("dn", tests, NULL, NULL);
}
