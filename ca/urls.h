/*
 * The URLs the CA writes into the certificates it issues (RFC 5280
 * 4.2.1.13 cRLDistributionPoints, 4.2.2.1 authorityInfoAccess): its base
 * URL from the settings plus the paths the front-end serves those
 * artifacts under (design.md section 4). The certificate encoder knows no
 * paths; it writes the URLs it is given in struct cert_tpl.
 */
#ifndef PRIVCA_URLS_H
#define PRIVCA_URLS_H

#include "privca/types.h"

#define CERT_URL_CRL	"/crl"	  /* DER CRL */
#define CERT_URL_OCSP	"/ocsp"	  /* OCSP responder (POST and GET) */
#define CERT_URL_ISSUER "/ca.crt" /* the issuing CA's certificate, DER; the root's */
/* Under a root (design section 11): the issuing intermediate's certificate,
 * and the root's CRL, the intermediate's CRL distribution point. */
#define CERT_URL_ISSUER_SUB "/issuer.crt"
#define CERT_URL_ROOT_CRL   "/root.crl"
/* The delta CRL (RFC 5280 5.2.4): freshestCRL in leaves and complete CRLs. */
#define CERT_URL_DELTA "/crl/delta"

/* A base URL is at most CONF max (1000 bytes): room for it and a path. */
#define CERT_URL_MAX 1100

struct cert_urls {
	char crl[CERT_URL_MAX];
	char ocsp[CERT_URL_MAX];
	char issuer[CERT_URL_MAX];
	char issuer_sub[CERT_URL_MAX]; /* CERT_URL_ISSUER_SUB */
	char root_crl[CERT_URL_MAX];   /* CERT_URL_ROOT_CRL */
	char delta[CERT_URL_MAX];      /* CERT_URL_DELTA */
};

/*
 * Fill out from base ("https://ca.example:8443", no trailing slash needed;
 * one is dropped). CA_ERR_BAD_REQUEST, out zeroed, if base is empty or a
 * URL does not fit. out is caller-owned storage; nothing is allocated.
 */
enum ca_err cert_urls_from_base(const char *base, struct cert_urls *out,
				struct ca_error *err) CA_WUR;

#endif
