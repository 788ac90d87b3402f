/*
 * The code in this file implements the DER writer and reader of der.h.
 */
#include "der.h"

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
 * the content offset. der_end shifts the content right when the final
 * length needs more than one byte.
 */
size_t der_begin(struct der_w *w, uint8_t tag)
{
	if (!reserve(w, 2))
		return 0;
	w->buf[w->len++] = tag;
	w->buf[w->len++] = 0;
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
	size_t n = w->len - mark;
	size_t k = lenlen(n);
	if (k > 1) {
		if (!reserve(w, k - 1))
			return;
		memmove(w->buf + mark + k - 1, w->buf + mark, n);
		w->len += k - 1;
	}
	put_len(w->buf + mark - 1, n, k);
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

int64_t der_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Howard Hinnant's algorithm: exact for the proleptic Gregorian calendar. */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void der_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void put_time(struct der_w *w, int64_t t, bool utc)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400;
	int64_t y;
	unsigned m, d;
	der_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		w->failed = true;
		return;
	}
	uint8_t b[15];
	size_t i = 0;
	if (!utc) {
		b[i++] = (uint8_t)('0' + y / 1000);
		b[i++] = (uint8_t)('0' + y / 100 % 10);
	}
	unsigned f[6] = {
	    (unsigned)(y % 100),  m, d, (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60),
	    (unsigned)(secs % 60)};
	for (int k = 0; k < 6; k++) {
		b[i++] = (uint8_t)('0' + f[k] / 10);
		b[i++] = (uint8_t)('0' + f[k] % 10);
	}
	b[i++] = 'Z';
	der_tlv(w, utc ? DER_UTCTIME : DER_GENERALIZEDTIME, b, i);
}

/* RFC 5280 4.1.2.5: UTCTime for 1950-01-01 up to 2050-01-01, exclusive. */
#define UTCTIME_START INT64_C(-631152000)
#define UTCTIME_END   INT64_C(2524608000)

void der_time(struct der_w *w, int64_t t)
{
	put_time(w, t, t >= UTCTIME_START && t < UTCTIME_END);
}

void der_gentime(struct der_w *w, int64_t t)
{
	put_time(w, t, false);
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

static bool digits(const uint8_t *p, size_t n, unsigned *out)
{
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	*out = v;
	return true;
}

bool der_get_time(const struct der_elem *e, int64_t *t)
{
	const uint8_t *p = e->val;
	unsigned y, mo, d, h, mi, s;
	int64_t year;
	if (e->tag == DER_UTCTIME && e->len == 13) {
		if (!digits(p, 2, &y))
			return false;
		year = y < 50 ? 2000 + y : 1900 + y;
		p += 2;
	} else if (e->tag == DER_GENERALIZEDTIME && e->len == 15) {
		if (!digits(p, 4, &y))
			return false;
		year = y;
		p += 4;
	} else {
		return false;
	}
	if (!digits(p, 2, &mo) || !digits(p + 2, 2, &d) || !digits(p + 4, 2, &h) ||
	    !digits(p + 6, 2, &mi) || !digits(p + 8, 2, &s) || p[10] != 'Z')
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59)
		return false;
	/* No February 30th: the day must exist (it would otherwise roll over). */
	int64_t day = der_days_from_civil(year, mo, d);
	int64_t y2;
	unsigned m2, d2;
	der_civil_from_days(day, &y2, &m2, &d2);
	if (m2 != mo || d2 != d)
		return false;
	*t = day * 86400 + h * 3600 + mi * 60 + s;
	return true;
}

bool der_oid_eq(const struct der_elem *e, const uint8_t *oid, size_t n)
{
	return e->tag == DER_OID && e->len == n && memcmp(e->val, oid, n) == 0;
}
