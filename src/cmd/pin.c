/* pin / unpin: keep a namespace of this level alive after its processes
 * exit, with a bind mount of its nsfs file (what `unshare --net=PATH` and
 * `ip netns add` do). The mount is made in the mount namespace nsx started
 * in, so it outlives a level that has a mount namespace of its own. */
#define _GNU_SOURCE
#include "cmd/cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/sys.h"
#include "util/xalloc.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

extern const struct nsx_cmd cmd_pin;
extern const struct nsx_cmd cmd_unpin;

/* Is path the root of a mount? (statx STATX_ATTR_MOUNT_ROOT, Linux 5.8) */
static int
is_mount_root(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
		return -1;
	if (!(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
		return 0;
	return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
}

/* A level inside a user namespace of its own has no rights over the
 * start's mount namespace: it may not even open it. */
#define NO_START_MNTNS "cannot reach the mount namespace nsx started in: %s (a level inside a " \
	"user namespace has no rights there, and a mount in its own would die with it: " \
	"do it from a level outside the user namespace)"

/* Is this level still in the mount namespace nsx started in? */
static bool
in_start_mnt(struct nsx_shell *sh)
{
	unsigned long ino[NSX_NTYPES];

	return level_self_ns(sh, ino) == 0 && ino[NSX_MNT] == sh->start_ns[NSX_MNT];
}

/* Run fn in a child that is in the mount namespace nsx started in; its
 * one-line error comes back through a pipe. */
static int
in_start_mntns(struct nsx_shell *sh, const struct nsx_cmd *cmd,
	       int (*fn)(const char *path, int fd, char *msg, size_t n), const char *path, int fd)
{
	char msg[512] = "", own[64];
	int pfd[2], st, mntfd = -1, e = EBADF;
	pid_t pid;
	ssize_t n;

	/* the start's mount namespace, through the process that started nsx */
	snprintf(own, sizeof(own), "%d/ns/mnt", (int)sh->levels[0].pid_start);
	if (sh->depth > 0 && sh->start_procfd >= 0 &&
	    (mntfd = openat(sh->start_procfd, own, O_RDONLY | O_CLOEXEC)) < 0)
		e = errno;
	/* without it, a mount made here would be the level's own, gone
	 * with the level: refuse rather than pin for a moment */
	if (sh->depth > 0 && mntfd < 0 && !in_start_mnt(sh))
		return cmd_fail(cmd, NO_START_MNTNS, strerror(e));
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return cmd_fail(cmd, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int rc;

		close(pfd[0]);
		if (mntfd >= 0 && setns(mntfd, CLONE_NEWNS) < 0) {
			snprintf(msg, sizeof(msg), NO_START_MNTNS, strerror(errno));
			rc = 1;
		} else
			rc = fn(path, fd, msg, sizeof(msg));
		if (rc && write(pfd[1], msg, strlen(msg)) < 0)
			_exit(2);
		_exit(rc);
	}
	close(pfd[1]);
	if (mntfd >= 0)
		close(mntfd);
	if (pid < 0) {
		close(pfd[0]);
		return cmd_fail(cmd, "fork: %s", strerror(errno));
	}
	n = read(pfd[0], msg, sizeof(msg) - 1);
	close(pfd[0]);
	msg[n > 0 ? n : 0] = '\0';
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return cmd_fail(cmd, "%s", *msg ? msg : "failed");
	return 0;
}

static int
do_pin(const char *path, int nsfd, char *msg, size_t n)
{
	char src[64];
	struct stat st;
	int root;

	if (stat(path, &st) < 0) {
		snprintf(msg, n, "%s: %s (create an empty file first: touch %s)", path,
			 strerror(errno), path);
		return 1;
	}
	if ((root = is_mount_root(path)) > 0) {
		snprintf(msg, n, "%s is a mount point already (unpin it, or pick another path)", path);
		return 1;
	}
	/* the nsfs file as an open fd: /proc/self/fd/N is a bind source */
	snprintf(src, sizeof(src), "/proc/self/fd/%d", nsfd);
	if (mount(src, path, NULL, MS_BIND, NULL) < 0) {
		snprintf(msg, n, "cannot bind-mount onto %s: %s%s", path, strerror(errno),
			 errno == EINVAL ? " (a mount namespace cannot be pinned on a shared mount: "
			 "use a directory made private, as `mount --bind d d; mount --make-private d`)" : "");
		return 1;
	}
	return 0;
}

static int
do_unpin(const char *path, int unused, char *msg, size_t n)
{
	struct statfs sf;

	(void)unused;
	if (statfs(path, &sf) < 0) {
		snprintf(msg, n, "%s: %s", path, strerror(errno));
		return 1;
	}
	if ((unsigned long)sf.f_type != NSFS_MAGIC || is_mount_root(path) <= 0) {
		snprintf(msg, n, "%s is not a pinned namespace (no nsfs mount there)", path);
		return 1;
	}
	if (umount2(path, UMOUNT_NOFOLLOW) < 0) {
		snprintf(msg, n, "cannot unmount %s: %s", path, strerror(errno));
		return 1;
	}
	return 0;
}

static char *
absolute(const char *path)
{
	char *cwd;
	char *p;

	if (path[0] == '/')
		return xstrdup(path);
	cwd = getcwd(NULL, 0);
	p = xasprintf("%s/%s", cwd ? cwd : "", path);
	free(cwd);
	return p;
}

static int
pin_run(struct nsx_shell *sh, int argc, char **argv)
{
	char link[32];
	char *path;
	int t, fd, rc;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		cmd_print_help(&cmd_pin, stdout);
		return 0;
	}
	if (argc != 3)
		return cmd_fail(&cmd_pin, "usage: pin TYPE PATH (e.g. pin net /run/netns/mine)");
	if ((t = nstype_from_name(argv[1])) < 0)
		return cmd_fail(&cmd_pin, "unknown namespace type '%s' (%s)", argv[1], nstype_names());
	snprintf(link, sizeof(link), "self/ns/%s", nstype_table[t].name);
	fd = sh->start_procfd >= 0 ? openat(sh->start_procfd, link, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return cmd_fail(&cmd_pin, "cannot open this level's %s namespace: %s",
				nstype_table[t].name, strerror(errno));
	path = absolute(argv[2]);
	rc = in_start_mntns(sh, &cmd_pin, do_pin, path, fd);
	if (rc == 0)
		printf("pinned %s:[%lu] on %s: `ls` shows it held by the mount, `unpin %s` releases it\n",
		       nstype_table[t].name, sys_fd_ino(fd), path, path);
	close(fd);
	free(path);
	return rc;
}

static int
unpin_run(struct nsx_shell *sh, int argc, char **argv)
{
	char *path;
	int rc;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		cmd_print_help(&cmd_unpin, stdout);
		return 0;
	}
	if (argc != 2)
		return cmd_fail(&cmd_unpin, "usage: unpin PATH");
	path = absolute(argv[1]);
	rc = in_start_mntns(sh, &cmd_unpin, do_unpin, path, -1);
	free(path);
	return rc;
}

const struct nsx_cmd cmd_pin = {
	.name = "pin",
	.summary = "keep a namespace of this level alive with a bind mount on PATH",
	.usage = "pin TYPE PATH",
	.help =
	"Bind-mounts this level's /proc/self/ns/TYPE on PATH (an existing file), in\n"
	"the mount namespace nsx started in: the namespace lives on after the level\n"
	"exits, `ls` shows it held by the mount, `enter PATH` enters it, and\n"
	"`unpin PATH` lets it go.\n"
	"\n"
	"Examples:\n"
	"  unshare net; pin net /run/netns/lab; exit; enter lab\n",
	.args = COMP_NSTYPE,
	.run = pin_run,
};

const struct nsx_cmd cmd_unpin = {
	.name = "unpin",
	.summary = "release a namespace pinned on PATH",
	.usage = "unpin PATH",
	.help = "Examples:\n  unpin /run/netns/lab\n",
	.args = COMP_FILE,
	.run = unpin_run,
};
