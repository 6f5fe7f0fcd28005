/* Small file and path helpers shared by the image cache's files
 * (container/rootfs.c, cache.c, busybox.c, tree.c, meta.c, untar.c,
 * unpack.c, oci.c): whole reads and writes that survive EINTR, and paths
 * that are an error when they do not fit, never silently cut. No policy
 * here. */
#ifndef NSX_FILE_H
#define NSX_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

/* snprintf into buf; a path that does not fit is ENAMETOOLONG (err may
 * be NULL), never a truncated path that names something else. */
int file_path(char *buf, size_t n, struct nsx_err *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* stat(2) says a directory (symlinks followed). */
bool file_is_dir(const char *path);

/* pread(2), again on EINTR. */
ssize_t file_pread(int fd, void *buf, size_t n, off_t off);

/* All n bytes, again on EINTR and short writes: 0, or -1 and errno. */
int file_write_all(int fd, const void *buf, size_t n);

/* TEXT to the existing file PATH in one write(2), as files of /proc and
 * cgroup files that the kernel takes whole or not at all want it (uid_map,
 * gid_map, setgroups, timens_offsets, cgroup.procs, sysctls: a second
 * write is refused or means another value): 0, or -1 and errno (EIO for a
 * short write). */
int file_write_once(const char *path, const char *text);

/* Up to n bytes, until end of file or an error: how many were read. */
size_t file_read_all(int fd, void *buf, size_t n);

/* Does the file system of fd (a directory, opened for reading) keep
 * user.* extended attributes, where overlayfs in a user namespace keeps
 * its marks? A probe attribute set and removed: 0, or -1 and errno
 * (ENOTSUP: it keeps none). */
int file_user_xattrs(int fd);

/* "." or "..": names a directory walk skips. */
bool file_is_dots(const char *name);

#endif
