/*
 * The code in this file implements dn.h: walking, printing (RFC 4514),
 * building and filtering X.501 Names.
 *
 * Name ::= SEQUENCE OF RelativeDistinguishedName
 * RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
 * AttributeTypeAndValue ::= SEQUENCE { type OBJECT IDENTIFIER, value ANY }
 *
 * Names come from CSRs, i.e. from the network: every walk re-checks the
 * structure and nothing here trusts a length it has not read with der.h.
 */
#include "errors.h"
#include "x509/dn.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x509/der.h"
#include "x509/oid.h"

/* Longest string dn_from_string accepts (a subject is a few hundred bytes). */
#define DN_MAX_INPUT 4096

/* ---- Attribute types --------------------------------------------------- */

enum str_kind { STR_UTF8, STR_PRINTABLE, STR_IA5 };

struct attr_type {
	const char *name; /* RFC 4514 section 3 short name, or the usual one */
	const char *oid;  /* DER content */
	size_t oid_len;
	enum str_kind kind; /* how dn_from_string encodes it */
	size_t max_chars;   /* RFC 5280 Appendix A upper bound; 0 = not writable */
};

/* clang-format off */
#define T(n, o, k, m) {n, o, OID_LEN(o), k, m}
static const struct attr_type types[] = {
    T("CN", OID_AT_CN, STR_UTF8, 64),
    T("O", "\x55\x04\x0a", STR_UTF8, 64),
    T("OU", "\x55\x04\x0b", STR_UTF8, 64),
    T("C", "\x55\x04\x06", STR_PRINTABLE, 2),
    T("L", "\x55\x04\x07", STR_UTF8, 128),
    T("ST", "\x55\x04\x08", STR_UTF8, 128),
    T("DC", "\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x19", STR_IA5, 63),
    T("emailAddress", "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x01", STR_IA5, 255),
    /* Printed by name, not accepted by dn_from_string. */
    T("STREET", "\x55\x04\x09", STR_UTF8, 0),
    T("UID", "\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x01", STR_UTF8, 0),
    T("SN", "\x55\x04\x04", STR_UTF8, 0),
    T("serialNumber", "\x55\x04\x05", STR_UTF8, 0),
    T("title", "\x55\x04\x0c", STR_UTF8, 0),
    T("postalCode", "\x55\x04\x11", STR_UTF8, 0),
    T("GN", "\x55\x04\x2a", STR_UTF8, 0),
    T("initials", "\x55\x04\x2b", STR_UTF8, 0),
    T("generationQualifier", "\x55\x04\x2c", STR_UTF8, 0),
    T("dnQualifier", "\x55\x04\x2e", STR_UTF8, 0),
    T("pseudonym", "\x55\x04\x41", STR_UTF8, 0),
    T("organizationIdentifier", "\x55\x04\x61", STR_UTF8, 0),
};
#undef T
/* clang-format on */
#define NTYPES (sizeof(types) / sizeof(types[0]))

static const struct attr_type *type_by_oid(const struct der_elem *oid)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (der_oid_eq(oid, (const uint8_t *)types[i].oid, types[i].oid_len))
			return &types[i];
	return NULL;
}

