/*
 * The code in this file implements the tls-alpn-01 check (RFC 8737, with
 * RFC 8738 6 for IP identifiers): a TLS 1.2+ handshake with IDENTIFIER:PORT
 * offering only ALPN "acme-tls/1", SNI the DNS name (or, for an IP, its
 * in-addr.arpa / ip6.arpa name, since SNI cannot carry an address), and a
 * self-signed certificate whose subjectAltName is exactly that one
 * identifier and whose critical id-pe-acmeIdentifier extension holds the
 * OCTET STRING SHA-256(key authorization).
 *
 * The client is GnuTLS's (already linked for the HTTPS listener). wolfSSL
 * 5.5.4's client was tried first: it aborts the handshake on the very
 * certificate RFC 8737 asks for (ASN_CRIT_EXT_E, -160, for the critical
 * acmeIdentifier extension it does not know), with VERIFY_NONE and with a
 * verify callback alike. GnuTLS hands over the peer's certificate without
 * judging it; it is read with our own DER reader, so every rule above is
 * checked here. It is not verified: it proves control, not identity.
 * Sockets are non-blocking and every wait is bounded by the deadline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "check.h"
#include "codec.h"
#include "x509/der.h"
#include "crypto/hash.h"
#include "errors.h"
#include "internal.h"
#include "x509/oid.h"
#include "resolver.h"

/* id-pe-acmeIdentifier, 1.3.6.1.5.5.7.1.31 (RFC 8737 6.1) */
#define OID_PE_ACME_IDENTIFIER "\x2b\x06\x01\x05\x05\x07\x01\x1f"
#define ALPN_ACME	       "acme-tls/1"

