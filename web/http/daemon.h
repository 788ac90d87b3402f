/*
 * The daemon lifecycle (http/daemon.c): starting, quiescing and stopping
 * one libmicrohttpd daemon with the service's limits, for server.c and
 * tls_listener.c, without microhttpd.h in either. What a daemon does with
 * a request is the listener's calls (exchange.h).
 */
#ifndef PRIVCA_DAEMON_H
#define PRIVCA_DAEMON_H

#include <stdbool.h>

#include "privca/ca.h"

struct MHD_Daemon;
/* The request callbacks a daemon is started with (http/mhd_calls.h). */
struct daemon_calls;

/* One listener: what its daemons serve. Owned by server_run, outlives
 * every daemon started for it. */
struct listener {
	struct ca *ca;
	bool tls;
	const char *name;
	const struct daemon_calls *calls; /* static; called with the listener */
};

/* CLOCK_MONOTONIC in milliseconds. */
long long mono_ms(void);

/*
 * Start a daemon for l on spec ("ADDR:PORT"), or on fd (a quiesced
 * daemon's listening socket, which it takes over; -1 for none). key and
 * cert (PEM) only for a TLS listener; they must outlive the daemon. NULL
 * after a message on stderr.
 */
struct MHD_Daemon *daemon_start(struct listener *l, const char *spec, unsigned threads,
				unsigned conn_limit, const char *key, const char *cert, int fd);
/* Stop d (NULL: nothing). */
void daemon_stop(struct MHD_Daemon *d);
/* Stop accepting; the listening socket, now the caller's, or -1. */
int daemon_quiesce(struct MHD_Daemon *d);
/* Connections d still has; 0 if it cannot tell. */
unsigned daemon_connections(struct MHD_Daemon *d);
/* Would GnuTLS (through libmicrohttpd) take this key and certificate? */
bool daemon_tls_pair_usable(const char *key, const char *cert);
/* Connections per daemon for the descriptors this process may open (the
 * soft limit is raised to the hard one first): HTTP, HTTPS and a replaced
 * HTTPS daemon share them. At most DAEMON_CONN_LIMIT. */
unsigned daemon_connection_limit(void);
/* Once a second, from the serving loop: the connections' deadlines
 * (http/guard.h) and the count of a repeated libmicrohttpd message. */
void daemon_sweep(void);

/* How long a connection may sit idle; a replaced HTTPS daemon gets twice
 * this to finish its connections. */
#define DAEMON_CONN_TIMEOUT_S 20
#define DAEMON_CONN_LIMIT     4096

#endif
