/*
 * The serving process's signals (http/signals.c): SIGINT, SIGTERM and
 * SIGHUP through a self-pipe, so the serving loop waits for them and for
 * its timers in one poll; SIGPIPE ignored while serving.
 */
#ifndef PRIVCA_SIGNALS_H
#define PRIVCA_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

/* Install the handlers and the pipe; SIGPIPE's old action into *old_pipe.
 * False after a message on stderr: nothing was set. */
bool signals_install(struct sigaction *old_pipe);
/* Wait up to timeout_ms (0: do not wait) for a signal. Returns its number,
 * 0 if none came, -1 after a message on stderr (poll failed). */
int signals_wait(int timeout_ms);
/* From now on ignore SIGINT, SIGTERM and SIGHUP (a second stop signal must
 * not cut the caller's closing of the store short; SIGKILL still works),
 * put SIGPIPE back, and close the pipe. */
void signals_restore(const struct sigaction *old_pipe);

#endif
