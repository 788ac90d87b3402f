/*
 * Deadlines for connections (issue 13 item 3): a client must send its
 * whole request head within GUARD_HEAD_MS of connecting (or of its last
 * answer, on a kept-alive connection) and its whole body within
 * GUARD_BODY_MS of the head. libmicrohttpd's own timeout is an idle
 * timeout that every byte resets, so one header line every few seconds
 * would hold a connection for ever; a connection past its deadline is shut
 * down here (shutdown(2), never close(2): the descriptor stays
 * libmicrohttpd's, which then closes it).
 *
 * Cuts are logged as one line per burst (at most one a minute), never one
 * per connection. No libmicrohttpd types: http/daemon.c and exchange.c call
 * these from their callbacks. Thread-safe: one mutex over every connection.
 *
 * Caveats: the limit on connections per address is libmicrohttpd's (set in
 * http/daemon.c); this file only bounds how long each one may take.
 */
#ifndef PRIVCA_HTTP_GUARD_H
#define PRIVCA_HTTP_GUARD_H

#include <stdbool.h>
#include <sys/socket.h>

#define GUARD_HEAD_MS	10000
#define GUARD_BODY_MS	30000
#define GUARD_LINGER_MS 2000

struct guard_conn;

/*
 * Register the accepted connection on fd from peer (may be NULL) at
 * now_ms (CLOCK_MONOTONIC); its head deadline starts. Returns the record,
 * which the caller hands back to guard_close, or NULL when out of memory
 * (the connection then has no deadline beyond libmicrohttpd's).
 */
struct guard_conn *guard_open(int fd, const struct sockaddr *peer, long long now_ms);
/* The request head arrived: the body deadline starts. g may be NULL. */
void guard_head_done(struct guard_conn *g, long long now_ms);
/* The body is complete: no deadline while the request is answered. */
void guard_body_done(struct guard_conn *g);
/* Answered before the body ended (a 413 written at once): the connection
 * is cut GUARD_LINGER_MS from now, time enough for the client to read the
 * answer rather than a reset. */
void guard_linger(struct guard_conn *g, long long now_ms);
/* The answer is sent: the next head's deadline starts (keep-alive). */
void guard_request_done(struct guard_conn *g, long long now_ms);
/* The connection is closing: g is freed. g may be NULL. */
void guard_close(struct guard_conn *g);

/*
 * Shut down every connection past its deadline at now_ms, and write the
 * summary line of a burst of cuts once a minute has passed since its first.
 * Returns how many were shut down. Called about once a second.
 */
unsigned guard_sweep(long long now_ms);

/* Connections registered now (for tests and the soak). */
unsigned guard_count(void);

#endif
