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
	json_object_set_new(o, "certificate", pem_json(c));
	json_t *chain = json_array();
	json_array_append_new(chain, json_text(ca_root(ca)->pem));
	json_object_set_new(o, "chain", chain);
	char url[64];
	snprintf(url, sizeof(url), "/certs/%s.pem", c->serial);
	json_object_set_new(o, "pem_url", json_string(url));
	snprintf(url, sizeof(url), "/certs/%s.crt", c->serial);
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

void api_issue(const struct http_req *r, struct http_resp *w)
{
	struct ca_token *tok = NULL;
	json_t *doc = NULL;
	struct ca_cert *cert = NULL;
	struct ca_error err = {{0}};
	struct ca_issue_req req = {0};
	const char *sans[MAX_SANS + 1];
	const char *profile = NULL, *days = NULL;
	long days_v = 0;
	size_t nsans = 0;
	char ct[80];
	bool json_req = false;

	struct http_auth_error ae;
	if (http_auth(r, NULL, &tok, &ae) != CA_OK) {
		http_auth_problem(w, &ae);
		return;
	}
	http_resp_token(w, tok);
	if (!http_content_type(r, ct, sizeof(ct))) {
		http_problem_code(w, 415, "unsupported-media-type",
				  "Send the CSR as application/json, application/pkcs10, "
				  "application/x-pem-file or text/plain.");
		goto out;
	}
	if (strcmp(ct, "application/json") == 0) {
		json_error_t jerr;
		json_req = true;
		doc = json_loadb((const char *)r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
		if (doc == NULL || !json_is_object(doc)) {
			bad_request(w, "The body is not a JSON object; send {\"csr\": \"-----BEGIN "
				       "CERTIFICATE REQUEST-----...\"}.");
			goto out;
		}
		json_t *csr = json_object_get(doc, "csr");
		if (!json_is_string(csr)) {
			bad_request(w, "The JSON body needs \"csr\": the PEM certificate request "
				       "as a string.");
			goto out;
		}
		req.csr = (const uint8_t *)json_string_value(csr);
		req.csr_len = json_string_length(csr);
		json_t *v = json_object_get(doc, "profile");
		if (v != NULL && !json_is_null(v)) {
			if (!json_is_string(v)) {
				bad_request(w, "\"profile\" must be a string: server, client or "
					       "peer.");
				goto out;
			}
			profile = json_string_value(v);
		}
		v = json_object_get(doc, "validity_days");
		if (v != NULL && !json_is_null(v)) {
			if (!json_is_integer(v) || json_integer_value(v) < 1 ||
			    json_integer_value(v) > 100000) {
				bad_request(w, "\"validity_days\" must be a whole number of days "
					       "from 1 up.");
				goto out;
			}
			days_v = (long)json_integer_value(v);
		}
		v = json_object_get(doc, "sans");
		if (v != NULL && !json_is_null(v)) {
			size_t i;
			json_t *e;
			if (!json_is_array(v) || json_array_size(v) > MAX_SANS) {
				bad_request(w, "\"sans\" must be a list of at most 100 DNS names "
					       "or IP addresses.");
				goto out;
			}
			json_array_foreach(v, i, e)
			{
				if (!json_is_string(e)) {
					bad_request(w, "Every entry of \"sans\" must be a string.");
					goto out;
				}
				sans[nsans++] = json_string_value(e);
			}
		}
	} else if (ct[0] == '\0' || strcmp(ct, "application/pkcs10") == 0 ||
		   strcmp(ct, "application/x-pem-file") == 0 || strcmp(ct, "text/plain") == 0 ||
		   strcmp(ct, "application/x-www-form-urlencoded") == 0) {
		/* The last one is what `curl --data-binary @req.csr` and
		 * PowerShell's Invoke-WebRequest -InFile send unless told
		 * otherwise, and no type at all is what a script's plain POST
		 * sends: the body is the CSR as is. */
		req.csr = r->body;
		req.csr_len = r->body_len;
		profile = http_query(r, "profile");
		days = http_query(r, "validity_days");
		if (days != NULL && !parse_int(days, 1, 100000, &days_v)) {
			bad_request(w, "validity_days must be a whole number of days from 1 up.");
			goto out;
		}
		nsans = http_query_all(r, "san", sans, MAX_SANS + 1);
		if (nsans > MAX_SANS) {
			bad_request(w, "At most 100 san parameters are accepted.");
			goto out;
		}
	} else {
		http_problem_code(w, 415, "unsupported-media-type",
				  "Send the CSR as application/json, application/pkcs10 (DER, "
				  "base64 or PEM), application/x-pem-file or text/plain.");
		goto out;
	}
	if (req.csr == NULL || req.csr_len == 0) {
		http_problem(w, CA_ERR_BAD_CSR,
			     "The request has no CSR; send the PEM or DER certificate request "
			     "as the body (for example curl --data-binary @req.csr).");
		goto out;
	}
	req.profile = CA_PROFILE_SERVER;
	if (profile != NULL && !ca_profile_parse(profile, &req.profile)) {
		bad_request(w, "profile must be server, client or peer.");
		goto out;
	}
	req.validity_days = (int)days_v;
	req.sans = sans;
	req.nsans = nsans;
	req.token = tok;

	enum fmt f = (enum fmt)http_negotiate(http_header(r, "Accept"), fmt_types, FMT_MAX,
					      json_req ? FMT_JSON : FMT_PEM);
	enum ca_err e = metrics_issue(r->ca, &req, &cert, &err);
	if (e != CA_OK) {
		http_problem(w, e, err.detail);
		goto out;
	}

	char loc[64];
	snprintf(loc, sizeof(loc), "/api/v1/certificates/%s", cert->serial);
	http_set_header(w, "Location", loc);
	http_set_header(w, "Cache-Control", "no-store");
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
			goto out;
		}
		buf_puts(&w->body, pem);
		buf_puts(&w->body, ca_root(r->ca)->pem);
		free(pem);
		w->status = 201;
		w->content_type = fmt_types[f];
	}
