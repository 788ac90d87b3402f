/*
 * Request dispatch (exchange.c): what a libmicrohttpd daemon calls for each
 * request, from its request line to its log line. Handlers see only
 * http/http.h; this file turns their struct http_resp into libmicrohttpd's
 * answer.
 */
#ifndef PRIVCA_EXCHANGE_H
#define PRIVCA_EXCHANGE_H

#include <stdbool.h>

#include "http/daemon.h"

/* The request callbacks for every struct listener (its calls). */
extern const struct daemon_calls exchange_calls;
/* on: a stop is under way, every answer from now on says Connection: close
 * (off again when a server starts). */
void exchange_stopping(bool on);
/* What a stop waits for: a request being answered, or a body still
 * arriving with bytes in the last QUIET_BODY_MS (a client that sent half a
 * body and went quiet does not hold the stop up). */
bool exchange_busy(void);
/* Start and stop what waiting answers need (http/park.h): started before
 * the first daemon, stopped after the last request was drained and before
 * any daemon is stopped (libmicrohttpd refuses to stop a daemon with a
 * suspended connection). False after a message on stderr. */
bool exchange_start(void);
void exchange_stop(void);

#endif
