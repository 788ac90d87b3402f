/*
 * The service's view of one HTTP exchange, independent of libmicrohttpd:
 * handlers (api.c, pages.c, ocsp.c, ...) read a struct http_req and fill a
 * struct http_resp; server.c turns them into libmicrohttpd calls. This keeps
 * handlers small and testable, and the MHD details in one file.
 */
#ifndef PRIVCA_HTTP_H
#define PRIVCA_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "privca/ca.h"

/* A growable byte buffer; errors are sticky (failed) like the DER writer. */
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
#define HTTP_MAX_HEADERS 8

struct http_req {
	const char *method;  /* "GET", "POST", ... */
	const char *path;    /* URL path, percent-decoded by libmicrohttpd, no query */
	const uint8_t *body; /* NULL when there is none */
	size_t body_len;
	const char *params[HTTP_MAX_PARAMS]; /* path captures, e.g. the serial */
	size_t nparams;
	bool tls;      /* came in over HTTPS */
	bool loopback; /* peer address is 127.0.0.0/8 or ::1 */
	struct ca *ca;
	void *conn; /* server.c's private handle (struct MHD_Connection *) */
};

/* A request header (case-insensitive name) or NULL. */
const char *http_header(const struct http_req *r, const char *name);
/* A query argument or NULL. */
const char *http_query(const struct http_req *r, const char *name);
/* Every value of a repeatable query argument (?san=a&san=b); returns the
 * count, at most max. */
size_t http_query_all(const struct http_req *r, const char *name, const char **out, size_t max);

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
	const char *token_name; /* for the request log, static or owned by the ca */
	enum ca_err err;	/* for metrics: the error answered, CA_OK if none */
};

/* Add a response header (value copied). */
void http_set_header(struct http_resp *w, const char *name, const char *value);

/*
 * Answer with an RFC 9457 problem+json: type urn:privca:error:CODE, title,
 * status and detail. The status and code come from err through the one
 * mapping table (server.c: http_status_of); detail is a sentence for a
 * person.
 */
void http_problem(struct http_resp *w, enum ca_err err, const char *detail);
/* The same for codes that are not core errors: "not-found", "method-not-allowed",
 * "payload-too-large", "unsupported-media-type", "https-required". */
void http_problem_code(struct http_resp *w, int status, const char *code, const char *detail);

/* Status code for a core error (the one mapping, cfssl's handleError). */
int http_status_of(enum ca_err err);

/*
 * Authenticate the request's "Authorization: Bearer TOKEN" (or token, a form
 * field value, if not NULL). On CA_OK *tok is set (ca_token_free) and
 * w->token_name is filled. On failure the problem (401, or 403
 * https-required for credentials on plain HTTP from a non-loopback peer)
 * is already written to w.
 */
enum ca_err http_auth(const struct http_req *r, const char *form_token, struct ca_token **tok,
		      struct http_resp *w);

typedef void (*http_handler)(const struct http_req *r, struct http_resp *w);

#endif
