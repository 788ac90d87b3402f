/*
 * privca token create|list|revoke: the team tokens.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "privca/acme.h"

static const char token_help[] =
    "usage: privca token create NAME [--allow PATTERN]... [--allow-ip CIDR]...\n"
    "                          [--allow-wildcard] [--max-days N]\n"
    "                          [--profiles server,client,peer] [--admin]\n"
    "                          [--acme-open]\n"
    "       privca token list\n"
    "       privca token revoke NAME\n"
    "PATTERN: an exact name, *.suffix (names under suffix) or .suffix (suffix and\n"
    "names under it). create prints the token once, alone on stdout; only its\n"
    "SHA-256 is kept.\n";

struct token_ctx {
	struct ca_token_policy p;
	const char *allow[MAX_LIST], *ips[MAX_LIST];
	bool acme_open; /* the ACME open team (design section 10) */
};

static const char *token_flag(int c, const char *arg, void *ctx)
{
	struct token_ctx *x = ctx;
	switch (c) {
	case 'a':
		if (x->p.nallow == MAX_LIST)
			return "too many --allow";
		x->allow[x->p.nallow++] = arg;
		return NULL;
	case 'i':
		if (x->p.nallow_ip == MAX_LIST)
			return "too many --allow-ip";
		x->ips[x->p.nallow_ip++] = arg;
		return NULL;
	case 'w':
		x->p.allow_wildcard = true;
		return NULL;
	case 'm':
		return parse_int(arg, 1, 100000, &x->p.max_days)
			   ? NULL
			   : "--max-days must be a positive number";
	case 'A':
		x->p.admin = true;
		return NULL;
	case 'O':
		x->acme_open = true;
		return NULL;
	default: { /* 'p': server,client,peer */
		char buf[64];
		if (strlen(arg) >= sizeof(buf))
			return "--profiles takes server,client,peer";
		strcpy(buf, arg);
		x->p.profiles = 0;
		for (char *save, *t = strtok_r(buf, ",", &save); t;
		     t = strtok_r(NULL, ",", &save)) {
			enum ca_profile prof;
			if (!ca_profile_parse(t, &prof))
				return "--profiles takes server,client,peer";
			x->p.profiles |= 1u << prof;
		}
		return NULL;
	}
	}
}

static int token_create(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"allow", required_argument, NULL, 'a'},	{"allow-ip", required_argument, NULL, 'i'},
	    {"allow-wildcard", no_argument, NULL, 'w'}, {"max-days", required_argument, NULL, 'm'},
	    {"profiles", required_argument, NULL, 'p'}, {"admin", no_argument, NULL, 'A'},
	    {"acme-open", no_argument, NULL, 'O'},	{0}};
	struct token_ctx x = {0};
	x.p.allow = x.allow;
	x.p.allow_ip = x.ips;
	int st = parse_flags("token", token_help, opts, token_flag, &x, 1, argc, argv);
	if (st != GO_ON)
		return st;
	struct ca *ca;
	if (open_ca(&ca) != 0)
		return EXIT_REFUSED;
	char token[CA_TOKEN_LEN + 1];
	struct ca_error err;
	enum ca_err rc = ca_token_create(ca, argv[optind], &x.p, token, &err);
	if (rc == CA_OK && x.acme_open &&
	    (rc = acme_open_team_set(ca, argv[optind], &err)) != CA_OK)
		if (ca_token_revoke(ca, argv[optind], NULL) != CA_OK) /* no half-made open team */
			fprintf(stderr, "privca: token create: revoke '%s' by hand\n",
				argv[optind]);
	int status = 0;
	if (rc != CA_OK)
		status = fail_args("token create", rc, &err);
	else if (printf("%s\n", token) < 0 || fflush(stdout) != 0)
		status = EXIT_REFUSED;
	explicit_bzero(token, sizeof(token));
	ca_close(ca);
	return status;
}

static int token_revoke(struct ca *ca, void *name)
{
	struct ca_error err;
	enum ca_err rc = ca_token_revoke(ca, name, &err);
	return rc == CA_OK ? 0 : fail("token revoke", rc, &err);
}

static int token_list(struct ca *ca, void *unused)
{
	(void)unused;
	struct ca_token_info *l;
	size_t n;
	struct ca_error err;
	enum ca_err rc = ca_token_list(ca, &l, &n, &err);
	if (rc != CA_OK)
		return fail("token list", rc, &err);
	for (size_t i = 0; i < n; i++) {
		char at[21];
		ca_time_rfc3339(l[i].created_at, at);
		printf("%s\t%s\t%s\t%s\n", l[i].name, l[i].revoked_at ? "revoked" : "active", at,
		       l[i].policy);
	}
	ca_token_list_free(l, n);
	return 0;
}

int cmd_token(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(token_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	bool list = strcmp(argv[1], "list") == 0, revoke = strcmp(argv[1], "revoke") == 0;
	if (strcmp(argv[1], "create") == 0)
		return token_create(argc - 1, argv + 1);
	if (!list && !revoke)
		return usage_error("token", "the subcommands are create, list and revoke");
	int st =
	    parse_flags("token", token_help, NULL, NULL, NULL, revoke ? 1 : 0, argc - 1, argv + 1);
	if (st != GO_ON)
		return st;
	return list ? with_ca(token_list, NULL) : with_ca(token_revoke, argv[1 + optind]);
}
