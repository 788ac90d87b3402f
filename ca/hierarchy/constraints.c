/*
 * The code in this file implements name constraints (constraints.h):
 * RFC 5280 4.2.1.10. NameConstraints ::= SEQUENCE { permittedSubtrees [0]
 * GeneralSubtrees OPTIONAL, excludedSubtrees [1] GeneralSubtrees OPTIONAL },
 * GeneralSubtree ::= SEQUENCE { base GeneralName, minimum [0] DEFAULT 0,
 * maximum [1] OPTIONAL }; only dNSName [2] and iPAddress [7] bases.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "hierarchy/constraints.h"

#define OID_CE_NAME_CONSTRAINTS "\x55\x1d\x1e"
#define GN_DNS			0x82 /* [2] IMPLICIT IA5String */
#define GN_IP			0x87 /* [7] IMPLICIT OCTET STRING */

static enum ca_err add(struct nc *c, bool exclude, const struct nc_subtree *s, struct ca_error *err)
{
	struct nc_subtree *arr = exclude ? c->exclude : c->permit;
	size_t *n = exclude ? &c->nexclude : &c->npermit;
	if (*n >= NC_MAX)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "more than %d %s name constraints", NC_MAX,
			       exclude ? "excluded" : "permitted");
	arr[(*n)++] = *s;
	return CA_OK;
}

/* "a.b.c.d/len", "v6/len" or a bare address into s. */
static enum ca_err parse_cidr(const char *v, struct nc_subtree *s, struct ca_error *err)
{
	char addr[64];
	const char *slash = strchr(v, '/');
	size_t alen = slash ? (size_t)(slash - v) : strlen(v);
	if (alen == 0 || alen >= sizeof(addr))
		return ca_fail(err, CA_ERR_BAD_REQUEST, "'%s' is not an address or CIDR", v);
	memcpy(addr, v, alen);
	addr[alen] = 0;
	s->kind = NC_IP;
	if (inet_pton(AF_INET, addr, s->addr) == 1)
		s->alen = 4;
	else if (inet_pton(AF_INET6, addr, s->addr) == 1)
		s->alen = 16;
	else
		return ca_fail(err, CA_ERR_BAD_REQUEST, "'%s' is not an address or CIDR", v);
	unsigned bits = (unsigned)s->alen * 8;
	if (slash != NULL) {
		const char *p = slash + 1;
		unsigned b = 0;
		if (*p == 0 || strlen(p) > 3)
			return ca_fail(err, CA_ERR_BAD_REQUEST, "'%s': bad prefix length", v);
		for (; *p; p++) {
			if (*p < '0' || *p > '9')
				return ca_fail(err, CA_ERR_BAD_REQUEST, "'%s': bad prefix length",
					       v);
			b = b * 10 + (unsigned)(*p - '0');
		}
		if (b > bits)
			return ca_fail(err, CA_ERR_BAD_REQUEST, "'%s': prefix longer than %u bits",
				       v, bits);
		bits = b;
	}
	memset(s->mask, 0, sizeof(s->mask));
	for (unsigned i = 0; i < bits; i++)
		s->mask[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	for (size_t i = 0; i < s->alen; i++)
		if (s->addr[i] & ~s->mask[i])
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "'%s' has bits set outside its prefix; give the network "
				       "address",
				       v);
	return CA_OK;
}

enum ca_err nc_add(struct nc *c, bool exclude, const char *value, struct ca_error *err)
{
	struct nc_subtree s;
	struct name nm;
	enum ca_err rc;

	memset(&s, 0, sizeof(s));
	if (value == NULL || *value == 0)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "an empty name constraint");
	if (strchr(value, '/') != NULL || strchr(value, ':') != NULL ||
	    inet_pton(AF_INET, value, s.addr) == 1) {
		if ((rc = parse_cidr(value, &s, err)) != CA_OK)
			return rc;
		return add(c, exclude, &s, err);
	}
	if (value[0] == '*')
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "'%s': a name constraint is a DNS suffix, not a wildcard; write "
			       "'%s' (it holds the names under it)",
			       value, value[1] == '.' ? value + 1 : value);
	const char *v = value[0] == '.' ? value + 1 : value;
	if ((rc = name_parse(v, &nm, err)) != CA_OK)
		return rc;
	if (nm.kind != NAME_DNS || nm.wildcard)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "'%s' is not a DNS suffix", value);
	s.kind = NC_DNS;
	memcpy(s.dns, nm.text, sizeof(s.dns));
	return add(c, exclude, &s, err);
}

bool nc_empty(const struct nc *c)
{
	return c->npermit == 0 && c->nexclude == 0;
}

