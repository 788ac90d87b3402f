/*
 * libpq, loaded when a PostgreSQL store is first opened (ca/store/pq.c).
 *
 * A CA on SQLite never maps libpq, nor what libpq brings with it (OpenSSL,
 * Kerberos, LDAP: 3 MiB of resident pages and their code, issue 11), and a
 * machine without libpq5 runs it all the same. The PostgreSQL store's files
 * include this header instead of <libpq-fe.h> and call libpq by its own
 * names: each name below is a pointer resolved by pq_load, which
 * store_pg_open calls before anything else. A libpq function called
 * without one of these names fails to link (the core no longer links
 * libpq): add it to PQ_FUNCS and here.
 */
#ifndef PRIVCA_STORE_PQ_H
#define PRIVCA_STORE_PQ_H

#include <libpq-fe.h>

#include "errors.h"

#define PQ_FUNCS(X)                                                                                \
	X(PQclear)                                                                                 \
	X(PQcmdTuples)                                                                             \
	X(PQconnectdb)                                                                             \
	X(PQconnectdbParams)                                                                       \
	X(PQconninfoFree)                                                                          \
	X(PQconninfoParse)                                                                         \
	X(PQconsumeInput)                                                                          \
	X(PQerrorMessage)                                                                          \
	X(PQexec)                                                                                  \
	X(PQexecParams)                                                                            \
	X(PQfinish)                                                                                \
	X(PQfreemem)                                                                               \
	X(PQgetisnull)                                                                             \
	X(PQgetlength)                                                                             \
	X(PQgetvalue)                                                                              \
	X(PQnotifies)                                                                              \
	X(PQntuples)                                                                               \
	X(PQresultErrorField)                                                                      \
	X(PQresultStatus)                                                                          \
	X(PQsetNoticeProcessor)                                                                    \
	X(PQsocket)                                                                                \
	X(PQstatus)                                                                                \
	X(PQtransactionStatus)                                                                     \
	X(PQunescapeBytea)

struct pq_api {
#define PQ_POINTER(f) __typeof__(f) *f;
	PQ_FUNCS(PQ_POINTER)
#undef PQ_POINTER
};

/* Filled once by pq_load; read-only after. */
extern struct pq_api pq_api;

/* Load libpq (once; later calls only say how it went). CA_OK, or
 * CA_ERR_UNAVAILABLE naming the library and dlopen's reason. */
enum ca_err pq_load(struct ca_error *err);

#ifndef PQ_LOADER
#define PQclear		     (pq_api.PQclear)
#define PQcmdTuples	     (pq_api.PQcmdTuples)
#define PQconnectdb	     (pq_api.PQconnectdb)
#define PQconnectdbParams    (pq_api.PQconnectdbParams)
#define PQconninfoFree	     (pq_api.PQconninfoFree)
#define PQconninfoParse	     (pq_api.PQconninfoParse)
#define PQconsumeInput	     (pq_api.PQconsumeInput)
#define PQerrorMessage	     (pq_api.PQerrorMessage)
#define PQexec		     (pq_api.PQexec)
#define PQexecParams	     (pq_api.PQexecParams)
#define PQfinish	     (pq_api.PQfinish)
#define PQfreemem	     (pq_api.PQfreemem)
#define PQgetisnull	     (pq_api.PQgetisnull)
#define PQgetlength	     (pq_api.PQgetlength)
#define PQgetvalue	     (pq_api.PQgetvalue)
#define PQnotifies	     (pq_api.PQnotifies)
#define PQntuples	     (pq_api.PQntuples)
#define PQresultErrorField   (pq_api.PQresultErrorField)
#define PQresultStatus	     (pq_api.PQresultStatus)
#define PQsetNoticeProcessor (pq_api.PQsetNoticeProcessor)
#define PQsocket	     (pq_api.PQsocket)
#define PQstatus	     (pq_api.PQstatus)
#define PQtransactionStatus  (pq_api.PQtransactionStatus)
#define PQunescapeBytea	     (pq_api.PQunescapeBytea)
#endif

#endif
