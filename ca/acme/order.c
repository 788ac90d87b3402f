/*
 * The code in this file implements ACME orders (RFC 8555 7.1.3, 7.4):
 * newOrder with the team's policy checked at order time, the order's
 * reading, finalize through the same issue path and durable record as the
 * JSON API (ca_issue with the team's token: the team is the requester),
 * certificate download, and revokeCert (7.6).
 *
 * Order states, each transition in one place:
 *   pending -> ready        authz.c, when the last authorization is valid
 *                           (in the same store transaction)
 *   pending -> invalid      authz.c, when an authorization is invalid
 *   ready -> processing     acme_order_finalize, before signing
 *   processing -> valid     acme_order_finalize, with the serial
 *   processing -> invalid   acme_order_finalize, when issuance failed
 * A pending or ready order past its expiry reads as invalid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "acme_int.h"
#include "codec.h"
#include "crypto/signer.h"
#include "x509/csr.h"
#include "x509/cert_read.h"
#include "x509/der.h"
#include "policy.h"
#include "tokens.h"

#define ORDER_TTL (7 * 86400)

void acme_order_free(struct acme_order *o)
{
	free(o->idents);
	free(o->authz);
	o->idents = NULL;
	o->authz = NULL;
}

/* The team's token and its policy; CA_ERR_UNAUTHORIZED if it is revoked. */
static enum acme_problem team_token(struct ca *ca, const char *team, struct ca_token **tok,
				    struct acme_error *e)
{
	struct ca_error err;
	enum ca_err rc = token_by_name(ca, team, tok, &err);
	if (rc == CA_ERR_UNAUTHORIZED)
		return acme_fail(e, ACME_PROB_UNAUTHORIZED, "%s", err.detail);
	if (rc != CA_OK)
		return acme_fail_store(e, rc, "the team could not be read");
	return ACME_PROB_NONE;
}

static void add_sub(struct acme_error *e, enum acme_problem t, const struct acme_ident *id,
		    const char *detail)
{
	if (e == NULL || e->nsub >= ACME_MAX_SUB)
		return;
	struct acme_subproblem *s = &e->sub[e->nsub++];
	s->type = t;
	snprintf(s->id_type, sizeof(s->id_type), "%s", id->type);
	snprintf(s->id_value, sizeof(s->id_value), "%s", id->value);
	/* A core message is longer than a subproblem may be: cut it, knowingly. */
	snprintf(s->detail, sizeof(s->detail), "%.*s", (int)sizeof(s->detail) - 1, detail);
}

/* Parse and dedupe identifiers into names; unsupported or malformed ones
 * are subproblems. */
static enum acme_problem parse_idents(const struct acme_ident *ids, size_t n, struct name *names,
				      size_t *nn, struct acme_error *e)
{
	struct acme_error sub = {0};
	*nn = 0;
	for (size_t i = 0; i < n; i++) {
		struct name nm;
		struct ca_error err;
		bool dns = strcmp(ids[i].type, "dns") == 0, ip = strcmp(ids[i].type, "ip") == 0;
		if (!dns && !ip) {
			add_sub(&sub, ACME_PROB_UNSUPPORTED_IDENTIFIER, &ids[i],
				"identifier types are dns and ip");
			continue;
		}
		if (name_parse(ids[i].value, &nm, &err) != CA_OK || (nm.kind == NAME_DNS) != dns) {
			add_sub(&sub, ACME_PROB_REJECTED_IDENTIFIER, &ids[i],
				dns ? "not a valid DNS name" : "not an IP address");
			continue;
		}
		bool dup = false;
		for (size_t k = 0; k < *nn; k++)
			dup |= names[k].kind == nm.kind && strcmp(names[k].text, nm.text) == 0;
		if (!dup)
			names[(*nn)++] = nm;
	}
	if (sub.nsub > 0) {
		enum acme_problem t = sub.nsub == 1 ? sub.sub[0].type : ACME_PROB_COMPOUND;
		if (sub.nsub > 1 && sub.sub[0].type == sub.sub[sub.nsub - 1].type)
			t = sub.sub[0].type;
		acme_fail(e, t, "%s: %s", sub.sub[0].id_value, sub.sub[0].detail);
		memcpy(e->sub, sub.sub, sizeof(sub.sub));
		e->nsub = sub.nsub;
		return t;
	}
	return ACME_PROB_NONE;
}

