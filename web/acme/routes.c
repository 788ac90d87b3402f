/*
 * The code in this file implements the dispatch of /acme/... (design
 * section 10): HTTPS only (403 https-required on plain HTTP), links
 * absolute on the authority the client used, and the request check every
 * POST shares (decode, acme_verify).
 *
 * URLs (the directory lists the entry points; clients follow links):
 *   GET  /acme/directory               HEAD|GET /acme/new-nonce
 *   POST /acme/new-account /acme/new-order /acme/revoke-cert /acme/key-change
 *   POST /acme/acct/{id} /acme/acct/{id}/orders
 *   POST /acme/order/{id} /acme/order/{id}/finalize
 *   POST /acme/authz/{id} /acme/chall/{id} /acme/cert/{serial}
 *   GET  /acme/renewal-info/{certid}
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "privca/certinfo.h"
#include "acme_web.h"

/*
 * The service's own TLS names and addresses (tls.pem's subjectAltName),
 * read once: links go to the authority the client used only when it is
 * one of them (design section 10), so a forged Host header cannot steer
 * them elsewhere.
 */
static pthread_mutex_t names_mu = PTHREAD_MUTEX_INITIALIZER;
static char tls_names[4096]; /* "\nname\nname\n", lowercase */
static bool names_loaded;

static void load_names(struct ca *ca)
{
	char *key = NULL, *cert = NULL;
	uint8_t *der = NULL;
	size_t len = 0;
	struct ca_cert_info *info = NULL;
	struct ca_error err;
	snprintf(tls_names, sizeof(tls_names), "\n");
	if (ca_tls_load(ca, &key, &cert, &err) != CA_OK)
		return;
	ca_secret_free(key);
	const char *b = strstr(cert, "-----BEGIN CERTIFICATE-----");
	const char *e = b ? strstr(b, "-----END CERTIFICATE-----") : NULL;
	if (e != NULL) {
		b += strlen("-----BEGIN CERTIFICATE-----");
		char *body = strndup(b, (size_t)(e - b));
		if (body != NULL && ca_base64_decode(body, &der, &len) &&
		    ca_cert_info(der, len, &info, &err) == CA_OK) {
			for (size_t i = 0; i < info->n_exts; i++) {
				if (info->exts[i].name == NULL ||
				    strcmp(info->exts[i].name, "subjectAltName") != 0)
					continue;
				char *save, *v = info->exts[i].value;
				for (char *t = strtok_r(v, ", ", &save); t;
				     t = strtok_r(NULL, ", ", &save)) {
					const char *n = strncmp(t, "DNS:", 4) == 0  ? t + 4
							: strncmp(t, "IP:", 3) == 0 ? t + 3
										    : NULL;
					size_t used = strlen(tls_names);
					if (n != NULL && used + strlen(n) + 2 < sizeof(tls_names))
						snprintf(tls_names + used, sizeof(tls_names) - used,
							 "%s\n", n);
				}
			}
		}
		free(body);
	}
	for (char *p = tls_names; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	ca_cert_info_free(info);
	free(der);
	free(cert);
}

/* Host is NAME[:PORT] or [V6][:PORT] with NAME one of the TLS names. */
static bool host_ok(struct ca *ca, const char *h)
{
	size_t n = h ? strlen(h) : 0;
	char name[300];
	if (n == 0 || n > 255)
		return false;
	for (const char *p = h; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr(".-:[]", *p) != NULL))
			return false;
	const char *port;
	if (h[0] == '[') {
		const char *close = strchr(h, ']');
		if (close == NULL)
			return false;
		snprintf(name, sizeof(name), "\n%.*s\n", (int)(close - h - 1), h + 1);
		port = close[1] == ':' ? close + 2 : close[1] == '\0' ? NULL : "x";
	} else {
		const char *colon = strchr(h, ':');
		snprintf(name, sizeof(name), "\n%.*s\n", (int)(colon ? colon - h : (long)n), h);
		port = colon ? colon + 1 : NULL;
	}
	if (port != NULL && (*port == '\0' || strspn(port, "0123456789") != strlen(port)))
		return false;
	for (char *p = name; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	pthread_mutex_lock(&names_mu);
	if (!names_loaded) {
		load_names(ca);
		names_loaded = true;
	}
	bool ok = strstr(tls_names, name) != NULL;
	pthread_mutex_unlock(&names_mu);
	return ok;
}

bool acme_web_auth(struct acme_req *q, enum acme_key_mode mode)
{
	struct acme_error e;
	char ct[64];
	if (!http_content_type(q->r, ct, sizeof(ct)) || strcmp(ct, "application/jose+json") != 0) {
		memset(&e, 0, sizeof(e));
		e.type = ACME_PROB_MALFORMED;
		snprintf(e.detail, sizeof(e.detail), "ACME requests are application/jose+json");
		acme_web_problem(q, &e);
		q->w->status = 415;
		return false;
	}
	if (!jws_in_parse(q->r->body, q->r->body_len, &q->in, &e) ||
	    acme_verify(q->r->ca, &q->in.j, q->url, q->acct, mode, &q->auth, &e) !=
		ACME_PROB_NONE) {
		acme_web_problem(q, &e);
		return false;
	}
	return true;
}

static bool seg(const char *path, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);
	if (strncmp(path, prefix, n) != 0 || path[n] == '\0')
		return false;
	*rest = path + n;
	return true;
}