static bool ascii_ieq(const char *a, size_t an, const char *b)
{
	size_t bn = strlen(b);
	if (an != bn)
		return false;
	for (size_t i = 0; i < an; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

/* ---- Structure ------------------------------------------------------------ */

/* An OID's content: at least one byte, minimal base-128 arcs, none over 64 bits. */
static bool oid_ok(const struct der_elem *e)
{
	if (e->tag != DER_OID || e->len == 0 || (e->val[e->len - 1] & 0x80))
		return false;
	unsigned bits = 0;
	for (size_t i = 0; i < e->len; i++) {
		if (bits == 0 && e->val[i] == 0x80)
			return false; /* leading 0x80: not minimal */
		bits += 7;
		if (bits > 63)
			return false;
		if (!(e->val[i] & 0x80))
			bits = 0;
	}
	return true;
}

/* One AttributeTypeAndValue. */
static bool ava_read(const struct der_elem *seq, struct der_elem *type, struct der_elem *value)
{
	if (seq->tag != DER_SEQUENCE)
		return false;
	struct der_r r = der_in(seq);
	return der_next(&r, type) && oid_ok(type) && der_next(&r, value) && r.len == 0;
}

/* A RelativeDistinguishedName: a non-empty SET of well-formed AVAs. */
static bool rdn_ok(const struct der_elem *set)
{
	if (set->tag != DER_SET || set->len == 0)
		return false;
	struct der_r r = der_in(set);
	while (r.len > 0) {
		struct der_elem seq, type, value;
		if (!der_next(&r, &seq) || !ava_read(&seq, &type, &value))
			return false;
	}
	return true;
}

/* Open name as a reader over its RDNs, checking every one of them. */
static bool name_open(const uint8_t *name, size_t len, struct der_r *rdns, size_t *count)
{
	if (name == NULL)
		return false;
	struct der_r r = {name, len};
	struct der_elem seq;
	if (!der_expect(&r, DER_SEQUENCE, &seq) || r.len != 0)
		return false;
	*rdns = der_in(&seq);
	struct der_r it = *rdns;
	size_t n = 0;
	while (it.len > 0) {
		struct der_elem set;
		if (!der_next(&it, &set) || !rdn_ok(&set))
			return false;
		n++;
	}
	if (count)
		*count = n;
	return true;
}

bool dn_valid(const uint8_t *name, size_t len)
{
	struct der_r r;
	return name_open(name, len, &r, NULL);
}

/* ---- Strings ------------------------------------------------------------ */

static size_t put_utf8(uint8_t *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = (uint8_t)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (uint8_t)(0xc0 | c >> 6);
		o[1] = (uint8_t)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (uint8_t)(0xe0 | c >> 12);
		o[1] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
		o[2] = (uint8_t)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (uint8_t)(0xf0 | c >> 18);
	o[1] = (uint8_t)(0x80 | (c >> 12 & 0x3f));
	o[2] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
	o[3] = (uint8_t)(0x80 | (c & 0x3f));
	return 4;
}

/* Well-formed UTF-8 (RFC 3629: no overlongs, surrogates or > U+10FFFF). */
static bool utf8_ok(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = p[i];
		size_t k;
		uint32_t v, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			k = 1, v = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2, v = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3, v = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (n - i - 1 < k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return false;
			v = v << 6 | (p[i + j] & 0x3f);
		}
		if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

static bool ascii_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] >= 0x80)
			return false;
	return true;
}

/* Decode into o (room for 2n bytes); false if the bytes are not text. */
static bool decode(uint8_t tag, const uint8_t *p, size_t n, uint8_t *o, size_t *olen)
{
	size_t k = 0;
	switch (tag) {
	case DER_UTF8STRING:
		if (!utf8_ok(p, n))
			return false;
		if (n)
			memcpy(o, p, n);
		k = n;
		break;
	case DER_PRINTABLESTRING:
	case DER_IA5STRING:
	case 0x12: /* NumericString */
	case 0x1a: /* VisibleString */
		if (!ascii_ok(p, n))
			return false;
		if (n)
			memcpy(o, p, n);
		k = n;
		break;
	case 0x14: /* TeletexString: in practice UTF-8 or Latin-1 */
		if (utf8_ok(p, n)) {
			if (n)
				memcpy(o, p, n);
			k = n;
		} else {
			for (size_t i = 0; i < n; i++)
				k += put_utf8(o + k, p[i]);
		}
		break;
	case DER_BMPSTRING: /* UCS-2; surrogate pairs read as UTF-16 */
		if (n % 2)
			return false;
		for (size_t i = 0; i < n; i += 2) {
			uint32_t c = (uint32_t)p[i] << 8 | p[i + 1];
			if (c >= 0xdc00 && c <= 0xdfff)
				return false;
			if (c >= 0xd800 && c <= 0xdbff) {
				if (n - i < 4)
					return false;
				uint32_t lo = (uint32_t)p[i + 2] << 8 | p[i + 3];
				if (lo < 0xdc00 || lo > 0xdfff)
					return false;
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				i += 2;
			}
			k += put_utf8(o + k, c);
		}
		break;
	case 0x1c: /* UniversalString: UCS-4 */
		if (n % 4)
			return false;
		for (size_t i = 0; i < n; i += 4) {
			uint32_t c = (uint32_t)p[i] << 24 | (uint32_t)p[i + 1] << 16 |
				     (uint32_t)p[i + 2] << 8 | p[i + 3];
			if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
				return false;
			k += put_utf8(o + k, c);
		}
		break;
	default:
		return false;
	}
	if (memchr(o, 0, k) != NULL)
		return false; /* "a.example\0.evil": never let a NUL into a C string */
	*olen = k;
	return true;
}

