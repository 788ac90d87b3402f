/*
 * The code in this file implements the public downloads of design section
 * 4: the CA certificate (/ca.pem, /ca.crt, /ca.p7b), issued certificates
 * (/certs/{serial}.pem|.crt), the CRL (/crl, /crl.pem) with validators so
 * clients can poll it cheaply, and the OCSP responder (RFC 6960 appendix A:
 * POST with the DER request, GET with its base64 in the path).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/params.h"
#include "routes.h"

/* CRL caches may keep a copy this long at most (and never past nextUpdate):
 * a revocation rebuilds the CRL at once, caches should notice soon. */
#define CRL_MAX_AGE   300
#define DELTA_MAX_AGE 60 /* a delta is for freshness: look again within a minute */
#define CA_MAX_AGE    3600
#define CERT_MAX_AGE  86400

/* 200 with der as PEM under label. */
static void pem_reply(struct http_resp *w, const char *label, const uint8_t *der, size_t n)
{
	char *pem = ca_pem(label, der, n);
	if (pem == NULL) {
		http_problem(w, CA_ERR_NOMEM, "out of memory");
		return;
	}
	w->status = 200;
	w->content_type = "application/x-pem-file";
	buf_puts(&w->body, pem);
	free(pem);
}

/* The base64 of an OCSP GET path (RFC 6960 appendix A). A ' ' is a '+'
 * that something on the way form-decoded. */
static bool ocsp_b64(const char *path, uint8_t **der, size_t *n)
{
	char *s = strdup(path);
	if (s == NULL)
		return false;
	for (char *p = s; *p; p++)
		if (*p == ' ')
			*p = '+';
	bool ok = ca_base64_decode(s, der, n);
	free(s);
	return ok;
}

/* ---- validators --------------------------------------------------------- */

/* True if If-None-Match names etag (or is "*"). */
static bool etag_matches(const struct http_req *r, const char *etag)
{
	const char *p = http_header(r, "If-None-Match");
	size_t el = strlen(etag);
	if (p == NULL)
		return false;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		size_t n = strcspn(p, ",");
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == el && memcmp(p, etag, el) == 0)
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

/* Set the validators; true (and a 304 answer) if the client's copy is
 * current. If-None-Match wins over If-Modified-Since (RFC 9110 13.1.3). */
static bool not_modified(const struct http_req *r, struct http_resp *w, const char *etag,
			 const char *last_modified, int max_age)
{
	char cc[48];
	snprintf(cc, sizeof(cc), "public, max-age=%d", max_age);
	http_set_header(w, "ETag", etag);
	if (last_modified != NULL)
		http_set_header(w, "Last-Modified", last_modified);
	http_set_header(w, "Cache-Control", cc);
	bool fresh;
	if (http_header(r, "If-None-Match") != NULL) {
		fresh = etag_matches(r, etag);
	} else {
		const char *ims = http_header(r, "If-Modified-Since");
		fresh = ims != NULL && last_modified != NULL && strcmp(ims, last_modified) == 0;
	}
	if (fresh) {
		w->status = 304;
		w->content_type = NULL;
	}
	return fresh;
}

static void attachment(struct http_resp *w, const char *filename)
{
	char v[128];
	snprintf(v, sizeof(v), "attachment; filename=\"%s\"", filename);
	http_set_header(w, "Content-Disposition", v);
}

static void bytes(struct http_resp *w, const char *type, const void *p, size_t n)
{
	buf_add(&w->body, p, n);
	w->status = 200;
	w->content_type = type;
}

/* ---- the CA certificate -------------------------------------------------- */

/* Validators of a CA download: the ETag names the certificate (an
 * intermediate renewed keeps its name, not its fingerprint). */
static bool ca_fresh(const struct http_req *r, struct http_resp *w, const struct ca_issuer *c,
		     const char *kind)
{
	char etag[96], lm[40];
	snprintf(etag, sizeof(etag), "\"%.16s-%s\"", c->fingerprint_sha256, kind);
	http_date(c->not_before, lm);
	return not_modified(r, w, etag, lm, CA_MAX_AGE);
}

/* /ca.pem and /ca.crt are the root clients install (design section 11). */
void art_ca_pem(const struct http_req *r, struct http_resp *w)
{
	const struct ca_issuer *root = ca_root(r->ca);
	if (ca_fresh(r, w, root, "pem"))
		return;
	attachment(w, "ca.pem");
	bytes(w, "application/x-pem-file", root->pem, strlen(root->pem));
}

void art_ca_crt(const struct http_req *r, struct http_resp *w)
{
	const struct ca_issuer *root = ca_root(r->ca);
	if (ca_fresh(r, w, root, "crt"))
		return;
	attachment(w, "ca.crt");
	bytes(w, "application/pkix-cert", root->der, root->der_len);
}

/* /ca.p7b: the whole chain, the issuer first. */
void art_ca_p7b(const struct http_req *r, struct http_resp *w)
{
	const struct ca_issuer *is = ca_issuer(r->ca);
	if (ca_fresh(r, w, is, "p7b"))
		return;
	attachment(w, "ca.p7b");
	bytes(w, "application/pkcs7-mime", is->p7b, is->p7b_len);
}

/* /issuer.pem and /issuer.crt: the CA that signs leaves (AIA caIssuers). */
void art_issuer_pem(const struct http_req *r, struct http_resp *w)
{
	const struct ca_issuer *is = ca_issuer(r->ca);
	if (ca_fresh(r, w, is, "ipem"))
		return;
	attachment(w, "issuer.pem");
	bytes(w, "application/x-pem-file", is->pem, strlen(is->pem));
}

