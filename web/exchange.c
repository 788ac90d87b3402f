/*
 * The code in this file implements exchange.h: one request from its
 * request line to libmicrohttpd's completion notice. The refusals that
 * come before a body is read (a head over the limits, a NUL in the path,
 * credentials in clear from another host, a declared body over the cap),
 * the request body cap (a chunked body over it answered 413 at once),
 * the dispatch to the route table, the answer turned into libmicrohttpd's
 * response, and the request log line. What a stop waits for is counted
 * here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "exchange.h"
#include "http/auth.h"
#include "http/daemon.h"
#include "http/guard.h"
#include "http/mhd_calls.h"
#include "http/park.h"
#include "metrics.h"
#include "routes.h"
#include "sockaddr.h"

/* The request head: over URI_MAX bytes of path and query get 414, over
 * HEAD_MAX bytes of request line and headers 431, both as problem+json
 * (http/daemon.c gives libmicrohttpd a larger pool so that it is this file
 * that answers). */
#define URI_MAX	 (8 * 1024)
#define HEAD_MAX (16 * 1024)

/* A chunked body over the cap is answered 413 at once (written to the
 * connection here: libmicrohttpd 0.9.75 queues no answer during an upload),
 * then read and dropped up to this much so the client reads the answer
 * rather than a reset, and cut past it. */
#define DISCARD_MAX (2 * 1024 * 1024)

/* One request, from its first callback to MHD's completion notice. */
struct exchange {
	struct MHD_Connection *conn;
	struct listener *l;
	struct timespec start;
	struct buf body;
	size_t seen;	/* body bytes received, kept or not */
	size_t uri_len; /* the raw request target, path and query */
	bool begun;	/* the handler's first call has been */
	bool too_large;
	bool answered;
	bool written;	       /* answered by answer_now: the connection is to be cut */
	bool receiving;	       /* in `receiving`: its body is still arriving */
	bool counted;	       /* in `inflight`: its body is complete and it is being answered */
	bool final_now;	       /* its wait could not be parked: answer when resumed */
	struct http_wait wait; /* the handler's, while its answer waits */
	long long wait_until;  /* mono_ms: its deadline, set by the first wait */
	int status;
	size_t bytes;
	char *method; /* escaped for the log */
	char *path;   /* escaped for the log */
	char token_name[128];
	char serial[33];		 /* issued or revoked */
	char peer[INET6_ADDRSTRLEN + 2]; /* the client's address, for the log */
};

/*
 * What a stop waits for: requests being answered, and requests whose body
 * is still arriving as long as some body bytes arrived lately. A client
 * that sent half a body and went quiet does not hold the stop up.
 */
static atomic_int inflight, receiving;
static atomic_llong last_body_ms; /* CLOCK_MONOTONIC, of the last body bytes */
#define QUIET_BODY_MS 2000
static atomic_bool stopping;

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
 * LOG_INPUT_MAX bytes of input, so at most LOG_FIELD_MAX bytes out. */
#define LOG_INPUT_MAX 300
#define LOG_FIELD_MAX (4 * LOG_INPUT_MAX + sizeof("..."))
static char *log_escape(const char *s)
{
	struct buf b = {0};
	size_t i;
	for (i = 0; s != NULL && s[i] && i < LOG_INPUT_MAX; i++) {
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

/* The client's address as text ("-" if unknown). */
static void peer_text(struct MHD_Connection *c, char out[INET6_ADDRSTRLEN + 2])
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;
	strcpy(out, "-");
	if (sa != NULL && sa->sa_family == AF_INET)
		(void)inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
				out, INET6_ADDRSTRLEN);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		(void)inet_ntop(AF_INET6,
				&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
				INET6_ADDRSTRLEN);
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
	if (w->serial[0] != '\0')
		memcpy(x->serial, w->serial, sizeof(x->serial));
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

/* The connection's deadlines (http/guard.h), set when it was accepted. */
static struct guard_conn *guard_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *i =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return i == NULL ? NULL : i->socket_context;
}

