/*
 * Socket addresses: the listen specs of privca.conf and --http/--https, and
 * whether a peer is on this host.
 */
#ifndef PRIVCA_SOCKADDR_H
#define PRIVCA_SOCKADDR_H

#include <stdbool.h>
#include <sys/socket.h>

/* "127.0.0.1:8080", "[::1]:8443", "localhost:80", ":8080" (any address)
 * into *ss and *sslen. False: not ADDR:PORT or the name does not resolve. */
bool sockaddr_parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *sslen);

/* 127.0.0.0/8, ::1, or ::ffff:127.x.y.z. */
bool sockaddr_is_loopback(const struct sockaddr *sa);

#endif
