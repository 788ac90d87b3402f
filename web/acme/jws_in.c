/*
 * The code in this file implements the decoding of a flattened JWS (RFC
 * 7515 7.2.2) for ACME: jansson parses the body, the protected header and
 * the payload; base64url parts are decoded; the fields the core checks are
 * handed over as struct acme_jws. Nothing is verified here (ca/acme/jws.c
 * does that), but everything is bounded: a field of the wrong type or too
 * long is malformed.
 */
#include <stdlib.h>
#include <string.h>

#include "acme_web.h"

static bool fail(struct acme_error *e, const char *detail)
{
	memset(e, 0, sizeof(*e));
	e->type = ACME_PROB_MALFORMED;
	snprintf(e->detail, sizeof(e->detail), "%s", detail);
	return false;
}

/* Strict base64url: only the url alphabet, no padding. */
static bool b64u(const char *s, uint8_t **out, size_t *len)
{
	for (const char *p = s; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return false;
	if (*s == '\0') {
		*out = calloc(1, 1);
		*len = 0;
		return *out != NULL;
	}
	return ca_base64_decode(s, out, len);
}

/* An optional string member; false if present and not a string. */
static bool str(json_t *o, const char *k, const char **out, size_t max)
{
	json_t *v = json_object_get(o, k);
	*out = NULL;
	if (v == NULL)
		return true;
	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return false;
	*out = json_string_value(v);
	return true;
}

bool jws_jwk_members(json_t *o, struct acme_jwk *k)
{
	memset(k, 0, sizeof(*k));
	return json_is_object(o) && str(o, "kty", &k->kty, 8) && str(o, "crv", &k->crv, 16) &&
	       str(o, "x", &k->x, 100) && str(o, "y", &k->y, 100) && str(o, "n", &k->n, 1400) &&
	       str(o, "e", &k->e, 16);
}

bool jws_in_object(json_t *o, struct jws_in *in, struct acme_error *e)
{
	memset(in, 0, sizeof(*in));
	const char *prot, *payload, *sig;
	if (!json_is_object(o))
		return fail(e, "the body must be a flattened JWS: a JSON object");
	if (json_object_get(o, "signatures") != NULL || json_object_get(o, "header") != NULL)
		return fail(e, "only the flattened JWS form with a protected header is accepted");
	if (!str(o, "protected", &prot, 8192) || !str(o, "payload", &payload, 65536) ||
	    !str(o, "signature", &sig, 2048) || prot == NULL || payload == NULL || sig == NULL)
		return fail(e, "the JWS needs protected, payload and signature strings");
	uint8_t *hdr = NULL;
	size_t hl = 0, pl = 0, sl = 0;
	if (!b64u(prot, &hdr, &hl) || !b64u(payload, &in->payload_raw, &pl) ||
	    !b64u(sig, &in->sig, &sl)) {
		free(hdr);
		return fail(e, "protected, payload and signature must be base64url");
	}
	json_error_t je;
	in->header = json_loadb((const char *)hdr, hl, JSON_REJECT_DUPLICATES, &je);
	free(hdr);
	if (!json_is_object(in->header))
		return fail(e, "the protected header is not a JSON object");
	if (pl > 0) {
		in->payload =
		    json_loadb((const char *)in->payload_raw, pl, JSON_REJECT_DUPLICATES, &je);
		if (!json_is_object(in->payload))
			return fail(e, "the payload is not a JSON object");
	}
	size_t n = strlen(prot) + 1 + strlen(payload);
	if ((in->signing_input = malloc(n + 1)) == NULL)
		return fail(e, "out of memory");
	snprintf(in->signing_input, n + 1, "%s.%s", prot, payload);
	struct acme_jws *j = &in->j;
	j->signing_input = (const uint8_t *)in->signing_input;
	j->signing_input_len = n;
	j->sig = in->sig;
	j->sig_len = sl;
	j->payload = in->payload_raw;
	j->payload_len = pl;
	if (!str(in->header, "alg", &j->alg, 16) || !str(in->header, "nonce", &j->nonce, 64) ||
	    !str(in->header, "url", &j->url, 1024) || !str(in->header, "kid", &j->kid, 1024))
		return fail(e, "alg, nonce, url and kid must be strings");
	json_t *jwk = json_object_get(in->header, "jwk");
	if (jwk != NULL) {
		if (!jws_jwk_members(jwk, &j->jwk))
			return fail(e, "jwk must be a JSON object of string members");
		j->has_jwk = true;
	}
	return true;
}

bool jws_in_parse(const uint8_t *body, size_t len, struct jws_in *in, struct acme_error *e)
{
	json_error_t je;
	memset(in, 0, sizeof(*in));
	if (body == NULL || len == 0)
		return fail(e, "the request has no body; ACME requests are JWS");
	json_t *o = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
	bool ok = jws_in_object(o, in, e);
	json_decref(o);
	return ok;
}

void jws_in_free(struct jws_in *in)
{
	json_decref(in->header);
	json_decref(in->payload);
	free(in->signing_input);
	free(in->sig);
	free(in->payload_raw);
	memset(in, 0, sizeof(*in));
}
