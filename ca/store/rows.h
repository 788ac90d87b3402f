/*
 * Backend-neutral row helpers shared by every store implementation: name
 * lists as one column, the list cursor, and struct ca_cert from column
 * values. Nothing here touches a database. Private to ca/store/.
 */
#ifndef PRIVCA_STORE_ROWS_H
#define PRIVCA_STORE_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* v[0..n) joined with sep into a new string (free it); NULL on no memory. */
char *rows_join(char *const *v, size_t n, char sep);
/* s split at sep into *out (n strings, each and the array malloc'd; free
 * both); s NULL or empty: none. false on no memory, nothing to free. */
bool rows_split(const char *s, char sep, char ***out, size_t *n);
/* Free v[0..n) and v. */
void rows_strv_free(char **v, size_t n);

/*
 * A list cursor: the order it belongs to ('i' issue, 'e' expiry, 'r' a
 * search paged by the tie-breaker alone), the sort key, and the backend's
 * tie-breaker (positive). Text: "i<key>_<tie>", "e<key>_<tie>", "r<tie>".
 */
struct rows_cursor {
	char order;
	int64_t key, tie;
};
/* Parse text as a cursor of `order`; false if it is not one. */
bool rows_cursor_decode(const char *text, char order, struct rows_cursor *out);
/* The text of c, malloc'd (free it); NULL on no memory. */
char *rows_cursor_encode(const struct rows_cursor *c);

/* The column values of one certificate row, as a backend reads them. The
 * strings are the backend's (NULL reads as ""); der NULL: without DER. */
struct rows_cert_cols {
	const char *serial, *subject, *dns, *ips, *profile, *requester, *fingerprint, *status;
	int64_t not_before, not_after, revoked_at, created_at;
	int reason;
	const void *der;
	size_t der_len;
};
/*
 * A new struct ca_cert from k, its status computed against now. A row
 * this CA could not have written (unknown profile or reason, a serial or
 * fingerprint of the wrong size, der missing when wanted) is CA_ERR_STORE
 * naming the row; CA_ERR_NOMEM. *out freed with ca_cert_free.
 */
enum ca_err rows_cert(const struct rows_cert_cols *k, bool with_der, int64_t now,
		      struct ca_cert **out, struct ca_error *err);
/* The reason column v of row serial: CA_ERR_STORE if it is not a reason. */
enum ca_err rows_reason(int v, const char *serial, enum ca_reason *out, struct ca_error *err);
/* The serial column as bytes for the CRL: CA_ERR_STORE naming it if it is
 * not 1..20 bytes of hex. */
enum ca_err rows_serial_bytes(const char *hex, struct crl_entry *out, struct ca_error *err);

/* A text column lowered (ASCII) into a new string; NULL on no memory. */
char *rows_lower(const char *s);

/* Every backend's refusals of a tidy step (struct store_tidy): a `before`
 * after now, a limit outside 1..100000 (unless dry_run). CA_ERR_BAD_REQUEST
 * saying which, else CA_OK. */
enum ca_err rows_tidy_check(const struct store_tidy *t, struct ca_error *err);
/* The detail of the 'tidy' event of a step that deleted n, into buf (size
 * at least 128). */
void rows_tidy_detail(const struct store_tidy *t, uint64_t n, char *buf, size_t size);

#endif
