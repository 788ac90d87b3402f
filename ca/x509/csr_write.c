/*
 * The code in this file implements the subordinate CA's request
 * (csr_write.h): RFC 2986 4.1, with the extensionRequest attribute of
 * RFC 2985 5.4.2.
 */
#include <stdlib.h>

#include "hierarchy/constraints.h"
#include "x509/csr_write.h"
#include "x509/der.h"
#include "x509/oid.h"

enum ca_err csr_write_ca(struct signer *k, const uint8_t *subject, size_t subject_len,
			 const struct nc *nc, uint8_t **der, size_t *len)
{
	uint8_t *spki = NULL, *cri = NULL;
	size_t spki_len, cri_len;
	struct der_w w = {0};
	enum ca_err rc = signer_spki(k, &spki, &spki_len);
	if (rc != CA_OK)
		return rc;
	size_t info = der_begin(&w, DER_SEQUENCE);
	der_uint(&w, 0); /* version v1 */
	der_raw(&w, subject, subject_len);
	der_raw(&w, spki, spki_len);
	size_t attrs = der_begin(&w, DER_CTX_CONS(0));
	size_t attr = der_begin(&w, DER_SEQUENCE);
	der_oid(&w, (const uint8_t *)OID_EXTENSION_REQUEST, OID_LEN(OID_EXTENSION_REQUEST));
	size_t vals = der_begin(&w, DER_SET);
	size_t exts = der_begin(&w, DER_SEQUENCE);

	size_t e = der_begin(&w, DER_SEQUENCE); /* basicConstraints cA, pathLen 0 */
	der_oid(&w, (const uint8_t *)OID_CE_BASIC_CONSTRAINTS, OID_LEN(OID_CE_BASIC_CONSTRAINTS));
	der_bool(&w, true);
	size_t os = der_begin(&w, DER_OCTET_STRING);
	size_t bc = der_begin(&w, DER_SEQUENCE);
	der_bool(&w, true);
	der_uint(&w, 0);
	der_end(&w, bc);
	der_end(&w, os);
	der_end(&w, e);

	e = der_begin(&w, DER_SEQUENCE); /* keyUsage digitalSignature keyCertSign cRLSign */
	der_oid(&w, (const uint8_t *)OID_CE_KEY_USAGE, OID_LEN(OID_CE_KEY_USAGE));
	der_bool(&w, true);
	os = der_begin(&w, DER_OCTET_STRING);
	der_tlv(&w, DER_BIT_STRING, "\x01\x86", 2);
	der_end(&w, os);
	der_end(&w, e);

	if (nc != NULL && !nc_empty(nc))
		nc_write_ext(nc, &w);

	der_end(&w, exts);
	der_end(&w, vals);
	der_end(&w, attr);
	der_end(&w, attrs);
	der_end(&w, info);
	if (!der_finish(&w, &cri, &cri_len)) {
		rc = CA_ERR_NOMEM;
		goto out;
	}
	rc = signer_sign(k, cri, cri_len, der, len);
out:
	free(cri);
	free(spki);
	return rc;
}
