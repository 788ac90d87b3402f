/*
 * The small DER writer and reader that wolfSSL 5.5.4 lacks for what a CA
 * must encode exactly: TBSCertificate, TBSCertList, OCSP ResponseData,
 * PKCS#7 certs-only; and for reading CSRs and OCSP requests.
 *
 * Writer: errors are sticky (BearSSL style). Every call on a failed writer
 * is a no-op and der_finish reports the failure once, so encoders are
 * straight-line code. Constructed values are opened with der_begin and
 * closed with der_end; the length is patched in place.
 *
 * Reader: only definite, minimally encoded lengths and one-byte tags (tag
 * numbers below 31), which is all X.509, PKCS#10 and OCSP use. Anything else
 * is a parse error, never undefined behaviour.
 */
#ifndef PRIVCA_DER_H
#define PRIVCA_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Universal tags and the class/constructed bits. */
#define DER_BOOLEAN	    0x01
#define DER_INTEGER	    0x02
#define DER_BIT_STRING	    0x03
#define DER_OCTET_STRING    0x04
#define DER_NULL	    0x05
#define DER_OID		    0x06
#define DER_ENUMERATED	    0x0a
#define DER_UTF8STRING	    0x0c
#define DER_PRINTABLESTRING 0x13
#define DER_IA5STRING	    0x16
#define DER_UTCTIME	    0x17
#define DER_GENERALIZEDTIME 0x18
#define DER_BMPSTRING	    0x1e
#define DER_SEQUENCE	    0x30
#define DER_SET		    0x31
#define DER_CTX(n)	    (0x80 | (n)) /* [n] IMPLICIT primitive */
#define DER_CTX_CONS(n)	    (0xa0 | (n)) /* [n] constructed */

/* Largest value the writer will produce (guards size_t arithmetic). */
#define DER_MAX_LEN ((size_t)1 << 30)

struct der_w {
	uint8_t *buf;
	size_t len, cap;
	bool failed;
};

/* A writer starts zeroed: struct der_w w = {0}; der_free releases it. */
void der_free(struct der_w *w);

/* Open a constructed value; returns the mark to pass to der_end. */
size_t der_begin(struct der_w *w, uint8_t tag);
/* The same, with room for the length of a content of about hint bytes: a
 * big value whose size is known roughly is then not moved by der_end. */
size_t der_begin_hint(struct der_w *w, uint8_t tag, size_t hint);
void der_end(struct der_w *w, size_t mark);

void der_raw(struct der_w *w, const void *p, size_t n);
void der_tlv(struct der_w *w, uint8_t tag, const void *p, size_t n);
/* A non-negative INTEGER from big-endian magnitude bytes (leading zeros
 * stripped, 0x00 prepended when the top bit is set). */
void der_uint_bytes(struct der_w *w, uint8_t tag, const uint8_t *p, size_t n);
void der_uint(struct der_w *w, uint64_t v);
void der_bool(struct der_w *w, bool v);
void der_null(struct der_w *w);
/* OID from its encoded content bytes (see the DER_OID_* strings in oid.h). */
void der_oid(struct der_w *w, const uint8_t *content, size_t n);
/* BIT STRING with no unused bits. */
void der_bits(struct der_w *w, const uint8_t *p, size_t n);
/* RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
void der_time(struct der_w *w, int64_t t);
void der_gentime(struct der_w *w, int64_t t);

/*
 * Hand the encoding to the caller (free()) and reset the writer. Returns
 * false (and frees) if any call failed (out of memory, too long, unbalanced).
 */
bool der_finish(struct der_w *w, uint8_t **out, size_t *len) __attribute__((warn_unused_result));

struct der_r {
	const uint8_t *p; /* what is left to read */
	size_t len;
};

/* One element: its tag, its content, and the whole TLV (for verbatim copy). */
struct der_elem {
	uint8_t tag;
	const uint8_t *val;
	size_t len;
	const uint8_t *tlv;
	size_t tlv_len;
};

/* Read the next element; false at the end or on malformed input. */
bool der_next(struct der_r *r, struct der_elem *e) __attribute__((warn_unused_result));
/* Read the next element, which must have tag. */
bool der_expect(struct der_r *r, uint8_t tag, struct der_elem *e)
    __attribute__((warn_unused_result));
/* True if the next element has tag (without consuming it). */
bool der_peek(const struct der_r *r, uint8_t tag);
/* A reader over an element's content. */
struct der_r der_in(const struct der_elem *e);
/* An element's content as a non-negative INTEGER that fits u64. */
bool der_get_uint(const struct der_elem *e, uint64_t *v) __attribute__((warn_unused_result));
/* Parse UTCTime or GeneralizedTime (Z only) into Unix seconds. */
bool der_get_time(const struct der_elem *e, int64_t *t) __attribute__((warn_unused_result));
bool der_oid_eq(const struct der_elem *e, const uint8_t *oid, size_t n);
/*
 * Dotted decimal (X.690 8.19) of the n OID content bytes at p, into out
 * (cap bytes, NUL-terminated). False, with out "?", when the bytes are not
 * an OID (empty, an arc over 64 bits, a last byte with the high bit) or
 * the text does not fit.
 */
bool der_oid_text(const uint8_t *p, size_t n, char *out, size_t cap);

/* Days-from-civil (proleptic Gregorian) and back, for times without libc TZ. */
int64_t der_days_from_civil(int64_t y, unsigned m, unsigned d);
void der_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#endif