/* RFC 8738 6: the reverse-mapping name of an address, for SNI. */
static bool reverse_name(const char *ip, char *out, size_t cap)
{
	uint8_t a[16];
	size_t w = 0;
	if (inet_pton(AF_INET, ip, a) == 1) {
		int n = snprintf(out, cap, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
		return n > 0 && (size_t)n < cap;
	}
	if (inet_pton(AF_INET6, ip, a) != 1 || cap < 74)
		return false;
	static const char hex[] = "0123456789abcdef";
	for (int i = 15; i >= 0; i--) {
		out[w++] = hex[a[i] & 15];
		out[w++] = '.';
		out[w++] = hex[a[i] >> 4];
		out[w++] = '.';
	}
	memcpy(out + w, "ip6.arpa", 9);
	return true;
}

/* Connect to addr:port within the deadline; a non-blocking fd or -1 with err. */
static int dial(const char *addr, int port, int64_t deadline, char *err, size_t errcap)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*s6);
	} else {
		snprintf(err, errcap, "bad address %s", addr);
		return -1;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errcap, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0) {
		if (errno != EINPROGRESS) {
			snprintf(err, errcap, "connect to %s port %d: %s", addr, port,
				 strerror(errno));
			close(fd);
			return -1;
		}
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int rc;
		do
			rc = poll(&p, 1, check_left_ms(deadline));
		while (rc < 0 && errno == EINTR);
		if (rc == 0) {
			snprintf(err, errcap,
				 "connect to %s port %d: no answer within the deadline", addr,
				 port);
			close(fd);
			return -1;
		}
		int soerr = 0;
		socklen_t el = sizeof(soerr);
		if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &el) != 0 ||
		    soerr != 0) {
			snprintf(err, errcap, "connect to %s port %d: %s", addr, port,
				 strerror(soerr ? soerr : errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* The two extensions cert_judge looks at: their values and counts. */
struct alpn_exts {
	const uint8_t *san, *acme;
	size_t san_len, acme_len;
	int nsan, nacme;
	bool acme_crit;
};

/* One Extension of the list: SAN and id-pe-acmeIdentifier are kept. */
static bool ext_one(struct der_r *exts, struct alpn_exts *x)
{
	struct der_elem ext, oid, v;
	bool crit = false;
	if (!der_expect(exts, DER_SEQUENCE, &ext))
		return false;
	struct der_r er = der_in(&ext);
	if (!der_expect(&er, DER_OID, &oid))
		return false;
	if (der_peek(&er, DER_BOOLEAN)) {
		if (!der_next(&er, &v) || v.len != 1)
			return false;
		crit = v.val[0] != 0;
	}
	if (!der_expect(&er, DER_OCTET_STRING, &v) || er.len != 0)
		return false;
	if (der_oid_eq(&oid, (const uint8_t *)OID_CE_SAN, OID_LEN(OID_CE_SAN))) {
		x->nsan++;
		x->san = v.val;
		x->san_len = v.len;
	} else if (der_oid_eq(&oid, (const uint8_t *)OID_PE_ACME_IDENTIFIER,
			      OID_LEN(OID_PE_ACME_IDENTIFIER))) {
		x->nacme++;
		x->acme = v.val;
		x->acme_len = v.len;
		x->acme_crit = crit;
	}
	return true;
}

/* Walk Certificate -> TBSCertificate -> extensions; false if not DER X.509. */
static bool cert_exts(const uint8_t *der, size_t len, struct alpn_exts *x)
{
	struct der_r top = {der, len}, cert, tbs;
	struct der_elem e, ce, te;
	memset(x, 0, sizeof(*x));
	if (!der_expect(&top, DER_SEQUENCE, &ce) || top.len != 0)
		return false;
	cert = der_in(&ce);
	if (!der_expect(&cert, DER_SEQUENCE, &te))
		return false;
	tbs = der_in(&te);
	if (der_peek(&tbs, DER_CTX_CONS(0)) && !der_next(&tbs, &e))
		return false;
	/* serial, signature, issuer, validity, subject, subjectPublicKeyInfo */
	static const uint8_t tags[] = {DER_INTEGER,  DER_SEQUENCE, DER_SEQUENCE,
				       DER_SEQUENCE, DER_SEQUENCE, DER_SEQUENCE};
	for (size_t i = 0; i < sizeof(tags); i++)
		if (!der_expect(&tbs, tags[i], &e))
			return false;
	while (tbs.len > 0) {
		if (!der_next(&tbs, &e))
			return false;
		if (e.tag != DER_CTX_CONS(3))
			continue; /* issuerUniqueID, subjectUniqueID */
		struct der_r w = der_in(&e), exts;
		struct der_elem seq;
		if (!der_expect(&w, DER_SEQUENCE, &seq) || w.len != 0)
			return false;
		exts = der_in(&seq);
		while (exts.len > 0)
			if (!ext_one(&exts, x))
				return false;
	}
	return true;
}

/* One GeneralName: does it name the identifier? */
static bool name_matches(const struct acme_check *c, const struct der_elem *gn)
{
	if (c->is_ip && gn->tag == DER_CTX(7)) {
		uint8_t a[16];
		if ((gn->len == 4 && inet_pton(AF_INET, c->identifier, a) == 1) ||
		    (gn->len == 16 && inet_pton(AF_INET6, c->identifier, a) == 1))
			return memcmp(a, gn->val, gn->len) == 0;
		return false;
	}
	if (!c->is_ip && gn->tag == DER_CTX(2))
		return gn->len == strlen(c->identifier) &&
		       strncasecmp((const char *)gn->val, c->identifier, gn->len) == 0;
	return false;
}

/* subjectAltName: exactly one GeneralName, the identifier (RFC 8737 3).
 * *bad set when the value is not DER. */
static bool judge_san(const struct acme_check *c, const struct alpn_exts *x, bool *bad,
		      struct acme_check_result *r)
{
	if (x->nsan != 1) {
		check_fail(r, "unauthorized",
			   "the certificate has %s subjectAltName extension; it needs exactly one "
			   "naming %s",
			   x->nsan == 0 ? "no" : "more than one", c->identifier);
		return false;
	}
	struct der_r sr = {x->san, x->san_len}, names;
	struct der_elem seq, gn;
	char seen[160] = "";
	if (!der_expect(&sr, DER_SEQUENCE, &seq) || sr.len != 0)
		return !(*bad = true);
	names = der_in(&seq);
	int count = 0;
	bool match = false;
	while (names.len > 0) {
		if (!der_next(&names, &gn))
			return !(*bad = true);
		if (++count == 1)
			check_quote(seen, sizeof(seen), gn.val, gn.len < 64 ? gn.len : 64);
		match = name_matches(c, &gn);
	}
	if (count != 1 || !match) {
		check_fail(r, "unauthorized",
			   "the certificate's subjectAltName has %d names%s%s%s; it must be "
			   "exactly %s",
			   count, count ? " (the first \"" : "", seen, count ? "\")" : "",
			   c->identifier);
		return false;
	}
	return true;
}

/* id-pe-acmeIdentifier: one, critical, OCTET STRING SHA-256(key_auth). */
static bool judge_acme_ext(const struct acme_check *c, const struct alpn_exts *x,
			   struct acme_check_result *r)
{
	if (x->nacme != 1) {
		check_fail(r, "unauthorized",
			   "the certificate for %s has %s id-pe-acmeIdentifier extension "
			   "(1.3.6.1.5.5.7.1.31)",
			   c->identifier, x->nacme == 0 ? "no" : "more than one");
		return false;
	}
	if (!x->acme_crit) {
		check_fail(r, "unauthorized",
			   "the certificate's id-pe-acmeIdentifier extension is not critical");
		return false;
	}
	struct der_r ar = {x->acme, x->acme_len};
	struct der_elem os;
	uint8_t want[32];
	if (!der_expect(&ar, DER_OCTET_STRING, &os) || ar.len != 0 || os.len != 32) {
		check_fail(r, "unauthorized",
			   "the certificate's id-pe-acmeIdentifier is not an OCTET STRING of "
			   "32 bytes");
		return false;
	}
	if (hash_sha256((const uint8_t *)c->key_auth, strlen(c->key_auth), want) != CA_OK) {
		check_fail(r, "serverInternal", "SHA-256 failed");
		return false;
	}
	if (memcmp(want, os.val, 32) != 0) {
		char got[65], w[65];
		hex_encode(os.val, 32, got);
		hex_encode(want, 32, w);
		check_fail(r, "incorrectResponse",
			   "the certificate's id-pe-acmeIdentifier is %s, expected SHA-256 of "
			   "the key authorization %s",
			   got, w);
		return false;
	}
	return true;
}

/* Judge the certificate (DER); true if it proves key_auth for the identifier. */
static bool cert_judge(const struct acme_check *c, const uint8_t *der, size_t len,
		       struct acme_check_result *r)
{
	struct alpn_exts x;
	bool bad = false;
	if (cert_exts(der, len, &x)) {
		if (!judge_san(c, &x, &bad, r))
			goto no;
		return judge_acme_ext(c, &x, r);
	}
	bad = true;
no:
	if (bad)
		check_fail(r, "unauthorized",
			   "the certificate the server showed is not valid DER X.509");
	return false;
}

/* Wait for the fd in the direction GnuTLS last needed; false at the deadline. */
static bool wait_io(gnutls_session_t ss, int fd, int64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = gnutls_record_get_direction(ss) ? POLLOUT : POLLIN};
	int left = check_left_ms(deadline);
	if (left <= 0)
		return false;
	int rc;
	do
		rc = poll(&p, 1, left);
	while (rc < 0 && errno == EINTR);
	return rc > 0;
}

/* One handshake on fd; r filled with the verdict. */
static void handshake(const struct acme_check *c, int fd, const char *sni, const char *where,
		      int64_t deadline, struct acme_check_result *r)
{
	gnutls_session_t ss = NULL;
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_datum_t alpn = {.data = (unsigned char *)ALPN_ACME, .size = sizeof(ALPN_ACME) - 1};
	int rc;

	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		check_fail(r, "serverInternal", "GnuTLS: no credentials");
		goto out;
	}
	if (gnutls_init(&ss, GNUTLS_CLIENT | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL) < 0) {
		ss = NULL;
		check_fail(r, "serverInternal", "GnuTLS: no session");
		goto out;
	}
	/* TLS 1.2 and 1.3 only (RFC 8737 4); no trust store: the certificate is
	 * judged below, never verified. RFC 8737 sets no keyUsage rule and
	 * clients set what they like (lego's says keyEncipherment alone, on a
	 * key that signs the handshake), so GnuTLS's check of the peer's
	 * keyUsage would only refuse right answers. %COMPAT is the one switch
	 * that turns it off; what else it relaxes matters not here, since
	 * nothing is sent over this connection and it closes after the
	 * handshake. */
	if (gnutls_priority_set_direct(ss, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%COMPAT",
				       NULL) < 0 ||
	    gnutls_credentials_set(ss, GNUTLS_CRD_CERTIFICATE, cred) < 0 ||
	    gnutls_server_name_set(ss, GNUTLS_NAME_DNS, sni, strlen(sni)) < 0 ||
	    gnutls_alpn_set_protocols(ss, &alpn, 1, 0) < 0) {
		check_fail(r, "serverInternal", "GnuTLS: cannot set up the session");
		goto out;
	}
	gnutls_transport_set_int(ss, fd);
	do {
		rc = gnutls_handshake(ss);
		if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
			if (!wait_io(ss, fd, deadline)) {
				check_fail(r, "connection",
					   "%s: no TLS handshake within the deadline", where);
				goto out;
			}
			continue;
		}
	} while (rc < 0 && gnutls_error_is_fatal(rc) == 0);
	if (rc < 0) {
		check_fail(r, "tls", "%s: TLS handshake failed: %s", where, gnutls_strerror(rc));
		goto out;
	}
	gnutls_datum_t proto = {0};
	if (gnutls_alpn_get_selected_protocol(ss, &proto) < 0 ||
	    proto.size != sizeof(ALPN_ACME) - 1 || memcmp(proto.data, ALPN_ACME, proto.size) != 0) {
		check_fail(r, "tls", "%s: the server did not negotiate ALPN \"acme-tls/1\"", where);
		goto out;
	}
	unsigned n = 0;
	const gnutls_datum_t *certs = gnutls_certificate_get_peers(ss, &n);
	if (certs == NULL || n < 1 || certs[0].size == 0) {
		check_fail(r, "tls", "%s: the server showed no certificate", where);
		goto out;
	}
	if (cert_judge(c, certs[0].data, certs[0].size, r)) {
		r->valid = true;
	} else {
		/* Say where: the address goes in front of the verdict. */
		char d[sizeof(r->detail)];
		memcpy(d, r->detail, sizeof(d));
		check_fail(r, r->problem, "%s: %s", where, d);
	}
out:
	if (ss != NULL)
		gnutls_deinit(ss);
	if (cred != NULL)
		gnutls_certificate_free_credentials(cred);
}

