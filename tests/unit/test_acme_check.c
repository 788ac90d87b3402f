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
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acme/check.h"

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
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	S.stop = true;
	pthread_join(S.th, NULL);
	close(S.lfd);
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
	k.dns_server = "not an address";
	assert_int_equal(acme_validator_start(&k, 1, 4, on_done, &t, &v), CA_ERR_BAD_REQUEST);
	k = cfg(1000);
	k.http_port = 70000;
	assert_int_equal(acme_validator_start(&k, 1, 4, on_done, &t, &v), CA_ERR_BAD_REQUEST);
	assert_int_equal(t.done, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(chall_names),
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
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
