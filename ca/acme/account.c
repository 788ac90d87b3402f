/*
 * The code in this file implements ACME accounts (RFC 8555 7.3): creation
 * bound to a team (by EAB, or the open team), lookup by key
 * (onlyReturnExisting), contact update, deactivation, key roll-over
 * (7.3.5) and the orders list. An account's status is "valid" until it is
 * deactivated; the store reads it as "deactivated" once its team's token
 * is revoked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "acme_int.h"

/* contacts joined by newlines into out; only mailto: URLs without newlines. */
static enum acme_problem contacts_join(const char *const *c, size_t n, char *out, size_t cap,
				       struct acme_error *e)
{
	size_t len = 0;
	out[0] = '\0';
	if (n > 4)
		return acme_fail(e, ACME_PROB_INVALID_CONTACT, "at most 4 contacts");
	for (size_t i = 0; i < n; i++) {
		if (strncmp(c[i], "mailto:", 7) != 0)
			return acme_fail(e, ACME_PROB_UNSUPPORTED_CONTACT,
					 "contacts must be mailto: URLs");
		const char *addr = c[i] + 7;
		const char *at = strchr(addr, '@');
		if (at == NULL || at == addr || at[1] == '\0' || strpbrk(addr, "\r\n,?") != NULL)
			return acme_fail(e, ACME_PROB_INVALID_CONTACT,
					 "contact %zu is not a plain mailto: address", i + 1);
		size_t k = strlen(c[i]);
		if (len + k + 2 > cap)
			return acme_fail(e, ACME_PROB_INVALID_CONTACT, "the contacts are too long");
		if (len)
			out[len++] = '\n';
		memcpy(out + len, c[i], k + 1);
		len += k;
	}
	return ACME_PROB_NONE;
}

enum acme_problem acme_account_new(struct ca *ca, const struct acme_auth *auth,
				   const struct acme_jws *eab, const char *url,
				   const char *const *contacts, size_t ncontacts,
				   bool only_existing, struct acme_account *out, bool *created,
				   struct acme_error *e)
{
	struct store_acme_account a;
	enum acme_problem p;
	*created = false;
	enum ca_err rc = store_acme_account_by_thumbprint(ca->store, auth->thumbprint, &a);
	if (rc == CA_OK) {
		acme_account_view(&a, out);
		return ACME_PROB_NONE; /* 7.3.1: the existing account, 200 */
	}
	if (rc != CA_ERR_NOT_FOUND)
		return acme_fail_store(e, rc, "the account could not be read");
	if (only_existing)
		return acme_fail(e, ACME_PROB_ACCOUNT_DOES_NOT_EXIST, "no account has this key");
	memset(&a, 0, sizeof(a));
	if ((p = contacts_join(contacts, ncontacts, a.contact, sizeof(a.contact), e)) !=
	    ACME_PROB_NONE)
		return p;
	if (eab != NULL) {
		if ((p = eab_check(ca, eab, url, auth->thumbprint, a.team, a.eab_kid, e)) !=
		    ACME_PROB_NONE)
			return p;
	} else {
		char team[65] = "";
		if ((rc = store_acme_open_team(ca->store, team)) != CA_OK)
			return acme_fail_store(e, rc, "the open team could not be read");
		if (team[0] == '\0')
			return acme_fail(e, ACME_PROB_EXTERNAL_ACCOUNT_REQUIRED,
					 "this CA binds accounts to teams: ask the operator for a "
					 "key (privca acme eab TEAM) and give it as EAB");
		snprintf(a.team, sizeof(a.team), "%s", team);
	}
	if (acme_rand_id(a.id) != CA_OK)
		return acme_fail(e, ACME_PROB_SERVER_INTERNAL, "the random generator failed");
	snprintf(a.thumbprint, sizeof(a.thumbprint), "%s", auth->thumbprint);
	a.jwk = *jwk_members(auth->key);
	snprintf(a.status, sizeof(a.status), "valid");
	a.created_at = clock_now(&ca->clock);
	rc = store_acme_account_put(ca->store, &a, clock_now(&ca->clock));
	if (rc == CA_ERR_FORBIDDEN)
		return acme_fail(e, ACME_PROB_UNAUTHORIZED,
				 "the binding key is spent, revoked or expired");
	if (rc == CA_ERR_EXISTS)
		return acme_fail(e, ACME_PROB_CONFLICT, "an account with this key was just made");
	if (rc != CA_OK)
		return acme_fail_store(e, rc, "the account could not be stored");
	acme_count(&ca->acme->n.accounts);
	acme_account_view(&a, out);
	*created = true;
	return ACME_PROB_NONE;
}

/* The signing account must be the one the URL names. */
static enum acme_problem own(const struct acme_auth *auth, const char *id, struct acme_error *e)
{
	if (!auth->by_kid || strcmp(auth->account.id, id) != 0)
		return acme_fail(e, ACME_PROB_UNAUTHORIZED, "this is another account's URL");
	return ACME_PROB_NONE;
}

