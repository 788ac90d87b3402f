/*
 * The code in this file implements the tls-alpn-01 check (RFC 8737, with
 * RFC 8738 6 for IP identifiers): a TLS 1.2+ handshake with IDENTIFIER:PORT
 * offering only ALPN "acme-tls/1", SNI the DNS name (or, for an IP, its
 * in-addr.arpa / ip6.arpa name, since SNI cannot carry an address), and a
 * self-signed certificate whose subjectAltName is exactly that one
 * identifier and whose critical id-pe-acmeIdentifier extension holds the
 * OCTET STRING SHA-256(key authorization).
 *
 * The client is wolfSSL's (the core's TLS and crypto library already; Debian
 * builds it with ALPN, SNI and SESSION_CERTS); the certificate is read with
 * our own DER reader, not wolfSSL's parser, so every rule above is checked
 * here. The certificate is not verified: it proves control, not identity.
 * Sockets are non-blocking and every wait is bounded by the deadline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "check.h"
#include "codec.h"
#include "der.h"
#include "internal.h"
#include "oid.h"
#include "resolver.h"

/* id-pe-acmeIdentifier, 1.3.6.1.5.5.7.1.31 (RFC 8737 6.1) */
#define OID_PE_ACME_IDENTIFIER "\x2b\x06\x01\x05\x05\x07\x01\x1f"
#define ALPN_ACME	       "acme-tls/1"

static pthread_once_t wolf_once = PTHREAD_ONCE_INIT;
static int wolf_init_rc;

static void wolf_init(void)
{
	wolf_init_rc = wolfSSL_Init();
}

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

/* Judge the certificate (DER); true if it proves key_auth for the identifier. */
static bool cert_judge(const struct acme_check *c, const uint8_t *der, size_t len,
		       struct acme_check_result *r)
{
	struct der_r top = {der, len}, cert, tbs;
	struct der_elem e, ce, te;
	const uint8_t *san = NULL, *acme = NULL;
	size_t san_len = 0, acme_len = 0;
	int nsan = 0, nacme = 0;
	bool acme_crit = false;

