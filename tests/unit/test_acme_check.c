/*
 * ACME challenge validation against real servers on loopback: a tiny HTTP
 * responder in a thread of this program, Debian's pebble-challtestsrv as the
 * DNS server (records set over its management API), openssl s_server as the
 * tls-alpn-01 target, and a UDP socket that never answers as a dead DNS
 * server. Every verdict a client would see is asserted: valid, problem type,
 * and what the CA says it saw.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acme/check.h"
#include "acme/resolver.h"
#include "crypto/hash.h"
#include "internal.h"

#define KEY_AUTH "tok-123_ABC.thumbprintthumbprintthumbprint_0123456"
#define TOKEN	 "tok-123_ABC"

/* ---- helpers ---- */

static int free_port(int type)
{
	int fd = socket(AF_INET, type, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof(a);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static bool port_open(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static void wait_port(int port)
{
	for (int i = 0; i < 200; i++) {
		if (port_open(port))
			return;
		usleep(25000);
	}
	fail_msg("nothing listens on port %d", port);
}

static pid_t spawn(char *const argv[])
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", 1);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static void reap(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

/* POST body to 127.0.0.1:port path; returns the HTTP status. */
static int post(int port, const char *path, const char *body)
{
	char req[2048], resp[512];
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	int n = snprintf(req, sizeof(req),
			 "POST %s HTTP/1.0\r\nHost: x\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\n\r\n%s",
			 path, strlen(body), body);
	assert_int_equal(write(fd, req, (size_t)n), n);
	ssize_t got = read(fd, resp, sizeof(resp) - 1);
	close(fd);
	assert_true(got > 12);
	resp[got] = '\0';
	return atoi(resp + 9);
}

/* ---- the servers ---- */

enum mode { M_OK, M_WRONG, M_404, M_LOOP, M_BIG, M_BIGCL, M_HANG, M_BADPORT, M_REDIR };

static struct {
	int http_port, dns_port, mgmt_port, dead_dns_port, dead_fd;
	pid_t pebble;
	char dir[64];
	int caa_fd, caa_port;
	pthread_t caa_th;
	int lfd;
	volatile enum mode mode;
	volatile bool stop;
	pthread_t th;
} S;

static void send_all(int fd, const char *s)
{
	size_t n = strlen(s);
	while (n > 0) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void serve_one(int fd)
{
	char req[4096], out[1024];
	size_t n = 0;
	struct timeval tv = {.tv_sec = 5};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (n < sizeof(req) - 1) {
		ssize_t r = read(fd, req + n, sizeof(req) - 1 - n);
		if (r <= 0)
			return;
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	bool final = strstr(req, "GET /final ") != NULL;
	bool want_path = strstr(req, "GET /.well-known/acme-challenge/" TOKEN " ") != NULL;
	enum mode m = final ? M_OK : S.mode;
	if (!final && !want_path && m != M_LOOP)
		m = M_404;
	switch (m) {
	case M_OK:
		snprintf(
		    out, sizeof(out),
		    "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s \r\n",
		    strlen(KEY_AUTH) + 3, KEY_AUTH);
		send_all(fd, out);
		break;
	case M_WRONG:
		send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 20\r\nConnection: close\r\n\r\n"
			     "<html>nope\x01</html>\r\n");
		break;
	case M_404:
		send_all(fd,
			 "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\n"
			 "not here\n");
		break;
	case M_LOOP:
		snprintf(out, sizeof(out),
			 "HTTP/1.1 302 Found\r\nLocation: http://a.test:%d/loop\r\nContent-Length: "
			 "0\r\nConnection: close\r\n\r\n",
			 S.http_port);
		send_all(fd, out);
		break;
	case M_REDIR:
		snprintf(
		    out, sizeof(out),
		    "HTTP/1.1 301 Moved\r\nLocation: http://b.test:%d/final\r\nContent-Length: "
		    "0\r\nConnection: close\r\n\r\n",
		    S.http_port);
		send_all(fd, out);
		break;
	case M_BADPORT:
		send_all(fd,
			 "HTTP/1.1 302 Found\r\nLocation: http://a.test:8081/x\r\nContent-Length: "
			 "0\r\nConnection: close\r\n\r\n");
		break;
	case M_BIG:
	case M_BIGCL: {
		/* 1 GiB, or until the client hangs up. */
		static char chunk[65536];
		memset(chunk, 'A', sizeof(chunk));
		send_all(fd, m == M_BIG ? "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"
					: "HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n");
		for (long sent = 0; sent < (1L << 30); sent += (long)sizeof(chunk)) {
			if (send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL) <= 0)
				break;
		}
		break;
	}
	case M_HANG: {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		(void)poll(&p, 1, 15000); /* until the client gives up */
		break;
	}
	}
}

static void *http_server(void *arg)
{
	(void)arg;
	while (!S.stop) {
		struct pollfd p = {.fd = S.lfd, .events = POLLIN};
		if (poll(&p, 1, 100) <= 0)
			continue;
		int fd = accept(S.lfd, NULL, NULL);
		if (fd < 0)
			continue;
		serve_one(fd);
		close(fd);
	}
	return NULL;
}

static void *caa_server(void *arg);

static int setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	/* HTTP responder */
	S.lfd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(S.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof(a);
	assert_int_equal(bind(S.lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(S.lfd, 16), 0);
	assert_int_equal(getsockname(S.lfd, (struct sockaddr *)&a, &l), 0);
	S.http_port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&S.th, NULL, http_server, NULL), 0);

	/* A DNS server that reads nothing and answers nothing. */
	S.dead_fd = socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_port = 0;
	assert_int_equal(bind(S.dead_fd, (struct sockaddr *)&a, sizeof(a)), 0);
	l = sizeof(a);
	assert_int_equal(getsockname(S.dead_fd, (struct sockaddr *)&a, &l), 0);
	S.dead_dns_port = ntohs(a.sin_port);

	/* pebble-challtestsrv: DNS on loopback, A 127.0.0.1 for every name, no AAAA. */
	char dns[64], mgmt[64];
	S.dns_port = free_port(SOCK_DGRAM);
	S.mgmt_port = free_port(SOCK_STREAM);
	snprintf(dns, sizeof(dns), "127.0.0.1:%d", S.dns_port);
	snprintf(mgmt, sizeof(mgmt), "127.0.0.1:%d", S.mgmt_port);
	char *argv[] = {"pebble-challtestsrv",
			"-dns01",
			dns,
			"-http01",
			"",
			"-https01",
			"",
			"-tlsalpn01",
			"",
			"-defaultIPv4",
			"127.0.0.1",
			"-defaultIPv6",
			"",
			"-management",
			mgmt,
			NULL};
	S.pebble = spawn(argv);
	wait_port(S.mgmt_port);

	/* Our own CAA responder, and a directory for certificates. */
	S.caa_fd = socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_port = 0;
	assert_int_equal(bind(S.caa_fd, (struct sockaddr *)&a, sizeof(a)), 0);
	l = sizeof(a);
	assert_int_equal(getsockname(S.caa_fd, (struct sockaddr *)&a, &l), 0);
	S.caa_port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&S.caa_th, NULL, caa_server, NULL), 0);
	snprintf(S.dir, sizeof(S.dir), "/tmp/privca-acme-XXXXXX");
	assert_non_null(mkdtemp(S.dir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	S.stop = true;
	pthread_join(S.th, NULL);
	pthread_join(S.caa_th, NULL);
	close(S.caa_fd);
	close(S.lfd);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", S.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", S.dir);
	close(S.dead_fd);
	reap(S.pebble);
	return 0;
}

static struct acme_check_cfg cfg(int timeout_ms)
{
	static char dns[64];
	snprintf(dns, sizeof(dns), "127.0.0.1:%d", S.dns_port);
	return (struct acme_check_cfg){
	    .dns_server = dns, .http_port = S.http_port, .timeout_ms = timeout_ms};
}

static struct acme_check chk(enum acme_chall t, const char *ident)
{
	struct acme_check c;
	memset(&c, 0, sizeof(c));
	c.type = t;
	snprintf(c.id, sizeof(c.id), "ch-1");
	snprintf(c.identifier, sizeof(c.identifier), "%s", ident);
	snprintf(c.token, sizeof(c.token), "%s", TOKEN);
	snprintf(c.key_auth, sizeof(c.key_auth), "%s", KEY_AUTH);
	return c;
}

static void run_http(enum mode m, const char *ident, int timeout_ms, struct acme_check_result *r)
{
	struct acme_check_cfg k = cfg(timeout_ms);
	struct acme_check c = chk(ACME_CHALL_HTTP01, ident);
	c.is_ip = strchr(ident, ':') != NULL || (ident[0] >= '0' && ident[0] <= '9');
	S.mode = m;
	acme_check_run(&k, &c, r);
}

#define assert_contains(hay, needle)                                                               \
	do {                                                                                       \
		if (strstr((hay), (needle)) == NULL)                                               \
			fail_msg("\"%s\" does not contain \"%s\"", (hay), (needle));               \
	} while (0)

/* ---- http-01 ---- */

static void http_right_answer_is_valid(void **state)
{
	(void)state;
	struct acme_check_result r;
	run_http(M_OK, "a.test", 5000, &r);
	assert_true(r.valid);
	run_http(M_OK, "127.0.0.1", 5000, &r);
	assert_true(r.valid);
}

static void http_wrong_body_shows_the_body(void **state)
{
	(void)state;
	struct acme_check_result r;
	run_http(M_WRONG, "a.test", 5000, &r);
	assert_false(r.valid);
	assert_string_equal(r.problem, "incorrectResponse");
	assert_contains(r.detail, "<html>nope\\x01</html>");
	assert_contains(r.detail, "status 200");
}

static void http_404_is_unauthorized(void **state)
{
	(void)state;
	struct acme_check_result r;
	run_http(M_404, "a.test", 5000, &r);
	assert_false(r.valid);
	assert_string_equal(r.problem, "unauthorized");
	assert_contains(r.detail, "status 404");
	assert_contains(r.detail, "not here");
}

static void http_nothing_listening_is_connection(void **state)
{
	(void)state;
	struct acme_check_result r;
	struct acme_check_cfg k = cfg(5000);
	k.http_port = free_port(SOCK_STREAM);
	struct acme_check c = chk(ACME_CHALL_HTTP01, "a.test");
	acme_check_run(&k, &c, &r);
	assert_false(r.valid);
	assert_string_equal(r.problem, "connection");
	assert_contains(r.detail, "127.0.0.1");
}

static void http_redirect_followed(void **state)
{
	(void)state;
	struct acme_check_result r;
	run_http(M_REDIR, "a.test", 5000, &r);
	assert_true(r.valid);
}

static void http_redirect_loop_stops_at_ten(void **state)
{
	(void)state;
	struct acme_check_result r;
	int64_t t0 = check_now_ms();
	run_http(M_LOOP, "a.test", 8000, &r);
	assert_false(r.valid);
	assert_string_equal(r.problem, "connection");
	assert_contains(r.detail, "too many redirects");
	assert_true(check_now_ms() - t0 < 8000);
}

static void http_redirect_to_other_port_refused(void **state)
{
	(void)state;
	struct acme_check_result r;
	run_http(M_BADPORT, "a.test", 5000, &r);
	assert_false(r.valid);
	assert_string_equal(r.problem, "connection");
	assert_contains(r.detail, ":8081/x");
	assert_contains(r.detail, "only ports 80, 443");
}

static void http_huge_body_cut_at_limit(void **state)
{
	(void)state;
	struct acme_check_result r;
	int64_t t0 = check_now_ms();
	run_http(M_BIG, "a.test", 5000, &r);
	assert_false(r.valid);
	assert_string_equal(r.problem, "incorrectResponse");
	assert_contains(r.detail, "longer than 8192 bytes");
	assert_contains(r.detail, "AAAAAAAA");
	run_http(M_BIGCL, "a.test", 5000, &r);
	assert_false(r.valid);
	assert_string_equal(r.problem, "incorrectResponse");
	assert_contains(r.detail, "longer than 8192 bytes");
	assert_true(check_now_ms() - t0 < 3000); /* cut, not read to the end */
}

static void http_hanging_server_bounded(void **state)
{
	(void)state;
	struct acme_check_result r;
	int64_t t0 = check_now_ms();
	run_http(M_HANG, "a.test", 1500, &r);
	int64_t took = check_now_ms() - t0;
	assert_false(r.valid);
	assert_string_equal(r.problem, "connection");
	assert_contains(r.detail, "deadline");
	assert_true(took >= 1300 && took < 2500);
}

static void http_dead_dns_is_dns_problem(void **state)
{
	(void)state;
	struct acme_check_result r;
	char dns[64];
	snprintf(dns, sizeof(dns), "127.0.0.1:%d", S.dead_dns_port);
	struct acme_check_cfg k = cfg(1500);
	k.dns_server = dns;
	struct acme_check c = chk(ACME_CHALL_HTTP01, "a.test");
	int64_t t0 = check_now_ms();
	acme_check_run(&k, &c, &r);
	int64_t took = check_now_ms() - t0;
	assert_false(r.valid);
	assert_string_equal(r.problem, "dns");
	assert_true(took < 2500);
}

/* ---- dns-01 ---- */

static void set_txt(const char *host, const char *value)
{
	char body[512];
	snprintf(body, sizeof(body), "{\"host\":\"%s\",\"value\":\"%s\"}", host, value);
	assert_int_equal(post(S.mgmt_port, "/set-txt", body), 200);
}

static void dns_right_txt_is_valid(void **state)
{
	(void)state;
	char want[44];
	struct acme_check_result r;
	check_key_auth_digest(KEY_AUTH, want);
	assert_int_equal(strlen(want), 43);
	set_txt("_acme-challenge.d1.test.", want);
	struct acme_check_cfg k = cfg(3000);
	struct acme_check c = chk(ACME_CHALL_DNS01, "d1.test");
	acme_check_run(&k, &c, &r);
	assert_true(r.valid);
	/* A wildcard order validates the base name's TXT record. */
	c.wildcard = true;
	acme_check_run(&k, &c, &r);
	assert_true(r.valid);
}

static void dns_wrong_txt_is_incorrect(void **state)
{
	(void)state;
	struct acme_check_result r;
	set_txt("_acme-challenge.d2.test.", "not-the-digest");
	struct acme_check_cfg k = cfg(3000);
	struct acme_check c = chk(ACME_CHALL_DNS01, "d2.test");
	acme_check_run(&k, &c, &r);
	assert_false(r.valid);
	assert_string_equal(r.problem, "incorrectResponse");
	assert_contains(r.detail, "\"not-the-digest\"");
	assert_contains(r.detail, "_acme-challenge.d2.test");
}

static void dns_missing_txt_is_unauthorized(void **state)
{
	(void)state;
	struct acme_check_result r;
	struct acme_check_cfg k = cfg(3000);
	struct acme_check c = chk(ACME_CHALL_DNS01, "d3.test");
	acme_check_run(&k, &c, &r);
	assert_false(r.valid);
	assert_string_equal(r.problem, "unauthorized");
	assert_contains(r.detail, "no TXT record found at _acme-challenge.d3.test");
}

static void dns_dead_server_bounded(void **state)
{
	(void)state;
	struct acme_check_result r;
	char dns[64];
	snprintf(dns, sizeof(dns), "127.0.0.1:%d", S.dead_dns_port);
	struct acme_check_cfg k = cfg(1200);
	k.dns_server = dns;
	struct acme_check c = chk(ACME_CHALL_DNS01, "d1.test");
	int64_t t0 = check_now_ms();
	acme_check_run(&k, &c, &r);
	int64_t took = check_now_ms() - t0;
	assert_false(r.valid);
	assert_string_equal(r.problem, "dns");
	assert_contains(r.detail, "within the deadline");
	assert_true(took >= 1000 && took < 2200);
}

/* ---- bad input ---- */

static void bad_fields_refused(void **state)
{
	(void)state;
	struct acme_check_result r;
	struct acme_check_cfg k = cfg(1000);
	struct acme_check c = chk(ACME_CHALL_HTTP01, "a.test/../x");
	acme_check_run(&k, &c, &r);
	assert_false(r.valid);
	assert_string_equal(r.problem, "serverInternal");
	c = chk(ACME_CHALL_HTTP01, "a.test");
	snprintf(c.token, sizeof(c.token), "a/b");
	acme_check_run(&k, &c, &r);
	assert_false(r.valid);
	c = chk(ACME_CHALL_HTTP01, "a.test");
	snprintf(c.key_auth, sizeof(c.key_auth), "other.thumb");
	acme_check_run(&k, &c, &r);
	assert_false(r.valid);
	c = chk(ACME_CHALL_DNS01, "127.0.0.1");
	c.is_ip = true;
	acme_check_run(&k, &c, &r);
	assert_false(r.valid);
	memset(c.identifier, 'a', sizeof(c.identifier));
	c.is_ip = false;
	acme_check_run(&k, &c, &r);
	assert_false(r.valid);
	assert_string_equal(r.problem, "serverInternal");
}

static void chall_names(void **state)
{
	(void)state;
	enum acme_chall t;
	for (int i = 0; i < ACME_CHALL_MAX; i++) {
		assert_true(acme_chall_parse(acme_chall_name((enum acme_chall)i), &t));
		assert_int_equal(t, i);
	}
	assert_false(acme_chall_parse("http-02", &t));
	assert_false(acme_chall_parse("", &t));
	assert_string_equal(acme_chall_name(ACME_CHALL_TLSALPN01), "tls-alpn-01");
}

/* ---- the pool ---- */

struct tally {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done, null_results, per_id[64];
};

static void on_done(void *arg, const struct acme_check *c, const struct acme_check_result *r)
{
	struct tally *t = arg;
	pthread_mutex_lock(&t->mu);
	t->done++;
	if (r == NULL)
		t->null_results++;
	int id = atoi(c->id);
	if (id >= 0 && id < 64)
		t->per_id[id]++;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

static void pool_done_once_per_check(void **state)
{
	(void)state;
	struct tally t = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
	struct acme_validator *v;
	struct acme_check_cfg k = cfg(3000);
	char want[44];
	check_key_auth_digest(KEY_AUTH, want);
	set_txt("_acme-challenge.d1.test.", want);
	assert_int_equal(acme_validator_start(&k, 3, 64, on_done, &t, &v), CA_OK);
	for (int i = 0; i < 40; i++) {
		struct acme_check c = chk(ACME_CHALL_DNS01, "d1.test");
		struct ca_error e;
		snprintf(c.id, sizeof(c.id), "%d", i);
		assert_int_equal(acme_validator_submit(v, &c, &e), CA_OK);
	}
	pthread_mutex_lock(&t.mu);
	while (t.done < 40)
		pthread_cond_wait(&t.cv, &t.mu);
	pthread_mutex_unlock(&t.mu);
	acme_validator_stop(v);
	assert_int_equal(t.done, 40);
	assert_int_equal(t.null_results, 0);
	for (int i = 0; i < 40; i++)
		assert_int_equal(t.per_id[i], 1);
}

static void pool_full_refused_and_stop_drops_queued(void **state)
{
	(void)state;
	struct tally t = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
	struct acme_validator *v;
	struct acme_check_cfg k = cfg(1500);
	struct ca_error e;
	S.mode = M_HANG;
	assert_int_equal(acme_validator_start(&k, 1, 2, on_done, &t, &v), CA_OK);
	struct acme_check c = chk(ACME_CHALL_HTTP01, "a.test");
	snprintf(c.id, sizeof(c.id), "0");
	assert_int_equal(acme_validator_submit(v, &c, &e), CA_OK);
	usleep(300000); /* the one worker takes it and hangs on the target */
	snprintf(c.id, sizeof(c.id), "1");
	assert_int_equal(acme_validator_submit(v, &c, &e), CA_OK);
	snprintf(c.id, sizeof(c.id), "2");
	assert_int_equal(acme_validator_submit(v, &c, &e), CA_OK);
	snprintf(c.id, sizeof(c.id), "3");
	assert_int_equal(acme_validator_submit(v, &c, &e), CA_ERR_BAD_REQUEST);
	assert_contains(e.detail, "queue is full");
	int64_t t0 = check_now_ms();
	acme_validator_stop(v);
	assert_true(check_now_ms() - t0 < 2000); /* the running check's deadline, no more */
	assert_int_equal(t.done, 3);
	assert_int_equal(t.null_results, 2);
	assert_int_equal(t.per_id[0], 1);
	assert_int_equal(t.per_id[1], 1);
	assert_int_equal(t.per_id[2], 1);
	assert_int_equal(t.per_id[3], 0);
}

static void pool_bad_settings_refused(void **state)
{
	(void)state;
	struct tally t = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
	struct acme_validator *v = (struct acme_validator *)&t;
	struct acme_check_cfg k = cfg(1000);
	assert_int_equal(acme_validator_start(&k, 0, 4, on_done, &t, &v), CA_ERR_BAD_REQUEST);
	assert_null(v);
	assert_int_equal(acme_validator_start(&k, 1, 0, on_done, &t, &v), CA_ERR_BAD_REQUEST);
	assert_true(acme_check_dns_server_ok("127.0.0.1:5353"));
	assert_true(acme_check_dns_server_ok("[::1]:53"));
	assert_false(acme_check_dns_server_ok("not an address"));
	assert_false(acme_check_dns_server_ok(""));
	assert_false(acme_check_dns_server_ok(NULL));
	k.dns_server = "not an address";
	assert_int_equal(acme_validator_start(&k, 1, 4, on_done, &t, &v), CA_ERR_BAD_REQUEST);
	k = cfg(1000);
	k.http_port = 70000;
	assert_int_equal(acme_validator_start(&k, 1, 4, on_done, &t, &v), CA_ERR_BAD_REQUEST);
	assert_int_equal(t.done, 0);
}

/* ---- tls-alpn-01: openssl s_server shows a certificate made by openssl req ---- */

/* Make a self-signed certificate in S.dir/NAME.{crt,key} with the given -addext values. */
static void make_cert(const char *name, const char *san, const char *acme_ext)
{
	char cmd[2048], crt[300], key[300];
	snprintf(crt, sizeof(crt), "%s/%s.crt", S.dir, name);
	snprintf(key, sizeof(key), "%s/%s.key", S.dir, name);
	int n = snprintf(cmd, sizeof(cmd),
			 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
			 "-keyout %s -out %s -subj /CN=acme -days 1 -addext subjectAltName=%s",
			 key, crt, san);
	if (acme_ext != NULL)
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " -addext '1.3.6.1.5.5.7.1.31=%s'",
			      acme_ext);
	snprintf(cmd + n, sizeof(cmd) - (size_t)n, " >/dev/null 2>&1");
	assert_int_equal(system(cmd), 0);
}

/* A TLS server in Python that writes each SNI it is sent to S.dir/sni.txt. */
static const char sni_server_py[] =
    "import socket, ssl, sys\n"
    "crt, key, port, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]\n"
    "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
    "ctx.load_cert_chain(crt, key)\n"
    "ctx.set_alpn_protocols(['acme-tls/1'])\n"
    "def seen(sock, name, c):\n"
    "    with open(out, 'a') as f:\n"
    "        f.write('%s\\n' % name)\n"
    "ctx.sni_callback = seen\n"
    "s = socket.socket()\n"
    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind(('127.0.0.1', port))\n"
    "s.listen(8)\n"
    "while True:\n"
    "    c, _ = s.accept()\n"
    "    c.settimeout(5)\n"
    "    try:\n"
    "        t = ctx.wrap_socket(c, server_side=True)\n"
    "        t.recv(1)\n"
    "    except Exception:\n"
    "        pass\n"
    "    c.close()\n";

/* What the SNI server saw, as one string of lines. */
static void sni_seen(char *out, size_t cap)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/sni.txt", S.dir);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(out, 1, cap - 1, f) : 0;
	out[n] = '\0';
	if (f)
		fclose(f);
	unlink(path);
}

