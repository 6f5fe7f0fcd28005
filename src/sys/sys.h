/* Thin wrappers over syscalls and ioctls glibc lacks or hides. No policy here:
 * each returns what the kernel returned (-1 and errno on failure), with
 * ENOSYS/ENOTTY where the running kernel is too old. */
#ifndef NSX_SYS_H
#define NSX_SYS_H

#include <stddef.h>
#include <sys/types.h>

/* nsfs ioctls (Linux 4.9; NS_GET_NSTYPE and NS_GET_OWNER_UID 4.11).
 * Each returns a new O_CLOEXEC fd (or a value), -1 on error. */
int sys_ns_get_userns(int nsfd);
int sys_ns_get_parent(int nsfd);
int sys_ns_get_nstype(int nsfd);			/* CLONE_NEW* */
int sys_ns_get_owner_uid(int nsfd, uid_t *uid);	/* user ns fds only */

/* pidfd_open(2), Linux 5.3. */
int sys_pidfd_open(pid_t pid, unsigned int flags);
/* pidfd_send_signal(2), Linux 5.1: a signal to the process a pidfd holds,
 * never to another that got its PID since. */
int sys_pidfd_send_signal(int pidfd, int sig);
/* Has the process a pidfd holds exited (a zombie included)? 1 yes, 0 no,
 * -1 and errno (poll on a pidfd, Linux 5.3). */
int sys_pidfd_exited(int pidfd);

/* close_range(2), Linux 5.9; falls back to closing one by one. */
int sys_close_range(unsigned int first, unsigned int last);

/* Close every fd from 3 up but the n in keep (-1s in it are ignored). */
int sys_close_except(const int *keep, size_t n);

/* chmod what an O_PATH fd holds: fchmodat2(fd, "", AT_EMPTY_PATH), Linux
 * 6.6; before, chmod of /proc/self/fd/N (procfs must be mounted). */
int sys_fchmod_path(int pathfd, mode_t mode);

/* clone(2) used like fork(2) but with CLONE_NEW* flags (and SIGCHLD as the
 * exit signal): 0 in the child, its PID in the parent. */
pid_t sys_clone_fork(int flags);

/* pivot_root(2); glibc has no wrapper. */
int sys_pivot_root(const char *new_root, const char *put_old);

/* openat2(2), Linux 5.6, with only flags and resolve set. RESOLVE_* are
 * from <linux/openat2.h>. ENOSYS on older kernels. */
int sys_openat2(int dirfd, const char *path, int flags, unsigned long long resolve);

/* The new mount API (Linux 5.2; mount_setattr 5.12): a mount made or
 * cloned as an fd, then attached where an fd points. No path is looked up
 * twice, so no symlink can be swapped in between. */
int sys_fsopen(const char *fstype);				/* FSOPEN_CLOEXEC */
int sys_fsconfig_string(int fsfd, const char *key, const char *value);	/* value NULL: a flag */
int sys_fsmount(int fsfd, unsigned int attr);			/* after FSCONFIG_CMD_CREATE */
int sys_open_tree_clone(int dirfd);				/* recursive, close-on-exec */
int sys_move_mount_fd(int from, int to);			/* mount from onto to */
int sys_mount_setattr_set(int mntfd, unsigned long long attr);	/* recursive: MOUNT_ATTR_* */

/* Is this process in the initial user namespace? (Its uid_map is the
 * identity over all ids.) Root in a user namespace made by `unshare -r`
 * has euid 0 but none of the host's privileges. */
int sys_in_init_userns(void);
/* The same from the text of a uid_map: 1 for the identity map. */
int sys_uid_map_is_init(const char *text);

/* Inode of an open file, 0 on error. */
unsigned long sys_fd_ino(int fd);

#endif
