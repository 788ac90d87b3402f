/*
 * The code in this file implements names.h: validation and canonical form
 * of the names a certificate may carry (DNS names per RFC 1123 / RFC 5280
 * 4.2.1.6, IP literals) and the token patterns and CIDR blocks that allow
 * them.
 */
#include "errors.h"
#include "names.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stdio.h>
#include <string.h>

#define LABEL_MAX 63

/*
 * Requested names are echoed in error messages, which end up in JSON and
 * HTML. Keep them printable and valid UTF-8 (jansson refuses anything else)
 * and short: well-formed UTF-8 is copied, control characters and broken
 * sequences become \xHH, and long input is cut at a character boundary.
 */
#define SHOW_MAX 120

static size_t utf8_seq(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n;
	unsigned min;
	if (c < 0x80)
		return (c >= 0x20 && c != 0x7f) ? 1 : 0;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	unsigned cp = c & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp < 0xa0)
		return 0; /* overlong, out of range, surrogate, C1 control */
	return n;
}

static const char *show(const char *in, char buf[SHOW_MAX])
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;
	while (*s) {
		size_t k = utf8_seq(s);
		size_t need = k ? k : 4;
		if (o + need > SHOW_MAX - 4) {
			memcpy(buf + o, "...", 4);
			return buf;
		}
		if (k) {
			memcpy(buf + o, s, k);
			s += k;
		} else {
			snprintf(buf + o, 5, "\\x%02x", *s);
			s++;
		}
		o += need;
	}
	buf[o] = '\0';
	return buf;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-';
}

static char lower(unsigned char c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

/*
 * Validate the DNS name in (what = "name" or "pattern", whole = the text to
 * quote in messages) and write its canonical form (lowercase, no trailing
 * dot) to out. A leftmost "*" label is accepted only with allow_wild.
 */
/* The message for a byte that may not stand in a DNS label. */
static enum ca_err bad_label_byte(unsigned char c, const char *what, const char *shown,
				  bool allow_wild, struct ca_error *err)
{
	if (c == '*')
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       allow_wild ? "%s '%s' has a misplaced '*'; a wildcard must be the "
					    "whole leftmost label, as in '*.example.com'"
					  : "%s '%s' has a misplaced '*'; a '*' may only open a "
					    "pattern, as in '*.example.com'",
			       what, shown);
	if (c == '_')
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "%s '%s' contains an underscore, which host names may not have; "
			       "use a hyphen instead",
			       what, shown);
	if (c == ' ')
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "%s '%s' contains a space; a DNS name has only letters, digits, "
			       "hyphens and dots",
			       what, shown);
	if (c > 0x20 && c < 0x7f)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "%s '%s' contains '%c'; a DNS name has only letters, digits, "
			       "hyphens and dots",
			       what, shown, c);
	return ca_fail(err, CA_ERR_BAD_REQUEST,
		       "%s '%s' contains the byte 0x%02x; a DNS name has only letters, digits, "
		       "hyphens and dots",
		       what, shown, c);
}

/* ASCII only, one trailing dot dropped, 1 to NAME_MAX_DNS bytes: *len. */
static enum ca_err check_whole(const char *in, const char *what, const char *shown, size_t *len,
			       struct ca_error *err)
{
	size_t n = strlen(in);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)in[i] >= 0x80)
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "%s '%s' is not ASCII; send an internationalised name in "
				       "its IDNA A-label (xn--, punycode) form, e.g. "
				       "'xn--bcher-kva.example' for 'b\xc3\xbc"
				       "cher.example'",
				       what, shown);
	if (n > 0 && in[n - 1] == '.')
		n--; /* one trailing dot: the absolute form of the same name */
	if (n == 0)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "%s '%s' is empty; give a DNS name", what,
			       shown);
	if (n > NAME_MAX_DNS)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "%s '%s' is %zu characters long; a DNS name may have at most %d",
			       what, shown, n, NAME_MAX_DNS);
	*len = n;
	return CA_OK;
}

/* What the labels of a name were, for the checks over the whole name. */
struct labels {
	size_t n;
	bool star;    /* the first label is a wildcard '*' */
	bool numeric; /* the last label is all digits */
};

/* One label l (ll bytes): letters, digits, inner hyphens, or a leading '*'. */
static enum ca_err check_label(const char *l, size_t ll, const char *what, const char *shown,
			       bool allow_wild, struct labels *ls, struct ca_error *err)
{
	if (ll == 0)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "%s '%s' has an empty label", what, shown);
	if (ll > LABEL_MAX)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "%s '%s' has a label of %zu characters; a label may have at most %d",
			       what, shown, ll, LABEL_MAX);
	if (ll == 1 && l[0] == '*' && ls->n == 0 && allow_wild) {
		ls->star = true;
		return CA_OK;
	}
	ls->numeric = true;
	for (size_t i = 0; i < ll; i++) {
		unsigned char c = (unsigned char)l[i];
		if (!is_digit(c))
			ls->numeric = false;
		if (!is_ldh(c))
			return bad_label_byte(c, what, shown, allow_wild, err);
	}
	if (l[0] == '-' || l[ll - 1] == '-')
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "%s '%s' has the label '%.*s', which %s with a hyphen", what, shown,
			       (int)ll, l, l[0] == '-' ? "starts" : "ends");
	return CA_OK;
}

