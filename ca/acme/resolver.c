/*
 * The code in this file implements the validators' DNS: the reply reader
 * (RFC 1035 4.1, RFC 3596, RFC 8659 4.1) and the c-ares transport with a
 * hard deadline. See resolver.h.
 */
#include "resolver.h"

#include <arpa/inet.h>
#include <ares.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* ---- reply reader ---- */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/* Skip a (possibly compressed) name at *off; pointers are not followed. */
static bool skip_name(const uint8_t *msg, size_t len, size_t *off)
{
	size_t o = *off;
	for (;;) {
		if (o >= len)
			return false;
		uint8_t l = msg[o];
		if ((l & 0xc0) == 0xc0) {
			if (len - o < 2)
				return false;
			*off = o + 2;
			return true;
		}
		if (l & 0xc0) /* 0x40, 0x80: extended label types (RFC 6891 drops them) */
			return false;
		if (l == 0) {
			*off = o + 1;
			return true;
		}
		if (len - o - 1 < l)
			return false;
		o += 1 + (size_t)l;
	}
}

bool dns_reply_parse(const uint8_t *msg, size_t len, uint16_t qtype, struct dns_reply *out)
{
	memset(out, 0, sizeof(*out));
	if (len < 12)
		return false;
	if (!(msg[2] & 0x80)) /* QR: a response */
		return false;
	out->rcode = msg[3] & 0x0f;
	uint16_t qd = get16(msg + 4), an = get16(msg + 6);
	size_t off = 12;
	for (uint16_t i = 0; i < qd; i++) {
		if (!skip_name(msg, len, &off) || len - off < 4)
			return false;
		off += 4;
	}
	for (uint16_t i = 0; i < an; i++) {
		if (!skip_name(msg, len, &off) || len - off < 10)
			return false;
		uint16_t type = get16(msg + off), class = get16(msg + off + 2);
		size_t rdlen = get16(msg + off + 8);
		off += 10;
		if (len - off < rdlen)
			return false;
		if (type == qtype && class == 1) {
			if (out->n < DNS_RR_MAX) {
				out->rr[out->n].data = msg + off;
				out->rr[out->n].len = rdlen;
				out->n++;
			} else {
				out->dropped++;
			}
		}
		off += rdlen;
	}
	return true;
}

bool dns_txt_join(const struct dns_rr *rr, char *out, size_t cap)
{
	size_t o = 0, w = 0;
	if (cap == 0)
		return false;
	while (o < rr->len) {
		size_t l = rr->data[o++];
		if (rr->len - o < l)
			return false;
		if (cap - 1 - w < l)
			return false;
		if (memchr(rr->data + o, 0, l) != NULL)
			return false;
		memcpy(out + w, rr->data + o, l);
		w += l;
		o += l;
	}
	out[w] = '\0';
	return true;
}

