/* The container's first process, before the command: ids, late
 * namespaces, mounts, pivot_root, hostname, network. Every path inside the
 * rootfs is opened with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS) and
 * mounted on through /proc/self/fd/N, so a symlink planted in the rootfs
 * cannot send a mount to the host (CVE-2021-30465, CVE-2026-47766). */
#define _GNU_SOURCE
#include "container/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sys/sys.h"
#include "util/file.h"
#include "util/title.h"
#include "util/xalloc.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define IN_ROOT (RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

static int
fail(struct run_ctx *c, const char *fmt, const char *arg)
{
	int e = errno;

	return nsx_error(&c->err, e, fmt, arg, strerror(e));
}

static const char *
fdpath(int fd, char *buf, size_t n)
{
	snprintf(buf, n, "/proc/self/fd/%d", fd);
	return buf;
}

/* A directory of the rootfs to mount on: made when missing (only its last
 * component), refused when it is a symlink or not a directory. */
static int
root_dir(struct run_ctx *c, const char *path, int *fd)
{
	*fd = sys_openat2(c->rootfd, path, O_PATH | O_DIRECTORY | O_CLOEXEC, IN_ROOT);
	if (*fd < 0 && errno == ENOENT && !strchr(path, '/') && mkdirat(c->rootfd, path, 0755) == 0)
		*fd = sys_openat2(c->rootfd, path, O_PATH | O_DIRECTORY | O_CLOEXEC, IN_ROOT);
	if (*fd >= 0)
		return 0;
	if (errno == ELOOP || errno == ENOTDIR || errno == EXDEV)
		return nsx_error(&c->err, errno, "rootfs: /%s is a symlink or not a directory: "
				 "it must be mounted on an ordinary directory", path);
	return fail(c, "rootfs: /%s: %s", path);
}

static int
mount_at(struct run_ctx *c, int fd, const char *src, const char *type, unsigned long flags,
	 const char *data, const char *what)
{
	char p[64];

	if (mount(src, fdpath(fd, p, sizeof(p)), type, flags, data) < 0)
		return fail(c, "mount %s: %s", what);
	return 0;
}

/* ---- ids, namespaces, propagation ---- */

