/*
 * Distinguished Names: printing a Name DER as an RFC 4514 string, building
 * one from "CN=x,O=y" for privca init, and dropping a CN RDN that is not one
 * of the certificate's names (design section 3).
 */
#ifndef PRIVCA_DN_H
#define PRIVCA_DN_H

#include <stddef.h>
#include <stdint.h>

#include "privca/ca.h"

/*
 * RFC 4514 string of a Name TLV ("CN=a,O=b", most significant RDN last as
 * the RFC says). Values that are not valid UTF-8 after decoding (BMPString
 * and UniversalString are converted) print as #hex. free(). NULL on a
 * malformed Name or no memory.
 */
char *dn_to_string(const uint8_t *name, size_t len);

/*
 * Name DER from "CN=x,O=y,..." (RFC 4514 order: first RDN printed is the
 * most specific, i.e. last in the DER). Supported keys: CN, O, OU, C, L,
 * ST, DC, emailAddress. Values as UTF8String, C as PrintableString.
 */
enum ca_err dn_from_string(const char *s, uint8_t **der, size_t *len, struct ca_error *err) CA_WUR;

/*
 * Copy name, leaving out every RDN that holds a CN whose value is not in
 * names (compared case-insensitively). *out freed with free(). An empty
 * result is an empty SEQUENCE (0x30 0x00).
 */
enum ca_err dn_drop_foreign_cn(const uint8_t *name, size_t len, const char *const *names,
			       size_t n, uint8_t **out, size_t *out_len) CA_WUR;

#endif
