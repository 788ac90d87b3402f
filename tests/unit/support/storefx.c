/*
 * The PostgreSQL fixture of the unit tests (pgfx.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pgfx.h"

char pgfx_url[512];

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

bool pgfx_init(void)
{
	const char *state = getenv("PRIVCA_PG_STATE");
	char path[400];
	pgfx_url[0] = '\0';
	if (state == NULL)
		return true;
	snprintf(path, sizeof(path), "%s/url", state);
	if (!read_line(path, pgfx_url, sizeof(pgfx_url))) {
		pgfx_url[0] = '\0';
		fprintf(stderr, "PRIVCA_PG_STATE=%s holds no cluster\n", state);
		return false;
	}
	return true;
}

void pgfx_admin_sql(const char *sql)
{
	PGconn *c = PQconnectdb(pgfx_url);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	PQfinish(c);
}

ExecStatusType pgfx_sql_on(const char *url, const char *sql)
{
	PGconn *c = PQconnectdb(url);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	PQclear(r);
	PQfinish(c);
	return st;
}

void pgfx_new_schema(char *where, size_t size, const char *options)
{
	static int n;
	char name[64], sql[128];
	snprintf(name, sizeof(name), "fx_%d_%d", (int)getpid(), ++n);
	snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", name);
	pgfx_admin_sql(sql);
	snprintf(where, size, "%s?options=-csearch_path%%3D%s%%2Cpublic%s", pgfx_url, name,
		 options);
}

struct store *pgfx_make(char *where, size_t size)
{
	struct ca_error e;
	struct store *s;
	pgfx_new_schema(where, size, "");
	if (store_open(where, true, &s, &e) != CA_OK) {
		fprintf(stderr, "store_open %s: %s\n", where, e.detail);
		return NULL;
	}
	return s;
}

struct store *pgfx_again(const char *where)
{
	struct ca_error e;
	struct store *s;
	if (store_open(where, false, &s, &e) != CA_OK) {
		fprintf(stderr, "store_open %s: %s\n", where, e.detail);
		return NULL;
	}
	return s;
}

void pgfx_drop(const char *where)
{
	char sql[128];
	const char *name = strstr(where, "%3D") + 3;
	snprintf(sql, sizeof(sql), "DROP SCHEMA %.*s CASCADE", (int)(strstr(name, "%2C") - name),
		 name);
	pgfx_admin_sql(sql);
}
