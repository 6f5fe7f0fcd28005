/* The unpacking of an image (unpack.h): in a child process, confined to
 * the tree it fills, running untar.c over the image's archives. */
#define _GNU_SOURCE
#include "container/unpack.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/landlock.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container/meta.h"
#include "container/oci.h"
#include "container/untar.h"
#include "sys/sys.h"
#include "util/file.h"
#include "util/testhook.h"
#include "util/xalloc.h"

struct unpack_result {
	int rc;
	unsigned skipped;
	enum rootfs_confine confined;
	int probe_errno;
	struct nsx_err err;
};

static int
unpack_tarball(const struct unpack_job *job, struct untar *u, struct untar_src *s)
{
	char got[DIGEST_HEX_LEN + 1];

	u->what = job->src;
	s->fd = job->fd;
	untar_space_init(u);
	u->scan = true;
	if (untar_scan(u, s, NULL, NULL) < 0)
		return -1;
	u->scan = false;
	memset(&u->t, 0, sizeof(u->t));
	if (untar_write(u, s) < 0)
		return -1;
	if (u->members == 0 && u->skipped == 0)
		return nsx_error(u->err, EINVAL, "%s: the archive has no members", job->src);
	if (untar_digest(s, got) < 0 || strcmp(got, job->hex) != 0)
		return nsx_error(u->err, EAGAIN, "%s changed while it was unpacked: try again",
				 job->src);
	return 0;
}

struct unpack_wh {
	char **wh;
	size_t n;
};

/* Pass 1 of a layer: its blob verified, its whiteouts collected. */
static int
unpack_layer_scan(const struct unpack_job *job, const struct oci_desc *l, struct untar *u,
		  struct untar_src *s, struct unpack_wh *w)
{
	struct oci o = { job->src, job->fd };
	char what[PATH_MAX + 128];
	int rc;

	snprintf(what, sizeof(what), "OCI layout %s: blob sha256:%s", job->src, l->hex);
	u->what = what;
	if ((s->fd = oci_blob_open(&o, l->hex, u->err)) < 0)
		return -1;
	rc = untar_scan(u, s, &w->wh, &w->n);
	if (rc == 0)
		rc = untar_verify(u, s, l->hex);
	close(s->fd);
	u->what = job->src;
	return rc;
}

/* Pass 2: whiteouts, unpack, and check the blob did not change since
 * pass 1 (it is read twice). */
static int
unpack_layer(const struct unpack_job *job, const struct oci_desc *l, struct untar *u,
	     struct untar_src *s, const struct unpack_wh *w)
{
	struct oci o = { job->src, job->fd };
	char what[PATH_MAX + 128];
	int rc = 0;

	snprintf(what, sizeof(what), "OCI layout %s: blob sha256:%s", job->src, l->hex);
	u->what = what;
	if ((s->fd = oci_blob_open(&o, l->hex, u->err)) < 0)
		return -1;
	for (size_t i = 0; i < w->n && rc == 0; i++)
		rc = untar_whiteout(u, w->wh[i]);
	if (rc == 0)
		rc = untar_write(u, s);
	if (rc == 0)
		rc = untar_verify(u, s, l->hex);
	close(s->fd);
	return rc;
}

/* Every layer's headers first, so that an image over the bounds or too
 * big for the cache is refused before anything of it is written. */
static int
unpack_oci(const struct unpack_job *job, struct untar *u, struct untar_src *s)
{
	struct unpack_wh *w = xcalloc(job->nlayers, sizeof(*w));
	int rc = 0;

	u->layer = true;
	untar_space_init(u);
	u->scan = true;
	for (size_t i = 0; i < job->nlayers && rc == 0; i++)
		rc = unpack_layer_scan(job, &job->layers[i], u, s, &w[i]);
	u->scan = false;
	memset(&u->t, 0, sizeof(u->t));
	for (size_t i = 0; i < job->nlayers && rc == 0; i++)
		rc = unpack_layer(job, &job->layers[i], u, s, &w[i]);
	for (size_t i = 0; i < job->nlayers; i++) {
		for (size_t k = 0; k < w[i].n; k++)
			free(w[i].wh[k]);
		free(w[i].wh);
	}
	free(w);
	return rc;
}

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