void tlsalpn01_check(const struct acme_check_cfg *cfg, const struct acme_check *c, int64_t deadline,
		     struct acme_check_result *r)
{
	struct resolver_addrs ad;
	char sni[80], err[200] = "", where[320];
	int port = cfg->tls_port > 0 ? cfg->tls_port : 443;

	memset(&ad, 0, sizeof(ad));
	if (c->is_ip) {
		if (strlen(c->identifier) >= sizeof(ad.addr[0]) ||
		    !reverse_name(c->identifier, sni, sizeof(sni))) {
			check_fail(r, "serverInternal", "bad IP identifier");
			return;
		}
		memcpy(ad.addr[0], c->identifier,
		       strlen(c->identifier) + 1); /* an IP literal: < 46 */
		ad.n = 1;
	} else {
		enum dns_status st =
		    resolver_addrs(cfg->dns_server, c->identifier, deadline, &ad, err, sizeof(err));
		if (ad.n == 0) {
			check_fail(r, "dns", "DNS problem: %s (%s)", err,
				   st == DNS_FAIL ? "look-up failed" : "no address");
			return;
		}
	}
	const char *name = c->is_ip ? sni : c->identifier;
	for (size_t i = 0; i < ad.n; i++) {
		int fd = dial(ad.addr[i], port, deadline, err, sizeof(err));
		if (fd < 0)
			continue;
		snprintf(where, sizeof(where), "%s port %d (%s)", c->identifier, port, ad.addr[i]);
		handshake(c, fd, name, where, deadline, r);
		close(fd);
		return;
	}
	check_fail(r, "connection", "%s port %d: %s", c->identifier, port, err);
}
