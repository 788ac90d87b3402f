/*
 * TEMPORARY: stands in for web/pages.c (another engineer's, in progress) so
 * the binary links. Deleted as soon as web/pages.c lands.
 */
#include "pages.h"

static void not_yet(const struct http_req *r, struct http_resp *w)
{
	(void)r;
	http_problem_code(w, 404, "not-found",
			  "The HTML pages are not built into this binary yet.");
}

void pages_home(const struct http_req *r, struct http_resp *w)
{
	not_yet(r, w);
}
void pages_certs(const struct http_req *r, struct http_resp *w)
{
	not_yet(r, w);
}
void pages_certs_csv(const struct http_req *r, struct http_resp *w)
{
	not_yet(r, w);
}
void pages_cert(const struct http_req *r, struct http_resp *w)
{
	not_yet(r, w);
}
void pages_cert_revoke(const struct http_req *r, struct http_resp *w)
{
	not_yet(r, w);
}
void pages_request(const struct http_req *r, struct http_resp *w)
{
	not_yet(r, w);
}
void pages_static(const struct http_req *r, struct http_resp *w)
{
	not_yet(r, w);
}
