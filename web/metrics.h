/*
 * Counters of this process and their /metrics page. Lock-free: every
 * function may be called from any worker.
 *
 * Issuance and revocation are counted by the core where they happen
 * (ca_activity), whatever the front-end; refusals are counted by
 * exchange.c once per answer, from http_resp.refusal.
 */
#ifndef PRIVCA_METRICS_H
#define PRIVCA_METRICS_H

#include <stdint.h>

#include "http/http.h"

/* One finished request: its status and how long it took. */
void metrics_request(int status, uint64_t usec);
/* One problem answered, by its code ("bad-csr", ...). */
void metrics_refusal(const char *code);

/* GET /metrics */
void api_metrics(const struct http_req *r, struct http_resp *w);

#endif
