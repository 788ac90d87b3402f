/*
 * The code in this file implements tls_listener.h: the HTTPS daemon's
 * rotation to a renewed or replaced key and certificate.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/tls_listener.h"

void tls_daemon_stop(struct tls_daemon *t)
{
	daemon_stop(t->d);
	if (t->key != NULL)
		ca_secret_free(t->key);
	free(t->cert);
	*t = (struct tls_daemon){0};
}

/* Stop the replaced daemon once it has no connections left, or it is late. */
void tls_retire(struct https *h, bool now)
{
	if (h->old.d == NULL)
		return;
	if (now || daemon_connections(h->old.d) == 0 || mono_ms() - h->old.since > h->retire_ms)
		tls_daemon_stop(&h->old);
}

/* Renew tls.pem if it has less than TLS_RENEW_DAYS left. */
static void renew_if_due(struct https *h)
{
	struct ca_error err = {0};
	bool renewed = false;
	if (ca_tls_renew(h->l->ca, TLS_RENEW_DAYS, &renewed, &err) != CA_OK)
		fprintf(stderr, "privca: warning: the TLS certificate was not renewed: %s\n",
			err.detail);
	else if (renewed)
		fprintf(stderr,
			"privca: renewed the TLS certificate (tls.pem), which expired within %d "
			"days\n",
			TLS_RENEW_DAYS);
}

/* Start next on the listening socket fd (quiesced from h->cur, closed
 * here), or h->cur's pair again if next does not start; h->cur then winds
 * down as h->old. A daemon that fails to start closes the socket it was
 * given: each attempt gets its own copy. */
static void hand_over(struct https *h, struct tls_daemon *next, int fd)
{
	next->d = daemon_start(h->l, h->spec, h->threads, h->conn_limit, next->key, next->cert,
			       fcntl(fd, F_DUPFD_CLOEXEC, 0));
	if (next->d != NULL) {
		fprintf(stderr, "privca: https: now serving the TLS certificate in tls.pem\n");
	} else {
		fprintf(stderr, "privca: https: the new pair did not start; still serving the "
				"previous one\n");
		tls_daemon_stop(next);
		next->d = daemon_start(h->l, h->spec, h->threads, h->conn_limit, h->cur.key,
				       h->cur.cert, fcntl(fd, F_DUPFD_CLOEXEC, 0));
		if (next->d == NULL)
			fprintf(stderr, "privca: https: stopped, the listener could not restart\n");
		else {
			next->key = h->cur.key;
			next->cert = h->cur.cert;
			h->cur.key = h->cur.cert = NULL;
		}
	}
	close(fd);
	h->old = h->cur;
	h->old.since = mono_ms();
	h->cur = *next;
}

/* Renew tls.pem if it is due, and serve what tls.key and tls.pem now hold. */
void tls_refresh(struct https *h, bool asked)
{
	struct ca_error err = {0};
	renew_if_due(h);
	if (h->cur.d == NULL)
		return;
	struct tls_daemon next = {0};
	if (ca_tls_load(h->l->ca, &next.key, &next.cert, &err) != CA_OK) {
		fprintf(stderr, "privca: https: %s; still serving the previous TLS certificate\n",
			err.detail);
		return;
	}
	if (strcmp(next.cert, h->cur.cert) == 0 && strcmp(next.key, h->cur.key) == 0) {
		if (asked)
			fprintf(stderr, "privca: https: tls.key and tls.pem are unchanged\n");
		tls_daemon_stop(&next);
		return;
	}
	/* GnuTLS judges the pair first, on a daemon without a socket, so the
	 * listener is only handed over to a pair that will start. */
	if (!daemon_tls_pair_usable(next.key, next.cert)) {
		fprintf(stderr, "privca: https: GnuTLS refused the new tls.key/tls.pem; still "
				"serving the previous TLS certificate\n");
		tls_daemon_stop(&next);
		return;
	}
	tls_retire(h, true); /* at most one daemon winds down at a time */
	int fd = daemon_quiesce(h->cur.d);
	if (fd < 0) {
		fprintf(stderr, "privca: https: cannot hand the listening socket over; still "
				"serving the previous TLS certificate\n");
		tls_daemon_stop(&next);
		return;
	}
	hand_over(h, &next, fd);
}

bool tls_start(struct https *h)
{
	struct ca_error err = {0};
	tls_refresh(h, false); /* renews tls.pem if it is due */
	if (ca_tls_load(h->l->ca, &h->cur.key, &h->cur.cert, &err) != CA_OK) {
		fprintf(stderr, "privca: cannot load the TLS key and certificate: %s\n",
			err.detail);
		return false;
	}
	h->cur.d =
	    daemon_start(h->l, h->spec, h->threads, h->conn_limit, h->cur.key, h->cur.cert, -1);
	return h->cur.d != NULL;
}
