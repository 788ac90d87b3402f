/*
 * Authentication of a request (design section 4): a bearer token in the
 * Authorization header, or a form's token field, and the rule that
 * credentials never travel in clear from another host. Nothing here
 * renders: the JSON API answers with http_auth_problem, pages with their
 * own refusal box.
 */
#ifndef PRIVCA_HTTP_AUTH_H
#define PRIVCA_HTTP_AUTH_H

#include "http/http.h"

/* Why a request was not authenticated. */
struct http_auth_error {
	enum ca_err code;      /* CA_ERR_UNAUTHORIZED, CA_ERR_FORBIDDEN, ... */
	int status;	       /* the HTTP status to answer */
	const char *problem;   /* problem code ("unauthorized", "https-required", ...), static */
	const char *title;     /* a title for a person, static */
	const char *challenge; /* WWW-Authenticate value to send, static, or NULL */
	char detail[512];      /* a sentence for a person (generic for a 5xx) */
};

/*
 * Authenticate r's "Authorization: Bearer TOKEN" (or form_token, a form
 * field value, if not NULL). On CA_OK *tok is set (free with
 * ca_token_free). Otherwise *tok is NULL and *e says why.
 */
enum ca_err http_auth(const struct http_req *r, const char *form_token, struct ca_token **tok,
		      struct http_auth_error *e);

/* Answer w with e as problem+json, with its WWW-Authenticate challenge. */
void http_auth_problem(struct http_resp *w, const struct http_auth_error *e);

/* True when credentials must be refused on this connection: plain HTTP
 * from a host other than this one. */
bool http_creds_refused(bool tls, bool loopback);

/* Fill e for the https-required refusal. */
void http_auth_https_required(struct http_auth_error *e);

#endif
