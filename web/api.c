/*
 * The code in this file implements the JSON API of design section 4
 * (issuance, listing, detail, revocation, the CA summary), /healthz and
 * /metrics. Each handler decodes the request, calls the core, and renders;
 * every JSON document is built with jansson.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/auth.h"
#include "http/params.h"
#include "http/urls.h"
#include "routes.h"

#define MAX_SANS 100

/* ---- rendering ---------------------------------------------------------- */

static json_t *time_json(int64_t t)
{
	char s[21];
	if (t == 0)
		return json_null();
	ca_time_rfc3339(t, s);
	return json_string(s);
}

static json_t *names_json(char *const *names, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, json_text(names[i]));
	return a;
}

static json_t *pem_json(const struct ca_cert *c)
{
	char *pem = ca_cert_pem(c);
	json_t *v = pem ? json_string(pem) : json_null();
	free(pem);
	return v;
}

/* The record as the list shows it; with full, also what the detail and
 * issuance answers carry (fingerprint, PEM, chain, download links). */
static json_t *cert_json(struct ca *ca, const struct ca_cert *c, bool full)
{
	json_t *o = json_object();
	const char *status = ca_status_name(c->status);
	const char *reason = c->revoked_at ? ca_reason_name(c->reason) : NULL;

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "serial", json_string(c->serial));
	json_object_set_new(o, "subject", json_text(c->subject));
	json_object_set_new(o, "dns_names", names_json(c->dns_names, c->n_dns));
	json_object_set_new(o, "ip_addresses", names_json(c->ip_addresses, c->n_ip));
	json_object_set_new(o, "not_before", time_json(c->not_before));
	json_object_set_new(o, "not_after", time_json(c->not_after));
	json_object_set_new(o, "status", json_text(status));
	json_object_set_new(o, "profile", json_text(ca_profile_name(c->profile)));
	json_object_set_new(o, "requester", json_text(c->requester));
	json_object_set_new(o, "revoked_at", time_json(c->revoked_at));
	json_object_set_new(o, "revocation_reason", json_text(reason));
	if (!full)
		return o;
	json_object_set_new(o, "fingerprint_sha256", json_string(c->fingerprint_sha256));
	if (c->clamped)
		json_object_set_new(o, "validity_clamped", json_true());
	json_object_set_new(o, "certificate", pem_json(c));
	json_t *chain = json_array();
	size_t n;
	const struct ca_issuer *const *up = ca_chain(ca, &n);
	for (size_t i = 0; i < n; i++) /* up to the root (design section 4) */
		json_array_append_new(chain, json_text(up[i]->pem));
	json_object_set_new(o, "chain", chain);
	char url[64];
	snprintf(url, sizeof(url), URL_CERT_PEM_FMT, c->serial);
	json_object_set_new(o, "pem_url", json_string(url));
	snprintf(url, sizeof(url), URL_CERT_CRT_FMT, c->serial);
	json_object_set_new(o, "der_url", json_string(url));
	return o;
}

/* ---- request decoding ---------------------------------------------------- */

/* A whole decimal number in [min, max]. */
static bool parse_int(const char *s, long min, long max, long *out)
{
	long v = 0;
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > max)
			return false;
		v = v * 10 + (*s - '0');
	}
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

enum fmt { FMT_JSON, FMT_PEM, FMT_TEXT, FMT_CHAIN, FMT_DER, FMT_MAX };

static const char *const fmt_types[FMT_MAX] = {
    [FMT_JSON] = "application/json",	 [FMT_PEM] = "application/x-pem-file",
    [FMT_TEXT] = "text/plain",		 [FMT_CHAIN] = "application/pem-certificate-chain",
    [FMT_DER] = "application/pkix-cert",
};

static void bad_request(struct http_resp *w, const char *detail)
{
	http_problem(w, CA_ERR_BAD_REQUEST, detail);
}

/* ---- POST /api/v1/certificates ------------------------------------------ */