/* Every name against the team's policy; refusals are subproblems. */
static enum acme_problem check_policy(const struct ca_token *tok, const struct name *names,
				      size_t n, struct acme_error *e)
{
	struct policy_token pt;
	struct acme_error sub = {0};
	token_policy(tok, &pt);
	for (size_t i = 0; i < n; i++) {
		struct ca_error err;
		if (policy_check(&pt, CA_PROFILE_SERVER, &names[i], 1, &err) != CA_OK) {
			struct acme_ident id;
			snprintf(id.type, sizeof(id.type), "%s",
				 names[i].kind == NAME_DNS ? "dns" : "ip");
			snprintf(id.value, sizeof(id.value), "%s", names[i].text);
			add_sub(&sub, ACME_PROB_REJECTED_IDENTIFIER, &id, err.detail);
		}
	}
	if (sub.nsub == 0)
		return ACME_PROB_NONE;
	acme_fail(e, ACME_PROB_REJECTED_IDENTIFIER, "%s", sub.sub[0].detail);
	memcpy(e->sub, sub.sub, sizeof(sub.sub));
	e->nsub = sub.nsub;
	return ACME_PROB_REJECTED_IDENTIFIER;
}

static int add_challs(struct store_acme_chall *ch, size_t *nch, const struct store_acme_authz *az)
{
	static const char *const dns_types[] = {"http-01", "dns-01", "tls-alpn-01"};
	static const char *const wild_types[] = {"dns-01"};
	static const char *const ip_types[] = {"http-01", "tls-alpn-01"};
	const char *const *t = strcmp(az->type, "ip") == 0 ? ip_types
			       : az->wildcard		   ? wild_types
							   : dns_types;
	size_t k = strcmp(az->type, "ip") == 0 ? 2 : az->wildcard ? 1 : 3;
	for (size_t i = 0; i < k; i++) {
		struct store_acme_chall *c = &ch[(*nch)++];
		memset(c, 0, sizeof(*c));
		uint8_t tb[32];
		if (acme_rand_id(c->id) != CA_OK || rand_bytes(tb, sizeof(tb)) != CA_OK)
			return -1;
		char *tok = b64url_encode(tb, sizeof(tb));
		if (tok == NULL)
			return -1;
		snprintf(c->token, sizeof(c->token), "%s", tok);
		free(tok);
		snprintf(c->authz_id, sizeof(c->authz_id), "%s", az->id);
		snprintf(c->type, sizeof(c->type), "%s", t[i]);
		snprintf(c->status, sizeof(c->status), "pending");
		c->position = (int)i;
	}
	return 0;
}

/*
 * RFC 8555 7.1.4 reuse: the account's valid, unexpired authorization for
 * the same identifier (wildcard or not) makes a's authorization valid at
 * once, with that one's expiry and a copy of the challenge that proved it,
 * so the new order asks nothing again. Only the same account's are
 * reused; policy was checked at this newOrder. false if there is none.
 */
