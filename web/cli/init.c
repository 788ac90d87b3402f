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
    "  --pkcs11-pin-file F  the file holding the token's user PIN\n"
    "Hierarchy (design section 11; one tier, a root that signs leaves, by default):\n"
    "  --two-tier       an offline root (root.pem, its key in root.key: move that off\n"
    "                   this machine; serve refuses to run while it is here) and an\n"
    "                   issuing intermediate (ca.pem, ca.key) signed by it\n"
    "  --root-subject DN  the root's name (with --two-tier)\n"
    "  --root-days N    the root's validity (default 7300); --days is the intermediate's\n"
    "  --subordinate    only ca.key and ca.csr, a request for a CA certificate from\n"
    "                   another root (AD CS, OpenSSL); then privca install-ca\n"
    "  --permit V, --exclude V  name constraints (DNS suffix or CIDR, repeatable) in\n"
    "                   the intermediate or the request\n";

struct init_ctx {
	struct ca_init_opts o;
	const char *hosts[MAX_LIST];
	const char *permit[MAX_LIST], *exclude[MAX_LIST];
	bool two, sub;
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
	case 'b':
		x->o.store = arg;
		return NULL;
	case '2':
		x->two = true;
		return NULL;
	case 'S':
		x->sub = true;
		return NULL;
	case 'r':
		x->o.root_subject = arg;
		return NULL;
	case 'R':
		return parse_int(arg, 1, 36500, &x->o.root_days)
			   ? NULL
			   : "--root-days must be from 1 to 36500";
	case 'p':
		if (x->o.npermit == MAX_LIST)
			return "too many --permit";
		x->permit[x->o.npermit++] = arg;
		return NULL;
	case 'x':
		if (x->o.nexclude == MAX_LIST)
			return "too many --exclude";
		x->exclude[x->o.nexclude++] = arg;
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
					     {"store", required_argument, NULL, 'b'},
					     {"two-tier", no_argument, NULL, '2'},
					     {"subordinate", no_argument, NULL, 'S'},
					     {"root-subject", required_argument, NULL, 'r'},
					     {"root-days", required_argument, NULL, 'R'},
					     {"permit", required_argument, NULL, 'p'},
					     {"exclude", required_argument, NULL, 'x'},
					     {"encrypt-key", no_argument, NULL, 'E'},
					     {"pkcs11", required_argument, NULL, 'M'},
					     {"pkcs11-token", required_argument, NULL, 'T'},
					     {"pkcs11-pin-file", required_argument, NULL, 'N'},
					     {0}};
	struct init_ctx x = {.o = {.key_type = CA_KEY_EC_P256}};
	int st = parse_flags("init", init_help, opts, init_flag, &x, 0, argc, argv);
	if (st != GO_ON)
		return st;
	if (x.two && x.sub)
		return usage_error("init", "--two-tier and --subordinate exclude each other");
	if (x.sub && x.o.nhostnames > 0) /* the TLS pair comes with the CA certificate */
		return usage_error("init", "with --subordinate, give --hostname to install-ca");
	x.o.tier = x.two ? CA_TIER_TWO : x.sub ? CA_TIER_SUBORDINATE : CA_TIER_ONE;
	x.o.hostnames = x.hosts;
	x.o.permit = x.permit;
	x.o.exclude = x.exclude;
	x.o.key_pass_file = key_pass_file();
	struct ca_error err;
	enum ca_err rc = ca_init(data_dir(), &x.o, &err);
	if (rc != CA_OK)
		return fail_args("init", rc, &err);
	if (x.sub) {
		fprintf(stderr,
			"privca: new subordinate CA request in %s/ca.csr\n"
			"  have it signed as a CA (AD CS: certreq -submit -attrib "
			"\"CertificateTemplate:SubCA\" ca.csr ca.cer;\n"
			"  OpenSSL: openssl ca -extensions v3_ca -in ca.csr), then:\n"
			"  privca install-ca --dir %s --cert ca.cer --chain root.pem\n",
			data_dir(), data_dir());
		return 0;
	}
	struct ca *ca;
	if (open_ca(&ca) != 0)
		return EXIT_REFUSED;
	const struct ca_issuer *r = ca_issuer(ca);
	fprintf(stderr, "privca: new %s CA in %s\n  subject %s\n  sha256 %s\n",
		ca_key_type_name(r->key_type), data_dir(), r->subject, r->fingerprint_sha256);
	if (x.two)
		fprintf(stderr,
			"  root    %s\n  root sha256 %s\n"
			"privca: the root's key is %s/root.key: move it to offline storage now;\n"
			"  privca serve refuses to run while it is there\n",
			ca_root(ca)->subject, ca_root(ca)->fingerprint_sha256, data_dir());
	ca_close(ca);
	return 0;
}
