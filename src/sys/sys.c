#define _GNU_SOURCE
#include "sys/sys.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef __has_include
#if __has_include(<linux/nsfs.h>)
#include <linux/nsfs.h>
#endif
#endif

/* The values are part of the kernel ABI (include/uapi/linux/nsfs.h). */
#ifndef NSIO
#define NSIO 0xb7
#endif
#ifndef NS_GET_USERNS
#define NS_GET_USERNS _IO(NSIO, 0x1)
#endif
#ifndef NS_GET_PARENT
#define NS_GET_PARENT _IO(NSIO, 0x2)
#endif
#ifndef NS_GET_NSTYPE
#define NS_GET_NSTYPE _IO(NSIO, 0x3)
#endif
#ifndef NS_GET_OWNER_UID
#define NS_GET_OWNER_UID _IO(NSIO, 0x4)
#endif

int
sys_ns_get_userns(int nsfd)
{
	/* The kernel returns the new fd with O_CLOEXEC already set. */
	return ioctl(nsfd, NS_GET_USERNS);
}

int
sys_ns_get_parent(int nsfd)
{
	return ioctl(nsfd, NS_GET_PARENT);
}

int
sys_ns_get_nstype(int nsfd)
{
	return ioctl(nsfd, NS_GET_NSTYPE);
}

int
sys_ns_get_owner_uid(int nsfd, uid_t *uid)
{
	/* Defined before the call: the kernel writes *uid, but checkers that
	 * do not know this ioctl (valgrind 3.19) would call it uninitialised
	 * wherever it is used. */
	*uid = (uid_t)-1;
	return ioctl(nsfd, NS_GET_OWNER_UID, uid);
}

int
sys_pidfd_open(pid_t pid, unsigned int flags)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, flags);
#else
	(void)pid;
	(void)flags;
	errno = ENOSYS;
	return -1;
#endif
}

/* one number on every architecture (new calls share one table since 5.1) */
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

int
sys_pidfd_send_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int
sys_pidfd_exited(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int n;

	while ((n = poll(&p, 1, 0)) < 0 && errno == EINTR)
		;
	return n < 0 ? -1 : n > 0;
}

int
sys_close_range(unsigned int first, unsigned int last)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, first, last, 0) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
#endif
	/* Before Linux 5.9: close what /proc/self/fd lists; without /proc,
	 * every fd number up to the limit (a jail, an early boot). */
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d) {
		struct rlimit rl;
		unsigned int top = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max < (1U << 20)
			? (unsigned int)rl.rlim_max : (1U << 20);

		for (unsigned int fd = first; fd <= last && fd < top; fd++)
			close((int)fd);
		return 0;
	}
	while ((e = readdir(d))) {
		long fd = strtol(e->d_name, NULL, 10);

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd == dirfd(d))
			continue;
		if ((unsigned long)fd >= first && (unsigned long)fd <= last)
			close((int)fd);
	}
	closedir(d);
	return 0;
}

int
sys_close_except(const int *keep, size_t n)
{
	unsigned int lo = 3;
	int rc = 0;

	/* keep is short (a few fds): a pass per gap, in order */
	for (;;) {
		unsigned int next = ~0U;

		for (size_t i = 0; i < n; i++)
			if (keep[i] >= 0 && (unsigned int)keep[i] >= lo && (unsigned int)keep[i] < next)
				next = (unsigned int)keep[i];
		if (next > lo && sys_close_range(lo, next == ~0U ? ~0U : next - 1) < 0)
			rc = -1;
		if (next == ~0U)
			return rc;
		lo = next + 1;
	}
}

int
sys_fchmod_path(int pathfd, mode_t mode)
{
	char link[64];

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452	/* one number on every architecture */
#endif
	if (syscall(SYS_fchmodat2, pathfd, "", mode, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOSYS && errno != EINVAL)
		return -1;
	/* Before Linux 6.6: the fd's magic link, which chmod follows to the
	 * inode the fd holds (never to what a name says now) */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", pathfd);
	return chmod(link, mode);
}

unsigned long
sys_fd_ino(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return 0;
	return st.st_ino;
}

pid_t
sys_clone_fork(int flags)
{
	/* No new stack: the child runs on a copy of ours, as after fork().
	 * The raw syscall's argument order is x86-64's (flags, stack,
	 * parent_tid, child_tid, tls); the tid arguments are unused here. */
	return (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, 0UL);
}

int
sys_pivot_root(const char *new_root, const char *put_old)
{
	return (int)syscall(SYS_pivot_root, new_root, put_old);
}

int
sys_openat2(int dirfd, const char *path, int flags, unsigned long long resolve)
{
#ifdef SYS_openat2
	struct open_how how = { .flags = (unsigned long long)flags, .resolve = resolve };

	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
#else
	errno = ENOSYS;
	return -1;
#endif
}

int
sys_fsopen(const char *fstype)
{
	return (int)syscall(SYS_fsopen, fstype, FSOPEN_CLOEXEC);
}

int
sys_fsconfig_string(int fsfd, const char *key, const char *value)
{
	if (!value)
		return (int)syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_FLAG, key, NULL, 0);
	return (int)syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, key, value, 0);
}

int
sys_fsmount(int fsfd, unsigned int attr)
{
	if (syscall(SYS_fsconfig, fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -1;
	return (int)syscall(SYS_fsmount, fsfd, FSMOUNT_CLOEXEC, attr);
}

int
sys_open_tree_clone(int dirfd)
{
	return (int)syscall(SYS_open_tree, dirfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
}

int
sys_move_mount_fd(int from, int to)
{
	return (int)syscall(SYS_move_mount, from, "", to, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

int
sys_mount_setattr_set(int mntfd, unsigned long long attr)
{
#ifdef SYS_mount_setattr
	struct mount_attr a = { .attr_set = attr };

	return (int)syscall(SYS_mount_setattr, mntfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a));
#else
	errno = ENOSYS;
	return -1;
#endif
}

int
sys_in_init_userns(void)
{
	char buf[128];
	ssize_t n;
	int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 1;	/* no user namespaces at all */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	return sys_uid_map_is_init(buf);
}

int
sys_uid_map_is_init(const char *text)
{
	unsigned long inner, outer, count;
	const char *nl = strchr(text, '\n');

	/* one line: nothing after its newline, or no newline at all (a
	 * uid_map read short); strchr(...)[1] alone followed NULL there */
	return sscanf(text, "%lu %lu %lu", &inner, &outer, &count) == 3 && inner == 0 && outer == 0 &&
	       count == 4294967295UL && (!nl || !nl[1]);
}
