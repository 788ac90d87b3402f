/*
 * The code in this file implements the http-01 check (RFC 8555 8.3) with
 * libcurl: GET http://IDENTIFIER:PORT/.well-known/acme-challenge/TOKEN,
 * connecting only to addresses our resolver found (CURLOPT_RESOLVE), so
 * --acme-dns decides where the CA goes, not the system resolver.
 *
 * Redirects are followed here, not by curl, so that each hop's host is
 * resolved by us and checked: at most 10 (as Let's Encrypt), only to http
 * or https, only to ports 80, 443 or the configured http/tls ports, to a DNS
 * name or an IP literal (a private CA validates private addresses, so IP
 * targets are allowed, unlike Let's Encrypt). https hops are not verified
 * (as Let's Encrypt: the challenge proves control, not the certificate).
 * No proxy, no cookies, no content decoding (a gzip bomb stays compressed),
 * at most ACME_HTTP01_BODY_MAX bytes of body, and the whole chain within
 * the check's deadline.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "curl.h"
#include "resolver.h"

struct body {
	uint8_t buf[ACME_HTTP01_BODY_MAX];
	size_t len;
	bool over;
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;
	if (n > sizeof(b->buf) - b->len) {
		memcpy(b->buf + b->len, p, sizeof(b->buf) - b->len);
		b->len = sizeof(b->buf);
		b->over = true;
		return 0; /* abort the transfer: CURLE_WRITE_ERROR */
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return n;
}

static bool is_ip_literal(const char *host)
{
	uint8_t a[16];
	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* One hop's target, from its URL. */
struct target {
	char url[1200];
	char host[256]; /* without brackets */
	long port;
	bool https;
};

/* Parse and judge a URL (the first one or a redirect's); false with r filled. */
static bool target_set(const struct acme_check_cfg *cfg, const char *url, struct target *t,
		       struct acme_check_result *r)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *q = NULL;
	char shown[200];
	bool ok = false;

	check_quote(shown, sizeof(shown), (const uint8_t *)url, strlen(url));
	if (u == NULL) {
		check_fail(r, "serverInternal", "out of memory");
		return false;
	}
	if (strlen(url) >= sizeof(t->url) ||
	    curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		check_fail(r, "connection", "redirect to an unusable URL \"%s\"", shown);
		goto out;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		check_fail(r, "connection", "redirect to \"%s\" refused: only http and https",
			   shown);
		goto out;
	}
	t->https = scheme[4] == 's';
	t->port = strtol(port, NULL, 10);
	long http_port = cfg->http_port > 0 ? cfg->http_port : 80;
	long tls_port = cfg->tls_port > 0 ? cfg->tls_port : 443;
	if (t->port != 80 && t->port != 443 && t->port != http_port && t->port != tls_port) {
		check_fail(r, "connection",
			   "redirect to \"%s\" refused: only ports 80, 443, %ld and %ld", shown,
			   http_port, tls_port);
		goto out;
	}
	size_t hl = strlen(host);
	const char *h = host;
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		h = host + 1;
		hl -= 2;
	}
	if (hl >= sizeof(t->host)) {
		check_fail(r, "connection", "redirect to \"%s\" refused: host name too long",
			   shown);
		goto out;
	}
	memcpy(t->host, h, hl);
	t->host[hl] = '\0';
	if (!is_ip_literal(t->host) && !check_dns_name_ok(t->host)) {
		check_fail(r, "connection",
			   "redirect to \"%s\" refused: not a DNS name or IP address", shown);
		goto out;
	}
	/* What curl will fetch: the URL as curl normalised it. */
	if (curl_url_get(u, CURLUPART_URL, &q, 0) != CURLUE_OK || strlen(q) >= sizeof(t->url)) {
		check_fail(r, "connection", "redirect to an unusable URL \"%s\"", shown);
		goto out;
	}
	memcpy(t->url, q, strlen(q) + 1);
	ok = true;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(q);
	curl_url_cleanup(u);
	return ok;
}

enum hop { HOP_DONE, HOP_REDIRECT };

