/*
 * The code in this file implements the ACME handlers for orders,
 * authorizations, challenges, certificates, revocation and renewalInfo
 * (RFC 8555 7.4-7.6, RFC 9773): decode, call the core, render.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme_web.h"

static void problem(struct acme_req *q, enum acme_problem t, const char *detail)
{
	struct acme_error e = {.type = t};
	snprintf(e.detail, sizeof(e.detail), "%s", detail);
	acme_web_problem(q, &e);
}

static void order_answer(struct acme_req *q, int status, struct acme_order *o)
{
	acme_web_location(q, "order", o->id);
	if (strcmp(o->status, "processing") == 0 || strcmp(o->status, "pending") == 0)
		http_set_header(q->w, "Retry-After", "1");
	acme_web_json(q, status, acme_json_order(q, o));
	acme_order_free(o);
}

void acme_h_new_order(struct acme_req *q)
{
	struct acme_error e;
	struct acme_order o;
	if (!acme_web_auth(q, ACME_KEY_KID))
		return;
	json_t *ids = q->in.payload ? json_object_get(q->in.payload, "identifiers") : NULL;
	json_t *rep = q->in.payload ? json_object_get(q->in.payload, "replaces") : NULL;
	size_t n = json_array_size(ids);
	if (!json_is_array(ids) || n == 0 || n > 100 || (rep != NULL && !json_is_string(rep))) {
		problem(q, ACME_PROB_MALFORMED,
			"newOrder takes {identifiers: [{type, value}], 1 to 100 of them}");
		return;
	}
	struct acme_ident *v = calloc(n, sizeof(*v));
	if (v == NULL) {
		problem(q, ACME_PROB_SERVER_INTERNAL, "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *it = json_array_get(ids, i);
		json_t *t = json_object_get(it, "type"), *val = json_object_get(it, "value");
		if (!json_is_string(t) || !json_is_string(val) || json_string_length(t) >= 4 ||
		    json_string_length(val) >= sizeof(v[i].value)) {
			free(v);
			problem(q, ACME_PROB_MALFORMED,
				"each identifier is {type: \"dns\"|\"ip\", value: NAME}");
			return;
		}
		snprintf(v[i].type, sizeof(v[i].type), "%s", json_string_value(t));
		snprintf(v[i].value, sizeof(v[i].value), "%s", json_string_value(val));
	}
	enum acme_problem p =
	    acme_order_new(q->r->ca, &q->auth, v, n, rep ? json_string_value(rep) : NULL, &o, &e);
	free(v);
	if (p != ACME_PROB_NONE) {
		acme_web_problem(q, &e);
		return;
	}
	order_answer(q, 201, &o);
}

void acme_h_order(struct acme_req *q, const char *id)
{
	struct acme_error e;
	struct acme_order o;
	if (!acme_web_auth(q, ACME_KEY_KID))
		return;
	if (acme_order_get(q->r->ca, &q->auth, id, &o, &e) != ACME_PROB_NONE) {
		acme_web_problem(q, &e);
		return;
	}
	order_answer(q, 200, &o);
}

void acme_h_finalize(struct acme_req *q, const char *id)
{
	struct acme_error e;
	struct acme_order o;
	uint8_t *der = NULL;
	size_t len = 0;
	if (!acme_web_auth(q, ACME_KEY_KID))
		return;
	json_t *csr = q->in.payload ? json_object_get(q->in.payload, "csr") : NULL;
	if (!json_is_string(csr) || json_string_length(csr) > 60000 ||
	    strchr(json_string_value(csr), '=') != NULL ||
	    !ca_base64_decode(json_string_value(csr), &der, &len) || len == 0) {
		free(der);
		problem(q, ACME_PROB_MALFORMED, "finalize takes {csr: base64url(DER)}");
		return;
	}
	enum acme_problem p = acme_order_finalize(q->r->ca, &q->auth, id, der, len, &o, &e);
	free(der);
	if (p != ACME_PROB_NONE) {
		acme_web_problem(q, &e);
		return;
	}
	order_answer(q, 200, &o);
}

/*
 * An authorization's poll while one of its challenges is being validated
 * waits for the result, up to POLL_WAIT_MS (the Retry-After the challenge
 * POST gave), holding no worker thread (http/park.h): a client that polls
 * at once (lego does) gets the result as soon as it is recorded instead of
 * sleeping a second. Validation itself stays in the background.
 */
#define POLL_WAIT_MS 1000

struct authz_poll {
	char base[300];
	char account[ACME_ID_LEN];
	char id[ACME_ID_LEN];
};

/* The authorization as it is now, answered; or, when final is false and a
 * challenge of it has left pending while the authorization has not (it is
 * processing, or its result is being recorded), a wait for that result. */
