/*
 * privca: the command line. Each subcommand parses its flags and calls
 * one core function (include/privca/ca.h); `serve` hands over to server.c.
 *
 * Output meant for scripts goes to stdout, messages to stderr. Exit codes:
 * 0 success, 1 refused or failed, 2 usage error (design section 8).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "privca/acme.h"
#include "privca/ca.h"
#include "server.h"

int cmd_acme(int argc, char **argv); /* cli/acme.c */

#define EXIT_REFUSED 1
#define EXIT_USAGE   2
#define MAX_LIST     64
#define GO_ON	     (-1) /* flags parsed: the command goes on */

static const char *dir_opt;

static const char *data_dir(void)
{
	if (dir_opt != NULL)
		return dir_opt;
	const char *e = getenv("PRIVCA_DIR");
	return e != NULL && *e ? e : "./privca-data";
}

static int fail(const char *what, enum ca_err rc, const struct ca_error *err)
{
	fprintf(stderr, "privca: %s: %s (%s)\n", what, err->detail, ca_strerror(rc));
	return EXIT_REFUSED;
}

/*
 * For commands whose only refusals are about their arguments (init, token
 * create): a bad value is a usage error (2), like an unknown flag, not a
 * refused request (1).
 */
static int fail_args(const char *what, enum ca_err rc, const struct ca_error *err)
{
	fail(what, rc, err);
	return rc == CA_ERR_BAD_REQUEST ? EXIT_USAGE : EXIT_REFUSED;
}

static int usage_error(const char *cmd, const char *msg)
{
	fprintf(stderr, "privca %s: %s\nTry 'privca %s --help'.\n", cmd, msg, cmd);
	return EXIT_USAGE;
}

static bool parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

static int open_ca(struct ca **ca)
{
	struct ca_error err;
	enum ca_err rc = ca_open(data_dir(), ca, &err);
	if (rc != CA_OK)
		return fail("cannot open the CA", rc, &err);
	return 0;
}

/* Read a whole file (or stdin for "-"), at most 1 MiB. */
static uint8_t *slurp(const char *path, size_t *len)
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

/*
 * Parse a subcommand's flags. --dir and --help are every command's; the
 * others (opts, without them) go to on_flag, which returns NULL when it took
 * the flag or the usage message. nargs positional arguments must follow.
 * Returns GO_ON, or the exit code: 0 after --help, 2 on a usage error.
 */
typedef const char *(*flag_fn)(int c, const char *arg, void *ctx);

static int parse_flags(const char *cmd, const char *help, const struct option *opts,
		       flag_fn on_flag, void *ctx, int nargs, int argc, char **argv)
{
	struct option all[16] = {{"dir", required_argument, NULL, 'd'},
				 {"help", no_argument, NULL, 'h'}};
	size_t n = 2;
	for (; opts != NULL && opts->name != NULL; opts++) {
		if (n + 1 >= sizeof(all) / sizeof(all[0]))
			return usage_error(cmd, "too many options (a bug)");
		all[n++] = *opts;
	}
	int c;
	while ((c = getopt_long(argc, argv, "", all, NULL)) != -1) {
		if (c == 'd') {
			dir_opt = optarg;
		} else if (c == 'h') {
			fputs(help, stdout);
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

/* ---- init ---- */

static const char init_help[] =
    "usage: privca init [--dir DIR] [--key-type T] [--subject DN] [--days N]\n"
    "                   [--hostname H]... [--url BASE]\n"
    "Create a new CA in DIR (default $PRIVCA_DIR or ./privca-data).\n"
    "  --key-type  ec-p256 (default), ec-p384, rsa-2048, rsa-3072, rsa-4096, ed25519\n"
    "  --subject   the CA's name, e.g. \"CN=Example Internal CA,O=Example\"\n"
    "  --days      root validity in days (default 3650)\n"
    "  --hostname  extra name for the server's TLS certificate (repeatable)\n"
    "  --url       base URL clients use (default http://127.0.0.1:8080); goes into\n"
    "              every certificate's CRL and OCSP URLs\n";

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
	default: /* 'u' */
		x->o.base_url = arg;
		return NULL;
	}
}

static int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"key-type", required_argument, NULL, 'k'}, {"subject", required_argument, NULL, 's'},
	    {"days", required_argument, NULL, 'D'},	{"hostname", required_argument, NULL, 'H'},
	    {"url", required_argument, NULL, 'u'},	{0}};
	struct init_ctx x = {.o = {.key_type = CA_KEY_EC_P256}};
	int st = parse_flags("init", init_help, opts, init_flag, &x, 0, argc, argv);
	if (st != GO_ON)
		return st;
	x.o.hostnames = x.hosts;
	struct ca_error err;
	enum ca_err rc = ca_init(data_dir(), &x.o, &err);
	if (rc != CA_OK)
		return fail_args("init", rc, &err);
	struct ca *ca;
	if (open_ca(&ca) != 0)
		return EXIT_REFUSED;
	const struct ca_root *r = ca_root(ca);
	fprintf(stderr, "privca: new %s CA in %s\n  subject %s\n  sha256 %s\n",
		ca_key_type_name(r->key_type), data_dir(), r->subject, r->fingerprint_sha256);
	ca_close(ca);
	return 0;
}

