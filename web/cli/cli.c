/*
 * The helpers every subcommand shares (cli.h): the data directory, error
 * and usage messages, flag parsing and file reading.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char *dir_opt;
static const char *pass_file_opt; /* --key-pass-file */

/* Every command's flags besides its own, for --help. */
static const char common_help[] =
    "  --dir DIR            the CA's directory (default $PRIVCA_DIR or ./privca-data)\n"
    "  --key-pass-file F    the file holding the passphrase of an encrypted ca.key\n"
    "                       (default: $CREDENTIALS_DIRECTORY/privca-key-pass)\n";

const char *key_pass_file(void)
{
	return pass_file_opt;
}

const char *data_dir(void)
{
	if (dir_opt != NULL)
		return dir_opt;
	const char *e = getenv("PRIVCA_DIR");
	return e != NULL && *e ? e : "./privca-data";
}

/* What the CLI adds to a core message about one input: its flag. */
static const char *const input_hints[CA_INPUT_MAX] = {
    [CA_INPUT_DAYS] = " (--days)",
    [CA_INPUT_IP_BLOCK] = "; use --allow-ip",
};

int fail(const char *what, enum ca_err rc, const struct ca_error *err)
{
	const char *hint = (unsigned)err->input < CA_INPUT_MAX ? input_hints[err->input] : NULL;
	fprintf(stderr, "privca: %s: %s%s (%s)\n", what, err->detail, hint ? hint : "",
		ca_strerror(rc));
	return EXIT_REFUSED;
}

int fail_args(const char *what, enum ca_err rc, const struct ca_error *err)
{
	fail(what, rc, err);
	return rc == CA_ERR_BAD_REQUEST ? EXIT_USAGE : EXIT_REFUSED;
}

int usage_error(const char *cmd, const char *msg)
{
	fprintf(stderr, "privca %s: %s\nTry 'privca %s --help'.\n", cmd, msg, cmd);
	return EXIT_USAGE;
}

bool parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

int open_ca(struct ca **ca)
{
	return open_ca_store(ca, NULL);
}

int open_ca_store(struct ca **ca, const char *store_url)
{
	struct ca_error err;
	struct ca_open_opts oo = {.key_pass_file = pass_file_opt, .store_url = store_url};
	enum ca_err rc = ca_open_ex(data_dir(), &oo, ca, &err);
	if (rc != CA_OK) {
		int code = fail("cannot open the CA", rc, &err);
		/* The core names no command: this does (unless it said install-ca). */
		if (rc == CA_ERR_NOT_FOUND && strstr(err.detail, "install-ca") == NULL)
			fprintf(stderr, "privca: create one with: privca init --dir %s\n",
				data_dir());
		return code;
	}
	return 0;
}

int with_ca(int (*body)(struct ca *ca, void *ctx), void *ctx)
{
	struct ca *ca;
	if (open_ca(&ca) != 0)
		return EXIT_REFUSED;
	int status = body(ca, ctx);
	ca_close(ca);
	return status;
}

uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 1 << 20, n = 0;
	uint8_t *buf = malloc(cap + 1);
	if (buf != NULL) {
		n = fread(buf, 1, cap + 1, f);
		if (ferror(f) || n > cap) {
			free(buf);
			buf = NULL;
		}
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return buf;
}

int parse_flags(const char *cmd, const char *help, const struct option *opts, flag_fn on_flag,
		void *ctx, int nargs, int argc, char **argv)
{
	struct option all[32] = {{"dir", required_argument, NULL, 'd'},
				 {"help", no_argument, NULL, 'h'},
				 {"key-pass-file", required_argument, NULL, CLI_KEY_PASS_FILE}};
	size_t n = 3;
	for (; opts != NULL && opts->name != NULL; opts++) {
		if (n + 1 >= sizeof(all) / sizeof(all[0]))
			return usage_error(cmd, "too many options (a bug)");
		all[n++] = *opts;
	}
	int c;
	while ((c = getopt_long(argc, argv, "", all, NULL)) != -1) {
		if (c == 'd') {
			dir_opt = optarg;
		} else if (c == CLI_KEY_PASS_FILE) {
			pass_file_opt = optarg;
		} else if (c == 'h') {
			fputs(help, stdout);
			fputs(common_help, stdout);
			return 0;
		} else if (c == '?' || on_flag == NULL) {
			return usage_error(cmd, "unknown option");
		} else {
			const char *msg = on_flag(c, optarg, ctx);
			if (msg != NULL)
				return usage_error(cmd, msg);
		}
	}
	if (argc - optind != nargs)
		return usage_error(cmd,
				   nargs ? "give exactly one argument" : "unexpected argument");
	return GO_ON;
}
