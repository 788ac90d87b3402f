/*
 * libFuzzer target for GET /ocsp/{base64} (RFC 6960 appendix A): the
 * path's base64, as the service gets it after percent-decoding, through
 * ca_base64_decode and the OCSP request parser.
 *
 * Input: the base64 text (a ' ' stands for a '+', as web/artifacts.c
 * reads it). Seeds in tests/fuzz/corpus/fuzz_ocsp_get are real requests
 * from `openssl ocsp -reqout`, base64-encoded.
 *
 * Invariants: a decoded value is at most 3/4 of the text long (plus 3);
 * the parser either fails with nothing allocated or yields CertIDs inside
 * the decoded bytes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "privca/ca.h"
#include "x509/ocsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_ocsp_get: invariant broken: %s\n", what);
		abort();
	}
}

static void inside(const uint8_t *der, size_t n, const uint8_t *p, size_t len)
{
	check(len == 0 || (p >= der && len <= n && p <= der + n - len), "inside the request");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 16384)
		return 0;
	char *s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (char *p = s; *p; p++)
		if (*p == ' ')
			*p = '+';
	uint8_t *der = NULL;
	size_t n = 0;
	if (ca_base64_decode(s, &der, &n)) {
		check(n <= strlen(s) / 4 * 3 + 3, "decoded length");
		struct ocsp_request req;
		struct ca_error err;
		if (ocsp_request_parse(der, n, &req, &err) == CA_OK) {
			check(req.n > 0 && req.n <= OCSP_MAX_CERTIDS, "CertID count");
			for (size_t i = 0; i < req.n; i++) {
				inside(der, n, req.ids[i].tlv, req.ids[i].tlv_len);
				inside(der, n, req.ids[i].serial, req.ids[i].serial_len);
			}
			inside(der, n, req.nonce, req.nonce_len);
			ocsp_request_free(&req);
		} else {
			check(req.ids == NULL && req.n == 0, "a failed parse holds nothing");
		}
	}
	free(der);
	free(s);
	return 0;
}
