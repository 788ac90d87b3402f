/*
 * Counters of this process and their /metrics page. Lock-free: every
 * function may be called from any worker.
 *
 * Issuance and revocation from any HTTP front-end (JSON API, pages, ACME)
 * go through metrics_issue and metrics_revoke, the one place where they
 * are counted; refusals are counted by exchange.c once per answer, from
 * http_resp.refusal.
 */
#ifndef PRIVCA_METRICS_H
#define PRIVCA_METRICS_H

#include <stdint.h>

#include "http/http.h"

/* One finished request: its status and how long it took. */
void metrics_request(int status, uint64_t usec);
/* One problem answered, by its code ("bad-csr", ...). */
void metrics_refusal(const char *code);

/* ca_issue, counted when it succeeds; same arguments and results. */
enum ca_err metrics_issue(struct ca *ca, const struct ca_issue_req *req, struct ca_cert **out,
			  struct ca_error *err) CA_WUR;
/* ca_revoke, counted when it succeeds; same arguments and results. */
enum ca_err metrics_revoke(struct ca *ca, const char *serial, enum ca_reason reason,
			   const struct ca_token *actor, struct ca_cert **out,
			   struct ca_error *err) CA_WUR;

/* GET /metrics */
void api_metrics(const struct http_req *r, struct http_resp *w);

#endif
