/*
 * The code in this file implements metrics.h: the process's counters and
 * their Prometheus text on /metrics.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "privca/acme.h"

static const char *const refusal_codes[] = {
    "bad-request",
    "bad-csr",
    "bad-signature",
    "weak-key",
    "unauthorized",
    "forbidden",
    "name-not-allowed",
    "https-required",
    "uri-too-long",
    "header-too-large",
    "not-found",
    "method-not-allowed",
    "already-revoked",
    "payload-too-large",
    "unsupported-media-type",
    "exists",
    "internal",
    "unavailable",
    "other",
};
#define NREFUSAL (sizeof(refusal_codes) / sizeof(refusal_codes[0]))
static atomic_ullong m_refusals[NREFUSAL];

static atomic_ullong m_status[600];

/* ACME problems answered, by type (web/acme/render.c counts them as
 * refusals "acme-TYPE"). */
static atomic_ullong m_acme_problems[ACME_PROB_MAX];

/* Latency buckets, in microseconds (printed in seconds). */
static const uint64_t bucket_us[] = {500,    1000,   2500,   5000,    10000,   25000,	50000,
				     100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};
#define NBUCKET (sizeof(bucket_us) / sizeof(bucket_us[0]))
static atomic_ullong m_bucket[NBUCKET + 1]; /* not cumulative; last is +Inf */
static atomic_ullong m_count, m_sum_us;

void metrics_request(int status, uint64_t usec)
{
	size_t i;
	if (status >= 100 && status < 600)
		atomic_fetch_add_explicit(&m_status[status], 1, memory_order_relaxed);
	for (i = 0; i < NBUCKET && usec > bucket_us[i]; i++)
		;
	atomic_fetch_add_explicit(&m_bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m_count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m_sum_us, usec, memory_order_relaxed);
}

/* "acme-TYPE": count TYPE too (the first problem of that name). */
static void acme_problem(const char *code)
{
	if (strncmp(code, "acme-", 5) != 0)
		return;
	for (int p = ACME_PROB_NONE + 1; p < ACME_PROB_MAX; p++)
		if (strcmp(acme_problem_name((enum acme_problem)p), code + 5) == 0) {
			atomic_fetch_add_explicit(&m_acme_problems[p], 1, memory_order_relaxed);
			return;
		}
}

void metrics_refusal(const char *code)
{
	size_t i;
	acme_problem(code);
	for (i = 0; i < NREFUSAL - 1; i++)
		if (strcmp(refusal_codes[i], code) == 0)
			break;
	atomic_fetch_add_explicit(&m_refusals[i], 1, memory_order_relaxed);
}

static unsigned long long get(atomic_ullong *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static void counter(struct buf *b, const char *name, const char *help, uint64_t v)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
		   (unsigned long long)v);
}

/* The ACME lines: accounts, orders, authorization reuse, validations by
 * type and result with their latency, the validation queue, problems. */
