/*
 * The code in this file implements ACME authorizations and challenges
 * (RFC 8555 7.1.4, 7.5): reading them, deactivating an authorization, the
 * challenge POST that starts validation in the background (never in the
 * request thread), and recording the validator's result.
 *
 * Transitions, each in one place:
 *   challenge pending -> processing   acme_chall_post (then submitted)
 *   challenge processing -> valid|invalid, authz pending -> valid|invalid,
 *   order pending -> ready|invalid    acme_chall_result (-> valid, and
 *                                     ready when it was the last: one
 *                                     store transaction)
 *   authz pending|valid -> deactivated  acme_authz_get(deactivate)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "acme_int.h"

static enum acme_problem authz_view(struct ca *ca, const struct store_acme_authz *a,
				    struct acme_authz *out, struct acme_error *e)
{
	struct store_acme_chall *ch = NULL;
	size_t n = 0;
	memset(out, 0, sizeof(*out));
	enum ca_err rc = store_acme_chall_list(ca->store, a->id, &ch, &n);
	if (rc != CA_OK)
		return acme_fail_store(e, rc, "the challenges could not be read");
	snprintf(out->id, sizeof(out->id), "%s", a->id);
	snprintf(out->order_id, sizeof(out->order_id), "%s", a->order_id);
	snprintf(out->ident.type, sizeof(out->ident.type), "%s", a->type);
	snprintf(out->ident.value, sizeof(out->ident.value), "%s", a->value);
	out->wildcard = a->wildcard;
	snprintf(out->status, sizeof(out->status), "%s", a->status);
	if (strcmp(a->status, "pending") == 0 && a->expires_at <= clock_now(&ca->clock))
		snprintf(out->status, sizeof(out->status), "expired");
	out->expires = a->expires_at;
	for (size_t i = 0; i < n && i < 3; i++) {
		struct acme_chall_view *v = &out->ch[out->nch++];
		snprintf(v->id, sizeof(v->id), "%s", ch[i].id);
		snprintf(v->type, sizeof(v->type), "%s", ch[i].type);
		snprintf(v->status, sizeof(v->status), "%s", ch[i].status);
		snprintf(v->token, sizeof(v->token), "%s", ch[i].token);
		v->validated = ch[i].validated_at;
		if (ch[i].error_type[0] != '\0') {
			v->err_type = acme_problem_parse(ch[i].error_type);
			snprintf(v->err_detail, sizeof(v->err_detail), "%s", ch[i].error_detail);
		}
	}
	free(ch);
	return ACME_PROB_NONE;
}

static enum acme_problem authz_owned(struct ca *ca, const struct acme_auth *auth, const char *id,
				     struct store_acme_authz *a, struct acme_error *e)
{
	if (strlen(id) >= ACME_ID_LEN)
		return acme_fail(e, ACME_PROB_NOT_FOUND, "no such authorization");
	enum ca_err rc = store_acme_authz_get(ca->store, id, a);
	if (rc == CA_ERR_NOT_FOUND)
		return acme_fail(e, ACME_PROB_NOT_FOUND, "no such authorization");
	if (rc != CA_OK)
		return acme_fail_store(e, rc, "the authorization could not be read");
	if (auth != NULL && strcmp(a->account_id, auth->account.id) != 0)
		return acme_fail(e, ACME_PROB_UNAUTHORIZED,
				 "this authorization belongs to another account");
	return ACME_PROB_NONE;
}

enum acme_problem acme_authz_get(struct ca *ca, const struct acme_auth *auth, const char *id,
				 bool deactivate, struct acme_authz *out, struct acme_error *e)
{
	struct store_acme_authz a;
	enum acme_problem p = authz_owned(ca, auth, id, &a, e);
	if (p != ACME_PROB_NONE)
		return p;
	if (deactivate) {
		bool moved = false;
		enum ca_err rc =
		    store_acme_authz_move(ca->store, id, "pending", "deactivated", &moved);
		if (rc == CA_OK && !moved)
			rc = store_acme_authz_move(ca->store, id, "valid", "deactivated", &moved);
		if (rc != CA_OK)
			return acme_fail_store(e, rc, "the authorization could not be updated");
		if (!moved && strcmp(a.status, "deactivated") != 0)
			return acme_fail(e, ACME_PROB_MALFORMED,
					 "a %s authorization cannot be "
					 "deactivated",
					 a.status);
		bool om;
		/* Its order can no longer become ready (7.5.2). */
		rc = store_acme_order_move(ca->store, a.order_id, "pending", "invalid", NULL,
					   "unauthorized", "an authorization was deactivated", &om);
		if (rc == CA_OK)
			rc = store_acme_authz_get(ca->store, id, &a);
		if (rc != CA_OK)
			return acme_fail_store(e, rc, "the authorization could not be read");
		if (om)
			acme_count(&ca->acme->n.orders_invalid);
	}
	return authz_view(ca, &a, out, e);
}