enum acme_problem acme_account_update(struct ca *ca, const struct acme_auth *auth, const char *id,
				      const char *const *contacts, size_t ncontacts,
				      bool deactivate, struct acme_account *out,
				      struct acme_error *e)
{
	enum acme_problem p;
	if ((p = own(auth, id, e)) != ACME_PROB_NONE)
		return p;
	char contact[1024];
	snprintf(contact, sizeof(contact), "%s", auth->account.contact);
	if (contacts != NULL &&
	    (p = contacts_join(contacts, ncontacts, contact, sizeof(contact), e)) != ACME_PROB_NONE)
		return p;
	if (contacts != NULL || deactivate) {
		enum ca_err rc = store_acme_account_update(ca->store, id, contact,
							   deactivate ? "deactivated" : "valid");
		if (rc == CA_ERR_NOT_FOUND)
			return acme_fail(e, ACME_PROB_UNAUTHORIZED,
					 "the account could not be updated");
		if (rc != CA_OK)
			return acme_fail_store(e, rc, "the account could not be updated");
	}
	struct store_acme_account a;
	enum ca_err rc = store_acme_account_get(ca->store, id, &a);
	if (rc != CA_OK)
		return acme_fail_store(e, rc, "the account could not be read");
	acme_account_view(&a, out);
	return ACME_PROB_NONE;
}

enum acme_problem acme_key_change(struct ca *ca, const struct acme_auth *auth,
				  const struct acme_jws *inner, const char *url,
				  const char *acct_prefix, const char *inner_account,
				  const struct acme_jwk *old_key, struct acme_error *e)
{
	enum acme_problem p;
	struct store_acme_jwk canon, oldc;
	struct acme_jwk_key *nk = NULL, *ok = NULL;
	char tp[48], oldtp[48], want[512];
	if (!auth->by_kid)
		return acme_fail(e, ACME_PROB_MALFORMED,
				 "keyChange is signed with the account's kid");
	if (!inner->has_jwk || inner->kid != NULL)
		return acme_fail(e, ACME_PROB_MALFORMED,
				 "the inner JWS of keyChange carries the new key as jwk");
	if (inner->nonce != NULL)
		return acme_fail(e, ACME_PROB_MALFORMED, "the inner JWS must not carry a nonce");
	if (inner->url == NULL || strcmp(inner->url, url) != 0)
		return acme_fail(e, ACME_PROB_MALFORMED,
				 "the inner JWS's url must be the keyChange URL");
	snprintf(want, sizeof(want), "%s%s", acct_prefix, auth->account.id);
	if (inner_account == NULL || strcmp(inner_account, want) != 0)
		return acme_fail(e, ACME_PROB_MALFORMED,
				 "the inner payload's account must be the signing account's URL");
	if ((p = jwk_import(&inner->jwk, &canon, &nk, e)) != ACME_PROB_NONE)
		return p;
	if ((p = jwk_verify(nk, inner->alg, inner->signing_input, inner->signing_input_len,
			    inner->sig, inner->sig_len, e)) != ACME_PROB_NONE)
		goto out;
	if (old_key == NULL || (p = jwk_import(old_key, &oldc, &ok, e)) != ACME_PROB_NONE) {
		p = acme_fail(e, ACME_PROB_MALFORMED, "the inner payload's oldKey is not a JWK");
		goto out;
	}
	jwk_thumbprint(&oldc, oldtp);
	if (strcmp(oldtp, auth->thumbprint) != 0) {
		p = acme_fail(e, ACME_PROB_MALFORMED, "oldKey is not the account's current key");
		goto out;
	}
	jwk_thumbprint(&canon, tp);
	enum ca_err rc = store_acme_account_rekey(ca->store, auth->account.id, &canon, tp);
	if (rc == CA_ERR_EXISTS)
		p = acme_fail(e, ACME_PROB_CONFLICT, "another account has that key");
	else if (rc != CA_OK)
		p = acme_fail_store(e, rc, "the key could not be changed");
out:
	jwk_key_free(nk);
	jwk_key_free(ok);
	return p;
}

enum acme_problem acme_account_orders(struct ca *ca, const struct acme_auth *auth, const char *id,
				      const char *cursor, char (**ids)[ACME_ID_LEN], size_t *n,
				      char next[ACME_ID_LEN], struct acme_error *e)
{
	enum acme_problem p;
	next[0] = '\0';
	if ((p = own(auth, id, e)) != ACME_PROB_NONE)
		return p;
	if (cursor == NULL)
		cursor = "";
	if (cursor[0] != '\0') {
		struct store_acme_order o;
		enum ca_err rc = strlen(cursor) < ACME_ID_LEN
				     ? store_acme_order_get(ca->store, cursor, &o)
				     : CA_ERR_NOT_FOUND;
		bool mine = rc == CA_OK && strcmp(o.account_id, id) == 0;
		if (rc == CA_OK)
			store_acme_order_clear(&o);
		if (rc != CA_OK && rc != CA_ERR_NOT_FOUND)
			return acme_fail_store(e, rc, "the orders could not be read");
		if (!mine)
			return acme_fail(e, ACME_PROB_MALFORMED,
					 "cursor is not one of this account's orders");
	}
	_Static_assert(ACME_ID_LEN == STORE_ACME_ID, "one id size");
	/* One more than a page: whether there is a next one. */
	enum ca_err rc = store_acme_order_ids(ca->store, id, cursor, ACME_ORDERS_PAGE + 1, ids, n);
	if (rc != CA_OK)
		return acme_fail_store(e, rc, "the orders could not be read");
	if (*n > ACME_ORDERS_PAGE) {
		*n = ACME_ORDERS_PAGE;
		memcpy(next, (*ids)[ACME_ORDERS_PAGE - 1], ACME_ID_LEN);
	}
	return ACME_PROB_NONE;
}
