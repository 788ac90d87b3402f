/*
 * The command line (web/cli): one file per group of subcommands, and the
 * helpers they share. main.c holds the command table.
 *
 * Output meant for scripts goes to stdout, messages to stderr. Exit codes:
 * 0 success, 1 refused or failed, 2 usage error (design section 8).
 */
#ifndef PRIVCA_CLI_H
#define PRIVCA_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "privca/ca.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE   2
#define MAX_LIST     64
#define GO_ON	     (-1) /* flags parsed: the command goes on */
/* getopt value of --key-pass-file: outside every command's letters. */
#define CLI_KEY_PASS_FILE 0x100

/* The subcommands: argv[0] is the command's name. Return the exit code. */
int cmd_init(int argc, char **argv);	     /* init.c */
int cmd_serve(int argc, char **argv);	     /* serve.c */
int cmd_sign(int argc, char **argv);	     /* certs.c */
int cmd_revoke(int argc, char **argv);	     /* certs.c */
int cmd_crl(int argc, char **argv);	     /* certs.c */
int cmd_list(int argc, char **argv);	     /* certs.c */
int cmd_show(int argc, char **argv);	     /* certs.c */
int cmd_backup(int argc, char **argv);	     /* certs.c */
int cmd_token(int argc, char **argv);	     /* token.c */
int cmd_acme(int argc, char **argv);	     /* acme.c */
int cmd_store(int argc, char **argv);	     /* store.c */
int cmd_tidy(int argc, char **argv);	     /* tidy.c */
int cmd_install_ca(int argc, char **argv);   /* hierarchy.c */
int cmd_intermediate(int argc, char **argv); /* hierarchy.c: intermediate renew */
int cmd_root(int argc, char **argv);	     /* hierarchy.c: root crl */

/* "privca: what: detail (error name)" on stderr; returns EXIT_REFUSED. */
int fail(const char *what, enum ca_err rc, const struct ca_error *err);
/*
 * For commands whose only refusals are about their arguments (init, token
 * create): a bad value is a usage error (2), like an unknown flag, not a
 * refused request (1).
 */
int fail_args(const char *what, enum ca_err rc, const struct ca_error *err);
/* The message and a pointer to --help on stderr; returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *msg);
/* s as a whole decimal number in [lo, hi] into *out. */
bool parse_int(const char *s, int lo, int hi, int *out);
/* Open the CA of the data directory (--dir, $PRIVCA_DIR or ./privca-data)
 * into *ca (ca_close it). 0, or EXIT_REFUSED after the message. */
int open_ca(struct ca **ca);
/* open_ca with the store at store_url (NULL: privca.conf's). */
int open_ca_store(struct ca **ca, const char *store_url);
/*
 * Open the CA (as open_ca), run body(ca, ctx) and close the CA again.
 * Returns body's exit code, or EXIT_REFUSED (after the message) when the CA
 * does not open. ctx is the command's own, passed through.
 */
int with_ca(int (*body)(struct ca *ca, void *ctx), void *ctx);
/* The --key-pass-file argument (a file: a passphrase never goes on argv),
 * or NULL. */
const char *key_pass_file(void);
/* The data directory; a static string or the --dir argument. */
const char *data_dir(void);
/* Read a whole file (or stdin for "-"), at most 1 MiB. malloc'ed (free it);
 * NULL when unreadable or larger. */
uint8_t *slurp(const char *path, size_t *len);

/*
 * Parse a subcommand's flags. --dir, --key-pass-file and --help are every
 * command's ('d', 'h' and CLI_KEY_PASS_FILE are taken); the
 * others (opts, without them) go to on_flag, which returns NULL when it took
 * the flag or the usage message. nargs positional arguments must follow.
 * Returns GO_ON, or the exit code: 0 after --help, 2 on a usage error.
 */
typedef const char *(*flag_fn)(int c, const char *arg, void *ctx);
int parse_flags(const char *cmd, const char *help, const struct option *opts, flag_fn on_flag,
		void *ctx, int nargs, int argc, char **argv);

#endif
