/*
 * The service's internal vocabulary, shared by server.c (daemons), routes.c
 * (the route table), api.c (JSON API, health, metrics) and artifacts.c
 * (downloads, CRL, OCSP). Handlers follow the http.h contract.
 */
#ifndef PRIVCA_ROUTES_H
#define PRIVCA_ROUTES_H

#include <jansson.h>

#include "http.h"

/* Request bodies larger than this are refused with 413 before being read. */
#define HTTP_BODY_MAX (64 * 1024)

/*
 * Find the handler for r->method and r->path, fill r->params and call it.
 * Unknown paths get 404 not-found, known paths with another method 405
 * method-not-allowed with an Allow header. HEAD is served as GET.
 */
void routes_dispatch(struct http_req *r, struct http_resp *w);

/* ---- helpers (routes.c) ---- */

/* A JSON string for text that may not be valid UTF-8 (certificate fields):
 * invalid bytes become U+FFFD. NULL becomes JSON null. New reference. */
json_t *json_text(const char *s);
/* Answer status with the JSON value (reference stolen) as application/json. */
void http_json(struct http_resp *w, int status, json_t *v);
/* Media type of the request body, lowercased, without parameters, in
 * out (empty when there is no Content-Type). False if it does not fit. */
bool http_content_type(const struct http_req *r, char *out, size_t size);
/* True if s is 32 hex digits (either case); out receives it lowercased. */
bool http_serial_ok(const char *s, char out[33]);
/* RFC 9110 IMF-fixdate of t into buf (>= 30 bytes). */
void http_date(int64_t t, char buf[40]);

/* ---- API handlers (api.c) ---- */
void api_issue(const struct http_req *r, struct http_resp *w); /* POST /api/v1/certificates */
void api_list(const struct http_req *r, struct http_resp *w);  /* GET /api/v1/certificates */
void api_cert(const struct http_req *r,
	      struct http_resp *w); /* GET /api/v1/certificates/{serial} */
void api_revoke(const struct http_req *r, struct http_resp *w);	 /* POST .../{serial}/revoke */
void api_ca(const struct http_req *r, struct http_resp *w);	 /* GET /api/v1/ca */
void api_healthz(const struct http_req *r, struct http_resp *w); /* GET /healthz */
void api_metrics(const struct http_req *r, struct http_resp *w); /* GET /metrics */

/* ---- downloads, CRL, OCSP (artifacts.c) ---- */
void art_ca_pem(const struct http_req *r, struct http_resp *w);	   /* GET /ca.pem */
void art_ca_crt(const struct http_req *r, struct http_resp *w);	   /* GET /ca.crt */
void art_ca_p7b(const struct http_req *r, struct http_resp *w);	   /* GET /ca.p7b */
void art_cert_pem(const struct http_req *r, struct http_resp *w);  /* GET /certs/{serial}.pem */
void art_cert_crt(const struct http_req *r, struct http_resp *w);  /* GET /certs/{serial}.crt */
void art_crl(const struct http_req *r, struct http_resp *w);	   /* GET /crl */
void art_crl_pem(const struct http_req *r, struct http_resp *w);   /* GET /crl.pem */
void art_ocsp_post(const struct http_req *r, struct http_resp *w); /* POST /ocsp */
void art_ocsp_get(const struct http_req *r, struct http_resp *w);  /* GET /ocsp/{base64} */

/* ---- metrics (api.c); lock-free, callable from any worker ---- */

/* One finished request: its status and how long it took. */
void metrics_request(int status, uint64_t usec);
/* One problem answered, by its code ("bad-csr", ...). */
void metrics_refusal(const char *code);

#endif