/* Write all of data to the connection within WRITE_WAIT_MS: on the socket,
 * or through the TLS session. */
#define WRITE_WAIT_MS 1000
static bool write_all(struct exchange *x, const char *data, size_t len)
{
	const union MHD_ConnectionInfo *fdi =
	    MHD_get_connection_info(x->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	const union MHD_ConnectionInfo *tlsi =
	    x->l->tls ? MHD_get_connection_info(x->conn, MHD_CONNECTION_INFO_GNUTLS_SESSION) : NULL;
	if (fdi == NULL || (x->l->tls && (tlsi == NULL || tlsi->tls_session == NULL)))
		return false;
	long long until = mono_ms() + WRITE_WAIT_MS;
	while (len > 0) {
		ssize_t n;
		if (tlsi != NULL) {
			n = gnutls_record_send((gnutls_session_t)tlsi->tls_session, data, len);
			if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
				n = -1, errno = EAGAIN;
			else if (n < 0)
				return false;
		} else {
			n = send(fdi->connect_fd, data, len, MSG_NOSIGNAL);
		}
		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			return false;
		long long left = until - mono_ms();
		if (left <= 0)
			return false;
		struct pollfd pfd = {fdi->connect_fd, POLLOUT, 0};
		(void)poll(&pfd, 1, (int)left);
	}
	return true;
}

/*
 * Answer a problem while the body is still arriving, which libmicrohttpd
 * 0.9.75 cannot: the answer (Connection: close) is written to the
 * connection here, and the connection is cut once the client stops sending
 * or DISCARD_MAX bytes have come (take_body, dispatch).
 */
static enum MHD_Result answer_now(struct exchange *x, int status, const char *code,
				  const char *detail)
{
	struct http_resp w = {0};
	struct buf out = {0};
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	enum MHD_Result ret = MHD_NO;
	http_problem_code(&w, status, code, detail);
	if (w.body.failed || gmtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
		goto out;
	buf_printf(&out,
		   "HTTP/1.1 %d %s\r\nDate: %s\r\nConnection: close\r\n"
		   "Content-Type: %s\r\nX-Content-Type-Options: nosniff\r\n"
		   "Content-Length: %zu\r\n\r\n",
		   status, MHD_get_reason_phrase_for((unsigned)status), date, w.content_type,
		   w.body.len);
	buf_add(&out, w.body.data, w.body.len);
	if (out.failed || !write_all(x, out.data, out.len))
		goto out;
	metrics_refusal(code);
	x->status = status;
	x->bytes += out.len;
	x->answered = x->written = true;
	guard_linger(guard_of(x->conn), mono_ms());
	ret = MHD_YES;
out:
	buf_free(&out);
	http_resp_clear(&w);
	return ret;
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

/* The request line is in (before its headers): the exchange starts here,
 * so that on_completed logs even a request libmicrohttpd refuses itself. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct exchange *x = calloc(1, sizeof(*x));
	if (x == NULL)
		return NULL;
	x->conn = c;
	x->l = cls;
	clock_gettime(CLOCK_MONOTONIC, &x->start);
	x->uri_len = uri != NULL ? strlen(uri) : 0;
	peer_text(c, x->peer);
	x->receiving = true;
	atomic_fetch_add(&receiving, 1);
	atomic_store(&last_body_ms, mono_ms());
	return x;
}

/* The first call for a request, its head complete: the refusals that come
 * before reading a body (a head over the limits, a NUL in the path,
 * credentials in clear from another host, a declared body over the cap). */
static enum MHD_Result begin_exchange(struct exchange *x, struct MHD_Connection *c, const char *url,
				      const char *method)
{
	struct listener *l = x->l;
	x->begun = true;
	guard_head_done(guard_of(c), mono_ms());
	x->method = log_escape(method);
	x->path = log_escape(url);
	if (x->method == NULL || x->path == NULL)
		return MHD_NO;

	const union MHD_ConnectionInfo *hs =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	if (x->uri_len > URI_MAX)
		return answer_problem(x, 414, "uri-too-long",
				      "The request target is over 8 KiB; no path or query of "
				      "this service is that long.");
	if (hs != NULL && hs->header_size > HEAD_MAX)
		return answer_problem(x, 431, "header-too-large",
				      "The request line and headers are over 16 KiB; send "
				      "smaller headers.");
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

/* One chunk of the body: kept up to the cap; past it (a chunked body
 * declares no length) answered 413 at once, then counted and dropped. */
static enum MHD_Result take_body(struct exchange *x, const char *data, size_t n)
{
	x->seen += n;
	atomic_store(&last_body_ms, mono_ms());
	if (x->seen > DISCARD_MAX)
		return MHD_NO; /* a client that keeps streaming past 413 */
	if (x->answered)
		return MHD_YES;
	if (x->body.len + n > HTTP_BODY_MAX) {
		x->too_large = true;
		buf_free(&x->body);
		return answer_now(x, 413, "payload-too-large",
				  "The request body is over 64 KiB; a CSR is a few KiB.");
	}
	buf_add(&x->body, data, n);
	return MHD_YES;
}

/* The handler's wait is over: its context freed. */
static void wait_end(struct exchange *x)
{
	if (x->wait.free != NULL && x->wait.ctx != NULL)
		x->wait.free(x->wait.ctx);
	x->wait = (struct http_wait){0};
}

/* The park's resume: the connection goes back to libmicrohttpd, which
 * calls on_request (dispatch) again on a worker thread. */
static void park_resumed(void *item)
{
	MHD_resume_connection(((struct exchange *)item)->conn);
}

void http_wake(const char *key)
{
	park_wake(park_key(key));
}

/* The whole request is in: route it and answer, or let it wait (the
 * handler set w.wait) suspended in the park, and answer when resumed. */
static enum MHD_Result dispatch(struct exchange *x, struct MHD_Connection *c, const char *url,
				const char *method)
{
	struct listener *l = x->l;
	if (x->written)
		return MHD_NO; /* answered by answer_now: cut */
	if (x->answered)
		return MHD_YES;
	if (x->too_large)
		return answer_problem(x, 413, "payload-too-large",
				      "The request body is over 64 KiB; a CSR is a few KiB.");
	if (x->body.failed)
		return answer_problem(x, 500, "internal", "Out of memory reading the request.");

	/* In flight from here: a stop waits for it. A client still sending a
	 * body (or one that went quiet half-way) does not hold the stop up. */
	if (!x->counted) {
		x->counted = true;
		guard_body_done(guard_of(c));
		atomic_fetch_add(&inflight, 1);
		x->receiving = false;
		atomic_fetch_sub(&receiving, 1);
	}
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
	for (;;) {
		struct http_resp w = {0};
		uint64_t epoch = park_epoch();
		bool final = false;
		if (x->wait.resume == NULL) {
			routes_dispatch(&r, &w);
		} else {
			final =
			    x->final_now || atomic_load(&stopping) || mono_ms() >= x->wait_until;
			x->wait.resume(x->wait.ctx, &r, &w, final);
		}
		if (w.wait.resume == NULL || final) {
			if (w.wait.resume != NULL) {
				fprintf(stderr, "privca: handler for %s %s waited past its end\n",
					x->method, x->path);
				http_resp_clear(&w);
				http_problem(&w, CA_ERR_INTERNAL, "the answer waited past its end");
			}
			wait_end(x);
			return answer(x, &w);
		}
		if (x->wait.ctx != NULL && x->wait.ctx != w.wait.ctx)
			wait_end(x);
		if (x->wait.resume == NULL)
			x->wait_until = mono_ms() + w.wait.max_ms;
		x->wait = w.wait;
		http_resp_clear(&w);
		x->final_now = atomic_load(&stopping) || mono_ms() >= x->wait_until;
		if (x->final_now)
			continue;
		/* Suspended before it is parked, so the park's resume always
		 * finds it suspended. */
		MHD_suspend_connection(c);
		if (!park_add(x, park_key(x->wait.key), epoch, x->wait_until)) {
			x->final_now = true; /* too many wait: answer as things are */
			MHD_resume_connection(c);
		}
		return MHD_YES;
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct exchange *x = *con_cls;
	(void)cls;
	(void)version;
	if (x == NULL)
		return MHD_NO; /* on_uri was out of memory */
	if (!x->begun)
		return begin_exchange(x, c, url, method);
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		return take_body(x, upload_data, n);
	}
	return dispatch(x, c, url, method);
}

/* Now as RFC 3339 in UTC with milliseconds: 2026-12-07T03:13:11.123Z. */
static void log_time(char out[40])
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (gmtime_r(&ts.tv_sec, &tm) == NULL || strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		strcpy(out, "-");
		return;
	}
	size_t n = strlen(out);
	snprintf(out + n, 40 - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/*
 * The request's line in the log. A request whose head never came is no
 * line: guard.c sums those up. Fields (issue 13 item 9): time (RFC 3339,
 * UTC), listener, peer, method, path, status, bytes, microseconds, token,
 * serial. One write(2) per line, so that lines never mix, and no stdio:
 * fprintf holds stderr's lock across its write, and at 90,000 requests a
 * second the workers queued on that lock (two futex calls a request).
 */
static void log_line(const struct exchange *x, int64_t usec, enum MHD_RequestTerminationCode toe)
{
	/* method and path (log_escape), the other fields bounded by their arrays */
	char when[40], line[2 * LOG_FIELD_MAX + sizeof(x->token_name) + sizeof(x->serial) +
			    sizeof(x->peer) + 128];
	log_time(when);
	int n = snprintf(line, sizeof(line), "%s %s %s %s %s %d %zu %lldus %s %s%s\n", when,
			 x->l->name, x->peer[0] ? x->peer : "-", x->method ? x->method : "-",
			 x->path ? x->path : "-", x->answered ? x->status : 0, x->bytes,
			 (long long)usec, x->token_name[0] ? x->token_name : "-",
			 x->serial[0] ? x->serial : "-",
			 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) { /* cut, still one line */
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	for (const char *p = line; n > 0;) {
		ssize_t k = write(STDERR_FILENO, p, (size_t)n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		p += k;
		n -= (int)k;
	}
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct exchange *x = *con_cls;
	(void)cls;
	if (x == NULL)
		return;
	*con_cls = NULL;
	guard_request_done(guard_of(c), mono_ms());

	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t usec = (int64_t)(now.tv_sec - x->start.tv_sec) * 1000000 +
		       (now.tv_nsec - x->start.tv_nsec) / 1000;
	if (usec < 0)
		usec = 0;
	if (x->answered)
		metrics_request(x->status, (uint64_t)usec);
	if (x->begun || x->answered)
		log_line(x, usec, toe);
	if (x->wait.ctx != NULL) {
		(void)park_remove(x); /* never there while MHD holds it: defence */
		wait_end(x);
	}
	buf_free(&x->body);
	free(x->method);
	free(x->path);
	if (x->counted)
		atomic_fetch_sub(&inflight, 1);
	if (x->receiving)
		atomic_fetch_sub(&receiving, 1);
	free(x);
}

const struct daemon_calls exchange_calls = {on_request, on_completed, on_uri};

void exchange_stopping(bool on)
{
	atomic_store(&stopping, on);
	if (on)
		park_wake(0); /* every waiting answer is given now */
}

bool exchange_start(void)
{
	return park_start(park_resumed);
}

void exchange_stop(void)
{
	park_stop();
}

bool exchange_busy(void)
{
	return atomic_load(&inflight) > 0 ||
	       (atomic_load(&receiving) > 0 &&
		mono_ms() - atomic_load(&last_body_ms) < QUIET_BODY_MS);
}