enum ca_err dn_string_utf8(uint8_t tag, const uint8_t *p, size_t n, char **out)
{
	assert(out != NULL && (p != NULL || n == 0));
	*out = NULL;
	if (n > DER_MAX_LEN)
		return CA_ERR_BAD_REQUEST;
	uint8_t *o = malloc(2 * n + 1);
	if (o == NULL)
		return CA_ERR_NOMEM;
	size_t k;
	if (!decode(tag, p, n, o, &k)) {
		free(o);
		return CA_ERR_BAD_REQUEST;
	}
	o[k] = '\0';
	*out = (char *)o;
	return CA_OK;
}

enum ca_err dn_last_cn(const uint8_t *name, size_t len, char **cn)
{
	*cn = NULL;
	struct der_r rdns;
	if (!name_open(name, len, &rdns, NULL))
		return CA_ERR_BAD_REQUEST;
	struct der_elem last = {0};
	bool found = false;
	struct der_elem set;
	while (der_next(&rdns, &set)) {
		struct der_r r = der_in(&set);
		struct der_elem seq, type, value;
		while (der_next(&r, &seq) && ava_read(&seq, &type, &value))
			if (der_oid_eq(&type, (const uint8_t *)OID_AT_CN, OID_LEN(OID_AT_CN))) {
				last = value;
				found = true;
			}
	}
	if (!found)
		return CA_OK;
	return dn_string_utf8(last.tag, last.val, last.len, cn);
}

/* ---- Printing (RFC 4514) ---------------------------------------------- */

struct sb {
	char *p;
	size_t len, cap;
	bool failed;
};

