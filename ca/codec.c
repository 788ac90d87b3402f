/*
 * The code in this file implements hex, base64 and PEM (codec.h).
 */
#include "codec.h"
#include "privca/ca.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char hexdig[] = "0123456789abcdef";

void hex_encode(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdig[p[i] >> 4];
		out[2 * i + 1] = hexdig[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* A digit's value + 1, 0 for anything else: one load per digit, for the
 * million serials of a CRL. */
static const uint8_t hex_plus1[256] = {
    ['0'] = 1,	['1'] = 2,  ['2'] = 3,	['3'] = 4,  ['4'] = 5,	['5'] = 6,  ['6'] = 7,	['7'] = 8,
    ['8'] = 9,	['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int hexval(unsigned char c)
{
	return (int)hex_plus1[c] - 1;
}

bool hex_decode(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hexval((unsigned char)s[2 * i]);
		int lo = hi < 0 ? -1 : hexval((unsigned char)s[2 * i + 1]);
		if (lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return s[2 * n] == '\0';
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

bool b64_decode(const uint8_t *in, size_t n, uint8_t **out, size_t *out_len)
{
	uint8_t *buf = malloc(n / 4 * 3 + 3);
	if (buf == NULL)
		return false;
	size_t len = 0, pad = 0, ndata = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = in[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		int v = b64val(c);
		if (v < 0 || pad > 0)
			goto bad; /* bad byte, or data after padding */
		ndata++;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[len++] = (uint8_t)(acc >> bits);
		}
	}
	/*
	 * Leftover bits must be zero and fewer than a byte. Padding is
	 * optional, but when present it must complete the last 4-character
	 * group exactly ("Zg==", not "Zg=" or "Zm9v=").
	 */
	if (pad > 2 || bits >= 6 || (acc & ((1u << bits) - 1)) != 0)
		goto bad;
	if (pad > 0 && (ndata + pad) % 4 != 0)
		goto bad;
	*out = buf;
	*out_len = len;
	return true;
bad:
	free(buf);
	return false;
}

static char *b64_any(const uint8_t *in, size_t n, const char *alpha, bool pad)
{
	if (n > ((size_t)1 << 30))
		return NULL;
	char *s = malloc((n + 2) / 3 * 4 + 1);
	if (s == NULL)
		return NULL;
	size_t j = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		s[j++] = alpha[v >> 18 & 63];
		s[j++] = alpha[v >> 12 & 63];
		if (i + 1 < n)
			s[j++] = alpha[v >> 6 & 63];
		else if (pad)
			s[j++] = '=';
		if (i + 2 < n)
			s[j++] = alpha[v & 63];
		else if (pad)
			s[j++] = '=';
	}
	s[j] = '\0';
	return s;
}

char *b64_encode(const uint8_t *in, size_t n)
{
	return b64_any(in, n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
		       true);
}

char *b64url_encode(const uint8_t *in, size_t n)
{
	return b64_any(in, n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
		       false);
}

static const uint8_t *find(const uint8_t *h, size_t hn, const char *needle)
{
	size_t nn = strlen(needle);
	for (size_t i = 0; nn <= hn && i <= hn - nn; i++)
		if (h[i] == (uint8_t)needle[0] && memcmp(h + i, needle, nn) == 0)
			return h + i;
	return NULL;
}

bool pem_looks(const uint8_t *in, size_t n)
{
	return find(in, n, "-----BEGIN ") != NULL;
}

bool pem_decode(const uint8_t *in, size_t n, const char *const *labels, uint8_t **der,
		size_t *der_len)
{
	const uint8_t *p = in, *end = in + n;
	while ((p = find(p, (size_t)(end - p), "-----BEGIN ")) != NULL) {
		const uint8_t *label = p + 11;
		const uint8_t *dash = find(label, (size_t)(end - label), "-----");
		if (dash == NULL)
			return false;
		size_t llen = (size_t)(dash - label);
		for (const char *const *l = labels; *l; l++) {
			if (strlen(*l) != llen || memcmp(*l, label, llen) != 0)
				continue;
			const uint8_t *body = dash + 5;
			const uint8_t *stop = find(body, (size_t)(end - body), "-----END ");
			if (stop == NULL)
				return false;
			/* RFC 7468 explanatory headers ("Proc-Type:") are not supported. */
			if (!b64_decode(body, (size_t)(stop - body), der, der_len))
				return false;
			if (*der_len == 0) {
				free(*der); /* an empty block is no block */
				*der = NULL;
				return false;
			}
			return true;
		}
		p = dash + 5;
	}
	return false;
}

char *pem_encode(const char *label, const uint8_t *der, size_t n)
{
	char *b = b64_encode(der, n);
	if (b == NULL)
		return NULL;
	size_t blen = strlen(b), llen = strlen(label);
	size_t cap = blen + blen / 64 + 2 + 2 * (llen + 16) + 1;
	char *s = malloc(cap);
	if (s == NULL) {
		free(b);
		return NULL;
	}
	char *o = s;
	o += sprintf(o, "-----BEGIN %s-----\n", label);
	for (size_t i = 0; i < blen; i += 64) {
		size_t k = blen - i < 64 ? blen - i : 64;
		memcpy(o, b + i, k);
		o += k;
		*o++ = '\n';
	}
	sprintf(o, "-----END %s-----\n", label);
	free(b);
	return s;
}

/* The front-ends' view of the codecs (ca.h). */
char *ca_pem(const char *label, const uint8_t *der, size_t len)
{
	return pem_encode(label, der, len);
}

bool ca_base64_decode(const char *s, uint8_t **out, size_t *len)
{
	return b64_decode((const uint8_t *)s, strlen(s), out, len);
}

/* The one serial validator (codec.h, ca.h). */
bool ca_serial_norm(const char *in, char out[33])
{
	size_t n = strlen(in);
	if (n != 32)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = in[i];
		if (ch >= 'A' && ch <= 'F')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return false;
		out[i] = ch;
	}
	out[32] = '\0';
	return true;
}
