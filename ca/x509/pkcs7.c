/*
 * The code in this file implements PKCS#7 certs-only bundles (ca_p7b):
 * RFC 5652 5.1 degenerate SignedData, no signers, only certificates.
 */
#include "x509/der.h"
#include "x509/oid.h"
#include "privca/ca.h"

enum ca_err ca_p7b(const uint8_t *const *certs, const size_t *lens, size_t n, uint8_t **out,
		   size_t *out_len)
{
	struct der_w w = {0};
	size_t ci = der_begin(&w, DER_SEQUENCE);
	der_oid(&w, (const uint8_t *)OID_PKCS7_SIGNED_DATA, OID_LEN(OID_PKCS7_SIGNED_DATA));
	size_t x = der_begin(&w, DER_CTX_CONS(0));
	size_t sd = der_begin(&w, DER_SEQUENCE);
	der_uint(&w, 1);
	der_tlv(&w, DER_SET, NULL, 0); /* digestAlgorithms */
	size_t eci = der_begin(&w, DER_SEQUENCE);
	der_oid(&w, (const uint8_t *)OID_PKCS7_DATA, OID_LEN(OID_PKCS7_DATA));
	der_end(&w, eci);
	size_t cs = der_begin(&w, DER_CTX_CONS(0));
	for (size_t i = 0; i < n; i++)
		der_raw(&w, certs[i], lens[i]);
	der_end(&w, cs);
	der_tlv(&w, DER_SET, NULL, 0); /* signerInfos */
	der_end(&w, sd);
	der_end(&w, x);
	der_end(&w, ci);
	return der_finish(&w, out, out_len) ? CA_OK : CA_ERR_NOMEM;
}