/* An issue request as decoded from either body form. The strings point
 * into the request or into doc, which this owns (json_decref). */
struct issue_in {
	struct ca_issue_req req;
	const char *sans[MAX_SANS + 1];
	size_t nsans;
	const char *profile;
	long days;
	json_t *doc;
	bool json;
};

/* "sans" of a JSON body, absent or null meaning none. False: the problem is
 * in w. */
static bool decode_json_sans(json_t *v, struct http_resp *w, struct issue_in *in)
{
	size_t i;
	json_t *e;
	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_array(v) || json_array_size(v) > MAX_SANS) {
		bad_request(w, "\"sans\" must be a list of at most 100 DNS names or IP addresses.");
		return false;
	}
	json_array_foreach(v, i, e)
	{
		if (!json_is_string(e)) {
			bad_request(w, "Every entry of \"sans\" must be a string.");
			return false;
		}
		in->sans[in->nsans++] = json_string_value(e);
	}
	return true;
}

/* {"csr", "profile", "validity_days", "sans"} into in. False: the problem is
 * in w. */
static bool decode_json_req(const struct http_req *r, struct http_resp *w, struct issue_in *in)
{
	json_error_t jerr;
	in->json = true;
	in->doc = json_loadb((const char *)r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (in->doc == NULL || !json_is_object(in->doc)) {
		bad_request(w, "The body is not a JSON object; send {\"csr\": \"-----BEGIN "
			       "CERTIFICATE REQUEST-----...\"}.");
		return false;
	}
	json_t *csr = json_object_get(in->doc, "csr");
	if (!json_is_string(csr)) {
		bad_request(w, "The JSON body needs \"csr\": the PEM certificate request "
			       "as a string.");
		return false;
	}
	in->req.csr = (const uint8_t *)json_string_value(csr);
	in->req.csr_len = json_string_length(csr);
	json_t *v = json_object_get(in->doc, "profile");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v)) {
			bad_request(w, "\"profile\" must be a string: server, client or peer.");
			return false;
		}
		in->profile = json_string_value(v);
	}
	v = json_object_get(in->doc, "validity_days");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 100000) {
			bad_request(w,
				    "\"validity_days\" must be a whole number of days from 1 up.");
			return false;
		}
		in->days = (long)json_integer_value(v);
	}
	return decode_json_sans(json_object_get(in->doc, "sans"), w, in);
}

/* The body as the CSR itself, profile, validity_days and san from the query
 * string. False: the problem is in w. */
static bool decode_raw_req(const struct http_req *r, struct http_resp *w, struct issue_in *in)
{
	in->req.csr = r->body;
	in->req.csr_len = r->body_len;
	in->profile = http_query(r, "profile");
	const char *days = http_query(r, "validity_days");
	if (days != NULL && !parse_int(days, 1, 100000, &in->days)) {
		bad_request(w, "validity_days must be a whole number of days from 1 up.");
		return false;
	}
	in->nsans = http_query_all(r, "san", in->sans, MAX_SANS + 1);
	if (in->nsans > MAX_SANS) {
		bad_request(w, "At most 100 san parameters are accepted.");
		return false;
	}
	return true;
}

