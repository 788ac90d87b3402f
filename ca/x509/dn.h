/*
 * Distinguished Names: printing a Name DER as an RFC 4514 string, building
 * one from "CN=x,O=y" for privca init, and dropping a CN RDN that is not one
 * of the certificate's names (design section 3).
 */
#ifndef PRIVCA_DN_H
#define PRIVCA_DN_H

#include <stdbool.h>
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
 * ST, DC, emailAddress (keys case-insensitive). Values as UTF8String, C as
 * PrintableString (two letters, upper-cased), DC and emailAddress as
 * IA5String. '+' joins AVAs into one RDN; "\," "\+" "\\" "\XX" escape;
 * unescaped spaces around keys and values are dropped. Lengths are limited
 * to RFC 5280's upper bounds (CN, O, OU: 64 characters). *der is freed with
 * free(). CA_ERR_BAD_REQUEST with a sentence in err, or CA_ERR_NOMEM.
 */
enum ca_err dn_from_string(const char *s, uint8_t **der, size_t *len, struct ca_error *err) CA_WUR;

/*
 * Copy name, leaving out every RDN that holds a CN whose value is not in
 * names (compared ASCII case-insensitively; a CN that does not decode to
 * text counts as not in names; a multi-valued RDN goes as a whole). The
 * RDNs kept are copied byte for byte. *out freed with free(). An empty
 * result is an empty SEQUENCE (0x30 0x00). CA_ERR_BAD_CSR for a malformed
 * Name, CA_ERR_NOMEM.
 */
enum ca_err dn_drop_foreign_cn(const uint8_t *name, size_t len, const char *const *names, size_t n,
			       uint8_t **out, size_t *out_len) CA_WUR;

/*
 * True if name is exactly one well-formed Name TLV: a SEQUENCE of non-empty
 * SETs of SEQUENCE { OID, one value }, nothing left over anywhere.
 */
bool dn_valid(const uint8_t *name, size_t len);

/*
 * Decode a directory string value (content bytes p, n of a UTF8String,
 * PrintableString, IA5String, VisibleString, NumericString, TeletexString
 * (as UTF-8 if it is valid UTF-8, else as Latin-1), BMPString (UTF-16BE)
 * or UniversalString (UCS-4)) into a NUL-terminated UTF-8 *out (free()).
 * CA_ERR_BAD_REQUEST if the tag is not one of those, the bytes do not
 * decode, or the text holds a NUL; CA_ERR_NOMEM.
 */
enum ca_err dn_string_utf8(uint8_t tag, const uint8_t *p, size_t n, char **out) CA_WUR;

/*
 * The value of the last CN (in DER order: the most specific) of a Name as
 * UTF-8 in *cn (free()), or NULL if the Name has no CN. CA_ERR_BAD_REQUEST
 * if the Name is malformed or that CN does not decode (see dn_string_utf8).
 */
enum ca_err dn_last_cn(const uint8_t *name, size_t len, char **cn) CA_WUR;

#endif