/*
 * Pin t's host to the addresses our resolver gives (CURLOPT_RESOLVE):
 * *resolve (NULL for an IP literal; curl_slist_free_all) and, in addrs,
 * what the resolver said. false with r filled when it cannot be.
 */
static bool pin_host(const struct acme_check_cfg *cfg, const struct target *t, int64_t deadline,
		     struct curl_slist **resolve, char *addrs, size_t addrs_cap,
		     struct acme_check_result *r)
{
	struct resolver_addrs ad;
	char err[200], entry[600];
	*resolve = NULL;
	if (is_ip_literal(t->host))
		return true;
	enum dns_status st =
	    resolver_addrs(cfg->dns_server, t->host, deadline, &ad, err, sizeof(err));
	if (ad.n == 0) {
		check_fail(r, "dns", "DNS problem: %s (%s)", err,
			   st == DNS_FAIL ? "look-up failed" : "no address");
		return false;
	}
	size_t w = (size_t)snprintf(entry, sizeof(entry), "%s:%ld:", t->host, t->port);
	size_t w0 = w;
	for (size_t i = 0; i < ad.n && w < sizeof(entry); i++)
		w += (size_t)snprintf(entry + w, sizeof(entry) - w, ad.v6[i] ? "%s[%s]" : "%s%s",
				      i ? "," : "", ad.addr[i]);
	if (w >= sizeof(entry)) {
		check_fail(r, "serverInternal", "too many addresses for %s", t->host);
		return false;
	}
	snprintf(addrs, addrs_cap, "%s", entry + w0);
	if ((*resolve = curl_slist_append(NULL, entry)) == NULL) {
		check_fail(r, "serverInternal", "out of memory");
		return false;
	}
	return true;
}

/* A handle for one GET of t within left ms, the body into b; NULL if
 * libcurl will not (r filled). curl_easy_cleanup. */
static CURL *easy_new(const struct target *t, struct curl_slist *resolve, int left, struct body *b,
		      char *errbuf, struct acme_check_result *r)
{
	CURL *h = curl_easy_init();
	if (h == NULL) {
		check_fail(r, "serverInternal", "libcurl could not start");
		return NULL;
	}
	b->len = 0;
	b->over = false;
	bool set =
	    curl_easy_setopt(h, CURLOPT_URL, t->url) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_RESOLVE, resolve) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_PROXY, "") == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)left) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)left) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, b) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_USERAGENT, "privca-acme-validator") == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)ACME_HTTP01_BODY_MAX) ==
		CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) == CURLE_OK;
	if (!set) {
		check_fail(r, "serverInternal", "libcurl refused an option");
		curl_easy_cleanup(h);
		return NULL;
	}
	return h;
}

/* A 200 answer: valid if the body (trailing white space aside) is the key
 * authorization. */
static void judge_body(const struct acme_check *c, const struct body *b, const char *shown,
		       const char *at, const char *quoted, struct acme_check_result *r)
{
	size_t n = b->len;
	while (n > 0 && (b->buf[n - 1] == ' ' || b->buf[n - 1] == '\t' || b->buf[n - 1] == '\r' ||
			 b->buf[n - 1] == '\n'))
		n--;
	if (n == strlen(c->key_auth) && memcmp(b->buf, c->key_auth, n) == 0) {
		r->valid = true;
		return;
	}
	check_fail(r, "incorrectResponse",
		   "%s (%s): status 200, body \"%s\" is not the key authorization \"%s\"", shown,
		   at, quoted, c->key_auth);
}

/* The Location of a redirect into next; HOP_DONE with r filled if unusable. */
static enum hop redirect(CURL *h, long status, const char *shown, const char *at, char *next,
			 size_t next_cap, struct acme_check_result *r)
{
	char *loc = NULL;
	if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc) != CURLE_OK || loc == NULL) {
		check_fail(r, "unauthorized", "%s (%s): status %ld without a usable Location",
			   shown, at, status);
		return HOP_DONE;
	}
	if (strlen(loc) >= next_cap) {
		check_fail(r, "connection", "%s (%s): redirect URL too long", shown, at);
		return HOP_DONE;
	}
	memcpy(next, loc, strlen(loc) + 1);
	return HOP_REDIRECT;
}

