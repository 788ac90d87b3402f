/*
 * libcurl, loaded at the first http-01 check (ca/acme/curl.c), like libpq
 * (store/pq.h says why): a CA that never validates over HTTP never maps
 * libcurl and what it brings (nghttp2, libssh2, librtmp, LDAP). http01.c
 * includes this header instead of <curl/curl.h> and calls libcurl by its
 * own names, which are pointers resolved by curl_load. (libcurl's
 * compile-time check of curl_easy_setopt's argument types is a macro over
 * the function, so it is off here; easy_new passes each option's type as
 * the libcurl manual gives it.)
 */
#ifndef PRIVCA_ACME_CURL_H
#define PRIVCA_ACME_CURL_H

#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include "errors.h"

#define CURL_FUNCS(X)                                                                              \
	X(curl_easy_cleanup)                                                                       \
	X(curl_easy_getinfo)                                                                       \
	X(curl_easy_init)                                                                          \
	X(curl_easy_perform)                                                                       \
	X(curl_easy_setopt)                                                                        \
	X(curl_easy_strerror)                                                                      \
	X(curl_free)                                                                               \
	X(curl_global_init)                                                                        \
	X(curl_slist_append)                                                                       \
	X(curl_slist_free_all)                                                                     \
	X(curl_url)                                                                                \
	X(curl_url_cleanup)                                                                        \
	X(curl_url_get)                                                                            \
	X(curl_url_set)

struct curl_api {
#define CURL_POINTER(f) __typeof__(f) *f;
	CURL_FUNCS(CURL_POINTER)
#undef CURL_POINTER
};

/* Filled once by curl_load; read-only after. */
extern struct curl_api curl_api;

/* Load libcurl and run curl_global_init (once; later calls only say how
 * it went). True, or false with why (a library, a symbol, or libcurl's
 * own words) in detail. */
bool curl_load(char *detail, size_t cap);

/* (curl.h's own function-like names for these two, which only pass on.) */
#undef curl_easy_getinfo
#undef curl_easy_setopt
#ifndef CURL_LOADER
#define curl_easy_cleanup   (curl_api.curl_easy_cleanup)
#define curl_easy_getinfo   (curl_api.curl_easy_getinfo)
#define curl_easy_init	    (curl_api.curl_easy_init)
#define curl_easy_perform   (curl_api.curl_easy_perform)
#define curl_easy_setopt    (curl_api.curl_easy_setopt)
#define curl_easy_strerror  (curl_api.curl_easy_strerror)
#define curl_free	    (curl_api.curl_free)
#define curl_global_init    (curl_api.curl_global_init)
#define curl_slist_append   (curl_api.curl_slist_append)
#define curl_slist_free_all (curl_api.curl_slist_free_all)
#define curl_url	    (curl_api.curl_url)
#define curl_url_cleanup    (curl_api.curl_url_cleanup)
#define curl_url_get	    (curl_api.curl_url_get)
#define curl_url_set	    (curl_api.curl_url_set)
#endif

#endif
