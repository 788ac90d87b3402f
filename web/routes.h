/*
 * The service's internal vocabulary, shared by exchange.c (dispatch), routes.c
 * (the route table), api.c (JSON API, health, metrics) and artifacts.c
 * (downloads, CRL, OCSP). Handlers follow the http.h contract.
 */
#ifndef PRIVCA_ROUTES_H
#define PRIVCA_ROUTES_H

#include "http/http.h"
#include "http/json.h"
#include "http/negotiate.h"
#include "metrics.h"

/* Request bodies larger than this are refused with 413 before being read. */
#define HTTP_BODY_MAX (64 * 1024)

/*
 * Find the handler for r->method and r->path, fill r->params and call it.
 * Unknown paths get 404 not-found, known paths with another method 405
 * method-not-allowed with an Allow header. HEAD is served as GET.
 */
void routes_dispatch(struct http_req *r, struct http_resp *w);

/* ---- API handlers (api.c) ---- */
void api_issue(const struct http_req *r, struct http_resp *w); /* POST /api/v1/certificates */
void api_list(const struct http_req *r, struct http_resp *w);  /* GET /api/v1/certificates */
void api_cert(const struct http_req *r,
	      struct http_resp *w); /* GET /api/v1/certificates/{serial} */
void api_revoke(const struct http_req *r, struct http_resp *w);	 /* POST .../{serial}/revoke */
void api_ca(const struct http_req *r, struct http_resp *w);	 /* GET /api/v1/ca */
void api_healthz(const struct http_req *r, struct http_resp *w); /* GET /healthz */

/* ---- downloads, CRL, OCSP (artifacts.c) ---- */
void art_ca_pem(const struct http_req *r, struct http_resp *w);	    /* GET /ca.pem */
void art_ca_crt(const struct http_req *r, struct http_resp *w);	    /* GET /ca.crt */
void art_ca_p7b(const struct http_req *r, struct http_resp *w);	    /* GET /ca.p7b */
void art_issuer_pem(const struct http_req *r, struct http_resp *w); /* GET /issuer.pem */
void art_issuer_crt(const struct http_req *r, struct http_resp *w); /* GET /issuer.crt */
void art_root_crl(const struct http_req *r, struct http_resp *w);   /* GET /root.crl */
void art_cert_pem(const struct http_req *r, struct http_resp *w);   /* GET /certs/{serial}.pem */
void art_cert_crt(const struct http_req *r, struct http_resp *w);   /* GET /certs/{serial}.crt */
void art_crl(const struct http_req *r, struct http_resp *w);	    /* GET /crl */
void art_crl_pem(const struct http_req *r, struct http_resp *w);    /* GET /crl.pem */
void art_delta(const struct http_req *r, struct http_resp *w);	    /* GET /crl/delta */
void art_delta_pem(const struct http_req *r, struct http_resp *w);  /* GET /crl/delta.pem */
void art_ocsp_post(const struct http_req *r, struct http_resp *w);  /* POST /ocsp */
void art_ocsp_get(const struct http_req *r, struct http_resp *w);   /* GET /ocsp/{base64} */

#endif
