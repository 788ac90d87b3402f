/*
 * privca: the command line. Each subcommand (web/cli) parses its flags and
 * calls one core function (include/privca/ca.h); `serve` hands over to
 * server.c. This file is the command table.
 *
 * Output meant for scripts goes to stdout, messages to stderr. Exit codes:
 * 0 success, 1 refused or failed, 2 usage error (design section 8).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char main_help[] =
    "usage: privca COMMAND [--dir DIR] [options]\n"
    "A small private certificate authority. DIR defaults to $PRIVCA_DIR, else\n"
    "./privca-data. Commands:\n"
    "  init     create a new CA\n"
    "  serve    run the HTTP/HTTPS service\n"
    "  sign     issue a certificate from a CSR\n"
    "  revoke   revoke a certificate\n"
    "  crl      write the current CRL\n"
    "  list     list issued certificates\n"
    "  show     show one certificate\n"
    "  token    create, list or revoke team tokens\n"
    "  backup   copy the database, also while serving\n"
    "  tidy     delete certificates expired before a date\n"
    "  acme     ACME external account binding keys (acme eab --help)\n"
    "  store    copy the store from SQLite to PostgreSQL (store copy --to URL)\n"
    "  install-ca         complete a subordinate CA with its signed certificate\n"
    "  intermediate renew renew the intermediate with the offline root's key\n"
    "  root crl           sign the offline root's CRL\n"
    "'privca COMMAND --help' tells more; 'privca --version' the build.\n";

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
	    {"init", cmd_init},
	    {"serve", cmd_serve},
	    {"sign", cmd_sign},
	    {"revoke", cmd_revoke},
	    {"crl", cmd_crl},
	    {"list", cmd_list},
	    {"show", cmd_show},
	    {"token", cmd_token},
	    {"backup", cmd_backup},
	    {"acme", cmd_acme},
	    {"store", cmd_store},
	    {"tidy", cmd_tidy},
	    {"install-ca", cmd_install_ca},
	    {"intermediate", cmd_intermediate},
	    {"root", cmd_root},
	};
	if (argc < 2) {
		fputs(main_help, stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(main_help, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		struct ca_crypto_info info = ca_crypto_build();
		printf("privca (wolfSSL %s, %s math)\n", info.wolfssl, info.math);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "privca: unknown command '%s'\n%s", argv[1], main_help);
	return EXIT_USAGE;
}