static bool is_alnum(uint8_t ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

bool dns_caa_parse(const struct dns_rr *rr, struct dns_caa *out)
{
	memset(out, 0, sizeof(*out));
	if (rr->len < 2)
		return false;
	size_t tl = rr->data[1];
	if (tl < 1 || tl > 15 || rr->len - 2 < tl)
		return false;
	for (size_t i = 0; i < tl; i++) {
		if (!is_alnum(rr->data[2 + i]))
			return false;
		out->tag[i] = (char)rr->data[2 + i];
	}
	out->tag[tl] = '\0';
	out->flags = rr->data[0];
	out->value = rr->data + 2 + tl;
	out->value_len = rr->len - 2 - tl;
	return true;
}

static bool is_ws(uint8_t ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * RFC 8659 4.2:
 *   issue-value = *WSP [issuer-domain-name *WSP] [";" *WSP [parameters *WSP]]
 *   issuer-domain-name = label *("." label); label = (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT))
 *   parameters = (parameter *WSP ";" *WSP parameters) / parameter
 *   parameter = tag *WSP "=" *WSP value;  value = *(%x21-3A / %x3C-7E)
 */
bool dns_caa_issuer(const uint8_t *v, size_t len, char *name, size_t cap, char *methods,
		    size_t mcap)
{
	size_t i = 0, w = 0;
	if (cap == 0 || mcap == 0)
		return false;
	name[0] = methods[0] = '\0';
	while (i < len && is_ws(v[i]))
		i++;
	/* issuer-domain-name: labels of letters, digits and inner hyphens. */
	while (i < len && v[i] != ';' && !is_ws(v[i])) {
		size_t start = i;
		while (i < len && (is_alnum(v[i]) || v[i] == '-'))
			i++;
		if (i == start || v[start] == '-' || v[i - 1] == '-')
			return false;
		if (i < len && v[i] == '.') {
			i++;
			if (i == len || v[i] == ';' || is_ws(v[i]))
				return false; /* a trailing dot or an empty label */
		} else if (i < len && v[i] != ';' && !is_ws(v[i])) {
			return false;
		}
	}
	if (i > cap - 1)
		return false;
	for (size_t k = 0; k < i; k++) {
		if (is_ws(v[k]))
			continue;
		uint8_t ch = v[k];
		name[w++] = (char)((ch >= 'A' && ch <= 'Z') ? ch + 32 : ch);
	}
	name[w] = '\0';
	while (i < len && is_ws(v[i]))
		i++;
	if (i == len)
		return true;
	if (v[i] != ';')
		return false;
	i++;
	/* parameters */
	for (;;) {
		while (i < len && is_ws(v[i]))
			i++;
		if (i == len)
			return true;
		size_t ts = i;
		while (i < len && is_alnum(v[i]))
			i++;
		size_t te = i;
		if (te == ts)
			return false;
		while (i < len && is_ws(v[i]))
			i++;
		if (i == len || v[i] != '=')
			return false;
		i++;
		while (i < len && is_ws(v[i]))
			i++;
		size_t vs = i;
		while (i < len && v[i] >= 0x21 && v[i] <= 0x7e && v[i] != ';')
			i++;
		size_t ve = i;
		if (te - ts == 17 &&
		    strncasecmp((const char *)v + ts, "validationmethods", 17) == 0) {
			if (ve - vs > mcap - 1)
				return false;
			memcpy(methods, v + vs, ve - vs);
			methods[ve - vs] = '\0';
		}
		while (i < len && is_ws(v[i]))
			i++;
		if (i == len)
			return true;
		if (v[i] != ';')
			return false;
		i++;
	}
}

/* ---- transport ---- */

static pthread_once_t ares_once = PTHREAD_ONCE_INIT;
static int ares_init_rc = ARES_ENOTINITIALIZED;

static void ares_init_lib(void)
{
	ares_init_rc = ares_library_init(ARES_LIB_INIT_ALL);
}

/* A channel for one look-up, or NULL with err set. */
static ares_channel channel_open(const char *server, int left_ms, char *err, size_t errcap)
{
	ares_channel ch = NULL;
	struct ares_options o;
	int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS |
		   ARES_OPT_EDNSPSZ;
	char lookups[] = "b"; /* DNS only, never /etc/hosts */

	pthread_once(&ares_once, ares_init_lib);
	if (ares_init_rc != ARES_SUCCESS) {
		snprintf(err, errcap, "c-ares: %s", ares_strerror(ares_init_rc));
		return NULL;
	}
	memset(&o, 0, sizeof(o));
	o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_EDNS;
	o.ednspsz = 1232;
	o.tries = 2;
	/* Two tries share what is left; our own loop cuts it off at the deadline anyway. */
	o.timeout = left_ms / 2 > 100 ? left_ms / 2 : 100;
	o.lookups = lookups;
	int rc = ares_init_options(&ch, &o, mask);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errcap, "c-ares: %s", ares_strerror(rc));
		return NULL;
	}
	if (server != NULL) {
		rc = ares_set_servers_ports_csv(ch, server);
		if (rc != ARES_SUCCESS) {
			snprintf(err, errcap, "DNS server '%.60s': %s", server, ares_strerror(rc));
			ares_destroy(ch);
			return NULL;
		}
	}
	return ch;
}

