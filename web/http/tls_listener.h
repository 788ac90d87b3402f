/*
 * The HTTPS listener, whose key and certificate can change while it
 * serves: tls.pem renewed before it expires, or replaced by the operator
 * (then SIGHUP). GnuTLS credentials are fixed per daemon, so a change
 * starts a new daemon on the same listening socket (the old one is
 * quiesced: it accepts nothing more) and retires the old one once its
 * connections are gone, or after TLS_RETIRE_MS. No connection is refused
 * in between.
 */
#ifndef PRIVCA_TLS_LISTENER_H
#define PRIVCA_TLS_LISTENER_H

#include "http/daemon.h"

#define TLS_RENEW_DAYS 30		/* tls.pem is renewed when it has less left */
#define TLS_CHECK_MS   (60 * 60 * 1000) /* and looked at this often, and on SIGHUP */

struct tls_daemon {
	struct MHD_Daemon *d;
	char *key, *cert; /* the PEM it was started with (key: ca_secret_free) */
	long long since;  /* retiring: when it was quiesced (mono_ms) */
};

struct https {
	struct listener *l;
	const char *spec;
	unsigned threads, conn_limit;
	unsigned retire_ms; /* how long a replaced daemon may finish its connections */
	struct tls_daemon cur, old;
};

/* Stop t's daemon and free its pair; t is zeroed. */
void tls_daemon_stop(struct tls_daemon *t);
/* Stop the replaced daemon once it has no connections left, or it is late
 * (or now). */
void tls_retire(struct https *h, bool now);
/* Renew tls.pem if it is due, and serve what tls.key and tls.pem now hold
 * (asked: on SIGHUP, which also reports an unchanged pair). */
void tls_refresh(struct https *h, bool asked);
/* Load the pair and start h->cur. False after a message on stderr. */
bool tls_start(struct https *h);

#endif
