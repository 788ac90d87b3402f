/*
 * The code in this file implements the CA directory's small files
 * (file.h): one reader, one writer (durable unless told), one
 * rename-replace.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "file.h"
#include "internal.h"

enum ca_err file_path(char path[PATH_MAX], const char *dir, const char *name, struct ca_error *err)
{
	int k = snprintf(path, PATH_MAX, "%s/%s", dir, name);
	if (k < 0 || (size_t)k >= PATH_MAX)
		return ca_fail(err, CA_ERR_IO, "the directory name '%s' is too long", dir);
	return CA_OK;
}

/* Check what fd is before reading it: a regular file, private if asked. */
static enum ca_err check_fd(int fd, const char *path, unsigned flags, size_t *size,
			    struct ca_error *err)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return ca_fail(err, CA_ERR_IO, "%s is not a regular file", path);
	if ((flags & FILE_SECRET) && (st.st_mode & 077))
		return ca_fail(err, CA_ERR_IO,
			       "%s is readable or writable by group or others (mode %03o); run "
			       "chmod 600 %s",
			       path, (unsigned)(st.st_mode & 0777), path);
	if (st.st_size < 0 ||
	    (uintmax_t)st.st_size > ((flags & FILE_LARGE) ? FILE_LARGE_MAX : FILE_MAX))
		return ca_fail(err, CA_ERR_IO, "%s is too large", path);
	*size = (size_t)st.st_size;
	return CA_OK;
}

enum ca_err file_read(const char *path, unsigned flags, uint8_t **out, size_t *len,
		      struct ca_error *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ca_fail(err, CA_ERR_IO, "cannot open %s: %s", path, strerror(errno));
	size_t size = 0, n = 0;
	uint8_t *buf = NULL;
	enum ca_err rc = check_fd(fd, path, flags, &size, err);
	if (rc != CA_OK)
		goto out;
	if ((buf = malloc(size + 1)) == NULL) {
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* Read to end of file: the size is a hint, the file may change. */
	while (n < size) {
		ssize_t r = read(fd, buf + n, size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = ca_fail(err, CA_ERR_IO, "cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
out:
	if (buf != NULL) {
		explicit_bzero(buf, size + 1);
		free(buf);
	}
	close(fd);
	return rc;
}

enum ca_err file_write_new(const char *path, mode_t mode, const void *data, size_t n,
			   struct ca_error *err)
{
	return file_create(path, mode, data, n, 0, err);
}

enum ca_err file_create(const char *path, mode_t mode, const void *data, size_t n, unsigned flags,
			struct ca_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return ca_fail(err, errno == EEXIST ? CA_ERR_EXISTS : CA_ERR_IO,
			       "cannot create %s: %s", path, strerror(errno));
	const uint8_t *p = data;
	size_t off = 0;
	enum ca_err rc = CA_OK;
	while (off < n) {
		ssize_t w = write(fd, p + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = ca_fail(err, CA_ERR_IO, "cannot write %s: %s", path, strerror(errno));
			break;
		}
		off += (size_t)w;
	}
	if (rc == CA_OK && !(flags & FILE_NOSYNC) && fsync(fd) != 0)
		rc = ca_fail(err, CA_ERR_IO, "cannot sync %s: %s", path, strerror(errno));
	if (close(fd) != 0 && rc == CA_OK)
		rc = ca_fail(err, CA_ERR_IO, "cannot close %s", path);
	if (rc != CA_OK)
		unlink(path);
	return rc;
}

enum ca_err file_replace(const char *path, mode_t mode, const void *data, size_t n,
			 struct ca_error *err)
{
	char tmp[PATH_MAX];
	int k = snprintf(tmp, sizeof(tmp), "%s.new", path);
	if (k < 0 || (size_t)k >= sizeof(tmp))
		return ca_fail(err, CA_ERR_IO, "the file name %s is too long", path);
	unlink(tmp); /* a stale one from a crash */
	enum ca_err rc = file_write_new(tmp, mode, data, n, err);
	if (rc != CA_OK)
		return rc;
	if (rename(tmp, path) != 0) {
		rc = ca_fail(err, CA_ERR_IO, "cannot replace %s: %s", path, strerror(errno));
		unlink(tmp);
	}
	return rc;
}

enum ca_err file_write_cert(const char *path, const uint8_t *der, size_t len, bool replace,
			    struct ca_error *err)
{
	char *pem = pem_encode("CERTIFICATE", der, len);
	if (pem == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	enum ca_err rc = replace ? file_replace(path, 0644, pem, strlen(pem), err)
				 : file_write_new(path, 0644, pem, strlen(pem), err);
	free(pem);
	return rc;
}

/* Public (privca/ca.h); here so that every reader of secrets depends on
 * this file only. */
void ca_secret_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}