static void acme_lines(struct buf *b, const struct acme_stats *as)
{
	static const unsigned latency_ms[ACME_LATENCY_NBUCKET] = {ACME_LATENCY_MS};
	counter(b, "privca_acme_accounts_created_total", "ACME accounts created by this process.",
		as->accounts);
	counter(b, "privca_acme_orders_created_total", "ACME orders created by this process.",
		as->orders);
	buf_puts(b, "# HELP privca_acme_orders_finished_total ACME orders that became valid "
		    "(certificate issued) or invalid.\n"
		    "# TYPE privca_acme_orders_finished_total counter\n");
	buf_printf(b, "privca_acme_orders_finished_total{status=\"valid\"} %llu\n",
		   (unsigned long long)as->orders_valid);
	buf_printf(b, "privca_acme_orders_finished_total{status=\"invalid\"} %llu\n",
		   (unsigned long long)as->orders_invalid);
	counter(b, "privca_acme_authorizations_reused_total",
		"Valid authorizations new ACME orders reused instead of asking again.",
		as->authz_reused);

	buf_puts(b, "# HELP privca_acme_validations_total ACME challenge validations by type "
		    "and result.\n# TYPE privca_acme_validations_total counter\n");
	for (int t = 0; t < ACME_STATS_NCHALL; t++) {
		const struct acme_stats_chall *c = &as->chall[t];
		buf_printf(b, "privca_acme_validations_total{type=\"%s\",result=\"valid\"} %llu\n",
			   c->type, (unsigned long long)c->valid);
		buf_printf(b,
			   "privca_acme_validations_total{type=\"%s\",result=\"invalid\"} %llu\n",
			   c->type, (unsigned long long)c->invalid);
	}
	buf_puts(b, "# HELP privca_acme_validation_duration_seconds Time one challenge "
		    "validation took, by type.\n"
		    "# TYPE privca_acme_validation_duration_seconds histogram\n");
	for (int t = 0; t < ACME_STATS_NCHALL; t++) {
		const struct acme_stats_chall *c = &as->chall[t];
		unsigned long long cum = 0;
		for (int i = 0; i < ACME_LATENCY_NBUCKET; i++) {
			cum += c->bucket[i];
			buf_printf(b,
				   "privca_acme_validation_duration_seconds_bucket{type=\"%s\","
				   "le=\"%g\"} %llu\n",
				   c->type, latency_ms[i] / 1000.0, cum);
		}
		cum += c->bucket[ACME_LATENCY_NBUCKET];
		buf_printf(
		    b,
		    "privca_acme_validation_duration_seconds_bucket{type=\"%s\",le=\"+Inf\"} "
		    "%llu\n",
		    c->type, cum);
		buf_printf(b, "privca_acme_validation_duration_seconds_sum{type=\"%s\"} %.3f\n",
			   c->type, (double)c->sum_ms / 1000.0);
		buf_printf(b, "privca_acme_validation_duration_seconds_count{type=\"%s\"} %llu\n",
			   c->type, cum);
	}
	buf_printf(b,
		   "# HELP privca_acme_validations_queued ACME challenges waiting for a "
		   "validator.\n# TYPE privca_acme_validations_queued gauge\n"
		   "privca_acme_validations_queued %llu\n",
		   (unsigned long long)as->validations_queued);

	buf_puts(b, "# HELP privca_acme_problems_total ACME problem answers by type.\n"
		    "# TYPE privca_acme_problems_total counter\n");
	for (int p = ACME_PROB_NONE + 1; p < ACME_PROB_MAX; p++) {
		const char *name = acme_problem_name((enum acme_problem)p);
		bool first = true; /* 404 and 409 share "malformed" */
		for (int q = ACME_PROB_NONE + 1; q < p; q++)
			first &= strcmp(acme_problem_name((enum acme_problem)q), name) != 0;
		if (first)
			buf_printf(b, "privca_acme_problems_total{type=\"%s\"} %llu\n", name,
				   get(&m_acme_problems[p]));
	}
}

/* The store's certificates by status (nothing when the store cannot say). */
static void store_lines(struct buf *b, struct ca *ca)
{
	struct ca_counts counts;
	struct ca_error err;
	if (ca_count(ca, &counts, &err) == CA_OK) {
		buf_puts(b, "# HELP privca_certificates Certificates in the store by status.\n"
			    "# TYPE privca_certificates gauge\n");
		buf_printf(b, "privca_certificates{status=\"valid\"} %llu\n",
			   (unsigned long long)counts.valid);
		buf_printf(b, "privca_certificates{status=\"revoked\"} %llu\n",
			   (unsigned long long)counts.revoked);
		buf_printf(b, "privca_certificates{status=\"expired\"} %llu\n",
			   (unsigned long long)counts.expired);
		buf_puts(b, "# HELP privca_certificates_tidied_total Certificates deleted by "
			    "retention (privca tidy, retain_expired_days), by any process.\n"
			    "# TYPE privca_certificates_tidied_total counter\n");
		buf_printf(b, "privca_certificates_tidied_total %llu\n",
			   (unsigned long long)counts.tidied);
	}
}

