/*
 * libFuzzer target for the OCSP request parser (bytes straight from the
 * network on POST /ocsp and GET /ocsp/{base64}). Every input must either
 * parse into CertIDs that lie inside the input or fail with an error code.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "x509/ocsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const uint8_t *data, size_t size, const uint8_t *p, size_t n)
{
	if (n > 0 && (p < data || n > size || p > data + size - n))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ocsp_request req;
	struct ca_error err;
	enum ca_err rc = ocsp_request_parse(data, size, &req, &err);
	if (rc != CA_OK) {
		if (req.ids != NULL || req.n != 0 || req.nonce != NULL)
			abort();
		return 0;
	}
	if (req.n == 0 || req.n > OCSP_MAX_CERTIDS)
		abort();
	for (size_t i = 0; i < req.n; i++) {
		const struct ocsp_certid *id = &req.ids[i];
		inside(data, size, id->tlv, id->tlv_len);
		inside(data, size, id->name_hash, id->name_hash_len);
		inside(data, size, id->key_hash, id->key_hash_len);
		inside(data, size, id->serial, id->serial_len);
	}
	inside(data, size, req.nonce, req.nonce_len);
	ocsp_request_free(&req);
	return 0;
}
