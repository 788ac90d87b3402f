/*
 * The code in this file implements the SQLite store's CRL state
 * (sqlite_int.h): the row crl_state (number, times, generation, the delta
 * base) and the complete CRL's DER, which lives beside the database, in
 * the directory PATH-crl next to the database PATH, as a file named by its
 * SHA-256 (schema/sqlite/012_crl_file.sql says why).
 *
 * A file is written under a temporary name and renamed into place, never
 * changed after, and not fsync'd: the row names it by its hash, and a
 * reader that finds it missing or different (a crash lost it, a copy of
 * the database left the directory behind) reads "no CRL recorded", so the
 * CRL cache signs the next number. After a put commits, the files other
 * than the new one and the one it replaced are removed once they are a
 * minute old, so a reader between its read of the row and its open of the
 * file keeps the file it saw, and so does a writer about to commit.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "crypto/hash.h"
#include "errors.h"
#include "file.h"
#include "sqlite_int.h"

/* A file that is neither the current CRL nor the one before goes when it
 * is this old; a temporary file, when it is an hour old (its writer died). */
#define STALE_S	    60
#define TMP_STALE_S 3600
#define HEX_LEN	    (2 * HASH_SHA256_LEN)

static struct sq_sql q_crl_get =
    SQ_SQL("SELECT number, CASE WHEN generation = ?1 AND this_update > ?2 THEN der END, "
	   "CASE WHEN generation = ?1 AND this_update > ?2 THEN der_sha256 END, "
	   "this_update, next_update, generation, base_number, base_generation, "
	   "base_this_update FROM crl_state WHERE id = 1");
static struct sq_sql q_crl_number = SQ_SQL("SELECT number FROM crl_state WHERE id = 1");
static struct sq_sql q_crl_hash = SQ_SQL("SELECT der_sha256 FROM crl_state WHERE id = 1");
static struct sq_sql q_crl_put =
    SQ_SQL("INSERT INTO crl_state (id, number, der, der_sha256, this_update, next_update, "
	   "generation, base_number, base_generation, base_this_update) "
	   "VALUES (1, ?1, X'', ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO UPDATE SET "
	   "number = ?1, der = X'', der_sha256 = ?2, this_update = ?3, next_update = ?4, "
	   "generation = ?5, base_number = ?6, base_generation = ?7, base_this_update = ?8 "
	   "WHERE crl_state.number = ?1 - 1");

/* ---- the files ---- */

/* The directory (hex NULL) or the file of the CRL whose hash is hex,
 * beside the database at db. */
static bool crl_path_at(const char *db, const char *hex, char out[PATH_MAX])
{
	int n = hex == NULL ? snprintf(out, PATH_MAX, "%s-crl", db)
			    : snprintf(out, PATH_MAX, "%s-crl/%s.der", db, hex);
	return n > 0 && n < PATH_MAX;
}

static bool crl_path(const struct sq_store *s, const char *hex, char out[PATH_MAX])
{
	return crl_path_at(s->path, hex, out);
}

/* Write der as the file named hex: under a temporary name, then renamed;
 * err says why not. */
static enum ca_err crl_write(const struct sq_store *s, const char *hex, const uint8_t *der,
			     size_t len, struct ca_error *err)
{
	static atomic_uint seq;
	char dir[PATH_MAX], tmp[PATH_MAX], name[PATH_MAX];
	if (!crl_path(s, NULL, dir) || !crl_path(s, hex, name) ||
	    snprintf(tmp, sizeof(tmp), "%s/.tmp-%ld-%u", dir, (long)getpid(),
		     atomic_fetch_add(&seq, 1)) >= (int)sizeof(tmp))
		return ca_fail(err, CA_ERR_IO, "the database's name is too long");
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return ca_fail(err, CA_ERR_IO, "cannot make %s: %s", dir, strerror(errno));
	enum ca_err rc = file_create(tmp, 0600, der, len, FILE_NOSYNC, err);
	if (rc == CA_OK && rename(tmp, name) != 0) {
		rc = ca_fail(err, CA_ERR_IO, "cannot rename %s: %s", tmp, strerror(errno));
		(void)unlink(tmp);
	}
	return rc;
}

/*
 * The file whose SHA-256 is h into *der (malloc'd), *len; false (and
 * *der NULL) when it is missing, is no regular file (file_read), is empty
 * or does not hash to h.
 */
static bool crl_read_at(const char *db, const uint8_t h[HASH_SHA256_LEN], uint8_t **der,
			size_t *len)
{
	char hex[HEX_LEN + 1], name[PATH_MAX];
	uint8_t got[HASH_SHA256_LEN], *p = NULL;
	size_t n = 0;
	*der = NULL;
	hex_encode(h, HASH_SHA256_LEN, hex);
	if (!crl_path_at(db, hex, name) || file_read(name, FILE_LARGE, &p, &n, NULL) != CA_OK)
		return false;
	if (n == 0 || hash_sha256(p, n, got) != CA_OK || memcmp(got, h, sizeof(got)) != 0) {
		free(p);
		return false;
	}
	*der = p;
	*len = n;
	return true;
}

