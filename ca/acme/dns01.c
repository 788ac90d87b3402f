/*
 * The code in this file implements the dns-01 check (RFC 8555 8.4): a TXT
 * record at _acme-challenge.NAME whose value is base64url(SHA-256(key
 * authorization)). Any one matching record suffices; others may sit beside
 * it (a client validating several orders at once).
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "resolver.h"

void dns01_check(const struct acme_check_cfg *cfg, const struct acme_check *c, int64_t deadline,
		 struct acme_check_result *r)
{
	char name[300], want[44], first[256] = "";
	struct dns_answer a;

	check_key_auth_digest(c->key_auth, want);
	if (want[0] == '\0') {
		check_fail(r, "serverInternal", "could not hash the key authorization");
		return;
	}
	if ((size_t)snprintf(name, sizeof(name), "_acme-challenge.%s", c->identifier) >=
	    sizeof(name)) {
		check_fail(r, "serverInternal", "name too long");
		return;
	}
	resolver_lookup(cfg->dns_server, name, DNS_T_TXT, deadline, &a);
	switch (a.status) {
	case DNS_FAIL:
		check_fail(r, "dns", "DNS problem: %s", a.err);
		goto out;
	case DNS_NXDOMAIN:
		check_fail(r, "dns", "DNS problem: NXDOMAIN looking up TXT for %s", name);
		goto out;
	case DNS_OK:
		break;
	}
	size_t seen = 0;
	for (size_t i = 0; i < a.reply.n; i++) {
		char txt[1024];
		if (!dns_txt_join(&a.reply.rr[i], txt, sizeof(txt)))
			continue; /* too long or with NUL: cannot be the 43 characters wanted */
		if (strcmp(txt, want) == 0) {
			r->valid = true;
			goto out;
		}
		if (seen++ == 0)
			check_quote(first, sizeof(first) < 120 ? sizeof(first) : 120,
				    (const uint8_t *)txt, strlen(txt));
	}
	if (a.reply.n == 0)
		check_fail(r, "unauthorized", "no TXT record found at %s", name);
	else
		check_fail(
		    r, "incorrectResponse",
		    "incorrect TXT record \"%s\"%s found at %s (%zu records; expected \"%s\")",
		    first, seen > 1 ? " and others" : "", name, a.reply.n + a.reply.dropped, want);
out:
	dns_answer_free(&a);
}
