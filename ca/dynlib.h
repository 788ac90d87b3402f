/*
 * Libraries the core maps only when a feature first needs them
 * (ca/dynlib.c): libpq for a PostgreSQL store (store/pq.h), libcurl for an
 * ACME http-01 check (acme/curl.h). Each is opened once and never closed;
 * its functions are pointers resolved by name at that moment.
 */
#ifndef PRIVCA_DYNLIB_H
#define PRIVCA_DYNLIB_H

#include <stdbool.h>
#include <stddef.h>

/* A library: its soname; what dynlib_load found (ok, or why not). */
struct dynlib {
	const char *soname;
	void *handle;
	bool tried, ok;
	char why[256];
};

/*
 * Open l and give it to resolve, which looks its functions up with
 * dynlib_sym, once: later calls only say how that went. True when both
 * succeeded; false with l->why set. Thread-safe.
 */
bool dynlib_load(struct dynlib *l, bool (*resolve)(struct dynlib *l));
/* The function name of l into *slot, which is the address of a function
 * pointer of name's own type; false with l->why set. */
bool dynlib_sym(struct dynlib *l, const char *name, void *slot);

#endif
