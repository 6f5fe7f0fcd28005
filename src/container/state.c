#define _GNU_SOURCE
#include "container/state.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "net/net.h"
#include "sys/sys.h"
#include "util/trust.h"
#include "util/xalloc.h"


/* Root's records: /run/nsx, on a tmpfs on every systemd machine (gone at
 * reboot). Not /dev/shm even where /run is on a disk: /dev/shm is
 * everyone's, and a student who made /dev/shm/nsx-run first would shut
 * root out of its own records. */
#define STATE_ROOT_DIR "/run/nsx"
/* seconds: a claim's temporary record lives between its open and its
 * lock for microseconds; older and unlocked, its run was killed there */
#define STATE_TMP_GRACE 10

/* The records' directory: NSX_STATE_DIR, root's (above), else
 * $XDG_RUNTIME_DIR/nsx or /tmp/nsx-UID. UID is the host uid: every
 * student is root in their own `unshare -r`, and /tmp/nsx-0 would be one
 * directory for all of them, the first one's. As root, a directory from
 * the environment must be root's alone (root acts on what records name);
 * anyone's must be theirs: one another user made first (in /tmp anyone
 * can) is refused, never used, since it could hold links that send our
 * writes anywhere. */
static int
state_dir(char *buf, size_t n, struct nsx_err *err)
{
	const char *env = getenv("NSX_STATE_DIR"), *xdg = getenv("XDG_RUNTIME_DIR");

	if (env && *env) {
		if (trust_env("NSX_STATE_DIR", env, err) < 0)
			return -1;
		snprintf(buf, n, "%s", env);
	} else if (geteuid() == 0 && sys_in_init_userns()) {
		snprintf(buf, n, "%s", STATE_ROOT_DIR);
	} else if (xdg && *xdg) {
		if (trust_env("XDG_RUNTIME_DIR", xdg, err) < 0)
			return -1;
		snprintf(buf, n, "%s/nsx", xdg);
	} else
		snprintf(buf, n, "/tmp/nsx-%u", (unsigned)trust_host_uid());
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return nsx_error(err, errno, "cannot make the state directory %s: %s", buf, strerror(errno));
	return trust_dir_ours(buf, 077, env && *env ? "unset NSX_STATE_DIR, or use a directory of yours"
				      : "set XDG_RUNTIME_DIR or NSX_STATE_DIR to a directory of yours", err);
}