out:
	ca_cert_free(cert);
	json_decref(doc);
	ca_token_free(tok);
}

/* ---- GET /api/v1/certificates ------------------------------------------- */

void api_list(const struct http_req *r, struct http_resp *w)
{
	struct ca_list_query q = {.status = -1, .sort = CA_SORT_ISSUED, .limit = 50};
	struct ca_cert_list l = {0};
	struct ca_error err = {{0}};
	const char *s;
	long v;

	if ((s = http_query(r, "status")) != NULL && strcmp(s, "all") != 0) {
		if (strcmp(s, "valid") == 0)
			q.status = CA_STATUS_VALID;
		else if (strcmp(s, "revoked") == 0)
			q.status = CA_STATUS_REVOKED;
		else if (strcmp(s, "expired") == 0)
			q.status = CA_STATUS_EXPIRED;
		else {
			bad_request(w, "status must be valid, revoked, expired or all.");
			return;
		}
	}
	if ((s = http_query(r, "limit")) != NULL) {
		if (!parse_int(s, 1, 500, &v)) {
			bad_request(w, "limit must be a whole number from 1 to 500.");
			return;
		}
		q.limit = (int)v;
	}
	if ((s = http_query(r, "sort")) != NULL) {
		if (strcmp(s, "issued") == 0)
			q.sort = CA_SORT_ISSUED;
		else if (strcmp(s, "expires") == 0)
			q.sort = CA_SORT_EXPIRES;
		else {
			bad_request(w, "sort must be issued or expires.");
			return;
		}
	}
	if ((s = http_query(r, "q")) != NULL && *s) {
		if (strlen(s) > 256) {
			bad_request(w, "q is limited to 256 characters.");
			return;
		}
		q.q = s;
	}
	if ((s = http_query(r, "cursor")) != NULL && *s) {
		if (strlen(s) > 512) {
			bad_request(w, "cursor is not one this server handed out; start "
				       "again without it.");
			return;
		}
		q.cursor = s;
	}

	enum ca_err e = ca_list(r->ca, &q, &l, &err);
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
	if (r->nparams < 1 || !ca_serial_norm(r->params[0], serial)) {
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
	struct ca_error err = {{0}};

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
	struct ca_error err = {{0}};
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
	enum ca_err e = metrics_revoke(r->ca, serial, reason, tok, &c, &err);
	if (e != CA_OK) {
		http_problem(w, e, err.detail);
		goto out;
	}
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
	const struct ca_root *root = ca_root(r->ca);
	const char *base = ca_settings(r->ca)->base_url;
	struct ca_counts counts = {0};
	struct ca_error err = {{0}};
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
	} links[] = {{"ca", "/ca.pem"},
		     {"ca_der", "/ca.crt"},
		     {"ca_p7b", "/ca.p7b"},
		     {"crl", "/crl"},
		     {"ocsp", "/ocsp"}};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(url, sizeof(url), "%s%s", base ? base : "", links[i].path);
		json_object_set_new(urls, links[i].key, json_text(url));
	}
	json_object_set_new(o, "urls", urls);
	json_object_set_new(cnt, "valid", json_integer((json_int_t)counts.valid));
	json_object_set_new(cnt, "revoked", json_integer((json_int_t)counts.revoked));
	json_object_set_new(cnt, "expired", json_integer((json_int_t)counts.expired));
	json_object_set_new(o, "counts", cnt);
	http_json(w, 200, o);
}

/* ---- GET /healthz -------------------------------------------------------- */

void api_healthz(const struct http_req *r, struct http_resp *w)
{
	struct ca_error err = {{0}};
	w->content_type = "text/plain; charset=utf-8";
	http_set_header(w, "Cache-Control", "no-store");
	if (ca_health(r->ca, &err) != CA_OK) {
		fprintf(stderr, "privca: health check failed: %s\n", err.detail);
		w->status = 503;
		buf_puts(&w->body, "unavailable\n");
		return;
	}
	w->status = 200;
	buf_puts(&w->body, "ok\n");
}
