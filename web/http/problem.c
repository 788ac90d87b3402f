/*
 * The code in this file implements the one mapping from core errors to
 * HTTP status and problem type (cfssl's handleError) and the RFC 9457
 * problem+json answers built on it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http/http.h"
#include "http/json.h"

/* The one mapping from core errors to HTTP (cfssl's handleError). */
static const struct {
	int status;
	const char *code;
	const char *title;
} err_map[CA_ERR_MAX] = {
    [CA_OK] = {200, "ok", "OK"},
    [CA_ERR_BAD_REQUEST] = {400, "bad-request", "Bad request"},
    [CA_ERR_BAD_CSR] = {400, "bad-csr", "The CSR could not be read"},
    [CA_ERR_BAD_SIGNATURE] = {400, "bad-signature", "The CSR's signature does not verify"},
    [CA_ERR_WEAK_KEY] = {400, "weak-key", "Key or signature algorithm refused"},
    [CA_ERR_UNAUTHORIZED] = {401, "unauthorized", "A valid token is needed"},
    [CA_ERR_FORBIDDEN] = {403, "forbidden", "This token may not do that"},
    [CA_ERR_NAME_NOT_ALLOWED] = {403, "name-not-allowed", "Name outside the token's policy"},
    [CA_ERR_NOT_FOUND] = {404, "not-found", "Not found"},
    [CA_ERR_ALREADY_REVOKED] = {409, "already-revoked", "Already revoked"},
    [CA_ERR_EXISTS] = {409, "exists", "Already exists"},
    [CA_ERR_IO] = {500, "internal", "Internal error"},
    [CA_ERR_STORE] = {500, "internal", "Internal error"},
    [CA_ERR_CRYPTO] = {500, "internal", "Internal error"},
    [CA_ERR_NOMEM] = {500, "internal", "Internal error"},
    [CA_ERR_INTERNAL] = {500, "internal", "Internal error"},
    [CA_ERR_UNAVAILABLE] = {503, "unavailable", "The CA cannot do this now"},
};

static unsigned err_index(enum ca_err err)
{
	if ((unsigned)err >= CA_ERR_MAX || err_map[err].code == NULL || err == CA_OK)
		return CA_ERR_INTERNAL;
	return (unsigned)err;
}

int http_status_of(enum ca_err err)
{
	return err_map[err_index(err)].status;
}

const char *http_code_of(enum ca_err err)
{
	return err_map[err_index(err)].code;
}

const char *http_title_of(enum ca_err err)
{
	return err_map[err_index(err)].title;
}

static const struct {
	const char *code;
	const char *title;
} code_titles[] = {
    {"not-found", "Not found"},
    {"method-not-allowed", "Method not allowed"},
    {"payload-too-large", "Payload too large"},
    {"unsupported-media-type", "Unsupported media type"},
    {"https-required", "HTTPS required"},
    {"uri-too-long", "URI too long"},
    {"header-too-large", "Request header fields too large"},
    {"bad-request", "Bad request"},
    {"unauthorized", "A valid token is needed"},
    {"forbidden", "Forbidden"},
    {"internal", "Internal error"},
};

void http_problem_titled(struct http_resp *w, int status, const char *code, const char *title,
			 const char *detail)
{
	char type[96];
	snprintf(type, sizeof(type), "urn:privca:error:%s", code);
	json_t *o = json_object();
	if (o != NULL) {
		json_object_set_new(o, "type", json_string(type));
		json_object_set_new(o, "title", json_string(title));
		json_object_set_new(o, "status", json_integer(status));
		json_object_set_new(o, "detail", json_text(detail));
	}
	char *s = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
	json_decref(o);
	buf_free(&w->body);
	w->status = status;
	w->content_type = "application/problem+json";
	if (s != NULL) {
		buf_puts(&w->body, s);
		buf_puts(&w->body, "\n");
		free(s);
	} else {
		w->body.failed = true;
	}
	w->refusal = code;
}

void http_problem(struct http_resp *w, enum ca_err err, const char *detail)
{
	unsigned i = err_index(err);
	w->err = (enum ca_err)i;
	if (err_map[i].status >= 500 && err != CA_ERR_UNAVAILABLE) {
		/* The core's sentence may name files or SQLite: log it, answer
		 * something generic. Unavailable (an expired CA) is said to the
		 * client as the core wrote it. */
		fprintf(stderr, "privca: internal error (%s): %s\n", ca_strerror(err),
			detail ? detail : "");
		detail = "The server could not complete the request; try again, and tell the "
			 "operator if it persists (details are in the server log).";
	}
	http_problem_titled(w, err_map[i].status, err_map[i].code, err_map[i].title,
			    detail && *detail ? detail : err_map[i].title);
}

void http_problem_code(struct http_resp *w, int status, const char *code, const char *detail)
{
	const char *title = code;
	for (size_t i = 0; i < sizeof(code_titles) / sizeof(code_titles[0]); i++)
		if (strcmp(code_titles[i].code, code) == 0)
			title = code_titles[i].title;
	http_problem_titled(w, status, code, title, detail ? detail : title);
}
