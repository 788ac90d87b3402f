/*
 * The code in this file implements the ACME handlers for the directory,
 * nonces and accounts (RFC 8555 7.1.1, 7.2, 7.3): decode, call the core,
 * render.
 */
#include <stdio.h>
#include <string.h>

#include "acme_web.h"

static void problem(struct acme_req *q, enum acme_problem t, const char *detail)
{
	struct acme_error e = {.type = t};
	snprintf(e.detail, sizeof(e.detail), "%s", detail);
	acme_web_problem(q, &e);
}

void acme_h_directory(struct acme_req *q)
{
	char site[400];
	snprintf(site, sizeof(site), "%s/", q->base);
	json_t *meta = json_pack("{s:b, s:s}", "externalAccountRequired",
				 acme_eab_required(q->r->ca), "website", site);
	json_t *d = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "newNonce",
			      acme_json_url(q, "new-nonce", NULL, NULL), "newAccount",
			      acme_json_url(q, "new-account", NULL, NULL), "newOrder",
			      acme_json_url(q, "new-order", NULL, NULL), "revokeCert",
			      acme_json_url(q, "revoke-cert", NULL, NULL), "keyChange",
			      acme_json_url(q, "key-change", NULL, NULL), "renewalInfo",
			      acme_json_url(q, "renewal-info", NULL, NULL), "meta", meta);
	acme_web_json(q, 200, d);
}

void acme_h_nonce(struct acme_req *q)
{
	struct acme_error e;
	if (!acme_web_nonce(q, &e)) {
		acme_web_problem(q, &e); /* 503 when the store is unreachable */
		return;
	}
	/* RFC 8555 7.2: 200 for HEAD, 204 for GET. */
	q->w->status = strcmp(q->r->method, "GET") == 0 ? 204 : 200;
}

/* contact: an optional array of strings (at most 8). */
static bool contacts(json_t *payload, const char **out, size_t *n, bool *given)
{
	json_t *c = json_object_get(payload, "contact");
	*n = 0;
	*given = c != NULL;
	if (c == NULL)
		return true;
	if (!json_is_array(c) || json_array_size(c) > 8)
		return false;
	for (size_t i = 0; i < json_array_size(c); i++) {
		json_t *v = json_array_get(c, i);
		if (!json_is_string(v) || json_string_length(v) > 250)
			return false;
		out[(*n)++] = json_string_value(v);
	}
	return true;
}

static void account_answer(struct acme_req *q, int status, const struct acme_account *a)
{
	acme_web_location(q, "acct", a->id);
	acme_web_json(q, status, acme_json_account(q, a));
}

void acme_h_new_account(struct acme_req *q)
{
	struct acme_error e;
	const char *c[8];
	size_t nc;
	bool given;
	struct jws_in eab = {0};
	struct acme_account a;
	bool created;
	if (!acme_web_auth(q, ACME_KEY_JWK))
		return;
	json_t *pl = q->in.payload;
	json_t *only = json_object_get(pl, "onlyReturnExisting");
	json_t *eabj = json_object_get(pl, "externalAccountBinding");
	if (pl == NULL || !contacts(pl, c, &nc, &given) ||
	    (only != NULL && !json_is_boolean(only))) {
		problem(q, ACME_PROB_MALFORMED,
			"newAccount takes {contact: [mailto: URLs], termsOfServiceAgreed, "
			"onlyReturnExisting, externalAccountBinding}");
		return;
	}
	if (eabj != NULL) {
		struct acme_jwk k;
		if (!jws_in_object(eabj, &eab, &e)) {
			acme_web_problem(q, &e);
			goto out;
		}
		if (eab.payload == NULL || !jws_jwk_members(eab.payload, &k)) {
			problem(q, ACME_PROB_MALFORMED,
				"the externalAccountBinding payload must be the account's JWK");
			goto out;
		}
		eab.j.has_jwk = true;
		eab.j.jwk = k;
	}
	if (acme_account_new(q->r->ca, &q->auth, eabj ? &eab.j : NULL, q->url, c, nc,
			     only != NULL && json_is_true(only), &a, &created,
			     &e) != ACME_PROB_NONE) {
		acme_web_problem(q, &e);
		goto out;
	}
	account_answer(q, created ? 201 : 200, &a);
out:
	jws_in_free(&eab);
}

void acme_h_account(struct acme_req *q, const char *id)
{
	struct acme_error e;
	const char *c[8];
	size_t nc = 0;
	bool given = false, deactivate = false;
	struct acme_account a;
	if (!acme_web_auth(q, ACME_KEY_KID))
		return;
	json_t *pl = q->in.payload;
	if (pl != NULL) {
		json_t *st = json_object_get(pl, "status");
		if (!contacts(pl, c, &nc, &given) || (st != NULL && !json_is_string(st)) ||
		    (st != NULL && strcmp(json_string_value(st), "deactivated") != 0)) {
			problem(q, ACME_PROB_MALFORMED,
				"an account update takes contact, or status \"deactivated\"");
			return;
		}
		deactivate = st != NULL;
	}
	if (acme_account_update(q->r->ca, &q->auth, id, given ? c : NULL, nc, deactivate, &a, &e) !=
	    ACME_PROB_NONE) {
		acme_web_problem(q, &e);
		return;
	}
	account_answer(q, 200, &a);
}

void acme_h_account_orders(struct acme_req *q, const char *id, const char *cursor)
{
	struct acme_error e;
	char(*ids)[ACME_ID_LEN] = NULL;
	char next[ACME_ID_LEN];
	size_t n = 0;
	if (!acme_web_auth(q, ACME_KEY_KID))
		return;
	if (acme_account_orders(q->r->ca, &q->auth, id, cursor, &ids, &n, next, &e) !=
	    ACME_PROB_NONE) {
		acme_web_problem(q, &e);
		return;
	}
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, acme_json_url(q, "order", ids[i], NULL));
	free(ids);
	if (next[0] != '\0') { /* RFC 8555 7.1.2.1 */
		char u[700];
		snprintf(u, sizeof(u), "<%s/acme/acct/%s/orders/%s>;rel=\"next\"", q->base, id,
			 next);
		http_set_header(q->w, "Link", u);
	}
	acme_web_json(q, 200, json_pack("{s:o}", "orders", a));
}

void acme_h_key_change(struct acme_req *q)
{
	struct acme_error e;
	struct jws_in inner = {0};
	struct acme_jwk old;
	if (!acme_web_auth(q, ACME_KEY_KID))
		return;
	if (!jws_in_object(q->in.payload, &inner, &e)) {
		acme_web_problem(q, &e);
		goto out;
	}
	json_t *acct = inner.payload ? json_object_get(inner.payload, "account") : NULL;
	if (acct == NULL || !json_is_string(acct) ||
	    !jws_jwk_members(json_object_get(inner.payload, "oldKey"), &old)) {
		problem(q, ACME_PROB_MALFORMED, "the inner payload is {account, oldKey}");
		goto out;
	}
	if (acme_key_change(q->r->ca, &q->auth, &inner.j, q->url, q->acct, json_string_value(acct),
			    &old, &e) != ACME_PROB_NONE) {
		acme_web_problem(q, &e);
		goto out;
	}
	struct acme_account a;
	if (acme_account_update(q->r->ca, &q->auth, q->auth.account.id, NULL, 0, false, &a, &e) !=
	    ACME_PROB_NONE) {
		acme_web_problem(q, &e);
		goto out;
	}
	account_answer(q, 200, &a);
out:
	jws_in_free(&inner);
}
