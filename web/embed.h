/*
 * An embedded file: the table web_files[] that scripts/embed.cmake generates
 * (web_embed.c includes this header) and html_embedded() reads. The data are
 * static and NUL-terminated past len.
 */
#ifndef PRIVCA_EMBED_H
#define PRIVCA_EMBED_H

#include <stddef.h>

struct embed_file {
	const char *name; /* path under web/, e.g. "static/style.css" */
	const unsigned char *data;
	size_t len;
};

#endif
