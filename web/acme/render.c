/*
 * The code in this file implements what every ACME answer shares: the
 * Replay-Nonce, Cache-Control: no-store and Link rel="index" headers,
 * problem documents (urn:ietf:params:acme:error:*, with subproblems per
 * identifier), and the JSON of accounts, orders, authorizations and
 * challenges with their absolute URLs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme_web.h"

/* The headers of every answer; nonce NULL: none could be made. */
static void headers(struct acme_req *q, const char *nonce)
{
	char link[400];
	if (nonce != NULL)
		http_set_header(q->w, "Replay-Nonce", nonce);
	http_set_header(q->w, "Cache-Control", "no-store");
	snprintf(link, sizeof(link), "<%s/acme/directory>;rel=\"index\"", q->base);
	http_set_header(q->w, "Link", link);
}

void acme_web_common(struct acme_req *q)
{
	char nonce[ACME_NONCE_LEN + 1];
	struct acme_error e;
	headers(q, acme_nonce_new(q->r->ca, nonce, &e) == ACME_PROB_NONE ? nonce : NULL);
}

bool acme_web_nonce(struct acme_req *q, struct acme_error *e)
{
	char nonce[ACME_NONCE_LEN + 1];
	if (acme_nonce_new(q->r->ca, nonce, e) != ACME_PROB_NONE)
		return false;
	headers(q, nonce);
	return true;
}

/* The status of a problem: by its type, except that a serverInternal
 * whose cause the one error map (http/problem.c) answers with another
 * 5xx (503: the store cannot be reached now) takes that. */
static int status_of(const struct acme_error *e)
{
	if (e->type == ACME_PROB_SERVER_INTERNAL && e->cause != CA_OK &&
	    http_status_of(e->cause) > 500)
		return http_status_of(e->cause);
	switch (e->type) {
	case ACME_PROB_NOT_FOUND:
		return 404;
	case ACME_PROB_CONFLICT:
		return 409;
	case ACME_PROB_UNAUTHORIZED:
	case ACME_PROB_REJECTED_IDENTIFIER:
	case ACME_PROB_ORDER_NOT_READY:
	case ACME_PROB_CAA:
		return 403;
	case ACME_PROB_SERVER_INTERNAL:
		return 500;
	default:
		return 400;
	}
}

/* Seconds a client should wait before it retries a 503. */
#define RETRY_AFTER_503 "5"

static json_t *problem_json(enum acme_problem t, const char *detail)
{
	char type[96];
	snprintf(type, sizeof(type), "urn:ietf:params:acme:error:%s", acme_problem_name(t));
	return json_pack("{s:s, s:o}", "type", type, "detail", json_text(detail));
}

void acme_web_problem(struct acme_req *q, const struct acme_error *e)
{
	int status = status_of(e);
	json_t *o = problem_json(e->type, e->detail);
	if (o != NULL) {
		json_object_set_new(o, "status", json_integer(status));
		if (e->type == ACME_PROB_BAD_SIGNATURE_ALGORITHM)
			json_object_set_new(
			    o, "algorithms",
			    json_pack("[s,s,s,s]", "ES256", "ES384", "RS256", "EdDSA"));
		if (e->nsub > 0) {
			json_t *subs = json_array();
			for (size_t i = 0; i < e->nsub; i++) {
				json_t *s = problem_json(e->sub[i].type, e->sub[i].detail);
				json_object_set_new(s, "identifier",
						    json_pack("{s:s, s:s}", "type",
							      e->sub[i].id_type, "value",
							      e->sub[i].id_value));
				json_array_append_new(subs, s);
			}
			json_object_set_new(o, "subproblems", subs);
		}
	}
	if (status >= 500)
		fprintf(stderr, "privca: acme: %s\n", e->detail);
	acme_web_common(q);
	if (status == 503)
		http_set_header(q->w, "Retry-After", RETRY_AFTER_503);
	char code[64];
	snprintf(code, sizeof(code), "acme-%s", acme_problem_name(e->type));
	metrics_refusal(code);
	char *s = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
	json_decref(o);
	buf_free(&q->w->body);
	q->w->status = status;
	q->w->content_type = "application/problem+json";
	if (s == NULL) {
		q->w->body.failed = true;
		return;
	}
	buf_puts(&q->w->body, s);
	buf_puts(&q->w->body, "\n");
	free(s);
}

