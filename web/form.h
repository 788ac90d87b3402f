/*
 * HTML form bodies: application/x-www-form-urlencoded (WHATWG URL
 * "application/x-www-form-urlencoded parsing") and multipart/form-data
 * (RFC 7578). The POST /request enrollment form and the revoke form on a
 * certificate page are read with it. The bytes come straight from the
 * network (exchange.c caps a body at 64 KiB), so tests/fuzz/fuzz_form.c
 * fuzzes this file on its own.
 *
 * No dependency on the HTTP layer: the caller passes the Content-Type
 * header value and the body.
 */
#ifndef PRIVCA_FORM_H
#define PRIVCA_FORM_H

#include <stdbool.h>
#include <stddef.h>

/* Most fields one form may have; one more makes the form malformed. */
#define FORM_MAX 12

/*
 * A parsed form: f[0..n) in the order the fields came. name and value are
 * owned by the form (form_free). value is NUL-terminated at value[len] but
 * may hold NULs before it (an uploaded DER file); name is a C string (a
 * name with a NUL in it ends there).
 */
struct form {
	struct {
		char *name;
		char *value;
		size_t len;
	} f[FORM_MAX];
	size_t n;
};

/*
 * Parse body (len bytes, not NUL-terminated; NULL only with len 0) as the
 * form content_type announces:
 *   "application/x-www-form-urlencoded..." name=value pairs split at '&',
 *       '+' and %XX decoded; a malformed %-escape is kept as it is;
 *   "multipart/form-data; boundary=B..." parts between "--B" lines, each
 *       named by its Content-Disposition name parameter; the part must end
 *       in CRLF "--B", and the form in "--B--".
 * Prefixes match case-insensitively. f must be zeroed ({0}) or freed.
 *
 * Returns true for a well-formed form. False for a NULL or other content
 * type, a missing or longer than 70 bytes (RFC 2046 5.1.1) boundary, a
 * malformed or unterminated multipart body, more than FORM_MAX fields, or
 * out of memory. The fields read before the failure stay in f (the request
 * page refills its inputs from them), so form_free(f) in every case.
 */
bool form_parse_body(const char *content_type, const char *body, size_t len, struct form *f)
    __attribute__((warn_unused_result));

/*
 * The value of the first field called name, or NULL if there is none. If
 * len is not NULL it gets the value's length (0 if none). The pointer is
 * owned by f and valid until form_free(f).
 */
const char *form_get(const struct form *f, const char *name, size_t *len);

/* Free every field of f and leave it empty (n = 0), ready for reuse. */
void form_free(struct form *f);

#endif
