/*
 * Unit tests of ca/policy.c: name selection, validity days, token policy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void assert_message(const struct ca_error *e, const char *want)
{
	if (strstr(e->detail, want) == NULL)
		fail_msg("message \"%s\" does not contain \"%s\"", e->detail, want);
}

/* ---- policy_names ------------------------------------------------------ */

static void assert_names(const struct name *got, size_t n, const char *const *want, size_t nwant)
{
	if (n != nwant)
		fail_msg("got %zu names, want %zu", n, nwant);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(got[i].text, want[i]);
}

static void test_names_from_sans(void **state)
{
	(void)state;
	const char *sans[] = {"B.example", "10.0.0.5"};
	const char *dns[] = {"csr.example"};
	const char *want[] = {"b.example", "10.0.0.5"};
	struct name *out;
	size_t n;
	assert_int_equal(policy_names(sans, 2, dns, 1, NULL, 0, "cn.example", &out, &n, NULL),
			 CA_OK);
	assert_names(out, n, want, N(want));
	assert_int_equal(out[0].kind, NAME_DNS);
	assert_int_equal(out[1].kind, NAME_IP);
	free(out);
}

static void test_names_from_csr_san(void **state)
{
	(void)state;
	const char *dns[] = {"a.example", "b.example"};
	const char *ips[] = {"fd00::1"};
	const char *want[] = {"a.example", "b.example", "fd00::1"};
	struct name *out;
	size_t n;
	assert_int_equal(policy_names(NULL, 0, dns, 2, ips, 1, "cn.example", &out, &n, NULL),
			 CA_OK);
	assert_names(out, n, want, N(want));
	free(out);

	/* IPs alone in the extension still beat the CN. */
	const char *want_ip[] = {"fd00::1"};
	assert_int_equal(policy_names(NULL, 0, NULL, 0, ips, 1, "cn.example", &out, &n, NULL),
			 CA_OK);
	assert_names(out, n, want_ip, 1);
	free(out);
}

static void test_names_from_cn(void **state)
{
	(void)state;
	const char *want[] = {"cn.example"};
	struct name *out;
	size_t n;
	assert_int_equal(policy_names(NULL, 0, NULL, 0, NULL, 0, "CN.Example", &out, &n, NULL),
			 CA_OK);
	assert_names(out, n, want, 1);
	free(out);
}

static void test_names_none(void **state)
{
	(void)state;
	struct name *out = (struct name *)1;
	size_t n = 7;
	struct ca_error e;
	assert_int_equal(policy_names(NULL, 0, NULL, 0, NULL, 0, NULL, &out, &n, &e),
			 CA_ERR_BAD_REQUEST);
	assert_null(out);
	assert_int_equal(n, 0);
	assert_message(&e, "names no DNS name or IP address");
	assert_int_equal(policy_names(NULL, 0, NULL, 0, NULL, 0, "", &out, &n, &e),
			 CA_ERR_BAD_REQUEST);
}

static void test_names_dedupe(void **state)
{
	(void)state;
	const char *sans[] = {"a.example", "A.EXAMPLE.", "10.0.0.1",  "b.example",
			      "a.example", "fd00::1",	 "FD00:0::1", "10.0.0.1"};
	const char *want[] = {"a.example", "10.0.0.1", "b.example", "fd00::1"};
	struct name *out;
	size_t n;
	assert_int_equal(policy_names(sans, N(sans), NULL, 0, NULL, 0, NULL, &out, &n, NULL),
			 CA_OK);
	assert_names(out, n, want, N(want));
	free(out);
}

