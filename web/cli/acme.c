/*
 * privca acme: the operator's side of ACME external account binding
 * (design section 10).
 *
 *   privca acme eab NAME [--json]   a new binding key for team NAME, shown once:
 *                                   "kid KID" and "hmac KEY" lines, or
 *                                   {"kid": ..., "hmac_key": ...}
 *   privca acme eab list NAME       the team's keys and their state
 *   privca acme eab revoke KID      revoke an unused key
 *
 * --dir DIR as everywhere (default $PRIVCA_DIR, else ./privca-data). Exit 0,
 * 1 refused, 2 usage.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "privca/acme.h"
#include "privca/ca.h"

static const char help[] =
    "usage: privca acme eab NAME [--json] [--dir DIR]\n"
    "       privca acme eab list NAME [--dir DIR]\n"
    "       privca acme eab revoke [--dir DIR] [--] KID\n"
    "       (and --key-pass-file FILE for an encrypted ca.key)\n"
    "eab NAME makes an external account binding key for the team NAME (a live\n"
    "token's name) and prints it once: 'kid KID' and 'hmac KEY' (base64url), or\n"
    "with --json {\"kid\": ..., \"hmac_key\": ...}. A key binds one ACME account,\n"
    "then it is spent; unused keys expire after 7 days. After '--' every\n"
    "argument is a name or a kid, even one that begins with '-'.\n";

static int usage(const char *msg)
{
	fprintf(stderr, "privca acme: %s\nTry 'privca acme eab --help'.\n", msg);
	return 2;
}

static int refused(const char *what, enum ca_err rc, const struct ca_error *err)
{
	fprintf(stderr, "privca: acme %s: %s (%s)\n", what, err->detail, ca_strerror(rc));
	return 1;
}

/* Open the CA in dir (NULL: $PRIVCA_DIR, else ./privca-data). */
static enum ca_err open_dir(const char *dir, const char *pass_file, struct ca **ca,
			    struct ca_error *err)
{
	if (dir == NULL) {
		const char *e = getenv("PRIVCA_DIR");
		dir = e != NULL && *e ? e : "./privca-data";
	}
	struct ca_open_opts oo = {.key_pass_file = pass_file};
	return ca_open_ex(dir, &oo, ca, err);
}

/* The command line of privca acme: what to do, with which name or kid. */
struct acme_args {
	const char *dir, *pass_file, *operand;
	enum { EAB_NEW, EAB_LIST, EAB_REVOKE } what;
	bool json;
};

/* Parse argv into a; -1 when the command goes on, else its exit status
 * (0 after --help, 2 for a usage error). */
static int parse_args(int argc, char **argv, struct acme_args *a)
{
	const char *args[3];
	size_t nargs = 0;
	bool operands = false;
	for (int i = 1; i < argc; i++) {
		if (!operands && strcmp(argv[i], "--") == 0) {
			operands = true; /* the rest are names and kids, even "-x" */
		} else if (operands || argv[i][0] != '-') {
			if (nargs == 3)
				return usage("too many arguments");
			args[nargs++] = argv[i];
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(help, stdout);
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			a->json = true;
		} else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			a->dir = argv[++i];
		} else if (strncmp(argv[i], "--dir=", 6) == 0) {
			a->dir = argv[i] + 6;
		} else if (strcmp(argv[i], "--key-pass-file") == 0 && i + 1 < argc) {
			a->pass_file = argv[++i];
		} else {
			return usage("unknown option");
		}
	}
	if (nargs < 2 || strcmp(args[0], "eab") != 0)
		return usage("the command is: acme eab NAME | eab list NAME | eab revoke KID");
	if (nargs == 2)
		a->what = EAB_NEW;
	else if (strcmp(args[1], "list") == 0)
		a->what = EAB_LIST;
	else if (strcmp(args[1], "revoke") == 0)
		a->what = EAB_REVOKE;
	else
		return usage("the subcommands of eab are list and revoke");
	if (a->json && a->what != EAB_NEW)
		return usage("--json goes with eab NAME");
	a->operand = args[nargs - 1];
	return -1;
}

int cmd_acme(int argc, char **argv)
{
	struct acme_args a = {0};
	int st = parse_args(argc, argv, &a);
	if (st >= 0)
		return st;
	struct ca *ca;
	struct ca_error err;
	enum ca_err rc = open_dir(a.dir, a.pass_file, &ca, &err);
	if (rc != CA_OK)
		return refused("", rc, &err);
	int status = 0;
	if (a.what == EAB_LIST) {
		struct acme_eab_info *v;
		size_t n;
		if ((rc = acme_eab_list(ca, a.operand, &v, &n, &err)) != CA_OK) {
			status = refused("eab list", rc, &err);
		} else {
			for (size_t i = 0; i < n; i++) {
				char c[21], x[21];
				ca_time_rfc3339(v[i].created_at, c);
				ca_time_rfc3339(v[i].expires_at, x);
				printf("%s\t%s\t%s\t%s\t%s\n", v[i].kid, v[i].state, c, x,
				       v[i].account_id[0] ? v[i].account_id : "-");
			}
			free(v);
		}
	} else if (a.what == EAB_REVOKE) {
		if ((rc = acme_eab_revoke(ca, a.operand, &err)) != CA_OK)
			status = refused("eab revoke", rc, &err);
	} else {
		char kid[ACME_EAB_KID_LEN + 1], key[ACME_EAB_KEY_LEN + 1];
		if ((rc = acme_eab_create(ca, a.operand, kid, key, &err)) != CA_OK) {
			status = refused("eab", rc, &err);
		} else if (a.json) {
			json_t *o = json_pack("{s:s, s:s}", "kid", kid, "hmac_key", key);
			char *s = o ? json_dumps(o, 0) : NULL;
			json_decref(o);
			if (s == NULL || printf("%s\n", s) < 0 || fflush(stdout) != 0)
				status = 1;
			if (s != NULL)
				explicit_bzero(s, strlen(s));
			free(s);
		} else if (printf("kid %s\nhmac %s\n", kid, key) < 0 || fflush(stdout) != 0) {
			status = 1;
		}
		explicit_bzero(key, sizeof(key));
	}
	ca_close(ca);
	return status;
}