/* ---- serve ---- */

static const char serve_help[] =
    "usage: privca serve [--dir DIR] [--http ADDR:PORT] [--https ADDR:PORT] [--threads N]\n"
    "Run the CA service until SIGINT or SIGTERM. Defaults come from privca.conf\n"
    "(127.0.0.1:8080 and 127.0.0.1:8443); an empty address turns a listener off.\n"
    "  --threads  worker threads per listener (default 4 per core: issuance waits\n"
    "             for its group commit, and more workers share each commit)\n"
    "  --acme-dns ADDR:PORT  DNS server for ACME validation (default: the system's)\n"
    "  --acme-http-port N    port of http-01 validation (default 80)\n"
    "  --acme-tls-port N     port of tls-alpn-01 validation (default 443)\n";

struct serve_ctx {
	struct server_opts so;
	struct acme_serve_opts ao;
};

static const char *serve_flag(int c, const char *arg, void *p)
{
	struct server_opts *so = &((struct serve_ctx *)p)->so;
	struct acme_serve_opts *ao = &((struct serve_ctx *)p)->ao;
	int threads;
	switch (c) {
	case 'D':
		ao->dns = arg;
		return NULL;
	case 'H':
		return parse_int(arg, 1, 65535, &ao->http_port)
			   ? NULL
			   : "--acme-http-port must be 1 to 65535";
	case 'T':
		return parse_int(arg, 1, 65535, &ao->tls_port)
			   ? NULL
			   : "--acme-tls-port must be 1 to 65535";
	case 'p':
		so->http = arg;
		return NULL;
	case 's':
		so->https = arg;
		return NULL;
	default: /* 't' */
		if (!parse_int(arg, 1, 256, &threads))
			return "--threads must be from 1 to 256";
		so->threads = (unsigned)threads;
		return NULL;
	}
}

static int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {{"http", required_argument, NULL, 'p'},
					     {"https", required_argument, NULL, 's'},
					     {"threads", required_argument, NULL, 't'},
					     {"acme-dns", required_argument, NULL, 'D'},
					     {"acme-http-port", required_argument, NULL, 'H'},
					     {"acme-tls-port", required_argument, NULL, 'T'},
					     {0}};
	struct serve_ctx sc = {0};
	int st = parse_flags("serve", serve_help, opts, serve_flag, &sc, 0, argc, argv);
	if (st != GO_ON)
		return st;
	struct ca *ca;
	if (open_ca(&ca) != 0)
		return EXIT_REFUSED;
	struct ca_error err;
	enum ca_err rc = ca_serve_start(ca, &err);
	if (rc == CA_OK)
		rc = acme_serve_start(ca, &sc.ao, &err);
	int status = rc != CA_OK ? fail("serve", rc, &err) : server_run(ca, &sc.so);
	ca_close(ca);
	return status;
}

/* ---- sign ---- */

static const char sign_help[] =
    "usage: privca sign [--dir DIR] --csr FILE [--profile P] [--days N] [--san NAME]...\n"
    "Issue a certificate offline, with the same checks and record as the API.\n"
    "The certificate (PEM) goes to stdout. FILE may be - for stdin.\n"
    "  --profile  server (default), client or peer\n"
    "  --days     validity (default and maximum from privca.conf)\n"
    "  --san      a DNS name or IP address, instead of the CSR's names (repeatable)\n";

