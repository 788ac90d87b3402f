/*
 * Files of the CA directory: the one reader, the one writer (durable unless
 * told) and the one replace-in-one-step (ca.pem, ca.key, tls.key, tls.pem,
 * privca.conf; the complete CRL beside privca.db). Every error names the
 * file in words.
 */
#ifndef PRIVCA_FILE_H
#define PRIVCA_FILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "privca/ca.h"

/* The largest file file_read accepts; with FILE_LARGE, the largest. */
#define FILE_MAX       (1u << 24)
#define FILE_LARGE_MAX (1u << 30)

/* Flags for file_read and file_create. */
enum {
	/* Refuse (CA_ERR_IO, saying "chmod 600") a file that group or others
	 * may read or write, and wipe the buffer before any free on failure:
	 * for private keys. Free *out with ca_secret_free. */
	FILE_SECRET = 1,
	/* file_read: up to FILE_LARGE_MAX bytes (a complete CRL is 44 MB at a
	 * million entries). */
	FILE_LARGE = 2,
	/* file_create: no fsync, for a file whose reader checks it itself and
	 * takes a torn one for none (the complete CRL, by its hash). */
	FILE_NOSYNC = 4,
};

/* dir + "/" + name into path; CA_ERR_IO naming dir when it does not fit. */
enum ca_err file_path(char path[PATH_MAX], const char *dir, const char *name,
		      struct ca_error *err) CA_WUR;

/*
 * Read the whole regular file path (not a symlink, at most FILE_MAX
 * bytes). *out is NUL-terminated (the NUL not counted in *len) and freed
 * with free() (ca_secret_free with FILE_SECRET).
 */
enum ca_err file_read(const char *path, unsigned flags, uint8_t **out, size_t *len,
		      struct ca_error *err) CA_WUR;

/*
 * Create path, which must not exist (CA_ERR_EXISTS), with mode, write n
 * bytes of data and fsync it (not with FILE_NOSYNC). On failure nothing is
 * left at path. file_write_new: with flags 0.
 */
enum ca_err file_create(const char *path, mode_t mode, const void *data, size_t n, unsigned flags,
			struct ca_error *err) CA_WUR;
enum ca_err file_write_new(const char *path, mode_t mode, const void *data, size_t n,
			   struct ca_error *err) CA_WUR;

/*
 * Replace path in one step: write path.new (file_write_new, a stale one
 * removed first), then rename it over path. A crash leaves the old file
 * or the new one, never a mix.
 */
enum ca_err file_replace(const char *path, mode_t mode, const void *data, size_t n,
			 struct ca_error *err) CA_WUR;

/* A certificate DER as PEM to path (0644): new (file_write_new) or replacing
 * what is there (file_replace). */
enum ca_err file_write_cert(const char *path, const uint8_t *der, size_t len, bool replace,
			    struct ca_error *err) CA_WUR;

#endif
