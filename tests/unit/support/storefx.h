/*
 * Test support for the PostgreSQL store: the throwaway cluster that
 * tests/pg.sh starts as a ctest fixture (PRIVCA_PG_STATE), and a fresh
 * schema of its database privca per case, so that cases share nothing.
 */
#ifndef PRIVCA_PGFX_H
#define PRIVCA_PGFX_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "store/store.h"

/* URL of the database privca as the role privca; "" if there is no cluster. */
extern char pgfx_url[512];

/* Read PRIVCA_PG_STATE/url into pgfx_url. False (after a message) when
 * PRIVCA_PG_STATE is set but holds no cluster; unset leaves pgfx_url "". */
bool pgfx_init(void);

/* SQL on the database privca as the role privca; must succeed (cmocka). */
void pgfx_admin_sql(const char *sql);

/* SQL on the database at url as its owner; the libpq status. */
ExecStatusType pgfx_sql_on(const char *url, const char *sql);

/*
 * A new empty schema of the database privca; where gets a URL whose
 * search_path is that schema (then public, where tests/pg.sh put pg_trgm),
 * with `options` more server settings, URL-encoded ("" for none). A schema
 * per case, not a database: CREATE DATABASE costs seconds of fsync.
 */
void pgfx_new_schema(char *where, size_t size, const char *options);

/* A store on a new schema (pgfx_new_schema), created; NULL after a message. */
struct store *pgfx_make(char *where, size_t size);

/* Another handle on the store at where (another node); NULL if it fails. */
struct store *pgfx_again(const char *where);

/* Drop the schema of where (a URL from pgfx_new_schema) with its tables. */
void pgfx_drop(const char *where);

#endif
