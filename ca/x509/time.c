/*
 * The code in this file implements time for certificates: UTCTime and
 * GeneralizedTime (RFC 5280 4.1.2.5) written and read, the civil calendar
 * they need without libc's time zones, and RFC 3339 for people.
 */
#include <stdio.h>
#include <string.h>

#include "privca/ca.h"
#include "x509/der.h"

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

void ca_time_rfc3339(int64_t t, char buf[21])
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400, y;
	unsigned m, d;
	der_civil_from_days(days, &y, &m, &d);
	unsigned yy = y < 0 ? 0 : y > 9999 ? 9999 : (unsigned)y, s = (unsigned)secs;
	snprintf(buf, 21, "%04u-%02u-%02uT%02u:%02u:%02uZ", yy % 10000, m % 13, d % 32,
		 s / 3600 % 24, s / 60 % 60, s % 60);
}