static int tls_serve_sni(const char *name, pid_t *pid)
{
	char crt[300], key[300], port_s[16], out[300];
	int port = free_port(SOCK_STREAM);
	snprintf(crt, sizeof(crt), "%s/%s.crt", S.dir, name);
	snprintf(key, sizeof(key), "%s/%s.key", S.dir, name);
	snprintf(out, sizeof(out), "%s/sni.txt", S.dir);
	snprintf(port_s, sizeof(port_s), "%d", port);
	char *argv[] = {"python3", "-c", (char *)sni_server_py, crt, key, port_s, out, NULL};
	*pid = spawn(argv);
	wait_port(port);
	return port;
}

static int tls_serve(const char *name, const char *alpn, pid_t *pid)
{
	char crt[300], key[300], acc[64];
	int port = free_port(SOCK_STREAM);
	snprintf(crt, sizeof(crt), "%s/%s.crt", S.dir, name);
	snprintf(key, sizeof(key), "%s/%s.key", S.dir, name);
	snprintf(acc, sizeof(acc), "127.0.0.1:%d", port);
	char *argv[] = {"openssl",    "s_server", "-quiet", "-accept", acc,
			"-cert",      crt,	  "-key",   key,       alpn ? "-alpn" : NULL,
			(char *)alpn, NULL};
	*pid = spawn(argv);
	wait_port(port);
	return port;
}

