/*
 * The request callbacks a libmicrohttpd daemon is started with: the one
 * header besides the two .c files that use it (http/daemon.c starts the
 * daemons, exchange.c answers their requests) that names libmicrohttpd's
 * types.
 */
#ifndef PRIVCA_MHD_CALLS_H
#define PRIVCA_MHD_CALLS_H

#include <microhttpd.h>

/* Each is called with the struct listener * the daemon serves as cls. */
struct daemon_calls {
	MHD_AccessHandlerCallback request;
	MHD_RequestCompletedCallback completed;
	/* The request line is in: the per-request context (*con_cls) it returns. */
	void *(*uri)(void *cls, const char *uri, struct MHD_Connection *c);
};

#endif
