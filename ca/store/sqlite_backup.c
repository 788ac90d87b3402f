/*
 * The code in this file implements the SQLite store's backup (sqlite_int.h:
 * sq_backup, store.h: store_backup): one new file that a restore puts in
 * place of privca.db, taken while the service runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "sqlite_int.h"

/* Copy c's database into the open dst in one step: one read snapshot (in
 * WAL mode the writer goes on meanwhile), the complete CRL into its row
 * (it lives beside the database: sqlite_crl.c), then one file without a
 * log. */
static enum ca_err backup_into(struct sq_store *s, struct sq_conn *c, sqlite3 *dst,
			       struct ca_error *err)
{
	sqlite3_busy_timeout(dst, 5000);
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", c->db, "main");
	if (b == NULL)
		return ca_fail(err, CA_ERR_STORE, "backup: %s", sqlite3_errmsg(dst));
	int r;
	for (int tries = 0; (r = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || r == SQLITE_LOCKED;
	     tries++) {
		if (tries == 100)
			break;
		sqlite3_sleep(50);
	}
	if (sqlite3_backup_finish(b) != SQLITE_OK || r != SQLITE_DONE)
		return ca_fail(err, CA_ERR_STORE, "backup: %s", sqlite3_errmsg(dst));
	enum ca_err rc = sq_crl_backup(s, dst, err);
	if (rc != CA_OK)
		return rc;
	if (sq_exec(dst, "PRAGMA wal_checkpoint(TRUNCATE)") != SQLITE_OK ||
	    sq_exec(dst, "PRAGMA journal_mode = DELETE") != SQLITE_OK)
		return ca_fail(err, CA_ERR_STORE, "backup: %s", sqlite3_errmsg(dst));
	return CA_OK;
}

static void unlink_copy(const char *path)
{
	char side[PATH_MAX];
	unlink(path);
	if (snprintf(side, sizeof(side), "%s-wal", path) < (int)sizeof(side))
		unlink(side);
	if (snprintf(side, sizeof(side), "%s-shm", path) < (int)sizeof(side))
		unlink(side);
}

/*
 * A consistent copy while the service runs. The file is new (O_EXCL,
 * 0600: it holds token hashes and the event log), and synced before it is
 * called done; on failure nothing is left behind.
 */
enum ca_err sq_backup(struct store *base, const char *path, struct ca_error *err)
{
	struct sq_store *s = sq_of(base);
	struct sq_conn *c = sq_conn(s);
	if (c == NULL)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return ca_fail(err, errno == EEXIST ? CA_ERR_EXISTS : CA_ERR_IO,
			       "cannot create %s: %s", path, strerror(errno));
	close(fd);
	sqlite3 *dst = NULL;
	enum ca_err rc;
	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		rc = ca_fail(err, CA_ERR_IO, "cannot open %s as a database", path);
	else
		rc = backup_into(s, c, dst, err);
	if (dst != NULL && sqlite3_close(dst) != SQLITE_OK)
		rc = ca_fail(err, CA_ERR_STORE, "backup: the copy did not close cleanly");
	if (rc == CA_OK) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fsync(fd) != 0)
			rc = ca_fail(err, CA_ERR_IO, "cannot sync %s", path);
		if (fd >= 0)
			close(fd);
	}
	if (rc != CA_OK)
		unlink_copy(path);
	return rc;
}
