/*
 * The hierarchy subcommands (design section 11): privca install-ca,
 * privca intermediate renew and privca root crl, each one call of the core.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* ---- install-ca ---- */

static const char install_help[] =
    "usage: privca install-ca [--dir DIR] --cert FILE [--chain FILE] [--hostname H]...\n"
    "Complete a subordinate CA (privca init --subordinate) with the certificate its\n"
    "root signed for ca.csr. install-ca checks that the certificate is for ca.key,\n"
    "is a CA that may sign certificates, is valid now, and chains to a root by\n"
    "signature; then it writes ca.pem, root.pem (and chain.pem) and the TLS pair.\n"
    "  --cert      the CA certificate: PEM, DER, or PKCS#7 (.p7b, as AD CS gives it,\n"
    "              which may hold the chain too)\n"
    "  --chain     the certificates above it up to the root (PEM, DER or .p7b)\n"
    "  --hostname  extra name for the server's TLS certificate (repeatable)\n";

struct install_ctx {
	struct ca_install_opts o;
	const char *hosts[MAX_LIST];
};

static const char *install_flag(int c, const char *arg, void *p)
{
	struct install_ctx *x = p;
	switch (c) {
	case 'c':
		x->o.cert = arg;
		return NULL;
	case 'C':
		x->o.chain = arg;
		return NULL;
	default: /* 'H' */
		if (x->o.nhostnames == MAX_LIST)
			return "too many --hostname";
		x->hosts[x->o.nhostnames++] = arg;
		return NULL;
	}
}

int cmd_install_ca(int argc, char **argv)
{
	static const struct option opts[] = {{"cert", required_argument, NULL, 'c'},
					     {"chain", required_argument, NULL, 'C'},
					     {"hostname", required_argument, NULL, 'H'},
					     {0}};
	struct install_ctx x = {0};
	int st = parse_flags("install-ca", install_help, opts, install_flag, &x, 0, argc, argv);
	if (st != GO_ON)
		return st;
	if (x.o.cert == NULL)
		return usage_error("install-ca", "--cert FILE is required");
	x.o.hostnames = x.hosts;
	x.o.key_pass_file = key_pass_file();
	struct ca_error err;
	enum ca_err rc = ca_install(data_dir(), &x.o, &err);
	if (rc != CA_OK)
		return fail("install-ca", rc, &err);
	struct ca *ca;
	if (open_ca(&ca) != 0)
		return EXIT_REFUSED;
	size_t n;
	const struct ca_issuer *const *chain = ca_chain(ca, &n);
	fprintf(stderr, "privca: installed the CA in %s\n", data_dir());
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "  %s %s\n    sha256 %s\n",
			i == 0	     ? "issuer"
			: i + 1 == n ? "root  "
				     : "above ",
			chain[i]->subject, chain[i]->fingerprint_sha256);
	ca_close(ca);
	return 0;
}

/* ---- intermediate renew, root crl ---- */

static const char renew_help[] =
    "usage: privca intermediate renew [--dir DIR] --root-key FILE [--days N]\n"
    "Sign a new certificate for the issuing intermediate with the offline root's\n"
    "key: same key, name and constraints, so certificates it issued keep\n"
    "verifying. ca.pem is replaced; restart privca serve to take it on.\n"
    "  --root-key  the root's key (root.key, from where it is kept offline)\n"
    "  --days      validity (default 3650, never past the root's end)\n";

static const char root_crl_help[] =
    "usage: privca root crl [--dir DIR] --root-key FILE [--days N]\n"
    "Sign the root's CRL with the offline root's key into root.crl, which the\n"
    "service serves at /root.crl (at once, also while it runs).\n"
    "  --root-key  the root's key\n"
    "  --days      until its next update (default 365)\n";

struct rootkey_ctx {
	const char *key;
	int days;
};

static const char *rootkey_flag(int c, const char *arg, void *p)
{
	struct rootkey_ctx *x = p;
	if (c == 'k') {
		x->key = arg;
		return NULL;
	}
	return parse_int(arg, 1, 36500, &x->days) ? NULL : "--days must be from 1 to 36500";
}

/* argv[0] is "renew" or "crl", after "intermediate" or "root". */
static int rootkey_cmd(const char *name, const char *want, const char *help, int argc, char **argv,
		       bool renew)
{
	static const struct option opts[] = {{"root-key", required_argument, NULL, 'k'},
					     {"days", required_argument, NULL, 'D'},
					     {0}};
	if (argc < 2 || strcmp(argv[1], want) != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			fputs(help, stdout);
			return 0;
		}
		return usage_error(name, renew ? "the command is: privca intermediate renew"
					       : "the command is: privca root crl");
	}
	struct rootkey_ctx x = {0};
	int st = parse_flags(name, help, opts, rootkey_flag, &x, 0, argc - 1, argv + 1);
	if (st != GO_ON)
		return st;
	if (x.key == NULL)
		return usage_error(name, "--root-key FILE is required");
	struct ca *ca;
	if (open_ca(&ca) != 0)
		return EXIT_REFUSED;
	struct ca_error err;
	enum ca_err rc = renew ? ca_intermediate_renew(ca, x.key, x.days, &err)
			       : ca_root_crl_sign(ca, x.key, x.days, &err);
	ca_close(ca);
	if (rc != CA_OK)
		return fail(name, rc, &err);
	if (renew) {
		if (open_ca(&ca) != 0)
			return EXIT_REFUSED;
		char end[21];
		ca_time_rfc3339(ca_issuer(ca)->not_after, end);
		fprintf(stderr, "privca: renewed %s until %s; restart privca serve\n",
			ca_issuer(ca)->subject, end);
		ca_close(ca);
	} else {
		fprintf(stderr, "privca: signed %s/root.crl\n", data_dir());
	}
	return 0;
}

int cmd_intermediate(int argc, char **argv)
{
	return rootkey_cmd("intermediate", "renew", renew_help, argc, argv, true);
}

int cmd_root(int argc, char **argv)
{
	return rootkey_cmd("root", "crl", root_crl_help, argc, argv, false);
}