static void sb_put(struct sb *b, const void *s, size_t n)
{
	if (b->failed)
		return;
	if (n > DER_MAX_LEN || b->len > DER_MAX_LEN - n) {
		b->failed = true;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 128;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *q = realloc(b->p, cap);
		if (q == NULL) {
			b->failed = true;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sb *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void sb_hex(struct sb *b, const uint8_t *p, size_t n, const char *prefix)
{
	static const char hx[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		char two[2] = {hx[p[i] >> 4], hx[p[i] & 15]};
		sb_str(b, prefix);
		sb_put(b, two, 2);
	}
}

/* Dotted decimal of an OID already checked by oid_ok. */
static void sb_oid(struct sb *b, const struct der_elem *oid)
{
	uint64_t v = 0;
	bool first = true;
	char num[48];
	for (size_t i = 0; i < oid->len; i++) {
		v = v << 7 | (oid->val[i] & 0x7f);
		if (oid->val[i] & 0x80)
			continue;
		if (first) {
			unsigned a = v < 40 ? 0 : v < 80 ? 1 : 2;
			uint64_t rest = v - 40u * a;
			snprintf(num, sizeof(num), "%u.%llu", a, (unsigned long long)rest);
			first = false;
		} else {
			snprintf(num, sizeof(num), ".%llu", (unsigned long long)v);
		}
		sb_str(b, num);
		v = 0;
	}
}

/* RFC 4514 section 2.4 escaping; control characters as \XX hex pairs. */
static void sb_escaped(struct sb *b, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (c < 0x20 || c == 0x7f) {
			sb_hex(b, &c, 1, "\\");
			continue;
		}
		bool esc = c == '"' || c == '+' || c == ',' || c == ';' || c == '<' || c == '>' ||
			   c == '\\' || (i == 0 && (c == '#' || c == ' ')) ||
			   (i == n - 1 && c == ' ');
		if (esc)
			sb_put(b, "\\", 1);
		sb_put(b, &c, 1);
	}
}

static void print_ava(struct sb *b, const struct der_elem *type, const struct der_elem *value)
{
	const struct attr_type *t = type_by_oid(type);
	if (t != NULL)
		sb_str(b, t->name);
	else
		sb_oid(b, type);
	sb_put(b, "=", 1);
	char *s = NULL;
	enum ca_err rc =
	    t != NULL ? dn_string_utf8(value->tag, value->val, value->len, &s) : CA_ERR_BAD_REQUEST;
	if (rc == CA_ERR_NOMEM) {
		b->failed = true;
		return;
	}
	if (rc == CA_OK) {
		sb_escaped(b, (const uint8_t *)s, strlen(s));
		free(s);
		return;
	}
	/* Dotted types and undecodable values: '#' and the BER hex (section 2.4). */
	sb_put(b, "#", 1);
	sb_hex(b, value->tlv, value->tlv_len, "");
}

char *dn_to_string(const uint8_t *name, size_t len)
{
	struct der_r rdns;
	size_t count;
	if (!name_open(name, len, &rdns, &count))
		return NULL;
	struct der_elem *sets = calloc(count ? count : 1, sizeof(*sets));
	if (sets == NULL)
		return NULL;
	for (size_t i = 0; i < count; i++)
		if (!der_next(&rdns, &sets[i])) {
			free(sets);
			return NULL;
		}
	struct sb b = {0};
	sb_put(&b, "", 0); /* an empty Name is "" */
	/* Section 2.1: the last RDN of the sequence is printed first. */
	for (size_t i = count; i-- > 0;) {
		if (i != count - 1)
			sb_put(&b, ",", 1);
		struct der_r r = der_in(&sets[i]);
		struct der_elem seq, type, value;
		for (bool first = true; der_next(&r, &seq) && ava_read(&seq, &type, &value);
		     first = false) {
			if (!first)
				sb_put(&b, "+", 1);
			print_ava(&b, &type, &value);
		}
	}
	free(sets);
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* ---- Dropping foreign CNs --------------------------------------------- */

static bool ci_equal(const char *a, const char *b)
{
	return ascii_ieq(a, strlen(a), b);
}

enum ca_err dn_drop_foreign_cn(const uint8_t *name, size_t len, const char *const *names, size_t n,
			       uint8_t **out, size_t *out_len)
{
	assert(out != NULL && out_len != NULL && (names != NULL || n == 0));
	*out = NULL;
	*out_len = 0;
	struct der_r rdns;
	if (!name_open(name, len, &rdns, NULL))
		return CA_ERR_BAD_CSR;
	struct der_w w = {0};
	size_t m = der_begin(&w, DER_SEQUENCE);
	struct der_elem set;
	enum ca_err rc = CA_OK;
	while (rc == CA_OK && der_next(&rdns, &set)) {
		bool keep = true;
		struct der_r r = der_in(&set);
		struct der_elem seq, type, value;
		while (keep && der_next(&r, &seq) && ava_read(&seq, &type, &value)) {
			if (!der_oid_eq(&type, (const uint8_t *)OID_AT_CN, OID_LEN(OID_AT_CN)))
				continue;
			char *cn = NULL;
			enum ca_err e = dn_string_utf8(value.tag, value.val, value.len, &cn);
			if (e == CA_ERR_NOMEM) {
				rc = e;
				break;
			}
			bool known = false;
			for (size_t i = 0; cn != NULL && i < n && !known; i++)
				known = names[i] != NULL && ci_equal(cn, names[i]);
			free(cn);
			keep = known;
		}
		if (keep)
			der_raw(&w, set.tlv, set.tlv_len);
	}
	der_end(&w, m);
	if (rc != CA_OK) {
		der_free(&w);
		return rc;
	}
	if (!der_finish(&w, out, out_len))
		return CA_ERR_NOMEM;
	return CA_OK;
}

/* ---- Building from a string ------------------------------------------ */

struct ava_in {
	const struct attr_type *type;
	uint8_t *value;
	size_t len;
	size_t rdn; /* index of its RDN in string order */
};

static size_t utf8_chars(const uint8_t *p, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += (p[i] & 0xc0) != 0x80;
	return c;
}

static bool is_space(char c)
{
	return c == ' ';
}

/*
 * Read one "key=value" starting at *pp, stopping at an unescaped ',' or '+'
 * (left in *pp). The value is unescaped into a new buffer.
 */
/* KEY= of one attribute: a->type from the table; *pp after the '='. */
static enum ca_err parse_key(const char **pp, struct ava_in *a, struct ca_error *err)
{
	const char *p = *pp;
	while (is_space(*p))
		p++;
	const char *k = p;
	while (*p && *p != '=' && *p != ',' && *p != '+')
		p++;
	const char *kend = p;
	while (kend > k && is_space(kend[-1]))
		kend--;
	if (*p != '=')
		return ca_fail(
		    err, CA_ERR_BAD_REQUEST,
		    "subject: expected KEY=value at '%.40s' (e.g. \"CN=My CA,O=Example\")", k);
	size_t klen = (size_t)(kend - k);
	a->type = NULL;
	for (size_t i = 0; i < NTYPES; i++)
		if (types[i].max_chars > 0 && ascii_ieq(k, klen, types[i].name))
			a->type = &types[i];
	if (a->type == NULL)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "subject: unknown attribute '%.*s'; use CN, O, OU, C, L, ST, DC or "
			       "emailAddress",
			       (int)(klen > 40 ? 40 : klen), k);
	*pp = p + 1;
	return CA_OK;
}

/*
 * The value up to an unescaped ',' or '+' (RFC 4514 2.4 escapes: \XX and
 * \c), without unescaped trailing spaces: a->value (malloc'ed, the caller
 * frees it) and a->len; *pp after it. On a bad escape nothing is kept.
 */
static enum ca_err unescape_value(const char **pp, struct ava_in *a, struct ca_error *err)
{
	static const char hx[] = "0123456789abcdef0123456789ABCDEF";
	const char *p = *pp;
	while (is_space(*p))
		p++;
	uint8_t *v = malloc(strlen(p) + 1);
	if (v == NULL)
		return CA_ERR_NOMEM;
	size_t n = 0, keep = 0; /* keep: length up to the last escaped byte */
	while (*p && *p != ',' && *p != '+') {
		if (*p != '\\') {
			v[n++] = (uint8_t)*p++;
			if (!is_space(p[-1]))
				keep = n;
			continue;
		}
		p++;
		const char *h1 = *p ? strchr(hx, *p) : NULL;
		const char *h2 = h1 && p[1] ? strchr(hx, p[1]) : NULL;
		if (h1 && h2) {
			v[n++] = (uint8_t)(((h1 - hx) & 15) << 4 | ((h2 - hx) & 15));
			p += 2;
		} else if (*p && strchr("\"+,;<>\\#= ", *p)) {
			v[n++] = (uint8_t)*p++;
		} else {
			free(v);
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "subject: bad escape '\\%.1s' in %s; escape , + \" \\ < > ; "
				       "with a backslash",
				       p, a->type->name);
		}
		keep = n;
	}
	*pp = p;
	a->value = v;
	a->len = keep;
	return CA_OK;
}

/* The value fits its attribute: text, ASCII where asked, a country code for C
 * (upper-cased in place), at most the RFC 5280 upper bound of characters. */
static enum ca_err check_value(struct ava_in *a, struct ca_error *err)
{
	uint8_t *v = a->value;
	size_t n = a->len;
	const char *tn = a->type->name;
	if (n == 0)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "subject: %s has an empty value", tn);
	if (!utf8_ok(v, n) || memchr(v, 0, n) != NULL)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "subject: %s is not valid UTF-8 text", tn);
	if (a->type->kind != STR_UTF8 && !ascii_ok(v, n))
		return ca_fail(err, CA_ERR_BAD_REQUEST, "subject: %s must be ASCII", tn);
	if (a->type->kind == STR_PRINTABLE) {
		bool letters = n == 2;
		for (size_t i = 0; i < n; i++) {
			if (v[i] >= 'a' && v[i] <= 'z')
				v[i] = (uint8_t)(v[i] - 'a' + 'A');
			letters = letters && v[i] >= 'A' && v[i] <= 'Z';
		}
		if (!letters)
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "subject: C must be a two-letter country code such as DE");
	}
	if (utf8_chars(v, n) > a->type->max_chars)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "subject: %s is longer than %zu characters (RFC 5280)", tn,
			       a->type->max_chars);
	return CA_OK;
}

