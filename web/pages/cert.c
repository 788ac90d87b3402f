/*
 * GET /certs/{serial} (design section 4 "Pages"): one certificate, its
 * downloads (chain PEM, PKCS#7, DER) and its revoke form (POST
 * /certs/{serial}/revoke).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "privca/certinfo.h"
#include "form.h"
#include "html.h"
#include "http/auth.h"
#include "http/params.h"
#include "metrics.h"
#include "pages/pages.h"

static void kv_text(struct buf *b, const char *k, const char *v, const char *cls)
{
	html_lit(b, "<div class=\"kv\"><dt>");
	html_text(b, k);
	html_lit(b, "</dt><dd>");
	html_open(b, "span", "class", cls, NULL);
	html_text(b, v);
	html_lit(b, "</span></dd></div>");
}

/* Downloads that are not the API's: chain PEM and PKCS#7. */
static void cert_download(const struct http_req *r, struct http_resp *w, const struct ca_cert *c,
			  const char *kind)
{
	size_t nchain;
	const struct ca_issuer *const *chain = ca_chain(r->ca, &nchain);
	char disp[96];
	if (strcmp(kind, ".pem") == 0 || strcmp(kind, ".chain.pem") == 0) {
		char *pem = ca_cert_pem(c);
		if (pem == NULL) {
			http_problem(w, CA_ERR_NOMEM, "out of memory");
			return;
		}
		buf_puts(&w->body, pem);
		free(pem);
		if (strcmp(kind, ".chain.pem") == 0)
			buf_puts(&w->body, ca_chain_pem(r->ca));
		w->content_type = "application/x-pem-file";
	} else if (strcmp(kind, ".crt") == 0 || strcmp(kind, ".der") == 0) {
		buf_add(&w->body, c->der, c->der_len);
		w->content_type = "application/pkix-cert";
	} else {
		const uint8_t *certs[16];
		size_t lens[16], n = 0;
		certs[n] = c->der;
		lens[n++] = c->der_len;
		for (size_t i = 0; i < nchain && n < 16; i++) {
			certs[n] = chain[i]->der;
			lens[n++] = chain[i]->der_len;
		}
		uint8_t *p7 = NULL;
		size_t p7len = 0;
		if (ca_p7b(certs, lens, n, &p7, &p7len) != CA_OK) {
			http_problem(w, CA_ERR_INTERNAL, "could not build the PKCS#7 bundle");
			return;
		}
		buf_add(&w->body, p7, p7len);
		free(p7);
		w->content_type = "application/pkcs7-mime";
	}
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s%s\"", c->serial, kind);
	page_security_headers(w, NULL);
	http_set_header(w, "Content-Disposition", disp);
	w->status = 200;
}

static const char *const reason_labels[CA_REASON_MAX] = {
    [CA_REASON_UNSPECIFIED] = "Unspecified",
    [CA_REASON_KEY_COMPROMISE] = "Key compromise",
    [CA_REASON_AFFILIATION_CHANGED] = "Affiliation changed",
    [CA_REASON_SUPERSEDED] = "Superseded",
    [CA_REASON_CESSATION_OF_OPERATION] = "Cessation of operation",
};

static void reason_options(struct buf *b)
{
	for (int i = 0; i < CA_REASON_MAX; i++) {
		const char *name = ca_reason_name((enum ca_reason)i);
		if (name == NULL || reason_labels[i] == NULL)
			continue;
		html_open(b, "option", "value", name, NULL);
		html_text(b, reason_labels[i]);
		html_close(b, "option");
	}
}

/* The page frame, title row, notice banner and refusal box. */
static void cert_head(const struct http_req *r, struct buf *b, const struct ca_cert *c,
		      const char *notice, const char *problem_title, const char *problem)
{
	static const char *const scripts[] = {"/static/copy.js", NULL};
	const char *name = page_primary_name(c);

	page_begin(r, b, name, HTML_NAV_CERTS, scripts);
	html_lit(b, "<p class=\"crumbs\"><a href=\"/certs\">Certificates</a> /</p>"
		    "<div class=\"title-row\"><h1 class=\"cert-name\">");
	html_text(b, name);
	html_lit(b, "</h1>");
	page_status_badge(b, c->status);
	html_lit(b, "</div>");

	if (notice && strcmp(notice, "issued") == 0)
		html_lit(b, "<div class=\"alert ok\" role=\"status\" id=\"notice\"><strong>"
			    "Certificate issued.</strong><p>Download it below; the chain file "
			    "holds it followed by the CA certificate.</p></div>");
	else if (notice && strcmp(notice, "revoked") == 0)
		html_lit(b, "<div class=\"alert ok\" role=\"status\" id=\"notice\"><strong>"
			    "Certificate revoked.</strong><p>The CRL and OCSP answers "
			    "reflect it now.</p></div>");
	if (problem)
		page_refusal(b, problem_title, problem);
}

