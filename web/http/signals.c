/*
 * The code in this file implements signals.h: a self-pipe written by the
 * handler (async-signal-safe: one write) and read by the serving loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "http/signals.h"

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	if (write(sig_pipe[1], &b, 1) < 0) {
		/* the pipe is full: a stop is already pending */
	}
	errno = saved;
}

bool signals_install(struct sigaction *old_pipe)
{
	struct sigaction sa = {0};
	if (pipe(sig_pipe) != 0) {
		fprintf(stderr, "privca: pipe: %s\n", strerror(errno));
		return false;
	}
	for (int i = 0; i < 2; i++) {
		int fl = fcntl(sig_pipe[i], F_GETFL);
		(void)fcntl(sig_pipe[i], F_SETFL, fl | O_NONBLOCK);
		(void)fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, old_pipe);
	return true;
}

int signals_wait(int timeout_ms)
{
	unsigned char b;
	struct pollfd pfd = {sig_pipe[0], POLLIN, 0};
	if (poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR) {
		fprintf(stderr, "privca: poll: %s\n", strerror(errno));
		return -1;
	}
	return read(sig_pipe[0], &b, 1) == 1 ? b : 0;
}

/* Only once the handlers are gone may the pipe close, so a handler never
 * writes to a reused descriptor. */
void signals_restore(const struct sigaction *old_pipe)
{
	struct sigaction sa = {0};
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, old_pipe, NULL);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
}