struct sign_ctx {
	struct ca_issue_req req;
	const char *csr_path;
	const char *sans[MAX_LIST];
};

static const char *sign_flag(int c, const char *arg, void *p)
{
	struct sign_ctx *x = p;
	switch (c) {
	case 'c':
		x->csr_path = arg;
		return NULL;
	case 'p':
		return ca_profile_parse(arg, &x->req.profile)
			   ? NULL
			   : "--profile must be server, client or peer";
	case 'D':
		return parse_int(arg, 1, 100000, &x->req.validity_days)
			   ? NULL
			   : "--days must be a positive number";
	default: /* 's' */
		if (x->req.nsans == MAX_LIST)
			return "too many --san";
		x->sans[x->req.nsans++] = arg;
		return NULL;
	}
}

static int cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {{"csr", required_argument, NULL, 'c'},
					     {"profile", required_argument, NULL, 'p'},
					     {"days", required_argument, NULL, 'D'},
					     {"san", required_argument, NULL, 's'},
					     {0}};
	struct sign_ctx x = {.req = {.profile = CA_PROFILE_SERVER}};
	int st = parse_flags("sign", sign_help, opts, sign_flag, &x, 0, argc, argv);
	if (st != GO_ON)
		return st;
	if (x.csr_path == NULL)
		return usage_error("sign", "--csr FILE is required");
	size_t len;
	uint8_t *csr = slurp(x.csr_path, &len);
	if (csr == NULL) {
		fprintf(stderr, "privca sign: cannot read %s (missing, or over 1 MiB)\n",
			x.csr_path);
		return EXIT_REFUSED;
	}
	x.req.csr = csr;
	x.req.csr_len = len;
	x.req.sans = x.sans;
	struct ca *ca;
	if (open_ca(&ca) != 0) {
		free(csr);
		return EXIT_REFUSED;
	}
	struct ca_cert *cert = NULL;
	struct ca_error err;
	enum ca_err rc = ca_issue(ca, &x.req, &cert, &err);
	int status = 0;
	if (rc != CA_OK) {
		status = fail("sign", rc, &err);
	} else {
		char *pem = ca_cert_pem(cert);
		if (pem == NULL || fputs(pem, stdout) == EOF || fflush(stdout) != 0) {
			fprintf(
			    stderr,
			    "privca sign: cannot write the certificate (serial %s is recorded)\n",
			    cert->serial);
			status = EXIT_REFUSED;
		} else {
			fprintf(stderr, "privca: issued %s\n", cert->serial);
		}
		free(pem);
	}
	ca_cert_free(cert);
	ca_close(ca);
	free(csr);
	return status;
}

/* ---- revoke ---- */

static const char revoke_help[] =
    "usage: privca revoke [--dir DIR] SERIAL [--reason R]\n"
    "Revoke a certificate. R: unspecified (default), keyCompromise,\n"
    "affiliationChanged, superseded, cessationOfOperation. A running service\n"
    "picks it up within a second (CRL and OCSP).\n";

static const char *revoke_flag(int c, const char *arg, void *p)
{
	(void)c; /* 'r' */
	return ca_reason_parse(arg, p) ? NULL : "unknown --reason";
}

static int cmd_revoke(int argc, char **argv)
{
	static const struct option opts[] = {{"reason", required_argument, NULL, 'r'}, {0}};
	enum ca_reason reason = CA_REASON_UNSPECIFIED;
	int st = parse_flags("revoke", revoke_help, opts, revoke_flag, &reason, 1, argc, argv);
	if (st != GO_ON)
		return st;
	struct ca *ca;
	if (open_ca(&ca) != 0)
		return EXIT_REFUSED;
	struct ca_error err;
	enum ca_err rc = ca_revoke(ca, argv[optind], reason, NULL, NULL, &err);
	int status = rc == CA_OK ? 0 : fail("revoke", rc, &err);
	if (rc == CA_OK)
		fprintf(stderr, "privca: revoked %s (%s)\n", argv[optind], ca_reason_name(reason));
	ca_close(ca);
	return status;
}

/* ---- crl ---- */

static const char crl_help[] =
    "usage: privca crl [--dir DIR] [--out FILE] [--pem]\n"
    "Write the current CRL (DER, or PEM with --pem) to FILE or stdout.\n";

