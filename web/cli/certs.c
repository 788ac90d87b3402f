/*
 * The certificate subcommands: privca sign, revoke, crl, backup, list and
 * show, each one call of the core (include/privca/ca.h).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* ---- sign ---- */

static const char sign_help[] =
    "usage: privca sign [--dir DIR] --csr FILE [--profile P] [--days N] [--san NAME]...\n"
    "Issue a certificate offline, with the CSR, name and validity checks of the\n"
    "API, without a team's policy, recorded like an API issuance.\n"
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

int cmd_sign(int argc, char **argv)
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
			if (cert->clamped)
				fprintf(stderr, "privca: its validity was shortened to end with "
						"the CA's certificate (clamp_to_ca)\n");
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

struct revoke_ctx {
	const char *serial;
	enum ca_reason reason;
};

static int revoke_body(struct ca *ca, void *p)
{
	const struct revoke_ctx *x = p;
	struct ca_error err;
	enum ca_err rc = ca_revoke(ca, x->serial, x->reason, NULL, NULL, &err);
	if (rc != CA_OK)
		return fail("revoke", rc, &err);
	fprintf(stderr, "privca: revoked %s (%s)\n", x->serial, ca_reason_name(x->reason));
	return 0;
}

int cmd_revoke(int argc, char **argv)
{
	static const struct option opts[] = {{"reason", required_argument, NULL, 'r'}, {0}};
	struct revoke_ctx x = {.reason = CA_REASON_UNSPECIFIED};
	int st = parse_flags("revoke", revoke_help, opts, revoke_flag, &x.reason, 1, argc, argv);
	if (st != GO_ON)
		return st;
	x.serial = argv[optind];
	return with_ca(revoke_body, &x);
}

/* ---- crl ---- */

static const char crl_help[] =
    "usage: privca crl [--dir DIR] [--out FILE] [--pem] [--delta]\n"
    "Write the current CRL (DER, or PEM with --pem) to FILE or stdout;\n"
    "with --delta its delta CRL (the revocations since its base) instead.\n";

struct crl_ctx {
	const char *out;
	bool pem, delta;
};

static const char *crl_flag(int c, const char *arg, void *p)
{
	struct crl_ctx *x = p;
	if (c == 'o')
		x->out = arg;
	else if (c == 'D')
		x->delta = true;
	else
		x->pem = true;
	return NULL;
}

static int write_all(FILE *f, const void *p, size_t n)
{
	return fwrite(p, 1, n, f) == n && fflush(f) == 0 ? 0 : -1;
}

static int crl_body(struct ca *ca, void *p)
{
	const struct crl_ctx *x = p;
	struct ca_blob *b = NULL;
	struct ca_error err;
	enum ca_err rc = x->delta ? ca_crl_delta(ca, &b, &err) : ca_crl(ca, &b, &err);
	if (rc != CA_OK)
		return fail("crl", rc, &err);
	int status = 0;
	size_t len;
	const uint8_t *der = ca_blob_data(b, &len);
	char *text = NULL;
	if (x->pem && (text = ca_pem("X509 CRL", der, len)) == NULL) {
		status = EXIT_REFUSED;
		goto done;
	}
	FILE *f = x->out ? fopen(x->out, "wb") : stdout;
	if (f == NULL || write_all(f, text ? (const void *)text : der, text ? strlen(text) : len)) {
		fprintf(stderr, "privca crl: cannot write %s\n", x->out ? x->out : "stdout");
		status = EXIT_REFUSED;
	}
	if (f != NULL && f != stdout && fclose(f) != 0)
		status = EXIT_REFUSED;
	free(text);
done:
	ca_blob_release(b);
	return status;
}

int cmd_crl(int argc, char **argv)
{
	static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
					     {"pem", no_argument, NULL, 'P'},
					     {"delta", no_argument, NULL, 'D'},
					     {0}};
	struct crl_ctx x = {0};
	int st = parse_flags("crl", crl_help, opts, crl_flag, &x, 0, argc, argv);
	if (st != GO_ON)
		return st;
	return with_ca(crl_body, &x);
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

static int backup_body(struct ca *ca, void *p)
{
	const char *out = p;
	struct ca_error err;
	enum ca_err rc = ca_backup(ca, out, &err);
	if (rc != CA_OK)
		return fail("backup", rc, &err);
	fprintf(stderr, "privca: wrote %s\n", out);
	return 0;
}

int cmd_backup(int argc, char **argv)
{
	static const struct option opts[] = {{"out", required_argument, NULL, 'o'}, {0}};
	const char *out = NULL;
	int st = parse_flags("backup", backup_help, opts, backup_flag, &out, 0, argc, argv);
	if (st != GO_ON)
		return st;
	if (out == NULL)
		return usage_error("backup", "--out FILE is required");
	return with_ca(backup_body, (void *)out);
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

static int list_body(struct ca *ca, void *p)
{
	struct ca_list_query *q = p;
	int status = 0;
	char *cursor = NULL;
	do {
		struct ca_cert_list l;
		struct ca_error err;
		q->cursor = cursor;
		enum ca_err rc = ca_list(ca, q, &l, &err);
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
	return status;
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"status", required_argument, NULL, 's'}, {"q", required_argument, NULL, 'q'}, {0}};
	struct ca_list_query q = {.status = -1, .limit = 500};
	int st = parse_flags("list", list_help, opts, list_flag, &q, 0, argc, argv);
	if (st != GO_ON)
		return st;
	return with_ca(list_body, &q);
}

static const char show_help[] = "usage: privca show [--dir DIR] SERIAL\n"
				"Print one certificate's record and its PEM.\n";

static int show_body(struct ca *ca, void *p)
{
	const char *serial = p;
	struct ca_cert *cert;
	struct ca_error err;
	enum ca_err rc = ca_cert_get(ca, serial, &cert, &err);
	if (rc != CA_OK)
		return fail("show", rc, &err);
	char nb[21], na[21], ra[21];
	ca_time_rfc3339(cert->not_before, nb);
	ca_time_rfc3339(cert->not_after, na);
	printf("serial:      %s\nsubject:     %s\nnames:       ", cert->serial, cert->subject);
	print_names(cert);
	printf("\nnot before:  %s\nnot after:   %s\nprofile:     %s\nrequester:   %s\n"
	       "sha256:      %s\nstatus:      %s\n",
	       nb, na, ca_profile_name(cert->profile), cert->requester, cert->fingerprint_sha256,
	       ca_status_name(cert->status));
	if (cert->status == CA_STATUS_REVOKED) {
		ca_time_rfc3339(cert->revoked_at, ra);
		printf("revoked at:  %s\nreason:      %s\n", ra, ca_reason_name(cert->reason));
	}
	char *pem = ca_cert_pem(cert);
	if (pem != NULL)
		fputs(pem, stdout);
	free(pem);
	ca_cert_free(cert);
	return 0;
}

int cmd_show(int argc, char **argv)
{
	int st = parse_flags("show", show_help, NULL, NULL, NULL, 1, argc, argv);
	if (st != GO_ON)
		return st;
	return with_ca(show_body, argv[optind]);
}
