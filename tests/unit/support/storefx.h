/*
 * Test support for the store tests run on every backend: a fresh store
 * per case, and another handle on it (another node). SQLite: a temporary
 * file. PostgreSQL: the throwaway cluster that tests/pg.sh starts as a
 * ctest fixture (PRIVCA_PG_STATE), a fresh schema of its database privca
 * per case, so that cases share nothing.
 */
#ifndef PRIVCA_STOREFX_H
#define PRIVCA_STOREFX_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "store/store.h"

/* A store in a new temporary file, created; its path in where. NULL if it fails. */
struct store *storefx_sqlite_make(char *where, size_t size);
/* Another handle on the SQLite store at where; NULL if it fails. */
struct store *storefx_sqlite_again(const char *where);
/* Remove the file at where with its -wal and -shm files. */
void storefx_sqlite_drop(const char *where);

/* URL of the database privca as the role privca; "" if there is no cluster. */
extern char storefx_pg_url[512];

/* Read PRIVCA_PG_STATE/url into storefx_pg_url. False (after a message) when
 * PRIVCA_PG_STATE is set but holds no cluster; unset leaves storefx_pg_url "". */
bool storefx_pg_init(void);

/* SQL on the database privca as the role privca; must succeed (cmocka). */
void storefx_pg_admin_sql(const char *sql);

/* SQL on the database at url as its owner; the libpq status. */
ExecStatusType storefx_pg_sql_on(const char *url, const char *sql);

/*
 * A new empty schema of the database privca; where gets a URL whose
 * search_path is that schema (then public, where tests/pg.sh put pg_trgm),
 * with `options` more server settings, URL-encoded ("" for none). A schema
 * per case, not a database: CREATE DATABASE costs seconds of fsync.
 */
void storefx_pg_new_schema(char *where, size_t size, const char *options);

/* A store on a new schema (storefx_pg_new_schema), created; NULL after a message. */
struct store *storefx_pg_make(char *where, size_t size);

/* Another handle on the store at where (another node); NULL if it fails. */
struct store *storefx_pg_again(const char *where);

/* Drop the schema of where (a URL from storefx_pg_new_schema) with its tables. */
void storefx_pg_drop(const char *where);

#endif
