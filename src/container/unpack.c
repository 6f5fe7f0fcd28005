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
#include <stdbool.h>
#include <stdint.h>
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

#include "container/confine.h"
#include "container/meta.h"
#include "container/oci.h"
#include "container/probe.h"
#include "container/untar.h"
#include "level/idmap.h"
#include "sys/sys.h"
#include "util/file.h"
#include "util/testhook.h"
#include "util/xalloc.h"

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
	char what[PATH_MAX + 128];
	int rc;

	snprintf(what, sizeof(what), "OCI layout %s: blob sha256:%s", job->src, l->hex);
	u->what = what;
	s->fd = l->fd;
	rc = untar_scan(u, s, &w->wh, &w->n);
	if (rc == 0)
		rc = untar_verify(u, s, l->hex);
	u->what = job->src;
	return rc;
}

/* Pass 2: whiteouts, unpack, and check the blob did not change since
 * pass 1 (it is read twice). */
static int
unpack_layer(const struct unpack_job *job, const struct oci_desc *l, struct untar *u,
	     struct untar_src *s, const struct unpack_wh *w)
{
	char what[PATH_MAX + 128];
	int rc = 0;

	snprintf(what, sizeof(what), "OCI layout %s: blob sha256:%s", job->src, l->hex);
	u->what = what;
	s->fd = l->fd;
	for (size_t i = 0; i < w->n && rc == 0; i++)
		rc = untar_whiteout(u, w->wh[i]);
	if (rc == 0)
		rc = untar_write(u, s);
	if (rc == 0)
		rc = untar_verify(u, s, l->hex);
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

	/* a test hook: the mount namespace alone, as below Linux 5.19 */
	if (testhook("NSX_TEST_NO_LANDLOCK"))
		return 0;
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	return abi < 0 ? 0 : (int)abi;
}

/* On top of the jail (and alone where there is none): the kernel refuses
 * creating, writing, linking and removing anything outside the tree,
 * through any path or fd. Reads stay free. Landlock does not cover chmod,
 * chown, utimes or xattrs, nor anything but files: the jail and the
 * dropped capabilities do. ABI 1 is not used: without REFER it forbids
 * hard links across directories, which images have. Needs no_new_privs
 * (set before). */
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
	if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) == 0)
		done = syscall(SYS_landlock_restrict_self, rs, 0) == 0;
	close(rs);
	return done;
}

/* The jail: this process's mount namespace (made by unpack_clone) gets
 * the tree alone as its /, as container/setup.c makes a container's root:
 * a clone of the tree's mount attached onto the tree, pivot_root, the old
 * root detached. Every fd opened before points into the old root and
 * leads back out through "..": unpack_child has closed all but regular
 * files, and the O_PATH fds here are closed before returning. The tree
 * is found by its path in the staging directory, which is root's (or the
 * user's) alone, 0700: nobody can swap it. *root gets the new /. */