/* The issuing CA's end, and whether it issues. */
static void ca_lines(struct buf *b, struct ca *ca)
{
	struct ca_error err;
	int64_t left;
	bool valid = ca_validity(ca, &left, &err) == CA_OK;
	buf_puts(b, "# HELP privca_ca_not_after_seconds End of the issuing CA's certificate "
		    "(Unix time).\n# TYPE privca_ca_not_after_seconds gauge\n");
	buf_printf(b, "privca_ca_not_after_seconds %lld\n", (long long)ca_issuer(ca)->not_after);
	buf_puts(b, "# HELP privca_ca_valid 1 while the issuing CA's certificate is valid and "
		    "it issues.\n# TYPE privca_ca_valid gauge\n");
	buf_printf(b, "privca_ca_valid %d\n", valid ? 1 : 0);
	buf_puts(b, "# HELP privca_ca_expiring 1 when the CA's certificate ends within 30 days "
		    "or has ended.\n# TYPE privca_ca_expiring gauge\n");
	buf_printf(b, "privca_ca_expiring %d\n",
		   !valid || left < (int64_t)CA_EXPIRY_WARN_DAYS * 86400 ? 1 : 0);
}

/* Refusals, HTTP statuses and the request duration histogram. */
static void http_lines(struct buf *b)
{
	buf_puts(b, "# HELP privca_refusals_total Problem answers by error code.\n"
		    "# TYPE privca_refusals_total counter\n");
	for (size_t i = 0; i < NREFUSAL; i++)
		buf_printf(b, "privca_refusals_total{code=\"%s\"} %llu\n", refusal_codes[i],
			   get(&m_refusals[i]));

	buf_puts(b, "# HELP privca_http_requests_total HTTP requests answered, by status.\n"
		    "# TYPE privca_http_requests_total counter\n");
	for (int s = 100; s < 600; s++) {
		unsigned long long v = get(&m_status[s]);
		if (v)
			buf_printf(b, "privca_http_requests_total{status=\"%d\"} %llu\n", s, v);
	}

	buf_puts(b, "# HELP privca_http_request_duration_seconds Time from the request "
		    "headers to the end of the answer.\n"
		    "# TYPE privca_http_request_duration_seconds histogram\n");
	unsigned long long cum = 0;
	for (size_t i = 0; i < NBUCKET; i++) {
		cum += get(&m_bucket[i]);
		buf_printf(b, "privca_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
			   (double)bucket_us[i] / 1e6, cum);
	}
	cum += get(&m_bucket[NBUCKET]);
	buf_printf(b, "privca_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
	buf_printf(b, "privca_http_request_duration_seconds_sum %.6f\n",
		   (double)get(&m_sum_us) / 1e6);
	buf_printf(b, "privca_http_request_duration_seconds_count %llu\n", get(&m_count));
}

void api_metrics(const struct http_req *r, struct http_resp *w)
{
	struct buf *b = &w->body;

	struct acme_stats as;
	acme_stats(r->ca, &as);

	/* Counted by the core, once, whatever the front-end (API, form, ACME). */
	struct ca_activity act;
	ca_activity(r->ca, &act);
	buf_puts(b, "# HELP privca_certificates_issued_total Certificates issued by this "
		    "process.\n# TYPE privca_certificates_issued_total counter\n");
	buf_printf(b, "privca_certificates_issued_total %llu\n", (unsigned long long)act.issued);
	buf_puts(b, "# HELP privca_certificates_revoked_total Certificates revoked by this "
		    "process.\n# TYPE privca_certificates_revoked_total counter\n");
	buf_printf(b, "privca_certificates_revoked_total %llu\n", (unsigned long long)act.revoked);

	store_lines(b, r->ca);
	ca_lines(b, r->ca);
	http_lines(b);

	acme_lines(b, &as);

	struct ca_crypto_info info = ca_crypto_build();
	buf_printf(b,
		   "# HELP privca_build_info The wolfSSL build in use.\n# TYPE privca_build_info "
		   "gauge\nprivca_build_info{wolfssl=\"%s\",math=\"%s\"} 1\n",
		   info.wolfssl, info.math);

	w->status = 200;
	w->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