bool resolver_server_ok(const char *server)
{
	char err[160];
	if (server == NULL || server[0] == '\0' || strlen(server) > 200)
		return false;
	ares_channel ch = channel_open(server, 1000, err, sizeof(err));
	if (ch == NULL)
		return false;
	ares_destroy(ch);
	return true;
}

struct query_state {
	bool done;
	int status;
	uint8_t *msg;
	size_t len;
};

static void on_reply(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct query_state *q = arg;
	(void)timeouts;
	q->done = true;
	q->status = status;
	if (abuf != NULL && alen > 0 && q->msg == NULL) {
		q->msg = malloc((size_t)alen);
		if (q->msg != NULL) {
			memcpy(q->msg, abuf, (size_t)alen);
			q->len = (size_t)alen;
		}
	}
}

static const char *type_name(uint16_t t)
{
	switch (t) {
	case DNS_T_A:
		return "A";
	case DNS_T_AAAA:
		return "AAAA";
	case DNS_T_TXT:
		return "TXT";
	case DNS_T_CAA:
		return "CAA";
	default:
		return "?";
	}
}

/* Drive the channel until the query is answered or the deadline passes. */
static void drive(ares_channel ch, struct query_state *q, int64_t deadline)
{
	while (!q->done) {
		int left = check_left_ms(deadline);
		if (left <= 0) {
			ares_cancel(ch); /* calls on_reply with ARES_ECANCELLED */
			return;
		}
		ares_socket_t socks[ARES_GETSOCK_MAXNUM];
		struct pollfd pfd[ARES_GETSOCK_MAXNUM];
		nfds_t n = 0;
		/* ARES_GETSOCK_WRITABLE shifts a signed 1 into bit 31: test the bits unsigned. */
		unsigned bits = (unsigned)ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
		for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			short ev = 0;
			if (bits & (1u << i))
				ev |= POLLIN;
			if (bits & (1u << (i + ARES_GETSOCK_MAXNUM)))
				ev |= POLLOUT;
			if (ev == 0)
				continue;
			pfd[n].fd = socks[i];
			pfd[n].events = ev;
			pfd[n].revents = 0;
			n++;
		}
		struct timeval max = {.tv_sec = left / 1000, .tv_usec = (left % 1000) * 1000}, tv;
		struct timeval *t = ares_timeout(ch, &max, &tv);
		int ms = (int)(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000);
		int rc = poll(pfd, n, ms);
		if (rc <= 0) {
			ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* timeouts */
			continue;
		}
		for (nfds_t i = 0; i < n && !q->done; i++) {
			ares_socket_t r = ARES_SOCKET_BAD, w = ARES_SOCKET_BAD;
			if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
				r = pfd[i].fd;
			if (pfd[i].revents & POLLOUT)
				w = pfd[i].fd;
			if (r != ARES_SOCKET_BAD || w != ARES_SOCKET_BAD)
				ares_process_fd(ch, r, w);
		}
	}
}

void resolver_lookup(const char *server, const char *name, uint16_t qtype, int64_t deadline,
		     struct dns_answer *a)
{
	struct query_state q = {0};
	memset(a, 0, sizeof(*a));
	a->status = DNS_FAIL;

	ares_channel ch = channel_open(server, check_left_ms(deadline), a->err, sizeof(a->err));
	if (ch == NULL)
		return;
	ares_query(ch, name, 1 /* IN */, qtype, on_reply, &q);
	drive(ch, &q, deadline);
	ares_destroy(ch); /* a still pending query is answered with ARES_EDESTRUCTION */
	a->msg = q.msg;
	a->len = q.len;

