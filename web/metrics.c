/*
 * The code in this file implements metrics.h: the process's counters and
 * their Prometheus text on /metrics.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

static atomic_ullong m_issued, m_revoked;

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

void metrics_refusal(const char *code)
{
	size_t i;
	for (i = 0; i < NREFUSAL - 1; i++)
		if (strcmp(refusal_codes[i], code) == 0)
			break;
	atomic_fetch_add_explicit(&m_refusals[i], 1, memory_order_relaxed);
}

enum ca_err metrics_issue(struct ca *ca, const struct ca_issue_req *req, struct ca_cert **out,
			  struct ca_error *err)
{
	enum ca_err e = ca_issue(ca, req, out, err);
	if (e == CA_OK)
		atomic_fetch_add_explicit(&m_issued, 1, memory_order_relaxed);
	return e;
}

enum ca_err metrics_revoke(struct ca *ca, const char *serial, enum ca_reason reason,
			   const struct ca_token *actor, struct ca_cert **out, struct ca_error *err)
{
	enum ca_err e = ca_revoke(ca, serial, reason, actor, out, err);
	if (e == CA_OK)
		atomic_fetch_add_explicit(&m_revoked, 1, memory_order_relaxed);
	return e;
}

static unsigned long long get(atomic_ullong *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

void api_metrics(const struct http_req *r, struct http_resp *w)
{
	struct buf *b = &w->body;
	struct ca_counts counts;
	struct ca_error err;

	buf_puts(b, "# HELP privca_certificates_issued_total Certificates issued over HTTP by "
		    "this process.\n# TYPE privca_certificates_issued_total counter\n");
	buf_printf(b, "privca_certificates_issued_total %llu\n", get(&m_issued));
	buf_puts(b, "# HELP privca_certificates_revoked_total Certificates revoked over HTTP by "
		    "this process.\n# TYPE privca_certificates_revoked_total counter\n");
	buf_printf(b, "privca_certificates_revoked_total %llu\n", get(&m_revoked));

	if (ca_count(r->ca, &counts, &err) == CA_OK) {
		buf_puts(b, "# HELP privca_certificates Certificates in the store by status.\n"
			    "# TYPE privca_certificates gauge\n");
		buf_printf(b, "privca_certificates{status=\"valid\"} %llu\n",
			   (unsigned long long)counts.valid);
		buf_printf(b, "privca_certificates{status=\"revoked\"} %llu\n",
			   (unsigned long long)counts.revoked);
		buf_printf(b, "privca_certificates{status=\"expired\"} %llu\n",
			   (unsigned long long)counts.expired);
	}

	int64_t left;
	bool valid = ca_validity(r->ca, &left, &err) == CA_OK;
	buf_puts(b, "# HELP privca_ca_not_after_seconds End of the issuing CA's certificate "
		    "(Unix time).\n# TYPE privca_ca_not_after_seconds gauge\n");
	buf_printf(b, "privca_ca_not_after_seconds %lld\n", (long long)ca_issuer(r->ca)->not_after);
	buf_puts(b, "# HELP privca_ca_valid 1 while the issuing CA's certificate is valid and "
		    "it issues.\n# TYPE privca_ca_valid gauge\n");
	buf_printf(b, "privca_ca_valid %d\n", valid ? 1 : 0);
	buf_puts(b, "# HELP privca_ca_expiring 1 when the CA's certificate ends within 30 days "
		    "or has ended.\n# TYPE privca_ca_expiring gauge\n");
	buf_printf(b, "privca_ca_expiring %d\n",
		   !valid || left < (int64_t)CA_EXPIRY_WARN_DAYS * 86400 ? 1 : 0);

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

	struct ca_crypto_info info = ca_crypto_build();
	buf_printf(b,
		   "# HELP privca_build_info The wolfSSL build in use.\n# TYPE privca_build_info "
		   "gauge\nprivca_build_info{wolfssl=\"%s\",math=\"%s\"} 1\n",
		   info.wolfssl, info.math);

	w->status = 200;
	w->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