static void test_names_bad(void **state)
{
	(void)state;
	struct name *out = NULL;
	size_t n;
	struct ca_error e;

	const char *sans[] = {"a.example", "a..b"};
	assert_int_equal(policy_names(sans, 2, NULL, 0, NULL, 0, NULL, &out, &n, &e),
			 CA_ERR_BAD_REQUEST);
	assert_null(out);
	assert_message(&e, "name 'a..b' has an empty label");

	const char *dns[] = {"_srv.example"};
	assert_int_equal(policy_names(NULL, 0, dns, 1, NULL, 0, NULL, &out, &n, &e),
			 CA_ERR_BAD_REQUEST);
	assert_message(&e, "subjectAltName");
	assert_message(&e, "underscore");

	const char *ips[] = {"a.example"};
	assert_int_equal(policy_names(NULL, 0, NULL, 0, ips, 1, NULL, &out, &n, &e),
			 CA_ERR_BAD_REQUEST);
	assert_message(&e, "IP address entry 'a.example'");

	assert_int_equal(policy_names(NULL, 0, NULL, 0, NULL, 0, "My Server", &out, &n, &e),
			 CA_ERR_BAD_REQUEST);
	assert_message(&e, "common name");
	assert_message(&e, "'My Server'");
}

static void test_names_max(void **state)
{
	(void)state;
	static char bufs[POLICY_MAX_NAMES + 1][32];
	const char *sans[POLICY_MAX_NAMES + 1];
	for (size_t i = 0; i <= POLICY_MAX_NAMES; i++) {
		snprintf(bufs[i], sizeof(bufs[i]), "h%zu.example", i);
		sans[i] = bufs[i];
	}
	struct name *out;
	size_t n;
	struct ca_error e;
	assert_int_equal(policy_names(sans, POLICY_MAX_NAMES, NULL, 0, NULL, 0, NULL, &out, &n, &e),
			 CA_OK);
	assert_int_equal(n, POLICY_MAX_NAMES);
	free(out);

	assert_int_equal(
	    policy_names(sans, POLICY_MAX_NAMES + 1, NULL, 0, NULL, 0, NULL, &out, &n, &e),
	    CA_ERR_BAD_REQUEST);
	assert_message(&e, "more than 100 names");

	/* Duplicates do not count towards the limit. */
	sans[POLICY_MAX_NAMES] = sans[0];
	assert_int_equal(
	    policy_names(sans, POLICY_MAX_NAMES + 1, NULL, 0, NULL, 0, NULL, &out, &n, &e), CA_OK);
	assert_int_equal(n, POLICY_MAX_NAMES);
	free(out);
}

/* ---- policy_days ------------------------------------------------------- */

static const struct {
	int def, max; /* CA limits */
	int tok_max;  /* -1: no token */
	int requested;
	int days; /* expected, or 0 for an error */
	const char *msg;
} days_cases[] = {
    {397, 825, -1, 0, 397, NULL},
    {397, 825, -1, 90, 90, NULL},
    {397, 825, -1, 1, 1, NULL},
    {397, 825, -1, 825, 825, NULL},
    {397, 825, -1, 826, 0, "a validity of 826 days is over the maximum of 825 days"},
    {397, 825, -1, 900, 0, "a validity of 900 days is over the maximum of 825 days"},
    {397, 825, -1, -5, 0, "a validity of -5 days is not a positive number"},
    {397, 825, 0, 0, 397, NULL}, /* token without a limit */
    {397, 825, 0, 825, 825, NULL},
    {397, 825, 90, 0, 90, NULL}, /* default lowered to the token's maximum */
    {397, 825, 90, 90, 90, NULL},
    {397, 825, 90, 30, 30, NULL},
    {397, 825, 90, 91, 0, "a validity of 91 days is over this token's maximum of 90 days"},
    {397, 825, 500, 0, 397, NULL},
    {397, 825, 900, 826, 0, "over the maximum of 825 days"}, /* CA limit wins */
    {30, 60, -1, 0, 30, NULL},
    {30, 60, -1, 61, 0, "over the maximum of 60 days"},
};