struct crl_ctx {
	const char *out;
	bool pem;
};

static const char *crl_flag(int c, const char *arg, void *p)
{
	struct crl_ctx *x = p;
	if (c == 'o')
		x->out = arg;
	else
		x->pem = true;
	return NULL;
}

static int write_all(FILE *f, const void *p, size_t n)
{
	return fwrite(p, 1, n, f) == n && fflush(f) == 0 ? 0 : -1;
}

static int cmd_crl(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"out", required_argument, NULL, 'o'}, {"pem", no_argument, NULL, 'P'}, {0}};
	struct crl_ctx x = {0};
	int st = parse_flags("crl", crl_help, opts, crl_flag, &x, 0, argc, argv);
	if (st != GO_ON)
		return st;
	struct ca *ca;
	if (open_ca(&ca) != 0)
		return EXIT_REFUSED;
	struct ca_blob *b = NULL;
	struct ca_error err;
	enum ca_err rc = ca_crl(ca, &b, &err);
	int status = 0;
	if (rc != CA_OK) {
		status = fail("crl", rc, &err);
		goto done;
	}
	size_t len;
	const uint8_t *der = ca_blob_data(b, &len);
	char *text = NULL;
	if (x.pem && (text = ca_pem("X509 CRL", der, len)) == NULL) {
		status = EXIT_REFUSED;
		goto done;
	}
	FILE *f = x.out ? fopen(x.out, "wb") : stdout;
	if (f == NULL || write_all(f, text ? (const void *)text : der, text ? strlen(text) : len)) {
		fprintf(stderr, "privca crl: cannot write %s\n", x.out ? x.out : "stdout");
		status = EXIT_REFUSED;
	}
	if (f != NULL && f != stdout && fclose(f) != 0)
		status = EXIT_REFUSED;
	free(text);
done:
	ca_blob_release(b);
	ca_close(ca);
	return status;
}

/* ---- backup ---- */

static const char backup_help[] =
    "usage: privca backup [--dir DIR] --out FILE\n"
    "Write a consistent copy of the database (privca.db) to FILE, a new file\n"
    "(mode 0600), also while privca serve runs. Keep it with a copy of ca.key,\n"
    "ca.pem, tls.key, tls.pem and privca.conf: together they are the whole CA.\n";

static const char *backup_flag(int c, const char *arg, void *p)
{
	(void)c;
	*(const char **)p = arg;
	return NULL;
}

static int cmd_backup(int argc, char **argv)
{
	static const struct option opts[] = {{"out", required_argument, NULL, 'o'}, {0}};
	const char *out = NULL;
	int st = parse_flags("backup", backup_help, opts, backup_flag, &out, 0, argc, argv);
	if (st != GO_ON)
		return st;
	if (out == NULL)
		return usage_error("backup", "--out FILE is required");
	struct ca *ca;
	if (open_ca(&ca) != 0)
		return EXIT_REFUSED;
	struct ca_error err;
	enum ca_err rc = ca_backup(ca, out, &err);
	int status = rc != CA_OK ? fail("backup", rc, &err) : 0;
	if (rc == CA_OK)
		fprintf(stderr, "privca: wrote %s\n", out);
	ca_close(ca);
	return status;
}

/* ---- list / show ---- */

static const char list_help[] =
    "usage: privca list [--dir DIR] [--status valid|revoked|expired|all] [--q TEXT]\n"
    "One line per certificate, newest first: serial, status, expiry, subject, names.\n";

static const char *list_flag(int c, const char *arg, void *p)
{
	struct ca_list_query *q = p;
	if (c == 'q') {
		q->q = arg;
		return NULL;
	}
	if (strcmp(arg, "all") == 0) {
		q->status = -1;
		return NULL;
	}
	for (int i = 0; i < CA_STATUS_MAX; i++)
		if (strcmp(arg, ca_status_name((enum ca_status)i)) == 0) {
			q->status = i;
			return NULL;
		}
	return "--status must be valid, revoked, expired or all";
}

static void print_names(const struct ca_cert *c)
{
	for (size_t i = 0; i < c->n_dns; i++)
		printf("%s%s", i ? "," : "", c->dns_names[i]);
	for (size_t i = 0; i < c->n_ip; i++)
		printf("%s%s", i || c->n_dns ? "," : "", c->ip_addresses[i]);
}