static bool crl_read(const struct sq_store *s, const uint8_t h[HASH_SHA256_LEN], uint8_t **der,
		     size_t *len)
{
	return crl_read_at(s->path, h, der, len);
}

/* A name of the form HEX.der. */
static bool crl_name(const char *name)
{
	if (strlen(name) != HEX_LEN + 4 || strcmp(name + HEX_LEN, ".der") != 0)
		return false;
	for (int i = 0; i < HEX_LEN; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return true;
}

/* Remove what no reader needs: see the comment at the top. keep[0..2]
 * are the file names that stay (NULL: none). */
static void crl_sweep(const struct sq_store *s, const char *const keep[2])
{
	char dir[PATH_MAX];
	if (!crl_path(s, NULL, dir))
		return;
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	time_t now = time(NULL);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		bool tmp = strncmp(e->d_name, ".tmp-", 5) == 0;
		if (!tmp && !crl_name(e->d_name))
			continue;
		if (!tmp && ((keep[0] && strncmp(e->d_name, keep[0], HEX_LEN) == 0) ||
			     (keep[1] && strncmp(e->d_name, keep[1], HEX_LEN) == 0)))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode) || st.st_mtime > now - (tmp ? TMP_STALE_S : STALE_S))
			continue;
		(void)unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

/* ---- the row ---- */

enum ca_err sq_crl_get(struct store *base, int64_t generation, int64_t built_after,
		       struct store_crl *out)
{
	struct sq_store *s = sq_of(base);
	sqlite3_stmt *st = sq_stmt(s, &q_crl_get, NULL);
	uint8_t h[HASH_SHA256_LEN];
	bool file = false;
	memset(out, 0, sizeof(*out));
	out->generation = -1;
	if (st == NULL)
		return CA_ERR_STORE;
	sqlite3_bind_int64(st, 1, generation);
	sqlite3_bind_int64(st, 2, built_after);
	enum ca_err rc = CA_OK;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		/* der: a row from before 012 until the next CRL replaces it;
		 * empty when the CRL is in its file */
		int n = sqlite3_column_bytes(st, 1);
		const void *p = sqlite3_column_blob(st, 1);
		file = sqlite3_column_bytes(st, 2) == HASH_SHA256_LEN;
		if (file)
			memcpy(h, sqlite3_column_blob(st, 2), sizeof(h));
		out->number = (uint64_t)sqlite3_column_int64(st, 0);
		out->this_update = sqlite3_column_int64(st, 3);
		out->next_update = sqlite3_column_int64(st, 4);
		out->generation = sqlite3_column_int64(st, 5);
		out->base_number = (uint64_t)sqlite3_column_int64(st, 6);
		out->base_generation = sqlite3_column_int64(st, 7);
		out->base_this_update = sqlite3_column_int64(st, 8);
		if (n > 0 && p != NULL && (out->der = malloc((size_t)n)) != NULL) {
			memcpy(out->der, p, (size_t)n);
			out->len = (size_t)n;
		} else if (n > 0) {
			rc = CA_ERR_NOMEM;
		}
	} else if (r != SQLITE_DONE) {
		rc = CA_ERR_STORE;
	}
	sq_done(st);
	/* The file is read after the statement is done: no read transaction
	 * is held open across 44 MB of I/O. */
	if (rc == CA_OK && out->der == NULL && file && !crl_read(s, h, &out->der, &out->len))
		fprintf(stderr,
			"privca: store: CRL %llu's file beside the database is missing or "
			"damaged; the next CRL will be signed in its place\n",
			(unsigned long long)out->number);
	return rc;
}

enum ca_err sq_crl_number(struct store *base, uint64_t *number)
{
	int64_t n = 0;
	int r = sq_int64(sq_of(base), &q_crl_number, &n);
	*number = (uint64_t)n;
	return r == SQLITE_ROW || r == SQLITE_DONE ? CA_OK : CA_ERR_STORE;
}

/* Record c in the row, naming its file h; the hash of the file it replaces
 * into old (old[0] '\0' if none). */
