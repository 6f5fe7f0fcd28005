/* Removing trees an archive or another user may have shaped (tree.h). */
#define _GNU_SOURCE
#include "container/tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/sys.h"
#include "util/file.h"
#include "util/testhook.h"
#include "util/xalloc.h"

/* NSX_TEST_PAUSE_CLEAR=NAME: stop (SIGSTOP) on entering a directory NAME,
 * or before making a directory NAME we cannot enter enterable, so that a
 * test can move or swap it meanwhile, as a student racing root would. */
static void
tree_pause(const char *name)
{
	const char *want = testhook("NSX_TEST_PAUSE_CLEAR");

	if (want && *want && strcmp(name, want) == 0)
		raise(SIGSTOP);
}

static void
tree_pause_fd(int fd)
{
	char link[64], path[PATH_MAX];
	ssize_t len;

	if (!testhook("NSX_TEST_PAUSE_CLEAR"))
		return;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, path, sizeof(path) - 1);
	if (len <= 0)
		return;
	path[len] = '\0';
	tree_pause(strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
}

/* A directory, as tree_clear remembers the way down. */
struct tree_id {
	dev_t dev;
	ino_t ino;
};

/* name in fd, a directory we may not enter (an archive's mode 0000, ours
 * or root's), made enterable and opened. The chmod goes through an O_PATH
 * fd of that very directory, never through the name: a name swapped for a
 * symlink meanwhile would have chmod follow it to whatever it names (as
 * root on a root-squashed NFS cache, where root gets EACCES: a file of the
 * host's). A symlink there already fails O_DIRECTORY | O_NOFOLLOW. */
static int
tree_open_locked(int fd, const char *name)
{
	int p, sub = -1, e;

	tree_pause(name);
	p = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (p < 0)
		return -1;
	if (sys_fchmod_path(p, 0700) == 0)
		sub = openat(p, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	e = errno;
	close(p);
	errno = e;
	return sub;
}

/* name in fd, a directory rmdir found not empty, opened to be emptied. */
static int
tree_open_full(int fd, const char *name)
{
	int sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	return sub < 0 && errno == EACCES ? tree_open_locked(fd, name) : sub;
}

/* Remove one entry of fd. A non-empty directory is not removed but opened
 * into *sub (returns 1) for the caller to descend into, unless it is the
 * one just emptied (emptied, may be NULL): filled again behind our back
 * (another user racing us), it is an error, not another round, or that
 * user could keep us at it forever. */
static int
tree_entry_remove(int fd, const char *name, unsigned char type, const struct tree_id *emptied,
		  int *sub)
{
	struct stat st;

	if (type != DT_DIR) {
		if (unlinkat(fd, name, 0) == 0 || errno == ENOENT)
			return 0;
		if (errno != EISDIR)
			return -1;
	}
	if (unlinkat(fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	/* EACCES, EPERM: fd is not ours to change (another user's, or we
	 * are root without CAP_DAC_OVERRIDE, as on root-squashed NFS):
	 * emptying name would not let us remove it, and climbing back to
	 * try again would go on forever */
	if (errno != ENOTEMPTY && errno != EEXIST)
		return -1;
	if ((*sub = tree_open_full(fd, name)) < 0)
		return -1;
	if (emptied && fstat(*sub, &st) == 0 && st.st_dev == emptied->dev &&
	    st.st_ino == emptied->ino) {
		close(*sub);
		errno = ENOTEMPTY;
		return -1;
	}
	return 1;
}

/* Remove what fd holds, stopping at the first non-empty subdirectory,
 * returned open in *sub (1); 0 when fd is now empty, -1 on error. */
static int
tree_sweep(int fd, const struct tree_id *emptied, int *sub)
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
			rc = tree_entry_remove(fd, e->d_name, e->d_type, emptied, sub);
	closedir(d);
	return rc;
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
	struct tree_id *path = NULL, emptied;
	size_t depth = 0, cap = 0;
	int cur = dup(top), sub, r = -1;
	bool climbed = false;
	dev_t dev;

	if (cur < 0 || fstat(cur, &st) < 0)
		goto out;
	dev = st.st_dev;
	for (;;) {
		if (depth == cap)
			path = xreallocarray(path, cap = cap ? 2 * cap : 64, sizeof(*path));
		path[depth].dev = st.st_dev;
		path[depth].ino = st.st_ino;
		r = tree_sweep(cur, climbed ? &emptied : NULL, &sub);
		climbed = false;
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
			tree_pause_fd(cur);
			depth++;
			continue;
		}
		sub = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(cur);
		cur = sub;
		emptied = path[depth--];
		climbed = true;
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
	if (errno != ENOTEMPTY && errno != EEXIST)
		return -1;	/* EACCES: not ours to remove, emptied or not */
	if ((fd = tree_open_full(dirfd, name)) < 0)
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
