/*
 * The code in this file implements guard.h: a list of open connections
 * with the deadline each must meet, swept about once a second, and the
 * one-line-per-burst log of the connections it cut.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http/guard.h"

enum phase { PHASE_HEAD, PHASE_BODY, PHASE_ANSWER, PHASE_LINGER };

struct guard_conn {
	struct guard_conn *prev, *next;
	int fd;
	enum phase phase;
	long long deadline_ms; /* for PHASE_HEAD and PHASE_BODY */
	bool cut;	       /* shut down once: never twice */
	char peer[INET6_ADDRSTRLEN];
};

#define BURST_MS  60000
#define BURST_MAX 8 /* addresses named in a summary */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct guard_conn *head;
static unsigned nconns;

/* The burst being counted: its cuts, by phase and by address. */
static struct {
	long long first_ms; /* 0: no burst */
	unsigned heads, bodies;
	struct {
		char peer[INET6_ADDRSTRLEN];
		unsigned n;
	} by[BURST_MAX];
	unsigned others; /* cuts from addresses past BURST_MAX */
} burst;

static void peer_text(const struct sockaddr *sa, char out[INET6_ADDRSTRLEN])
{
	strcpy(out, "-");
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		(void)inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
				out, INET6_ADDRSTRLEN);
	else if (sa->sa_family == AF_INET6)
		(void)inet_ntop(AF_INET6,
				&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
				INET6_ADDRSTRLEN);
}

struct guard_conn *guard_open(int fd, const struct sockaddr *peer, long long now_ms)
{
	struct guard_conn *g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	g->fd = fd;
	g->phase = PHASE_HEAD;
	g->deadline_ms = now_ms + GUARD_HEAD_MS;
	peer_text(peer, g->peer);
	pthread_mutex_lock(&mu);
	g->next = head;
	if (head != NULL)
		head->prev = g;
	head = g;
	nconns++;
	pthread_mutex_unlock(&mu);
	return g;
}

static void set_phase(struct guard_conn *g, enum phase p, long long deadline_ms)
{
	if (g == NULL)
		return;
	pthread_mutex_lock(&mu);
	g->phase = p;
	g->deadline_ms = deadline_ms;
	pthread_mutex_unlock(&mu);
}

void guard_head_done(struct guard_conn *g, long long now_ms)
{
	set_phase(g, PHASE_BODY, now_ms + GUARD_BODY_MS);
}

void guard_body_done(struct guard_conn *g)
{
	set_phase(g, PHASE_ANSWER, 0);
}

void guard_linger(struct guard_conn *g, long long now_ms)
{
	set_phase(g, PHASE_LINGER, now_ms + GUARD_LINGER_MS);
}

void guard_request_done(struct guard_conn *g, long long now_ms)
{
	if (g == NULL)
		return;
	pthread_mutex_lock(&mu);
	if (g->phase != PHASE_LINGER) { /* a connection to be cut stays so */
		g->phase = PHASE_HEAD;
		g->deadline_ms = now_ms + GUARD_HEAD_MS;
	}
	pthread_mutex_unlock(&mu);
}

void guard_close(struct guard_conn *g)
{
	if (g == NULL)
		return;
	pthread_mutex_lock(&mu);
	if (g->prev != NULL)
		g->prev->next = g->next;
	else
		head = g->next;
	if (g->next != NULL)
		g->next->prev = g->prev;
	nconns--;
	pthread_mutex_unlock(&mu);
	free(g);
}

unsigned guard_count(void)
{
	pthread_mutex_lock(&mu);
	unsigned n = nconns;
	pthread_mutex_unlock(&mu);
	return n;
}

/* Under mu: count one cut of g into the burst. */
static void burst_add(const struct guard_conn *g, long long now_ms)
{
	if (burst.first_ms == 0) {
		burst.first_ms = now_ms;
		fprintf(stderr,
			"privca: cutting connections that do not send their request head within "
			"%d s or their body within %d s (slow clients, or a slow-header attack); "
			"one summary line a minute follows while it lasts\n",
			GUARD_HEAD_MS / 1000, GUARD_BODY_MS / 1000);
	}
	if (g->phase == PHASE_HEAD)
		burst.heads++;
	else
		burst.bodies++;
	for (unsigned i = 0; i < BURST_MAX; i++) {
		if (burst.by[i].n == 0)
			snprintf(burst.by[i].peer, sizeof(burst.by[i].peer), "%s", g->peer);
		if (strcmp(burst.by[i].peer, g->peer) == 0) {
			burst.by[i].n++;
			return;
		}
	}
	burst.others++;
}

/* Under mu: the summary of the burst, once a minute has passed. */
static void burst_flush(long long now_ms)
{
	if (burst.first_ms == 0 || now_ms - burst.first_ms < BURST_MS)
		return;
	char who[BURST_MAX * (INET6_ADDRSTRLEN + 16) + 32];
	size_t off = 0;
	who[0] = '\0';
	for (unsigned i = 0; i < BURST_MAX && burst.by[i].n > 0; i++) {
		int n = snprintf(who + off, sizeof(who) - off, "%s%s %u", off ? ", " : "",
				 burst.by[i].peer, burst.by[i].n);
		if (n < 0 || (size_t)n >= sizeof(who) - off)
			break;
		off += (size_t)n;
	}
	fprintf(stderr,
		"privca: cut %u connections in %lld s: %u slow request heads, %u slow bodies; "
		"from %s%s\n",
		burst.heads + burst.bodies, (now_ms - burst.first_ms) / 1000, burst.heads,
		burst.bodies, who, burst.others ? ", and other addresses" : "");
	memset(&burst, 0, sizeof(burst));
}

unsigned guard_sweep(long long now_ms)
{
	unsigned cut = 0;
	pthread_mutex_lock(&mu);
	for (struct guard_conn *g = head; g != NULL; g = g->next) {
		if (g->cut || g->phase == PHASE_ANSWER || now_ms < g->deadline_ms)
			continue;
		/* libmicrohttpd sees the end of the stream and closes the
		 * connection itself; guard_close runs before its close(2). */
		(void)shutdown(g->fd, SHUT_RDWR);
		g->cut = true;
		if (g->phase != PHASE_LINGER)
			burst_add(g, now_ms); /* a linger is no client's fault */
		cut++;
	}
	burst_flush(now_ms);
	pthread_mutex_unlock(&mu);
	return cut;
}
