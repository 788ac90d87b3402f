/*
 * privca tidy: retention by hand (issue 12). Deletes the certificates that
 * expired before a date, in short steps while the service goes on issuing;
 * --dry-run only counts them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

static const char tidy_help[] =
    "usage: privca tidy [--dir DIR] --expired-before DATE [--dry-run]\n"
    "Delete the certificates that expired before DATE (YYYY-MM-DD, midnight UTC, or\n"
    "YYYY-MM-DDTHH:MM:SSZ), and their events; a valid certificate, or a revoked one\n"
    "still inside its validity, is never deleted. Prints 'deleted N' (with --dry-run\n"
    "'would delete N', and nothing changes). Safe while privca serve runs.\n";

struct tidy_args {
	const char *date;
	bool dry_run;
};

static const char *tidy_flag(int c, const char *arg, void *p)
{
	struct tidy_args *a = p;
	if (c == 'n')
		a->dry_run = true;
	else
		a->date = arg;
	return NULL;
}

/* DATE as Unix seconds; false if it is not one of the two forms. */
static bool parse_date(const char *s, int64_t *out)
{
	struct tm tm = {0};
	int n = 0;
	size_t len = strlen(s);
	if (len == 10 &&
	    sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) == 3 && n == 10) {
	} else if (len == 20 &&
		   sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) == 6 &&
		   n == 20) {
	} else {
		return false;
	}
	if (tm.tm_year < 1970 || tm.tm_year > 9999 || tm.tm_mon < 1 || tm.tm_mon > 12 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 59)
		return false;
	int y = tm.tm_year, m = tm.tm_mon, d = tm.tm_mday;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	/* timegm normalises 02-30 into March: refuse what it had to move */
	struct tm back;
	if (t == (time_t)-1 || gmtime_r(&t, &back) == NULL || back.tm_year + 1900 != y ||
	    back.tm_mon + 1 != m || back.tm_mday != d)
		return false;
	*out = (int64_t)t;
	return true;
}

int cmd_tidy(int argc, char **argv)
{
	static const struct option opts[] = {{"expired-before", required_argument, NULL, 'b'},
					     {"dry-run", no_argument, NULL, 'n'},
					     {0}};
	struct tidy_args a = {0};
	int st = parse_flags("tidy", tidy_help, opts, tidy_flag, &a, 0, argc, argv);
	if (st != GO_ON)
		return st;
	int64_t before;
	if (a.date == NULL)
		return usage_error("tidy", "--expired-before DATE is required");
	if (!parse_date(a.date, &before))
		return usage_error("tidy", "--expired-before takes a date: YYYY-MM-DD or "
					   "YYYY-MM-DDTHH:MM:SSZ");
	struct ca *ca;
	if (open_ca(&ca) != 0)
		return EXIT_REFUSED;
	struct ca_error err = {0};
	uint64_t n = 0;
	enum ca_err rc = ca_tidy(ca, before, a.dry_run, "cli", &n, &err);
	int status = rc != CA_OK ? fail("tidy", rc, &err) : 0;
	if (rc == CA_OK)
		printf("%s %llu\n", a.dry_run ? "would delete" : "deleted", (unsigned long long)n);
	ca_close(ca);
	return status;
}