/* POST /acme/acct/ID, /acme/acct/ID/orders and its later pages
 * /acme/acct/ID/orders/CURSOR (RFC 8555 7.1.2.1). */
static bool route_account(struct acme_req *q, const char *id)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", id);
	char *slash = strchr(buf, '/');
	if (slash == NULL) {
		acme_h_account(q, buf);
		return true;
	}
	if (strncmp(slash, "/orders", 7) != 0)
		return false;
	const char *cursor = slash[7] == '/' ? slash + 8 : NULL;
	if (slash[7] != '\0' && (cursor == NULL || *cursor == '\0' || strchr(cursor, '/') != NULL))
		return false;
	*slash = '\0';
	acme_h_account_orders(q, buf, cursor);
	return true;
}

/* POST /acme/order/ID and /acme/order/ID/finalize. */
static bool route_order(struct acme_req *q, const char *id)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", id);
	char *slash = strchr(buf, '/');
	if (slash == NULL) {
		acme_h_order(q, buf);
		return true;
	}
	if (strcmp(slash, "/finalize") != 0)
		return false;
	*slash = '\0';
	acme_h_finalize(q, buf);
	return true;
}

/* The resource at q's path for this method; false when there is none. */
static bool route(struct acme_req *q, bool get, bool post)
{
	const char *p = q->r->path, *id = NULL;
	if (get && strcmp(p, "/acme/directory") == 0)
		acme_h_directory(q);
	else if ((get || post) && strcmp(p, "/acme/new-nonce") == 0)
		acme_h_nonce(q);
	else if (post && strcmp(p, "/acme/new-account") == 0)
		acme_h_new_account(q);
	else if (post && strcmp(p, "/acme/new-order") == 0)
		acme_h_new_order(q);
	else if (post && strcmp(p, "/acme/revoke-cert") == 0)
		acme_h_revoke(q);
	else if (post && strcmp(p, "/acme/key-change") == 0)
		acme_h_key_change(q);
	else if (get && seg(p, "/acme/renewal-info/", &id))
		acme_h_renewal(q, id);
	else if (post && seg(p, "/acme/acct/", &id))
		return route_account(q, id);
	else if (post && seg(p, "/acme/order/", &id))
		return route_order(q, id);
	else if (post && seg(p, "/acme/authz/", &id) && strchr(id, '/') == NULL)
		acme_h_authz(q, id);
	else if (post && seg(p, "/acme/chall/", &id) && strchr(id, '/') == NULL)
		acme_h_chall(q, id);
	else if (post && seg(p, "/acme/cert/", &id) && strchr(id, '/') == NULL)
		acme_h_cert(q, id);
	else
		return false;
	return true;
}

void acme_dispatch(const struct http_req *r, struct http_resp *w)
{
	if (!r->tls) {
		http_problem_code(w, 403, "https-required",
				  "ACME is served on the HTTPS listener only; use its https:// "
				  "directory URL.");
		return;
	}
	struct acme_req q = {.r = r, .w = w};
	const char *host = http_header(r, "Host");
	if (host_ok(r->ca, host))
		snprintf(q.base, sizeof(q.base), "https://%s", host);
	else
		snprintf(q.base, sizeof(q.base), "https://%s", ca_settings(r->ca)->https_listen);
	if (strlen(r->path) > 1000) {
		http_problem_code(w, 404, "not-found", "There is nothing at this path.");
		return;
	}
	snprintf(q.url, sizeof(q.url), "%s%s", q.base, r->path);
	snprintf(q.acct, sizeof(q.acct), "%s/acme/acct/", q.base);

	bool post = strcmp(r->method, "POST") == 0;
	bool get = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
	if (route(&q, get, post)) {
		jws_in_free(&q.in);
		acme_auth_clear(&q.auth);
		return;
	}
	struct acme_error e = {.type = ACME_PROB_NOT_FOUND};
	snprintf(e.detail, sizeof(e.detail),
		 "There is no ACME resource here for that method; start from the directory.");
	acme_web_problem(&q, &e);
	if (!get && !post)
		w->status = 405;
}
