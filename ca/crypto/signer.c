/*
 * The code in this file implements what the signer class (signer.h) does
 * the same way for every implementation: wrapping a signature around the
 * signed bytes.
 */
#include <stdlib.h>

#include "crypto/signer.h"

enum ca_err signer_sign(struct signer *s, const uint8_t *tbs, size_t tbs_len, uint8_t **out,
			size_t *out_len)
{
	uint8_t sig[SIGNER_SIG_MAX];
	size_t sl;
	enum ca_err rc = signer_signature(s, tbs, tbs_len, sig, &sl);
	if (rc != CA_OK)
		return rc;
	/* Sized once: a million-entry CRL is 40 MB and must not be regrown. */
	struct der_w w = {.buf = malloc(tbs_len + 1024), .cap = tbs_len + 1024};
	if (w.buf == NULL)
		return CA_ERR_NOMEM;
	size_t m = der_begin(&w, DER_SEQUENCE);
	der_raw(&w, tbs, tbs_len);
	signer_write_alg(s, &w);
	der_bits(&w, sig, sl);
	der_end(&w, m);
	return der_finish(&w, out, out_len) ? CA_OK : CA_ERR_NOMEM;
}
