/*
 * The code in this file implements dynlib.h: dlopen and dlsym, with the
 * failure kept in words for the caller's message.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "dynlib.h"

static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;

bool dynlib_load(struct dynlib *l, bool (*resolve)(struct dynlib *l))
{
	pthread_mutex_lock(&load_mu);
	if (!l->tried) {
		l->tried = true;
		/* RTLD_LOCAL: its symbols stay out of every other lookup. */
		l->handle = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
		if (l->handle == NULL) {
			const char *why = dlerror();
			snprintf(l->why, sizeof(l->why), "%s", why != NULL ? why : "dlopen failed");
		}
		l->ok = l->handle != NULL && resolve(l);
	}
	bool ok = l->ok;
	pthread_mutex_unlock(&load_mu);
	return ok;
}

bool dynlib_sym(struct dynlib *l, const char *name, void *slot)
{
	(void)dlerror();
	void *p = dlsym(l->handle, name);
	if (p == NULL) {
		const char *why = dlerror();
		snprintf(l->why, sizeof(l->why), "%s has no %s: %s", l->soname, name,
			 why != NULL ? why : "not found");
		return false;
	}
	/* POSIX: a dlsym result converts to a function pointer; memcpy keeps
	 * the conversion out of ISO C's object/function pointer rule. */
	memcpy(slot, &p, sizeof(p));
	return true;
}
