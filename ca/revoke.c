/*
 * The code in this file implements ca_revoke: check the reason and the
 * serial, record the revocation (the store checks, in the same
 * transaction, that a team's token revokes only its own certificates) and
 * tell the CRL cache and the OCSP responder (revocation.h).
 */
#include "codec.h"
#include "revocation.h"
#include "tokens.h"

enum ca_err ca_revoke(struct ca *ca, const char *serial, enum ca_reason reason,
		      const struct ca_token *actor, struct ca_cert **out, struct ca_error *err)
{
	char s[33];
	if (ca_reason_name(reason) == NULL)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "reason must be one of unspecified, keyCompromise, "
			       "affiliationChanged, superseded, cessationOfOperation");
	if (!ca_serial_norm(serial, s))
		return ca_fail(err, CA_ERR_NOT_FOUND,
			       "no certificate with that serial (serials are 32 hex digits)");
	const char *who = actor ? ca_token_name(actor) : "cli";
	const char *only = actor && !ca_token_is_admin(actor) ? ca_token_name(actor) : NULL;
	struct store_revocation r = {s, clock_now(&ca->clock), reason, who, only};
	enum ca_err rc = store_revoke(ca->store, &r, err);
	if (rc == CA_ERR_FORBIDDEN)
		return ca_fail(
		    err, rc,
		    "certificate %s was requested by another team; only that team's token "
		    "or an admin token may revoke it",
		    s);
	if (rc != CA_OK)
		return rc;
	atomic_fetch_add_explicit(&ca->n_revoked, 1, memory_order_relaxed);
	revocation_changed(ca);
	if (out != NULL)
		return store_cert_get(ca->store, s, clock_now(&ca->clock), out, err);
	return CA_OK;
}
