/*
 * The code in this file implements the DER writer and reader of der.h.
 */
#include "x509/der.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void der_free(struct der_w *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

static bool reserve(struct der_w *w, size_t n)
{
	if (w->failed)
		return false;
	if (n > DER_MAX_LEN || w->len > DER_MAX_LEN - n) {
		w->failed = true;
		return false;
	}
	if (w->len + n <= w->cap)
		return true;
	size_t cap = w->cap ? w->cap : 256;
	while (cap < w->len + n)
		cap *= 2;
	uint8_t *p = realloc(w->buf, cap);
	if (p == NULL) {
		w->failed = true;
		return false;
	}
	w->buf = p;
	w->cap = cap;
	return true;
}

void der_raw(struct der_w *w, const void *p, size_t n)
{
	if (n == 0 || !reserve(w, n))
		return;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

/* Encoded size of a length field. */
static size_t lenlen(size_t n)
{
	size_t k = 1;
	if (n >= 0x80)
		for (size_t v = n; v; v >>= 8)
			k++;
	return k;
}

static void put_len(uint8_t *out, size_t n, size_t k)
{
	if (k == 1) {
		out[0] = (uint8_t)n;
		return;
	}
	out[0] = (uint8_t)(0x80 | (k - 1));
	for (size_t i = k - 1; i >= 1; i--, n >>= 8)
		out[i] = (uint8_t)(n & 0xff);
}

void der_tlv(struct der_w *w, uint8_t tag, const void *p, size_t n)
{
	size_t k = lenlen(n);
	if (n > DER_MAX_LEN) {
		w->failed = true; /* never drop a value silently */
		return;
	}
	if (!reserve(w, 1 + k + n))
		return;
	w->buf[w->len] = tag;
	put_len(w->buf + w->len + 1, n, k);
	if (n)
		memcpy(w->buf + w->len + 1 + k, p, n);
	w->len += 1 + k + n;
}

/*
 * der_begin writes the tag and a one-byte length placeholder; the mark is
 * the content offset. der_begin_hint reserves the length octets a content
 * of about hint bytes needs, and notes how many in the last of them (the
 * placeholder: 0 means one). der_end moves the content only when the final
 * length needs another number of octets than were reserved: a hint that is
 * right saves moving a 40 MB CRL.
 */
size_t der_begin(struct der_w *w, uint8_t tag)
{
	if (!reserve(w, 2))
		return 0;
	w->buf[w->len++] = tag;
	w->buf[w->len++] = 0;
	return w->len;
}

size_t der_begin_hint(struct der_w *w, uint8_t tag, size_t hint)
{
	size_t k = lenlen(hint);
	if (!reserve(w, 1 + k))
		return 0;
	w->buf[w->len++] = tag;
	memset(w->buf + w->len, 0, k);
	w->len += k;
	w->buf[w->len - 1] = (uint8_t)(k > 1 ? k : 0);
	return w->len;
}

void der_end(struct der_w *w, size_t mark)
{
	if (w->failed)
		return;
	if (mark < 2 || mark > w->len) {
		w->failed = true;
		return;
	}
	size_t k0 = w->buf[mark - 1] ? w->buf[mark - 1] : 1; /* octets reserved */
	if (k0 > 5 || mark < 1 + k0) {
		w->failed = true;
		return;
	}
	size_t n = w->len - mark;
	size_t k = lenlen(n);
	if (k > k0) {
		if (!reserve(w, k - k0))
			return;
		memmove(w->buf + mark + (k - k0), w->buf + mark, n);
		w->len += k - k0;
	} else if (k < k0) {
		memmove(w->buf + mark - (k0 - k), w->buf + mark, n);
		w->len -= k0 - k;
	}
	put_len(w->buf + mark - k0, n, k);
}

void der_uint_bytes(struct der_w *w, uint8_t tag, const uint8_t *p, size_t n)
{
	while (n > 1 && p[0] == 0) {
		p++;
		n--;
	}
	if (n == 0) {
		der_tlv(w, tag, "\x00", 1);
		return;
	}
	if (p[0] & 0x80) {
		size_t m = der_begin(w, tag);
		der_raw(w, "\x00", 1);
		der_raw(w, p, n);
		der_end(w, m);
		return;
	}
	der_tlv(w, tag, p, n);
}

void der_uint(struct der_w *w, uint64_t v)
{
	uint8_t b[8];
	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)(v & 0xff);
	der_uint_bytes(w, DER_INTEGER, b, sizeof(b));
}