/* Names: subject, DNS names, IP addresses and (ci not NULL) the issuer. */
static void cert_names_card(struct buf *b, const struct ca_cert *c, const struct ca_cert_info *ci)
{
	html_lit(b, "<section class=\"card\"><h2>Names</h2>"
		    "<dl class=\"kvs\">");
	kv_text(b, "Subject", c->subject && *c->subject ? c->subject : "(empty)", "subject-text");
	html_lit(b, "<div class=\"kv\"><dt>DNS names</dt><dd><ul class=\"names\">");
	for (size_t i = 0; i < c->n_dns; i++)
		html_elem(b, "li", NULL, c->dns_names[i]);
	if (c->n_dns == 0)
		html_lit(b, "<li class=\"muted\">none</li>");
	html_lit(b, "</ul></dd></div><div class=\"kv\"><dt>IP addresses</dt><dd>"
		    "<ul class=\"names\">");
	for (size_t i = 0; i < c->n_ip; i++)
		html_elem(b, "li", NULL, c->ip_addresses[i]);
	if (c->n_ip == 0)
		html_lit(b, "<li class=\"muted\">none</li>");
	html_lit(b, "</ul></dd></div>");
	if (ci)
		kv_text(b, "Issuer", ci->issuer, NULL);
	html_lit(b, "</dl></section>");
}

/* Status (with the revocation), validity, requester, profile, issue time. */
static void cert_validity_card(struct buf *b, const struct ca_cert *c, int64_t now)
{
	html_lit(b, "<section class=\"card\"><h2>Validity and status</h2>"
		    "<dl class=\"kvs\"><div class=\"kv\"><dt>Status</dt><dd>");
	page_status_badge(b, c->status);
	if (c->status == CA_STATUS_REVOKED) {
		html_lit(b, " <span class=\"revoked-info\">on ");
		page_time(b, c->revoked_at, true);
		html_lit(b, ", reason: ");
		const char *rn =
		    (unsigned)c->reason < CA_REASON_MAX ? reason_labels[c->reason] : NULL;
		html_text(b, rn ? rn : "unknown");
		html_lit(b, "</span>");
	}
	html_lit(b, "</dd></div><div class=\"kv\"><dt>Not before</dt><dd>");
	page_time(b, c->not_before, true);
	html_lit(b, "</dd></div><div class=\"kv\"><dt>Not after</dt><dd>");
	page_time(b, c->not_after, true);
	html_lit(b, "</dd></div><div class=\"kv\"><dt>Days left</dt><dd>");
	if (c->not_after > now)
		html_textf(b, "%lld", page_days_until(now, c->not_after));
	else
		page_days_note(b, now, c->not_after);
	html_lit(b, "</dd></div>");
	kv_text(b, "Requester", c->requester, NULL);
	kv_text(b, "Profile", ca_profile_name(c->profile), NULL);
	html_lit(b, "<div class=\"kv\"><dt>Issued</dt><dd>");
	page_time(b, c->created_at ? c->created_at : c->not_before, true);
	html_lit(b, "</dd></div></dl></section>");
}

/* Identity: serial in three forms, key, signature, fingerprints. */
static void cert_identity_card(struct buf *b, const struct ca_cert *c,
			       const struct ca_cert_info *ci)
{
	html_lit(b, "<section class=\"card\"><h2>Identity</h2><dl class=\"kvs wide\">");
	kv_text(b, "Serial (hex)", c->serial, "mono");
	struct buf sc = {0};
	page_colon_hex(c->serial, &sc);
	kv_text(b, "Serial (with colons)", sc.failed ? "" : sc.data, "mono");
	buf_free(&sc);
	if (ci) {
		kv_text(b, "Serial (decimal)", ci->serial_dec, "mono");
		html_lit(b, "<div class=\"kv\"><dt>Public key</dt><dd>");
		page_key_text(b, c->der, c->der_len, ci->key_type);
		html_lit(b, "</dd></div>");
		kv_text(b, "Signature algorithm", ci->sig_alg, NULL);
	}
	page_fingerprint_row(b, "SHA-256 fingerprint", c->fingerprint_sha256, "fp-sha256");
	if (ci)
		page_fingerprint_row(b, "SHA-1 thumbprint", ci->fingerprint_sha1, "fp-sha1");
	html_lit(b, "</dl></section>");
}