static void test_days(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(days_cases); i++) {
		struct policy_limits lim = {days_cases[i].def, days_cases[i].max};
		struct policy_token tok = {.name = "t", .max_days = days_cases[i].tok_max};
		struct ca_error e = {0};
		int days = -1;
		enum ca_err rc = policy_days(&lim, days_cases[i].tok_max < 0 ? NULL : &tok,
					     days_cases[i].requested, &days, &e);
		if (days_cases[i].days > 0) {
			if (rc != CA_OK || days != days_cases[i].days)
				fail_msg("case %zu: rc %d days %d: %s", i, rc, days, e.detail);
		} else {
			if (rc != CA_ERR_BAD_REQUEST)
				fail_msg("case %zu: accepted as %d days", i, days);
			assert_message(&e, days_cases[i].msg);
			/* The core names no field: the front-ends do, from e.input. */
			assert_null(strstr(e.detail, "validity_days"));
			assert_null(strstr(e.detail, "--days"));
			assert_int_equal(e.input, CA_INPUT_DAYS);
			assert_int_equal(days, -1); /* never silently shortened */
		}
	}
}

/* ---- policy_check ------------------------------------------------------ */

static struct name *parse_all(const char *const *in, size_t n)
{
	struct name *out = calloc(n ? n : 1, sizeof(*out));
	assert_non_null(out);
	for (size_t i = 0; i < n; i++)
		if (name_parse(in[i], &out[i], NULL) != CA_OK)
			fail_msg("name '%s' refused", in[i]);
	return out;
}

static const char *const team_a_allow[] = {".team-a.internal"};
static const char *const multi_allow[] = {"*.svc.internal", "api.example", ".team-a.internal"};
static const char *const ip_allow[] = {"10.1.0.0/16", "fd00:1::/32"};

static const struct policy_token team_a = {.name = "team-a", .allow = team_a_allow, .nallow = 1};
static const struct policy_token team_a_wild = {
    .name = "team-a-wild", .allow = team_a_allow, .nallow = 1, .allow_wildcard = true};
static const struct policy_token multi = {
    .name = "multi", .allow = multi_allow, .nallow = 3, .allow_ip = ip_allow, .nallow_ip = 2};
static const struct policy_token ips_only = {.name = "ips", .allow_ip = ip_allow, .nallow_ip = 2};
static const struct policy_token admin = {.name = "root", .admin = true};

static const struct {
	const struct policy_token *tok; /* NULL: the operator */
	const char *names[4];
	enum ca_err rc;
	const char *msg;
} checks[] = {
    {NULL, {"anything.example", "*.wild.example", "10.9.9.9", "::1"}, CA_OK, NULL},
    {&admin, {"anything.example", "*.wild.example", "10.9.9.9", "::1"}, CA_OK, NULL},
    {&team_a, {"db.team-a.internal", "team-a.internal"}, CA_OK, NULL},
    {&team_a,
     {"db.team-a.internal", "db.team-b.internal", "x.team-c.internal"},
     CA_ERR_NAME_NOT_ALLOWED,
     "name 'db.team-b.internal' is outside this token's allowed names (.team-a.internal)"},
    {&team_a,
     {"*.x.team-a.internal"},
     CA_ERR_NAME_NOT_ALLOWED,
     "name '*.x.team-a.internal' is a wildcard, and this token may not issue wildcard"},
    {&team_a_wild, {"*.x.team-a.internal", "*.team-a.internal"}, CA_OK, NULL},
    {&team_a_wild,
     {"*.x.team-b.internal"},
     CA_ERR_NAME_NOT_ALLOWED,
     "outside this token's allowed names (.team-a.internal)"},
    {&team_a,
     {"db.team-a.internal", "10.1.0.1"},
     CA_ERR_NAME_NOT_ALLOWED,
     "IP address '10.1.0.1' is not allowed: this token may not issue certificates for IP"},
    {&multi, {"a.svc.internal", "api.example", "10.1.200.3", "fd00:1::5"}, CA_OK, NULL},
    {&multi,
     {"svc.internal"},
     CA_ERR_NAME_NOT_ALLOWED,
     "name 'svc.internal' is outside this token's allowed names (*.svc.internal, "
     "api.example, .team-a.internal)"},
    {&multi,
     {"a.svc.internal", "10.2.0.1"},
     CA_ERR_NAME_NOT_ALLOWED,
     "IP address '10.2.0.1' is outside this token's allowed addresses (10.1.0.0/16, "
     "fd00:1::/32)"},
    {&multi, {"::ffff:10.1.0.1"}, CA_ERR_NAME_NOT_ALLOWED, "'::ffff:10.1.0.1'"},
    {&ips_only, {"10.1.0.1"}, CA_OK, NULL},
    {&ips_only,
     {"10.1.0.1", "a.example"},
     CA_ERR_NAME_NOT_ALLOWED,
     "name 'a.example' is not allowed: this token may not issue certificates for DNS"},
};

