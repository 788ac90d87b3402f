/*
 * The code in this file implements ext.h: the Extension wrapper shared by
 * the certificate and CRL encoders and by the CSR and certificate readers,
 * and the URL-bearing extensions (RFC 5280 4.2.1.13, 4.2.2.1).
 */
#include "x509/ext.h"

#include <string.h>

#include "x509/oid.h"

size_t ext_begin(struct der_w *w, const char *oid, size_t oid_len, bool critical, size_t *octets)
{
	size_t m = der_begin(w, DER_SEQUENCE);
	der_oid(w, (const uint8_t *)oid, oid_len);
	if (critical)
		der_bool(w, true);
	*octets = der_begin(w, DER_OCTET_STRING);
	return m;
}

void ext_end(struct der_w *w, size_t m, size_t octets)
{
	der_end(w, octets);
	der_end(w, m);
}

/* uniformResourceIdentifier [6] IA5String */
static void put_uri(struct der_w *w, const char *url)
{
	der_tlv(w, DER_CTX(6), url, strlen(url));
}

/* CRLDistributionPoints, the syntax of both cRLDistributionPoints and
 * freshestCRL (RFC 5280 4.2.1.13, 4.2.1.15): one DistributionPoint
 * { distributionPoint [0] { fullName [0] { URI } } }. */
static void put_dist_point(struct der_w *w, const char *oid, size_t oid_len, const char *url)
{
	size_t oct, m = ext_begin(w, oid, oid_len, false, &oct);
	size_t s = der_begin(w, DER_SEQUENCE);
	size_t dp = der_begin(w, DER_SEQUENCE);
	size_t dpn = der_begin(w, DER_CTX_CONS(0));
	size_t full = der_begin(w, DER_CTX_CONS(0));
	put_uri(w, url);
	der_end(w, full);
	der_end(w, dpn);
	der_end(w, dp);
	der_end(w, s);
	ext_end(w, m, oct);
}

void ext_put_crl_dp(struct der_w *w, const char *url)
{
	put_dist_point(w, OID_CE_CRL_DP, OID_LEN(OID_CE_CRL_DP), url);
}

void ext_put_freshest_crl(struct der_w *w, const char *url)
{
	put_dist_point(w, OID_CE_FRESHEST_CRL, OID_LEN(OID_CE_FRESHEST_CRL), url);
}

/* AccessDescription ::= SEQUENCE { accessMethod OID, accessLocation URI } */
static void access_description(struct der_w *w, const char *method, size_t method_len,
			       const char *url)
{
	size_t ad = der_begin(w, DER_SEQUENCE);
	der_oid(w, (const uint8_t *)method, method_len);
	put_uri(w, url);
	der_end(w, ad);
}

void ext_put_aia(struct der_w *w, const char *ocsp, const char *issuer)
{
	if (ocsp == NULL && issuer == NULL)
		return;
	size_t oct, m = EXT_BEGIN(w, OID_PE_AIA, false, &oct);
	size_t s = der_begin(w, DER_SEQUENCE);
	if (ocsp != NULL)
		access_description(w, OID_AD_OCSP, OID_LEN(OID_AD_OCSP), ocsp);
	if (issuer != NULL)
		access_description(w, OID_AD_CA_ISSUERS, OID_LEN(OID_AD_CA_ISSUERS), issuer);
	der_end(w, s);
	ext_end(w, m, oct);
}

bool ext_read(const struct der_elem *e, struct ext *out)
{
	struct der_r x = der_in(e);
	struct der_elem crit;
	memset(out, 0, sizeof(*out));
	if (e->tag != DER_SEQUENCE || !der_expect(&x, DER_OID, &out->id) || out->id.len == 0)
		return false;
	if (der_peek(&x, DER_BOOLEAN)) {
		if (!der_expect(&x, DER_BOOLEAN, &crit) || crit.len != 1 ||
		    (crit.val[0] != 0 && crit.val[0] != 0xff))
			return false;
		out->critical = crit.val[0] == 0xff;
	}
	return der_expect(&x, DER_OCTET_STRING, &out->value) && x.len == 0;
}
