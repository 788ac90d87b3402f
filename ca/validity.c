/*
 * The code in this file implements ca_validity (ca.h): whether the issuing
 * CA's certificate is valid now. Issuance, CRL signing and /healthz ask it;
 * it sits apart so that none of them calls up into authority.c.
 */
#include "clock.h"
#include "errors.h"
#include "internal.h"

enum ca_err ca_validity(struct ca *ca, int64_t *seconds_left, struct ca_error *err)
{
	int64_t now = clock_now(&ca->clock);
	char nb[21], na[21];
	ca_time_rfc3339(ca->issuer.not_before, nb);
	ca_time_rfc3339(ca->issuer.not_after, na);
	if (seconds_left != NULL)
		*seconds_left = ca->issuer.not_after - now;
	if (now >= ca->issuer.not_after)
		return ca_fail(err, CA_ERR_UNAVAILABLE,
			       "the CA's certificate expired at %s (valid from %s): it issues "
			       "nothing more; renew or replace the CA",
			       na, nb);
	if (now < ca->issuer.not_before)
		return ca_fail(err, CA_ERR_UNAVAILABLE,
			       "the CA's certificate is not valid before %s (until %s): check "
			       "this machine's clock",
			       nb, na);
	return CA_OK;
}