static enum ca_err parse_ava(const char **pp, struct ava_in *a, struct ca_error *err)
{
	enum ca_err rc;
	if ((rc = parse_key(pp, a, err)) != CA_OK || (rc = unescape_value(pp, a, err)) != CA_OK)
		return rc;
	return check_value(a, err);
}

/* SET OF in DER is sorted by encoding (X.690 11.6); shorter sorts as zero-padded. */
struct enc {
	uint8_t *p;
	size_t n;
};

static int enc_cmp(const void *x, const void *y)
{
	const struct enc *a = x, *b = y;
	size_t m = a->n < b->n ? a->n : b->n;
	int c = memcmp(a->p, b->p, m);
	if (c != 0)
		return c;
	return a->n < b->n ? -1 : a->n > b->n;
}

static uint8_t str_tag(enum str_kind k)
{
	return k == STR_PRINTABLE ? DER_PRINTABLESTRING
	       : k == STR_IA5	  ? DER_IA5STRING
				  : DER_UTF8STRING;
}

/* One RDN (avas[0..n), all of the same rdn index) as a sorted SET. */
static bool put_rdn(struct der_w *w, const struct ava_in *avas, size_t n)
{
	struct enc *encs = calloc(n, sizeof(*encs));
	if (encs == NULL)
		return false;
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++) {
		struct der_w t = {0};
		size_t m = der_begin(&t, DER_SEQUENCE);
		der_oid(&t, (const uint8_t *)avas[i].type->oid, avas[i].type->oid_len);
		der_tlv(&t, str_tag(avas[i].type->kind), avas[i].value, avas[i].len);
		der_end(&t, m);
		ok = der_finish(&t, &encs[i].p, &encs[i].n);
	}
	if (ok) {
		qsort(encs, n, sizeof(*encs), enc_cmp);
		size_t m = der_begin(w, DER_SET);
		for (size_t i = 0; i < n; i++)
			der_raw(w, encs[i].p, encs[i].n);
		der_end(w, m);
	}
	for (size_t i = 0; i < n; i++)
		free(encs[i].p);
	free(encs);
	return ok;
}

