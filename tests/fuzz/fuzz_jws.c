/*
 * libFuzzer target for ACME request decoding: web/acme/jws_in.c (the
 * flattened JWS, its protected header and payload, with jansson) and the
 * core's JWK import and thumbprint (ca/acme/jws.c), which take the decoded
 * members. Bodies are attacker-controlled up to 64 KiB.
 *
 * Invariants: a decoded JWS's signing input is protected "." payload as
 * sent; the decoded payload is an object or absent; a JWK either imports
 * with a 43-character thumbprint that is the same for its canonical
 * members, or is refused with badPublicKey; an EAB or keyChange inner JWS
 * in the payload decodes by the same rules. Leaks and over-reads are
 * ASan's to find. Seeds: tests/fuzz/jws_corpus/ (tests/fuzz/mkseeds_jws.py).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/acme_int.h"
#include "acme/acme_web.h"

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_jws: %s\n", why);
	abort();
}

static void jwk(const struct acme_jwk *m)
{
	struct store_acme_jwk canon, again;
	struct acme_jwk_key *k = NULL, *k2 = NULL;
	struct acme_error e;
	enum acme_problem p = jwk_import(m, &canon, &k, &e);
	if (p != ACME_PROB_NONE) {
		if (p != ACME_PROB_BAD_PUBLIC_KEY && p != ACME_PROB_SERVER_INTERNAL)
			fail("a refused JWK is not badPublicKey");
		return;
	}
	char t1[48], t2[48];
	jwk_thumbprint(&canon, t1);
	if (strlen(t1) != 43)
		fail("a thumbprint is not 43 characters");
	struct acme_jwk cm = {canon.kty,
			      canon.crv[0] ? canon.crv : NULL,
			      canon.x[0] ? canon.x : NULL,
			      canon.y[0] ? canon.y : NULL,
			      canon.n[0] ? canon.n : NULL,
			      canon.e[0] ? canon.e : NULL};
	if (jwk_import(&cm, &again, &k2, &e) != ACME_PROB_NONE)
		fail("canonical members do not import again");
	jwk_thumbprint(&again, t2);
	if (strcmp(t1, t2) != 0)
		fail("canonical members have another thumbprint");
	jwk_key_free(k);
	jwk_key_free(k2);
}

static void check(const struct jws_in *in, const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
	const struct acme_jws *j = &in->j;
	if (j->signing_input == NULL || memchr(j->signing_input, '.', j->signing_input_len) == NULL)
		fail("no '.' in the signing input");
	if (j->payload_len > 0 && in->payload == NULL)
		fail("a payload without its JSON");
	if (j->has_jwk)
		jwk(&j->jwk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jws_in in, inner;
	struct acme_error e;
	if (jws_in_parse(data, size, &in, &e)) {
		check(&in, data, size);
		json_t *eab = json_object_get(in.payload, "externalAccountBinding");
		json_t *obj = eab					 ? eab
			      : json_object_get(in.payload, "protected") ? in.payload
									 : NULL;
		if (obj != NULL && jws_in_object(obj, &inner, &e)) {
			struct acme_jwk m;
			if (inner.payload != NULL && jws_jwk_members(inner.payload, &m))
				jwk(&m);
			check(&inner, data, size);
		}
		if (obj != NULL)
			jws_in_free(&inner);
	} else if (e.type != ACME_PROB_MALFORMED) {
		fail("a refused body is not malformed");
	}
	jws_in_free(&in);
	return 0;
}
