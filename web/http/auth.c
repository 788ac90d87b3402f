/*
 * The code in this file implements http/auth.h: who is asking, decided
 * without rendering a byte.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/auth.h"

/* The credentials rule of design section 4: no token over plain HTTP from
 * another host, whether or not the token is good. */
bool http_creds_refused(bool tls, bool loopback)
{
	return !tls && !loopback;
}

static void set(struct http_auth_error *e, enum ca_err code, const char *challenge,
		const char *detail)
{
	e->code = code;
	e->status = http_status_of(code);
	e->problem = http_code_of(code);
	e->title = http_title_of(code);
	e->challenge = challenge;
	/* As http_problem: unavailable (an expired CA, an unreachable store)
	 * is said to the client as the core wrote it. */
	if (e->status >= 500 && code != CA_ERR_UNAVAILABLE) {
		fprintf(stderr, "privca: internal error (%s): %s\n", ca_strerror(code),
			detail ? detail : "");
		detail = "The server could not complete the request; try again, and tell the "
			 "operator if it persists (details are in the server log).";
	}
	snprintf(e->detail, sizeof(e->detail), "%s", detail && *detail ? detail : e->title);
}

void http_auth_https_required(struct http_auth_error *e)
{
	set(e, CA_ERR_FORBIDDEN, NULL,
	    "Credentials are only accepted over HTTPS from another host: use the "
	    "https:// address of this CA (and revoke the token if it crossed a "
	    "network in clear).");
	e->problem = "https-required";
	e->title = "HTTPS required";
}

/* The token in "Authorization: Bearer TOKEN", or NULL. */
static const char *bearer_of(const char *auth)
{
	while (*auth == ' ')
		auth++;
	if (strncasecmp(auth, "Bearer ", 7) != 0)
		return NULL;
	auth += 7;
	while (*auth == ' ')
		auth++;
	return auth;
}

enum ca_err http_auth(const struct http_req *r, const char *form_token, struct ca_token **tok,
		      struct http_auth_error *e)
{
	const char *auth = http_header(r, "Authorization");
	const char *bearer = NULL;
	bool has_form = form_token != NULL && *form_token;

	*tok = NULL;
	memset(e, 0, sizeof(*e));
	if ((auth != NULL || has_form) && http_creds_refused(r->tls, r->loopback)) {
		http_auth_https_required(e);
		return e->code;
	}
	if (auth != NULL)
		bearer = bearer_of(auth);
	else if (has_form)
		bearer = form_token;
	if (bearer == NULL || *bearer == '\0') {
		set(e, CA_ERR_UNAUTHORIZED, "Bearer realm=\"privca\"",
		    auth != NULL ? "The Authorization header must be 'Bearer TOKEN'."
				 : "This request needs a token: send 'Authorization: "
				   "Bearer TOKEN' (ask the CA operator for one).");
		return e->code;
	}
	struct ca_error err = {0};
	enum ca_err rc = ca_token_auth(r->ca, bearer, tok, &err);
	if (rc != CA_OK) {
		*tok = NULL;
		set(e, rc,
		    rc == CA_ERR_UNAUTHORIZED ? "Bearer realm=\"privca\", error=\"invalid_token\""
					      : NULL,
		    err.detail);
		return rc;
	}
	return CA_OK;
}

void http_auth_problem(struct http_resp *w, const struct http_auth_error *e)
{
	if (e->challenge != NULL)
		(void)http_set_header(w, "WWW-Authenticate", e->challenge);
	/* e->detail is already the sentence to show (and a 5xx was logged). */
	http_problem_titled(w, e->status, e->problem, e->title, e->detail);
	w->err = e->code;
}
