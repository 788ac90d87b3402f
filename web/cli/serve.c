/*
 * privca serve: run the HTTP/HTTPS service (server.c).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "server.h"

static const char serve_help[] =
    "usage: privca serve [--dir DIR] [--http ADDR:PORT] [--https ADDR:PORT] [--threads N]\n"
    "Run the CA service until SIGINT or SIGTERM. Defaults come from privca.conf\n"
    "(127.0.0.1:8080 and 127.0.0.1:8443); an empty address turns a listener off.\n"
    "  --threads  worker threads per listener (default 4 per core: issuance waits\n"
    "             for its group commit, and more workers share each commit)\n";

static const char *serve_flag(int c, const char *arg, void *p)
{
	struct server_opts *so = p;
	int threads;
	switch (c) {
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

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {{"http", required_argument, NULL, 'p'},
					     {"https", required_argument, NULL, 's'},
					     {"threads", required_argument, NULL, 't'},
					     {0}};
	struct server_opts so = {0};
	int st = parse_flags("serve", serve_help, opts, serve_flag, &so, 0, argc, argv);
	if (st != GO_ON)
		return st;
	struct ca *ca;
	if (open_ca(&ca) != 0)
		return EXIT_REFUSED;
	struct ca_error err;
	enum ca_err rc = ca_serve_start(ca, &err);
	int status = rc != CA_OK ? fail("serve", rc, &err) : server_run(ca, &so);
	ca_close(ca);
	return status;
}
