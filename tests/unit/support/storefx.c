/*
 * The store fixtures of the unit tests (storefx.h).
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "storefx.h"

struct store *storefx_sqlite_make(char *where, size_t size)
{
	struct ca_error e;
	struct store *s;
	snprintf(where, size, "/tmp/privca-store-%d-XXXXXX", (int)getpid());
	int fd = mkstemp(where);
	if (fd < 0)
		return NULL;
	close(fd);
	if (store_open(where, true, &s, &e) != CA_OK) {
		fprintf(stderr, "store_open %s: %s\n", where, e.detail);
		return NULL;
	}
	return s;
}

struct store *storefx_sqlite_again(const char *where)
{
	struct ca_error e;
	struct store *s;
	return store_open(where, false, &s, &e) == CA_OK ? s : NULL;
}

void storefx_sqlite_drop(const char *where)
{
	char side[300];
	unlink(where);
	snprintf(side, sizeof(side), "%s-wal", where);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", where);
	unlink(side);
	/* the CRL files beside it (ca/store/sqlite_crl.c) */
	snprintf(side, sizeof(side), "%s-crl", where);
	DIR *d = opendir(side);
	for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;)
		if (e->d_name[0] != '.' || strncmp(e->d_name, ".tmp-", 5) == 0)
			(void)unlinkat(dirfd(d), e->d_name, 0);
	if (d != NULL)
		closedir(d);
	rmdir(side);
}

char storefx_pg_url[512];

/* The first line of file into out; false if it cannot be read. */
static bool read_line(const char *path, char *out, size_t n)
{
	FILE *f = fopen(path, "r");
	bool ok = f != NULL && fgets(out, (int)n, f) != NULL;
	if (f != NULL)
		fclose(f);
	if (ok)
		out[strcspn(out, "\n")] = '\0';
	return ok;
}

bool storefx_pg_init(void)
{
	const char *state = getenv("PRIVCA_PG_STATE");
	char path[400];
	storefx_pg_url[0] = '\0';
	if (state == NULL)
		return true;
	snprintf(path, sizeof(path), "%s/url", state);
	if (!read_line(path, storefx_pg_url, sizeof(storefx_pg_url))) {
		storefx_pg_url[0] = '\0';
		fprintf(stderr, "PRIVCA_PG_STATE=%s holds no cluster\n", state);
		return false;
	}
	return true;
}

void storefx_pg_admin_sql(const char *sql)
{
	PGconn *c = PQconnectdb(storefx_pg_url);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	PQfinish(c);
}

ExecStatusType storefx_pg_sql_on(const char *url, const char *sql)
{
	PGconn *c = PQconnectdb(url);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	PQclear(r);
	PQfinish(c);
	return st;
}

void storefx_pg_new_schema(char *where, size_t size, const char *options)
{
	static int n;
	char name[64], sql[128];
	snprintf(name, sizeof(name), "fx_%d_%d", (int)getpid(), ++n);
	snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", name);
	storefx_pg_admin_sql(sql);
	snprintf(where, size, "%s?options=-csearch_path%%3D%s%%2Cpublic%s", storefx_pg_url, name,
		 options);
}

struct store *storefx_pg_make(char *where, size_t size)
{
	struct ca_error e;
	struct store *s;
	storefx_pg_new_schema(where, size, "");
	if (store_open(where, true, &s, &e) != CA_OK) {
		fprintf(stderr, "store_open %s: %s\n", where, e.detail);
		return NULL;
	}
	return s;
}

struct store *storefx_pg_again(const char *where)
{
	struct ca_error e;
	struct store *s;
	if (store_open(where, false, &s, &e) != CA_OK) {
		fprintf(stderr, "store_open %s: %s\n", where, e.detail);
		return NULL;
	}
	return s;
}

void storefx_pg_drop(const char *where)
{
	char sql[128];
	const char *name = strstr(where, "%3D") + 3;
	snprintf(sql, sizeof(sql), "DROP SCHEMA %.*s CASCADE", (int)(strstr(name, "%2C") - name),
		 name);
	storefx_pg_admin_sql(sql);
}
