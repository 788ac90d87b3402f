/*
 * The code in this file implements daemon.h: one libmicrohttpd daemon
 * started with the service's limits (connections in all and per address,
 * the idle timeout, the request head's memory, TLS priorities), the
 * connections' deadlines (http/guard.h) hooked to its accept and close,
 * the percent-decoding that refuses a NUL, and libmicrohttpd's own
 * messages, counted when they repeat.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "http/daemon.h"
#include "http/guard.h"
#include "http/mhd_calls.h"
#include "sockaddr.h"

/*
 * Limits. The total is bounded by the file descriptors available. One
 * address may hold a sixth of it: generous, because every loopback client
 * (reverse proxy, tests, the bench) shares one address, yet four addresses
 * holding all they may leave a third for everyone else (issue 13 item 3).
 * Slow clients are bounded by http/guard.h's deadlines on top of the idle
 * timeout.
 */
#define PER_IP_SHARE   6
#define LISTEN_BACKLOG 1024
/* libmicrohttpd's pool per connection: larger than the request head
 * exchange.c accepts (URI_MAX, HEAD_MAX) so that it is exchange.c that
 * answers 414 and 431; a head too big even for the pool gets
 * libmicrohttpd's own short 431 (its answers cannot be changed), and is
 * cut all the same. libmicrohttpd clears the pool for each request on a
 * kept-alive connection: 64 KiB of it held OCSP at 93-96k/s, 32 KiB gives
 * 104-106k/s (scripts/bench revocation, c=16). */
#define CONN_MEMORY (32 * 1024)
/* TLS 1.3, and TLS 1.2 with ECDHE and AEAD suites only (AES-GCM,
 * ChaCha20-Poly1305): no CBC, no SHA-1 MACs, no RSA key exchange. */
#define TLS_PRIORITIES                                                                             \
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:"        \
	"+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA"

long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Accepted and closed connections: their deadlines (http/guard.h). */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		guard_close(*socket_context);
		*socket_context = NULL;
		return;
	}
	const union MHD_ConnectionInfo *fd =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	const union MHD_ConnectionInfo *peer =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (fd != NULL)
		*socket_context =
		    guard_open(fd->connect_fd, peer ? peer->client_addr : NULL, mono_ms());
}

/*
 * libmicrohttpd's own messages; fmt comes from the library, never a client.
 * A message that comes again (the same format: a connection refused at the
 * limit, say) within LOG_REPEAT_MS is counted, not written: an attack makes
 * one line a minute, not one per connection (issue 13 item 9).
 */
#define LOG_REPEAT_MS 60000
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	const char *fmt;
	long long since_ms;
	unsigned repeats;
} last_log;

/* Under log_mu: say how often the last message came again, if it did. */
static void log_repeats(long long now_ms)
{
	if (last_log.repeats > 0)
		fprintf(stderr,
			"privca: libmicrohttpd: the message above came %u more times in %lld s\n",
			last_log.repeats, (now_ms - last_log.since_ms) / 1000);
	last_log.repeats = 0;
	last_log.since_ms = now_ms;
}

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	long long now = mono_ms();
	(void)cls;
	pthread_mutex_lock(&log_mu);
	if (fmt == last_log.fmt && now - last_log.since_ms < LOG_REPEAT_MS) {
		last_log.repeats++;
		pthread_mutex_unlock(&log_mu);
		return;
	}
	log_repeats(now);
	last_log.fmt = fmt;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	fprintf(stderr, "privca: libmicrohttpd: %s\n", msg);
	pthread_mutex_unlock(&log_mu);
}

void daemon_sweep(void)
{
	long long now = mono_ms();
	(void)guard_sweep(now);
	pthread_mutex_lock(&log_mu);
	if (last_log.repeats > 0 && now - last_log.since_ms >= LOG_REPEAT_MS)
		log_repeats(now);
	pthread_mutex_unlock(&log_mu);
}

/*
 * Percent-decoding of the path and query values. A %00 would cut the C
 * string the handlers see (/static/style.css%00.pem would serve the
 * stylesheet): such a path becomes empty, which exchange.c answers with
 * 400, and such a query value becomes empty.
 */