/* Fetch one URL; HOP_REDIRECT with *next set, or HOP_DONE with r filled. */
static enum hop fetch(const struct acme_check_cfg *cfg, const struct acme_check *c,
		      const struct target *t, int64_t deadline, struct body *b, char *next,
		      size_t next_cap, struct acme_check_result *r)
{
	CURL *h = NULL;
	struct curl_slist *resolve = NULL;
	char errbuf[CURL_ERROR_SIZE] = "", shown[160], addrs[200] = "";
	enum hop ret = HOP_DONE;

	check_quote(shown, sizeof(shown), (const uint8_t *)t->url, strlen(t->url));
	if (!pin_host(cfg, t, deadline, &resolve, addrs, sizeof(addrs), r))
		goto out;
	int left = check_left_ms(deadline);
	if (left <= 0) {
		check_fail(r, "connection", "no answer from %s within the deadline", shown);
		goto out;
	}
	if ((h = easy_new(t, resolve, left, b, errbuf, r)) == NULL)
		goto out;
	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	char *ip = NULL;
	(void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	(void)curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip);
	const char *at = ip != NULL && ip[0] ? ip : addrs[0] ? addrs : t->host;
	char body[200];
	check_quote(body, sizeof(body), b->buf, b->len < 100 ? b->len : 100);

	if ((rc == CURLE_WRITE_ERROR && b->over) || rc == CURLE_FILESIZE_EXCEEDED)
		check_fail(r, "incorrectResponse",
			   "%s (%s): status %ld, body longer than %d bytes, starting \"%s\"", shown,
			   at, status, ACME_HTTP01_BODY_MAX, body);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		check_fail(r, "connection", "%s (%s): no complete answer within the deadline (%s)",
			   shown, at, errbuf[0] ? errbuf : curl_easy_strerror(rc));
	else if (rc != CURLE_OK)
		check_fail(r, "connection", "%s (%s): %s", shown, at,
			   errbuf[0] ? errbuf : curl_easy_strerror(rc));
	else if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308)
		ret = redirect(h, status, shown, at, next, next_cap, r);
	else if (status != 200)
		check_fail(r, "unauthorized", "%s (%s): status %ld, body \"%s\"", shown, at, status,
			   body);
	else
		judge_body(c, b, shown, at, body, r);
out:
	curl_easy_cleanup(h);
	curl_slist_free_all(resolve);
	return ret;
}

void http01_check(const struct acme_check_cfg *cfg, const struct acme_check *c, int64_t deadline,
		  struct acme_check_result *r)
{
	struct target t;
	struct body *b = NULL;
	char url[1200];
	int port = cfg->http_port > 0 ? cfg->http_port : 80;
	bool v6 = c->is_ip && strchr(c->identifier, ':') != NULL;

	char why[256];
	if (!curl_load(why, sizeof(why))) {
		check_fail(r, "serverInternal", "the http-01 check needs libcurl: %s", why);
		return;
	}
	snprintf(url, sizeof(url), "http://%s%s%s:%d/.well-known/acme-challenge/%s", v6 ? "[" : "",
		 c->identifier, v6 ? "]" : "", port, c->token);
	b = malloc(sizeof(*b));
	if (b == NULL) {
		check_fail(r, "serverInternal", "out of memory");
		return;
	}
	if (!target_set(cfg, url, &t, r))
		goto out;
	for (int hop = 0;; hop++) {
		char next[1200];
		if (fetch(cfg, c, &t, deadline, b, next, sizeof(next), r) == HOP_DONE)
			goto out;
		if (hop == ACME_HTTP01_REDIRECTS_MAX) {
			char shown[200];
			check_quote(shown, sizeof(shown), (const uint8_t *)next, strlen(next));
			check_fail(r, "connection",
				   "too many redirects (more than %d), the last to \"%s\"",
				   ACME_HTTP01_REDIRECTS_MAX, shown);
			goto out;
		}
		if (!target_set(cfg, next, &t, r))
			goto out;
	}
out:
	free(b);
}
