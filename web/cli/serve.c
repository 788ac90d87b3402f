/*
 * privca serve: run the HTTP/HTTPS service (server.c).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "http/http.h"
#include "privca/acme.h"
#include "server.h"

/* A challenge's result is recorded: the polls of its authorization that
 * wait for it answer now (web/acme/order.c). */
static void wake_polls(void *arg, const char *chall_id)
{
	(void)arg;
	http_wake(chall_id);
}

static const char serve_help[] =
    "usage: privca serve [--dir DIR] [--http ADDR:PORT] [--https ADDR:PORT] [--threads N]\n"
    "                    [--store URL]\n"
    "Run the CA service until SIGINT or SIGTERM. Defaults come from privca.conf\n"
    "(127.0.0.1:8080 and 127.0.0.1:8443); an empty address turns a listener off.\n"
    "  --threads  worker threads per listener (default 4 per core: issuance waits\n"
    "             for its group commit, and more workers share each commit)\n"
    "  --store    the store to use instead of privca.conf's (a PostgreSQL URL that\n"
    "             other nodes of this CA share, or a SQLite file)\n"
    "  --acme-dns ADDR:PORT  DNS server for ACME validation (default: the system's)\n"
    "  --acme-http-port N    port of http-01 validation (default 80)\n"
    "  --acme-tls-port N     port of tls-alpn-01 validation (default 443)\n";

struct serve_ctx {
	struct server_opts so;
	struct acme_serve_opts ao;
	const char *store;
};

static const char *serve_flag(int c, const char *arg, void *p)
{
	struct server_opts *so = &((struct serve_ctx *)p)->so;
	struct acme_serve_opts *ao = &((struct serve_ctx *)p)->ao;
	int threads;
	switch (c) {
	case 'S':
		((struct serve_ctx *)p)->store = arg;
		return NULL;
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

/*
 * A server that runs for months: glibc's malloc raises its mmap threshold
 * to the largest block freed so far (a CRL, a CSV page), after which such
 * blocks come from the arenas and their pages stay there, one arena per
 * thread up to 8 per core. A fixed threshold gives big blocks back to the
 * system when freed, and a few arenas are enough for a few cores.
 */
static void bound_heap(void)
{
#ifdef __GLIBC__
	(void)mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	(void)mallopt(M_ARENA_MAX, 4);
#endif
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {{"http", required_argument, NULL, 'p'},
					     {"https", required_argument, NULL, 's'},
					     {"threads", required_argument, NULL, 't'},
					     {"acme-dns", required_argument, NULL, 'D'},
					     {"acme-http-port", required_argument, NULL, 'H'},
					     {"acme-tls-port", required_argument, NULL, 'T'},
					     {"store", required_argument, NULL, 'S'},
					     {0}};
	struct serve_ctx sc = {0};
	int st = parse_flags("serve", serve_help, opts, serve_flag, &sc, 0, argc, argv);
	if (st != GO_ON)
		return st;
	bound_heap();
	struct ca *ca;
	if (open_ca_store(&ca, sc.store) != 0)
		return EXIT_REFUSED;
	struct ca_error err;
	enum ca_err rc = ca_serve_check(ca, &err);
	if (rc == CA_OK)
		rc = ca_serve_start(ca, &err);
	sc.ao.on_result = wake_polls;
	if (rc == CA_OK)
		rc = acme_serve_start(ca, &sc.ao, &err);
	int status = rc != CA_OK ? fail("serve", rc, &err) : server_run(ca, &sc.so);
	ca_close(ca);
	return status;
}