static void der_ext(char *out, size_t cap, bool critical, const char *key_auth)
{
	char hex[65];
	assert_int_equal(hash_sha256_hex((const uint8_t *)key_auth, strlen(key_auth), hex), CA_OK);
	snprintf(out, cap, "%sDER:0420%s", critical ? "critical," : "", hex);
}

static void run_tls(const char *cert, const char *alpn, const char *ident, bool is_ip,
		    struct acme_check_result *r)
{
	pid_t pid;
	int port = tls_serve(cert, alpn, &pid);
	struct acme_check_cfg k = cfg(4000);
	k.tls_port = port;
	struct acme_check c = chk(ACME_CHALL_TLSALPN01, ident);
	c.is_ip = is_ip;
	acme_check_run(&k, &c, r);
	reap(pid);
}

static void tls_sends_sni(void **state)
{
	(void)state;
	struct acme_check_result r;
	char ext[200];
	pid_t pid;
	der_ext(ext, sizeof(ext), true, KEY_AUTH);
	char seen[256];
	make_cert("good", "DNS:t.test", ext);
	make_cert("goodip", "IP:127.0.0.1", ext);
	struct acme_check_cfg k = cfg(4000);
	struct acme_check c = chk(ACME_CHALL_TLSALPN01, "t.test");
	k.tls_port = tls_serve_sni("good", &pid);
	acme_check_run(&k, &c, &r);
	reap(pid);
	if (!r.valid)
		fail_msg("%s: %s", r.problem, r.detail);
	sni_seen(seen, sizeof(seen));
	assert_string_equal(seen, "t.test\n");
	/* RFC 8738 6: an address goes into SNI as its reverse-mapping name. */
	c = chk(ACME_CHALL_TLSALPN01, "127.0.0.1");
	c.is_ip = true;
	k.tls_port = tls_serve_sni("goodip", &pid);
	acme_check_run(&k, &c, &r);
	reap(pid);
	if (!r.valid)
		fail_msg("%s: %s", r.problem, r.detail);
	sni_seen(seen, sizeof(seen));
	assert_string_equal(seen, "1.0.0.127.in-addr.arpa\n");
}