static void cert_extensions_card(struct buf *b, const struct ca_cert_info *ci)
{
	if (ci && ci->n_exts > 0) {
		html_lit(b, "<section class=\"card\"><h2>Extensions</h2><div class=\"table-wrap\">"
			    "<table class=\"exts\"><thead><tr><th scope=\"col\">Extension</th>"
			    "<th scope=\"col\">Critical</th><th scope=\"col\">Value</th></tr>"
			    "</thead><tbody>");
		for (size_t i = 0; i < ci->n_exts; i++) {
			const struct ca_cert_ext *x = &ci->exts[i];
			html_lit(b, "<tr><td data-label=\"Extension\">");
			html_text(b, x->name ? x->name : x->oid);
			if (x->name)
				html_elem(b, "div", "oid mono", x->oid);
			html_lit(b, "</td><td data-label=\"Critical\">");
			html_lit(b, x->critical ? "yes" : "no");
			html_lit(b, "</td><td data-label=\"Value\" class=\"ext-value\">");
			html_text(b, x->value);
			html_lit(b, "</td></tr>");
		}
		html_lit(b, "</tbody></table></div></section>");
	}
}

/* The download buttons and the PEM with its copy button. */
static void cert_downloads_card(struct buf *b, const struct ca_cert *c)
{
	char *pem = ca_cert_pem(c);
	struct buf h = {0};
	html_lit(b, "<section class=\"card\"><h2>Download</h2><div class=\"downloads\">");
	static const struct {
		const char *suffix, *label, *cls;
	} dl[] = {
	    {".pem", "Certificate (PEM)", "button primary"},
	    {"?download=chain", "Chain (PEM)", "button"},
	    {".crt", "Certificate (DER)", "button"},
	    {".p7b", "Chain (PKCS#7 .p7b)", "button"},
	};
	for (size_t i = 0; i < sizeof(dl) / sizeof(dl[0]); i++) {
		h.len = 0;
		page_cert_href(&h, c->serial, dl[i].suffix);
		char fname[64];
		snprintf(fname, sizeof(fname), "%s%s", c->serial,
			 dl[i].suffix[0] == '?' ? ".chain.pem" : dl[i].suffix);
		html_open(b, "a", "class", dl[i].cls, "href", h.failed ? "#" : h.data, "download",
			  fname, NULL);
		html_text(b, dl[i].label);
		html_close(b, "a");
	}
	buf_free(&h);
	html_lit(b, "</div><div class=\"pem-head\"><h3>PEM</h3>"
		    "<button type=\"button\" class=\"copy\" data-copy=\"pem\" hidden>Copy PEM"
		    "</button></div><pre class=\"pem\" id=\"pem\" tabindex=\"0\">");
	html_text(b, pem ? pem : "");
	html_lit(b, "</pre></section>");
	free(pem);
}

/* The revoke form, for a certificate not yet revoked. */
static void cert_revoke_card(struct buf *b, const struct ca_cert *c)
{
	if (c->status != CA_STATUS_REVOKED) {
		struct buf action = {0};
		page_cert_href(&action, c->serial, "/revoke");
		html_lit(b, "<section class=\"card danger\" aria-labelledby=\"revoke-h\">"
			    "<h2 id=\"revoke-h\">Revoke</h2><p class=\"hint\">For an admin "
			    "token or the token that requested this certificate. Revocation is "
			    "final and shows in the CRL and OCSP at once.</p>");
		html_open(b, "form", "method", "post", "action", action.failed ? "" : action.data,
			  "class", "inline-form", NULL);
		buf_free(&action);
		html_lit(b, "<div class=\"field\"><label for=\"revoke-token\">Token</label>"
			    "<input id=\"revoke-token\" name=\"token\" type=\"password\" "
			    "autocomplete=\"off\" required></div>"
			    "<div class=\"field\"><label for=\"revoke-reason\">Reason</label>"
			    "<select id=\"revoke-reason\" name=\"reason\">");
		reason_options(b);
		html_lit(b, "</select></div><div class=\"field actions\"><button type=\"submit\" "
			    "class=\"danger\">Revoke certificate</button></div></form></section>");
	}
}

/* The detail page, replacing w's body. notice: a banner ("issued",
 * "revoked") or NULL; problem_title/problem: a refusal to show above the
 * revoke form, or NULL. */
