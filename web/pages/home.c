/*
 * GET / (design section 4 "Pages"): the CA overview, with the root
 * certificate, the counts, the install steps and the latest certificates.
 */
#include <stdio.h>
#include <stdlib.h>

#include "html.h"
#include "pages/pages.h"

/* ---- / --------------------------------------------------------------------- */

static void count_tile(struct buf *b, const char *href, const char *cls, uint64_t n,
		       const char *label)
{
	html_open(b, "a", "class", cls, "href", href, NULL);
	html_open(b, "span", "class", "num", NULL);
	html_textf(b, "%llu", (unsigned long long)n);
	html_close(b, "span");
	html_elem(b, "span", "label", label);
	html_close(b, "a");
}

/* A CA certificate: subject, validity, key, fingerprints. */
static void home_ca_facts(struct buf *b, const struct ca_issuer *root, int64_t now, bool issuer)
{
	html_lit(b, "<div class=\"kv\"><dt>Subject</dt><dd>");
	html_text(b, root->subject);
	html_lit(b, "</dd></div><div class=\"kv\"><dt>Valid from</dt><dd>");
	page_time(b, root->not_before, true);
	html_lit(b, "</dd></div><div class=\"kv\"><dt>Valid until</dt><dd>");
	page_time(b, root->not_after, true);
	html_lit(b, " ");
	page_days_note(b, now, root->not_after);
	html_lit(b, "</dd></div><div class=\"kv\"><dt>Key</dt><dd>");
	page_key_text(b, root->der, root->der_len, ca_key_type_name(root->key_type));
	html_lit(b, "</dd></div>");
	page_fingerprint_row(b, "SHA-256 fingerprint", root->fingerprint_sha256,
			     issuer ? "issuer-fp-sha256" : "fp-sha256");
	page_fingerprint_row(b, "SHA-1 thumbprint", root->fingerprint_sha1,
			     issuer ? "issuer-fp-sha1" : "fp-sha1");
}

/* The root certificate: its facts and downloads. */
static void home_root_card(struct buf *b, const struct ca_issuer *root, int64_t now)
{
	html_lit(b, "<section class=\"card\" aria-labelledby=\"root-h\">"
		    "<h2 id=\"root-h\">Root certificate</h2><dl class=\"kvs\">");
	home_ca_facts(b, root, now, false);
	html_lit(b,
		 "</dl><div class=\"downloads\">"
		 "<a class=\"button primary\" href=\"/ca.pem\" download=\"privca-root.pem\">"
		 "Download PEM</a>"
		 "<a class=\"button\" href=\"/ca.crt\" download=\"privca-root.crt\">DER (.crt)</a>"
		 "<a class=\"button\" href=\"/ca.p7b\" download=\"privca-root.p7b\">"
		 "PKCS#7 (.p7b)</a>"
		 "<a class=\"button\" href=\"/crl\" download=\"privca.crl\">CRL</a></div>"
		 "<p class=\"hint\">PEM for Linux, macOS and most tools; DER for Windows and "
		 "Java; PKCS#7 for Windows and Exchange imports.</p></section>");
}

/* Two tiers: the intermediate that signs, below the root. Clients install
 * the root only; servers send this one after their certificate. */
static void home_issuer_card(struct buf *b, const struct ca_issuer *is, int64_t now)
{
	html_lit(b, "<section class=\"card\" aria-labelledby=\"issuer-h\">"
		    "<h2 id=\"issuer-h\">Issuing intermediate</h2><dl class=\"kvs\">");
	home_ca_facts(b, is, now, true);
	html_lit(b, "</dl><div class=\"downloads\">"
		    "<a class=\"button\" href=\"/issuer.pem\" download=\"privca-issuer.pem\">"
		    "PEM</a>"
		    "<a class=\"button\" href=\"/issuer.crt\" download=\"privca-issuer.crt\">"
		    "DER (.crt)</a></div>"
		    "<p class=\"hint\">Signs the certificates; do not install it as a trusted "
		    "root. Servers send it after their own certificate.</p></section>");
}