/* Decode the body by its Content-Type. False: the problem is in w. */
static bool decode_issue_req(const struct http_req *r, struct http_resp *w, struct issue_in *in)
{
	char ct[80];
	bool ok;
	if (!http_content_type(r, ct, sizeof(ct))) {
		http_problem_code(w, 415, "unsupported-media-type",
				  "Send the CSR as application/json, application/pkcs10, "
				  "application/x-pem-file or text/plain.");
		return false;
	}
	if (strcmp(ct, "application/json") == 0) {
		ok = decode_json_req(r, w, in);
	} else if (ct[0] == '\0' || strcmp(ct, "application/pkcs10") == 0 ||
		   strcmp(ct, "application/x-pem-file") == 0 || strcmp(ct, "text/plain") == 0 ||
		   strcmp(ct, "application/x-www-form-urlencoded") == 0) {
		/* The last one is what `curl --data-binary @req.csr` and
		 * PowerShell's Invoke-WebRequest -InFile send unless told
		 * otherwise, and no type at all is what a script's plain POST
		 * sends: the body is the CSR as is. */
		ok = decode_raw_req(r, w, in);
	} else {
		http_problem_code(w, 415, "unsupported-media-type",
				  "Send the CSR as application/json, application/pkcs10 (DER, "
				  "base64 or PEM), application/x-pem-file or text/plain.");
		return false;
	}
	if (ok && (in->req.csr == NULL || in->req.csr_len == 0)) {
		http_problem(w, CA_ERR_BAD_CSR,
			     "The request has no CSR; send the PEM or DER certificate request "
			     "as the body (for example curl --data-binary @req.csr).");
		return false;
	}
	in->req.profile = CA_PROFILE_SERVER;
	if (ok && in->profile != NULL && !ca_profile_parse(in->profile, &in->req.profile)) {
		bad_request(w, "profile must be server, client or peer.");
		return false;
	}
	return ok;
}

/* 201 with the new certificate as f (JSON, DER, or PEM with the CA after). */
static void render_issued(const struct http_req *r, struct http_resp *w, const struct ca_cert *cert,
			  enum fmt f)
{
	char loc[64];
	snprintf(loc, sizeof(loc), URL_API_CERT_FMT, cert->serial);
	http_set_header(w, "Location", loc);
	http_set_header(w, "Cache-Control", "no-store");
	if (cert->clamped)
		http_set_header(
		    w, "Warning",
		    "299 privca \"validity shortened to end with the CA's certificate\"");
	if (f == FMT_JSON) {
		http_json(w, 201, cert_json(r->ca, cert, true));
	} else if (f == FMT_DER) {
		buf_add(&w->body, cert->der, cert->der_len);
		w->status = 201;
		w->content_type = "application/pkix-cert";
	} else {
		char *pem = ca_cert_pem(cert);
		if (pem == NULL) {
			http_problem(w, CA_ERR_NOMEM, "out of memory encoding the certificate");
			return;
		}
		buf_puts(&w->body, pem);
		buf_puts(&w->body, ca_chain_pem(r->ca));
		free(pem);
		w->status = 201;
		w->content_type = fmt_types[f];
	}
}

/* The request field a core refusal is about, as this API names it (the JSON
 * member and the query parameter are both "validity_days"). */
static const char *const input_fields[CA_INPUT_MAX] = {
    [CA_INPUT_DAYS] = "validity_days",
};

/* The core's message, and the field it is about in this API's terms. */
static void issue_problem(struct http_resp *w, enum ca_err e, const struct ca_error *err)
{
	const char *field = (unsigned)err->input < CA_INPUT_MAX ? input_fields[err->input] : NULL;
	if (field == NULL) {
		http_problem(w, e, err->detail);
		return;
	}
	char d[sizeof(err->detail) + 32];
	snprintf(d, sizeof(d), "%s (in '%s')", err->detail, field);
	http_problem(w, e, d);
}

void api_issue(const struct http_req *r, struct http_resp *w)
{
	struct ca_token *tok = NULL;
	struct ca_cert *cert = NULL;
	struct ca_error err = {0};
	struct issue_in in = {0};

	struct http_auth_error ae;
	if (http_auth(r, NULL, &tok, &ae) != CA_OK) {
		http_auth_problem(w, &ae);
		return;
	}
	http_resp_token(w, tok);
	if (!decode_issue_req(r, w, &in))
		goto out;
	in.req.validity_days = (int)in.days;
	in.req.sans = in.sans;
	in.req.nsans = in.nsans;
	in.req.token = tok;

	enum fmt f = (enum fmt)http_negotiate(http_header(r, "Accept"), fmt_types, FMT_MAX,
					      in.json ? FMT_JSON : FMT_PEM);
	enum ca_err e = ca_issue(r->ca, &in.req, &cert, &err);
	if (e != CA_OK) {
		issue_problem(w, e, &err);
	} else {
		http_resp_serial(w, cert->serial);
		render_issued(r, w, cert, f);
	}
out:
	ca_cert_free(cert);
	json_decref(in.doc);
	ca_token_free(tok);
}