void art_issuer_crt(const struct http_req *r, struct http_resp *w)
{
	const struct ca_issuer *is = ca_issuer(r->ca);
	if (ca_fresh(r, w, is, "icrt"))
		return;
	attachment(w, "issuer.crt");
	bytes(w, "application/pkix-cert", is->der, is->der_len);
}

/* /root.crl: the offline root's CRL (the intermediate's CRL DP). */
void art_root_crl(const struct http_req *r, struct http_resp *w)
{
	uint8_t *der = NULL;
	size_t n = 0;
	struct ca_error err = {0};
	enum ca_err e = ca_root_crl(r->ca, &der, &n, &err);
	if (e != CA_OK) {
		http_problem(w, e, err.detail);
		return;
	}
	bytes(w, "application/pkix-crl", der, n);
	http_set_header(w, "Cache-Control", "public, max-age=300");
	free(der);
}

/* ---- issued certificates ------------------------------------------------- */

static void cert_download(const struct http_req *r, struct http_resp *w, bool pem)
{
	char serial[33], etag[80], name[48];
	struct ca_cert *c = NULL;
	struct ca_error err = {0};

	if (!http_serial_param(r, serial)) {
		http_problem(w, CA_ERR_NOT_FOUND,
			     "No certificate has that serial: serials are 32 hex digits.");
		return;
	}
	enum ca_err e = ca_cert_get(r->ca, serial, &c, &err);
	if (e != CA_OK) {
		http_problem(w, e, err.detail);
		return;
	}
	snprintf(etag, sizeof(etag), "\"%.32s-%s\"", c->fingerprint_sha256, pem ? "pem" : "crt");
	if (!not_modified(r, w, etag, NULL, CERT_MAX_AGE)) {
		snprintf(name, sizeof(name), "%s.%s", c->serial, pem ? "pem" : "crt");
		attachment(w, name);
		if (pem)
			pem_reply(w, "CERTIFICATE", c->der, c->der_len);
		else
			bytes(w, "application/pkix-cert", c->der, c->der_len);
	}
	ca_cert_free(c);
}

void art_cert_pem(const struct http_req *r, struct http_resp *w)
{
	cert_download(r, w, true);
}

void art_cert_crt(const struct http_req *r, struct http_resp *w)
{
	cert_download(r, w, false);
}

/* ---- CRL ------------------------------------------------------------------ */

/* The complete CRL or (delta) the delta CRL, DER or PEM, with validators. */
static void crl(const struct http_req *r, struct http_resp *w, bool pem, bool delta)
{
	struct ca_blob *b = NULL;
	struct ca_error err = {0};
	char etag[64], lm[40];
	size_t n = 0;

	enum ca_err e = delta ? ca_crl_delta(r->ca, &b, &err) : ca_crl(r->ca, &b, &err);
	if (e != CA_OK) {
		http_problem(w, e, err.detail);
		return;
	}
	const uint8_t *der = ca_blob_data(b, &n);
	int64_t left = ca_blob_expires(b) - ca_now(r->ca);
	int cap = delta ? DELTA_MAX_AGE : CRL_MAX_AGE;
	int max_age = left < 0 ? 0 : left > cap ? cap : (int)left;
	snprintf(etag, sizeof(etag), "\"crl-%s%llu-%s\"", delta ? "delta-" : "",
		 (unsigned long long)ca_blob_number(b), pem ? "pem" : "der");
	http_date(ca_blob_time(b), lm);
	if (!not_modified(r, w, etag, lm, max_age)) {
		if (pem)
			pem_reply(w, "X509 CRL", der, n);
		else
			bytes(w, "application/pkix-crl", der, n);
	}
	ca_blob_release(b);
}

void art_crl(const struct http_req *r, struct http_resp *w)
{
	crl(r, w, false, false);
}

void art_crl_pem(const struct http_req *r, struct http_resp *w)
{
	crl(r, w, true, false);
}

void art_delta(const struct http_req *r, struct http_resp *w)
{
	crl(r, w, false, true);
}

void art_delta_pem(const struct http_req *r, struct http_resp *w)
{
	crl(r, w, true, true);
}

/* ---- OCSP ----------------------------------------------------------------- */

static void ocsp(const struct http_req *r, struct http_resp *w, const uint8_t *req, size_t n)
{
	uint8_t *resp = NULL;
	size_t len = 0;
	struct ca_error err = {0};

	enum ca_err e = ca_ocsp(r->ca, req, n, &resp, &len, &err);
	if (e != CA_OK) {
		http_problem(w, e, err.detail);
		return;
	}
	bytes(w, "application/ocsp-response", resp, len);
	http_set_header(w, "Cache-Control", "no-cache");
	free(resp);
}

void art_ocsp_post(const struct http_req *r, struct http_resp *w)
{
	char ct[64];
	if (!http_content_type(r, ct, sizeof(ct)) ||
	    (ct[0] != '\0' && strcmp(ct, "application/ocsp-request") != 0)) {
		http_problem_code(w, 415, "unsupported-media-type",
				  "Send the OCSP request as application/ocsp-request (RFC 6960).");
		return;
	}
	ocsp(r, w, r->body ? r->body : (const uint8_t *)"", r->body_len);
}

void art_ocsp_get(const struct http_req *r, struct http_resp *w)
{
	uint8_t *der = NULL;
	size_t n = 0;

	/* A request that is not base64 still gets an OCSP answer
	 * (malformedRequest), as OCSP clients expect. */
	if (r->nparams < 1 || !ocsp_b64(r->params[0], &der, &n)) {
		ocsp(r, w, (const uint8_t *)"", 0);
		return;
	}
	ocsp(r, w, der, n);
	free(der);
}
