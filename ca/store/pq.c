/*
 * The code in this file implements pq.h: libpq, loaded on first use.
 */
#define PQ_LOADER
#include "dynlib.h"
#include "pq.h"

#ifndef PRIVCA_LIBPQ_SONAME
#define PRIVCA_LIBPQ_SONAME "libpq.so.5"
#endif

struct pq_api pq_api;

static struct dynlib pq_lib = {.soname = PRIVCA_LIBPQ_SONAME};

static bool pq_resolve(struct dynlib *l)
{
	bool ok = true;
#define PQ_RESOLVE(f) ok = ok && dynlib_sym(l, #f, &pq_api.f);
	PQ_FUNCS(PQ_RESOLVE)
#undef PQ_RESOLVE
	return ok;
}

enum ca_err pq_load(struct ca_error *err)
{
	if (dynlib_load(&pq_lib, pq_resolve))
		return CA_OK;
	return ca_fail(err, CA_ERR_UNAVAILABLE,
		       "the PostgreSQL store needs libpq (Debian: apt-get install libpq5): %s",
		       pq_lib.why);
}
