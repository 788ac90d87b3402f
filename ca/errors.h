/*
 * How the core's files report an error (errors.c). Not for web/: the
 * front-ends read struct ca_error, they never write one.
 */
#ifndef PRIVCA_ERRORS_H
#define PRIVCA_ERRORS_H

#include "privca/types.h"

/* Format into err->detail (if err is not NULL), set err->input to
 * CA_INPUT_NONE, and return code. */
enum ca_err ca_fail(struct ca_error *err, enum ca_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same, and err->input = input: the message is about that input. */
enum ca_err ca_fail_in(struct ca_error *err, enum ca_err code, enum ca_input input, const char *fmt,
		       ...) __attribute__((format(printf, 4, 5)));

#endif