static void
state_path(const char *dir, const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

int
state_check_name(const char *name, struct nsx_err *err)
{
	size_t len = strlen(name);

	if (len == 0 || len > STATE_NAME_MAX || !isalnum((unsigned char)name[0]))
		return nsx_error(err, EINVAL, "invalid name '%s' (1 to %d of a-z 0-9 . -, "
				 "starting with a letter or digit)", name, STATE_NAME_MAX);
	for (const char *p = name; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && !strchr(".-", *p))
			return nsx_error(err, EINVAL, "invalid name '%s' (1 to %d of a-z 0-9 . -, "
					 "starting with a letter or digit)", name, STATE_NAME_MAX);
	return 0;
}

/* A run holds an exclusive flock on its record for as long as it lives
 * (its processes keep the open file): a record nobody holds locked is what
 * a dead run left. Unlike a PID, this needs no look at /proc, which may be
 * another pid namespace's, and survives PID reuse. */
static int run_fd = -1;		/* this process's own record, locked */

static void
state_format(const struct ctr_state *s, char *buf, size_t n)
{
	size_t len = (size_t)snprintf(buf, n, "name=%s\nnsx_pid=%d\npid=%d\nrootfs=%s\nsource=%s\n"
				      "ns=%s\nlimits=%s\nnet=%s\nveth=%s\ncreated=%lld\ncgroup_v2=%d\n"
				      "pid_start=%llu\npidns=%lu\ntimens=%lu\ncaps=%016llx\nnnp=%d\nseccomp=%d\n",
				      s->name, (int)s->nsx_pid, (int)s->pid, s->rootfs, s->source,
				      s->ns, s->limits, s->net, s->veth, (long long)s->created, s->cg.v2,
				      s->pid_start, s->pidns, s->timens, (unsigned long long)s->confine.caps,
				      s->confine.nnp, s->confine.seccomp);

	for (int i = 0; i < s->cg.ndirs && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "cgroup=%s\n", s->cg.dir[i]);
}

static void
state_field(struct ctr_state *s, const char *key, const char *v)
{
	struct { const char *key; char *dst; size_t size; } strs[] = {
		{ "name", s->name, sizeof(s->name) },
		{ "rootfs", s->rootfs, sizeof(s->rootfs) },
		{ "source", s->source, sizeof(s->source) },
		{ "ns", s->ns, sizeof(s->ns) },
		{ "limits", s->limits, sizeof(s->limits) },
		{ "net", s->net, sizeof(s->net) },
		{ "veth", s->veth, sizeof(s->veth) },
	};

	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		if (strcmp(key, strs[i].key) == 0) {
			snprintf(strs[i].dst, strs[i].size, "%s", v);
			return;
		}
	if (strcmp(key, "nsx_pid") == 0)
		s->nsx_pid = atoi(v);
	else if (strcmp(key, "pid") == 0)
		s->pid = atoi(v);
	else if (strcmp(key, "created") == 0)
		s->created = (time_t)strtoll(v, NULL, 10);
	else if (strcmp(key, "cgroup_v2") == 0)
		s->cg.v2 = atoi(v) != 0;
	else if (strcmp(key, "cgroup") == 0 && s->cg.ndirs < CG_MAXDIRS)
		snprintf(s->cg.dir[s->cg.ndirs++], PATH_MAX, "%s", v);
	else if (strcmp(key, "pid_start") == 0)
		s->pid_start = strtoull(v, NULL, 10);
	else if (strcmp(key, "pidns") == 0)
		s->pidns = strtoul(v, NULL, 10);
	else if (strcmp(key, "timens") == 0)
		s->timens = strtoul(v, NULL, 10);
	else if (strcmp(key, "caps") == 0)
		s->confine.caps = strtoull(v, NULL, 16);
	else if (strcmp(key, "nnp") == 0)
		s->confine.nnp = atoi(v) != 0;
	else if (strcmp(key, "seccomp") == 0)
		s->confine.seccomp = atoi(v) != 0;
}

static int
state_parse(int fd, struct ctr_state *s)
{
	char buf[8192], *line, *save;
	ssize_t len = pread(fd, buf, sizeof(buf) - 1, 0);

	memset(s, 0, sizeof(*s));
	confine_default(&s->confine);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (eq) {
			*eq = '\0';
			state_field(s, line, eq + 1);
		}
	}
	return s->name[0] ? 0 : -1;
}

/* Open a record (never through a link, never a FIFO); *alive: a run holds it. */
static int
state_open(const char *path, bool *alive)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	*alive = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	return fd;
}

/* Is the file (a claim's temporary record) older than a claim takes? */
static bool
state_old(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && time(NULL) - st.st_mtime > STATE_TMP_GRACE;
}

/* path, a dead run's record open as fd: remove what it names, then the
 * record, unless a new run has put its own there meanwhile */
static void
state_reap_fd(const char *path, int fd)
{
	struct stat a, b;
	struct ctr_state s;

	if (state_parse(fd, &s) == 0) {
		/* a cgroup that cannot go yet keeps its record: the next look retries */
		if (s.cg.ndirs && cg_destroy(&s.cg, NULL) < 0)
			return;
		if (s.veth[0])
			net_link_delete(s.veth, NULL);
	}
	if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
		unlink(path);
}

