/*
 * The code in this file implements store_open (store.h): the URL names
 * the implementation.
 */
#include <string.h>

#include "errors.h"
#include "store.h"

enum ca_err store_open(const char *url, bool create, struct store **out, struct ca_error *err)
{
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
		return store_pg_open(url, create, out, err);
	if (strncmp(url, "sqlite:", 7) == 0)
		url += 7;
	if (*url == '\0')
		return ca_fail(err, CA_ERR_BAD_REQUEST, "the store URL names no database file");
	return store_sqlite_open(url, create, out, err);
}
