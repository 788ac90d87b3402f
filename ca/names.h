/*
 * Names a certificate may carry (DNS names, IP literals) and the token
 * patterns that allow them. Pure functions: no I/O, no allocation beyond
 * what the caller passes.
 */
#ifndef PRIVCA_NAMES_H
#define PRIVCA_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "privca/ca.h"

#define NAME_MAX_DNS 253

enum name_kind { NAME_DNS, NAME_IP };

struct name {
	enum name_kind kind;
	char text[NAME_MAX_DNS + 1]; /* canonical: lowercase DNS, or inet_ntop form */
	uint8_t ip[16];		     /* for NAME_IP: 4 or 16 bytes */
	size_t ip_len;
	bool wildcard; /* DNS name whose leftmost label is "*" */
};

/*
 * Validate and canonicalise one requested name. IP literals (IPv4 dotted
 * quad, IPv6) become NAME_IP. DNS names: LDH labels of 1..63 octets, total
 * at most 253, no leading/trailing hyphen, uppercase folded to lowercase,
 * one trailing dot dropped, "*" only as the whole leftmost label, IDNA
 * A-labels ("xn--") accepted, non-ASCII (U-labels) refused with a message
 * saying to send the xn-- form. CA_ERR_BAD_REQUEST with the reason.
 */
enum ca_err name_parse(const char *in, struct name *out, struct ca_error *err) CA_WUR;

/*
 * Check a token pattern: an exact DNS name, "*.suffix" (any name under
 * suffix), or ".suffix" (suffix itself and any name under it).
 */
enum ca_err pattern_check(const char *pattern, struct ca_error *err) CA_WUR;

/*
 * Does pattern allow n? Wildcard names match only "*.suffix" or ".suffix"
 * patterns that cover them, and only with allow_wildcard. IP names never
 * match a DNS pattern.
 */
bool pattern_match(const char *pattern, const struct name *n, bool allow_wildcard);

/* Check "a.b.c.d/len", "v6/len", or a bare address (a /32 or /128). */
enum ca_err cidr_check(const char *cidr, struct ca_error *err) CA_WUR;

/* Is the IP name n inside cidr? False for DNS names or a bad cidr. */
bool cidr_match(const char *cidr, const struct name *n);

#endif
