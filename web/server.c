/*
 * The code in this file implements server.h and the helpers of http.h: the
 * two libmicrohttpd daemons (plain HTTP and HTTPS), the request body cap,
 * the https-required rule, the request log, the one mapping from enum
 * ca_err to HTTP status and problem type, and the clean stop on SIGINT or
 * SIGTERM. It is the only file that includes microhttpd.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "daemon.h"
#include "http/auth.h"
#include "metrics.h"
#include "routes.h"
#include "server.h"
#include "sockaddr.h"
#include "tls_listener.h"

/*
 * Limits. The per-IP limit is generous because every loopback client
 * (reverse proxy, tests, the bench) shares one address; the total is
 * further bounded by the file descriptors available.
 */
#define CONN_LIMIT     4096
#define PER_IP_LIMIT   1024
#define CONN_TIMEOUT_S 20
#define CONN_MEMORY    (32 * 1024) /* request line + headers; more gets 431 */
#define LISTEN_BACKLOG 1024
/* A chunked body over the cap cannot be answered before its end
 * (libmicrohttpd 0.9.75 queues no answer during an upload): it is read
 * and dropped up to this much for a 413, and the connection is cut past
 * it. */
#define DISCARD_MAX	 (2 * 1024 * 1024)
#define STOP_GRACE_MS	 10000
#define WORKERS_PER_CORE 4
/* TLS 1.3, and TLS 1.2 with ECDHE and AEAD suites only (AES-GCM,
 * ChaCha20-Poly1305): no CBC, no SHA-1 MACs, no RSA key exchange. */
#define TLS_PRIORITIES                                                                             \
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:"        \
	"+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA"
#define RETIRE_MS (2 * CONN_TIMEOUT_S * 1000) /* a replaced daemon's last connections */

/* One request, from its first callback to MHD's completion notice. */
struct exchange {
	struct MHD_Connection *conn;
	struct listener *l;
	struct timespec start;
	struct buf body;
	size_t seen; /* body bytes received, kept or not */
	bool too_large;
	bool answered;
	bool receiving; /* in `receiving`: its body is still arriving */
	bool counted;	/* in `inflight`: its body is complete and it is being answered */
	int status;
	size_t bytes;
	char *method; /* escaped for the log */
	char *path;   /* escaped for the log */
	char token_name[128];
};

/*
 * What a stop waits for: requests being answered, and requests whose body
 * is still arriving as long as some body bytes arrived lately. A client
 * that sent half a body and went quiet does not hold the stop up.
 */
static atomic_int inflight, receiving;
static atomic_llong last_body_ms; /* CLOCK_MONOTONIC, of the last body bytes */
#define QUIET_BODY_MS 2000

long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
static atomic_bool stopping;
static int sig_pipe[2] = {-1, -1};

/* ---- request accessors ------------------------------------------------ */

static struct MHD_Connection *conn_of(const struct http_req *r)
{
	return ((struct exchange *)r->conn)->conn;
}

static const char *req_header(const struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(conn_of(r), MHD_HEADER_KIND, name);
}

static const char *req_query(const struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(conn_of(r), MHD_GET_ARGUMENT_KIND, name);
}

struct query_all {
	const char *name;
	const char **out;
	size_t max, n;
};

static enum MHD_Result query_one(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	struct query_all *q = cls;
	(void)kind;
	if (key != NULL && value != NULL && strcmp(key, q->name) == 0) {
		if (q->n >= q->max)
			return MHD_NO;
		q->out[q->n++] = value;
	}
	return MHD_YES;
}

static size_t req_query_all(const struct http_req *r, const char *name, const char **out,
			    size_t max)
{
	struct query_all q = {name, out, max, 0};
	if (max == 0)
		return 0;
	MHD_get_connection_values(conn_of(r), MHD_GET_ARGUMENT_KIND, query_one, &q);
	return q.n;
}

static const struct http_ops server_ops = {req_header, req_query, req_query_all};

