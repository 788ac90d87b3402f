/*
 * The code in this file implements the ACME core's counters (acme_stats
 * in privca/acme.h): lock-free counts in ca->acme->n, bumped where each
 * transition happens (account.c, order.c, authz.c, state.c) and read by
 * /metrics.
 */
#include "acme_int.h"

static const uint64_t latency_ms[ACME_LATENCY_NBUCKET] = {ACME_LATENCY_MS};

void acme_count(atomic_ullong *counter)
{
	atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

void acme_count_check(struct ca *ca, enum acme_chall type, bool valid, uint64_t elapsed_ms)
{
	struct acme_counters *n = &ca->acme->n;
	size_t i;
	if ((unsigned)type >= ACME_CHALL_MAX)
		return;
	for (i = 0; i < ACME_LATENCY_NBUCKET && elapsed_ms > latency_ms[i]; i++)
		;
	acme_count(&n->chall[type][valid ? 1 : 0]);
	acme_count(&n->bucket[type][i]);
	atomic_fetch_add_explicit(&n->sum_ms[type], elapsed_ms, memory_order_relaxed);
}

static uint64_t get(const atomic_ullong *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

void acme_stats(const struct ca *ca, struct acme_stats *out)
{
	const struct acme_counters *n = &ca->acme->n;
	_Static_assert(ACME_STATS_NCHALL == ACME_CHALL_MAX, "one row per challenge type");
	*out = (struct acme_stats){
	    .accounts = get(&n->accounts),
	    .orders = get(&n->orders),
	    .orders_valid = get(&n->orders_valid),
	    .orders_invalid = get(&n->orders_invalid),
	    .authz_reused = get(&n->authz_reused),
	    .certs_revoked = get(&n->certs_revoked),
	    .validations_queued =
		ca->acme->validator ? acme_validator_queued(ca->acme->validator) : 0,
	};
	for (int t = 0; t < ACME_CHALL_MAX; t++) {
		struct acme_stats_chall *c = &out->chall[t];
		c->type = acme_chall_name((enum acme_chall)t);
		c->invalid = get(&n->chall[t][0]);
		c->valid = get(&n->chall[t][1]);
		for (int i = 0; i <= ACME_LATENCY_NBUCKET; i++)
			c->bucket[i] = get(&n->bucket[t][i]);
		c->sum_ms = get(&n->sum_ms[t]);
	}
}
