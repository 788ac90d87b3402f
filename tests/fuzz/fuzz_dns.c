/*
 * Fuzz the DNS reply handling that is ours (ca/acme/resolver.c): the message
 * reader for each record type the validators ask for, TXT string joining,
 * CAA record and issue-value parsing. c-ares only carries the bytes. Every
 * pointer handed back must stay inside the input, every string must be
 * terminated within its buffer; abort() otherwise.
 *
 * Seeds (tests/fuzz/dns/): replies captured from pebble-challtestsrv (A,
 * AAAA, two TXT records, three CAA properties) and crafted ones (a CNAME
 * chain with compression, a critical unknown CAA tag, NXDOMAIN).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme/resolver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const uint8_t *base, size_t n, const uint8_t *p, size_t len)
{
	if (len > 0 && (p < base || p > base + n || len > (size_t)(base + n - p)))
		abort();
}

static void issuer(const uint8_t *v, size_t n)
{
	char name[256], methods[128];
	if (!dns_caa_issuer(v, n, name, sizeof(name), methods, sizeof(methods)))
		return;
	if (memchr(name, 0, sizeof(name)) == NULL || memchr(methods, 0, sizeof(methods)) == NULL)
		abort();
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '.'))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = {DNS_T_A, DNS_T_AAAA, DNS_T_TXT, DNS_T_CAA, DNS_T_CNAME};
	struct dns_reply rep;

	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		if (!dns_reply_parse(data, size, types[t], &rep))
			continue;
		if (rep.n > DNS_RR_MAX || rep.rcode > 15)
			abort();
		for (size_t i = 0; i < rep.n; i++) {
			const struct dns_rr *rr = &rep.rr[i];
			inside(data, size, rr->data, rr->len);
			if (types[t] == DNS_T_TXT) {
				char txt[1024];
				if (dns_txt_join(rr, txt, sizeof(txt)) &&
				    strlen(txt) >= sizeof(txt))
					abort();
			} else if (types[t] == DNS_T_CAA) {
				struct dns_caa caa;
				if (!dns_caa_parse(rr, &caa))
					continue;
				size_t tl = strlen(caa.tag);
				if (tl < 1 || tl > 15)
					abort();
				inside(rr->data, rr->len, caa.value, caa.value_len);
				issuer(caa.value, caa.value_len);
			}
		}
	}
	/* The issue-value grammar on its own, over the raw bytes. */
	issuer(data, size);
	return 0;
}
