/*
 * ca/acme/resolver.h — the DNS look-ups of the ACME validators: A, AAAA, TXT
 * and CAA through c-ares, either to the one server given (--acme-dns
 * ADDR:PORT) or to the system's (/etc/resolv.conf), never /etc/hosts, and
 * never past the caller's deadline. c-ares only carries the query; the
 * reply is parsed here (dns_reply_parse and friends, fuzzed by
 * tests/fuzz/fuzz_dns.c), so every byte a DNS server sends is bounded by our
 * own reader.
 *
 * Caveats: no DNSSEC validation; CNAMEs are followed by the recursive
 * server, and every record of the asked type in the answer section counts
 * (as c-ares' own parsers do).
 */
#ifndef PRIVCA_ACME_RESOLVER_H
#define PRIVCA_ACME_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "privca/ca.h"

#define DNS_T_A	    1
#define DNS_T_CNAME 5
#define DNS_T_TXT   16
#define DNS_T_AAAA  28
#define DNS_T_CAA   257

#define DNS_RCODE_NXDOMAIN 3

/* Records kept from one reply; more are counted in dns_reply.dropped. */
#define DNS_RR_MAX 32

/* One resource record's RDATA; points into the message it was parsed from. */
struct dns_rr {
	const uint8_t *data;
	size_t len;
};

struct dns_reply {
	unsigned rcode; /* RCODE of the header (0 NOERROR, 3 NXDOMAIN, ...) */
	size_t n;	/* records of the asked type in the answer section */
	size_t dropped; /* further ones past DNS_RR_MAX */
	struct dns_rr rr[DNS_RR_MAX];
};

/*
 * Parse a DNS response message (RFC 1035 4.1) and collect the RDATA of the
 * answer records of type qtype and class IN. false when the message is
 * malformed anywhere up to the end of the answer section (a name running
 * off the end, a bad label type, an RDLENGTH past the end). out points into
 * msg and lives as long as it does.
 */
bool dns_reply_parse(const uint8_t *msg, size_t len, uint16_t qtype, struct dns_reply *out) CA_WUR;

/*
 * TXT RDATA (RFC 1035 3.3.14): the character-strings joined without
 * separator (RFC 8555 8.4 takes a record's strings as one value) into out
 * (cap bytes, NUL-terminated). false when malformed, when it holds a NUL
 * byte, or when it does not fit.
 */
bool dns_txt_join(const struct dns_rr *rr, char *out, size_t cap) CA_WUR;

/* CAA RDATA (RFC 8659 4.1): flags, tag (1..15 letters and digits), value. */
struct dns_caa {
	uint8_t flags; /* 128 = Issuer Critical */
	char tag[16];
	const uint8_t *value; /* into the record's data */
	size_t value_len;
};
bool dns_caa_parse(const struct dns_rr *rr, struct dns_caa *out) CA_WUR;

/*
 * The issuer-domain-name of an issue/issuewild value (RFC 8659 4.2), and
 * the value of its validationmethods parameter (RFC 8657 4) if any. The
 * name goes into name (cap bytes; "" when the value names no issuer: ";"
 * or empty), methods into methods (mcap bytes; "" when absent). false when
 * the value does not follow the grammar or a part does not fit.
 */
bool dns_caa_issuer(const uint8_t *value, size_t len, char *name, size_t cap, char *methods,
		    size_t mcap) CA_WUR;

/* True if server is a list of ADDR[:PORT] that c-ares takes ("127.0.0.1:5353", "[::1]:53"). */
bool resolver_server_ok(const char *server);

enum dns_status {
	DNS_OK,	      /* NOERROR; reply.n may be 0 (no record of that type) */
	DNS_NXDOMAIN, /* the name does not exist */
	DNS_FAIL,     /* timeout, SERVFAIL, REFUSED, malformed reply: see err */
};

/* One look-up and its parsed answer; release with dns_answer_free. */
struct dns_answer {
	enum dns_status status;
	uint8_t *msg; /* the reply as received, owned; reply points into it */
	size_t len;
	struct dns_reply reply;
	char err[160]; /* when DNS_FAIL: what went wrong, printable ASCII */
};

/*
 * Ask server (NULL: the system's) for name/qtype and wait at most until
 * deadline (check_now_ms() scale). Fills *a in every case; a->status says
 * how it went.
 */
void resolver_lookup(const char *server, const char *name, uint16_t qtype, int64_t deadline,
		     struct dns_answer *a);
void dns_answer_free(struct dns_answer *a);

/* Addresses of a host name, AAAA ones first, as text ("::1", "127.0.0.1"). */
#define RESOLVER_ADDRS_MAX 8
struct resolver_addrs {
	size_t n;
	char addr[RESOLVER_ADDRS_MAX][46];
	bool v6[RESOLVER_ADDRS_MAX];
};

/*
 * A and AAAA for name. DNS_OK with out->n > 0; DNS_NXDOMAIN or DNS_OK with
 * none when there is no address; DNS_FAIL when both look-ups failed. err
 * (errcap bytes) says why when out->n == 0.
 */
enum dns_status resolver_addrs(const char *server, const char *name, int64_t deadline,
			       struct resolver_addrs *out, char *err, size_t errcap);

#endif
