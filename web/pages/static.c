/*
 * GET /static/{name} (design section 4 "Pages"): the embedded stylesheet,
 * scripts and images. Only names in the embedded table are served; no path
 * is ever opened.
 */
#include <stdio.h>
#include <string.h>

#include "html.h"
#include "pages/pages.h"

static const char *static_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
	    {".css", "text/css; charset=utf-8"},
	    {".js", "text/javascript; charset=utf-8"},
	    {".svg", "image/svg+xml"},
	    {".png", "image/png"},
	    {".txt", "text/plain; charset=utf-8"},
	};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

void pages_static(const struct http_req *r, struct http_resp *w)
{
	const char *name = r->nparams > 0 ? r->params[0] : "";
	char path[128];
	const struct embed_file *f = NULL;
	/* Only names in the embedded table: no path is ever opened. */
	if (strchr(name, '/') == NULL &&
	    (size_t)snprintf(path, sizeof(path), "static/%s", name) < sizeof(path))
		f = html_embedded(path);
	if (f == NULL) {
		http_problem_code(w, 404, "not-found", "No such static file.");
		return;
	}
	buf_add(&w->body, f->data, f->len);
	w->status = 200;
	w->content_type = static_type(name);
	page_security_headers(w, "public, max-age=300");
}
