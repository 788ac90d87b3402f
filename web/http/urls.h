/*
 * Every public path of the service, spelled once (design sections 3-5).
 * Patterns: "{x}" captures one segment, "{x*}" the non-empty rest of the
 * path (routes.c). The *_FMT forms take a normalized serial.
 */
#ifndef PRIVCA_HTTP_URLS_H
#define PRIVCA_HTTP_URLS_H

/* JSON API */
#define URL_API_CERTS	    "/api/v1/certificates"
#define URL_API_CERT	    URL_API_CERTS "/{serial}"
#define URL_API_CERT_FMT    URL_API_CERTS "/%s"
#define URL_API_CERT_REVOKE URL_API_CERT "/revoke"
#define URL_API_CA	    "/api/v1/ca"
#define URL_HEALTHZ	    "/healthz"
#define URL_METRICS	    "/metrics"

/* downloads and revocation artifacts */
#define URL_CA_PEM	 "/ca.pem"
#define URL_CA_CRT	 "/ca.crt"
#define URL_CA_P7B	 "/ca.p7b"
#define URL_ISSUER_PEM	 "/issuer.pem"
#define URL_ISSUER_CRT	 "/issuer.crt"
#define URL_ROOT_CRL	 "/root.crl"
#define URL_CRL		 "/crl"
#define URL_CRL_PEM	 "/crl.pem"
#define URL_DELTA_CRL	 "/crl/delta" /* ca/urls.h CERT_URL_DELTA */
#define URL_DELTA_PEM	 "/crl/delta.pem"
#define URL_OCSP	 "/ocsp"
#define URL_OCSP_GET	 URL_OCSP "/{request*}"
#define URL_CERT_CHAIN	 URL_CERTS "/{serial}.chain.pem"
#define URL_CERT_P7B	 URL_CERTS "/{serial}.p7b"
#define URL_CERT_DER	 URL_CERTS "/{serial}.der"
#define URL_CERT_PEM	 URL_CERTS "/{serial}.pem"
#define URL_CERT_PEM_FMT URL_CERTS "/%s.pem"
#define URL_CERT_CRT	 URL_CERTS "/{serial}.crt"
#define URL_CERT_CRT_FMT URL_CERTS "/%s.crt"

/* HTML pages */
#define URL_HOME	"/"
#define URL_CERTS	"/certs"
#define URL_CERTS_CSV	"/certs.csv"
#define URL_CERT	URL_CERTS "/{serial}"
#define URL_CERT_REVOKE URL_CERT "/revoke"
#define URL_REQUEST	"/request"
#define URL_STATIC	"/static/{name}"

#endif
