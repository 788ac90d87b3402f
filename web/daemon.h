/*
 * What server.c lends tls_listener.c: starting and stopping one
 * libmicrohttpd daemon, without microhttpd.h outside server.c.
 */
#ifndef PRIVCA_DAEMON_H
#define PRIVCA_DAEMON_H

#include <stdbool.h>

#include "privca/ca.h"

struct MHD_Daemon;

struct listener {
	struct ca *ca;
	bool tls;
	const char *name;
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

#endif