enum ca_err dn_from_string(const char *s, uint8_t **der, size_t *len, struct ca_error *err)
{
	assert(der != NULL && len != NULL);
	*der = NULL;
	*len = 0;
	if (s == NULL)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "subject: empty; give e.g. \"CN=My CA\"");
	size_t slen = strlen(s);
	if (slen > DN_MAX_INPUT)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "subject: longer than %d bytes",
			       DN_MAX_INPUT);
	const char *p = s;
	while (is_space(*p))
		p++;
	if (*p == '\0')
		return ca_fail(err, CA_ERR_BAD_REQUEST, "subject: empty; give e.g. \"CN=My CA\"");

	/* Each AVA takes at least 3 bytes ("C=x"), so slen/2 + 1 is plenty. */
	size_t cap = slen / 2 + 1, n = 0, rdn = 0;
	struct ava_in *avas = calloc(cap, sizeof(*avas));
	if (avas == NULL)
		return CA_ERR_NOMEM;
	enum ca_err rc = CA_OK;
	for (;;) {
		if (n == cap) {
			rc = ca_fail(err, CA_ERR_BAD_REQUEST, "subject: too many attributes");
			goto out;
		}
		avas[n].rdn = rdn;
		rc = parse_ava(&p, &avas[n], err);
		n++; /* its value buffer is freed below even on error */
		if (rc != CA_OK)
			goto out;
		if (*p == '\0')
			break;
		if (*p == ',')
			rdn++;
		p++;
	}

	/* Section 2.1 order: the first RDN in the string is the last in the DER. */
	struct der_w w = {0};
	size_t m = der_begin(&w, DER_SEQUENCE);
	for (size_t end = n; end > 0;) {
		size_t start = end - 1;
		while (start > 0 && avas[start - 1].rdn == avas[end - 1].rdn)
			start--;
		if (!put_rdn(&w, avas + start, end - start))
			w.failed = true;
		end = start;
	}
	der_end(&w, m);
	if (!der_finish(&w, der, len))
		rc = CA_ERR_NOMEM;
out:
	for (size_t i = 0; i < n; i++)
		free(avas[i].value);
	free(avas);
	return rc;
}
