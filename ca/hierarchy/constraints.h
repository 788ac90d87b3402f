/*
 * Name constraints (RFC 5280 4.2.1.10) for an issuing intermediate: the
 * --permit / --exclude values an operator gives, the DER of the critical
 * nameConstraints extension, reading it back from a CA certificate, and the
 * check the issue path runs on every requested name before signing.
 *
 * Semantics, as X.509 defines them:
 *  - a DNS subtree "example.internal" (written "example.internal" or
 *    ".example.internal") holds the name itself and every name under it;
 *  - an IP subtree is a CIDR (address + mask octets in the certificate);
 *  - a name must be inside some permitted subtree of its own type, when
 *    there is any of that type (no IP subtrees: any IP passes that part);
 *  - an excluded subtree wins over a permitted one, and excludes the names
 *    under it; a wildcard "*.a.example" is refused when an excluded subtree
 *    lies under "a.example" (the wildcard would cover it).
 *
 * Pure functions over caller memory; struct nc owns its arrays (nc_free).
 */
#ifndef PRIVCA_CONSTRAINTS_H
#define PRIVCA_CONSTRAINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "x509/der.h"
#include "names.h"
#include "privca/ca.h"

/* Most subtrees of each kind (permitted, excluded) one CA carries. */
#define NC_MAX 64

enum nc_kind { NC_DNS, NC_IP };

struct nc_subtree {
	enum nc_kind kind;
	char dns[NAME_MAX_DNS + 1]; /* NC_DNS: lowercase, no leading dot */
	uint8_t addr[16], mask[16]; /* NC_IP: network address and mask */
	size_t alen;		    /* NC_IP: 4 or 16 */
};

struct nc {
	struct nc_subtree permit[NC_MAX], exclude[NC_MAX];
	size_t npermit, nexclude;
};

/*
 * Add one operator value to c (zeroed before the first call): a DNS suffix
 * ("example.internal", ".example.internal") or a CIDR ("10.0.0.0/8",
 * "fd00::/8", a bare address for one host). Refuses, with
 * CA_ERR_BAD_REQUEST and the reason, a wildcard, a malformed name, a CIDR
 * with host bits set, and more than NC_MAX values.
 */
enum ca_err nc_add(struct nc *c, bool exclude, const char *value, struct ca_error *err) CA_WUR;

/* True if c holds no subtree (then no extension is written). */
bool nc_empty(const struct nc *c);

/*
 * Write the whole Extension { nameConstraints, critical TRUE, OCTET STRING
 * { NameConstraints } } into w (sticky errors, as der.h).
 */
void nc_write_ext(const struct nc *c, struct der_w *w);

/*
 * Parse the extnValue content of a nameConstraints extension (the
 * NameConstraints SEQUENCE) into *c. Subtrees of other name types (email,
 * directoryName, URI) are refused with CA_ERR_BAD_REQUEST: privca cannot
 * enforce them, so it will not sign under them.
 */
enum ca_err nc_parse(const uint8_t *der, size_t n, struct nc *c, struct ca_error *err) CA_WUR;

/*
 * The name constraints of a CA certificate, from the content of its [3]
 * extensions element (exts, n: the SEQUENCE OF Extension). *out is NULL
 * when there is no nameConstraints extension, else allocated (free()).
 * Corrupt or unsupported constraints are CA_ERR_BAD_REQUEST: a CA that
 * cannot honour its own constraints must not sign.
 */
enum ca_err nc_from_exts(const uint8_t *exts, size_t n, struct nc **out,
			 struct ca_error *err) CA_WUR;

/*
 * Check the names a certificate is to carry. CA_ERR_NAME_NOT_ALLOWED with
 * a sentence naming the first name outside c; CA_OK if all are inside.
 */
enum ca_err nc_check(const struct nc *c, const struct name *names, size_t n,
		     struct ca_error *err) CA_WUR;

/* One value of c in the operator's form ("example.internal", "10.0.0.0/8"). */
void nc_subtree_str(const struct nc_subtree *s, char *buf, size_t cap);

#endif