	switch (q.status) {
	case ARES_SUCCESS:
	case ARES_ENODATA:
	case ARES_ENOTFOUND:
		if (a->msg == NULL) {
			if (q.status == ARES_ENOTFOUND) {
				a->status = DNS_NXDOMAIN;
				return;
			}
			snprintf(a->err, sizeof(a->err), "%s %.100s: %s", type_name(qtype), name,
				 q.status == ARES_ENODATA ? "no answer" : "no reply kept");
			if (q.status == ARES_ENODATA)
				a->status = DNS_OK;
			return;
		}
		if (!dns_reply_parse(a->msg, a->len, qtype, &a->reply)) {
			snprintf(a->err, sizeof(a->err), "%s %.100s: malformed reply (%zu bytes)",
				 type_name(qtype), name, a->len);
			return;
		}
		if (a->reply.rcode == DNS_RCODE_NXDOMAIN) {
			a->status = DNS_NXDOMAIN;
		} else if (a->reply.rcode == 0) {
			a->status = DNS_OK;
		} else {
			snprintf(a->err, sizeof(a->err), "%s %.100s: RCODE %u", type_name(qtype),
				 name, a->reply.rcode);
		}
		return;
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION:
	case ARES_ETIMEOUT:
		snprintf(a->err, sizeof(a->err), "%s %.100s: no answer from %s within the deadline",
			 type_name(qtype), name, server != NULL ? server : "the system's DNS");
		return;
	default:
		snprintf(a->err, sizeof(a->err), "%s %.100s: %s", type_name(qtype), name,
			 ares_strerror(q.status));
		return;
	}
}

void dns_answer_free(struct dns_answer *a)
{
	free(a->msg);
	a->msg = NULL;
	a->len = 0;
	memset(&a->reply, 0, sizeof(a->reply));
}

static void add_addrs(const struct dns_answer *a, bool v6, struct resolver_addrs *out)
{
	for (size_t i = 0; i < a->reply.n && out->n < RESOLVER_ADDRS_MAX; i++) {
		const struct dns_rr *rr = &a->reply.rr[i];
		if (rr->len != (v6 ? 16u : 4u))
			continue;
		if (inet_ntop(v6 ? AF_INET6 : AF_INET, rr->data, out->addr[out->n],
			      sizeof(out->addr[0])) == NULL)
			continue;
		out->v6[out->n] = v6;
		out->n++;
	}
}

enum dns_status resolver_addrs(const char *server, const char *name, int64_t deadline,
			       struct resolver_addrs *out, char *err, size_t errcap)
{
	struct dns_answer a6, a4;
	memset(out, 0, sizeof(*out));
	resolver_lookup(server, name, DNS_T_AAAA, deadline, &a6);
	resolver_lookup(server, name, DNS_T_A, deadline, &a4);
	if (a6.status == DNS_OK)
		add_addrs(&a6, true, out);
	if (a4.status == DNS_OK)
		add_addrs(&a4, false, out);

	enum dns_status st = DNS_OK;
	if (out->n == 0) {
		if (a4.status == DNS_FAIL)
			snprintf(err, errcap, "%s", a4.err);
		else if (a6.status == DNS_FAIL)
			snprintf(err, errcap, "%s", a6.err);
		else
			snprintf(err, errcap, "no A or AAAA record for %.100s%s", name,
				 a4.status == DNS_NXDOMAIN ? " (NXDOMAIN)" : "");
		if (a4.status == DNS_FAIL && a6.status == DNS_FAIL)
			st = DNS_FAIL;
		else if (a4.status == DNS_FAIL || a6.status == DNS_FAIL)
			st = DNS_FAIL; /* one failed, the other had nothing: cannot tell */
		else
			st = a4.status == DNS_NXDOMAIN ? DNS_NXDOMAIN : DNS_OK;
	}
	dns_answer_free(&a6);
	dns_answer_free(&a4);
	return st;
}
