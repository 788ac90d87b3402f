/*
 * The service's view of one HTTP exchange, independent of libmicrohttpd:
 * handlers (api.c, pages/, artifacts.c, ...) read a struct http_req and fill
 * a struct http_resp; exchange.c turns them into libmicrohttpd calls. The
 * request's accessors go through r->ops, set by exchange.c (or by a test), so
 * no handler calls into exchange.c.
 */
#ifndef PRIVCA_HTTP_H
#define PRIVCA_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "privca/ca.h"

/* A growable byte buffer (http/buf.c); errors are sticky (failed) like the
 * DER writer. The one growable buffer of web/. data is owned (buf_free). */
struct buf {
	char *data;
	size_t len, cap;
	bool failed;
};

void buf_free(struct buf *b);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
/* printf into the buffer. Never with text from a request or a certificate
 * into HTML: use html.h for that. */
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define HTTP_MAX_PARAMS	 4
#define HTTP_MAX_HEADERS 16

struct http_req;

/* How a handler reads the parts of a request it does not get as fields.
 * Returned strings live as long as the request. */
struct http_ops {
	/* A request header (case-insensitive name) or NULL. */
	const char *(*header)(const struct http_req *r, const char *name);
	/* A query argument or NULL. */
	const char *(*query)(const struct http_req *r, const char *name);
	/* Every value of a repeatable query argument; the count, at most max. */
	size_t (*query_all)(const struct http_req *r, const char *name, const char **out,
			    size_t max);
};

struct http_req {
	const struct http_ops *ops;
	const char *method;  /* "GET", "POST", ... */
	const char *path;    /* URL path, percent-decoded, no query, no NUL inside */
	const uint8_t *body; /* NULL when there is none */
	size_t body_len;
	const char *params[HTTP_MAX_PARAMS]; /* path captures, e.g. the serial */
	size_t nparams;
	bool tls;      /* came in over HTTPS */
	bool loopback; /* peer address is 127.0.0.0/8 or ::1 */
	struct ca *ca;
	void *conn; /* the ops' private handle */
};

static inline const char *http_header(const struct http_req *r, const char *name)
{
	return r->ops->header(r, name);
}
static inline const char *http_query(const struct http_req *r, const char *name)
{
	return r->ops->query(r, name);
}
/* Every value of a repeatable query argument (?san=a&san=b); returns the
 * count, at most max. */
static inline size_t http_query_all(const struct http_req *r, const char *name, const char **out,
				    size_t max)
{
	return max ? r->ops->query_all(r, name, out, max) : 0;
}

/*
 * A body made while it is sent, for answers too big to hold (the CSV of
 * every certificate). fill appends the next piece to b and returns true,
 * or returns false when there is no more; leaving b->failed set cuts the
 * answer short (a chunked body without its end, which clients report as
 * truncated). done frees ctx, once, also when the client goes away early.
 * What is already in http_resp.body is sent first.
 */
struct http_stream {
	bool (*fill)(void *ctx, struct buf *b);
	void (*done)(void *ctx);
	void *ctx;
};

/*
 * An answer that waits (http/park.h): a handler that cannot answer yet
 * leaves status 0 and sets resume (and ctx, free, key, max_ms) instead.
 * The exchange then waits, holding no worker thread, until http_wake(key)
 * or max_ms after the first wait began, and calls resume on a worker
 * thread with a fresh w: it answers, or, when final is false, may set
 * w->wait again (the same ctx) to wait longer, within the same deadline
 * (the exchange keeps it). final is true once the deadline has passed,
 * while the service stops, or when too many answers wait already: it must
 * answer.
 * The exchange owns ctx from the first wait on and calls free(ctx) once,
 * after the answer or when the connection goes. Where no exchange waits
 * (a test calling a handler), resume is called at once with final true.
 */
struct http_resp;
struct http_wait {
	void (*resume)(void *ctx, const struct http_req *r, struct http_resp *w, bool final);
	void (*free)(void *ctx);
	void *ctx;
	char key[64]; /* what it waits for: http_wake(key) ends the wait */
	int max_ms;   /* the longest wait, counted from the first */
};

/* End the waits for key (http/park.c). Any thread. */
void http_wake(const char *key);

struct http_resp {
	int status;
	const char *content_type; /* static string */
	struct buf body;
	struct http_stream stream; /* fill == NULL: body is the whole answer */
	struct {
		const char *name; /* static string */
		char *value;	  /* owned */
	} headers[HTTP_MAX_HEADERS];
	size_t nheaders;
	/* A header could not be added (table full or out of memory): the
	 * answer is replaced by a 500 rather than sent without it. */
	bool headers_failed;
	char token_name[128]; /* for the request log, "" if none */
	char serial[33];      /* issued or revoked, for the request log, "" if none */
	enum ca_err err;      /* for metrics: the error answered, CA_OK if none */
	/* The refusal answered (a problem code, static), counted once by
	 * exchange.c when the answer is sent; NULL if none. */
	const char *refusal;
	struct http_wait wait; /* resume == NULL: the answer is in w */
};

/*
 * Add a response header (value copied). False when the table is full
 * (HTTP_MAX_HEADERS) or memory ran out; w->headers_failed is then set and
 * exchange.c answers 500 instead of a response missing a header.
 */
bool http_set_header(struct http_resp *w, const char *name, const char *value);
/* Free everything w holds (headers, body, stream) and zero it, keeping
 * token_name and serial for the log. */
void http_resp_clear(struct http_resp *w);
/* Record the token's name for the request log. */
void http_resp_token(struct http_resp *w, const struct ca_token *tok);
/* Record the serial issued or revoked for the request log (serial: 32 hex
 * digits; anything longer is not recorded). */
void http_resp_serial(struct http_resp *w, const char *serial);

/*
 * Answer with an RFC 9457 problem+json: type urn:privca:error:CODE, title,
 * status and detail. The status and code come from err through the one
 * mapping table (http/problem.c: http_status_of); detail is a sentence for
 * a person.
 */
void http_problem(struct http_resp *w, enum ca_err err, const char *detail);
/* The same for codes that are not core errors: "not-found", "method-not-allowed",
 * "payload-too-large", "unsupported-media-type", "https-required",
 * "uri-too-long", "header-too-large". */
void http_problem_code(struct http_resp *w, int status, const char *code, const char *detail);

/* The same with every field given (all static or copied). */
void http_problem_titled(struct http_resp *w, int status, const char *code, const char *title,
			 const char *detail);

/* Status code for a core error (the one mapping, cfssl's handleError). */
int http_status_of(enum ca_err err);
/* Problem code of a core error ("bad-csr", "internal"). Static. */
const char *http_code_of(enum ca_err err);
/* Title of a core error's problem ("The CSR could not be read"). Static. */
const char *http_title_of(enum ca_err err);

typedef void (*http_handler)(const struct http_req *r, struct http_resp *w);

#endif