int
state_claim(struct ctr_state *s, struct nsx_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX + STATE_NAME_MAX + 2], tmp[PATH_MAX + STATE_NAME_MAX + 32];
	char text[8192];
	int fd;

	if (state_dir(dir, sizeof(dir), err) < 0)
		return -1;
	state_path(dir, s->name, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s/.%s.%d", dir, s->name, (int)getpid());
	s->nsx_pid = getpid();
	/* written and locked under a temporary name, then linked into place:
	 * no one ever sees it empty or unlocked */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return nsx_error(err, errno, "cannot record the container in %s: %s", dir, strerror(errno));
	state_format(s, text, sizeof(text));
	if (flock(fd, LOCK_EX) < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		nsx_error(err, errno, "cannot record the container in %s: %s", dir, strerror(errno));
		goto fail;
	}
	for (int tries = 0; tries < 2; tries++) {
		bool alive;
		int old;

		if (link(tmp, path) == 0) {
			unlink(tmp);
			run_fd = fd;
			return 0;
		}
		if (errno != EEXIST || (old = state_open(path, &alive)) < 0) {
			nsx_error(err, errno, "cannot record the container in %s: %s", dir, strerror(errno));
			goto fail;
		}
		if (!alive)	/* a run that died with SIGKILL: clean up after it */
			state_reap_fd(path, old);
		close(old);
		if (alive)
			break;
	}
	nsx_error(err, EEXIST, "a container named '%s' is running (see 'nsx ps'; choose another --name)",
		  s->name);
fail:
	unlink(tmp);
	close(fd);
	return -1;
}

int
state_write(const struct ctr_state *s, struct nsx_err *err)
{
	char text[8192];
	size_t len;

	if (run_fd < 0)
		return nsx_error(err, EBADF, "the container has no record");
	state_format(s, text, sizeof(text));
	len = strlen(text);
	/* in place: the lock is on this file */
	if (pwrite(run_fd, text, len, 0) != (ssize_t)len || ftruncate(run_fd, (off_t)len) < 0)
		return nsx_error(err, errno, "cannot record the container: %s", strerror(errno));
	return 0;
}

void
state_remove(const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX + STATE_NAME_MAX + 2];

	if (state_dir(dir, sizeof(dir), NULL) == 0) {
		state_path(dir, name, path, sizeof(path));
		unlink(path);
	}
	if (run_fd >= 0) {
		close(run_fd);
		run_fd = -1;
	}
}

int
state_read(const char *name, struct ctr_state *s, struct nsx_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX + STATE_NAME_MAX + 2];
	bool alive;
	int fd, r;

	if (state_check_name(name, NULL) < 0 || state_dir(dir, sizeof(dir), err) < 0)
		return nsx_error(err, ENOENT, "no container named '%s'", name);
	state_path(dir, name, path, sizeof(path));
	if ((fd = state_open(path, &alive)) < 0)
		return nsx_error(err, ENOENT, "no container named '%s' (see 'nsx ps')", name);
	if (!alive) {
		state_reap_fd(path, fd);
		close(fd);
		return nsx_error(err, ENOENT, "no container named '%s' (its run has ended)", name);
	}
	r = state_parse(fd, s);
	close(fd);
	if (r < 0 || s->pid <= 0)
		return nsx_error(err, EAGAIN, "container '%s' is still being set up", name);
	return 0;
}

static int
state_cmp(const void *a, const void *b)
{
	const struct ctr_state *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->name, y->name);
}

int
state_list(struct ctr_state **out, int *n, struct nsx_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	struct ctr_state *v = NULL;
	struct dirent *d;
	int cap = 0;
	DIR *dp;

	*n = 0;
	*out = NULL;
	if (state_dir(dir, sizeof(dir), err) < 0)
		return -1;
	if (!(dp = opendir(dir)))
		return nsx_error(err, errno, "%s: %s", dir, strerror(errno));
	while ((d = readdir(dp))) {
		struct ctr_state s;
		bool alive;
		int fd;

		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if ((fd = state_open(path, &alive)) < 0)
			continue;
		if (d->d_name[0] == '.') {
			/* a claim's temporary record, left by a run killed in it;
			 * a young one may be a claim between its open and its lock */
			if (!alive && state_old(fd))
				unlink(path);
		} else if (!alive)
			state_reap_fd(path, fd);
		else if (state_parse(fd, &s) == 0) {
			if (*n == cap)
				v = xreallocarray(v, (size_t)(cap = cap ? 2 * cap : 8), sizeof(*v));
			v[(*n)++] = s;
		}
		close(fd);
	}
	closedir(dp);
	if (*n)
		qsort(v, (size_t)*n, sizeof(*v), state_cmp);
	*out = v;
	return 0;
}