static int
unpack_jail(const char *tree, int *root)
{
	char path[PATH_MAX];
	int fd = -1, m = -1, old = -1, rc = -1;

	/* before any mount: nothing of ours may propagate to the host */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    file_path(path, sizeof(path), NULL, "%s/root", tree) < 0)
		return -1;
	fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	m = fd < 0 ? -1 : sys_open_tree_clone(fd);
	old = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (m >= 0 && old >= 0 && sys_move_mount_fd(m, fd) == 0 && fchdir(m) == 0 &&
	    sys_pivot_root(".", ".") == 0 && fchdir(old) == 0 && umount2(".", MNT_DETACH) == 0 &&
	    chdir("/") == 0 && (*root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
		rc = 0;
	if (fd >= 0)
		close(fd);
	if (m >= 0)
		close(m);
	if (old >= 0)
		close(old);
	return rc;
}

/* What unpacking needs of root's power: entering and writing an archive's
 * (or a lower layer's) 0555 and 0000 directories. Not CAP_DAC_READ_SEARCH
 * (open_by_handle_at reaches any file of the tree's filesystem: the
 * "shocker" escape), nor CAP_FOWNER (every file in the tree is ours
 * already), nor CAP_SYS_ADMIN or CAP_SYS_CHROOT (the way back out of a
 * jail), CAP_SYS_MODULE, CAP_KILL... Then no_new_privs, and nsx's seccomp
 * filter (no module loading, kexec, bpf, open_by_handle_at, TIOCSTI...),
 * as a container's command gets them (confine.c). */
static int
unpack_caps(struct nsx_err *err)
{
	struct ctr_confine cf = { .caps = UINT64_C(1) << CAP_DAC_OVERRIDE, .nnp = true,
				  .seccomp = true };

	if (confine_caps(&cf, err) < 0 || confine_nnp(&cf, err) < 0)
		return -1;
	return 0;
}

/* The seccomp filter goes last (after Landlock's own calls); an
 * architecture without one (ENOSYS) keeps the rest. */
static int
unpack_seccomp(struct nsx_err *err)
{
	struct ctr_confine cf = { .seccomp = true };

	if (confine_seccomp(&cf, err) == 0 || err->errnum == ENOSYS)
		return 0;
	return -1;
}

/* Confined, as the namespaces unpack_clone made allow: the jail (jailed),
 * capabilities, no_new_privs, Landlock where the kernel has it, seccomp.
 * *root: the tree. What holds goes into *confined (CONFINE_*); -1 when a
 * step that must work failed. */
static int
unpack_confine(const char *tree, bool jailed, int *root, unsigned *confined,
	       struct nsx_err *err)
{
	char path[PATH_MAX];

	*confined = CONFINE_NONE;
	if (jailed && unpack_jail(tree, root) == 0)
		*confined |= CONFINE_MOUNTNS;
	else if (file_path(path, sizeof(path), err, "%s/root", tree) < 0)
		return -1;
	else if ((*root = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return nsx_error(err, errno, "cannot enter %s: %s", path, strerror(errno));
	if (unpack_caps(err) < 0)
		return -1;
	if (unpack_landlock(*root))
		*confined |= CONFINE_LANDLOCK;
	/* without the jail, what is left is the tree's, by Landlock alone */
	if (!(*confined & CONFINE_MOUNTNS) && !(*confined & CONFINE_LANDLOCK))
		*confined = CONFINE_NONE;
	/* not dumpable: nothing else of the user's may ptrace it */
	if (unpack_seccomp(err) < 0 || prctl(PR_SET_DUMPABLE, 0) < 0)
		return -1;
	return 0;
}

/* What the child says back. */
struct unpack_result {
	int rc;
	unsigned skipped;
	unsigned confined;	/* CONFINE_* */
	char probe[512];	/* NSX_TEST_UNPACK_PROBE: what it found */
	struct nsx_err err;
};

/* Before confining, the child holds only what it needs: the pipe to the
 * parent, the sidecar and the archives, regular files all (no directory
 * fd: from one, openat "../.." leads out of any jail; no /proc: writes
 * there reach the whole host). stdin, stdout and stderr become /dev/null,
 * and a new session leaves root's terminal behind (TIOCSTI would type
 * into root's shell). Everything else nsx holds (its /proc, the staging
 * lock, an OCI layout's directory) is closed. */
static int
unpack_fds(const struct unpack_job *job, int wfd, int mfd)
{
	size_t n = 0;
	int *keep = xcalloc(job->nlayers + 3, sizeof(*keep)), null, rc = 0;

	keep[n++] = wfd;
	keep[n++] = mfd;
	keep[n++] = job->layers ? -1 : job->fd;
	for (size_t i = 0; i < job->nlayers; i++)
		keep[n++] = job->layers[i].fd;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	/* (nsx started with 0, 1 or 2 closed may hold one of keep there) */
	for (int fd = 0; fd <= 2 && rc == 0; fd++) {
		bool kept = false;

		for (size_t i = 0; i < n; i++)
			kept |= keep[i] == fd;
		if (!kept && fd != null && (null < 0 || dup2(null, fd) != fd))
			rc = -1;
	}
	if (null > 2)
		close(null);
	if (rc == 0)
		rc = sys_close_except(keep, n);
	free(keep);
	setsid();
	return rc;
}

static void __attribute__((noreturn))
unpack_child(const struct unpack_job *job, int wfd, bool jailed)
{
	struct unpack_result res;
	struct untar u = { .err = &res.err, .lim = job->lim, .where = job->where, .root = -1 };
	struct untar_src *s = xmalloc(sizeof(*s));
	int mfd;

	memset(&res, 0, sizeof(res));
	/* the sidecar is opened before the confinement, which keeps the
	 * unpacking out of everything but root/ */
	mfd = meta_open(job->tree, &res.err);
	if (mfd < 0)
		res.rc = -1;
	else if (unpack_fds(job, wfd, mfd) < 0)
		res.rc = nsx_error(&res.err, errno, "cannot close nsx's files before unpacking: %s",
				   strerror(errno));
	else if ((res.rc = unpack_confine(job->tree, jailed, &u.root, &res.confined, &res.err)) == 0) {
		/* a change of credentials may clear the parent-death signal */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		probe_unpacker(res.probe, sizeof(res.probe));
		if (fchdir(u.root) < 0)
			res.rc = nsx_error(&res.err, errno, "cannot enter %s/root: %s", job->tree,
					   strerror(errno));
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

/* The namespaces of the jail: its own mounts; its own PIDs, IPC and
 * network, so that it can signal no process (root's uid may signal all of
 * root's), reach no SysV object and no abstract socket of root's. Not
 * root (EPERM), a user namespace of its own too, where the user is
 * itself (maps written by the parent, below). Where neither can be made
 * (user namespaces disabled), a plain child: Landlock alone confines it.
 * *flags: what was made. */
static pid_t
unpack_clone(int *flags)
{
	static const int ns = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET;
	pid_t pid;

	*flags = ns;
	if ((pid = sys_clone_fork(ns)) >= 0)
		return pid;
	*flags = ns | CLONE_NEWUSER;
	if (errno == EPERM && (pid = sys_clone_fork(ns | CLONE_NEWUSER)) >= 0)
		return pid;
	*flags = 0;
	return fork();
}

/* A child of a new user namespace: its uid and gid mapped to ours, so
 * that what it writes is ours (level.c writes the maps, as for a level). */
static int
unpack_maps(pid_t pid, struct nsx_err *err)
{
	struct idmaps r = { .nuid = 1, .ngid = 1, .deny_setgroups = true };

	r.uidmap[0] = (struct idmap){ geteuid(), geteuid(), 1 };
	r.gidmap[0] = (struct idmap){ getegid(), getegid(), 1 };
	return idmap_write(&r, pid, NULL, err);
}

/* The parent's side: let the child go once its maps are written, then
 * read what it says. */
static int
unpack_wait(const struct unpack_job *job, pid_t pid, int flags, int go, int res_fd,
	    struct unpack_result *res, struct nsx_err *err)
{
	int status = 0, rc = 0;
	size_t got = 0;
	char c;

	if ((flags & CLONE_NEWUSER) && file_read_all(res_fd, &c, 1) != 1)
		rc = nsx_error(err, EIO, "%s: the unpacking process died", job->src);
	else if ((flags & CLONE_NEWUSER) && unpack_maps(pid, err) < 0)
		rc = -1;	/* no go: the child reads EOF and ends */
	else if (write(go, "g", 1) != 1)
		rc = nsx_error(err, errno, "the unpacking process: %s", strerror(errno));
	close(go);
	if (rc == 0)
		got = file_read_all(res_fd, res, sizeof(*res));
	close(res_fd);
	if (rc < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && got != sizeof(*res))
		rc = nsx_error(err, EIO, "%s: the unpacking process died%s%s", job->src,
			       WIFSIGNALED(status) ? ": " : "",
			       WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "");
	return rc;
}

/* Unpacking runs in a child: it changes directory (libarchive writes
 * relative to the cwd) and confines itself, neither of which nsx may
 * keep; and a crash in a decompressor stays there. */
int
unpack_run(const struct unpack_job *job, struct rootfs_stats *stats, struct nsx_err *err)
{
	struct unpack_result res;
	int p[2], go[2], flags;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return nsx_error(err, errno, "pipe: %s", strerror(errno));
	if (pipe2(go, O_CLOEXEC) < 0) {
		close(p[0]);
		close(p[1]);
		return nsx_error(err, errno, "pipe: %s", strerror(errno));
	}
	pid = unpack_clone(&flags);
	if (pid == 0) {
		char c;

		/* nsx killed (SIGKILL, Ctrl-C) ends the unpacking too: nobody
		 * would use the tree, and a big image would go on for seconds;
		 * before that, the parent's end of go gives EOF (in a new PID
		 * namespace getppid() says 0, not who the parent was) */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		close(go[1]);
		/* its /proc/PID files are the user's only while it is dumpable
		 * (nsx may not be: after setuid, or in an entered level), and
		 * the parent writes its maps there; not dumpable again once
		 * confined */
		if ((flags & CLONE_NEWUSER) &&
		    (prctl(PR_SET_DUMPABLE, 1) < 0 || write(p[1], "u", 1) != 1))
			_exit(0);
		if (read(go[0], &c, 1) != 1)
			_exit(0);
		close(go[0]);
		unpack_child(job, p[1], flags != 0);
	}
	close(p[1]);
	close(go[0]);
	if (pid < 0) {
		close(p[0]);
		close(go[1]);
		return nsx_error(err, errno, "cannot start the unpacking process: %s", strerror(errno));
	}
	if (unpack_wait(job, pid, flags, go[1], p[0], &res, err) < 0)
		return -1;
	res.err.msg[sizeof(res.err.msg) - 1] = '\0';
	res.probe[sizeof(res.probe) - 1] = '\0';
	stats->confined = res.confined;
	snprintf(stats->probe, sizeof(stats->probe), "%s", res.probe);
	stats->devices_skipped = res.skipped;
	if (res.rc < 0) {
		*err = res.err;
		return -1;
	}
	return 0;
}
