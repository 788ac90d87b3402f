/*
 * privca store copy --to URL: move a CA's store from SQLite to PostgreSQL.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char store_help[] =
    "usage: privca store copy --to URL\n"
    "Copy this CA's SQLite store (DIR/privca.db) into the empty PostgreSQL\n"
    "database URL (postgresql://USER:PASSWORD@HOST/DB), verify every table's rows\n"
    "and digest, and say what to change in privca.conf. The SQLite store is only\n"
    "read; stop the service first so that nothing is issued after the copy.\n";

static const char *store_flag(int c, const char *arg, void *p)
{
	(void)c;
	*(const char **)p = arg;
	return NULL;
}

int cmd_store(int argc, char **argv)
{
	static const struct option opts[] = {{"to", required_argument, NULL, 't'}, {0}};
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(store_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "copy") != 0)
		return usage_error("store", "the subcommand is copy");
	const char *to = NULL;
	int st = parse_flags("store", store_help, opts, store_flag, &to, 0, argc - 1, argv + 1);
	if (st != GO_ON)
		return st;
	if (to == NULL)
		return usage_error("store", "store copy needs --to URL");
	struct ca *ca;
	if (open_ca(&ca) != 0)
		return EXIT_REFUSED;
	struct ca_copy_report r;
	struct ca_error err;
	enum ca_err rc = ca_store_copy(ca, to, &r, &err);
	ca_close(ca);
	if (rc != CA_OK)
		return fail("store copy", rc, &err);
	for (size_t i = 0; i < r.n; i++)
		printf("%-18s %8" PRIu64 " rows  sha256 %s\n", r.tables[i].name, r.tables[i].rows,
		       r.tables[i].sha256);
	fprintf(stderr,
		"privca: copied and verified: every table has the same rows and digest in "
		"PostgreSQL.\n"
		"privca: now set, in privca.conf of %s and of every node:\n"
		"    store = %s\n"
		"privca: (or start with privca serve --store URL); %s/privca.db is no longer "
		"used then.\n",
		data_dir(), to, data_dir());
	return 0;
}