/* ---- libmicrohttpd glue ------------------------------------------------- */

/* Copy s for the log: printable ASCII kept, anything else \xHH, at most
 * 300 bytes of input. */
static char *log_escape(const char *s)
{
	struct buf b = {0};
	size_t i;
	for (i = 0; s != NULL && s[i] && i < 300; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c > 0x20 && c < 0x7f && c != '\\' && c != '"')
			buf_add(&b, &s[i], 1);
		else
			buf_printf(&b, "\\x%02x", c);
	}
	if (s != NULL && s[i])
		buf_puts(&b, "...");
	if (b.len == 0)
		buf_puts(&b, "-");
	if (b.failed) {
		buf_free(&b);
		return NULL;
	}
	return b.data;
}

static bool peer_is_loopback(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	return ci != NULL && ci->client_addr != NULL && sockaddr_is_loopback(ci->client_addr);
}

/* A streamed body on its way out: what fill made, sent from off. */
struct stream_out {
	struct http_stream src;
	struct buf piece;
	size_t off;
	bool end;
	size_t *bytes; /* the exchange's byte count, for the request log */
};

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct stream_out *s = cls;
	(void)pos;
	while (s->off == s->piece.len) {
		if (s->end)
			return MHD_CONTENT_READER_END_OF_STREAM;
		s->piece.len = s->off = 0;
		s->end = !s->src.fill(s->src.ctx, &s->piece);
		if (s->piece.failed)
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	size_t n = s->piece.len - s->off < max ? s->piece.len - s->off : max;
	memcpy(out, s->piece.data + s->off, n);
	s->off += n;
	*s->bytes += n;
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream_out *s = cls;
	if (s->src.done != NULL)
		s->src.done(s->src.ctx);
	buf_free(&s->piece);
	free(s);
}

/* The MHD response for w: its buffer, or its stream (which it takes over). */
static struct MHD_Response *response_of(struct exchange *x, struct http_resp *w, size_t *len)
{
	*len = w->body.failed ? 0 : w->body.len;
	if (w->stream.fill == NULL) {
		struct MHD_Response *r = MHD_create_response_from_buffer(
		    *len, *len ? w->body.data : NULL, MHD_RESPMEM_MUST_FREE);
		if (r != NULL && *len)
			w->body.data = NULL; /* MHD frees it */
		return r;
	}
	struct stream_out *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->src = w->stream;
	s->piece = w->body; /* sent first */
	s->bytes = &x->bytes;
	struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024,
								   stream_read, s, stream_free);
	if (r == NULL) {
		free(s);
		return NULL;
	}
	w->stream = (struct http_stream){0};
	w->body = (struct buf){0};
	*len = 0; /* counted as it is sent */
	return r;
}

static enum MHD_Result answer(struct exchange *x, struct http_resp *w)
{
	if (w->status < 100 || w->status > 599) {
		fprintf(stderr, "privca: handler for %s %s set no status\n", x->method, x->path);
		http_resp_clear(w);
		http_problem(w, CA_ERR_INTERNAL, "handler set no status");
	}
	if (w->body.failed) {
		http_resp_clear(w);
		http_problem(w, CA_ERR_NOMEM, "out of memory building the response");
	}
	if (w->headers_failed) {
		/* Never an answer without a header its handler set. */
		fprintf(stderr, "privca: handler for %s %s set more than %d headers\n", x->method,
			x->path, HTTP_MAX_HEADERS);
		http_resp_clear(w);
		http_problem(w, CA_ERR_INTERNAL, "too many response headers");
	}
	if (w->refusal != NULL)
		metrics_refusal(w->refusal);
	size_t len;
	struct MHD_Response *resp = response_of(x, w, &len);
	if (resp == NULL) {
		http_resp_clear(w);
		return MHD_NO;
	}
	buf_free(&w->body);
	if (w->content_type != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, w->content_type);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	for (size_t i = 0; i < w->nheaders; i++)
		(void)MHD_add_response_header(resp, w->headers[i].name, w->headers[i].value);
	if (atomic_load(&stopping))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	enum MHD_Result ret = MHD_queue_response(x->conn, (unsigned)w->status, resp);
	MHD_destroy_response(resp);
	x->status = w->status;
	x->bytes += len;
	x->answered = true;
	if (w->token_name[0] != '\0')
		memcpy(x->token_name, w->token_name, sizeof(x->token_name));
	http_resp_clear(w);
	return ret;
}

