/*
 * GET and POST /request (design section 4 "Pages"): the enrollment form.
 * request.js adds in-browser key generation; the page works without it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "html.h"
#include "http/auth.h"
#include "metrics.h"
#include "pages/pages.h"

struct request_form {
	const char *csr, *profile, *days;
};

/* In-browser key generation: hidden until request.js shows it. */
static void request_keygen(struct buf *b)
{
	html_lit(b,
		 "<section class=\"card keygen\" id=\"keygen\" hidden "
		 "aria-labelledby=\"keygen-h\"><h2 id=\"keygen-h\">No CSR? Generate the key "
		 "here</h2><p>Your browser makes an ECDSA P-256 key pair and the request, "
		 "offers you the private key as a file, and sends only the request (with the "
		 "token, profile and days above) to this CA.</p>"
		 "<div class=\"field\"><label for=\"kg-names\">Names</label>"
		 "<input id=\"kg-names\" type=\"text\" autocomplete=\"off\" spellcheck=\"false\" "
		 "placeholder=\"app.team.example.internal, 10.0.0.5\" "
		 "aria-describedby=\"kg-hint\"><p class=\"hint\" id=\"kg-hint\">DNS names or IP "
		 "addresses, separated by commas or spaces; the first is the common name."
		 "</p></div><div class=\"actions\"><button type=\"button\" id=\"kg-go\" "
		 "class=\"primary\">Generate key and request certificate</button></div>"
		 "<div id=\"kg-status\" role=\"status\" aria-live=\"polite\"></div>"
		 "<div id=\"kg-key\" hidden><p><strong>Save your private key now.</strong> "
		 "It exists only in this page; privca never sees it.</p>"
		 "<a id=\"kg-download\" class=\"button primary\" download=\"private-key.pem\" "
		 "href=\"#\">Download private key (PKCS#8 PEM)</a></div></section>");
}

static void request_page(const struct http_req *r, struct http_resp *w,
			 const struct request_form *in, const char *problem_title,
			 const char *problem, int status)
{
	struct buf *b = &w->body;
	const struct ca_settings *set = ca_settings(r->ca);
	static const char *const scripts[] = {"/static/request.js", NULL};
	char defdays[16], maxdays[16];
	snprintf(defdays, sizeof(defdays), "%d", set ? set->default_days : CA_DEFAULT_DAYS);
	snprintf(maxdays, sizeof(maxdays), "%d", set ? set->max_days : CA_MAX_DAYS);

	buf_free(b);
	page_begin(r, b, "Request a certificate", HTML_NAV_REQUEST, scripts);
	html_lit(b, "<h1>Request a certificate</h1><p class=\"lead\">Paste or upload a "
		    "certificate signing request (CSR) and give your team's token. No CSR? "
		    "Your browser can make the key and the request for you below; the private "
		    "key never leaves this computer.</p>");
	if (problem)
		page_refusal(b, problem_title, problem);

	html_lit(b, "<form class=\"card request\" method=\"post\" action=\"/request\" "
		    "enctype=\"multipart/form-data\" id=\"request-form\">"
		    "<fieldset><legend>Who asks</legend><div class=\"field\">"
		    "<label for=\"token\">Token</label>"
		    "<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" "
		    "required aria-describedby=\"token-hint\"><p class=\"hint\" "
		    "id=\"token-hint\">The token your team got from the CA operator "
		    "(<code>privca token create</code>).</p></div>"
		    "<div class=\"row2\"><div class=\"field\"><label for=\"profile\">Profile"
		    "</label><select id=\"profile\" name=\"profile\">");
	for (int i = 0; i < CA_PROFILE_MAX; i++) {
		static const char *const labels[CA_PROFILE_MAX] = {
		    [CA_PROFILE_SERVER] = "Server (TLS server authentication)",
		    [CA_PROFILE_CLIENT] = "Client (TLS client authentication)",
		    [CA_PROFILE_PEER] = "Peer (server and client)",
		};
		const char *name = ca_profile_name((enum ca_profile)i);
		bool sel = in->profile ? strcmp(in->profile, name) == 0 : i == CA_PROFILE_SERVER;
		html_open(b, "option", "value", name, "selected", sel ? "" : NULL, NULL);
		html_text(b, labels[i]);
		html_close(b, "option");
	}
	html_lit(b, "</select></div><div class=\"field\"><label for=\"days\">Valid for (days)"
		    "</label>");
	html_open(b, "input", "id", "days", "name", "days", "type", "number", "min", "1", "max",
		  maxdays, "inputmode", "numeric", "value", in->days ? in->days : defdays,
		  "aria-describedby", "days-hint", NULL);
	html_open(b, "p", "class", "hint", "id", "days-hint", NULL);
	html_textf(b, "Default %s, at most %s (your token may allow fewer).", defdays, maxdays);
	html_lit(b, "</p></div></div></fieldset>"
		    "<fieldset><legend>Your certificate signing request</legend>"
		    "<div class=\"field\"><label for=\"csr\">CSR (PEM)</label>"
		    "<textarea id=\"csr\" name=\"csr\" rows=\"10\" spellcheck=\"false\" "
		    "class=\"mono\" placeholder=\"-----BEGIN CERTIFICATE REQUEST-----\">");
	html_text(b, in->csr);
	html_lit(b, "</textarea></div><div class=\"field\"><label for=\"csrfile\">or upload a "
		    "CSR file</label><input id=\"csrfile\" name=\"csrfile\" type=\"file\" "
		    "accept=\".csr,.req,.pem,.der,application/pkcs10\"></div>"
		    "<p class=\"hint\">The names come from the CSR (its subjectAltName, else its "
		    "common name). Make one with <code>openssl req -new -newkey ec "
		    "-pkeyopt ec_paramgen_curve:P-256 -nodes -keyout host.key -out host.csr "
		    "-subj /CN=host.example.internal -addext "
		    "subjectAltName=DNS:host.example.internal</code>.</p>"
		    "<div class=\"actions\"><button type=\"submit\" class=\"primary\">Request "
		    "certificate</button></div></fieldset></form>");

	request_keygen(b);
	html_page_end(b);
	page_send_html(w, status);
}