/* The install steps (install.html), with this CA's URL and fingerprints. */
static void home_install(struct buf *b, const struct ca_issuer *root, const struct ca_settings *set)
{
	struct buf fp256 = {0}, fp256u = {0}, fp1 = {0};
	page_colon_hex(root->fingerprint_sha256, &fp256);
	page_upper_hex(root->fingerprint_sha256, &fp256u);
	page_upper_hex(root->fingerprint_sha1, &fp1);
	const char *base = set && set->base_url ? set->base_url : "";
	const char *vars[] = {"base",
			      base,
			      "sha256",
			      fp256.failed ? "" : fp256.data,
			      "sha256_upper",
			      fp256u.failed ? "" : fp256u.data,
			      "sha1",
			      fp1.failed ? "" : fp1.data,
			      NULL};
	html_template(b, "install.html", vars);
	buf_free(&fp256);
	buf_free(&fp256u);
	buf_free(&fp1);
}

void pages_home(const struct http_req *r, struct http_resp *w)
{
	struct buf *b = &w->body;
	const struct ca_issuer *root = ca_root(r->ca), *issuer = ca_issuer(r->ca);
	const struct ca_settings *set = ca_settings(r->ca);
	int64_t now = ca_now(r->ca);
	struct ca_error err = {0};
	struct ca_counts counts = {0};
	struct ca_cert_list latest = {0};
	static const char *const scripts[] = {"/static/copy.js", NULL};

	enum ca_err e = ca_count(r->ca, &counts, &err);
	if (e == CA_OK) {
		struct ca_list_query q = {.status = -1, .limit = 10, .sort = CA_SORT_ISSUED};
		e = ca_list(r->ca, &q, &latest, &err);
	}
	if (e != CA_OK || root == NULL) {
		page_error(r, w, 500, "The CA is not available",
			   "The certificate store could not be read. Try again; if it persists, "
			   "the operator will find the reason in the server log.");
		fprintf(stderr, "privca: pages_home: %s\n", err.detail);
		ca_cert_list_free(&latest);
		return;
	}

	page_begin(r, b, "Certificate authority", HTML_NAV_HOME, scripts);
	char *cn = page_cn_of(root->subject);
	html_lit(b, "<section class=\"hero\"><p class=\"eyebrow\">Private certificate "
		    "authority</p><h1>");
	html_text(b, cn ? cn : root->subject);
	free(cn);
	html_lit(b, "</h1><p class=\"lead\">Install this root on your machines to trust "
		    "the certificates it issues, find your team's certificates, or request a "
		    "new one.</p>"
		    "<form class=\"quick-search\" method=\"get\" action=\"/certs\" role=\"search\">"
		    "<label for=\"home-q\">Find a certificate</label><div class=\"row\">"
		    "<input id=\"home-q\" name=\"q\" type=\"search\" "
		    "placeholder=\"Name, IP address or serial\" autocomplete=\"off\">"
		    "<button type=\"submit\">Search</button></div></form></section>");

	html_lit(b, "<div class=\"grid2\">");
	home_root_card(b, root, now);
	if (issuer != root)
		home_issuer_card(b, issuer, now);

	/* Counts */
	html_lit(b, "<section class=\"card\" aria-labelledby=\"counts-h\">"
		    "<h2 id=\"counts-h\">Certificates</h2><div class=\"tiles\">");
	count_tile(b, "/certs?status=valid", "tile ok", counts.valid, "valid");
	count_tile(b, "/certs?status=valid&within=30&sort=expires", "tile soon",
		   counts.expiring_30d, "expiring within 30 days");
	count_tile(b, "/certs?status=revoked", "tile bad", counts.revoked, "revoked");
	count_tile(b, "/certs?status=expired", "tile off", counts.expired, "expired");
	html_lit(b, "</div><p><a class=\"button primary\" href=\"/request\">Request a "
		    "certificate</a> <a class=\"button\" href=\"/certs\">Browse all</a></p>"
		    "</section></div>");

	home_install(b, root, set);

	/* Latest certificates */
	html_lit(b, "<section aria-labelledby=\"latest-h\"><div class=\"section-head\">"
		    "<h2 id=\"latest-h\">Latest certificates</h2>"
		    "<a href=\"/certs\">All certificates \xe2\x86\x92</a></div>");
	if (latest.n == 0)
		html_lit(b, "<p class=\"empty\">Nothing issued yet. "
			    "<a href=\"/request\">Request the first certificate</a>.</p>");
	else
		page_cert_table(b, latest.items, latest.n, now);
	html_lit(b, "</section>");
	ca_cert_list_free(&latest);
	html_page_end(b);
	page_send_html(w, 200);
}