static int
step_ids(struct run_ctx *c, const struct plan_step *step)
{
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return fail(c, "cannot become root of the new user namespace%s: %s", "");
	/* A change of credentials clears the parent-death signal: set it again,
	 * then make sure the parent did not die in between. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (poll(&(struct pollfd){ .fd = c->sock, .events = POLLIN }, 1, 0) == 1) {
		struct run_msg m;

		if (recv(c->sock, &m, sizeof(m), MSG_PEEK | MSG_DONTWAIT) == 0)
			_exit(125);
	}
	return 0;
}

static int
step_cgroupns(struct run_ctx *c, const struct plan_step *step)
{
	int flags = (c->p->cgroupns ? CLONE_NEWCGROUP : 0) | (c->p->o.time_ns ? CLONE_NEWTIME : 0);

	if (unshare(flags) < 0)
		return fail(c, "unshare %s: %s", c->p->o.time_ns && errno == EINVAL ?
			    "(time namespaces need Linux 5.6)" : "cgroup/time namespace");
	return 0;
}

static int
step_propagation(struct run_ctx *c, const struct plan_step *step)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail(c, "making / private%s: %s", "");
	return 0;
}

/* ---- the layer ----
 * Made with the new mount API on the rootfs fd plan_prepare opened and
 * checked: each mount is an fd, attached onto that fd, so no path is
 * looked up again (a symlink swapped into the rootfs path since changes
 * nothing), and the mount just made is the one pivot_root gets. */

static int
layer_tmpfs(void)
{
	int fs = sys_fsopen("tmpfs"), m;

	if (fs < 0)
		return -1;
	if (sys_fsconfig_string(fs, "mode", "0755") < 0) {
		close(fs);
		return -1;
	}
	m = sys_fsmount(fs, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	close(fs);
	return m;
}

static int
layer_overlay_try(int lower, int upper, bool userxattr)
{
	char path[64];
	int fs = sys_fsopen("overlay"), m = -1;

	if (fs < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", lower);
	if (sys_fsconfig_string(fs, "lowerdir", path) < 0)
		goto out;
	snprintf(path, sizeof(path), "/proc/self/fd/%d/upper", upper);
	if (sys_fsconfig_string(fs, "upperdir", path) < 0)
		goto out;
	snprintf(path, sizeof(path), "/proc/self/fd/%d/work", upper);
	if (sys_fsconfig_string(fs, "workdir", path) < 0)
		goto out;
	/* unprivileged overlay keeps its metadata in user.* xattrs */
	if (userxattr && sys_fsconfig_string(fs, "userxattr", NULL) < 0)
		goto out;
	/* nodev: a device node in an image (a host disk's major:minor) opens
	 * nothing; the container's devices are nsx's own /dev */
	m = sys_fsmount(fs, MOUNT_ATTR_NODEV);
out:
	close(fs);
	return m;
}

/* The overlay on the rootfs with UPPER's upper/ and work/ as its upper
 * layer. In a user namespace overlayfs (Linux 5.11) cannot write its
 * trusted.* xattrs: without userxattr it mounts all the same but without
 * xattrs, and removing a directory of the image fails with EIO; with it,
 * it keeps them in user.* xattrs, which tmpfs has from Linux 6.6 on. So
 * userxattr first there, and without it where the kernel does not know it. */
static int
layer_overlay_on(struct run_ctx *c, int upper)
{
	int m = layer_overlay_try(c->p->rootfd, upper, c->p->userns);

	if (m < 0 && c->p->userns && errno == EINVAL)
		m = layer_overlay_try(c->p->rootfd, upper, false);
	return m;
}

/* The same with the tmpfs attached: over the rootfs directory, in this
 * mount namespace (the container's own, private since step_propagation),
 * and detached again at once: the overlay holds its own clone of it. */
static int
layer_overlay_attached(struct run_ctx *c, int upper)
{
	char p[32];
	int m, e;

	if (sys_move_mount_fd(upper, c->p->rootfd) < 0)
		return -1;
	m = layer_overlay_on(c, upper);
	e = errno;
	if (umount2(fdpath(upper, p, sizeof(p)), MNT_DETACH) < 0 && m >= 0) {
		e = errno;
		close(m);
		m = -1;
	}
	errno = e;
	return m;
}

/* Does the tmpfs keep user.* xattrs (Linux 6.6), where overlayfs in a user
 * namespace keeps its marks? Without them a directory of the image cannot
 * be removed (EIO) nor made opaque. Asked of the tmpfs itself, not of the
 * kernel's version: a distribution may backport it. */
static bool
layer_tmpfs_xattrs(int upper)
{
	int fd = openat(upper, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	bool keeps = fd >= 0 && file_user_xattrs(fd) == 0;

	if (fd >= 0)
		close(fd);
	return keeps;
}

/* The layer nsx made on disk (rootfs_layer_make), taken only if it is
 * still the directory nsx made: the fd nsx holds is of the host's mount
 * namespace, which overlayfs refuses before Linux 6.15 (see below), so
 * its path is opened again here, in the container's copy. */
static int
layer_overlay_disk(struct run_ctx *c)
{
	const struct rootfs_layer *l = &c->p->layer;
	int fd = open(l->path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), m, e;
	struct stat a, b;

	if (fd < 0)
		return -1;
	if (fstat(fd, &a) < 0 || fstat(l->lock, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		close(fd);
		errno = EXDEV;
		return -1;
	}
	m = layer_overlay_on(c, fd);
	e = errno;
	close(fd);
	errno = e;
	return m;
}

/* The rootfs read-only below, a tmpfs above for the container's changes.
 * The tmpfs is never attached anywhere where the kernel takes a detached
 * upper layer (Linux 6.15): it lives and dies with the overlay. Before,
 * overlayfs's clone_private_mount() refused a mount outside the caller's
 * mount namespace with EINVAL (kernel commit db04662e2f4f "fs: allow
 * detached mounts in clone_private_mount()"): there it is attached first.
 * In a user namespace on a tmpfs without user.* xattrs (Linux < 6.6), the
 * layer nsx made on disk instead; without one, the tmpfs all the same,
 * and a note says what cannot work. */
static int
layer_overlay(struct run_ctx *c)
{
	int upper = layer_tmpfs(), m = -1, e;
	char why[600] = "";

	if (upper < 0)
		return -1;
	if (mkdirat(upper, "upper", 0755) == 0 && mkdirat(upper, "work", 0755) == 0) {
		if (c->p->userns && !layer_tmpfs_xattrs(upper)) {
			if (c->p->layer.path[0] && (m = layer_overlay_disk(c)) >= 0) {
				close(upper);
				return m;
			}
			if (c->p->layer.path[0])
				snprintf(why, sizeof(why), "the layer on disk %.400s was refused: %s",
					 c->p->layer.path, strerror(errno));
			else
				snprintf(why, sizeof(why), "%s", c->p->layer_why);
		}
		m = layer_overlay_on(c, upper);
		if (m < 0 && errno == EINVAL)
			m = layer_overlay_attached(c, upper);
		/* said only when the tmpfs took: where overlayfs refuses a user
		 * namespace altogether (Linux < 5.11) the caller says that */
		if (m >= 0 && why[0])
			run_child_note(c, "no directory of the image can be removed in this container (EIO): "
				       "tmpfs keeps no user.* xattrs before Linux 6.6, and %s", why);
	}
	e = errno;
	close(upper);
	errno = e;
	return m;
}

/* statvfs flags a remount must keep: in a user namespace the kernel locks
 * them, and a remount that would clear one is refused with EPERM */
static unsigned long
locked_flags(int fd)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (fstatvfs(fd, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

/* The rootfs itself (--rw), or read-only when overlay was refused; nodev
 * as the overlay is. Without mount_setattr (Linux < 5.12) the flags are set
 * by a remount once the layer is in place: *remount says so. */
static int
layer_bind(struct run_ctx *c, bool rdonly, unsigned long *remount)
{
	int m = sys_open_tree_clone(c->p->rootfd);

	*remount = 0;
	if (m >= 0 && sys_mount_setattr_set(m, MOUNT_ATTR_NODEV | (rdonly ? MOUNT_ATTR_RDONLY : 0)) < 0) {
		int e = errno;

		if (e == ENOSYS) {
			*remount = MS_NODEV | (rdonly ? MS_RDONLY : 0);
			return m;
		}
		close(m);
		errno = e;
		return -1;
	}
	return m;
}

/* The fd nsx opened and checked points into the host's mount namespace;
 * mounts here need this namespace's copy of that directory: the same path
 * again, taken only if it is still the same directory. */
static int
layer_here(struct run_ctx *c)
{
	struct stat a, b;
	int fd = open(c->p->rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return fail(c, "rootfs %s: %s", c->p->rootfs);
	if (fstat(fd, &a) < 0 || fstat(c->p->rootfd, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		close(fd);
		return nsx_error(&c->err, EXDEV, "rootfs %s was replaced while the container was set up",
				 c->p->rootfs);
	}
	close(c->p->rootfd);
	c->p->rootfd = fd;
	return 0;
}

/* ---- the image's owners and modes ----
 * The cache keeps no foreign owner, no group- or other-writable mode and
 * no sticky bit (rootfs.h); what the image says instead (its sidecar) is
 * given back here, in the overlay's upper layer, before the command
 * exists: a chown or chmod copies the file up (a directory is cheap). */

/* In a user namespace, an owner it does not map, or a lower file owned by
 * a host uid it does not map (--uid-map as root), cannot be given: the
 * container sees what it saw before (nobody, or root's mode). */
static bool
meta_unmappable(const struct run_ctx *c, int e)
{
	return c->p->userns && (e == EPERM || e == EINVAL || e == EOVERFLOW);
}

/* One path of the sidecar, opened in the container's root without
 * following any symlink (RESOLVE_IN_ROOT): nothing outside can be reached,
 * whatever the image holds. */
static int
meta_apply(struct run_ctx *c, const struct rootfs_meta_rec *r)
{
	char p[64];
	struct stat st;
	int fd = sys_openat2(c->rootfd, *r->path ? r->path : ".", O_PATH | O_NOFOLLOW | O_CLOEXEC,
			     IN_ROOT), rc = 0;

	if (fd < 0)	/* deeper than PATH_MAX: left as the cache has it */
		return errno == ENAMETOOLONG ? 0 : fail(c, "rootfs: /%s: %s", r->path);
	if (fstat(fd, &st) < 0)
		rc = fail(c, "rootfs: /%s: %s", r->path);
	else if (S_ISLNK(st.st_mode))
		;
	else if ((st.st_uid != r->uid || st.st_gid != r->gid) &&
		 fchownat(fd, "", r->uid, r->gid, AT_EMPTY_PATH) < 0 && !meta_unmappable(c, errno))
		rc = fail(c, "rootfs: /%s: cannot give it the image's owner: %s", r->path);
	else if ((st.st_mode & 07777) != r->mode && chmod(fdpath(fd, p, sizeof(p)), r->mode) < 0 &&
		 !meta_unmappable(c, errno))
		rc = fail(c, "rootfs: /%s: cannot give it the image's mode: %s", r->path);
	close(fd);
	return rc;
}

static int
layer_meta(struct run_ctx *c)
{
	for (size_t i = 0; i < c->p->meta.n; i++)
		if (meta_apply(c, &c->p->meta.rec[i]) < 0)
			return -1;
	return 0;
}

static int
step_layer(struct run_ctx *c, const struct plan_step *step)
{
	const char *root = c->p->rootfs;
	unsigned long remount = 0;
	bool upper = false;
	char p[32];
	int m;

	if (layer_here(c) < 0)
		return -1;
	if (c->p->o.rw) {
		if ((m = layer_bind(c, false, &remount)) < 0)
			return fail(c, "binding the rootfs %s: %s", root);
	} else if ((m = layer_overlay(c)) >= 0)
		upper = true;
	else {
		int e = errno;

		/* overlay refused (an odd filesystem below): the rootfs
		 * read-only, still unchanged afterwards */
		if ((m = layer_bind(c, true, &remount)) < 0)
			return fail(c, "a read-only rootfs %s: %s", root);
		if (e == EPERM && c->p->userns)
			run_child_note(c, "overlay refused in a user namespace (Linux 5.11 allows it): the "
				       "container's / is read-only (as root it is not; --rootfs DIR --rw writes to DIR)");
		else
			run_child_note(c, "overlay refused (%s): the container's / is read-only", strerror(e));
	}
	/* layer_overlay took the layer on disk, or not: either way the
	 * container keeps no fd of the host's cache */
	if (c->p->layer.lock >= 0) {
		close(c->p->layer.lock);
		c->p->layer.lock = -1;
	}
	/* onto the rootfs directory itself: pivot_root wants a mount point */
	if (sys_move_mount_fd(m, c->p->rootfd) < 0) {
		close(m);
		return fail(c, "mounting the rootfs layer on %s: %s", root);
	}
	c->rootfd = m;
	if (remount && mount(NULL, fdpath(m, p, sizeof(p)), NULL,
			     MS_BIND | MS_REMOUNT | remount | locked_flags(m), NULL) < 0)
		return fail(c, "making the rootfs layer nodev on %s: %s", root);
	return upper ? layer_meta(c) : 0;
}

/* ---- /proc, /dev, /sys ---- */

static int
step_proc(struct run_ctx *c, const struct plan_step *step)
{
	struct stat st;
	int fd, r;

	if (root_dir(c, "proc", &fd) < 0)
		return -1;
	r = mount_at(c, fd, "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "proc on /proc");
	close(fd);
	if (r < 0 && c->err.errnum == EPERM && c->p->userns)
		nsx_error(&c->err, EPERM, "mount proc on /proc: not permitted (the host's /proc has "
			  "parts mounted over, which the kernel forbids in a user namespace; see 'doctor')");
	if (r == 0 && (fstatat(c->rootfd, "proc/self", &st, 0) < 0))
		return fail(c, "the new /proc does not work%s: %s", "");
	return r;
}

struct devnode {
	const char *name;
	unsigned int major, minor;
};

static const struct devnode dev_nodes[] = {
	{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static int
dev_node(struct run_ctx *c, int dev, const struct devnode *d)
{
	char host[32], p[64];
	int fd;

	/* in a user namespace mknod is refused: bind the host's node instead */
	if (!c->p->userns) {
		if (mknodat(dev, d->name, S_IFCHR | 0666, makedev(d->major, d->minor)) == 0)
			return fchmodat(dev, d->name, 0666, 0);
		if (errno != EPERM)
			return fail(c, "mknod /dev/%s: %s", d->name);
	}
	if ((fd = openat(dev, d->name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666)) < 0)
		return fail(c, "/dev/%s: %s", d->name);
	snprintf(host, sizeof(host), "/dev/%s", d->name);
	if (mount(host, fdpath(fd, p, sizeof(p)), NULL, MS_BIND, NULL) < 0) {
		close(fd);
		return fail(c, "bind /dev/%s: %s", d->name);
	}
	close(fd);
	return 0;
}

static bool
gid_mapped(const struct plan *p, unsigned long gid)
{
	if (!p->userns)
		return true;
	for (int i = 0; i < p->maps.ngid; i++)
		if (gid >= p->maps.gidmap[i].inner && gid - p->maps.gidmap[i].inner < p->maps.gidmap[i].count)
			return true;
	return false;
}

static int
dev_sub(struct run_ctx *c, int dev, const char *name, mode_t mode, const char *type,
	unsigned long flags, const char *data)
{
	int fd, r;

	if (mkdirat(dev, name, mode) < 0)
		return fail(c, "mkdir /dev/%s: %s", name);
	if ((fd = sys_openat2(dev, name, O_PATH | O_DIRECTORY | O_CLOEXEC, IN_ROOT)) < 0)
		return fail(c, "/dev/%s: %s", name);
	r = mount_at(c, fd, type, type, flags, data, name);
	close(fd);
	return r;
}

static int
step_dev(struct run_ctx *c, const struct plan_step *step)
{
	static const char *const links[][2] = {
		{ "ptmx", "pts/ptmx" }, { "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
	};
	/* gid=5 (tty) only when the user namespace maps it: else EINVAL */
	const char *pts = gid_mapped(c->p, 5) ? "newinstance,ptmxmode=0666,mode=0620,gid=5"
					      : "newinstance,ptmxmode=0666,mode=0620";
	int fd, dev, r;

	if (root_dir(c, "dev", &fd) < 0)
		return -1;
	r = mount_at(c, fd, "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", "tmpfs on /dev");
	close(fd);
	if (r < 0)
		return -1;
	/* the tmpfs just mounted, reached through the same checked path */
	if ((dev = sys_openat2(c->rootfd, "dev", O_PATH | O_DIRECTORY | O_CLOEXEC, IN_ROOT)) < 0)
		return fail(c, "/dev%s: %s", "");
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++)
		if (dev_node(c, dev, &dev_nodes[i]) < 0)
			goto out;
	if (dev_sub(c, dev, "pts", 0755, "devpts", MS_NOSUID | MS_NOEXEC, pts) < 0 ||
	    dev_sub(c, dev, "shm", 01777, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777") < 0)
		goto out;
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (symlinkat(links[i][1], dev, links[i][0]) < 0) {
			fail(c, "/dev/%s: %s", links[i][0]);
			goto out;
		}
	close(dev);
	return 0;
out:
	close(dev);
	return -1;
}


/* Bind path onto itself (recursively: /proc/sys has no submounts to
 * fear) or src (the host's, alone, see step_sys) onto it, read-only, with
 * the mount flags in extra too. */
static int
bind_readonly(struct run_ctx *c, const char *path, const char *src, unsigned long extra)
{
	char p[64];
	int fd = sys_openat2(c->rootfd, path, O_PATH | O_CLOEXEC, IN_ROOT), fd2, r;

	if (fd < 0)
		return errno == ENOENT ? 0 : fail(c, "/%s: %s", path);
	r = mount(src ? src : fdpath(fd, p, sizeof(p)), fdpath(fd, p, sizeof(p)), NULL,
		  src ? MS_BIND : MS_BIND | MS_REC, NULL);
	close(fd);
	if (r < 0)
		return fail(c, "bind /%s: %s", path);
	/* open again: the fd above is the mount below the new bind */
	if ((fd2 = sys_openat2(c->rootfd, path, O_PATH | O_CLOEXEC, IN_ROOT)) < 0)
		return fail(c, "/%s: %s", path);
	r = mount(NULL, fdpath(fd2, p, sizeof(p)), NULL,
		  MS_BIND | MS_REMOUNT | MS_RDONLY | extra | locked_flags(fd2), NULL);
	close(fd2);
	return r < 0 ? fail(c, "read-only /%s: %s", path) : 0;
}

static int
step_sys(struct run_ctx *c, const struct plan_step *step)
{
	int fd, r;

	if (root_dir(c, "sys", &fd) < 0)
		return -1;
	/* a sysfs of its own: root may mount one with the host's network
	 * namespace too; in a user namespace the kernel wants the network
	 * namespace to be the container's (and the host's /sys fully visible) */
	r = mount_at(c, fd, "sysfs", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "sysfs");
	close(fd);
	if (r == 0)
		return 0;
	/* else the host's /sys, bound read-only, without its submounts: a
	 * recursive bind would bring the host's cgroup, tracing and bpf file
	 * systems along, writable */
	if (bind_readonly(c, "sys", "/sys", 0) == 0)
		return 0;
	run_child_note(c, "/sys left out: %s", c->err.msg);
	return 0;
}

/* ---- /sys/fs/cgroup: the container's own cgroup, read-only ---- */

#define CG_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* cgroup v2: a cgroup2 mounted from inside the container's cgroup
 * namespace (step_cgroupns made it) shows that namespace's root, the
 * container's cgroup, and what is below it; a user namespace may mount it
 * when it owns the cgroup namespace. */
static int
cgroupfs_v2(struct run_ctx *c, int fd)
{
	return mount_at(c, fd, "cgroup2", "cgroup2", MS_RDONLY | CG_FLAGS, NULL,
			"cgroup2 on /sys/fs/cgroup");
}

/* cgroup v1, as docker does it: a tmpfs holding one read-only bind of the
 * container's cgroup per hierarchy (co-mounted ones under their joint
 * name, "cpu,cpuacct", with a link for each), then made read-only itself.
 * Never a v1 hierarchy of its own, even read-only: its root would have
 * release_agent, a program the host runs (CVE-2022-0492). */
static int
cgroupfs_v1(struct run_ctx *c, int fd)
{
	const struct cg_view *v = &c->p->cgview;
	char path[PATH_MAX], p[64];
	int dir, rc = -1;

	if (mount_at(c, fd, "tmpfs", "tmpfs", CG_FLAGS, "mode=755,size=64k",
		     "tmpfs on /sys/fs/cgroup") < 0)
		return -1;
	if ((dir = sys_openat2(c->rootfd, "sys/fs/cgroup", O_PATH | O_DIRECTORY | O_CLOEXEC, IN_ROOT)) < 0)
		return fail(c, "/sys/fs/cgroup%s: %s", "");
	for (int i = 0; i < v->n; i++) {
		const char *name = v->bind[i].name;

		snprintf(path, sizeof(path), "sys/fs/cgroup/%s", name);
		if (mkdirat(dir, name, 0755) < 0) {
			fail(c, "mkdir /sys/fs/cgroup/%s: %s", name);
			goto out;
		}
		if (bind_readonly(c, path, v->bind[i].dir, CG_FLAGS) < 0)
			goto out;
		for (const char *s = name; strchr(name, ',') && *s; s += strcspn(s, ","), s += *s == ',') {
			char link[64];

			snprintf(link, sizeof(link), "%.*s", (int)strcspn(s, ","), s);
			if (symlinkat(name, dir, link) < 0 && errno != EEXIST) {
				fail(c, "/sys/fs/cgroup/%s: %s", link);
				goto out;
			}
		}
	}
	if (mount(NULL, fdpath(dir, p, sizeof(p)), NULL, MS_REMOUNT | MS_RDONLY | CG_FLAGS,
		  "mode=755,size=64k") < 0)
		fail(c, "read-only tmpfs on /sys/fs/cgroup%s: %s", "");
	else
		rc = 0;
out:
	close(dir);
	return rc;
}

static int
step_cgroupfs(struct run_ctx *c, const struct plan_step *step)
{
	int fd, r;

	if (c->p->cgview.fs == CG_FS_NONE)
		return 0;
	/* a /sys without it (none at all: step_sys said so) */
	if ((fd = sys_openat2(c->rootfd, "sys/fs/cgroup", O_PATH | O_DIRECTORY | O_CLOEXEC,
			      IN_ROOT)) < 0)
		return errno == ENOENT ? 0 : fail(c, "/sys/fs/cgroup%s: %s", "");
	r = c->p->cgview.fs == CG_FS_V2 ? cgroupfs_v2(c, fd) : cgroupfs_v1(c, fd);
	close(fd);
	return r;
}

/* ---- masks and read-only paths (runc's and crun's defaults) ---- */

static const char *const masked[] = {
	"proc/acpi", "proc/asound", "proc/kcore", "proc/keys", "proc/latency_stats",
	"proc/timer_list", "proc/timer_stats", "proc/sched_debug", "proc/scsi", "sys/firmware",
	/* RAPL energy counters: a side channel on what the CPU computes,
	 * secrets included (PLATYPUS, CVE-2020-8694); only where it exists */
	"sys/devices/virtual/powercap",
};

static const char *const readonly[] = {
	"proc/bus", "proc/fs", "proc/irq", "proc/sys", "proc/sysrq-trigger",
};

static int
mask_one(struct run_ctx *c, const char *path)
{
	char p[64];
	struct stat st;
	int fd = sys_openat2(c->rootfd, path, O_PATH | O_CLOEXEC, IN_ROOT), r;

	if (fd < 0)
		return errno == ENOENT ? 0 : fail(c, "/%s: %s", path);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return fail(c, "/%s: %s", path);
	}
	/* files: the host's /dev/null over them; dirs: an empty read-only tmpfs */
	if (S_ISDIR(st.st_mode))
		r = mount("tmpfs", fdpath(fd, p, sizeof(p)), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0");
	else
		r = mount("/dev/null", fdpath(fd, p, sizeof(p)), NULL, MS_BIND, NULL);
	close(fd);
	return r < 0 ? fail(c, "masking /%s: %s", path) : 0;
}

static int
step_mask(struct run_ctx *c, const struct plan_step *step)
{
	struct stat st;

	/* the mask source must really be the null device (CVE-2025-31133) */
	if (stat("/dev/null", &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
		return nsx_error(&c->err, EINVAL, "the host's /dev/null is not the null device");
	for (size_t i = 0; i < ARRAY_SIZE(masked); i++)
		if (mask_one(c, masked[i]) < 0)
			return -1;
	return 0;
}

static int
step_readonly(struct run_ctx *c, const struct plan_step *step)
{
	for (size_t i = 0; i < ARRAY_SIZE(readonly); i++)
		if (bind_readonly(c, readonly[i], NULL, 0) < 0)
			return -1;
	return 0;
}

/* ---- pivot_root ---- */

static int
step_pivot(struct run_ctx *c, const struct plan_step *step)
{
	int old = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (old < 0)
		return fail(c, "open /%s: %s", "");
	/* pivot_root(".", "."): the old root ends up stacked under the new one,
	 * where it is detached; no directory for it is needed in the rootfs
	 * (as crun and runc do it) */
	if (fchdir(c->rootfd) < 0 || sys_pivot_root(".", ".") < 0) {
		close(old);
		return fail(c, "pivot_root into %s: %s", c->p->rootfs);
	}
	if (fchdir(old) < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
		close(old);
		return fail(c, "detaching the old root%s: %s", "");
	}
	close(old);
	close(c->rootfd);
	c->rootfd = -1;
	return 0;
}

static int
step_hostname(struct run_ctx *c, const struct plan_step *step)
{
	if (sethostname(c->p->hostname, strlen(c->p->hostname)) < 0)
		return fail(c, "sethostname %s: %s", c->p->hostname);
	return 0;
}

static int
step_net(struct run_ctx *c, const struct plan_step *step)
{
	struct in_addr h, a;

	if (net_link_up("lo", &c->err) < 0)
		return -1;
	if (c->p->o.net != RUN_NET_VETH)
		return 0;
	net_cidr_hosts(&c->p->cidr, &h, &a);
	if (net_addr_add("eth0", a, c->p->cidr.prefix, &c->err) < 0 ||
	    net_link_up("eth0", &c->err) < 0 || net_route_default(h, &c->err) < 0)
		return -1;
	return 0;
}

/* The command's process, on its own stack, sharing init's memory until it
 * execs (CLONE_VM | CLONE_VFORK, as posix_spawn does): no copy of nsx's
 * page tables for a process that lives a few hundred microseconds. */
static int
payload_entry(void *arg)
{
	struct run_ctx *c = arg;
	int i = 0;

	while (i < c->p->nsteps && c->p->steps[i].where != AT_PAYLOAD)
		i++;
	run_steps(c, AT_PAYLOAD, &i);
	_exit(125);
}

static int
step_init(struct run_ctx *c, const struct plan_step *step)
{
	static char stack[256 * 1024] __attribute__((aligned(16)));
	sigset_t all;
	pid_t pid;

	if (c->p->o.no_init)
		return 0;
	/* blocked before the command exists: a SIGCHLD of a command that is
	 * done at once must wait for init, not be dropped (its default is to
	 * ignore it); the command unblocks them before execve */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	/* Nothing in the container may read init's memory or open its
	 * /proc/1/exe, the host's nsx binary (CVE-2019-5736), nor reach an fd
	 * of the host's through /proc/1/fd: both settled before the command
	 * exists. The sync socket stays for the command's exec error. */
	prctl(PR_SET_DUMPABLE, 0);
	run_close_fds(c);
	/* named before the command exists: its first `ps` shows nsx-init,
	 * not nsx's command line. title_set overwrites the memory of nsx's
	 * argv, where the command's words are: copy them first (this process
	 * is the container's, its heap its own). */
	if (c->p->o.argv) {
		int n = 0;
		char **copy;

		while (c->p->o.argv[n])
			n++;
		copy = xcalloc((size_t)n + 1, sizeof(char *));
		for (int i = 0; i < n; i++)
			copy[i] = xstrdup(c->p->o.argv[i]);
		c->p->o.argv = copy;
	}
	prctl(PR_SET_NAME, "nsx-init");
	title_set("nsx-init");
	pid = clone(payload_entry, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, c);
	if (pid < 0)
		return fail(c, "starting the command%s: %s", "");
	c->payload = pid;
	init_main(c);
}

step_fn
setup_step(enum step_id id)
{
	static const step_fn fns[ST_NSTEPS] = {
		[ST_IDS] = step_ids, [ST_CGROUPNS] = step_cgroupns,
		[ST_PROPAGATION] = step_propagation, [ST_LAYER] = step_layer,
		[ST_PROC] = step_proc, [ST_DEV] = step_dev, [ST_SYS] = step_sys,
		[ST_CGROUPFS] = step_cgroupfs,
		[ST_MASK] = step_mask, [ST_READONLY] = step_readonly, [ST_PIVOT] = step_pivot,
		[ST_HOSTNAME] = step_hostname, [ST_NET] = step_net, [ST_INIT] = step_init,
	};

	return fns[id];
}