static bool authz_reuse(struct ca *ca, struct store_acme_authz *a, struct store_acme_chall *ch,
			size_t *nch)
{
	struct store_acme_authz prev;
	struct store_acme_chall *pc = NULL;
	size_t npc = 0;
	bool found = false;
	if (store_acme_authz_valid(ca->store, a->account_id, a->type, a->value, a->wildcard,
				   clock_now(&ca->clock), &prev) != CA_OK ||
	    store_acme_chall_list(ca->store, prev.id, &pc, &npc) != CA_OK)
		return false;
	for (size_t i = 0; i < npc && !found; i++) {
		if (strcmp(pc[i].status, "valid") != 0)
			continue;
		struct store_acme_chall *c = &ch[(*nch)++];
		*c = pc[i];
		if (acme_rand_id(c->id) != CA_OK) {
			(*nch)--;
			break;
		}
		snprintf(c->authz_id, sizeof(c->authz_id), "%s", a->id);
		c->position = 0;
		found = true;
	}
	free(pc);
	if (found) {
		snprintf(a->status, sizeof(a->status), "valid");
		a->expires_at = prev.expires_at;
		acme_count(&ca->acme->n.authz_reused);
	}
	return found;
}

/* The authorization for name (position i of order o) into a, with its
 * challenges appended to ch: reused when it can be, else pending. */
static enum acme_problem authz_make(struct ca *ca, const struct store_acme_order *o,
				    const struct name *nm, int i, struct store_acme_authz *a,
				    struct store_acme_chall *ch, size_t *nch, struct acme_error *e)
{
	if (acme_rand_id(a->id) != CA_OK)
		return acme_fail(e, ACME_PROB_SERVER_INTERNAL, "the random generator failed");
	snprintf(a->order_id, sizeof(a->order_id), "%s", o->id);
	snprintf(a->account_id, sizeof(a->account_id), "%s", o->account_id);
	snprintf(a->type, sizeof(a->type), "%s", nm->kind == NAME_DNS ? "dns" : "ip");
	a->wildcard = nm->wildcard;
	snprintf(a->value, sizeof(a->value), "%s", nm->wildcard ? nm->text + 2 : nm->text);
	snprintf(a->status, sizeof(a->status), "pending");
	a->expires_at = o->expires_at;
	a->position = i;
	if (authz_reuse(ca, a, ch, nch))
		return ACME_PROB_NONE;
	if (add_challs(ch, nch, a) != 0)
		return acme_fail(e, ACME_PROB_SERVER_INTERNAL, "the random generator failed");
	return ACME_PROB_NONE;
}

enum acme_problem acme_order_new(struct ca *ca, const struct acme_auth *auth,
				 const struct acme_ident *ids, size_t n, const char *replaces,
				 struct acme_order *out, struct acme_error *e)
{
	enum acme_problem p;
	struct name *names = NULL;
	struct store_acme_authz *az = NULL;
	struct store_acme_chall *ch = NULL;
	struct ca_token *tok = NULL;
	struct store_acme_order o = {0};
	size_t nn = 0, nch = 0;

	if (!auth->by_kid)
		return acme_fail(e, ACME_PROB_MALFORMED,
				 "newOrder is signed with the account's kid");
	if (n == 0 || n > POLICY_MAX_NAMES)
		return acme_fail(e, ACME_PROB_MALFORMED, "an order names 1 to %d identifiers",
				 POLICY_MAX_NAMES);
	if (replaces != NULL && strlen(replaces) >= sizeof(o.replaces))
		return acme_fail(e, ACME_PROB_MALFORMED, "replaces is too long");
	names = calloc(n, sizeof(*names));
	az = calloc(n, sizeof(*az));
	ch = calloc(3 * n, sizeof(*ch));
	o.identifiers = calloc(n, 264);
	if (names == NULL || az == NULL || ch == NULL || o.identifiers == NULL) {
		p = acme_fail(e, ACME_PROB_SERVER_INTERNAL, "out of memory");
		goto out;
	}
	if ((p = parse_idents(ids, n, names, &nn, e)) != ACME_PROB_NONE ||
	    (p = team_token(ca, auth->account.team, &tok, e)) != ACME_PROB_NONE ||
	    (p = check_policy(tok, names, nn, e)) != ACME_PROB_NONE)
		goto out;