static void tls_right_cert_is_valid(void **state)
{
	(void)state;
	struct acme_check_result r;
	char ext[200];
	der_ext(ext, sizeof(ext), true, KEY_AUTH);
	make_cert("good", "DNS:t.test", ext);
	run_tls("good", "acme-tls/1", "t.test", false, &r);
	if (!r.valid)
		fail_msg("%s: %s", r.problem, r.detail);
	make_cert("goodip", "IP:127.0.0.1", ext);
	run_tls("goodip", "acme-tls/1", "127.0.0.1", true, &r);
	if (!r.valid)
		fail_msg("%s: %s", r.problem, r.detail);
	/* The name's certificate does not prove the address, nor the other way round. */
	run_tls("good", "acme-tls/1", "127.0.0.1", true, &r);
	assert_false(r.valid);
	assert_string_equal(r.problem, "unauthorized");
	assert_contains(r.detail, "subjectAltName");
}

/* Certificates and servers that must not pass, each with what the CA says. */
static void tls_wrong_certificates_refused(void **state)
{
	(void)state;
	enum ext { RIGHT, WRONG_DIGEST, NONE, NOT_CRITICAL };
	static const struct {
		const char *cert, *san;
		enum ext ext;
		const char *alpn, *problem, *detail;
	} cases[] = {
	    {"wrongdigest", "DNS:t.test", WRONG_DIGEST, "acme-tls/1", "incorrectResponse",
	     "id-pe-acmeIdentifier is "},
	    {"noext", "DNS:t.test", NONE, "acme-tls/1", "unauthorized", "no id-pe-acmeIdentifier"},
	    {"noncrit", "DNS:t.test", NOT_CRITICAL, "acme-tls/1", "unauthorized", "not critical"},
	    {"twonames", "DNS:t.test,DNS:u.test", RIGHT, "acme-tls/1", "unauthorized",
	     "has 2 names"},
	    {"othername", "DNS:u.test", RIGHT, "acme-tls/1", "unauthorized", "\"u.test\""},
	    {"addr", "IP:127.0.0.1", RIGHT, "acme-tls/1", "unauthorized", "must be exactly t.test"},
	    {"good", "DNS:t.test", RIGHT, NULL, "tls", "did not negotiate ALPN \"acme-tls/1\""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct acme_check_result r;
		char ext[200];
		der_ext(ext, sizeof(ext), cases[i].ext != NOT_CRITICAL,
			cases[i].ext == WRONG_DIGEST ? "some.other-key-authorization" : KEY_AUTH);
		make_cert(cases[i].cert, cases[i].san, cases[i].ext == NONE ? NULL : ext);
		run_tls(cases[i].cert, cases[i].alpn, "t.test", false, &r);
		if (r.valid)
			fail_msg("%s: valid", cases[i].cert);
		assert_string_equal(r.problem, cases[i].problem);
		assert_contains(r.detail, cases[i].detail);
	}
}

static void tls_silent_target_bounded(void **state)
{
	(void)state;
	struct acme_check_result r;
	struct acme_check_cfg k = cfg(1500);
	k.tls_port = S.http_port; /* the HTTP responder, hanging: accepts, says nothing */
	struct acme_check c = chk(ACME_CHALL_TLSALPN01, "t.test");
	S.mode = M_HANG;
	int64_t t0 = check_now_ms();
	acme_check_run(&k, &c, &r);
	int64_t took = check_now_ms() - t0;
	assert_false(r.valid);
	assert_string_equal(r.problem, "connection");
	assert_contains(r.detail, "deadline");
	assert_true(took >= 1300 && took < 2500);
	/* Nothing listening at all. */
	k.tls_port = free_port(SOCK_STREAM);
	acme_check_run(&k, &c, &r);
	assert_false(r.valid);
	assert_string_equal(r.problem, "connection");
	assert_contains(r.detail, "refused");
}

/* ---- CAA: a DNS responder of our own, for records pebble cannot make (flags) ---- */

struct caa_rec {
	const char *name;
	uint8_t flags;
	const char *tag, *value;
};

static const struct caa_rec caa_zone[] = {
    {"ok.test", 0, "issue", "privca.example"},
    {"ok.test", 0, "iodef", "mailto:ops@ok.test"},
    {"no.test", 0, "issue", "other.example"},
    {"crit.test", 0, "issue", "privca.example"},
    {"crit.test", 128, "tbs", "unknown"},
    {"noncrit.test", 0, "issue", "privca.example"},
    {"noncrit.test", 0, "tbs", "unknown"},
    {"wild.test", 0, "issue", "privca.example"},
    {"wild.test", 0, "issuewild", "other.example"},
    {"iodef.test", 0, "iodef", "mailto:ops@iodef.test"},
    {"meth.test", 0, "issue", "privca.example; validationmethods=dns-01"},
    {"empty.test", 0, "issue", ";"},
    {"case.test", 0, "issue", " PrivCA.Example ; accounturi=https://x/acct/1"},
};

static void *caa_server(void *arg)
{
	(void)arg;
	while (!S.stop) {
		uint8_t q[512], a[2048];
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		struct pollfd p = {.fd = S.caa_fd, .events = POLLIN};
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t n = recvfrom(S.caa_fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		if (n < 17)
			continue;
		/* The question: one name, then type and class. */
		char name[256];
		size_t o = 12, w = 0;
		while (o < (size_t)n && q[o] != 0 && w < 200) {
			size_t l = q[o];
			if (o + 1 + l > (size_t)n)
				break;
			if (w)
				name[w++] = '.';
			memcpy(name + w, q + o + 1, l);
			w += l;
			o += 1 + l;
		}
		name[w] = '\0';
		size_t qend = o + 5;
		if (qend > (size_t)n)
			continue;
		uint16_t qtype = (uint16_t)(q[o + 1] << 8 | q[o + 2]);
		memcpy(a, q, qend);
		a[2] = 0x81;
		a[3] = 0x80;
		a[6] = a[7] = a[8] = a[9] = a[10] = a[11] = 0;
		size_t len = qend;
		unsigned an = 0;
		if (strcmp(name, "fail.test") == 0)
			a[3] = 0x82; /* SERVFAIL */
		for (size_t i = 0; qtype == 257 && i < sizeof(caa_zone) / sizeof(caa_zone[0]);
		     i++) {
			const struct caa_rec *rr = &caa_zone[i];
			if (strcasecmp(rr->name, name) != 0)
				continue;
			size_t tl = strlen(rr->tag), vl = strlen(rr->value), rl = 2 + tl + vl;
			uint8_t *p2 = a + len;
			p2[0] = 0xc0;
			p2[1] = 12;
			p2[2] = 1; /* type 257 */
			p2[3] = 1;
			p2[4] = 0;
			p2[5] = 1;
			memset(p2 + 6, 0, 4);
			p2[10] = (uint8_t)(rl >> 8);
			p2[11] = (uint8_t)rl;
			p2[12] = rr->flags;
			p2[13] = (uint8_t)tl;
			memcpy(p2 + 14, rr->tag, tl);
			memcpy(p2 + 14 + tl, rr->value, vl);
			len += 12 + rl;
			an++;
		}
		a[7] = (uint8_t)an;
		(void)sendto(S.caa_fd, a, len, 0, (struct sockaddr *)&from, fl);
	}
	return NULL;
}

static bool caa(const char *ident, bool wildcard, enum acme_chall type, struct acme_check_result *r)
{
	char dns[64];
	snprintf(dns, sizeof(dns), "127.0.0.1:%d", S.caa_port);
	struct acme_check_cfg k = cfg(2000);
	k.dns_server = dns;
	k.caa_identity = "privca.example";
	struct acme_check c = chk(type, ident);
	c.wildcard = wildcard;
	memset(r, 0, sizeof(*r));
	return caa_check(&k, &c, check_now_ms() + 2000, r);
}

static void caa_verdicts(void **state)
{
	(void)state;
	struct acme_check_result r;
	assert_true(caa("ok.test", false, ACME_CHALL_HTTP01, &r));
	assert_true(caa("www.ok.test", false, ACME_CHALL_HTTP01, &r));	/* climbs to ok.test */
	assert_true(caa("none.test", false, ACME_CHALL_HTTP01, &r));	/* no CAA anywhere */
	assert_true(caa("iodef.test", false, ACME_CHALL_HTTP01, &r));	/* nothing restricts */
	assert_true(caa("noncrit.test", false, ACME_CHALL_HTTP01, &r)); /* unknown, not critical */
	assert_true(caa("case.test", false, ACME_CHALL_HTTP01, &r));
	assert_true(caa("wild.test", false, ACME_CHALL_DNS01, &r)); /* issue governs the base */
	assert_true(caa("meth.test", false, ACME_CHALL_DNS01, &r));

	assert_false(caa("no.test", false, ACME_CHALL_HTTP01, &r));
	assert_string_equal(r.problem, "caa");
	assert_contains(r.detail, "no.test");
	assert_false(caa("a.b.no.test", false, ACME_CHALL_HTTP01, &r));
	assert_string_equal(r.problem, "caa");
	assert_contains(r.detail, "CAA record for no.test");
	assert_false(caa("crit.test", false, ACME_CHALL_HTTP01, &r));
	assert_string_equal(r.problem, "caa");
	assert_contains(r.detail, "critical unknown tag \"tbs\"");
	assert_false(caa("wild.test", true, ACME_CHALL_DNS01, &r));
	assert_string_equal(r.problem, "caa");
	assert_contains(r.detail, "issuewild");
	assert_false(caa("meth.test", false, ACME_CHALL_HTTP01, &r));
	assert_string_equal(r.problem, "caa");
	assert_false(caa("empty.test", false, ACME_CHALL_HTTP01, &r));
	assert_string_equal(r.problem, "caa");
	assert_false(caa("fail.test", false, ACME_CHALL_HTTP01, &r));
	assert_string_equal(r.problem, "dns");
}

static void caa_after_valid_challenge(void **state)
{
	(void)state;
	char want[44], body[256];
	struct acme_check_result r;
	check_key_auth_digest(KEY_AUTH, want);
	set_txt("_acme-challenge.caa1.test.", want);
	snprintf(body, sizeof(body),
		 "{\"host\":\"caa1.test.\",\"policies\":[{\"tag\":\"issue\",\"value\":\"other."
		 "example\"}]}");
	assert_int_equal(post(S.mgmt_port, "/add-caa", body), 200);
	struct acme_check_cfg k = cfg(3000);
	k.caa_identity = "privca.example";
	struct acme_check c = chk(ACME_CHALL_DNS01, "caa1.test");
	acme_check_run(&k, &c, &r);
	assert_false(r.valid);
	assert_string_equal(r.problem, "caa");
	/* The same CA named in the record: valid. */
	k.caa_identity = "other.example";
	acme_check_run(&k, &c, &r);
	if (!r.valid)
		fail_msg("%s: %s", r.problem, r.detail);
	/* An IP identifier has no CAA (RFC 8738 7). */
	k.caa_identity = "privca.example";
	S.mode = M_OK;
	c = chk(ACME_CHALL_HTTP01, "127.0.0.1");
	c.is_ip = true;
	acme_check_run(&k, &c, &r);
	assert_true(r.valid);
}

/* ---- the reply reader, on the fuzz seeds ---- */

static size_t seed(const char *name, uint8_t *buf, size_t cap)
{
	char path[512];
	const char *slash = strrchr(__FILE__, '/');
	snprintf(path, sizeof(path), "%.*s/../fuzz/dns/%s", (int)(slash - __FILE__), __FILE__,
		 name);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void dns_reader_on_seeds(void **state)
{
	(void)state;
	uint8_t m[4096];
	struct dns_reply rep;
	char txt[256], name[64], methods[32];
	struct dns_caa caa;

	size_t n = seed("txt-two-records", m, sizeof(m));
	assert_true(dns_reply_parse(m, n, DNS_T_TXT, &rep));
	assert_int_equal(rep.rcode, 0);
	assert_int_equal(rep.n, 2);
	assert_true(dns_txt_join(&rep.rr[0], txt, sizeof(txt)));
	assert_true(strcmp(txt, "second") == 0 ||
		    strcmp(txt, "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0") == 0);
	assert_false(dns_txt_join(&rep.rr[0], txt, 4)); /* does not fit: refused, not cut */

	n = seed("caa-issue-issuewild-iodef", m, sizeof(m));
	assert_true(dns_reply_parse(m, n, DNS_T_CAA, &rep));
	assert_int_equal(rep.n, 3);
	assert_true(dns_caa_parse(&rep.rr[0], &caa));
	assert_string_equal(caa.tag, "issue");
	assert_true(
	    dns_caa_issuer(caa.value, caa.value_len, name, sizeof(name), methods, sizeof(methods)));
	assert_string_equal(name, "privca.example");
	assert_string_equal(methods, "dns-01");
	assert_true(dns_caa_parse(&rep.rr[1], &caa));
	assert_string_equal(caa.tag, "issuewild");
	assert_true(
	    dns_caa_issuer(caa.value, caa.value_len, name, sizeof(name), methods, sizeof(methods)));
	assert_string_equal(name, "");

	n = seed("txt-cname-strings", m, sizeof(m));
	assert_true(dns_reply_parse(m, n, DNS_T_TXT, &rep));
	assert_int_equal(rep.n, 1);
	assert_true(dns_txt_join(&rep.rr[0], txt, sizeof(txt)));
	assert_string_equal(txt, "abcdefgh");
	assert_true(dns_reply_parse(m, n, DNS_T_CNAME, &rep));
	assert_int_equal(rep.n, 1);

	n = seed("caa-critical-unknown", m, sizeof(m));
	assert_true(dns_reply_parse(m, n, DNS_T_CAA, &rep));
	assert_int_equal(rep.n, 2);
	assert_true(dns_caa_parse(&rep.rr[0], &caa));
	assert_int_equal(caa.flags, 128);
	assert_string_equal(caa.tag, "tbs");

	n = seed("nxdomain", m, sizeof(m));
	assert_true(dns_reply_parse(m, n, DNS_T_TXT, &rep));
	assert_int_equal(rep.rcode, DNS_RCODE_NXDOMAIN);
	assert_int_equal(rep.n, 0);

	/* Every truncation of a good reply is refused or parsed within bounds. */
	n = seed("a-default", m, sizeof(m));
	assert_true(dns_reply_parse(m, n, DNS_T_A, &rep));
	assert_int_equal(rep.n, 1);
	assert_int_equal(rep.rr[0].len, 4);
	for (size_t k = 0; k < n; k++)
		assert_false(dns_reply_parse(m, k, DNS_T_A, &rep) && rep.n == 1 &&
			     rep.rr[0].data + rep.rr[0].len > m + k);
	assert_false(dns_reply_parse(m, 11, DNS_T_A, &rep));
}

static void caa_issue_grammar(void **state)
{
	(void)state;
	char name[64], methods[32];
	static const struct {
		const char *v;
		bool ok;
		const char *name;
	} cases[] = {
	    {"privca.example", true, "privca.example"},
	    {"  PrivCA.Example  ", true, "privca.example"},
	    {";", true, ""},
	    {"", true, ""},
	    {"ca.example; accounturi=https://a/b; validationmethods=http-01", true, "ca.example"},
	    {"ca.example;", true, "ca.example"},
	    {"ca.example.", false, NULL},
	    {"-ca.example", false, NULL},
	    {"ca..example", false, NULL},
	    {"ca.example x", false, NULL},
	    {"ca.example; =v", false, NULL},
	    {"ca.example; k", false, NULL},
	    {"ca_example", false, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool ok = dns_caa_issuer((const uint8_t *)cases[i].v, strlen(cases[i].v), name,
					 sizeof(name), methods, sizeof(methods));
		if (ok != cases[i].ok)
			fail_msg("\"%s\": %d", cases[i].v, ok);
		if (ok)
			assert_string_equal(name, cases[i].name);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(chall_names),
	    cmocka_unit_test(dns_reader_on_seeds),
	    cmocka_unit_test(caa_issue_grammar),
	    cmocka_unit_test(bad_fields_refused),
	    cmocka_unit_test(http_right_answer_is_valid),
	    cmocka_unit_test(http_wrong_body_shows_the_body),
	    cmocka_unit_test(http_404_is_unauthorized),
	    cmocka_unit_test(http_nothing_listening_is_connection),
	    cmocka_unit_test(http_redirect_followed),
	    cmocka_unit_test(http_redirect_loop_stops_at_ten),
	    cmocka_unit_test(http_redirect_to_other_port_refused),
	    cmocka_unit_test(http_huge_body_cut_at_limit),
	    cmocka_unit_test(http_hanging_server_bounded),
	    cmocka_unit_test(http_dead_dns_is_dns_problem),
	    cmocka_unit_test(dns_right_txt_is_valid),
	    cmocka_unit_test(dns_wrong_txt_is_incorrect),
	    cmocka_unit_test(dns_missing_txt_is_unauthorized),
	    cmocka_unit_test(dns_dead_server_bounded),
	    cmocka_unit_test(pool_done_once_per_check),
	    cmocka_unit_test(pool_full_refused_and_stop_drops_queued),
	    cmocka_unit_test(pool_bad_settings_refused),
	    cmocka_unit_test(tls_right_cert_is_valid),
	    cmocka_unit_test(tls_sends_sni),
	    cmocka_unit_test(tls_wrong_certificates_refused),
	    cmocka_unit_test(tls_silent_target_bounded),
	    cmocka_unit_test(caa_verdicts),
	    cmocka_unit_test(caa_after_valid_challenge),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