static enum ca_err dns_parse(const char *in, const char *what, const char *whole, bool allow_wild,
			     char out[NAME_MAX_DNS + 1], bool *wild, struct ca_error *err)
{
	char sb[SHOW_MAX];
	const char *shown = show(whole, sb);
	size_t len = 0;
	enum ca_err rc = check_whole(in, what, shown, &len, err);
	if (rc != CA_OK)
		return rc;
	struct labels ls = {0};
	for (size_t start = 0; start <= len; ls.n++) {
		size_t end = start;
		while (end < len && in[end] != '.')
			end++;
		rc = check_label(in + start, end - start, what, shown, allow_wild, &ls, err);
		if (rc != CA_OK)
			return rc;
		start = end + 1;
	}
	if (ls.star && ls.n < 3)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "wildcard %s '%s' is too broad; a wildcard needs at least two "
			       "labels after '*', as in '*.example.com'",
			       what, shown);
	if (ls.numeric)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "%s '%s' is not a valid IP address, and as a DNS name its last "
			       "label may not be all digits",
			       what, shown);
	for (size_t i = 0; i < len; i++)
		out[i] = lower((unsigned char)in[i]);
	out[len] = '\0';
	if (wild)
		*wild = ls.star;
	return CA_OK;
}

/* Parse an IP literal; false if in is not one. */
static bool ip_parse(const char *in, uint8_t ip[16], size_t *ip_len, char text[NAME_MAX_DNS + 1])
{
	int af = strchr(in, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, in, ip) != 1)
		return false;
	*ip_len = af == AF_INET ? 4 : 16;
	return inet_ntop(af, ip, text, NAME_MAX_DNS + 1) != NULL;
}

enum ca_err name_parse(const char *in, struct name *out, struct ca_error *err)
{
	char sb[SHOW_MAX];
	assert(out != NULL);
	memset(out, 0, sizeof(*out));
	if (in == NULL || in[0] == '\0')
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "an empty name was given; give a DNS name or an IP address");

	if (ip_parse(in, out->ip, &out->ip_len, out->text)) {
		out->kind = NAME_IP;
		return CA_OK;
	}
	if (in[0] == '[')
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "name '%s' has brackets; write an IPv6 address without them, as in "
			       "'fd00::1'",
			       show(in, sb));
	if (strchr(in, ':') != NULL)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       strchr(in, '%')
				   ? "name '%s' is not a valid IPv6 address: zone "
				     "identifiers ('%%eth0') cannot be certified"
				   : "name '%s' is neither a DNS name (which has no ':') "
				     "nor a valid IPv6 address; give a bare name, without "
				     "scheme or port",
			       show(in, sb));

	out->kind = NAME_DNS;
	return dns_parse(in, "name", in, true, out->text, &out->wildcard, err);
}

/*
 * Split a pattern into its form and canonical suffix (or exact name).
 * Returns the form: '*' ("*.suffix"), '.' (".suffix") or '=' (exact).
 */
static enum ca_err pattern_parse(const char *pattern, char *form, char out[NAME_MAX_DNS + 1],
				 struct ca_error *err)
{
	char sb[SHOW_MAX];
	if (pattern == NULL || pattern[0] == '\0')
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "an empty pattern was given; give a DNS name, '*.suffix' or "
			       "'.suffix'");
	const char *rest = pattern;
	*form = '=';
	if (pattern[0] == '*' && pattern[1] == '.') {
		*form = '*';
		rest = pattern + 2;
	} else if (pattern[0] == '.' && pattern[1] != '\0') {
		*form = '.';
		rest = pattern + 1;
	}
	uint8_t ip[16];
	size_t ip_len;
	char text[NAME_MAX_DNS + 1];
	if (*form == '=' && ip_parse(pattern, ip, &ip_len, text))
		return ca_fail_in(err, CA_ERR_BAD_REQUEST, CA_INPUT_IP_BLOCK,
				  "pattern '%s' is an IP address; a token allows addresses as "
				  "CIDR blocks (such as '%s/%d'), not as name patterns",
				  show(pattern, sb), text, ip_len == 4 ? 32 : 128);
	if (rest[0] == '\0')
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "pattern '%s' has no domain after its '%.*s'; give one, as in "
			       "'*.example.com' or '.example.com'",
			       show(pattern, sb), (int)(rest - pattern), pattern);
	return dns_parse(rest, "pattern", pattern, false, out, NULL, err);
}

enum ca_err pattern_check(const char *pattern, struct ca_error *err)
{
	char form, suffix[NAME_MAX_DNS + 1];
	return pattern_parse(pattern, &form, suffix, err);
}