void der_bool(struct der_w *w, bool v)
{
	der_tlv(w, DER_BOOLEAN, v ? "\xff" : "\x00", 1);
}

void der_null(struct der_w *w)
{
	der_tlv(w, DER_NULL, NULL, 0);
}

void der_oid(struct der_w *w, const uint8_t *content, size_t n)
{
	der_tlv(w, DER_OID, content, n);
}

void der_bits(struct der_w *w, const uint8_t *p, size_t n)
{
	size_t m = der_begin(w, DER_BIT_STRING);
	der_raw(w, "\x00", 1);
	der_raw(w, p, n);
	der_end(w, m);
}

bool der_finish(struct der_w *w, uint8_t **out, size_t *len)
{
	if (w->failed) {
		der_free(w);
		return false;
	}
	if (w->buf == NULL) {
		w->buf = malloc(1);
		if (w->buf == NULL)
			return false;
	}
	*out = w->buf;
	*len = w->len;
	memset(w, 0, sizeof(*w));
	return true;
}

bool der_next(struct der_r *r, struct der_elem *e)
{
	if (r->len < 2)
		return false;
	const uint8_t *p = r->p;
	uint8_t tag = p[0];
	if ((tag & 0x1f) == 0x1f)
		return false; /* multi-byte tags are not used by anything we read */
	size_t n, hdr;
	if (p[1] < 0x80) {
		n = p[1];
		hdr = 2;
	} else {
		size_t k = p[1] & 0x7f;
		if (k == 0 || k > 4 || r->len < 2 + k)
			return false; /* indefinite, or longer than 4 GiB */
		if (p[2] == 0)
			return false; /* not minimal */
		n = 0;
		for (size_t i = 0; i < k; i++)
			n = (n << 8) | p[2 + i];
		if (n < 0x80)
			return false; /* not minimal */
		hdr = 2 + k;
	}
	if (n > r->len - hdr)
		return false;
	e->tag = tag;
	e->val = p + hdr;
	e->len = n;
	e->tlv = p;
	e->tlv_len = hdr + n;
	r->p += hdr + n;
	r->len -= hdr + n;
	return true;
}

bool der_expect(struct der_r *r, uint8_t tag, struct der_elem *e)
{
	struct der_r save = *r;
	if (!der_next(r, e) || e->tag != tag) {
		*r = save;
		return false;
	}
	return true;
}

bool der_peek(const struct der_r *r, uint8_t tag)
{
	return r->len > 0 && r->p[0] == tag;
}

struct der_r der_in(const struct der_elem *e)
{
	struct der_r r = {e->val, e->len};
	return r;
}

bool der_get_uint(const struct der_elem *e, uint64_t *v)
{
	if (e->len == 0 || (e->val[0] & 0x80))
		return false;
	const uint8_t *p = e->val;
	size_t n = e->len;
	if (n > 1 && p[0] == 0) {
		if (!(p[1] & 0x80))
			return false; /* not minimal */
		p++;
		n--;
	}
	if (n > 8)
		return false;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++)
		x = (x << 8) | p[i];
	*v = x;
	return true;
}

bool der_oid_eq(const struct der_elem *e, const uint8_t *oid, size_t n)
{
	return e->tag == DER_OID && e->len == n && memcmp(e->val, oid, n) == 0;
}

bool der_oid_text(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	uint64_t v = 0;
	bool first = true;
	if (cap < 2)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (v > (UINT64_MAX >> 7))
			goto fail;
		v = v << 7 | (p[i] & 0x7f);
		if (p[i] & 0x80)
			continue;
		int w;
		if (first) {
			unsigned a = v < 40 ? 0 : v < 80 ? 1 : 2;
			w = snprintf(out + k, cap - k, "%u.%llu", a,
				     (unsigned long long)(v - 40u * a));
			first = false;
		} else {
			w = snprintf(out + k, cap - k, ".%llu", (unsigned long long)v);
		}
		if (w < 0 || (size_t)w >= cap - k)
			goto fail;
		k += (size_t)w;
		v = 0;
	}
	if (first || (p[n - 1] & 0x80))
		goto fail;
	return true;
fail:
	snprintf(out, cap, "?");
	return false;
}