static void write_subtrees(struct der_w *w, uint8_t tag, const struct nc_subtree *s, size_t n)
{
	if (n == 0)
		return;
	size_t m = der_begin(w, tag);
	for (size_t i = 0; i < n; i++) {
		size_t st = der_begin(w, DER_SEQUENCE);
		if (s[i].kind == NC_DNS) {
			der_tlv(w, GN_DNS, s[i].dns, strlen(s[i].dns));
		} else {
			uint8_t b[32];
			memcpy(b, s[i].addr, s[i].alen);
			memcpy(b + s[i].alen, s[i].mask, s[i].alen);
			der_tlv(w, GN_IP, b, 2 * s[i].alen);
		}
		der_end(w, st);
	}
	der_end(w, m);
}

void nc_write_ext(const struct nc *c, struct der_w *w)
{
	size_t e = der_begin(w, DER_SEQUENCE);
	der_oid(w, (const uint8_t *)OID_CE_NAME_CONSTRAINTS, sizeof(OID_CE_NAME_CONSTRAINTS) - 1);
	der_bool(w, true); /* RFC 5280: conforming CAs MUST mark it critical */
	size_t os = der_begin(w, DER_OCTET_STRING);
	size_t seq = der_begin(w, DER_SEQUENCE);
	write_subtrees(w, DER_CTX_CONS(0), c->permit, c->npermit);
	write_subtrees(w, DER_CTX_CONS(1), c->exclude, c->nexclude);
	der_end(w, seq);
	der_end(w, os);
	der_end(w, e);
}

static enum ca_err read_subtrees(struct der_r r, bool exclude, struct nc *c, struct ca_error *err)
{
	struct der_elem st, base;
	enum ca_err rc;
	while (r.len > 0) {
		struct nc_subtree s;
		memset(&s, 0, sizeof(s));
		if (!der_expect(&r, DER_SEQUENCE, &st))
			return ca_fail(err, CA_ERR_BAD_REQUEST, "corrupt nameConstraints");
		struct der_r in = der_in(&st);
		if (!der_next(&in, &base))
			return ca_fail(err, CA_ERR_BAD_REQUEST, "corrupt nameConstraints");
		/* minimum must be 0 and maximum absent (RFC 5280); both are
		 * omitted by conforming CAs. */
		if (in.len != 0)
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "nameConstraints with minimum or maximum are not supported");
		if (base.tag == GN_DNS) {
			const char *p = (const char *)base.val;
			size_t n = base.len;
			if (n > 0 && p[0] == '.') { /* some CAs write ".example.com" */
				p++;
				n--;
			}
			if (n == 0 || n > NAME_MAX_DNS)
				return ca_fail(err, CA_ERR_BAD_REQUEST,
					       "corrupt dNSName in nameConstraints");
			s.kind = NC_DNS;
			for (size_t i = 0; i < n; i++) {
				char ch = p[i];
				if (ch <= ' ' || ch > '~')
					return ca_fail(err, CA_ERR_BAD_REQUEST,
						       "corrupt dNSName in nameConstraints");
				s.dns[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
			}
		} else if (base.tag == GN_IP) {
			if (base.len != 8 && base.len != 32)
				return ca_fail(err, CA_ERR_BAD_REQUEST,
					       "corrupt iPAddress in nameConstraints");
			s.kind = NC_IP;
			s.alen = base.len / 2;
			memcpy(s.addr, base.val, s.alen);
			memcpy(s.mask, base.val + s.alen, s.alen);
		} else {
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "nameConstraints on names other than DNS and IP are not "
				       "supported");
		}
		if ((rc = add(c, exclude, &s, err)) != CA_OK)
			return rc;
	}
	return CA_OK;
}

enum ca_err nc_parse(const uint8_t *der, size_t n, struct nc *c, struct ca_error *err)
{
	struct der_r r = {der, n};
	struct der_elem seq, e;
	enum ca_err rc;

	memset(c, 0, sizeof(*c));
	if (!der_expect(&r, DER_SEQUENCE, &seq) || r.len != 0)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "corrupt nameConstraints");
	struct der_r in = der_in(&seq);
	if (der_peek(&in, DER_CTX_CONS(0))) {
		if (!der_expect(&in, DER_CTX_CONS(0), &e))
			return ca_fail(err, CA_ERR_BAD_REQUEST, "corrupt nameConstraints");
		if ((rc = read_subtrees(der_in(&e), false, c, err)) != CA_OK)
			return rc;
	}
	if (der_peek(&in, DER_CTX_CONS(1))) {
		if (!der_expect(&in, DER_CTX_CONS(1), &e))
			return ca_fail(err, CA_ERR_BAD_REQUEST, "corrupt nameConstraints");
		if ((rc = read_subtrees(der_in(&e), true, c, err)) != CA_OK)
			return rc;
	}
	if (in.len != 0 || nc_empty(c))
		return ca_fail(err, CA_ERR_BAD_REQUEST, "corrupt nameConstraints");
	return CA_OK;
}