/* ---- GET /api/v1/certificates ------------------------------------------- */

void api_list(const struct http_req *r, struct http_resp *w)
{
	struct http_list_query lq;
	struct ca_cert_list l = {0};
	struct ca_error err = {0};

	if (!http_list_query_parse(r, &lq)) {
		bad_request(w, lq.problem);
		return;
	}
	enum ca_err e = ca_list(r->ca, &lq.q, &l, &err);
	if (e != CA_OK) {
		http_problem(w, e, err.detail);
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < l.n; i++)
		json_array_append_new(items, cert_json(r->ca, l.items[i], false));
	json_t *o = json_object();
	if (o != NULL) {
		json_object_set_new(o, "items", items ? items : json_array());
		json_object_set_new(o, "next_cursor", json_text(l.next_cursor));
	} else {
		json_decref(items);
	}
	ca_cert_list_free(&l);
	http_json(w, 200, o);
}

/* ---- GET /api/v1/certificates/{serial} ---------------------------------- */

static bool serial_param(const struct http_req *r, struct http_resp *w, char serial[33])
{
	if (!http_serial_param(r, serial)) {
		http_problem(w, CA_ERR_NOT_FOUND,
			     "No certificate has that serial: serials are 32 hex digits, as "
			     "listed by /api/v1/certificates.");
		return false;
	}
	return true;
}

void api_cert(const struct http_req *r, struct http_resp *w)
{
	char serial[33];
	struct ca_cert *c = NULL;
	struct ca_error err = {0};

	if (!serial_param(r, w, serial))
		return;
	enum ca_err e = ca_cert_get(r->ca, serial, &c, &err);
	if (e != CA_OK) {
		http_problem(w, e, err.detail);
		return;
	}
	http_json(w, 200, cert_json(r->ca, c, true));
	ca_cert_free(c);
}

/* ---- POST /api/v1/certificates/{serial}/revoke -------------------------- */