/* Is name (canonical) equal to suffix or a name under it? */
static bool at_or_under(const char *name, const char *suffix, bool strictly)
{
	size_t n = strlen(name), s = strlen(suffix);
	if (n == s)
		return !strictly && strcmp(name, suffix) == 0;
	return n > s && name[n - s - 1] == '.' && strcmp(name + n - s, suffix) == 0;
}

bool pattern_match(const char *pattern, const struct name *n, bool allow_wildcard)
{
	char form = 0, suffix[NAME_MAX_DNS + 1];
	if (n == NULL || n->kind != NAME_DNS ||
	    pattern_parse(pattern, &form, suffix, NULL) != CA_OK)
		return false;
	if (n->wildcard) {
		/*
		 * "*.base" stands for every name one label under base. It is
		 * covered when base is the suffix or under it, for both
		 * "*.suffix" and ".suffix"; an exact pattern names one host and
		 * never covers a wildcard.
		 */
		if (!allow_wildcard || form == '=')
			return false;
		return at_or_under(n->text + 2, suffix, false);
	}
	switch (form) {
	case '*':
		return at_or_under(n->text, suffix, true);
	case '.':
		return at_or_under(n->text, suffix, false);
	default:
		return strcmp(n->text, suffix) == 0;
	}
}

static enum ca_err cidr_bad(const char *cidr, struct ca_error *err)
{
	char sb[SHOW_MAX];
	return ca_fail(err, CA_ERR_BAD_REQUEST,
		       "address block '%s' is not an IPv4 or IPv6 address or CIDR; write it as "
		       "'10.0.0.0/8', 'fd00::/8' or one address",
		       show(cidr, sb));
}

/* Parse "addr[/len]" into ip, ip_len and prefix length. */
static enum ca_err cidr_parse(const char *cidr, uint8_t ip[16], size_t *ip_len, unsigned *bits,
			      struct ca_error *err)
{
	char sb[SHOW_MAX], addr[INET6_ADDRSTRLEN], text[NAME_MAX_DNS + 1];
	if (cidr == NULL || cidr[0] == '\0')
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "an empty address block was given; give a CIDR such as "
			       "'10.0.0.0/8' or 'fd00::/8', or one address");
	const char *slash = strchr(cidr, '/');
	size_t alen = slash ? (size_t)(slash - cidr) : strlen(cidr);
	if (alen == 0 || alen >= sizeof(addr))
		return cidr_bad(cidr, err);
	memcpy(addr, cidr, alen);
	addr[alen] = '\0';
	if (!ip_parse(addr, ip, ip_len, text))
		return cidr_bad(cidr, err);
	unsigned max = (unsigned)*ip_len * 8;
	if (slash == NULL) {
		*bits = max;
		return CA_OK;
	}
	const char *p = slash + 1;
	unsigned v = 0;
	size_t nd = 0;
	for (; nd < 4 && is_digit((unsigned char)p[nd]); nd++)
		v = v * 10 + (unsigned)(p[nd] - '0');
	if (nd == 0 || p[nd] != '\0' || (nd > 1 && p[0] == '0'))
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "address block '%s' has a bad prefix length; write it as a number "
			       "after '/', as in '10.0.0.0/8'",
			       show(cidr, sb));
	if (v > max)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "address block '%s' has prefix /%u, but an %s prefix is at most /%u",
			       show(cidr, sb), v, max == 32 ? "IPv4" : "IPv6", max);
	/* Host bits set after the prefix usually mean a typo: say what was meant. */
	uint8_t net[16];
	memcpy(net, ip, *ip_len);
	for (unsigned i = v; i < max; i++)
		net[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
	if (memcmp(net, ip, *ip_len) != 0) {
		char want[INET6_ADDRSTRLEN];
		if (inet_ntop(max == 32 ? AF_INET : AF_INET6, net, want, sizeof(want)) == NULL)
			want[0] = '\0';
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "address block '%s' has bits set after its /%u prefix; did you mean "
			       "'%s/%u'?",
			       show(cidr, sb), v, want, v);
	}
	*bits = v;
	return CA_OK;
}

enum ca_err cidr_check(const char *cidr, struct ca_error *err)
{
	uint8_t ip[16];
	size_t ip_len;
	unsigned bits;
	return cidr_parse(cidr, ip, &ip_len, &bits, err);
}

bool cidr_match(const char *cidr, const struct name *n)
{
	uint8_t ip[16];
	size_t ip_len;
	unsigned bits;
	if (n == NULL || n->kind != NAME_IP || cidr_parse(cidr, ip, &ip_len, &bits, NULL) != CA_OK)
		return false;
	if (n->ip_len != ip_len)
		return false; /* IPv4 never matches an IPv6 block, nor the reverse */
	for (unsigned i = 0; i < bits; i++) {
		uint8_t m = (uint8_t)(0x80u >> (i % 8));
		if ((ip[i / 8] & m) != (n->ip[i / 8] & m))
			return false;
	}
	return true;
}
