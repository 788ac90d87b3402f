/*
 * The code in this file implements renewalInfo (RFC 9773): the CertID is
 * base64url(authorityKeyIdentifier) "." base64url(serial DER content); the
 * window suggested is within the last third of the validity, and for a
 * revoked certificate it has begun already, so that clients renew now.
 */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "acme_int.h"
#include "codec.h"

enum acme_problem acme_renewal_info(struct ca *ca, const char *certid, int64_t *start, int64_t *end,
				    struct acme_error *e)
{
	const char *dot = strchr(certid, '.');
	uint8_t *aki = NULL, *sn = NULL;
	size_t akl = 0, snl = 0;
	enum acme_problem p = ACME_PROB_NONE;
	struct ca_cert *c = NULL;
	if (dot == NULL || strlen(certid) > 200 ||
	    !b64_decode((const uint8_t *)certid, (size_t)(dot - certid), &aki, &akl) ||
	    !b64_decode((const uint8_t *)dot + 1, strlen(dot + 1), &sn, &snl)) {
		p = acme_fail(e, ACME_PROB_MALFORMED,
			      "the CertID is base64url(keyIdentifier) \".\" base64url(serial)");
		goto out;
	}
	if (akl != 20 || memcmp(aki, ca->ski, 20) != 0 || snl != 16) {
		p = acme_fail(e, ACME_PROB_NOT_FOUND, "no certificate of this CA has that CertID");
		goto out;
	}
	char serial[33];
	hex_encode(sn, snl, serial);
	struct ca_error err;
	if (ca_cert_get(ca, serial, &c, &err) != CA_OK) {
		p = acme_fail(e, ACME_PROB_NOT_FOUND, "no certificate of this CA has that CertID");
		goto out;
	}
	int64_t life = c->not_after - c->not_before;
	if (c->status == CA_STATUS_REVOKED) {
		*start = clock_now(&ca->clock) - 86400;
		*end = clock_now(&ca->clock) - 3600;
	} else {
		*start = c->not_after - life / 3;
		*end = c->not_after - life / 6;
	}
out:
	ca_cert_free(c);
	free(aki);
	free(sn);
	return p;
}