static void cert_page(const struct http_req *r, struct http_resp *w, const struct ca_cert *c,
		      const char *notice, const char *problem_title, const char *problem,
		      int status)
{
	struct buf *b = &w->body;
	struct ca_cert_info *ci = NULL;
	struct ca_error err = {0};
	if (ca_cert_info(c->der, c->der_len, &ci, &err) != CA_OK)
		ci = NULL; /* shown without the decoded details */

	buf_free(b);
	cert_head(r, b, c, notice, problem_title, problem);
	html_lit(b, "<div class=\"grid2\">");
	cert_names_card(b, c, ci);
	cert_validity_card(b, c, ca_now(r->ca));
	html_lit(b, "</div>");
	cert_identity_card(b, c, ci);
	cert_extensions_card(b, ci);
	cert_downloads_card(b, c);
	cert_revoke_card(b, c);
	ca_cert_info_free(ci);
	html_page_end(b);
	page_send_html(w, status);
}

/* The certificate at params[0] (its serial) as a page, or as the download
 * kind (".chain.pem", ".p7b", ".der") when not NULL. */
static void cert_or_download(const struct http_req *r, struct http_resp *w, const char *kind)
{
	char serial[33];
	struct ca_cert *c = NULL;
	struct ca_error err = {0};
	enum ca_err e = CA_ERR_NOT_FOUND;
	if (http_serial_param(r, serial))
		e = ca_cert_get(r->ca, serial, &c, &err);
	if (e != CA_OK) {
		if (e == CA_ERR_NOT_FOUND)
			page_error(
			    r, w, 404, "Certificate not found",
			    "No certificate of this CA has that serial number. Serials are "
			    "32 hexadecimal digits; search by name on the certificates page.");
		else
			page_error(r, w, 500, "The certificate could not be read",
				   "The certificate store could not be read; try again.");
		return;
	}
	/* The chain has no path of its own: /certs/{serial}.pem is the API's. */
	const char *dl = http_query(r, "download");
	if (kind == NULL && dl != NULL && strcmp(dl, "chain") == 0)
		kind = ".chain.pem";
	else if (kind == NULL && dl != NULL && strcmp(dl, "p7b") == 0)
		kind = ".p7b";
	if (kind != NULL)
		cert_download(r, w, c, kind);
	else
		cert_page(r, w, c, http_query(r, "done"), NULL, NULL, 200);
	ca_cert_free(c);
}

void pages_cert(const struct http_req *r, struct http_resp *w)
{
	cert_or_download(r, w, NULL);
}

void pages_cert_chain(const struct http_req *r, struct http_resp *w)
{
	cert_or_download(r, w, ".chain.pem");
}

void pages_cert_p7b(const struct http_req *r, struct http_resp *w)
{
	cert_or_download(r, w, ".p7b");
}

void pages_cert_der(const struct http_req *r, struct http_resp *w)
{
	cert_or_download(r, w, ".der");
}

void pages_cert_revoke(const struct http_req *r, struct http_resp *w)
{
	struct form f = {0};
	struct ca_cert *c = NULL;
	struct ca_token *tok = NULL;
	struct ca_error err = {0};

	char sn[33];
	if (!http_serial_param(r, sn) || ca_cert_get(r->ca, sn, &c, &err) != CA_OK) {
		page_error(r, w, 404, "Certificate not found",
			   "No certificate of this CA has that serial number.");
		return;
	}
	if (!page_form_parse(r, &f)) {
		cert_page(r, w, c, NULL, "The form could not be read",
			  "Send the revoke form from this page.", 400);
		goto out;
	}
	enum ca_reason reason = CA_REASON_UNSPECIFIED;
	const char *rs = form_get(&f, "reason", NULL);
	if (rs && *rs && !ca_reason_parse(rs, &reason)) {
		cert_page(r, w, c, NULL, "Unknown reason", "Pick one of the reasons in the list.",
			  400);
		goto out;
	}
	struct page_why why;
	if (!page_auth_or_refuse(r, w, form_get(&f, "token", NULL), &tok, &why)) {
		cert_page(r, w, c, NULL, why.title, why.detail, why.status);
		goto out;
	}
	enum ca_err e = ca_revoke(r->ca, c->serial, reason, tok, NULL, &err);
	if (e != CA_OK) {
		page_core_refusal(w, e, &err, "revoke",
				  "The revocation could not be recorded; try again.", &why);
		cert_page(r, w, c, NULL, why.title, why.detail, why.status);
		goto out;
	}
	http_resp_serial(w, c->serial);
	struct buf loc = {0};
	page_cert_href(&loc, c->serial, "?done=revoked");
	page_redirect(w, loc.failed ? "/certs" : loc.data);
	buf_free(&loc);
out:
	ca_token_free(tok);
	ca_cert_free(c);
	form_free(&f);
}
