/*
 * privca init: create a new CA (ca_init).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char init_help[] =
    "usage: privca init [--dir DIR] [--key-type T] [--subject DN] [--days N]\n"
    "                   [--hostname H]... [--url BASE] [--store URL]\n"
    "                   [--encrypt-key --key-pass-file FILE]\n"
    "                   [--pkcs11 MODULE --pkcs11-token LABEL --pkcs11-pin-file FILE]\n"
    "Create a new CA in DIR (default $PRIVCA_DIR or ./privca-data).\n"
    "  --key-type  ec-p256 (default), ec-p384, rsa-2048, rsa-3072, rsa-4096, ed25519\n"
    "  --subject   the CA's name, e.g. \"CN=Example Internal CA,O=Example\"\n"
    "  --days      root validity in days (default 3650)\n"
    "  --hostname  extra name for the server's TLS certificate (repeatable)\n"
    "  --url       base URL clients use (default http://127.0.0.1:8080); goes into\n"
    "              every certificate's CRL and OCSP URLs\n"
    "  --store     keep the store in PostgreSQL (postgresql://USER@HOST/DB, an\n"
    "              empty database) instead of DIR/privca.db; written into\n"
    "              privca.conf, so every later command finds it\n"
    "  --encrypt-key      write ca.key as encrypted PKCS#8 (PBES2, AES-256-CBC) under\n"
    "                     the passphrase in --key-pass-file\n"
    "  --pkcs11 MODULE    generate the CA key inside a PKCS#11 token (MODULE: the\n"
    "                     module's .so); ca.key then holds only a pkcs11: URI\n"
    "  --pkcs11-token L   the token's label\n"
    "  --pkcs11-pin-file F  the file holding the token's user PIN\n";

struct init_ctx {
	struct ca_init_opts o;
	const char *hosts[MAX_LIST];
};

static const char *init_flag(int c, const char *arg, void *p)
{
	struct init_ctx *x = p;
	switch (c) {
	case 'k':
		return ca_key_type_parse(arg, &x->o.key_type) ? NULL : "unknown --key-type";
	case 's':
		x->o.subject = arg;
		return NULL;
	case 'D':
		return parse_int(arg, 1, 36500, &x->o.days) ? NULL
							    : "--days must be from 1 to 36500";
	case 'H':
		if (x->o.nhostnames == MAX_LIST)
			return "too many --hostname";
		x->hosts[x->o.nhostnames++] = arg;
		return NULL;
	case 'S':
		x->o.store = arg;
		return NULL;
	case 'u':
		x->o.base_url = arg;
		return NULL;
	case 'E':
		x->o.encrypt_key = true;
		return NULL;
	case 'M':
		x->o.pkcs11_module = arg;
		return NULL;
	case 'T':
		x->o.pkcs11_token = arg;
		return NULL;
	default: /* 'N' */
		x->o.pkcs11_pin_file = arg;
		return NULL;
	}
}

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {{"key-type", required_argument, NULL, 'k'},
					     {"subject", required_argument, NULL, 's'},
					     {"days", required_argument, NULL, 'D'},
					     {"hostname", required_argument, NULL, 'H'},
					     {"url", required_argument, NULL, 'u'},
					     {"store", required_argument, NULL, 'S'},
					     {"encrypt-key", no_argument, NULL, 'E'},
					     {"pkcs11", required_argument, NULL, 'M'},
					     {"pkcs11-token", required_argument, NULL, 'T'},
					     {"pkcs11-pin-file", required_argument, NULL, 'N'},
					     {0}};
	struct init_ctx x = {.o = {.key_type = CA_KEY_EC_P256}};
	int st = parse_flags("init", init_help, opts, init_flag, &x, 0, argc, argv);
	if (st != GO_ON)
		return st;
	x.o.hostnames = x.hosts;
	x.o.key_pass_file = key_pass_file();
	struct ca_error err;
	enum ca_err rc = ca_init(data_dir(), &x.o, &err);
	if (rc != CA_OK)
		return fail_args("init", rc, &err);
	struct ca *ca;
	if (open_ca(&ca) != 0)
		return EXIT_REFUSED;
	const struct ca_issuer *r = ca_issuer(ca);
	fprintf(stderr, "privca: new %s CA in %s\n  subject %s\n  sha256 %s\n",
		ca_key_type_name(r->key_type), data_dir(), r->subject, r->fingerprint_sha256);
	ca_close(ca);
	return 0;
}
