/*
 * web/acme: the thin ACME handlers (RFC 8555) over include/privca/acme.h.
 * routes.c dispatches /acme/...; jws_in.c decodes a flattened JWS with
 * jansson; render.c writes the JSON of resources, problems and the headers
 * every answer carries; account.c and order.c are the handlers.
 */
#ifndef PRIVCA_ACME_WEB_H
#define PRIVCA_ACME_WEB_H

#include <jansson.h>

#include "../routes.h"
#include "privca/acme.h"

/* ---- jws_in.c ---- */

/* A decoded flattened JWS; j points into the owned buffers. */
struct jws_in {
	struct acme_jws j;
	json_t *header;	 /* protected header, owned */
	json_t *payload; /* payload JSON, NULL when empty (POST-as-GET) */
	char *signing_input;
	uint8_t *sig, *payload_raw;
};

/*
 * Decode body (application/jose+json, a flattened JWS) into *out; false
 * with e filled (malformed) otherwise. Only one signature, no unprotected
 * header. The payload, when not empty, must be a JSON object. *out is
 * freed with jws_in_free, also after a failure.
 */
bool jws_in_parse(const uint8_t *body, size_t len, struct jws_in *out, struct acme_error *e);
/* The same for a JWS given as a JSON object (EAB, keyChange's inner JWS). */
bool jws_in_object(json_t *o, struct jws_in *out, struct acme_error *e);
void jws_in_free(struct jws_in *in);
/* JWK members of a JSON object (borrowed from it); false if not an object. */
bool jws_jwk_members(json_t *o, struct acme_jwk *out);

/* ---- a request in progress ---- */

struct acme_req {
	const struct http_req *r;
	struct http_resp *w;
	char base[300]; /* "https://HOST:PORT" the client used */
	char url[1400]; /* this request's absolute URL */
	char acct[340]; /* base + "/acme/acct/" */
	struct jws_in in;
	struct acme_auth auth;
};

/* Decode and verify the POST body: mode as acme_verify. False if the
 * problem is answered already. */
bool acme_web_auth(struct acme_req *q, enum acme_key_mode mode);

/* ---- render.c ---- */

/* Headers every answer carries: Replay-Nonce, Cache-Control, Link index. */
void acme_web_common(struct acme_req *q);
/* The same headers with a fresh Replay-Nonce (newNonce): false, with e
 * filled and no header set, when no nonce could be made. */
bool acme_web_nonce(struct acme_req *q, struct acme_error *e);
void acme_web_problem(struct acme_req *q, const struct acme_error *e);
void acme_web_json(struct acme_req *q, int status, json_t *v);
json_t *acme_json_account(struct acme_req *q, const struct acme_account *a);
json_t *acme_json_order(struct acme_req *q, const struct acme_order *o);
json_t *acme_json_authz(struct acme_req *q, const struct acme_authz *a);
json_t *acme_json_chall(struct acme_req *q, const struct acme_chall_view *c);
/* "base/acme/WHAT/ID" into a new JSON string. */
json_t *acme_json_url(struct acme_req *q, const char *what, const char *id, const char *tail);
void acme_web_link(struct acme_req *q, const char *what, const char *id, const char *rel);
void acme_web_location(struct acme_req *q, const char *what, const char *id);

/* ---- handlers (account.c, order.c) ---- */
void acme_h_directory(struct acme_req *q);
void acme_h_nonce(struct acme_req *q);
void acme_h_new_account(struct acme_req *q);
void acme_h_account(struct acme_req *q, const char *id);
/* POST-as-GET of the orders list; cursor NULL for the first page. */
void acme_h_account_orders(struct acme_req *q, const char *id, const char *cursor);
void acme_h_key_change(struct acme_req *q);
void acme_h_new_order(struct acme_req *q);
void acme_h_order(struct acme_req *q, const char *id);
void acme_h_finalize(struct acme_req *q, const char *id);
void acme_h_authz(struct acme_req *q, const char *id);
void acme_h_chall(struct acme_req *q, const char *id);
void acme_h_cert(struct acme_req *q, const char *serial);
void acme_h_revoke(struct acme_req *q);
void acme_h_renewal(struct acme_req *q, const char *certid);

/* Route entry for routes.c (web/routes.c's table points /acme/ here). */
void acme_dispatch(const struct http_req *r, struct http_resp *w);

#endif