static enum ca_err crl_record(struct sq_store *s, struct sq_conn *cn, const struct store_crl *c,
			      const uint8_t h[HASH_SHA256_LEN], char old[HEX_LEN + 1])
{
	old[0] = '\0';
	sqlite3_stmt *st = sq_stmt(s, &q_crl_hash, NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW && sqlite3_column_bytes(st, 0) == HASH_SHA256_LEN)
		hex_encode(sqlite3_column_blob(st, 0), HASH_SHA256_LEN, old);
	sq_done(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return CA_ERR_STORE;
	if ((st = sq_stmt(s, &q_crl_put, NULL)) == NULL)
		return CA_ERR_STORE;
	sqlite3_bind_int64(st, 1, (int64_t)c->number);
	sqlite3_bind_blob(st, 2, h, HASH_SHA256_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, c->this_update);
	sqlite3_bind_int64(st, 4, c->next_update);
	sqlite3_bind_int64(st, 5, c->generation);
	sqlite3_bind_int64(st, 6, (int64_t)c->base_number);
	sqlite3_bind_int64(st, 7, c->base_generation);
	sqlite3_bind_int64(st, 8, c->base_this_update);
	r = sqlite3_step(st);
	int changed = sqlite3_changes(cn->db);
	sq_done(st);
	if (r != SQLITE_DONE)
		return CA_ERR_STORE;
	return changed == 1 ? CA_OK : CA_ERR_EXISTS;
}

enum ca_err sq_crl_put(struct store *base, const struct store_crl *c)
{
	struct sq_store *s = sq_of(base);
	uint8_t h[HASH_SHA256_LEN];
	char hex[HEX_LEN + 1], old[HEX_LEN + 1];
	struct ca_error err;
	if (c->der == NULL || c->len == 0 || c->len > FILE_LARGE_MAX ||
	    hash_sha256(c->der, c->len, h) != CA_OK)
		return CA_ERR_STORE;
	hex_encode(h, HASH_SHA256_LEN, hex);
	/* The file first: a row never names a file that was not written. One
	 * that loses the number to another builder is swept by a later put. */
	if (crl_write(s, hex, c->der, c->len, &err) != CA_OK) {
		fprintf(stderr, "privca: store: CRL %llu could not be written: %s\n",
			(unsigned long long)c->number, err.detail);
		return CA_ERR_STORE;
	}
	struct sq_conn *cn = sq_conn(s);
	if (cn == NULL)
		return CA_ERR_STORE;
	cn->watch_valid = false;
	enum ca_err rc = sq_begin(cn, &err);
	if (rc != CA_OK)
		return rc;
	rc = sq_end(cn, crl_record(s, cn, c, h, old), &err);
	if (rc == CA_OK) {
		const char *const keep[2] = {hex, old[0] ? old : NULL};
		crl_sweep(s, keep);
	}
	return rc;
}

/*
 * A backup (sqlite_backup.c) is one file that a restore puts in place of
 * privca.db, without this directory: the complete CRL goes into the row of
 * the copy dst, where a store reads it as from before 012. A file that is
 * missing is left so: the restored CA signs the next number.
 */
enum ca_err sq_crl_backup(struct sq_store *s, sqlite3 *dst, struct ca_error *err)
{
	sqlite3_stmt *st = NULL;
	uint8_t h[HASH_SHA256_LEN], *der = NULL;
	size_t len = 0;
	int r =
	    sqlite3_prepare_v2(dst, "SELECT der_sha256 FROM crl_state WHERE id = 1", -1, &st, NULL);
	bool file = r == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_bytes(st, 0) == HASH_SHA256_LEN;
	if (file)
		memcpy(h, sqlite3_column_blob(st, 0), sizeof(h));
	sqlite3_finalize(st);
	if (r == SQLITE_OK && file && crl_read(s, h, &der, &len)) {
		r = sqlite3_prepare_v2(
		    dst, "UPDATE crl_state SET der = ?1, der_sha256 = NULL WHERE id = 1", -1, &st,
		    NULL);
		if (r == SQLITE_OK)
			r = sqlite3_bind_blob64(st, 1, der, len, SQLITE_STATIC);
		if (r == SQLITE_OK && (r = sqlite3_step(st)) == SQLITE_DONE)
			r = SQLITE_OK;
		sqlite3_finalize(st);
		free(der);
	}
	return r == SQLITE_OK
		   ? CA_OK
		   : ca_fail(err, CA_ERR_STORE, "backup: the CRL could not be copied: %s",
			     sqlite3_errmsg(dst));
}

/* privca_crl_der(der, der_sha256): der when the row holds it, else the
 * file the hash names (der, empty, when it cannot be read). */
static void crl_der_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	uint8_t *der = NULL;
	size_t len = 0;
	if (sqlite3_value_bytes(argv[0]) == 0 && sqlite3_value_bytes(argv[1]) == HASH_SHA256_LEN &&
	    crl_read_at(sqlite3_user_data(cx), sqlite3_value_blob(argv[1]), &der, &len)) {
		sqlite3_result_blob64(cx, der, len, free);
		return;
	}
	sqlite3_result_value(cx, argv[0]);
}

enum ca_err sq_crl_der_function(sqlite3 *db, const char *path)
{
	return sqlite3_create_function(db, "privca_crl_der", 2, SQLITE_UTF8, (void *)path,
				       crl_der_fn, NULL, NULL) == SQLITE_OK
		   ? CA_OK
		   : CA_ERR_STORE;
}