static void authz_answer(void *ctx, const struct http_req *r, struct http_resp *w, bool final)
{
	struct authz_poll *p = ctx;
	struct acme_req q = {.r = r, .w = w};
	struct acme_auth auth = {.by_kid = true};
	struct acme_error e;
	struct acme_authz a;
	snprintf(q.base, sizeof(q.base), "%s", p->base);
	snprintf(auth.account.id, sizeof(auth.account.id), "%s", p->account);
	if (acme_authz_get(r->ca, &auth, p->id, false, &a, &e) != ACME_PROB_NONE) {
		acme_web_problem(&q, &e);
		return;
	}
	for (size_t i = 0; !final && strcmp(a.status, "pending") == 0 && i < a.nch; i++)
		if (strcmp(a.ch[i].status, "pending") != 0) {
			w->wait = (struct http_wait){
			    .resume = authz_answer, .free = free, .ctx = p, .max_ms = POLL_WAIT_MS};
			snprintf(w->wait.key, sizeof(w->wait.key), "%s", a.ch[i].id);
			return;
		}
	acme_web_link(&q, "order", a.order_id, "up");
	if (strcmp(a.status, "pending") == 0)
		http_set_header(w, "Retry-After", "1");
	acme_web_json(&q, 200, acme_json_authz(&q, &a));
}

void acme_h_authz(struct acme_req *q, const char *id)
{
	struct acme_error e;
	struct acme_authz a;
	if (!acme_web_auth(q, ACME_KEY_KID))
		return;
	if (q->in.payload == NULL) {
		struct authz_poll *p = calloc(1, sizeof(*p));
		if (p == NULL) {
			problem(q, ACME_PROB_SERVER_INTERNAL, "out of memory");
			return;
		}
		snprintf(p->base, sizeof(p->base), "%s", q->base);
		snprintf(p->account, sizeof(p->account), "%s", q->auth.account.id);
		snprintf(p->id, sizeof(p->id), "%s", id);
		authz_answer(p, q->r, q->w, false);
		if (q->w->wait.ctx != p)
			free(p);
		return;
	}
	json_t *st = json_object_get(q->in.payload, "status");
	if (!json_is_string(st) || strcmp(json_string_value(st), "deactivated") != 0) {
		problem(q, ACME_PROB_MALFORMED,
			"an authorization POST is empty or {status: \"deactivated\"}");
		return;
	}
	if (acme_authz_get(q->r->ca, &q->auth, id, true, &a, &e) != ACME_PROB_NONE) {
		acme_web_problem(q, &e);
		return;
	}
	acme_web_link(q, "order", a.order_id, "up");
	acme_web_json(q, 200, acme_json_authz(q, &a));
}

void acme_h_chall(struct acme_req *q, const char *id)
{
	struct acme_error e;
	struct acme_chall_view c = {0};
	char authz[ACME_ID_LEN];
	if (!acme_web_auth(q, ACME_KEY_KID))
		return;
	if (acme_chall_post(q->r->ca, &q->auth, id, &c, authz, &e) != ACME_PROB_NONE) {
		acme_web_problem(q, &e);
		return;
	}
	acme_web_link(q, "authz", authz, "up");
	if (strcmp(c.status, "processing") == 0 || strcmp(c.status, "pending") == 0)
		http_set_header(q->w, "Retry-After", "1");
	acme_web_json(q, 200, acme_json_chall(q, &c));
}

void acme_h_cert(struct acme_req *q, const char *serial)
{
	struct acme_error e;
	char *pem = NULL;
	if (!acme_web_auth(q, ACME_KEY_KID))
		return;
	if (acme_cert_chain(q->r->ca, &q->auth, serial, &pem, &e) != ACME_PROB_NONE) {
		acme_web_problem(q, &e);
		return;
	}
	acme_web_common(q);
	buf_puts(&q->w->body, pem);
	free(pem);
	q->w->status = 200;
	q->w->content_type = "application/pem-certificate-chain";
}

void acme_h_revoke(struct acme_req *q)
{
	struct acme_error e;
	uint8_t *der = NULL;
	size_t len = 0;
	if (!acme_web_auth(q, ACME_KEY_EITHER))
		return;
	json_t *c = q->in.payload ? json_object_get(q->in.payload, "certificate") : NULL;
	json_t *r = q->in.payload ? json_object_get(q->in.payload, "reason") : NULL;
	if (!json_is_string(c) || json_string_length(c) > 60000 ||
	    strchr(json_string_value(c), '=') != NULL ||
	    !ca_base64_decode(json_string_value(c), &der, &len) ||
	    (r != NULL && !json_is_integer(r))) {
		free(der);
		problem(q, ACME_PROB_MALFORMED,
			"revokeCert takes {certificate: base64url(DER), reason: N}");
		return;
	}
	json_int_t reason = r ? json_integer_value(r) : 0;
	if (reason < 0 || reason > 10)
		reason = 99;
	enum acme_problem p = acme_revoke(q->r->ca, &q->auth, der, len, (int)reason, &e);
	free(der);
	if (p != ACME_PROB_NONE) {
		acme_web_problem(q, &e);
		return;
	}
	acme_web_common(q);
	q->w->status = 200;
}

void acme_h_renewal(struct acme_req *q, const char *certid)
{
	struct acme_error e;
	int64_t start, end;
	if (acme_renewal_info(q->r->ca, certid, &start, &end, &e) != ACME_PROB_NONE) {
		acme_web_problem(q, &e);
		return;
	}
	char s[21], t[21];
	ca_time_rfc3339(start, s);
	ca_time_rfc3339(end, t);
	http_set_header(q->w, "Retry-After", "21600");
	acme_web_json(q, 200, json_pack("{s:{s:s, s:s}}", "suggestedWindow", "start", s, "end", t));
}