static enum MHD_Result answer_problem(struct exchange *x, int status, const char *code,
				      const char *detail)
{
	struct http_resp w = {0};
	http_problem_code(&w, status, code, detail);
	return answer(x, &w);
}

static bool parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

/* The first call for a request: the exchange, and the refusals that come
 * before reading a body (a NUL in the path, credentials in clear from
 * another host, a declared body over the cap). */
static enum MHD_Result begin_exchange(struct listener *l, struct MHD_Connection *c, const char *url,
				      const char *method, void **con_cls)
{
	struct exchange *x = calloc(1, sizeof(*x));
	if (x == NULL)
		return MHD_NO;
	x->conn = c;
	x->l = l;
	clock_gettime(CLOCK_MONOTONIC, &x->start);
	x->receiving = true;
	atomic_fetch_add(&receiving, 1);
	atomic_store(&last_body_ms, mono_ms());
	x->method = log_escape(method);
	x->path = log_escape(url);
	*con_cls = x;
	if (x->method == NULL || x->path == NULL)
		return MHD_NO;

	if (url[0] == '\0')
		return answer_problem(x, 400, "bad-request",
				      "The path holds a NUL byte (%00), which no path "
				      "of this service has.");
	if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization") != NULL &&
	    http_creds_refused(l->tls, peer_is_loopback(c))) {
		struct http_resp w = {0};
		struct http_auth_error e;
		http_auth_https_required(&e);
		http_auth_problem(&w, &e);
		return answer(x, &w);
	}
	const char *cl =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	uint64_t n;
	if (cl != NULL && parse_size(cl, &n) && n > HTTP_BODY_MAX)
		return answer_problem(x, 413, "payload-too-large",
				      "The request body is over 64 KiB; a CSR is a few KiB.");
	return MHD_YES;
}

/* One chunk of the body: kept up to the cap, then counted and dropped. */
static enum MHD_Result take_body(struct exchange *x, const char *data, size_t n)
{
	if (x->answered)
		return MHD_YES;
	x->seen += n;
	atomic_store(&last_body_ms, mono_ms());
	if (x->seen > DISCARD_MAX)
		return MHD_NO; /* a client that keeps streaming past 413 */
	if (x->too_large)
		return MHD_YES;
	if (x->body.len + n > HTTP_BODY_MAX) {
		x->too_large = true;
		buf_free(&x->body);
		return MHD_YES;
	}
	buf_add(&x->body, data, n);
	return MHD_YES;
}