void acme_web_json(struct acme_req *q, int status, json_t *v)
{
	acme_web_common(q);
	http_json(q->w, status, v);
}

json_t *acme_json_url(struct acme_req *q, const char *what, const char *id, const char *tail)
{
	char u[600];
	snprintf(u, sizeof(u), "%s/acme/%s%s%s%s", q->base, what, id ? "/" : "", id ? id : "",
		 tail ? tail : "");
	return json_string(u);
}

void acme_web_link(struct acme_req *q, const char *what, const char *id, const char *rel)
{
	char u[700];
	snprintf(u, sizeof(u), "<%s/acme/%s/%s>;rel=\"%s\"", q->base, what, id, rel);
	http_set_header(q->w, "Link", u);
}

void acme_web_location(struct acme_req *q, const char *what, const char *id)
{
	char u[600];
	snprintf(u, sizeof(u), "%s/acme/%s/%s", q->base, what, id);
	http_set_header(q->w, "Location", u);
}

static json_t *time_json(int64_t t)
{
	char b[21];
	ca_time_rfc3339(t, b);
	return json_string(b);
}

json_t *acme_json_account(struct acme_req *q, const struct acme_account *a)
{
	json_t *c = json_array();
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", a->contact);
	for (char *save, *t = strtok_r(buf, "\n", &save); t; t = strtok_r(NULL, "\n", &save))
		json_array_append_new(c, json_text(t));
	return json_pack("{s:s, s:o, s:o, s:b}", "status", a->status, "contact", c, "orders",
			 acme_json_url(q, "acct", a->id, "/orders"), "termsOfServiceAgreed", 1);
}

static json_t *ident_json(const struct acme_ident *i)
{
	return json_pack("{s:s, s:s}", "type", i->type, "value", i->value);
}

json_t *acme_json_order(struct acme_req *q, const struct acme_order *o)
{
	json_t *ids = json_array(), *az = json_array();
	for (size_t i = 0; i < o->nidents; i++)
		json_array_append_new(ids, ident_json(&o->idents[i]));
	for (size_t i = 0; i < o->nauthz; i++)
		json_array_append_new(az, acme_json_url(q, "authz", o->authz[i], NULL));
	json_t *v = json_pack("{s:s, s:o, s:o, s:o, s:o}", "status", o->status, "expires",
			      time_json(o->expires), "identifiers", ids, "authorizations", az,
			      "finalize", acme_json_url(q, "order", o->id, "/finalize"));
	if (v != NULL && o->serial[0] != '\0')
		json_object_set_new(v, "certificate", acme_json_url(q, "cert", o->serial, NULL));
	if (v != NULL && o->error.type != ACME_PROB_NONE)
		json_object_set_new(v, "error", problem_json(o->error.type, o->error.detail));
	return v;
}

json_t *acme_json_chall(struct acme_req *q, const struct acme_chall_view *c)
{
	json_t *v = json_pack("{s:s, s:o, s:s, s:s}", "type", c->type, "url",
			      acme_json_url(q, "chall", c->id, NULL), "status", c->status, "token",
			      c->token);
	if (v != NULL && c->validated > 0)
		json_object_set_new(v, "validated", time_json(c->validated));
	if (v != NULL && c->err_type != ACME_PROB_NONE)
		json_object_set_new(v, "error", problem_json(c->err_type, c->err_detail));
	return v;
}

json_t *acme_json_authz(struct acme_req *q, const struct acme_authz *a)
{
	json_t *ch = json_array();
	for (size_t i = 0; i < a->nch; i++)
		json_array_append_new(ch, acme_json_chall(q, &a->ch[i]));
	json_t *v = json_pack("{s:o, s:s, s:o, s:o}", "identifier", ident_json(&a->ident), "status",
			      a->status, "expires", time_json(a->expires), "challenges", ch);
	if (v != NULL && a->wildcard)
		json_object_set_new(v, "wildcard", json_true());
	return v;
}
