/* Removing trees an archive or another user may have shaped (tree.h). */
#define _GNU_SOURCE
#include "container/tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"
#include "util/testhook.h"
#include "util/xalloc.h"

/* Remove one entry of fd. A non-empty directory is not removed but opened
 * into *sub (returns 1) for the caller to descend into. */
static int
tree_entry_remove(int fd, const char *name, unsigned char type, int *sub)
{
	if (type != DT_DIR) {
		if (unlinkat(fd, name, 0) == 0 || errno == ENOENT)
			return 0;
		if (errno != EISDIR)
			return -1;
	}
	if (unlinkat(fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	if (errno != ENOTEMPTY && errno != EEXIST && errno != EACCES)
		return -1;
	*sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* an archive's mode 0000 directory: ours (or we are root) */
	if (*sub < 0 && errno == EACCES && fchmodat(fd, name, 0700, 0) == 0)
		*sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return *sub < 0 ? -1 : 1;
}

/* Remove what fd holds, stopping at the first non-empty subdirectory,
 * returned open in *sub (1); 0 when fd is now empty, -1 on error. */
static int
tree_sweep(int fd, int *sub)
{
	struct dirent *e;
	struct stat st;
	int dfd, rc = 0;
	DIR *d;

	/* an archive's 0555 directory: we cannot unlink in it until u+wx */
	if (fstat(fd, &st) == 0 && (st.st_mode & 0700) != 0700)
		fchmod(fd, (st.st_mode & 07777) | 0700);
	dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -1;
	}
	while (rc == 0 && (e = readdir(d)))
		if (!file_is_dots(e->d_name))
			rc = tree_entry_remove(fd, e->d_name, e->d_type, sub);
	closedir(d);
	return rc;
}

/* NSX_TEST_PAUSE_CLEAR=NAME: stop (SIGSTOP) on entering a directory NAME,
 * so that a test can move it meanwhile, as a student racing root would. */
static void
tree_pause(int fd)
{
	const char *name = testhook("NSX_TEST_PAUSE_CLEAR");
	char link[64], path[PATH_MAX];
	ssize_t len;

	if (!name || !*name)
		return;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, path, sizeof(path) - 1);
	if (len <= 0)
		return;
	path[len] = '\0';
	if (strcmp(strrchr(path, '/') ? strrchr(path, '/') + 1 : path, name) == 0)
		raise(SIGSTOP);
}

/* Empty the directory top (not following symlinks). Iterative, climbing
 * back through "..", so a hostile archive's 10000-deep tree costs neither
 * stack nor one fd per level. Each ".." must be the directory we came
 * down from (device and inode, remembered on the way down): a directory
 * its owner moved elsewhere meanwhile would otherwise walk root's deletion
 * up into whatever place the owner chose. Never crosses into another
 * filesystem (a mount point inside the tree is an error, not emptied). */
int
tree_clear(int top)
{
	struct stat st;
	struct { dev_t dev; ino_t ino; } *path = NULL;
	size_t depth = 0, cap = 0;
	int cur = dup(top), sub, r = -1;
	dev_t dev;

	if (cur < 0 || fstat(cur, &st) < 0)
		goto out;
	dev = st.st_dev;
	for (;;) {
		if (depth == cap)
			path = xreallocarray(path, cap = cap ? 2 * cap : 64, sizeof(*path));
		path[depth].dev = st.st_dev;
		path[depth].ino = st.st_ino;
		r = tree_sweep(cur, &sub);
		if (r < 0 || (r == 0 && depth == 0))
			break;
		if (r > 0) {
			close(cur);
			cur = sub;
			if (fstat(cur, &st) < 0 || st.st_dev != dev) {
				r = -1;
				errno = EXDEV;
				break;
			}
			tree_pause(cur);
			depth++;
			continue;
		}
		sub = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(cur);
		cur = sub;
		depth--;
		if (cur < 0 || fstat(cur, &st) < 0 ||
		    st.st_dev != path[depth].dev || st.st_ino != path[depth].ino) {
			r = -1;
			errno = ESTALE;	/* moved away while we were inside */
			break;
		}
	}
out:
	if (cur >= 0)
		close(cur);
	free(path);
	return r < 0 ? -1 : 0;
}

/* rm -rf dirfd/name, never following a symlink (one is unlinked). */
int
tree_remove_at(int dirfd, const char *name)
{
	int fd, rc;

	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR)
		return -1;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0)
		return 0;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == EACCES && fchmodat(dirfd, name, 0700, 0) == 0)
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = tree_clear(fd);
	close(fd);
	if (rc == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0)
		rc = -1;
	return rc;
}

void
tree_remove(const char *path)
{
	tree_remove_at(AT_FDCWD, path);
}


/* Open directory `path` in the tree without following any symlink: a
 * whiteout "lnk/.wh.x" must not delete x wherever lnk points (the host's
 * /etc). -1 when there is no real directory there. */
int
tree_open_dir(int root, const char *path)
{
	char name[NAME_MAX + 1];
	int fd = openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), next;

	while (fd >= 0 && *(path += strspn(path, "/"))) {
		size_t len = strcspn(path, "/");

		if (len > NAME_MAX) {
			close(fd);
			return -1;
		}
		memcpy(name, path, len);
		name[len] = '\0';
		path += len;
		if (strcmp(name, ".") == 0)
			continue;
		next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	return fd;
}