/* The whole request is in: route it and answer. */
static enum MHD_Result dispatch(struct exchange *x, struct MHD_Connection *c, const char *url,
				const char *method)
{
	struct listener *l = x->l;
	if (x->answered)
		return MHD_YES;
	if (x->too_large)
		return answer_problem(x, 413, "payload-too-large",
				      "The request body is over 64 KiB; a CSR is a few KiB.");
	if (x->body.failed)
		return answer_problem(x, 500, "internal", "Out of memory reading the request.");

	/* In flight from here: a stop waits for it. A client still sending a
	 * body (or one that went quiet half-way) does not hold the stop up. */
	x->counted = true;
	atomic_fetch_add(&inflight, 1);
	x->receiving = false;
	atomic_fetch_sub(&receiving, 1);
	struct http_req r = {
	    .ops = &server_ops,
	    .method = method,
	    .path = url,
	    .body = x->body.len ? (const uint8_t *)x->body.data : NULL,
	    .body_len = x->body.len,
	    .tls = l->tls,
	    .loopback = peer_is_loopback(c),
	    .ca = l->ca,
	    .conn = x,
	};
	struct http_resp w = {0};
	routes_dispatch(&r, &w);
	return answer(x, &w);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct exchange *x = *con_cls;
	(void)version;
	if (x == NULL)
		return begin_exchange(cls, c, url, method, con_cls);
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		return take_body(x, upload_data, n);
	}
	return dispatch(x, c, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct exchange *x = *con_cls;
	(void)cls;
	(void)c;
	if (x == NULL)
		return;
	*con_cls = NULL;

	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t usec = (int64_t)(now.tv_sec - x->start.tv_sec) * 1000000 +
		       (now.tv_nsec - x->start.tv_nsec) / 1000;
	if (usec < 0)
		usec = 0;
	if (x->answered)
		metrics_request(x->status, (uint64_t)usec);
	/* One fprintf per line: stdio locks the stream, lines never mix. */
	fprintf(stderr, "%s %s %s %d %zu %lldus %s%s\n", x->l->name, x->method ? x->method : "-",
		x->path ? x->path : "-", x->answered ? x->status : 0, x->bytes, (long long)usec,
		x->token_name[0] ? x->token_name : "-",
		toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
	buf_free(&x->body);
	free(x->method);
	free(x->path);
	if (x->counted)
		atomic_fetch_sub(&inflight, 1);
	if (x->receiving)
		atomic_fetch_sub(&receiving, 1);
	free(x);
}

/* libmicrohttpd's own messages; fmt comes from the library, never a client. */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	fprintf(stderr, "privca: libmicrohttpd: %s\n", msg);
}

/*
 * Percent-decoding of the path and query values. A %00 would cut the C
 * string the handlers see (/static/style.css%00.pem would serve the
 * stylesheet): such a path becomes empty, which on_request answers with
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
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (l->tls)
		flags |= MHD_USE_TLS;
	uint16_t port = ss.ss_family == AF_INET6
			    ? ntohs(((struct sockaddr_in6 *)(void *)&ss)->sin6_port)
			    : ntohs(((struct sockaddr_in *)(void *)&ss)->sin_port);

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

	struct MHD_Daemon *d = MHD_start_daemon(
	    flags, port, NULL, NULL, on_request, l, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_CONNECTION_LIMIT, conn_limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)PER_IP_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY, MHD_OPTION_LISTEN_BACKLOG_SIZE,
	    (unsigned)LISTEN_BACKLOG, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_ARRAY,
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

bool daemon_tls_pair_usable(const char *key, const char *cert)
{
	struct MHD_Daemon *d =
	    MHD_start_daemon(MHD_USE_TLS | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG, 0, NULL,
			     NULL, on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			     MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_HTTPS_MEM_CERT, cert,
			     MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES, MHD_OPTION_END);
	if (d == NULL)
		return false;
	MHD_stop_daemon(d);
	return true;
}

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	if (write(sig_pipe[1], &b, 1) < 0) {
		/* the pipe is full: a stop is already pending */
	}
	errno = saved;
}

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

/* Connections per daemon: descriptors are shared by HTTP, HTTPS, and a
 * replaced HTTPS daemon finishing its connections after a certificate
 * change. */
static unsigned connection_limit(void)
{
	unsigned budget = fd_budget();
	unsigned conn_limit = budget > 256 ? (budget - 128) / 3 : 64;
	return conn_limit > CONN_LIMIT ? CONN_LIMIT : conn_limit;
}

/* The self-pipe and the handlers of SIGINT, SIGTERM and SIGHUP; SIGPIPE
 * ignored (its old action into *old_pipe). False: no pipe, nothing set. */
