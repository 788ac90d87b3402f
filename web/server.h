/*
 * The service's life (server.c): its daemons (http/daemon.h, the HTTPS one
 * through http/tls_listener.h) answering requests through exchange.h, and
 * the signals that refresh and stop them (http/signals.h).
 */
#ifndef PRIVCA_SERVER_H
#define PRIVCA_SERVER_H

#include "privca/ca.h"

struct server_opts {
	const char *http;  /* "ADDR:PORT", NULL = settings, "" = off */
	const char *https; /* "ADDR:PORT", NULL = settings, "" = off */
	unsigned threads;  /* 0 = 4 per core */
};

/*
 * Serve until SIGINT or SIGTERM. HTTPS serves tls.key and tls.pem; tls.pem
 * is renewed when it has less than 30 days left (checked at the start and
 * hourly), and a changed pair is picked up without dropping connections
 * after a renewal or on SIGHUP. Returns 0 after a clean stop, 1 if a
 * listener could not be started (message on stderr). On a stop, requests
 * in flight are answered (for up to 10 s) before the daemons stop; once it
 * returns SIGINT and SIGTERM are ignored, so the caller closes the store
 * without being cut short by a second signal.
 */
int server_run(struct ca *ca, const struct server_opts *opts);

#endif
