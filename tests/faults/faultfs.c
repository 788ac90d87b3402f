/*
 * faultfs: an LD_PRELOAD library for the store fault tests
 * (tests/integration/store_faults.sh). While the file named by
 * $PRIVCA_FAULT_CTL holds a mode, calls on files whose name starts with
 * "privca.db" (the database, its -wal and -shm) fail as that mode says:
 *
 *   enospc  write, pwrite, pwrite64, fallocate: ENOSPC (a full disk)
 *   eio     write, pwrite, pwrite64, fsync, fdatasync: EIO
 *   erofs   open/openat for writing: EROFS (a read-only filesystem)
 *
 * The file is read at every call, so a test turns a fault on and off while
 * the server runs; with no file (or an empty one) every call passes
 * through. Chosen over a small tmpfs or loop mount because it needs no
 * root and no mount in CI, fails exactly the store's files (never the
 * log), and stops failing the moment the test says so.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

enum mode { NONE, ENOSPC_M, EIO_M, EROFS_M };

static enum mode mode_now(void)
{
	const char *ctl = getenv("PRIVCA_FAULT_CTL");
	char buf[16] = {0};
	if (ctl == NULL)
		return NONE;
	int fd = (int)syscall(SYS_openat, AT_FDCWD, ctl, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NONE;
	ssize_t n = syscall(SYS_read, fd, buf, sizeof(buf) - 1);
	syscall(SYS_close, fd);
	if (n <= 0)
		return NONE;
	if (strncmp(buf, "enospc", 6) == 0)
		return ENOSPC_M;
	if (strncmp(buf, "eio", 3) == 0)
		return EIO_M;
	if (strncmp(buf, "erofs", 5) == 0)
		return EROFS_M;
	return NONE;
}

static int is_store_name(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return strncmp(base, "privca.db", 9) == 0;
}

static int is_store_fd(int fd)
{
	char link[64], path[4096];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return 0;
	path[n] = '\0';
	return is_store_name(path);
}

/* Should a write-like call on fd fail, and with what errno (0: no)? */
static int write_fault(int fd, int with_fsync)
{
	enum mode m = mode_now();
	if ((m == ENOSPC_M && !with_fsync) || m == EIO_M)
		return is_store_fd(fd) ? (m == ENOSPC_M ? ENOSPC : EIO) : 0;
	return 0;
}

#define REAL(name)                                                                                 \
	static __typeof__(&name) real_##name;                                                      \
	if (real_##name == NULL)                                                                   \
		real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name);

ssize_t write(int fd, const void *b, size_t n)
{
	REAL(write);
	int e = write_fault(fd, 0);
	if (e) {
		errno = e;
		return -1;
	}
	return real_write(fd, b, n);
}

ssize_t pwrite(int fd, const void *b, size_t n, off_t off)
{
	REAL(pwrite);
	int e = write_fault(fd, 0);
	if (e) {
		errno = e;
		return -1;
	}
	return real_pwrite(fd, b, n, off);
}

ssize_t pwrite64(int fd, const void *b, size_t n, off_t off)
{
	REAL(pwrite64);
	int e = write_fault(fd, 0);
	if (e) {
		errno = e;
		return -1;
	}
	return real_pwrite64(fd, b, n, off);
}

int fallocate(int fd, int m, off_t off, off_t len)
{
	REAL(fallocate);
	int e = write_fault(fd, 0);
	if (e) {
		errno = e;
		return -1;
	}
	return real_fallocate(fd, m, off, len);
}

int fsync(int fd)
{
	REAL(fsync);
	int e = write_fault(fd, 1);
	if (e) {
		errno = e;
		return -1;
	}
	return real_fsync(fd);
}

int fdatasync(int fd)
{
	REAL(fdatasync);
	int e = write_fault(fd, 1);
	if (e) {
		errno = e;
		return -1;
	}
	return real_fdatasync(fd);
}

static int open_fault(const char *path, int flags)
{
	return (flags & (O_WRONLY | O_RDWR | O_CREAT)) && is_store_name(path) &&
	       mode_now() == EROFS_M;
}

int open(const char *path, int flags, ...)
{
	REAL(open);
	mode_t md = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		md = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (open_fault(path, flags)) {
		errno = EROFS;
		return -1;
	}
	return real_open(path, flags, md);
}

int open64(const char *path, int flags, ...)
{
	REAL(open64);
	mode_t md = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		md = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (open_fault(path, flags)) {
		errno = EROFS;
		return -1;
	}
	return real_open64(path, flags, md);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	REAL(openat);
	mode_t md = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		md = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (open_fault(path, flags)) {
		errno = EROFS;
		return -1;
	}
	return real_openat(dirfd, path, flags, md);
}