static bool signals_install(struct sigaction *old_pipe)
{
	struct sigaction sa = {0};
	if (pipe(sig_pipe) != 0) {
		fprintf(stderr, "privca: pipe: %s\n", strerror(errno));
		return false;
	}
	for (int i = 0; i < 2; i++) {
		int fl = fcntl(sig_pipe[i], F_GETFL);
		(void)fcntl(sig_pipe[i], F_SETFL, fl | O_NONBLOCK);
		(void)fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, old_pipe);
	return true;
}

/* A second SIGINT/SIGTERM while the caller closes the store must not kill
 * the process half-way (a supervisor may well send two): ignore them from
 * now on; SIGKILL still works. Only then may the pipe close, so the handler
 * never writes to a reused descriptor. */
static void signals_restore(const struct sigaction *old_pipe)
{
	struct sigaction sa = {0};
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, old_pipe, NULL);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
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

/* Until SIGINT or SIGTERM: SIGHUP and the periodic check refresh the HTTPS
 * certificate, and a replaced daemon is retired once idle. */
static void serve_loop(struct https *h, bool want_https)
{
	long long next_check = mono_ms() + TLS_CHECK_MS;
	for (;;) {
		unsigned char b;
		struct pollfd pfd = {sig_pipe[0], POLLIN, 0};
		long long wait = next_check - mono_ms();
		if (h->old.d != NULL && wait > 1000)
			wait = 1000; /* look at the retiring daemon every second */
		if (poll(&pfd, 1, wait > 0 ? (int)wait : 0) < 0 && errno != EINTR) {
			fprintf(stderr, "privca: poll: %s\n", strerror(errno));
			return;
		}
		if (read(sig_pipe[0], &b, 1) == 1) {
			if (b == SIGHUP) {
				if (want_https)
					tls_refresh(h, true);
				continue;
			}
			fprintf(stderr, "privca: %s: finishing requests in flight, then stopping\n",
				b == SIGINT ? "SIGINT" : "SIGTERM");
			return;
		}
		if (mono_ms() >= next_check) {
			ca_validity_warn(h->l->ca);
			if (want_https)
				tls_refresh(h, false);
			next_check = mono_ms() + TLS_CHECK_MS;
		}
		tls_retire(h, false);
	}
}

/* Stop accepting, and let requests in flight finish (at most
 * STOP_GRACE_MS; a body gone quiet does not hold the stop up). */
static void drain(struct MHD_Daemon *http_d, struct MHD_Daemon *https_d)
{
	atomic_store(&stopping, true);
	struct MHD_Daemon *ds[2] = {http_d, https_d};
	for (int i = 0; i < 2; i++)
		if (ds[i] != NULL) {
			MHD_socket fd = MHD_quiesce_daemon(ds[i]);
			if (fd != MHD_INVALID_SOCKET)
				close(fd);
		}
	for (int waited = 0; waited < STOP_GRACE_MS; waited += 10) {
		bool busy = atomic_load(&inflight) > 0 ||
			    (atomic_load(&receiving) > 0 &&
			     mono_ms() - atomic_load(&last_body_ms) < QUIET_BODY_MS);
		if (!busy)
			break;
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
	struct listener lh = {ca, false, "http"}, ls = {ca, true, "https"};
	struct MHD_Daemon *http_d = NULL;
	struct https h = {.l = &ls, .spec = https, .threads = threads, .retire_ms = RETIRE_MS};
	struct sigaction old_pipe;

	if (!want_http && !want_https) {
		fprintf(stderr, "privca: neither --http nor --https is enabled\n");
		return 1;
	}
	/* Seed jansson's hash before threads exist (it is lazy otherwise). */
	json_object_seed(0);
	h.conn_limit = connection_limit();
	if (!signals_install(&old_pipe))
		return 1;
	atomic_store(&stopping, false);
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
	if (http_d != NULL)
		MHD_stop_daemon(http_d);
	tls_daemon_stop(&h.old);
	tls_daemon_stop(&h.cur);
	signals_restore(&old_pipe);
	if (rc == 0)
		fprintf(stderr, "privca: stopped\n");
	return rc;
}