void acme_submit(struct ca *ca, const struct store_acme_chall *c)
{
	struct store_acme_authz a;
	struct store_acme_account acct;
	struct acme_check k = {0};
	struct ca_error err;
	if (store_acme_authz_get(ca->store, c->authz_id, &a) != CA_OK ||
	    store_acme_account_get(ca->store, a.account_id, &acct) != CA_OK ||
	    !acme_chall_parse(c->type, &k.type)) {
		fprintf(stderr, "privca: acme: challenge %s could not be submitted\n", c->id);
		return;
	}
	snprintf(k.id, sizeof(k.id), "%s", c->id);
	snprintf(k.identifier, sizeof(k.identifier), "%s", a.value);
	k.is_ip = strcmp(a.type, "ip") == 0;
	k.wildcard = a.wildcard;
	snprintf(k.token, sizeof(k.token), "%s", c->token);
	/* 8.1: token "." base64url(thumbprint of the account key now). */
	snprintf(k.key_auth, sizeof(k.key_auth), "%s.%s", c->token, acct.thumbprint);
	if (ca->acme->validator == NULL ||
	    acme_validator_submit(ca->acme->validator, &k, &err) != CA_OK) {
		/* Busy (or no validator in this process): record it, so the
		 * client sees why instead of waiting. */
		if (acme_chall_result(ca, c->id, false, ACME_PROB_SERVER_INTERNAL,
				      ca->acme->validator == NULL
					  ? "validation is not running"
					  : "the validation queue is full; try again later") !=
		    ACME_PROB_NONE)
			fprintf(stderr, "privca: acme: challenge %s stays processing\n", c->id);
	}
}

enum acme_problem acme_chall_post(struct ca *ca, const struct acme_auth *auth, const char *id,
				  struct acme_chall_view *out, char authz_id[ACME_ID_LEN],
				  struct acme_error *e)
{
	struct store_acme_chall c;
	struct store_acme_authz a;
	struct acme_authz view;
	enum acme_problem p;
	if (strlen(id) >= ACME_ID_LEN)
		return acme_fail(e, ACME_PROB_NOT_FOUND, "no such challenge");
	enum ca_err rc = store_acme_chall_get(ca->store, id, &c);
	if (rc == CA_ERR_NOT_FOUND)
		return acme_fail(e, ACME_PROB_NOT_FOUND, "no such challenge");
	if (rc != CA_OK)
		return acme_fail_store(e, rc, "the challenge could not be read");
	if ((p = authz_owned(ca, auth, c.authz_id, &a, e)) != ACME_PROB_NONE)
		return p;
	bool moved = false;
	if (strcmp(a.status, "pending") == 0 && a.expires_at > clock_now(&ca->clock)) {
		rc = store_acme_chall_move(ca->store, id, "pending", "processing", NULL, NULL, 0,
					   &moved);
		if (rc != CA_OK)
			return acme_fail_store(e, rc, "the challenge could not be updated");
		if (moved) {
			snprintf(c.status, sizeof(c.status), "processing");
			acme_submit(ca, &c);
		}
	}
	/* Read back after the submit: a fast validator may have answered. */
	if ((p = authz_view(ca, &a, &view, e)) != ACME_PROB_NONE)
		return p;
	for (size_t i = 0; i < view.nch; i++)
		if (strcmp(view.ch[i].id, id) == 0)
			*out = view.ch[i];
	if (moved && strcmp(out->status, "valid") == 0)
		snprintf(out->status, sizeof(out->status), "processing"); /* as answered */
	snprintf(authz_id, ACME_ID_LEN, "%s", a.id);
	return ACME_PROB_NONE;
}

enum acme_problem acme_chall_result(struct ca *ca, const char *chall_id, bool valid,
				    enum acme_problem type, const char *detail)
{
	struct store_acme_chall c;
	struct store_acme_authz a;
	bool moved = false, ready = false;
	struct acme_error e;
	if (store_acme_chall_get(ca->store, chall_id, &c) != CA_OK ||
	    store_acme_authz_get(ca->store, c.authz_id, &a) != CA_OK)
		return acme_fail(&e, ACME_PROB_SERVER_INTERNAL, "challenge unknown");
	enum ca_err rc;
	if (valid) {
		/* Challenge, authorization and (when it was the last) order in
		 * one transaction: nobody sees them half moved. */
		rc = store_acme_chall_validated(ca->store, chall_id, clock_now(&ca->clock), &moved,
						&ready);
		return rc == CA_OK ? ACME_PROB_NONE
				   : acme_fail_store(&e, rc, "the challenge could not be updated");
	}
	rc = store_acme_chall_move(ca->store, chall_id, "processing", "invalid",
				   acme_problem_name(type), detail, 0, &moved);
	if (rc != CA_OK)
		return acme_fail_store(&e, rc, "the challenge could not be updated");
	if (!moved)
		return ACME_PROB_NONE; /* answered already */
	if ((rc = store_acme_authz_move(ca->store, a.id, "pending", "invalid", &moved)) != CA_OK)
		return acme_fail_store(&e, rc, "the authorization could not be updated");
	if (!moved)
		return ACME_PROB_NONE;
	char d[600];
	snprintf(d, sizeof(d), "%s: %s", a.value, detail ? detail : "");
	rc = store_acme_order_move(ca->store, a.order_id, "pending", "invalid", NULL,
				   acme_problem_name(type), d, &moved);
	if (rc != CA_OK)
		return acme_fail_store(&e, rc, "the order could not be updated");
	if (moved)
		acme_count(&ca->acme->n.orders_invalid);
	return ACME_PROB_NONE;
}