	int64_t now = clock_now(&ca->clock);
	if (acme_rand_id(o.id) != CA_OK) {
		p = acme_fail(e, ACME_PROB_SERVER_INTERNAL, "the random generator failed");
		goto out;
	}
	snprintf(o.account_id, sizeof(o.account_id), "%s", auth->account.id);
	snprintf(o.status, sizeof(o.status), "pending");
	snprintf(o.replaces, sizeof(o.replaces), "%s", replaces ? replaces : "");
	o.created_at = now;
	o.expires_at = now + ORDER_TTL;
	size_t len = 0, valid = 0;
	for (size_t i = 0; i < nn; i++) {
		len += (size_t)sprintf(o.identifiers + len, "%s%s:%s", i ? "\n" : "",
				       names[i].kind == NAME_DNS ? "dns" : "ip", names[i].text);
		if ((p = authz_make(ca, &o, &names[i], (int)i, &az[i], ch, &nch, e)) !=
		    ACME_PROB_NONE)
			goto out;
		valid += strcmp(az[i].status, "valid") == 0;
	}
	if (valid == nn) /* every identifier authorized already (7.1.6) */
		snprintf(o.status, sizeof(o.status), "ready");
	enum ca_err rc = store_acme_order_put(ca->store, &o, az, nn, ch, nch);
	if (rc != CA_OK) {
		p = acme_fail_store(e, rc, "the order could not be stored");
		goto out;
	}
	acme_count(&ca->acme->n.orders);
	p = acme_order_get(ca, auth, o.id, out, e);
out:
	ca_token_free(tok);
	store_acme_order_clear(&o);
	free(names);
	free(az);
	free(ch);
	return p;
}

enum acme_problem acme_order_get(struct ca *ca, const struct acme_auth *auth, const char *id,
				 struct acme_order *out, struct acme_error *e)
{
	struct store_acme_order o;
	struct store_acme_authz *az = NULL;
	size_t naz = 0;
	memset(out, 0, sizeof(*out));
	if (strlen(id) >= ACME_ID_LEN)
		return acme_fail(e, ACME_PROB_NOT_FOUND, "no such order");
	enum ca_err rc = store_acme_order_get(ca->store, id, &o);
	if (rc == CA_ERR_NOT_FOUND)
		return acme_fail(e, ACME_PROB_NOT_FOUND, "no such order");
	if (rc != CA_OK)
		return acme_fail_store(e, rc, "the order could not be read");
	if (auth != NULL && strcmp(o.account_id, auth->account.id) != 0) {
		store_acme_order_clear(&o);
		return acme_fail(e, ACME_PROB_UNAUTHORIZED,
				 "this order belongs to another account");
	}
	if ((rc = store_acme_authz_list(ca->store, id, &az, &naz)) != CA_OK) {
		store_acme_order_clear(&o);
		return acme_fail_store(e, rc, "the order could not be read");
	}
	snprintf(out->id, sizeof(out->id), "%s", o.id);
	snprintf(out->status, sizeof(out->status), "%s", o.status);
	snprintf(out->serial, sizeof(out->serial), "%s", o.serial);
	out->expires = o.expires_at;
	if ((strcmp(o.status, "pending") == 0 || strcmp(o.status, "ready") == 0) &&
	    o.expires_at <= clock_now(&ca->clock))
		snprintf(out->status, sizeof(out->status), "invalid");
	if (o.error_type[0] != '\0') {
		out->error.type = acme_problem_parse(o.error_type);
		snprintf(out->error.detail, sizeof(out->error.detail), "%s", o.error_detail);
	}
	out->idents = calloc(naz ? naz : 1, sizeof(*out->idents));
	out->authz = calloc(naz ? naz : 1, sizeof(*out->authz));
	if (out->idents == NULL || out->authz == NULL) {
		acme_order_free(out);
		free(az);
		store_acme_order_clear(&o);
		return acme_fail(e, ACME_PROB_SERVER_INTERNAL, "out of memory");
	}
	for (size_t i = 0; i < naz; i++) {
		snprintf(out->idents[i].type, sizeof(out->idents[i].type), "%s", az[i].type);
		snprintf(out->idents[i].value, sizeof(out->idents[i].value), "%s%.253s",
			 az[i].wildcard ? "*." : "", az[i].value);
		snprintf(out->authz[i], ACME_ID_LEN, "%s", az[i].id);
	}
	out->nidents = out->nauthz = naz;
	free(az);
	store_acme_order_clear(&o);
	return ACME_PROB_NONE;
}

