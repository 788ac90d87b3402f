/*
 * The HTML pages (design section 4 "Pages") and their static assets. Each
 * handler is registered in routes.c.
 */
#ifndef PRIVCA_PAGES_H
#define PRIVCA_PAGES_H

#include "http/http.h"

void pages_home(const struct http_req *r, struct http_resp *w);	     /* GET / */
void pages_certs(const struct http_req *r, struct http_resp *w);     /* GET /certs */
void pages_certs_csv(const struct http_req *r, struct http_resp *w); /* GET /certs.csv */
void pages_cert(const struct http_req *r,
		struct http_resp *w); /* GET /certs/{serial}; params[0] = serial */
void pages_cert_chain(const struct http_req *r,
		      struct http_resp *w); /* GET /certs/{serial}.chain.pem */
void pages_cert_p7b(const struct http_req *r, struct http_resp *w); /* GET /certs/{serial}.p7b */
void pages_cert_der(const struct http_req *r, struct http_resp *w); /* GET /certs/{serial}.der */
void pages_cert_revoke(const struct http_req *r,
		       struct http_resp *w); /* POST /certs/{serial}/revoke (form) */
void pages_request(const struct http_req *r, struct http_resp *w); /* GET and POST /request */
void pages_static(const struct http_req *r,
		  struct http_resp *w); /* GET /static/{name}; params[0] = name */

#endif