	if (!der_expect(&top, DER_SEQUENCE, &ce) || top.len != 0)
		goto malformed;
	cert = der_in(&ce);
	if (!der_expect(&cert, DER_SEQUENCE, &te))
		goto malformed;
	tbs = der_in(&te);
	if (der_peek(&tbs, DER_CTX_CONS(0)) && !der_next(&tbs, &e))
		goto malformed;
	/* serial, signature, issuer, validity, subject, subjectPublicKeyInfo */
	static const uint8_t tags[] = {DER_INTEGER,  DER_SEQUENCE, DER_SEQUENCE,
				       DER_SEQUENCE, DER_SEQUENCE, DER_SEQUENCE};
	for (size_t i = 0; i < sizeof(tags); i++)
		if (!der_expect(&tbs, tags[i], &e))
			goto malformed;
	while (tbs.len > 0) {
		if (!der_next(&tbs, &e))
			goto malformed;
		if (e.tag != DER_CTX_CONS(3))
			continue; /* issuerUniqueID, subjectUniqueID */
		struct der_r x = der_in(&e), exts;
		struct der_elem seq;
		if (!der_expect(&x, DER_SEQUENCE, &seq) || x.len != 0)
			goto malformed;
		exts = der_in(&seq);
		while (exts.len > 0) {
			struct der_elem ext, oid, v;
			bool crit = false;
			if (!der_expect(&exts, DER_SEQUENCE, &ext))
				goto malformed;
			struct der_r er = der_in(&ext);
			if (!der_expect(&er, DER_OID, &oid))
				goto malformed;
			if (der_peek(&er, DER_BOOLEAN)) {
				if (!der_next(&er, &v) || v.len != 1)
					goto malformed;
				crit = v.val[0] != 0;
			}
			if (!der_expect(&er, DER_OCTET_STRING, &v) || er.len != 0)
				goto malformed;
			if (der_oid_eq(&oid, (const uint8_t *)OID_CE_SAN, OID_LEN(OID_CE_SAN))) {
				nsan++;
				san = v.val;
				san_len = v.len;
			} else if (der_oid_eq(&oid, (const uint8_t *)OID_PE_ACME_IDENTIFIER,
					      OID_LEN(OID_PE_ACME_IDENTIFIER))) {
				nacme++;
				acme = v.val;
				acme_len = v.len;
				acme_crit = crit;
			}
		}
	}
	if (nsan != 1) {
		check_fail(r, "unauthorized",
			   "the certificate has %s subjectAltName extension; it needs exactly one "
			   "naming %s",
			   nsan == 0 ? "no" : "more than one", c->identifier);
		return false;
	}
	/* subjectAltName: exactly one GeneralName, the identifier (RFC 8737 3). */
	{
		struct der_r sr = {san, san_len}, names;
		struct der_elem seq, gn;
		char seen[160];
		if (!der_expect(&sr, DER_SEQUENCE, &seq) || sr.len != 0)
			goto malformed;
		names = der_in(&seq);
		int count = 0;
		bool match = false;
		seen[0] = '\0';
		while (names.len > 0) {
			if (!der_next(&names, &gn))
				goto malformed;
			count++;
			if (count == 1)
				check_quote(seen, sizeof(seen), gn.val, gn.len < 64 ? gn.len : 64);
			if (c->is_ip && gn.tag == DER_CTX(7)) {
				uint8_t a[16];
				if ((gn.len == 4 && inet_pton(AF_INET, c->identifier, a) == 1) ||
				    (gn.len == 16 && inet_pton(AF_INET6, c->identifier, a) == 1))
					match = memcmp(a, gn.val, gn.len) == 0;
			} else if (!c->is_ip && gn.tag == DER_CTX(2)) {
				match =
				    gn.len == strlen(c->identifier) &&
				    strncasecmp((const char *)gn.val, c->identifier, gn.len) == 0;
			}
		}
		if (count != 1 || !match) {
			check_fail(
			    r, "unauthorized",
			    "the certificate's subjectAltName has %d names%s%s%s; it must be "
			    "exactly %s",
			    count, count ? " (the first \"" : "", seen, count ? "\")" : "",
			    c->identifier);
			return false;
		}
	}
	if (nacme != 1) {
		check_fail(r, "unauthorized",
			   "the certificate for %s has %s id-pe-acmeIdentifier extension "
			   "(1.3.6.1.5.5.7.1.31)",
			   c->identifier, nacme == 0 ? "no" : "more than one");
		return false;
	}
	if (!acme_crit) {
		check_fail(r, "unauthorized",
			   "the certificate's id-pe-acmeIdentifier extension is not critical");
		return false;
	}
	{
		struct der_r ar = {acme, acme_len};
		struct der_elem os;
		uint8_t want[32];
		char got[160];
		if (!der_expect(&ar, DER_OCTET_STRING, &os) || ar.len != 0 || os.len != 32) {
			check_fail(
			    r, "unauthorized",
			    "the certificate's id-pe-acmeIdentifier is not an OCTET STRING of "
			    "32 bytes");
			return false;
		}
		sha256_bytes((const uint8_t *)c->key_auth, strlen(c->key_auth), want);
		if (memcmp(want, os.val, 32) != 0) {
			hex_encode(os.val, 32, got);
			char w[65];
			hex_encode(want, 32, w);
			check_fail(
			    r, "incorrectResponse",
			    "the certificate's id-pe-acmeIdentifier is %s, expected SHA-256 of "
			    "the key authorization %s",
			    got, w);
			return false;
		}
	}
	return true;
malformed:
	check_fail(r, "unauthorized", "the certificate the server showed is not valid DER X.509");
	return false;
}

/* Wait for the fd as wolfSSL asks; false at the deadline. */
static bool wait_io(int fd, int want, int64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = want == WOLFSSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN};
	int left = check_left_ms(deadline);
	if (left <= 0)
		return false;
	int rc;
	do
		rc = poll(&p, 1, left);
	while (rc < 0 && errno == EINTR);
	return rc > 0;
}

