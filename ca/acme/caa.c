/*
 * The code in this file implements CAA checking (RFC 8659 3 and 4, with
 * RFC 8657's validationmethods). The relevant RRset is the CAA set of the
 * name itself or, climbing, of the nearest parent that has one; the root is
 * never asked. A look-up that fails (timeout, SERVFAIL) refuses issuance
 * (RFC 8659 3: a CA must not issue when it cannot tell).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "resolver.h"

/* Known tags that do not restrict issuance (RFC 8659 4.4, RFC 9495). */
static bool tag_known(const char *tag)
{
	static const char *const known[] = {"issue",	 "issuewild",	 "iodef",
					    "issuemail", "contactemail", "contactphone"};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcasecmp(tag, known[i]) == 0)
			return true;
	return false;
}

/* True if the comma-separated list methods names the check's type. */
static bool method_listed(const char *methods, const char *want)
{
	size_t wl = strlen(want);
	for (const char *p = methods; *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == wl && strncasecmp(p, want, l) == 0)
			return true;
		p += l + (e ? 1 : 0);
	}
	return false;
}

/*
 * Judge one non-empty RRset: 1 permitted, 0 refused (r filled). owner is the
 * name it was found at, for the detail.
 */
static int judge(const struct acme_check_cfg *cfg, const struct acme_check *c,
		 const struct dns_reply *rep, const char *owner, struct acme_check_result *r)
{
	bool any_issue = false, any_wild = false;
	struct dns_caa caa;

	for (size_t i = 0; i < rep->n; i++) {
		if (!dns_caa_parse(&rep->rr[i], &caa)) {
			check_fail(r, "caa", "malformed CAA record at %s", owner);
			return 0;
		}
		if ((caa.flags & 0x80) && !tag_known(caa.tag)) {
			check_fail(r, "caa", "CAA record at %s has the critical unknown tag \"%s\"",
				   owner, caa.tag);
			return 0;
		}
		if (strcasecmp(caa.tag, "issue") == 0)
			any_issue = true;
		if (strcasecmp(caa.tag, "issuewild") == 0)
			any_wild = true;
	}
	/* RFC 8659 4.3: issuewild, when present, governs wildcards alone. */
	const char *use = c->wildcard && any_wild ? "issuewild" : "issue";
	if (!(c->wildcard && any_wild) && !any_issue)
		return 1; /* no property restricts issuance (e.g. only iodef) */
	for (size_t i = 0; i < rep->n; i++) {
		char name[256], methods[128];
		if (!dns_caa_parse(&rep->rr[i], &caa) || strcasecmp(caa.tag, use) != 0)
			continue;
		if (!dns_caa_issuer(caa.value, caa.value_len, name, sizeof(name), methods,
				    sizeof(methods)))
			continue; /* a malformed value authorizes no one */
		if (strcasecmp(name, cfg->caa_identity) != 0)
			continue;
		if (methods[0] && !method_listed(methods, acme_chall_name(c->type)))
			continue;
		return 1;
	}
	check_fail(r, "caa", "CAA record for %s prevents issuance: no \"%s\" property names %s",
		   owner, use, cfg->caa_identity);
	return 0;
}

bool caa_check(const struct acme_check_cfg *cfg, const struct acme_check *c, int64_t deadline,
	       struct acme_check_result *r)
{
	const char *name = c->identifier;
	while (name != NULL && name[0] != '\0') {
		struct dns_answer a;
		resolver_lookup(cfg->dns_server, name, DNS_T_CAA, deadline, &a);
		if (a.status == DNS_FAIL) {
			check_fail(r, "dns", "DNS problem: CAA look-up failed: %s", a.err);
			dns_answer_free(&a);
			return false;
		}
		if (a.status == DNS_OK && a.reply.n > 0) {
			int v = judge(cfg, c, &a.reply, name, r);
			dns_answer_free(&a);
			return v == 1;
		}
		dns_answer_free(&a);
		name = strchr(name, '.');
		if (name != NULL)
			name++;
	}
	return true;
}