int
unpack_landlock_abi(void)
{
	long abi;

	/* a test hook: the fallback below, on a kernel that has Landlock */
	if (testhook("NSX_TEST_NO_LANDLOCK"))
		return 0;
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	return abi < 0 ? 0 : (int)abi;
}

/* Defence in depth: libarchive's SECURE_* flags and the checks above should
 * keep every write inside the tree; Landlock (5.19+ for REFER) makes the
 * kernel enforce it for creating, writing, linking and removing, so a bug
 * in either cannot touch the host. Reads stay free (blobs, the tarball).
 * Landlock does not cover chmod/chown/utimes; SECURE_SYMLINKS does. ABI 1
 * is not used: without REFER it forbids hard links across directories,
 * which images have. */
static bool
unpack_landlock(int tree)
{
	struct landlock_ruleset_attr attr = { 0 };
	struct landlock_path_beneath_attr pb = { 0 };
	int abi = unpack_landlock_abi(), rs;
	bool done = false;

	if (abi < 2)
		return false;
	attr.handled_access_fs = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
		LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
		LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
		LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
		LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM |
		LANDLOCK_ACCESS_FS_REFER | (abi >= 3 ? LANDLOCK_ACCESS_FS_TRUNCATE : 0);
	rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rs < 0)
		return false;
	pb.allowed_access = attr.handled_access_fs;
	pb.parent_fd = tree;
	if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) == 0 &&
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
		done = syscall(SYS_landlock_restrict_self, rs, 0) == 0;
	close(rs);
	return done;
}

static int
unpack_file_put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = file_write_all(fd, text, strlen(text));
	close(fd);
	return rc;
}

/* Not root: a user namespace of its own, where it is itself (its uid and
 * gid mapped to themselves, so files stay its own) with the capabilities
 * to make mounts in a mount namespace it owns. */
static int
unpack_userns_self(void)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)uid, (unsigned)uid);
	if (unpack_file_put("/proc/self/uid_map", map) < 0 ||
	    (unpack_file_put("/proc/self/setgroups", "deny") < 0 && errno != ENOENT))
		return -1;
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)gid, (unsigned)gid);
	return unpack_file_put("/proc/self/gid_map", map);
}

/* Keep only what writing a tree of one's own needs (entering and fixing up
 * an archive's 0555 and 0000 directories); without CAP_SYS_ADMIN and
 * CAP_SYS_CHROOT there is no way back out of the jail's root. */
static int
unpack_caps_drop(void)
{
	static const cap_value_t kept[] = { CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER };
	cap_value_t last = (cap_value_t)cap_max_bits() - 1;
	cap_t caps;
	int r;

	for (cap_value_t v = 0; v <= last; v++)
		if (v != kept[0] && v != kept[1] && v != kept[2] && cap_drop_bound(v) < 0 &&
		    errno != EINVAL)
			return -1;
	if (!(caps = cap_init()))
		return -1;
	cap_set_flag(caps, CAP_EFFECTIVE, (int)ARRAY_SIZE(kept), kept, CAP_SET);
	cap_set_flag(caps, CAP_PERMITTED, (int)ARRAY_SIZE(kept), kept, CAP_SET);
	r = cap_set_proc(caps);
	cap_free(caps);
	if (r < 0 || cap_reset_ambient() < 0)
		return -1;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/* Without Landlock (Linux < 5.19): a mount namespace of its own whose / is
 * the tree alone (the host's files are not there to write, whatever a bug
 * in libarchive or here would try), then no capability to leave it. As
 * container/setup.c makes a container's root: a clone of the tree's mount
 * attached onto the tree, pivot_root, the old root detached. */
static int
unpack_jail(const struct unpack_job *job, int *root)
{
	char path[PATH_MAX];
	struct stat a, b;
	int fd = -1, m = -1, old = -1, top = -1, rc = -1;

	if (unshare(CLONE_NEWNS) < 0 && (errno != EPERM || unpack_userns_self() < 0))
		return -1;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    file_path(path, sizeof(path), NULL, "%s/root", job->tree) < 0)
		return -1;
	/* *root lies in the host's mount namespace; this one's copy of it,
	 * the same directory (the staging directory is private: no swap) */
	fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &a) < 0 || fstat(*root, &b) < 0 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		goto out;
	m = sys_open_tree_clone(fd);
	old = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (m < 0 || old < 0 || sys_move_mount_fd(m, fd) < 0 || fchdir(m) < 0 ||
	    sys_pivot_root(".", ".") < 0 || fchdir(old) < 0 || umount2(".", MNT_DETACH) < 0 ||
	    chdir("/") < 0)
		goto out;
	top = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0 || unpack_caps_drop() < 0)
		goto out;
	close(*root);
	*root = top;
	top = -1;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (m >= 0)
		close(m);
	if (old >= 0)
		close(old);
	if (top >= 0)
		close(top);
	return rc;
}