enum ca_err nc_from_exts(const uint8_t *exts, size_t n, struct nc **out, struct ca_error *err)
{
	struct der_r r = {exts, n}, list;
	struct der_elem seq, ext, oid, e;
	*out = NULL;
	if (n == 0)
		return CA_OK;
	if (!der_expect(&r, DER_SEQUENCE, &seq) || r.len != 0)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "corrupt extensions in the CA certificate");
	list = der_in(&seq);
	while (list.len > 0) {
		if (!der_expect(&list, DER_SEQUENCE, &ext))
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "corrupt extensions in the CA certificate");
		struct der_r x = der_in(&ext);
		if (!der_expect(&x, DER_OID, &oid))
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "corrupt extensions in the CA certificate");
		if (!der_oid_eq(&oid, (const uint8_t *)OID_CE_NAME_CONSTRAINTS,
				sizeof(OID_CE_NAME_CONSTRAINTS) - 1))
			continue;
		if (der_peek(&x, DER_BOOLEAN) && !der_expect(&x, DER_BOOLEAN, &e))
			return ca_fail(err, CA_ERR_BAD_REQUEST, "corrupt nameConstraints");
		if (!der_expect(&x, DER_OCTET_STRING, &e) || x.len != 0 || *out != NULL) {
			free(*out);
			*out = NULL;
			return ca_fail(err, CA_ERR_BAD_REQUEST, "corrupt nameConstraints");
		}
		struct nc *c = malloc(sizeof(*c));
		if (c == NULL)
			return CA_ERR_NOMEM;
		enum ca_err rc = nc_parse(e.val, e.len, c, err);
		if (rc != CA_OK) {
			free(c);
			return rc;
		}
		*out = c;
	}
	return CA_OK;
}

/* Is DNS name d (canonical, maybe "*.x") within subtree base? */
static bool dns_within(const char *d, const char *base)
{
	size_t dl = strlen(d), bl = strlen(base);
	if (dl == bl)
		return strcmp(d, base) == 0;
	return dl > bl && d[dl - bl - 1] == '.' && strcmp(d + dl - bl, base) == 0;
}

static bool ip_within(const struct name *n, const struct nc_subtree *s)
{
	if (n->ip_len != s->alen)
		return false;
	for (size_t i = 0; i < s->alen; i++)
		if ((n->ip[i] & s->mask[i]) != s->addr[i])
			return false;
	return true;
}

static bool within(const struct name *n, const struct nc_subtree *s)
{
	if (n->kind == NAME_DNS)
		return s->kind == NC_DNS && dns_within(n->text, s->dns);
	return s->kind == NC_IP && ip_within(n, s);
}

void nc_subtree_str(const struct nc_subtree *s, char *buf, size_t cap)
{
	if (s->kind == NC_DNS) {
		snprintf(buf, cap, "%s", s->dns);
		return;
	}
	char a[INET6_ADDRSTRLEN];
	unsigned bits = 0;
	for (size_t i = 0; i < s->alen; i++)
		bits += (unsigned)__builtin_popcount(s->mask[i]);
	if (inet_ntop(s->alen == 4 ? AF_INET : AF_INET6, s->addr, a, sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	snprintf(buf, cap, "%s/%u", a, bits);
}

enum ca_err nc_check(const struct nc *c, const struct name *names, size_t n, struct ca_error *err)
{
	char what[INET6_ADDRSTRLEN + 8];
	for (size_t i = 0; i < n; i++) {
		const struct name *nm = &names[i];
		enum nc_kind k = nm->kind == NAME_DNS ? NC_DNS : NC_IP;
		for (size_t j = 0; j < c->nexclude; j++) {
			const struct nc_subtree *s = &c->exclude[j];
			bool hit = within(nm, s);
			/* "*.a.example" covers every "x.a.example": refuse it when
			 * an excluded subtree lies below "a.example". */
			if (!hit && nm->wildcard && s->kind == NC_DNS)
				hit = dns_within(s->dns, nm->text + 2) &&
				      strcmp(s->dns, nm->text + 2) != 0;
			if (hit) {
				nc_subtree_str(s, what, sizeof(what));
				return ca_fail(
				    err, CA_ERR_NAME_NOT_ALLOWED,
				    "name '%s' is excluded by this CA's name constraints "
				    "(%s)",
				    nm->text, what);
			}
		}
		bool typed = false, ok = false;
		for (size_t j = 0; j < c->npermit && !ok; j++) {
			if (c->permit[j].kind != k)
				continue;
			typed = true;
			ok = within(nm, &c->permit[j]);
		}
		if (typed && !ok) {
			char list[256] = "";
			size_t used = 0;
			for (size_t j = 0; j < c->npermit; j++) {
				if (c->permit[j].kind != k)
					continue;
				nc_subtree_str(&c->permit[j], what, sizeof(what));
				int w = snprintf(list + used, sizeof(list) - used, "%s%s",
						 used ? ", " : "", what);
				if (w < 0 || (size_t)w >= sizeof(list) - used) {
					snprintf(list + sizeof(list) - 5, 5, "...");
					break;
				}
				used += (size_t)w;
			}
			return ca_fail(err, CA_ERR_NAME_NOT_ALLOWED,
				       "name '%s' is outside this CA's name constraints (%s)",
				       nm->text, list);
		}
	}
	return CA_OK;
}
