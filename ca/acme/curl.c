/*
 * The code in this file implements curl.h: libcurl, loaded on first use.
 */
#include <stdio.h>

#define CURL_LOADER
#include "curl.h"
#include "dynlib.h"

#ifndef PRIVCA_LIBCURL_SONAME
#define PRIVCA_LIBCURL_SONAME "libcurl-gnutls.so.4"
#endif

struct curl_api curl_api;

static struct dynlib curl_lib = {.soname = PRIVCA_LIBCURL_SONAME};

static bool curl_resolve(struct dynlib *l)
{
	bool ok = true;
#define CURL_RESOLVE(f) ok = ok && dynlib_sym(l, #f, &curl_api.f);
	CURL_FUNCS(CURL_RESOLVE)
#undef CURL_RESOLVE
	if (!ok)
		return false;
	CURLcode rc = curl_api.curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK)
		snprintf(l->why, sizeof(l->why), "%s", curl_api.curl_easy_strerror(rc));
	return rc == CURLE_OK;
}

bool curl_load(char *detail, size_t cap)
{
	if (dynlib_load(&curl_lib, curl_resolve))
		return true;
	snprintf(detail, cap, "%s", curl_lib.why);
	return false;
}
