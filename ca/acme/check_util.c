/*
 * The code in this file implements the small pieces every challenge check
 * shares (challenge names, deadlines, the failure sentence, quoting what
 * the CA saw, the dns-01 digest), below validate.c and the checkers so that
 * none of them calls up into the pool.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>

#include "check.h"
#include "codec.h"
#include "crypto/hash.h"
#include "errors.h"
#include "internal.h"

static const char *const chall_names[ACME_CHALL_MAX] = {
    [ACME_CHALL_HTTP01] = "http-01",
    [ACME_CHALL_DNS01] = "dns-01",
    [ACME_CHALL_TLSALPN01] = "tls-alpn-01",
};

const char *acme_chall_name(enum acme_chall t)
{
	return (unsigned)t < ACME_CHALL_MAX ? chall_names[t] : "unknown";
}

bool acme_chall_parse(const char *s, enum acme_chall *out)
{
	for (int i = 0; i < ACME_CHALL_MAX; i++) {
		if (s != NULL && strcmp(s, chall_names[i]) == 0) {
			*out = (enum acme_chall)i;
			return true;
		}
	}
	return false;
}

int64_t check_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int check_left_ms(int64_t deadline)
{
	int64_t left = deadline - check_now_ms();
	if (left <= 0)
		return 0;
	return left > 3600000 ? 3600000 : (int)left;
}

void check_fail(struct acme_check_result *r, const char *problem, const char *fmt, ...)
{
	va_list ap;
	r->valid = false;
	r->problem = problem;
	va_start(ap, fmt);
	int n = vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
	if (n < 0)
		snprintf(r->detail, sizeof(r->detail), "%s", problem);
	/* Whatever went in, only printable ASCII comes out (a DNS or TLS error
	 * string may carry bytes a peer chose). */
	for (char *p = r->detail; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
}

void check_quote(char *out, size_t cap, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t w = 0;
	assert(cap >= 8);
	for (size_t i = 0; i < n; i++) {
		char tmp[4];
		size_t k = 0;
		uint8_t ch = p[i];
		if (ch == '"' || ch == '\\') {
			tmp[k++] = '\\';
			tmp[k++] = (char)ch;
		} else if (ch >= 0x20 && ch <= 0x7e) {
			tmp[k++] = (char)ch;
		} else {
			tmp[k++] = '\\';
			tmp[k++] = 'x';
			tmp[k++] = hex[ch >> 4];
			tmp[k++] = hex[ch & 15];
		}
		if (w + k + 4 > cap) { /* room for "..." and NUL */
			memcpy(out + w, "...", 3);
			w += 3;
			break;
		}
		memcpy(out + w, tmp, k);
		w += k;
	}
	out[w] = '\0';
}

void check_key_auth_digest(const char *key_auth, char out[44])
{
	uint8_t h[32];
	char *s = NULL;
	if (hash_sha256((const uint8_t *)key_auth, strlen(key_auth), h) == CA_OK)
		s = b64url_encode(h, sizeof(h));
	if (s == NULL || strlen(s) != 43) {
		out[0] = '\0'; /* matches no record: the check fails, never passes */
	} else {
		memcpy(out, s, 44);
	}
	free(s);
}

bool check_b64url_ok(const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return false;
	}
	return true;
}

/* A DNS name as the validators use it in URLs, SNI and queries: LDH labels. */
bool check_dns_name_ok(const char *s)
{
	size_t n = strlen(s), label = 0;
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return false;
		if (label == 0 && ch == '-')
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && s[n - 1] != '-';
}

/* The fixed-size fields must hold C strings of the right shape before any of them is used. */