/* The CSR (the file, else the text), profile and days of the form into req
 * (pointing into f). False: a refusal page for the first bad field is in w. */
static bool request_decode(const struct http_req *r, struct http_resp *w,
			   const struct request_form *in, const struct form *f,
			   struct ca_issue_req *req)
{
	size_t flen = 0, clen = 0;
	const char *file = form_get(f, "csrfile", &flen);
	const char *text = form_get(f, "csr", &clen);
	if (file != NULL && flen > 0) {
		req->csr = (const uint8_t *)file;
		req->csr_len = flen;
	} else if (text != NULL && clen > 0) {
		req->csr = (const uint8_t *)text;
		req->csr_len = clen;
	} else {
		request_page(r, w, in, "No certificate request",
			     "Paste a CSR into the box or choose a CSR file.", 400);
		return false;
	}
	if (in->profile && *in->profile && !ca_profile_parse(in->profile, &req->profile)) {
		request_page(r, w, in, "Unknown profile",
			     "Pick server, client or peer from the list.", 400);
		return false;
	}
	if (in->days && *in->days) {
		char *end;
		errno = 0;
		long d = strtol(in->days, &end, 10);
		if (errno || *end || d < 1 || d > 100000) {
			request_page(r, w, in, "Invalid validity",
				     "\"Valid for\" must be a whole number of days.", 400);
			return false;
		}
		req->validity_days = (int)d;
	}
	return true;
}

void pages_request(const struct http_req *r, struct http_resp *w)
{
	struct request_form in = {0};
	if (strcmp(r->method, "POST") != 0) {
		request_page(r, w, &in, NULL, NULL, 200);
		return;
	}

	struct form f = {0};
	struct ca_token *tok = NULL;
	struct ca_cert *c = NULL;
	struct ca_error err = {0};
	bool parsed = page_form_parse(r, &f);
	in.csr = form_get(&f, "csr", NULL);
	in.profile = form_get(&f, "profile", NULL);
	in.days = form_get(&f, "days", NULL);
	if (!parsed) {
		request_page(r, w, &in, "The form could not be read",
			     "Send the form from this page (multipart or urlencoded).", 400);
		goto out;
	}

	struct ca_issue_req req = {0};
	if (!request_decode(r, w, &in, &f, &req))
		goto out;
	struct page_why why;
	if (!page_auth_or_refuse(r, w, form_get(&f, "token", NULL), &tok, &why)) {
		request_page(r, w, &in, why.title, why.detail, why.status);
		goto out;
	}
	req.token = tok; /* never NULL here: NULL would mean the operator */
	enum ca_err e = ca_issue(r->ca, &req, &c, &err);
	if (e != CA_OK) {
		page_core_refusal(w, e, &err, "issue",
				  "The certificate could not be issued; try again.", &why);
		request_page(r, w, &in, why.title, why.detail, why.status);
		goto out;
	}
	http_resp_serial(w, c->serial);
	struct buf loc = {0};
	page_cert_href(&loc, c->serial, "?done=issued");
	page_redirect(w, loc.failed ? "/certs" : loc.data);
	buf_free(&loc);
out:
	ca_cert_free(c);
	ca_token_free(tok);
	form_free(&f);
}
