/*
 * The code in this file implements ca_store_copy (privca/ca.h): which
 * store of the CA is copied, and where to.
 */
#include <limits.h>
#include <string.h>

#include "file.h"
#include "internal.h"

static bool is_pg(const char *url)
{
	return strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0;
}

enum ca_err ca_store_copy(struct ca *ca, const char *url, struct ca_copy_report *out,
			  struct ca_error *err)
{
	char path[PATH_MAX];
	const char *from = ca->conf.store;
	if (!is_pg(url))
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "--to must be a PostgreSQL URL (postgresql://USER@HOST/DB)");
	if (from != NULL && is_pg(from))
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "this CA's store is in PostgreSQL already; copy it with pg_dump");
	if (from == NULL) {
		enum ca_err rc = file_path(path, ca->dir, "privca.db", err);
		if (rc != CA_OK)
			return rc;
		from = path;
	} else if (strncmp(from, "sqlite:", 7) == 0) {
		from += 7;
	}
	return store_copy(from, url, out, err);
}