static void test_check(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(checks); i++) {
		size_t n = 0;
		while (n < 4 && checks[i].names[n] != NULL)
			n++;
		struct name *names = parse_all(checks[i].names, n);
		struct ca_error e = {0};
		enum ca_err rc = policy_check(checks[i].tok, CA_PROFILE_SERVER, names, n, &e);
		free(names);
		if (rc != checks[i].rc)
			fail_msg("case %zu: rc %d, want %d: %s", i, rc, checks[i].rc, e.detail);
		if (checks[i].msg != NULL)
			assert_message(&e, checks[i].msg);
	}
}

static void test_check_long_pattern_list(void **state)
{
	(void)state;
	static char bufs[40][64];
	const char *allow[40];
	for (size_t i = 0; i < 40; i++) {
		snprintf(bufs[i], sizeof(bufs[i]), ".team-%02zu.some-long-domain.internal", i);
		allow[i] = bufs[i];
	}
	struct policy_token tok = {.name = "many", .allow = allow, .nallow = 40};
	const char *in[] = {"x.elsewhere.internal"};
	struct name *names = parse_all(in, 1);
	struct ca_error e;
	assert_int_equal(policy_check(&tok, CA_PROFILE_SERVER, names, 1, &e),
			 CA_ERR_NAME_NOT_ALLOWED);
	free(names);
	assert_message(&e, "name 'x.elsewhere.internal' is outside");
	assert_message(&e, "(.team-00.some-long-domain.internal, ");
	assert_message(&e, "...)");
}

static void test_check_profiles(void **state)
{
	(void)state;
	const char *in[] = {"db.team-a.internal"};
	struct name *names = parse_all(in, 1);
	struct policy_token tok = team_a;
	struct ca_error e;

	tok.profiles = 0; /* all */
	for (int p = 0; p < CA_PROFILE_MAX; p++)
		assert_int_equal(policy_check(&tok, (enum ca_profile)p, names, 1, &e), CA_OK);

	tok.profiles = 1u << CA_PROFILE_SERVER | 1u << CA_PROFILE_PEER;
	assert_int_equal(policy_check(&tok, CA_PROFILE_SERVER, names, 1, &e), CA_OK);
	assert_int_equal(policy_check(&tok, CA_PROFILE_PEER, names, 1, &e), CA_OK);
	assert_int_equal(policy_check(&tok, CA_PROFILE_CLIENT, names, 1, &e), CA_ERR_FORBIDDEN);
	assert_message(&e, "token 'team-a' may not issue 'client' certificates; it may issue: "
			   "server, peer");

	/* The profile list binds admin tokens too; the operator has no token. */
	struct policy_token adm = admin;
	adm.profiles = 1u << CA_PROFILE_CLIENT;
	assert_int_equal(policy_check(&adm, CA_PROFILE_SERVER, names, 1, &e), CA_ERR_FORBIDDEN);
	assert_int_equal(policy_check(NULL, CA_PROFILE_CLIENT, names, 1, &e), CA_OK);

	assert_int_equal(policy_check(NULL, CA_PROFILE_MAX, names, 1, &e), CA_ERR_BAD_REQUEST);
	assert_message(&e, "unknown profile");
	free(names);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names_from_sans), cmocka_unit_test(test_names_from_csr_san),
	    cmocka_unit_test(test_names_from_cn),   cmocka_unit_test(test_names_none),
	    cmocka_unit_test(test_names_dedupe),    cmocka_unit_test(test_names_bad),
	    cmocka_unit_test(test_names_max),	    cmocka_unit_test(test_days),
	    cmocka_unit_test(test_check),	    cmocka_unit_test(test_check_long_pattern_list),
	    cmocka_unit_test(test_check_profiles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