/* Does the CSR name exactly the order's identifiers? */
static enum acme_problem csr_names(const struct acme_order *o, const uint8_t *der, size_t len,
				   struct acme_error *e)
{
	struct csr c;
	struct name *names = NULL;
	size_t n = 0;
	struct ca_error err;
	enum acme_problem p = ACME_PROB_NONE;
	if (csr_parse(der, len, &c, &err) != CA_OK)
		return acme_fail(e, ACME_PROB_BAD_CSR, "%s", err.detail);
	if (policy_names(NULL, 0, (const char *const *)c.dns, c.ndns, (const char *const *)c.ips,
			 c.nips, c.cn, &names, &n, &err) != CA_OK) {
		p = acme_fail(e, ACME_PROB_BAD_CSR, "%s", err.detail);
		goto out;
	}
	if (c.cn != NULL) {
		struct name cn;
		bool found = false;
		if (name_parse(c.cn, &cn, &err) == CA_OK)
			for (size_t i = 0; i < n; i++)
				found |= strcmp(names[i].text, cn.text) == 0;
		if (!found) {
			p = acme_fail(e, ACME_PROB_BAD_CSR,
				      "the CSR's CN '%.200s' is not one of the order's identifiers",
				      c.cn);
			goto out;
		}
	}
	for (size_t i = 0; i < n && p == ACME_PROB_NONE; i++) {
		bool found = false;
		for (size_t k = 0; k < o->nidents; k++)
			found |= strcmp(o->idents[k].value, names[i].text) == 0;
		if (!found)
			p = acme_fail(e, ACME_PROB_BAD_CSR,
				      "the CSR names %s, which is not in the order", names[i].text);
	}
	for (size_t k = 0; k < o->nidents && p == ACME_PROB_NONE; k++) {
		bool found = false;
		for (size_t i = 0; i < n; i++)
			found |= strcmp(o->idents[k].value, names[i].text) == 0;
		if (!found)
			p = acme_fail(e, ACME_PROB_BAD_CSR,
				      "the CSR does not name %s, which the "
				      "order does",
				      o->idents[k].value);
	}
out:
	free(names);
	csr_free(&c);
	return p;
}

/*
 * ca_issue failed with rc (err says why) for order id, which is
 * processing: it becomes invalid with the reason, or ready again when
 * the CA cannot do it now (CA_ERR_UNAVAILABLE: the store is unreachable,
 * nothing was issued) so that the client's retry may succeed.
 */
static enum acme_problem issue_failed(struct ca *ca, const char *id, enum ca_err rc,
				      const struct ca_error *err, struct acme_error *e)
{
	bool moved = false;
	if (rc == CA_ERR_UNAVAILABLE) {
		if (store_acme_order_move(ca->store, id, "processing", "ready", NULL, NULL, NULL,
					  &moved) != CA_OK)
			fprintf(stderr, "privca: acme: order %s stays processing\n", id);
		acme_fail(e, ACME_PROB_SERVER_INTERNAL, "%s", err->detail);
		e->cause = rc;
		return ACME_PROB_SERVER_INTERNAL;
	}
	enum acme_problem t =
	    rc == CA_ERR_BAD_CSR || rc == CA_ERR_WEAK_KEY || rc == CA_ERR_BAD_SIGNATURE
		? ACME_PROB_BAD_CSR
	    : rc == CA_ERR_NAME_NOT_ALLOWED ? ACME_PROB_REJECTED_IDENTIFIER
					    : ACME_PROB_SERVER_INTERNAL;
	if (store_acme_order_move(ca->store, id, "processing", "invalid", NULL,
				  acme_problem_name(t), err->detail, &moved) != CA_OK)
		fprintf(stderr, "privca: acme: order %s stays processing\n", id);
	else if (moved)
		acme_count(&ca->acme->n.orders_invalid);
	return acme_fail(e, t, "%s", err->detail);
}

