/*
 * The code in this file implements ACME nonces (RFC 8555 6.5): 16 random
 * bytes, kept in the store so that they survive a restart and are
 * single-use across every process on the database; they expire after an
 * hour. acme_verify (jws.c) spends them.
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "acme_int.h"

#define NONCE_TTL 3600

enum acme_problem acme_nonce_new(struct ca *ca, char out[ACME_NONCE_LEN + 1], struct acme_error *e)
{
	char id[ACME_ID_LEN];
	if (acme_rand_id(id) != CA_OK || strlen(id) != ACME_NONCE_LEN)
		return acme_fail(e, ACME_PROB_SERVER_INTERNAL, "the random generator failed");
	enum ca_err rc = store_acme_nonce_put(ca->store, id, clock_now(&ca->clock) + NONCE_TTL);
	if (rc != CA_OK)
		return acme_fail_store(e, rc, "the nonce could not be stored");
	memcpy(out, id, ACME_NONCE_LEN + 1);
	return ACME_PROB_NONE;
}