/* One handshake on fd; true if a verdict was reached (r filled either way). */
static void handshake(const struct acme_check *c, int fd, const char *sni, const char *where,
		      int64_t deadline, struct acme_check_result *r)
{
	WOLFSSL_CTX *ctx = NULL;
	WOLFSSL *ssl = NULL;
	char alpn[] = ALPN_ACME;

	ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
	if (ctx == NULL) {
		check_fail(r, "serverInternal", "wolfSSL: no context");
		goto out;
	}
	wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, NULL);
	if (wolfSSL_CTX_SetMinVersion(ctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS) {
		check_fail(r, "serverInternal", "wolfSSL: cannot require TLS 1.2");
		goto out;
	}
	ssl = wolfSSL_new(ctx);
	if (ssl == NULL || wolfSSL_set_fd(ssl, fd) != WOLFSSL_SUCCESS ||
	    wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, sni, (unsigned short)strlen(sni)) !=
		WOLFSSL_SUCCESS ||
	    wolfSSL_UseALPN(ssl, alpn, (unsigned)strlen(alpn), WOLFSSL_ALPN_CONTINUE_ON_MISMATCH) !=
		WOLFSSL_SUCCESS) {
		check_fail(r, "serverInternal", "wolfSSL: cannot set up the session");
		goto out;
	}
	for (;;) {
		int rc = wolfSSL_connect(ssl);
		if (rc == WOLFSSL_SUCCESS)
			break;
		int e = wolfSSL_get_error(ssl, rc);
		if (e == WOLFSSL_ERROR_WANT_READ || e == WOLFSSL_ERROR_WANT_WRITE) {
			if (!wait_io(fd, e, deadline)) {
				check_fail(r, "connection",
					   "%s: no TLS handshake within the deadline", where);
				goto out;
			}
			continue;
		}
		char msg[WOLFSSL_MAX_ERROR_SZ];
		wolfSSL_ERR_error_string_n((unsigned long)e, msg, sizeof(msg));
		check_fail(r, "tls", "%s: TLS handshake failed: %s (%d)", where, msg, e);
		goto out;
	}
	char *proto = NULL;
	unsigned short plen = 0;
	if (wolfSSL_ALPN_GetProtocol(ssl, &proto, &plen) != WOLFSSL_SUCCESS || proto == NULL ||
	    plen != strlen(ALPN_ACME) || memcmp(proto, ALPN_ACME, plen) != 0) {
		check_fail(r, "tls", "%s: the server did not negotiate ALPN \"acme-tls/1\"", where);
		goto out;
	}
	WOLFSSL_X509_CHAIN *chain = wolfSSL_get_peer_chain(ssl);
	if (chain == NULL || wolfSSL_get_chain_count(chain) < 1) {
		check_fail(r, "tls", "%s: the server showed no certificate", where);
		goto out;
	}
	int dl = wolfSSL_get_chain_length(chain, 0);
	const uint8_t *der = wolfSSL_get_chain_cert(chain, 0);
	if (der == NULL || dl <= 0) {
		check_fail(r, "tls", "%s: the server showed no certificate", where);
		goto out;
	}
	if (cert_judge(c, der, (size_t)dl, r))
		r->valid = true;
	else {
		/* Say where: the detail gets the address in front. */
		char d[sizeof(r->detail)];
		memcpy(d, r->detail, sizeof(d));
		check_fail(r, r->problem, "%s: %s", where, d);
	}
out:
	if (ssl != NULL) {
		wolfSSL_free(ssl);
	}
	if (ctx != NULL)
		wolfSSL_CTX_free(ctx);
}

void tlsalpn01_check(const struct acme_check_cfg *cfg, const struct acme_check *c, int64_t deadline,
		     struct acme_check_result *r)
{
	struct resolver_addrs ad;
	char sni[80], err[200] = "", where[320];
	int port = cfg->tls_port > 0 ? cfg->tls_port : 443;

	pthread_once(&wolf_once, wolf_init);
	if (wolf_init_rc != WOLFSSL_SUCCESS) {
		check_fail(r, "serverInternal", "wolfSSL could not start");
		return;
	}
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
