/*
 * Unit tests of ca/conf.c (privca.conf from one table) and ca/file.c (the
 * small-file reader and writers of the CA directory).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "file.h"

struct tmp {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -1;
	strcpy(t->dir, "/tmp/privca-conf-XXXXXX");
	if (mkdtemp(t->dir) == NULL)
		return -1;
	snprintf(t->path, sizeof(t->path), "%s/privca.conf", t->dir);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tmp *t = *state;
	char p[160];
	unlink(t->path);
	snprintf(p, sizeof(p), "%s.new", t->path);
	unlink(p);
	rmdir(t->dir);
	free(t);
	return 0;
}

static void put(const char *path, const char *text)
{
	unlink(path);
	assert_int_equal(file_write_new(path, 0644, text, strlen(text), NULL), CA_OK);
}

/* What init writes, open reads back the same. */
static void test_round_trip(void **state)
{
	struct tmp *t = *state;
	struct conf w = {0}, r = {0};
	assert_int_equal(conf_defaults(&w, NULL), CA_OK);
	assert_int_equal(conf_set_base_url(&w, "https://ca.example:9443", NULL), CA_OK);
	w.default_days = 30;
	assert_int_equal(conf_write(t->path, &w, NULL), CA_OK);
	/* Never overwritten. */
	assert_int_equal(conf_write(t->path, &w, NULL), CA_ERR_EXISTS);
	assert_int_equal(conf_defaults(&r, NULL), CA_OK);
	assert_int_equal(conf_read(&r, t->path, NULL), CA_OK);
	assert_string_equal(r.base_url, "https://ca.example:9443");
	assert_int_equal(r.default_days, 30);
	assert_int_equal(r.max_days, w.max_days);
	assert_string_equal(r.http, w.http);
	assert_string_equal(r.https, w.https);
	conf_free(&w);
	conf_free(&r);
}

/* A line over CONF_LINE_MAX is refused with its file and line, not split
 * into two lines (the second of which would be read as a setting). */
static void test_long_line_refused(void **state)
{
	struct tmp *t = *state;
	size_t n = CONF_LINE_MAX + 40;
	char *text = malloc(n + 64); /* "# " and 1021 x: 1023 bytes, then more */
	assert_non_null(text);
	strcpy(text, "# ok\n# ");
	size_t off = strlen(text);
	memset(text + off, 'x', CONF_LINE_MAX - 2);
	off += CONF_LINE_MAX - 2;
	strcpy(text + off, "max_days = 1\n"); /* what a split would make a setting */
	put(t->path, text);
	free(text);
	struct conf c = {0};
	struct ca_error e = {0};
	assert_int_equal(conf_defaults(&c, NULL), CA_OK);
	int before = c.max_days;
	assert_int_equal(conf_read(&c, t->path, &e), CA_ERR_BAD_REQUEST);
	assert_non_null(strstr(e.detail, "privca.conf:2:"));
	assert_non_null(strstr(e.detail, "over 1023 bytes"));
	assert_int_equal(c.max_days, before);
	/* Exactly CONF_LINE_MAX bytes is fine. */
	text = malloc(CONF_LINE_MAX + 2);
	assert_non_null(text);
	memset(text, ' ', CONF_LINE_MAX);
	memcpy(text, "# ", 2);
	text[CONF_LINE_MAX] = '\n';
	text[CONF_LINE_MAX + 1] = '\0';
	put(t->path, text);
	free(text);
	assert_int_equal(conf_read(&c, t->path, &e), CA_OK);
	conf_free(&c);
}

static void test_bad_values(void **state)
{
	struct tmp *t = *state;
	static const struct {
		const char *text, *words;
	} cases[] = {
	    {"max_days = 0\n", "privca.conf:1: max_days must be a number of days"},
	    {"default_days = 12x\n", "privca.conf:1: default_days must be a number"},
	    {"\nmax_days = 99999999999999999999\n", "privca.conf:2: max_days"},
	    {"colour = blue\n", "privca.conf:1: unknown setting 'colour'"},
	    {"base_url\n", "privca.conf:1: expected 'key = value'"},
	    {"base_url = ///\n", "privca.conf:1: base_url must be 1 to 1000 characters"},
	    {"default_days = 90\nmax_days = 30\n", "default_days is over max_days"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct conf c = {0};
		struct ca_error e = {0};
		put(t->path, cases[i].text);
		assert_int_equal(conf_defaults(&c, NULL), CA_OK);
		assert_int_equal(conf_read(&c, t->path, &e), CA_ERR_BAD_REQUEST);
		if (strstr(e.detail, cases[i].words) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, e.detail, cases[i].words);
		conf_free(&c);
	}
}

/* A missing file leaves the defaults. */
static void test_missing_file(void **state)
{
	struct tmp *t = *state;
	struct conf c = {0};
	unlink(t->path);
	assert_int_equal(conf_defaults(&c, NULL), CA_OK);
	assert_int_equal(conf_read(&c, t->path, NULL), CA_OK);
	assert_string_equal(c.base_url, CONF_DEFAULT_URL);
	conf_free(&c);
}

/* The reader: a secret readable by others is refused; replace is atomic. */
static void test_file_secret_and_replace(void **state)
{
	struct tmp *t = *state;
	uint8_t *buf = NULL;
	size_t len = 0;
	struct ca_error e = {0};
	put(t->path, "one");
	assert_int_equal(chmod(t->path, 0644), 0);
	assert_int_equal(file_read(t->path, FILE_SECRET, &buf, &len, &e), CA_ERR_IO);
	assert_non_null(strstr(e.detail, "chmod 600"));
	assert_int_equal(file_read(t->path, 0, &buf, &len, NULL), CA_OK);
	assert_int_equal(len, 3);
	assert_string_equal((char *)buf, "one");
	free(buf);
	assert_int_equal(file_replace(t->path, 0600, "two!", 4, NULL), CA_OK);
	assert_int_equal(file_read(t->path, FILE_SECRET, &buf, &len, NULL), CA_OK);
	assert_string_equal((char *)buf, "two!");
	ca_secret_free((char *)buf);
	char p[160];
	snprintf(p, sizeof(p), "%s.new", t->path);
	assert_int_equal(access(p, F_OK), -1);
}

/* FILE_LARGE: over FILE_MAX (a complete CRL of a million entries is 44 MB)
 * is refused without it and read with it; file_create with FILE_NOSYNC
 * writes the same bytes and, like file_write_new, never overwrites. */
static void test_file_large_and_nosync(void **state)
{
	struct tmp *t = *state;
	size_t big = (size_t)FILE_MAX + 4096;
	uint8_t *data = malloc(big), *buf = NULL;
	size_t len = 0;
	struct ca_error e = {0};
	assert_non_null(data);
	for (size_t i = 0; i < big; i++)
		data[i] = (uint8_t)(i * 31);
	unlink(t->path);
	assert_int_equal(file_create(t->path, 0600, data, big, FILE_NOSYNC, &e), CA_OK);
	assert_int_equal(file_create(t->path, 0600, "x", 1, FILE_NOSYNC, &e), CA_ERR_EXISTS);
	assert_int_equal(file_read(t->path, 0, &buf, &len, &e), CA_ERR_IO);
	assert_non_null(strstr(e.detail, "too large"));
	assert_int_equal(file_read(t->path, FILE_LARGE, &buf, &len, &e), CA_OK);
	assert_int_equal(len, big);
	assert_memory_equal(buf, data, big);
	free(buf);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_long_line_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_secret_and_replace, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_large_and_nosync, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
