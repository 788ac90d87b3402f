/*
 * The code in this file implements server.h: the serving process's life.
 * It starts the plain HTTP daemon (http/daemon.c) and the HTTPS listener
 * (http/tls_listener.c), waits for signals (http/signals.c) while it
 * sweeps the connections' deadlines, refreshes the TLS certificate and
 * says when the CA cannot issue, and stops cleanly on SIGINT or SIGTERM:
 * requests in flight (exchange.c) are answered first.
 */
#include <jansson.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "exchange.h"
#include "http/daemon.h"
#include "http/signals.h"
#include "http/tls_listener.h"
#include "server.h"

#define STOP_GRACE_MS	 10000
#define WORKERS_PER_CORE 4
#define RETIRE_MS	 (2 * DAEMON_CONN_TIMEOUT_S * 1000) /* a replaced daemon's last connections */

/* Issuance handlers sleep while their record's group commit is fsynced;
 * more workers than cores let one commit carry more certificates (bench
 * http on 2 cores, c=16: 3.6k/s with 2 workers, 4.2k/s with 8, 4.4k/s with
 * 16). Each worker keeps wolfSSL's ECC cache and a SQLite connection, so
 * memory grows with the count. */
static unsigned worker_count(const struct server_opts *opts)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = opts && opts->threads
			       ? opts->threads
			       : (unsigned)(cores > 0 ? cores : 1) * WORKERS_PER_CORE;
	return threads > 64 ? 64 : threads;
}

/* Say loudly, at start and every hour, when the CA cannot issue or soon
 * cannot: an expired CA otherwise fails one request at a time. */
static void ca_validity_warn(struct ca *ca)
{
	struct ca_error err;
	int64_t left;
	if (ca_validity(ca, &left, &err) != CA_OK) {
		fprintf(stderr, "privca: ERROR: %s\n", err.detail);
		return;
	}
	if (left < (int64_t)CA_EXPIRY_WARN_DAYS * 86400) {
		char end[21];
		ca_time_rfc3339(ca_issuer(ca)->not_after, end);
		fprintf(stderr,
			"privca: WARNING: the CA's certificate expires at %s, in %lld days; "
			"renew the CA before then\n",
			end, (long long)(left / 86400));
	}
}

/* What a signal read by the serving loop asks: 1 = stop, 0 = go on. */
static int on_signal_read(struct https *h, bool want_https, int sig)
{
	if (sig == SIGHUP) {
		if (want_https)
			tls_refresh(h, true);
		return 0;
	}
	fprintf(stderr, "privca: %s: finishing requests in flight, then stopping\n",
		sig == SIGINT ? "SIGINT" : "SIGTERM");
	return 1;
}

/* Until SIGINT or SIGTERM: SIGHUP and the periodic check refresh the HTTPS
 * certificate, and a replaced daemon is retired once idle. */
static void serve_loop(struct https *h, bool want_https)
{
	long long next_check = mono_ms() + TLS_CHECK_MS;
	for (;;) {
		long long wait = next_check - mono_ms();
		if (wait > 1000)
			wait = 1000; /* deadlines and the retiring daemon, every second */
		int sig = signals_wait(wait > 0 ? (int)wait : 0);
		if (sig < 0)
			return;
		if (sig > 0) {
			if (on_signal_read(h, want_https, sig))
				return;
			continue;
		}
		if (mono_ms() >= next_check) {
			ca_validity_warn(h->l->ca);
			if (want_https)
				tls_refresh(h, false);
			next_check = mono_ms() + TLS_CHECK_MS;
		}
		daemon_sweep();
		tls_retire(h, false);
	}
}

/* Stop accepting, and let requests in flight finish (at most
 * STOP_GRACE_MS; a body gone quiet does not hold the stop up). */
static void drain(struct MHD_Daemon *http_d, struct MHD_Daemon *https_d)
{
	exchange_stopping(true);
	struct MHD_Daemon *ds[2] = {http_d, https_d};
	for (int i = 0; i < 2; i++)
		if (ds[i] != NULL) {
			int fd = daemon_quiesce(ds[i]);
			if (fd >= 0)
				close(fd);
		}
	for (int waited = 0; waited < STOP_GRACE_MS && exchange_busy(); waited += 10) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

int server_run(struct ca *ca, const struct server_opts *opts)
{
	const struct ca_settings *st = ca_settings(ca);
	const char *http = opts && opts->http ? opts->http : st->http_listen;
	const char *https = opts && opts->https ? opts->https : st->https_listen;
	unsigned threads = worker_count(opts);
	bool want_http = http != NULL && *http;
	bool want_https = https != NULL && *https;
	int rc = 1;
	struct listener lh = {ca, false, "http", &exchange_calls};
	struct listener ls = {ca, true, "https", &exchange_calls};
	struct MHD_Daemon *http_d = NULL;
	struct https h = {.l = &ls, .spec = https, .threads = threads, .retire_ms = RETIRE_MS};
	struct sigaction old_pipe;

	if (!want_http && !want_https) {
		fprintf(stderr, "privca: neither --http nor --https is enabled\n");
		return 1;
	}
	/* Seed jansson's hash before threads exist (it is lazy otherwise). */
	json_object_seed(0);
	h.conn_limit = daemon_connection_limit();
	if (!signals_install(&old_pipe))
		return 1;
	exchange_stopping(false);
	if (!exchange_start()) {
		signals_restore(&old_pipe);
		return 1;
	}
	/* Before the first request can be answered, so whoever sees a 503
	 * finds the reason already in the log. */
	ca_validity_warn(ca);

	if (want_https && !tls_start(&h))
		goto out;
	if (want_http) {
		http_d = daemon_start(&lh, http, threads, h.conn_limit, NULL, NULL, -1);
		if (http_d == NULL)
			goto out;
	}
	fprintf(stderr, "privca: serving%s%s%s%s with %u threads; stop with Ctrl-C\n",
		want_http ? " http://" : "", want_http ? http : "", want_https ? " https://" : "",
		want_https ? https : "", threads);
	serve_loop(&h, want_https);
	drain(http_d, h.cur.d);
	rc = 0;
out:
	exchange_stop(); /* before the daemons: none may hold a suspended connection */
	daemon_stop(http_d);
	tls_daemon_stop(&h.old);
	tls_daemon_stop(&h.cur);
	signals_restore(&old_pipe);
	if (rc == 0)
		fprintf(stderr, "privca: stopped\n");
	return rc;
}
