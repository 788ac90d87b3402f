/*
 * The code in this file implements urls.h: the CRL, OCSP and issuer URLs
 * of an issued certificate, from the CA's base URL.
 */
#include "urls.h"

#include <stdio.h>
#include <string.h>

#include "errors.h"

static bool join(char *out, const char *base, size_t blen, const char *path)
{
	int n = snprintf(out, CERT_URL_MAX, "%.*s%s", (int)blen, base, path);
	return n > 0 && (size_t)n < CERT_URL_MAX;
}

enum ca_err cert_urls_from_base(const char *base, struct cert_urls *out, struct ca_error *err)
{
	memset(out, 0, sizeof(*out));
	size_t blen = base != NULL ? strlen(base) : 0;
	if (blen > 0 && base[blen - 1] == '/')
		blen--;
	if (blen == 0 || blen >= CERT_URL_MAX)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "the CA's base URL is empty or too long for its certificates' "
			       "CRL and OCSP URLs");
	if (!join(out->crl, base, blen, CERT_URL_CRL) ||
	    !join(out->ocsp, base, blen, CERT_URL_OCSP) ||
	    !join(out->issuer, base, blen, CERT_URL_ISSUER) ||
	    !join(out->issuer_sub, base, blen, CERT_URL_ISSUER_SUB) ||
	    !join(out->root_crl, base, blen, CERT_URL_ROOT_CRL) ||
	    !join(out->delta, base, blen, CERT_URL_DELTA)) {
		memset(out, 0, sizeof(*out));
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "the CA's base URL is too long for its certificates' CRL and OCSP "
			       "URLs");
	}
	return CA_OK;
}