static enum rootfs_confine
unpack_confine(const struct unpack_job *job, int *root)
{
	if (unpack_landlock(*root))
		return CONFINE_LANDLOCK;
	if (unpack_jail(job, root) == 0)
		return CONFINE_MOUNTNS;
	return CONFINE_NONE;
}

/* NSX_TEST_UNPACK_PROBE=PATH: once confined, try to create PATH (outside
 * the tree): the errno, or 0 when it was made. -1: not asked. */
static int
unpack_probe(void)
{
	const char *p = testhook("NSX_TEST_UNPACK_PROBE");
	int fd;

	if (!p || !*p)
		return -1;
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void __attribute__((noreturn))
unpack_child(const struct unpack_job *job, int wfd)
{
	struct unpack_result res;
	struct untar u = { .err = &res.err, .lim = job->lim, .where = job->where, .root = -1 };
	struct untar_src *s = xmalloc(sizeof(*s));
	char path[PATH_MAX];
	int mfd;

	memset(&res, 0, sizeof(res));
	res.probe_errno = -1;
	/* the sidecar is opened before the confinement, which keeps the
	 * unpacking out of everything but root/ */
	mfd = meta_open(job->tree, &res.err);
	if (mfd < 0 || file_path(path, sizeof(path), &res.err, "%s/root", job->tree) < 0)
		res.rc = -1;
	else if ((u.root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		res.rc = nsx_error(&res.err, errno, "cannot enter %s: %s", path, strerror(errno));
	else {
		res.confined = unpack_confine(job, &u.root);
		/* a new user namespace clears the parent-death signal */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		res.probe_errno = unpack_probe();
		if (fchdir(u.root) < 0)
			res.rc = nsx_error(&res.err, errno, "cannot enter %s: %s", path, strerror(errno));
		else
			res.rc = job->layers ? unpack_oci(job, &u, s) : unpack_tarball(job, &u, s);
		if (res.rc == 0 && meta_write(&u.meta, mfd) < 0)
			res.rc = nsx_error(&res.err, errno, "%s/meta: %s", job->tree, strerror(errno));
	}
	res.skipped = u.skipped;
	file_write_all(wfd, &res, sizeof(res));
	meta_free(&u.meta);
	free(s);
	_exit(0);
}

/* Unpacking runs in a child: it changes directory (libarchive writes
 * relative to the cwd) and confines itself, neither of which nsx may
 * keep; and a crash in a decompressor stays there. */
int
unpack_run(const struct unpack_job *job, struct rootfs_stats *stats, struct nsx_err *err)
{
	struct unpack_result res;
	int p[2], status = 0;
	size_t got;
	pid_t pid, parent = getpid();

	if (pipe2(p, O_CLOEXEC) < 0)
		return nsx_error(err, errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return nsx_error(err, errno, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		/* nsx killed (SIGKILL, Ctrl-C) ends the unpacking too: nobody
		 * would use the tree, and a big image would go on for seconds */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		close(p[0]);
		unpack_child(job, p[1]);
	}
	close(p[1]);
	got = file_read_all(p[0], &res, sizeof(res));
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got != sizeof(res))
		return nsx_error(err, EIO, "%s: the unpacking process died%s%s", job->src,
				 WIFSIGNALED(status) ? ": " : "",
				 WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "");
	res.err.msg[sizeof(res.err.msg) - 1] = '\0';
	stats->confined = res.confined;
	stats->probe_errno = res.probe_errno;
	stats->devices_skipped = res.skipped;
	if (res.rc < 0) {
		*err = res.err;
		return -1;
	}
	return 0;
}
