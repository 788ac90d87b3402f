/*
 * Team tokens (design section 5): the struct ca_token behind ca.h's
 * opaque handle, and its policy view for policy.c.
 */
#ifndef PRIVCA_TOKENS_H
#define PRIVCA_TOKENS_H

#include "policy.h"
#include "privca/ca.h"

/* The token's policy; pointers stay valid while the token lives. */
void token_policy(const struct ca_token *t, struct policy_token *out);

/*
 * The live token of team name (ACME accounts act for their team).
 * CA_ERR_UNAUTHORIZED if it is unknown or revoked. *out freed with
 * ca_token_free.
 */
enum ca_err token_by_name(struct ca *ca, const char *name, struct ca_token **out,
			  struct ca_error *err) CA_WUR;

#endif
