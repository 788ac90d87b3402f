/*
 * The server's own TLS pair (tls.key, tls.pem in the CA directory):
 * issued at init, renewed, loaded and checked (tls.c). ca_tls_load and
 * ca_tls_renew are declared in privca/ca.h.
 */
#ifndef PRIVCA_TLS_H
#define PRIVCA_TLS_H

#include <stddef.h>

#include "names.h"
#include "privca/ca.h"

struct ca;

/*
 * The TLS certificate's names: localhost, 127.0.0.1, ::1 and the
 * hostnames of o, without repeats. *out freed with free(). A hostname
 * name_parse refuses: its error, nothing allocated.
 */
enum ca_err tls_names(const struct ca_init_opts *o, struct name **out, size_t *n,
		      struct ca_error *err) CA_WUR;

/*
 * Issue the server's TLS certificate (a new P-256 key whatever the CA
 * key) for names (from tls_names; names[3], the first extra hostname, is
 * the CN when o has one) and write tls.key (0600) and tls.pem, which must
 * not exist.
 */
enum ca_err tls_init(struct ca *ca, const struct ca_init_opts *o, const struct name *names,
		     size_t nnames, struct ca_error *err) CA_WUR;

#endif