void api_revoke(const struct http_req *r, struct http_resp *w)
{
	char serial[33];
	struct ca_token *tok = NULL;
	struct ca_cert *c = NULL;
	struct ca_error err = {0};
	enum ca_reason reason = CA_REASON_UNSPECIFIED;
	json_t *doc = NULL;

	struct http_auth_error ae;
	if (http_auth(r, NULL, &tok, &ae) != CA_OK) {
		http_auth_problem(w, &ae);
		return;
	}
	http_resp_token(w, tok);
	if (!serial_param(r, w, serial))
		goto out;
	if (r->body_len > 0) {
		json_error_t jerr;
		doc = json_loadb((const char *)r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
		if (doc == NULL || !json_is_object(doc)) {
			bad_request(w, "The body must be a JSON object such as {\"reason\": "
				       "\"keyCompromise\"}, or empty.");
			goto out;
		}
		json_t *v = json_object_get(doc, "reason");
		if (v != NULL && !json_is_null(v) &&
		    (!json_is_string(v) || !ca_reason_parse(json_string_value(v), &reason))) {
			bad_request(w, "reason must be one of unspecified, keyCompromise, "
				       "affiliationChanged, superseded, cessationOfOperation.");
			goto out;
		}
	}
	enum ca_err e = ca_revoke(r->ca, serial, reason, tok, &c, &err);
	if (e != CA_OK) {
		http_problem(w, e, err.detail);
		goto out;
	}
	http_resp_serial(w, serial);
	if (c != NULL) {
		http_json(w, 200, cert_json(r->ca, c, true));
	} else {
		/* The core may leave *out unset; read the record back. */
		if (ca_cert_get(r->ca, serial, &c, &err) == CA_OK)
			http_json(w, 200, cert_json(r->ca, c, true));
		else
			http_problem(w, CA_ERR_INTERNAL, err.detail);
	}
out:
	ca_cert_free(c);
	json_decref(doc);
	ca_token_free(tok);
}

/* ---- GET /api/v1/ca ------------------------------------------------------ */

void api_ca(const struct http_req *r, struct http_resp *w)
{
	const struct ca_issuer *root = ca_issuer(r->ca);
	const char *base = ca_settings(r->ca)->base_url;
	struct ca_counts counts = {0};
	struct ca_error err = {0};
	char url[512];

	enum ca_err e = ca_count(r->ca, &counts, &err);
	if (e != CA_OK) {
		http_problem(w, e, err.detail);
		return;
	}

	json_t *o = json_object();
	json_t *urls = json_object();
	json_t *cnt = json_object();
	if (o == NULL || urls == NULL || cnt == NULL) {
		json_decref(o);
		json_decref(urls);
		json_decref(cnt);
		{
			http_problem(w, CA_ERR_NOMEM, "out of memory");
			return;
		}
	}
	json_object_set_new(o, "subject", json_text(root->subject));
	json_object_set_new(o, "fingerprint_sha256", json_string(root->fingerprint_sha256));
	json_object_set_new(o, "fingerprint_sha1", json_string(root->fingerprint_sha1));
	json_object_set_new(o, "not_before", time_json(root->not_before));
	json_object_set_new(o, "not_after", time_json(root->not_after));
	json_object_set_new(o, "key_type", json_text(ca_key_type_name(root->key_type)));
	static const struct {
		const char *key, *path;
	} links[] = {{"ca", URL_CA_PEM},	 {"ca_der", URL_CA_CRT}, {"ca_p7b", URL_CA_P7B},
		     {"issuer", URL_ISSUER_PEM}, {"crl", URL_CRL},	 {"ocsp", URL_OCSP}};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(url, sizeof(url), "%s%s", base ? base : "", links[i].path);
		json_object_set_new(urls, links[i].key, json_text(url));
	}
	json_object_set_new(o, "urls", urls);
	/* The chain, the issuer (the fields above) first, the root last. */
	json_t *chain = json_array();
	size_t n;
	const struct ca_issuer *const *up = ca_chain(r->ca, &n);
	for (size_t i = 0; chain != NULL && i < n; i++) {
		json_t *c = json_object();
		json_object_set_new(c, "subject", json_text(up[i]->subject));
		json_object_set_new(c, "fingerprint_sha256",
				    json_string(up[i]->fingerprint_sha256));
		json_object_set_new(c, "not_before", time_json(up[i]->not_before));
		json_object_set_new(c, "not_after", time_json(up[i]->not_after));
		json_object_set_new(c, "certificate", json_text(up[i]->pem));
		json_array_append_new(chain, c);
	}
	json_object_set_new(o, "chain", chain);
	json_object_set_new(cnt, "valid", json_integer((json_int_t)counts.valid));
	json_object_set_new(cnt, "revoked", json_integer((json_int_t)counts.revoked));
	json_object_set_new(cnt, "expired", json_integer((json_int_t)counts.expired));
	json_object_set_new(cnt, "expiring_30d", json_integer((json_int_t)counts.expiring_30d));
	json_object_set_new(o, "counts", cnt);
	http_json(w, 200, o);
}

/* ---- GET /healthz -------------------------------------------------------- */

void api_healthz(const struct http_req *r, struct http_resp *w)
{
	struct ca_error err = {0};
	w->content_type = "text/plain; charset=utf-8";
	http_set_header(w, "Cache-Control", "no-store");
	if (ca_health(r->ca, &err) != CA_OK) {
		fprintf(stderr, "privca: health check failed: %s\n", err.detail);
		w->status = 503;
		buf_printf(&w->body, "unavailable: %s\n", err.detail);
		return;
	}
	w->status = 200;
	buf_puts(&w->body, "ok\n");
}