enum acme_problem acme_order_finalize(struct ca *ca, const struct acme_auth *auth, const char *id,
				      const uint8_t *csr, size_t csr_len, struct acme_order *out,
				      struct acme_error *e)
{
	enum acme_problem p;
	struct ca_token *tok = NULL;
	struct ca_cert *cert = NULL;
	bool moved = false;
	if ((p = acme_order_get(ca, auth, id, out, e)) != ACME_PROB_NONE)
		return p;
	if (strcmp(out->status, "ready") != 0) {
		p = acme_fail(e, ACME_PROB_ORDER_NOT_READY, "the order is %s, not ready",
			      out->status);
		goto out;
	}
	if ((p = csr_names(out, csr, csr_len, e)) != ACME_PROB_NONE ||
	    (p = team_token(ca, auth->account.team, &tok, e)) != ACME_PROB_NONE)
		goto out;
	enum ca_err rc =
	    store_acme_order_move(ca->store, id, "ready", "processing", NULL, NULL, NULL, &moved);
	if (rc != CA_OK) {
		p = acme_fail_store(e, rc, "the order could not be updated");
		goto out;
	}
	if (!moved) {
		p = acme_fail(e, ACME_PROB_ORDER_NOT_READY, "the order is being finalized already");
		goto out;
	}
	struct policy_token pt;
	token_policy(tok, &pt);
	int days = ca->acme->days;
	if (pt.max_days > 0 && pt.max_days < days)
		days = pt.max_days;
	if (ca->settings.max_days < days)
		days = ca->settings.max_days;
	struct ca_issue_req req = {
	    .csr = csr,
	    .csr_len = csr_len,
	    .profile = CA_PROFILE_SERVER,
	    .validity_days = days,
	    .token = tok,
	};
	struct ca_error err;
	if ((rc = ca_issue(ca, &req, &cert, &err)) != CA_OK) {
		p = issue_failed(ca, id, rc, &err, e);
		goto out;
	}
	rc = store_acme_order_move(ca->store, id, "processing", "valid", cert->serial, NULL, NULL,
				   &moved);
	if (rc != CA_OK) {
		p = acme_fail_store(e, rc, "the order could not be updated");
		goto out;
	}
	if (moved)
		acme_count(&ca->acme->n.orders_valid);
	acme_order_free(out);
	p = acme_order_get(ca, auth, id, out, e);
	ca_token_free(tok);
	ca_cert_free(cert);
	return p;
out:
	acme_order_free(out);
	ca_token_free(tok);
	ca_cert_free(cert);
	return p;
}

/* The certificate serial is this team's? */
static enum acme_problem team_cert(struct ca *ca, const struct acme_auth *auth, const char *serial,
				   struct ca_cert **out, struct acme_error *e)
{
	struct ca_error err;
	enum ca_err rc = ca_cert_get(ca, serial, out, &err);
	if (rc == CA_ERR_NOT_FOUND)
		return acme_fail(e, ACME_PROB_NOT_FOUND, "no such certificate");
	if (rc != CA_OK)
		return acme_fail_store(e, rc, "the certificate could not be read");
	if (auth != NULL && auth->by_kid && strcmp((*out)->requester, auth->account.team) != 0) {
		ca_cert_free(*out);
		*out = NULL;
		return acme_fail(e, ACME_PROB_UNAUTHORIZED,
				 "the certificate was issued to another team");
	}
	return ACME_PROB_NONE;
}