static size_t unescape(void *cls, struct MHD_Connection *c, char *uri)
{
	(void)cls;
	(void)c;
	size_t n = MHD_http_unescape(uri);
	if (memchr(uri, '\0', n) != NULL) {
		uri[0] = '\0';
		return 0;
	}
	return n;
}

/* The port of a parsed listen address. */
static uint16_t port_of(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6
		   ? ntohs(((const struct sockaddr_in6 *)(const void *)ss)->sin6_port)
		   : ntohs(((const struct sockaddr_in *)(const void *)ss)->sin_port);
}

/* Start a daemon on spec, or on fd (a quiesced daemon's listening socket). */
struct MHD_Daemon *daemon_start(struct listener *l, const char *spec, unsigned threads,
				unsigned conn_limit, const char *key, const char *cert, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	if (!sockaddr_parse_listen(spec, &ss, &sslen)) {
		fprintf(stderr, "privca: cannot parse listen address '%s' (want ADDR:PORT)\n",
			spec);
		return NULL;
	}
	unsigned flags =
	    MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (l->tls)
		flags |= MHD_USE_TLS;
	struct MHD_OptionItem tls_opts[] = {
	    {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)key},
	    {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cert},
	    {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES},
	    {MHD_OPTION_END, 0, NULL},
	    {MHD_OPTION_END, 0, NULL},
	};
	struct MHD_OptionItem no_opts[] = {{MHD_OPTION_END, 0, NULL}, {MHD_OPTION_END, 0, NULL}};
	if (fd >= 0) {
		struct MHD_OptionItem *end = l->tls ? &tls_opts[3] : &no_opts[0];
		*end = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, (intptr_t)fd, NULL};
	}
	const struct daemon_calls *k = l->calls;
	struct MHD_Daemon *d = MHD_start_daemon(
	    flags, port_of(&ss), NULL, NULL, k->request, l, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
	    NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
	    threads, MHD_OPTION_CONNECTION_LIMIT, conn_limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    conn_limit / PER_IP_SHARE > 16 ? conn_limit / PER_IP_SHARE : 16u,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)DAEMON_CONN_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY, MHD_OPTION_LISTEN_BACKLOG_SIZE,
	    (unsigned)LISTEN_BACKLOG, MHD_OPTION_NOTIFY_COMPLETED, k->completed, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL, MHD_OPTION_URI_LOG_CALLBACK, k->uri,
	    l, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_ARRAY,
	    l->tls ? tls_opts : no_opts, MHD_OPTION_END);
	if (d == NULL)
		fprintf(stderr, "privca: cannot listen on %s (%s): %s\n", spec, l->name,
			errno ? strerror(errno) : "libmicrohttpd refused the options");
	return d;
}

void daemon_stop(struct MHD_Daemon *d)
{
	if (d != NULL)
		MHD_stop_daemon(d);
}

int daemon_quiesce(struct MHD_Daemon *d)
{
	MHD_socket fd = MHD_quiesce_daemon(d);
	return fd == MHD_INVALID_SOCKET ? -1 : (int)fd;
}

unsigned daemon_connections(struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return i == NULL ? 0 : i->num_connections;
}

/* The check daemon serves nothing: no socket, so no request comes. */
static enum MHD_Result refuse_all(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_size, void **con_cls)
{
	(void)cls, (void)c, (void)url, (void)method, (void)version, (void)data;
	(void)data_size, (void)con_cls;
	return MHD_NO;
}

bool daemon_tls_pair_usable(const char *key, const char *cert)
{
	struct MHD_Daemon *d =
	    MHD_start_daemon(MHD_USE_TLS | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG, 0, NULL,
			     NULL, refuse_all, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			     MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_HTTPS_MEM_CERT, cert,
			     MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES, MHD_OPTION_END);
	if (d == NULL)
		return false;
	MHD_stop_daemon(d);
	return true;
}

/* The descriptors this process may open, the soft limit raised to the
 * hard one first. */
static unsigned fd_budget(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1000000 ? 1000000
								     : (unsigned)rl.rlim_cur;
}

unsigned daemon_connection_limit(void)
{
	unsigned budget = fd_budget();
	unsigned conn_limit = budget > 256 ? (budget - 128) / 3 : 64;
	return conn_limit > DAEMON_CONN_LIMIT ? DAEMON_CONN_LIMIT : conn_limit;
}