static int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"status", required_argument, NULL, 's'}, {"q", required_argument, NULL, 'q'}, {0}};
	struct ca_list_query q = {.status = -1, .limit = 500};
	int st = parse_flags("list", list_help, opts, list_flag, &q, 0, argc, argv);
	if (st != GO_ON)
		return st;
	struct ca *ca;
	if (open_ca(&ca) != 0)
		return EXIT_REFUSED;
	int status = 0;
	char *cursor = NULL;
	do {
		struct ca_cert_list l;
		struct ca_error err;
		q.cursor = cursor;
		enum ca_err rc = ca_list(ca, &q, &l, &err);
		free(cursor);
		cursor = NULL;
		if (rc != CA_OK) {
			status = fail("list", rc, &err);
			break;
		}
		for (size_t i = 0; i < l.n; i++) {
			char exp[21];
			ca_time_rfc3339(l.items[i]->not_after, exp);
			printf("%s %-7s %s %s ", l.items[i]->serial,
			       ca_status_name(l.items[i]->status), exp, l.items[i]->subject);
			print_names(l.items[i]);
			putchar('\n');
		}
		cursor = l.next_cursor;
		l.next_cursor = NULL;
		ca_cert_list_free(&l);
	} while (cursor != NULL);
	ca_close(ca);
	return status;
}

static const char show_help[] = "usage: privca show [--dir DIR] SERIAL\n"
				"Print one certificate's record and its PEM.\n";

static int cmd_show(int argc, char **argv)
{
	int st = parse_flags("show", show_help, NULL, NULL, NULL, 1, argc, argv);
	if (st != GO_ON)
		return st;
	struct ca *ca;
	if (open_ca(&ca) != 0)
		return EXIT_REFUSED;
	struct ca_cert *cert;
	struct ca_error err;
	enum ca_err rc = ca_cert_get(ca, argv[optind], &cert, &err);
	int status = 0;
	if (rc != CA_OK) {
		status = fail("show", rc, &err);
	} else {
		char nb[21], na[21], ra[21];
		ca_time_rfc3339(cert->not_before, nb);
		ca_time_rfc3339(cert->not_after, na);
		printf("serial:      %s\nsubject:     %s\nnames:       ", cert->serial,
		       cert->subject);
		print_names(cert);
		printf("\nnot before:  %s\nnot after:   %s\nprofile:     %s\nrequester:   %s\n"
		       "sha256:      %s\nstatus:      %s\n",
		       nb, na, ca_profile_name(cert->profile), cert->requester,
		       cert->fingerprint_sha256, ca_status_name(cert->status));
		if (cert->status == CA_STATUS_REVOKED) {
			ca_time_rfc3339(cert->revoked_at, ra);
			printf("revoked at:  %s\nreason:      %s\n", ra,
			       ca_reason_name(cert->reason));
		}
		char *pem = ca_cert_pem(cert);
		if (pem != NULL)
			fputs(pem, stdout);
		free(pem);
		ca_cert_free(cert);
	}
	ca_close(ca);
	return status;
}

/* ---- token ---- */

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
	bool acme_open; /* the ACME open team (design section 10) */
	const char *allow[MAX_LIST], *ips[MAX_LIST];
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

static int token_list(struct ca *ca)
{
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

static int cmd_token(int argc, char **argv)
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
	struct ca *ca;
	if (open_ca(&ca) != 0)
		return EXIT_REFUSED;
	int status = 0;
	if (list) {
		status = token_list(ca);
	} else {
		struct ca_error err;
		enum ca_err rc = ca_token_revoke(ca, argv[1 + optind], &err);
		if (rc != CA_OK)
			status = fail("token revoke", rc, &err);
	}
	ca_close(ca);
	return status;
}

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
    "  acme     ACME external account binding keys (acme eab --help)\n"
    "'privca COMMAND --help' tells more.\n";

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
	    {"init", cmd_init},	    {"serve", cmd_serve}, {"sign", cmd_sign},
	    {"revoke", cmd_revoke}, {"crl", cmd_crl},	  {"list", cmd_list},
	    {"show", cmd_show},	    {"token", cmd_token}, {"backup", cmd_backup},
	    {"acme", cmd_acme},
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
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "privca: unknown command '%s'\n%s", argv[1], main_help);
	return EXIT_USAGE;
}
