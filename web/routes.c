/*
 * The code in this file implements the route table of the service
 * ({method, path pattern, handler}) and its dispatch.
 *
 * Patterns are '/'-separated segments: a literal, "{x}" (one non-empty
 * segment, captured), "{x}.ext" (a segment ending in .ext, the part before
 * captured) or "{x*}" (the non-empty rest of the path, slashes included).
 * The first route whose pattern and method match wins, so the table lists
 * the specific patterns (/certs/{serial}.pem) before the general ones
 * (/certs/{serial}).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/route_match.h"
#include "http/urls.h"
#include "pages/pages.h"
#include "acme/acme_web.h"
#include "routes.h"

struct route {
	const char *method;
	const char *pattern;
	http_handler handler;
};

static const struct route routes[] = {
    /* JSON API */
    {"POST", URL_API_CERTS, api_issue},
    {"GET", URL_API_CERTS, api_list},
    {"GET", URL_API_CERT, api_cert},
    {"POST", URL_API_CERT_REVOKE, api_revoke},
    {"GET", URL_API_CA, api_ca},
    {"GET", URL_HEALTHZ, api_healthz},
    {"GET", URL_METRICS, api_metrics},
    /* downloads and revocation artifacts */
    {"GET", URL_CA_PEM, art_ca_pem},
    {"GET", URL_CA_CRT, art_ca_crt},
    {"GET", URL_CA_P7B, art_ca_p7b},
    {"GET", URL_ISSUER_PEM, art_issuer_pem},
    {"GET", URL_ISSUER_CRT, art_issuer_crt},
    {"GET", URL_ROOT_CRL, art_root_crl},
    {"GET", URL_CERT_CHAIN, pages_cert_chain},
    {"GET", URL_CERT_P7B, pages_cert_p7b},
    {"GET", URL_CERT_DER, pages_cert_der},
    {"GET", URL_CERT_PEM, art_cert_pem},
    {"GET", URL_CERT_CRT, art_cert_crt},
    {"GET", URL_CRL, art_crl},
    {"GET", URL_CRL_PEM, art_crl_pem},
    {"GET", URL_DELTA_CRL, art_delta},
    {"GET", URL_DELTA_PEM, art_delta_pem},
    {"POST", URL_OCSP, art_ocsp_post},
    {"GET", URL_OCSP_GET, art_ocsp_get},
    /* HTML pages (pages/) */
    {"GET", URL_HOME, pages_home},
    {"GET", URL_CERTS, pages_certs},
    {"GET", URL_CERTS_CSV, pages_certs_csv},
    {"GET", URL_CERT, pages_cert},
    {"POST", URL_CERT_REVOKE, pages_cert_revoke},
    {"GET", URL_REQUEST, pages_request},
    {"POST", URL_REQUEST, pages_request},
    {"GET", URL_STATIC, pages_static},
    /* ACME (web/acme/routes.c dispatches below /acme/) */
    {"GET", "/acme/{rest*}", acme_dispatch},
    {"POST", "/acme/{rest*}", acme_dispatch},
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

void routes_dispatch(struct http_req *r, struct http_resp *w)
{
	struct http_match m = {0}; /* captures outlive the handler call */
	const char *method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
	char allow[128] = "";
	bool known = false;

	for (size_t i = 0; i < NROUTES; i++) {
		if (!http_route_match(routes[i].pattern, r->path, &m))
			continue;
		if (strcmp(routes[i].method, method) == 0) {
			r->nparams = m.n;
			for (size_t k = 0; k < m.n; k++)
				r->params[k] = m.caps[k];
			routes[i].handler(r, w);
			return;
		}
		known = true;
		if (strstr(allow, routes[i].method) == NULL) {
			size_t len = strlen(allow);
			snprintf(allow + len, sizeof(allow) - len, "%s%s%s", len ? ", " : "",
				 routes[i].method,
				 strcmp(routes[i].method, "GET") == 0 ? ", HEAD" : "");
		}
	}
	if (known) {
		http_set_header(w, "Allow", allow);
		http_problem_code(w, 405, "method-not-allowed",
				  "This path does not take that method; the Allow header lists "
				  "the ones it takes.");
		return;
	}
	http_problem_code(w, 404, "not-found",
			  "There is nothing at this path; the API is under /api/v1/ and the CA "
			  "certificate at /ca.pem.");
}