enum acme_problem acme_cert_chain(struct ca *ca, const struct acme_auth *auth, const char *serial,
				  char **pem, struct acme_error *e)
{
	struct ca_cert *c = NULL;
	enum acme_problem p = team_cert(ca, auth, serial, &c, e);
	if (p != ACME_PROB_NONE)
		return p;
	char *leaf = ca_cert_pem(c);
	const char *root = ca_chain_pem(ca); /* the issuer up to the root */
	size_t n = leaf ? strlen(leaf) + strlen(root) + 1 : 0;
	char *s = leaf ? malloc(n) : NULL;
	if (s == NULL)
		p = acme_fail(e, ACME_PROB_SERVER_INTERNAL, "out of memory");
	else
		snprintf(s, n, "%s%s", leaf, root);
	free(leaf);
	ca_cert_free(c);
	*pem = s;
	return p;
}

/* Serial (hex) and SPKI of a certificate DER: privca's serials are 16 bytes. */
static bool cert_serial_spki(const uint8_t *der, size_t len, char serial[33], struct der_elem *spki)
{
	struct cert_parts p;
	if (!cert_read(der, len, &p) || p.serial.len != 16)
		return false;
	hex_encode(p.serial.val, p.serial.len, serial);
	*spki = p.spki;
	return true;
}

enum acme_problem acme_revoke(struct ca *ca, const struct acme_auth *auth, const uint8_t *der,
			      size_t len, int reason, struct acme_error *e)
{
	char serial[33];
	struct der_elem spki;
	struct ca_cert *c = NULL;
	struct ca_token *tok = NULL;
	enum acme_problem p;
	if (reason < 0 || reason >= CA_REASON_MAX || ca_reason_name((enum ca_reason)reason) == NULL)
		return acme_fail(e, ACME_PROB_BAD_REVOCATION_REASON,
				 "reason must be 0, 1, 3, 4 or 5 (RFC 5280 5.3.1)");
	if (!cert_serial_spki(der, len, serial, &spki))
		return acme_fail(e, ACME_PROB_MALFORMED, "certificate is not one this CA issued");
	if ((p = team_cert(ca, auth, serial, &c, e)) != ACME_PROB_NONE) {
		if (p == ACME_PROB_NOT_FOUND)
			p = acme_fail(e, ACME_PROB_MALFORMED,
				      "certificate is not one this CA issued");
		return p;
	}
	if (c->der_len != len || memcmp(c->der, der, len) != 0) {
		p = acme_fail(e, ACME_PROB_MALFORMED, "certificate is not one this CA issued");
		goto out;
	}
	if (!auth->by_kid) {
		/* Signed with a key: it must be the certificate's own. */
		if (!jwk_same_key(auth->key, spki.tlv, spki.tlv_len)) {
			p = acme_fail(e, ACME_PROB_UNAUTHORIZED,
				      "the JWS key is neither an account of the certificate's team "
				      "nor the certificate's key");
			goto out;
		}
	}
	if (c->status == CA_STATUS_REVOKED) {
		p = acme_fail(e, ACME_PROB_ALREADY_REVOKED, "the certificate is revoked already");
		goto out;
	}
	struct ca_error err;
	if (token_by_name(ca, c->requester, &tok, &err) != CA_OK)
		tok = NULL; /* the team's token is gone: revoked in the operator's name */
	enum ca_err rc = ca_revoke(ca, serial, (enum ca_reason)reason, tok, NULL, &err);
	if (rc == CA_ERR_ALREADY_REVOKED)
		p = acme_fail(e, ACME_PROB_ALREADY_REVOKED, "the certificate is revoked already");
	else if (rc != CA_OK) {
		p = acme_fail(e, ACME_PROB_SERVER_INTERNAL, "%s", err.detail);
		e->cause = rc;
	} else
		p = ACME_PROB_NONE;
	if (p == ACME_PROB_NONE)
		acme_count(&ca->acme->n.certs_revoked);
out:
	ca_token_free(tok);
	ca_cert_free(c);
	return p;
}
