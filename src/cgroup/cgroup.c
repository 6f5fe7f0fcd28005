/* The container's cgroup: find nsx's own cgroup in each mounted hierarchy
 * (/proc/self/cgroup joined with /proc/self/mountinfo), make nsx-NAME under
 * it (on v2 maybe under TOP/nsx: see cg_v2_place) in cgroup v2 when v2
 * offers every controller the limits need, in the v1 memory/pids/cpu
 * hierarchies otherwise, write the limits, and take it all down again.
 * Only plain files under the cgroup mounts are touched. */
#define _GNU_SOURCE
#include "cgroup/cgroup.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "sys/sys.h"
#include "cgroup/scope.h"
#include "model/model.h"
#include "model/mountinfo.h"
#include "util/file.h"
#include "util/xalloc.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

#define CG_PREFIX "nsx-"
#define CG_PERIOD 100000	/* us: the CFS period both versions use by default */
#define CG_KILL_TRIES 200	/* x 10 ms: how long cg_destroy waits for the dead */
#define CG_MAXDEPTH 32		/* sub-cgroups deeper than this are not walked */
#define CG_MAXLINES 32		/* lines of /proc/self/cgroup */

static const struct cg_ctl {
	unsigned bit;
	const char *name;	/* the controller */
	const char *opt;	/* the option that needs it */
} cg_ctls[] = {
	{ CG_CTL_MEMORY, "memory", "--memory" },
	{ CG_CTL_PIDS, "pids", "--pids" },
	{ CG_CTL_CPU, "cpu", "--cpus" },
};

bool
cg_limited(const struct cg_limits *lim)
{
	return lim->memory >= 0 || lim->pids >= 0 || lim->cpus_milli >= 0;
}

/* ---- where nsx's own cgroup is ---- */

struct cg_line {
	int id;			/* 0: the v2 line "0::/path" */
	char ctls[128];
	char *path;
};

/* "ID:CTLS:PATH\n"; a path with a ".." component lies outside our cgroup
 * namespace and cannot be reached through our mounts. */
static int
cg_line_parse(char *s, struct cg_line *l)
{
	char *c1 = strchr(s, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL, *p;
	size_t n;

	if (!c2 || c2[1] != '/' || (size_t)(c2 - c1 - 1) >= sizeof(l->ctls))
		return -1;
	c2[1 + strcspn(c2 + 1, "\n")] = '\0';
	for (p = c2 + 1; (p = strstr(p, "/..")); p += 3)
		if (p[3] == '/' || p[3] == '\0')
			return -1;
	l->id = atoi(s);
	n = (size_t)(c2 - c1 - 1);
	memcpy(l->ctls, c1 + 1, n);
	l->ctls[n] = '\0';
	l->path = xstrdup(c2 + 1);
	return 0;
}

static bool
cg_has_word(const char *list, const char *word, const char *seps)
{
	size_t n = strlen(word);

	for (const char *p = list; *p; p += strcspn(p, seps)) {
		p += strspn(p, seps);
		if (strncmp(p, word, n) == 0 && (p[n] == '\0' || strchr(seps, p[n])))
			return true;
	}
	return false;
}

/* mount point + (path - mount root), when the mount shows that path */
static bool
cg_join(const char *mnt, const char *root, const char *path, char *out, size_t n)
{
	size_t rl = strlen(root);
	const char *rel = path;

	if (strcmp(root, "/") != 0) {
		if (strncmp(path, root, rl) != 0 || (path[rl] != '/' && path[rl] != '\0'))
			return false;
		rel = path + rl;
	}
	if (strcmp(rel, "/") == 0)
		rel = "";
	return snprintf(out, n, "%s%s", strcmp(mnt, "/") == 0 && *rel ? "" : mnt, rel) < (int)n;
}

/* nsx's own leaf (see v2_leaf) stands for its parent */
static void
cg_strip_leaf(char *dir)
{
	char *slash = strrchr(dir, '/');

	if (slash && slash != dir && strcmp(slash + 1, CG_LEAF) == 0)
		*slash = '\0';
}

/* Does a v1 mount's super options name a controller (not only
 * name=systemd and options)? */
static bool
cg_v1_controller(const char *super)
{
	static const char *const opts[] = { "rw", "ro", "noprefix", "clone_children", "xattr",
					    "cpuset_v2_mode", "favordynmods" };
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", super);
	for (char *o = strtok_r(buf, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		size_t i = 0;

		while (i < ARRAY_SIZE(opts) && strcmp(o, opts[i]) != 0)
			i++;
		if (i == ARRAY_SIZE(opts) && !strchr(o, '='))
			return true;
	}
	return false;
}

static void
cg_mount(char *line, struct cg_line *l, int n, struct cg_where *w)
{
	struct mountinfo mi;
	char *root, *mnt, *fstype, *super, first[128];

	if (mountinfo_parse(line, &mi) < 0)
		return;
	root = mi.root, mnt = mi.target, fstype = mi.fstype, super = mi.superopts;
	/* what is mounted at all, for cg_mode: even where nsx's cgroup is
	 * out of reach (a cgroup namespace's "/.." paths) */
	if (strcmp(fstype, "cgroup2") == 0 && !w->v2mnt[0])
		snprintf(w->v2mnt, sizeof(w->v2mnt), "%s", mnt);
	else if (strcmp(fstype, "cgroup") == 0 && cg_v1_controller(super))
		w->v1mounted = true;
	for (int i = 0; i < n; i++) {
		if (!l[i].path)
			continue;
		if (strcmp(fstype, "cgroup2") == 0 && l[i].id == 0 && !*l[i].ctls) {
			if (!w->v2[0] && cg_join(mnt, root, l[i].path, w->v2, sizeof(w->v2))) {
				cg_strip_leaf(w->v2);
				snprintf(w->v2mnt, sizeof(w->v2mnt), "%s", mnt);
				if (strcmp(root, "/") == 0)
					snprintf(w->v2top, sizeof(w->v2top), "%s", mnt);
			}
			continue;
		}
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(l[i].ctls, ","), l[i].ctls);
		if (strcmp(fstype, "cgroup") != 0 || !*first || !cg_has_word(super, first, ",") ||
		    w->nv1 >= CG_MAXV1)
			continue;
		if (cg_join(mnt, root, l[i].path, w->v1[w->nv1].dir, sizeof(w->v1[0].dir))) {
			snprintf(w->v1[w->nv1++].ctls, sizeof(w->v1[0].ctls), "%s", l[i].ctls);
			free(l[i].path);	/* found: later mounts of it do not count */
			l[i].path = NULL;
		}
	}
}

int
cg_where_parse(FILE *cgroup, FILE *mountinfo, struct cg_where *w)
{
	struct cg_line l[CG_MAXLINES];
	char *buf = NULL;
	size_t cap = 0;
	int n = 0;

	memset(w, 0, sizeof(*w));
	while (n < CG_MAXLINES && getline(&buf, &cap, cgroup) > 0) {
		/* the v2 line as written, "/.." and all (for doctor) */
		if (strncmp(buf, "0::", 3) == 0) {
			snprintf(w->v2path, sizeof(w->v2path), "%.*s", (int)strcspn(buf + 3, "\n"), buf + 3);
			cg_strip_leaf(w->v2path);
		}
		if (cg_line_parse(buf, &l[n]) == 0)
			n++;
	}
	while (getline(&buf, &cap, mountinfo) > 0)
		cg_mount(buf, l, n, w);
	free(buf);
	for (int i = 0; i < n; i++)
		free(l[i].path);
	return (w->v2[0] != '\0') + w->nv1;
}

bool
cg_text_path(const char *text, char *buf, size_t n)
{
	bool found = false;

	for (const char *line = text; *line; line += strcspn(line, "\n"), line += *line == '\n') {
		const char *path = strchr(line, ':');
		size_t len = strcspn(line, "\n");

		if (!path || path >= line + len || !(path = memchr(path + 1, ':', (size_t)(line + len - path - 1))))
			continue;
		if (!found || strncmp(line, "0::", 3) == 0)
			snprintf(buf, n, "%.*s", (int)(line + len - path - 1), path + 1);
		found = true;
	}
	return found;
}

enum cg_mode
cg_mode(const struct cg_where *w)
{
	if (w->v2mnt[0])
		return w->v1mounted ? CG_MODE_HYBRID : CG_MODE_V2;
	return w->v1mounted ? CG_MODE_V1 : CG_MODE_NONE;
}

/* Do v1 hierarchies hold nsx's controllers (v1 only, or hybrid)? */
static bool
cg_in_v1(const struct cg_where *w)
{
	for (int i = 0; i < w->nv1; i++)
		if (strncmp(w->v1[i].ctls, "name=", 5) != 0)
			return true;
	return false;
}

/* PROC (a /proc of dfd: "self" or a PID) cgroup and mountinfo, parsed */
static int
cg_where_at(int dfd, const char *proc, struct cg_where *w, struct nsx_err *err)
{
	static const char *const name[2] = { "cgroup", "mountinfo" };
	char path[64];
	FILE *f[2] = { NULL, NULL };
	int n, fd;

	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", proc, name[i]);
		if ((fd = openat(dfd, path, O_RDONLY | O_CLOEXEC)) < 0 || !(f[i] = fdopen(fd, "re"))) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			if (i)
				fclose(f[0]);
			return nsx_error(err, e, "%s: %s", path, strerror(e));
		}
	}
	n = cg_where_parse(f[0], f[1], w);
	fclose(f[0]);
	fclose(f[1]);
	if (n == 0)
		return nsx_error(err, ENOENT, "no mounted cgroup file system holds %s%s (see "
				 "%s/cgroup and %s/mountinfo)", dfd == AT_FDCWD ? "nsx's own cgroup" :
				 "the cgroup of process ", dfd == AT_FDCWD ? "" : proc, proc, proc);
	return 0;
}

int
cg_where_self(struct cg_where *w, struct nsx_err *err)
{
	return cg_where_at(AT_FDCWD, "/proc/self", w, err);
}

int
cg_where_proc(int procfd, pid_t pid, struct cg_where *w, struct nsx_err *err)
{
	char proc[24];

	snprintf(proc, sizeof(proc), "%d", (int)pid);
	return cg_where_at(procfd, proc, w, err);
}

const char *
cg_where_v1(const struct cg_where *w, const char *ctl)
{
	for (int i = 0; i < w->nv1; i++)
		if (cg_has_word(w->v1[i].ctls, ctl, ","))
			return w->v1[i].dir;
	return NULL;
}

const char *
cg_where_ctl(const struct cg_where *w, const char *ctl)
{
	const char *d = cg_where_v1(w, ctl);

	return d ? d : w->v2[0] ? w->v2 : NULL;
}

/* ---- files ---- */

/* Write s to DIR/FILE in one write(2), as the kernel wants; 0 or errno. */
static int
cg_write(const char *dir, const char *file, const char *s)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return ENAMETOOLONG;
	return file_write_once(path, s) < 0 ? errno : 0;
}

/* A file's text, whole (up to n - 1 bytes); -1 and errno. */
static int
cg_read_all(const char *dir, const char *file, char *buf, size_t n)
{
	char path[PATH_MAX];
	ssize_t got;
	int fd, e;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	got = read(fd, buf, n - 1);
	e = errno;
	close(fd);
	if (got < 0) {
		errno = e;
		return -1;
	}
	buf[got] = '\0';
	return 0;
}

/* The first line of DIR/FILE without its newline; -1 and errno. */
static int
cg_read(const char *dir, const char *file, char *buf, size_t size)
{
	if (cg_read_all(dir, file, buf, size) < 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* The PIDs in cgroup.procs of the dir fd; -1 when it cannot be read.
 * zeros: keep the 0s (processes our PID namespace cannot see), to count
 * them, never to kill. */
static int
cg_pids(int dfd, pid_t **out, size_t *n, bool zeros)
{
	int fd = openat(dfd, "cgroup.procs", O_RDONLY | O_CLOEXEC), pid;
	size_t cap = 0;
	FILE *f;

	*out = NULL;
	*n = 0;
	if (fd < 0)
		return -1;
	if (!(f = fdopen(fd, "r"))) {
		close(fd);
		return -1;
	}
	while (fscanf(f, "%d", &pid) == 1) {
		/* 0: a process our PID namespace cannot see; never kill(0) */
		if (pid < 0 || (pid == 0 && !zeros))
			continue;
		if (*n == cap)
			*out = xreallocarray(*out, cap = cap ? 2 * cap : 16, sizeof(**out));
		(*out)[(*n)++] = pid;
	}
	fclose(f);
	return 0;
}

/* The number after "KEY " on a line of DIR/FILE (memory.events); -1 when
 * there is no such line or file. */
static long long
cg_read_key(const char *dir, const char *file, const char *key)
{
	char buf[1024];
	size_t n = strlen(key);

	if (cg_read_all(dir, file, buf, sizeof(buf)) < 0)
		return -1;
	for (char *l = buf; *l; l += strcspn(l, "\n"), l += *l == '\n')
		if (strncmp(l, key, n) == 0 && l[n] == ' ')
			return atoll(l + n + 1);
	return -1;
}

/* Can the caller (its effective IDs) do MODE on DIR/FILE? 0 or errno. */
static int
cg_access(const char *dir, const char *file, int mode)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s%s%s", dir, *file ? "/" : "", file) >= (int)sizeof(path))
		return ENAMETOOLONG;
	return faccessat(AT_FDCWD, path, mode, AT_EACCESS) < 0 ? errno : 0;
}

/* An error with the cause, and for "not allowed" what to do about it. v1:
 * cgroup v1 is never delegated to a user. (What a run without limits
 * would do instead is the caller's to say: run adds --limits=try.) */
static int __attribute__((format(printf, 4, 0)))
cg_vfail(struct nsx_err *err, int e, bool v1, const char *fmt, va_list ap)
{
	const char *hint = "";
	char what[400];

	vsnprintf(what, sizeof(what), fmt, ap);
	if ((e == EACCES || e == EPERM) && v1)
		hint = "; cgroup v1 is never delegated to a user: limits need root";
	else if (e == EACCES || e == EPERM)
		hint = "; cgroup limits need a cgroup delegated to you (cgroup v2 with "
		       "Delegate=yes: systemd-run --user --scope -p Delegate=yes nsx ...)";
	else if (e == EROFS)
		hint = "; the cgroup file system is read-only here (as in most containers)";
	return nsx_error(err, e, "%s: %s%s", what, strerror(e), hint);
}

static int __attribute__((format(printf, 3, 4)))
cg_fail(struct nsx_err *err, int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cg_vfail(err, e, false, fmt, ap);
	va_end(ap);
	return -1;
}

static int __attribute__((format(printf, 3, 4)))
cg_fail_v1(struct nsx_err *err, int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cg_vfail(err, e, true, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- limits ---- */

enum cg_val { CV_BYTES, CV_ZERO, CV_PIDS, CV_CPU_MAX, CV_PERIOD, CV_QUOTA };

static const struct cg_knob {
	bool v2;
	unsigned ctl;
	const char *file;
	enum cg_val val;
	bool optional;		/* absent without swap accounting: skipped */
} cg_knobs[] = {
	{ true, CG_CTL_MEMORY, "memory.max", CV_BYTES, false },
	/* else the excess only moves to swap and the limit is not one */
	{ true, CG_CTL_MEMORY, "memory.swap.max", CV_ZERO, true },
	{ true, CG_CTL_PIDS, "pids.max", CV_PIDS, false },
	{ true, CG_CTL_CPU, "cpu.max", CV_CPU_MAX, false },
	{ false, CG_CTL_MEMORY, "memory.limit_in_bytes", CV_BYTES, false },
	/* memory+swap: must be >= the limit above, so it comes second */
	{ false, CG_CTL_MEMORY, "memory.memsw.limit_in_bytes", CV_BYTES, true },
	{ false, CG_CTL_PIDS, "pids.max", CV_PIDS, false },
	/* the quota is per period: set the period first */
	{ false, CG_CTL_CPU, "cpu.cfs_period_us", CV_PERIOD, false },
	{ false, CG_CTL_CPU, "cpu.cfs_quota_us", CV_QUOTA, false },
};

/* The text for a knob, false when its limit is not set (<= 0: a zeroed
 * struct from a state record must not become "0 bytes"). */
static bool
cg_knob_value(const struct cg_knob *k, const struct cg_limits *l, char *buf, size_t n)
{
	long long v = k->ctl == CG_CTL_MEMORY ? l->memory :
		      k->ctl == CG_CTL_PIDS ? l->pids : l->cpus_milli;

	if (v <= 0)
		return false;
	switch (k->val) {
	case CV_ZERO:
		snprintf(buf, n, "0");
		break;
	case CV_CPU_MAX:
		snprintf(buf, n, "%lld %d", v * (CG_PERIOD / 1000), CG_PERIOD);
		break;
	case CV_PERIOD:
		snprintf(buf, n, "%d", CG_PERIOD);
		break;
	case CV_QUOTA:
		snprintf(buf, n, "%lld", v * (CG_PERIOD / 1000));
		break;
	default:
		snprintf(buf, n, "%lld", v);
	}
	return true;
}

static int
cg_limits_write(const struct nsx_cgroup *cg, int i, struct nsx_err *err)
{
	char val[64];
	int e;

	for (size_t k = 0; k < ARRAY_SIZE(cg_knobs); k++) {
		const struct cg_knob *kn = &cg_knobs[k];

		if (kn->v2 != cg->v2 || !(cg->ctl[i] & kn->ctl) ||
		    !cg_knob_value(kn, &cg->lim, val, sizeof(val)))
			continue;
		e = cg_write(cg->dir[i], kn->file, val);
		if (e == ENOENT && kn->optional)
			continue;
		if (e)
			return cg_fail(err, e, "cgroup %s: writing %s to %s", cg->dir[i], val,
				       kn->file);
	}
	return 0;
}

/* ---- making it ---- */

static unsigned
cg_need(const struct cg_limits *lim)
{
	return (lim->memory > 0 ? CG_CTL_MEMORY : 0) | (lim->pids > 0 ? CG_CTL_PIDS : 0) |
	       (lim->cpus_milli > 0 ? CG_CTL_CPU : 0);
}

/* It becomes a directory name and a line of /proc/PID/cgroup. */
static int
cg_name_ok(const char *name, struct nsx_err *err)
{
	size_t n = strlen(name);

	if (n == 0 || n > NAME_MAX - strlen(CG_PREFIX) || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0 || strchr(name, '/'))
		return nsx_error(err, 0, "cgroup name nsx-%s: not a valid directory name", name);
	for (const char *p = name; *p; p++)
		if (iscntrl((unsigned char)*p))
			return nsx_error(err, 0, "cgroup name nsx-%s: control characters", name);
	return 0;
}

/* Add PARENT/nsx-NAME to the dirs cg is to have (nothing is made yet). */
static int
cg_add_dir(struct nsx_cgroup *cg, const char *parent, const char *name, unsigned ctl,
	   struct nsx_err *err)
{
	char *dir = cg->dir[cg->ndirs];

	if (snprintf(dir, PATH_MAX, "%s/" CG_PREFIX "%s", parent, name) >= PATH_MAX)
		return nsx_error(err, ENAMETOOLONG, "cgroup %s/nsx-%s: path too long", parent, name);
	cg->ctl[cg->ndirs++] = ctl;
	return 0;
}

/* The first n dirs, made by us and still empty, go again. */
static void
cg_undo(const struct nsx_cgroup *cg, int n)
{
	while (n > 0)
		rmdir(cg->dir[--n]);
}

/* Why DIR could not be made (errno e) */
static int
cg_mkdir_fail(const struct nsx_cgroup *cg, const char *dir, int e, struct nsx_err *err)
{
	if (e == EEXIST)
		return nsx_error(err, EEXIST, "cgroup %s already exists (a container of that name "
				 "is running, or a stale one: its processes are in %s/cgroup.procs; "
				 "when that is empty, rmdir %s)", strrchr(dir, '/') + 1, dir, dir);
	if (cg->v2)
		return cg_fail(err, e, "cannot create cgroup %s", dir);
	return cg_fail_v1(err, e, "cannot create cgroup %s", dir);
}

int
cg_make(const struct nsx_cgroup *cg, struct nsx_err *err)
{
	int i;

	for (i = 0; i < cg->ndirs; i++) {
		if (mkdir(cg->dir[i], 0755) == 0)
			continue;
		cg_mkdir_fail(cg, cg->dir[i], errno, err);
		cg_undo(cg, i);
		return -1;
	}
	for (i = 0; i < cg->ndirs; i++)
		if (cg_limits_write(cg, i, err) < 0) {
			cg_undo(cg, cg->ndirs);
			return -1;
		}
	return 0;
}

/* What cg_make would meet (cg_usable): each dir's parent must let us
 * make a directory in it. */
static int
cg_make_check(const struct nsx_cgroup *cg, struct nsx_err *err)
{
	char parent[PATH_MAX];
	int e;

	for (int i = 0; i < cg->ndirs; i++) {
		snprintf(parent, sizeof(parent), "%s", cg->dir[i]);
		*strrchr(parent, '/') = '\0';
		/* ENOENT: TOP/nsx, which v2_top found it could make */
		if ((e = cg_access(parent, "", W_OK | X_OK)) != 0 && e != ENOENT)
			return cg_mkdir_fail(cg, cg->dir[i], e, err);
	}
	return 0;
}

/* ---- where on v2 ----
 *
 * cgroup v2's "no internal processes" rule: a non-root cgroup that has
 * processes cannot give controllers to its children (EBUSY). nsx's own
 * cgroup (OWN) has at least nsx; as root on a systemd machine it is the
 * login session's scope, holding the user's shell and the rest of the
 * session; as a user under systemd it is that session-N.scope (root's)
 * or a scope of the user's manager (user@UID.service/app.slice/..., the
 * user's), a terminal's. Moving the
 * others into a leaf (what podman does inside a delegated cgroup it owns)
 * would change the host under the user's feet, so nsx moves no process
 * but itself:
 *   - OWN's controllers can be enabled: OWN/nsx-NAME.
 *   - nsx is alone in OWN (systemd-run --scope -p Delegate=yes nsx ...): it
 *     moves itself into OWN/nsx.leaf, then OWN/nsx-NAME. The next nsx in
 *     that leaf takes OWN for its own (cg_strip_leaf): leaves do not nest.
 *   - others there, and root: a subtree of nsx's own at the top of the
 *     hierarchy, TOP/nsx/nsx-NAME, as crun and podman give containers
 *     theirs (machine.slice) rather than the caller's session. The root
 *     cgroup is exempt from the rule and TOP/nsx holds no process. TOP/nsx
 *     stays when empty, as machine.slice does: removing it would race with
 *     another nsx about to make its nsx-NAME there.
 *   - others there, not root, and the user's systemd manager answers
 *     (scope.h): nsx asks it for a scope of its own with Delegate=yes,
 *     moves into it (systemd moves it), then as alone in OWN above. This is
 *     what a student's login gets on a systemd machine: the login's
 *     session-N.scope is root's, and a terminal's scope in the manager's
 *     app.slice is systemd's to manage (it rewrites app.slice's
 *     cgroup.subtree_control as its units need).
 *   - others there, not root, no systemd (or it refused), and OWN's parent
 *     (PARENT) is the user's, as a Delegate=yes subtree made by hand:
 *     PARENT/nsx-NAME, beside OWN. PARENT holds no process (else enabling
 *     its controllers fails with EBUSY), and moving the container's
 *     process from OWN to beside it needs PARENT's cgroup.procs, the
 *     common ancestor's, to be writable.
 *   - otherwise: an error that says what is missing.
 * cg_usable walks the same way with dry set: every step is checked
 * (ownership, controllers offered, processes, systemd answering) and none
 * is taken. */
enum cg_place
cg_v2_place(bool busy, const pid_t *procs, size_t n, pid_t self, uid_t euid, bool parent_ours,
	    bool systemd)
{
	size_t i = 0;

	if (!busy)
		return CG_IN_OWN;
	while (i < n && procs[i] == self)
		i++;
	if (i == n)
		return CG_IN_LEAF;
	if (euid == 0)
		return CG_IN_TOP;
	if (systemd)
		return CG_IN_SCOPE;
	return parent_ours ? CG_IN_PARENT : CG_REFUSE;
}

/* Does DIR have a process (counting ours)? Its cgroup.procs; -1 unreadable. */
static int
v2_has_procs(const char *dir)
{
	char buf[16];

	if (cg_read(dir, "cgroup.procs", buf, sizeof(buf)) < 0)
		return -1;
	return buf[0] != '\0';
}

/* Could DIR's children be given the controllers in req ("+memory +pids")?
 * 0 or the errno writing it would get. busy: DIR's processes count (the
 * root cgroup, without cgroup.type, is exempt from the rule). */
static int
v2_could_enable(const char *dir, const char *req, bool busy)
{
	char avail[512];
	int e;

	if ((e = cg_access(dir, "cgroup.subtree_control", W_OK)) != 0)
		return e;
	if (cg_read(dir, "cgroup.controllers", avail, sizeof(avail)) < 0)
		return errno;
	for (const char *p = req; *p; p += strcspn(p, " "), p += *p == ' ') {
		char ctl[32];

		snprintf(ctl, sizeof(ctl), "%.*s", (int)strcspn(p + 1, " "), p + 1);
		if (!cg_has_word(avail, ctl, " "))
			return ENOENT;
	}
	if (busy && cg_access(dir, "cgroup.type", F_OK) == 0 && v2_has_procs(dir) == 1)
		return EBUSY;
	return 0;
}

/* Give DIR's children the controllers in need they lack: 0 or the errno
 * (EBUSY: DIR has processes). req: what was to be written, "" when the
 * reading failed. dry: only whether it could. */
static int
v2_enable(const char *dir, unsigned need, char req[64], bool dry)
{
	char cur[512];

	*req = '\0';
	if (cg_read(dir, "cgroup.subtree_control", cur, sizeof(cur)) < 0)
		return errno;
	for (size_t i = 0; i < ARRAY_SIZE(cg_ctls); i++)
		if ((need & cg_ctls[i].bit) && !cg_has_word(cur, cg_ctls[i].name, " "))
			snprintf(req + strlen(req), 64 - strlen(req), "%s+%s", *req ? " " : "",
				 cg_ctls[i].name);
	if (!*req)
		return 0;
	return dry ? v2_could_enable(dir, req, true) : cg_write(dir, "cgroup.subtree_control", req);
}

static int
v2_enable_fail(const char *dir, int e, const char *req, struct nsx_err *err)
{
	if (!*req)
		return cg_fail(err, e, "cgroup %s: reading cgroup.subtree_control", dir);
	if (e == ENOENT)
		return nsx_error(err, e, "cgroup %s: writing \"%s\" to cgroup.subtree_control: "
				 "its cgroup.controllers does not offer them (its parent's "
				 "cgroup.subtree_control decides)", dir, req);
	return cg_fail(err, e, "cgroup %s: writing \"%s\" to cgroup.subtree_control", dir, req);
}

/* Moving a process from FROM to a child of DIR needs the cgroup.procs of
 * their common ancestor, DIR, to be writable (cgroup v2's delegation
 * rule). */
static int
v2_can_move(const char *dir, struct nsx_err *err)
{
	int e = cg_access(dir, "cgroup.procs", W_OK);

	if (e)
		return cg_fail(err, e, "cgroup %s: cgroup.procs is not writable, so no process can "
			       "be moved into a cgroup below it", dir);
	return 0;
}

/* nsx alone in OWN: into OWN/nsx.leaf, and OWN's controllers enabled; on
 * failure nsx goes back and a leaf it made goes. dry: whether it could. */
static int
v2_leaf(const char *own, unsigned need, bool dry, struct nsx_err *err)
{
	char leaf[PATH_MAX], req[64], self[24];
	bool made;
	int e;

	if (snprintf(leaf, sizeof(leaf), "%s/" CG_LEAF, own) >= (int)sizeof(leaf))
		return nsx_error(err, ENAMETOOLONG, "cgroup %s: path too long", own);
	if (dry) {
		if ((e = cg_access(leaf, "", F_OK)) != 0 && (e = cg_access(own, "", W_OK | X_OK)) != 0)
			return cg_fail(err, e, "cannot create the cgroup %s to move nsx into", leaf);
		/* nsx would have left: OWN's own processes do not count */
		if ((e = v2_enable(own, need, req, true)) == EBUSY)
			e = v2_could_enable(own, req, false);
		return e ? v2_enable_fail(own, e, req, err) : 0;
	}
	snprintf(self, sizeof(self), "%d", (int)getpid());
	made = mkdir(leaf, 0755) == 0;
	if (!made && errno != EEXIST)
		return cg_fail(err, errno, "cannot create the cgroup %s to move nsx into (its "
			       "cgroup must have no process for its children to have controllers)",
			       leaf);
	if ((e = cg_write(leaf, "cgroup.procs", self)) != 0)
		cg_fail(err, e, "cgroup %s: moving nsx (process %s) into it", leaf, self);
	else if ((e = v2_enable(own, need, req, false)) == EBUSY)
		nsx_error(err, e, "cgroup %s: another process came in beside nsx, so its "
			  "controllers cannot go to a child (cgroup v2's no internal processes "
			  "rule); try again", own);
	else if (e)
		v2_enable_fail(own, e, req, err);
	if (e) {
		cg_write(own, "cgroup.procs", self);
		if (made)
			rmdir(leaf);
		return -1;
	}
	return 0;
}

/* TOP/nsx, made if missing, with the controllers for its children. */
static int
v2_top(const struct cg_where *w, unsigned need, char *parent, bool dry, struct nsx_err *err)
{
	char req[64];
	int e;

	if (!w->v2top[0] || strcmp(w->v2top, w->v2) == 0)
		return nsx_error(err, EBUSY, "cgroup %s has processes besides nsx and nsx sees no "
				 "cgroup v2 root above it, so no cgroup with controllers can be "
				 "made for the container (cgroup v2's no internal processes rule); "
				 "run nsx in a cgroup of its own (systemd-run --scope -p "
				 "Delegate=yes nsx run ...)", w->v2);
	if (snprintf(parent, PATH_MAX, "%s/" CG_TOPDIR, w->v2top) >= PATH_MAX)
		return nsx_error(err, ENAMETOOLONG, "cgroup %s/" CG_TOPDIR ": path too long",
				 w->v2top);
	/* the root cgroup is exempt from the rule; a cgroup namespace's top
	 * already gives them, since OWN below it offers them */
	if ((e = v2_enable(w->v2top, need, req, dry)) != 0)
		return v2_enable_fail(w->v2top, e, req, err);
	if (dry && cg_access(parent, "", F_OK) != 0) {
		/* TOP/nsx would be made, with what TOP gives */
		if ((e = cg_access(w->v2top, "", W_OK | X_OK)) != 0)
			return cg_fail(err, e, "cannot create cgroup %s", parent);
		return 0;
	}
	if (!dry && mkdir(parent, 0755) < 0 && errno != EEXIST)
		return cg_fail(err, errno, "cannot create cgroup %s", parent);
	if ((e = v2_enable(parent, need, req, dry)) != 0)
		return v2_enable_fail(parent, e, req, err);
	return 0;
}

/* OWN's parent, when nsx's mount of v2 shows it: into parent. */
static bool
v2_up(const struct cg_where *w, char *parent)
{
	struct statfs sf;
	char *slash;

	if (w->v2top[0] && strcmp(w->v2top, w->v2) == 0)
		return false;
	snprintf(parent, PATH_MAX, "%s", w->v2);
	if (!(slash = strrchr(parent, '/')) || slash == parent)
		return false;
	*slash = '\0';
	return statfs(parent, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* OWN's parent is there and ours (a user's delegated cgroup) */
static bool
v2_up_ours(const struct cg_where *w, char *parent)
{
	struct stat st;

	return v2_up(w, parent) && stat(parent, &st) == 0 && st.st_uid == geteuid();
}

/* PARENT/nsx-NAME beside OWN: PARENT's controllers for its children, and
 * the container's process may move there from OWN. */
static int
v2_beside(const struct cg_where *w, unsigned need, const char *parent, bool dry,
	  struct nsx_err *err)
{
	char req[64];
	int e;

	if ((e = v2_enable(parent, need, req, dry)) == EBUSY)
		return nsx_error(err, e, "cgroup %s has processes besides nsx, and its parent %s, "
				 "yours, has processes too, so neither can give controllers to a "
				 "child (cgroup v2's no internal processes rule); run nsx in a "
				 "delegated scope of its own (systemd-run --user --scope -p "
				 "Delegate=yes nsx run ...)", w->v2, parent);
	if (e)
		return v2_enable_fail(parent, e, req, err);
	return v2_can_move(parent, err);
}

/* Why nothing fits: OWN has others in it, systemd gives no scope (sd:
 * why), and the parent is not ours. */
static int
v2_refuse(const struct cg_where *w, const struct nsx_err *sd, struct nsx_err *err)
{
	char parent[PATH_MAX], owner[48] = "not visible to nsx";
	struct stat st;

	if (v2_up(w, parent) && stat(parent, &st) == 0)
		snprintf(owner, sizeof(owner), "owned by uid %u, not by you", (unsigned)st.st_uid);
	return nsx_error(err, EBUSY, "cgroup %s has processes besides nsx, so the container's "
			 "cgroup cannot go below it (cgroup v2's no internal processes rule), "
			 "nor beside it: its parent is %s; and %s (limits need a cgroup "
			 "delegated to you: a login with systemd's user manager, or "
			 "systemd-run --user --scope -p Delegate=yes nsx run ...)", w->v2, owner,
			 sd->msg);
}

/* v2 is used when it offers every controller the limits need. */
static bool
v2_offers(const char *own, unsigned need)
{
	char avail[512];

	if (cg_read(own, "cgroup.controllers", avail, sizeof(avail)) < 0)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(cg_ctls); i++)
		if ((need & cg_ctls[i].bit) && !cg_has_word(avail, cg_ctls[i].name, " "))
			return false;
	return true;
}

/* The deepest cgroup above both A and B (paths in one tree): into out. */
static void
cg_common(const char *a, const char *b, char *out)
{
	size_t i = 0, last = 0;

	for (; a[i] && a[i] == b[i]; i++)
		if (a[i] == '/')
			last = i;
	/* one is the other, or above it */
	if ((!a[i] && (b[i] == '/' || !b[i])) || (!b[i] && a[i] == '/'))
		last = i;
	snprintf(out, PATH_MAX, "%.*s", (int)last, a);
}

/* Is PID 1 systemd (the system manager, which moves a process for the
 * user's manager out of a cgroup that manager does not own)? */
static bool
pid1_systemd(void)
{
	char comm[32];

	return cg_read("/proc/1", "comm", comm, sizeof(comm)) == 0 && strcmp(comm, "systemd") == 0;
}

/* Could the user's systemd give nsx a scope with the controllers in need?
 * sd: its name ("systemd 252"), or why not; errnum 0 where systemd is not
 * for this case at all (root, whom a user's socket must not answer, and a
 * user namespace's root alike; a hybrid host, whose controllers are v1's,
 * which systemd delegates to no user). Checked, not asked: the manager's
 * cgroup (user@UID.service) offers them, and the manager can move nsx
 * there (it writes the common ancestor's cgroup.procs, or has the system
 * manager, PID 1, do it: a login's session-N.scope is root's). */
static bool
v2_systemd(const struct cg_where *w, unsigned need, struct nsx_err *sd)
{
	char mgr[PATH_MAX], path[PATH_MAX], common[PATH_MAX], name[48];

	if (cg_in_v1(w))
		return nsx_error(sd, 0, "cgroup v1 holds the controllers (systemd "
				 "delegates none of them to a user)"), false;
	if (geteuid() == 0 || sys_in_init_userns() != 1)
		return nsx_error(sd, 0, "nsx asks systemd for no scope as root or in a user "
				 "namespace"), false;
	if (scope_reachable(name, sizeof(name), path, sizeof(path), sd) < 0)
		return false;
	if (!w->v2top[0] || path[0] != '/' || strstr(path, "/..") ||
	    snprintf(mgr, sizeof(mgr), "%s%s", w->v2top, path) >= (int)sizeof(mgr))
		return snprintf(sd->msg, sizeof(sd->msg), "%s", name), true;	/* cannot tell */
	if (!v2_offers(mgr, need)) {
		char avail[256] = "";

		cg_read(mgr, "cgroup.controllers", avail, sizeof(avail));
		return nsx_error(sd, ENOENT, "%s, the user's systemd manager, has only \"%s\" in "
				 "%s (its Delegate= decides)", name, avail, mgr), false;
	}
	cg_common(w->v2, mgr, common);
	if (cg_access(common, "cgroup.procs", W_OK) != 0 && !pid1_systemd())
		return nsx_error(sd, EACCES, "%s, the user's systemd manager, cannot move nsx out "
				 "of %s, which is not yours, without the system manager, and PID 1 "
				 "here is not systemd", name, w->v2), false;
	snprintf(sd->msg, sizeof(sd->msg), "%s", name);
	return true;
}

/* CG_IN_SCOPE: nsx moves into the scope systemd makes for it, alone there,
 * then into its leaf (v2_leaf): parent is the scope. dry: says so in
 * parent, from sd (systemd's name), and asks nothing. -1: systemd gave
 * no scope, nothing changed; -2: nsx may be in a scope (systemd did not
 * answer in time), or is, but its controllers could not be given to a
 * child (the next run finds nsx alone there). */
static int
v2_scope(unsigned need, char *parent, bool dry, const struct nsx_err *sd, struct nsx_err *err)
{
	struct cg_where *now;
	int rc = -2;

	if (dry) {
		snprintf(parent, PATH_MAX, "a scope %s delegates to nsx, asked over D-Bus", sd->msg);
		return 0;
	}
	if ((rc = scope_enter(err)) < 0)
		return rc;
	rc = -2;
	now = xmalloc(sizeof(*now));
	if (cg_where_self(now, err) == 0) {
		snprintf(parent, PATH_MAX, "%s", now->v2);
		if (!v2_offers(now->v2, need))
			nsx_error(err, ENOENT, "cgroup %s, the scope systemd made for nsx, does not "
				  "offer the controllers the limits need (what user@UID.service's "
				  "Delegate= names decides)", now->v2);
		else if (v2_leaf(now->v2, need, false, err) == 0)
			rc = 0;
	}
	free(now);
	return rc;
}

/* The parent for nsx-NAME, its controllers enabled (see cg_v2_place).
 * OWN's processes are read before any controller is enabled there: a
 * cgroup with processes refuses the domain controllers (memory: EBUSY)
 * but takes the threaded ones alone (pids, cpu) and becomes a thread root,
 * whose new children refuse processes (EOPNOTSUPP): `run --pids N` in a
 * login's session scope would fail and leave the session's cgroup changed. */
static int
v2_parent(const struct cg_where *w, unsigned need, char *parent, bool dry, bool *scope,
	  struct nsx_err *err)
{
	const char *own = w->v2;
	pid_t *procs = NULL;
	size_t n = 0;
	char req[64], up[PATH_MAX];
	int e, fd;
	bool busy, ours;
	struct nsx_err sd = { 0 }, why;
	enum cg_place place;

	*scope = false;
	if ((fd = open(own, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || cg_pids(fd, &procs, &n, true) < 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		return cg_fail(err, e, "cgroup %s: reading cgroup.procs", own);
	}
	close(fd);
	/* the root cgroup (no cgroup.type) is exempt from the rule */
	busy = n > 0 && cg_access(own, "cgroup.type", F_OK) == 0;
	ours = v2_up_ours(w, up);
	place = cg_v2_place(busy, procs, n, getpid(), geteuid(), ours, false);
	if (place == CG_IN_PARENT || place == CG_REFUSE)
		place = cg_v2_place(busy, procs, n, getpid(), geteuid(), ours, v2_systemd(w, need, &sd));
	free(procs);
	snprintf(parent, PATH_MAX, "%s", own);
	switch (place) {
	case CG_IN_OWN:
		if ((e = v2_enable(own, need, req, dry)) != 0)
			return v2_enable_fail(own, e, req, err);
		return 0;
	case CG_IN_LEAF:
		return v2_leaf(own, need, dry, err);
	case CG_IN_TOP:
		return v2_top(w, need, parent, dry, err);
	case CG_IN_SCOPE:
		*scope = dry;
		if ((e = v2_scope(need, parent, dry, &sd, err)) != -1)
			return e;
		sd = *err;
		if (!ours)
			return v2_refuse(w, &sd, err);
		/* systemd refused: beside, in the parent the user owns */
		snprintf(parent, PATH_MAX, "%s", up);
		if (v2_beside(w, need, parent, dry, err) == 0)
			return 0;
		why = *err;
		return nsx_error(err, why.errnum, "%s; and %s", why.msg, sd.msg);
	case CG_IN_PARENT:
		snprintf(parent, PATH_MAX, "%s", up);
		return v2_beside(w, need, parent, dry, err);
	default:
		return v2_refuse(w, &sd, err);
	}
}

static int
v2_plan(struct nsx_cgroup *cg, const struct cg_where *w, const char *name, unsigned need,
	bool dry, struct nsx_err *err)
{
	char parent[PATH_MAX];

	cg->v2 = true;
	if (v2_parent(w, need, parent, dry, &cg->scope, err) < 0)
		return -1;
	return cg_add_dir(cg, parent, name, need, err);
}

/* nsx's own cgroup lacks a controller the limits need (a login's
 * session-N.scope offers what its slice gives, which may not be cpu):
 * a scope from the user's systemd, when it answers, offers what
 * user@UID.service was delegated. err: why nsx's own would not do, to
 * which why systemd did not help is added. */
static int
v2_plan_scope(struct nsx_cgroup *cg, const struct cg_where *w, const char *name, unsigned need,
	      bool dry, struct nsx_err *err)
{
	char parent[PATH_MAX];
	struct nsx_err sd = { 0 }, why = *err;

	if (!w->v2[0] || !v2_systemd(w, need, &sd))
		return sd.errnum ? nsx_error(err, why.errnum, "%s; and %s", why.msg, sd.msg) : -1;
	memset(cg->dir, 0, sizeof(cg->dir));
	cg->ndirs = 0;
	cg->v2 = true;
	cg->scope = dry;
	if (v2_scope(need, parent, dry, &sd, err) < 0) {
		sd = *err;
		return nsx_error(err, why.errnum, "%s; and %s", why.msg, sd.msg);
	}
	return cg_add_dir(cg, parent, name, need, err);
}

static int
cg_unavailable(const struct cg_where *w, const struct cg_ctl *c, struct nsx_err *err)
{
	char avail[512] = "";

	if (!w->v2[0])
		return nsx_error(err, ENOENT, "cgroup controller %s (for %s) is not available: "
				 "no cgroup2 mount and no cgroup v1 %s hierarchy", c->name,
				 c->opt, c->name);
	cg_read(w->v2, "cgroup.controllers", avail, sizeof(avail));
	return nsx_error(err, ENOENT, "cgroup controller %s (for %s) is not available: "
			 "cgroup v2 at %s offers only \"%s\" (its parent's cgroup.subtree_control "
			 "decides) and no cgroup v1 %s hierarchy is mounted", c->name, c->opt,
			 w->v2, avail, c->name);
}

/* No limits: a cgroup all the same, in pids (it costs nothing and every
 * v1 system has it), else memory, else cpu. */
static unsigned
v1_default(const struct cg_where *w)
{
	static const unsigned order[] = { CG_CTL_PIDS, CG_CTL_MEMORY, CG_CTL_CPU };

	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		for (size_t c = 0; c < ARRAY_SIZE(cg_ctls); c++)
			if (cg_ctls[c].bit == order[i] && cg_where_v1(w, cg_ctls[c].name))
				return order[i];
	return 0;
}

/* One dir per hierarchy: co-mounted controllers (cpu,cpuacct) share it. */
static int
v1_plan(struct nsx_cgroup *cg, const struct cg_where *w, const char *name, unsigned need,
	struct nsx_err *err)
{
	const char *own[ARRAY_SIZE(cg_ctls)] = { 0 };
	int idx[ARRAY_SIZE(cg_ctls)], i, j;

	if (!need && !(need = v1_default(w)))
		return nsx_error(err, ENOENT, "no cgroup for the container: no cgroup2 mount "
				 "holds nsx's cgroup and no cgroup v1 pids, memory or cpu "
				 "hierarchy is mounted");
	for (i = 0; i < (int)ARRAY_SIZE(cg_ctls); i++)
		if ((need & cg_ctls[i].bit) && !(own[i] = cg_where_v1(w, cg_ctls[i].name)))
			return cg_unavailable(w, &cg_ctls[i], err);
	for (i = 0; i < (int)ARRAY_SIZE(cg_ctls); i++) {
		if (!own[i])
			continue;
		for (j = 0; j < i && (!own[j] || strcmp(own[j], own[i])); j++)
			;
		if (j < i)
			cg->ctl[idx[i] = idx[j]] |= cg_ctls[i].bit;	/* same hierarchy */
		else if (cg_add_dir(cg, own[i], name, cg_ctls[i].bit, err) < 0) {
			cg->ndirs = 0;
			return -1;
		} else
			idx[i] = cg->ndirs - 1;
	}
	return 0;
}

/* cg_plan, or with dry cg_usable's walk (nothing made, moved or written) */
static int
cg_choose(struct nsx_cgroup *cg, const char *name, unsigned need, bool dry, struct nsx_err *err)
{
	struct cg_where *w = xmalloc(sizeof(*w));
	int rc = -1;

	if (cg_where_self(w, err) == 0) {
		if (w->v2[0] && v2_offers(w->v2, need))
			rc = v2_plan(cg, w, name, need, dry, err);
		else if ((rc = v1_plan(cg, w, name, need, err)) < 0)
			rc = v2_plan_scope(cg, w, name, need, dry, err);
	}
	free(w);
	return rc;
}

int
cg_plan(struct nsx_cgroup *cg, const char *name, const struct cg_limits *lim,
	struct nsx_err *err)
{
	memset(cg, 0, sizeof(*cg));
	cg->lim = *lim;
	if (cg_name_ok(name, err) < 0)
		return -1;
	return cg_choose(cg, name, cg_need(lim), false, err);
}

/* What cg_attach would meet on v2: moving the container's first process
 * from nsx's cgroup into DIR needs the common ancestor's cgroup.procs. */
static int
cg_attach_check(const char *dir, struct nsx_err *err)
{
	char common[PATH_MAX];
	struct cg_where *w = xmalloc(sizeof(*w));
	int rc = -1;

	if (cg_where_self(w, err) == 0) {
		cg_common(w->v2, dir, common);
		rc = v2_can_move(common, err);
	}
	free(w);
	return rc;
}

int
cg_usable(unsigned need, char *parent, size_t n, struct nsx_err *err)
{
	struct nsx_cgroup *cg = xcalloc(1, sizeof(*cg));
	int rc = cg_choose(cg, "NAME", need, true, err);

	/* then cg_make, then cg_attach (in a scope systemd is yet to make:
	 * nothing to check, the scope is nsx's alone) */
	if (rc == 0 && !cg->scope)
		rc = cg_make_check(cg, err);
	if (rc == 0 && cg->v2 && cg->ndirs > 0 && !cg->scope)
		rc = cg_attach_check(cg->dir[0], err);
	if (rc == 0 && cg->ndirs > 0) {
		snprintf(parent, n, "%s", cg->dir[0]);
		*strrchr(parent, '/') = '\0';
	}
	free(cg);
	return rc;
}

int
cg_create(struct nsx_cgroup *cg, const char *name, const struct cg_limits *lim,
	  struct nsx_err *err)
{
	if (cg_plan(cg, name, lim, err) < 0 || cg_make(cg, err) < 0) {
		cg->ndirs = 0;
		return -1;
	}
	return 0;
}

int
cg_attach(const struct nsx_cgroup *cg, pid_t pid, struct nsx_err *err)
{
	char s[24];
	int e;

	snprintf(s, sizeof(s), "%d", (int)pid);
	for (int i = 0; i < cg->ndirs; i++) {
		for (int again = 0; (e = cg_write(cg->dir[i], "cgroup.procs", s)) == ENOENT &&
		     again < 3; again++) {
			/* Another nsx's cg_sweep took the new dir, still empty,
			 * for a stale one: make it again, limits too. */
			if (mkdir(cg->dir[i], 0755) < 0 && errno != EEXIST)
				break;
			if (cg_limits_write(cg, i, err) < 0)
				return -1;
		}
		if (e)
			return cg_fail(err, e, "cgroup %s: moving process %d into it", cg->dir[i],
				       (int)pid);
	}
	return 0;
}

/* ---- taking it down ---- */

/* SIGKILL each process listed in cgroup.procs of dfd, and only those: a
 * PID read from the file may be reused by another process before kill(2),
 * so each is pinned with a pidfd first and killed through it only if the
 * file, read again after that, still lists it (then it is the same
 * process: it is alive, so its PID was not free for reuse). */
static void
cg_kill_here(int dfd)
{
	pid_t *a, *b;
	size_t na, nb;
	int *pfd;

	if (cg_pids(dfd, &a, &na, false) < 0 || na == 0) {
		free(a);
		return;
	}
	pfd = xcalloc(na, sizeof(*pfd));
	for (size_t i = 0; i < na; i++)
		if ((pfd[i] = sys_pidfd_open(a[i], 0)) < 0)
			pfd[i] = -errno;	/* fds are >= 0: no clash */
	if (cg_pids(dfd, &b, &nb, false) == 0)
		for (size_t i = 0; i < na; i++) {
			bool listed = false;

			for (size_t j = 0; j < nb && !listed; j++)
				listed = b[j] == a[i];
			if (listed && pfd[i] >= 0)
				sys_pidfd_send_signal(pfd[i], SIGKILL);
			else if (listed && pfd[i] == -ENOSYS)	/* before Linux 5.3 */
				kill(a[i], SIGKILL);
		}
	for (size_t i = 0; i < na; i++)
		if (pfd[i] >= 0)
			close(pfd[i]);
	free(pfd);
	free(a);
	free(b);
}

typedef void (*cg_sub_fn)(int parent, const char *name, int fd, int depth, void *data);

/* Call fn on each sub-cgroup of dfd (an fd it may not keep), depth first. */
static void
cg_each_sub(int dfd, int depth, cg_sub_fn fn, void *data)
{
	struct dirent *e;
	DIR *d;
	int fd, sub;

	if (depth >= CG_MAXDEPTH || (fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		fn(dirfd(d), e->d_name, sub, depth + 1, data);
		close(sub);
	}
	closedir(d);
}

static void
cg_kill_sub(int parent, const char *name, int fd, int depth, void *data)
{
	cg_kill_here(fd);
	cg_each_sub(fd, depth, cg_kill_sub, NULL);
}

static void
cg_rmdir_sub(int parent, const char *name, int fd, int depth, void *data)
{
	cg_each_sub(fd, depth, cg_rmdir_sub, NULL);
	unlinkat(parent, name, AT_REMOVEDIR);
}

/* A state record is a file: a wrong path in it must not make nsx kill a
 * whole slice. Only an nsx-* directory on a cgroup file system is ours. */
static bool
cg_is_ours(const char *dir, int fd)
{
	const char *base = strrchr(dir, '/');
	struct statfs sf;

	return base && strncmp(base + 1, CG_PREFIX, strlen(CG_PREFIX)) == 0 &&
	       fstatfs(fd, &sf) == 0 &&
	       (sf.f_type == CGROUP2_SUPER_MAGIC || sf.f_type == CGROUP_SUPER_MAGIC);
}

/* The fds of cg_enter_open, closed: on its failure, the first n. */
static void
cg_enter_close(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

int
cg_enter_open(const struct nsx_cgroup *cg, int fds[CG_MAXDIRS], struct nsx_err *err)
{
	for (int i = 0; i < cg->ndirs; i++) {
		int dfd = open(cg->dir[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), e;

		if (dfd >= 0 && !cg_is_ours(cg->dir[i], dfd)) {
			close(dfd);
			cg_enter_close(fds, i);
			return nsx_error(err, EINVAL, "%s: not an nsx cgroup (refusing to join it)", cg->dir[i]);
		}
		fds[i] = dfd < 0 ? -1 : openat(dfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
		e = errno;
		if (dfd >= 0)
			close(dfd);
		if (fds[i] < 0) {
			cg_enter_close(fds, i);
			return nsx_error(err, e, "the container's cgroup %s: %s", cg->dir[i], strerror(e));
		}
	}
	return 0;
}

int
cg_enter(const int *fds, int n, struct nsx_err *err)
{
	for (int i = 0; i < n; i++)
		/* "0": the writer itself, whatever its PID is in the file's eyes */
		if (write(fds[i], "0", 1) != 1)
			return nsx_error(err, errno, "joining the container's cgroup: %s", strerror(errno));
	return 0;
}

static int
cg_remove(const char *dir, bool v2, struct nsx_err *err)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 : cg_fail(err, errno, "cgroup %s", dir);
	if (!cg_is_ours(dir, fd)) {
		close(fd);
		return nsx_error(err, EINVAL, "%s: not an nsx cgroup (refusing to kill in it or "
				 "remove it)", dir);
	}
	for (int t = 0;; t++) {
		/* cgroup.kill (5.14): the whole subtree at once, forks included */
		if (!v2 || cg_write(dir, "cgroup.kill", "1") != 0)
			cg_kill_sub(-1, NULL, fd, 0, NULL);
		cg_each_sub(fd, 0, cg_rmdir_sub, NULL);
		if (rmdir(dir) == 0 || errno == ENOENT)
			break;
		if (errno != EBUSY || t == CG_KILL_TRIES) {
			rc = cg_fail(err, errno, "cgroup %s: still in use after SIGKILL to its "
				     "processes (see its cgroup.procs)", dir);
			break;
		}
		nanosleep(&tick, NULL);
	}
	close(fd);
	return rc;
}

int
cg_destroy(struct nsx_cgroup *cg, struct nsx_err *err)
{
	int rc = 0;

	for (int i = cg->ndirs - 1; i >= 0; i--)
		if (cg_remove(cg->dir[i], cg->v2, err) < 0)
			rc = -1;
	if (rc == 0)
		cg->ndirs = 0;
	return rc;
}

/* ---- stale ones ---- */

/* *(bool *)busy: a process in fd or below (unreadable or too deep counts) */
static void
cg_busy_sub(int parent, const char *name, int fd, int depth, void *busy)
{
	pid_t *p = NULL;
	size_t n;

	if (*(bool *)busy || cg_pids(fd, &p, &n, false) < 0 || n > 0 || depth >= CG_MAXDEPTH)
		*(bool *)busy = true;
	else
		cg_each_sub(fd, depth, cg_busy_sub, busy);
	free(p);
}

struct cg_keep {
	bool (*fn)(const char *dir, void *data);
	void *data;
};

/* Is own/name, open as fd, a stale cgroup of ours? Ours: our owner (root
 * sweeps only root's, a user only the ones in the cgroup delegated to
 * them). Stale: no process in it or below, and none that keep claims. */
static bool
cg_stale(const char *own, const char *name, int fd, const struct cg_keep *k)
{
	char dir[PATH_MAX];
	struct stat st;
	bool busy = false;

	if (fstat(fd, &st) < 0 || st.st_uid != geteuid())
		return false;
	cg_busy_sub(-1, name, fd, 0, &busy);
	if (busy || snprintf(dir, sizeof(dir), "%s/%s", own, name) >= (int)sizeof(dir))
		return false;
	return !k->fn || !k->fn(dir, k->data);
}

static int
cg_sweep_in(const char *own, const struct cg_keep *k)
{
	int fd = open(own, O_RDONLY | O_DIRECTORY | O_CLOEXEC), sub, n = 0;
	struct dirent *e;
	DIR *d;

	if (fd < 0)
		return 0;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return 0;
	}
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || strncmp(e->d_name, CG_PREFIX, strlen(CG_PREFIX)) != 0)
			continue;
		sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		if (cg_stale(own, e->d_name, sub, k)) {
			cg_each_sub(sub, 0, cg_rmdir_sub, NULL);
			/* EBUSY here: a container moved in just now */
			n += unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) == 0;
		}
		close(sub);
	}
	closedir(d);
	return n;
}

int
cg_sweep(bool (*keep)(const char *dir, void *data), void *data)
{
	struct cg_where *w = xmalloc(sizeof(*w));
	const struct cg_keep k = { keep, data };
	char top[PATH_MAX];
	int n = 0;

	if (cg_where_self(w, NULL) == 0) {
		if (w->v2[0])
			n += cg_sweep_in(w->v2, &k);
		/* beside nsx's own, where a user's runs put theirs (CG_IN_PARENT) */
		if (w->v2[0] && geteuid() != 0 && v2_up_ours(w, top))
			n += cg_sweep_in(top, &k);
		if (w->v2top[0] &&
		    snprintf(top, sizeof(top), "%s/" CG_TOPDIR, w->v2top) < (int)sizeof(top) &&
		    strcmp(top, w->v2) != 0)
			n += cg_sweep_in(top, &k);
		for (int i = 0; i < w->nv1; i++)
			for (size_t c = 0; c < ARRAY_SIZE(cg_ctls); c++)
				if (cg_has_word(w->v1[i].ctls, cg_ctls[c].name, ",")) {
					n += cg_sweep_in(w->v1[i].dir, &k);
					break;
				}
	}
	free(w);
	return n;
}

long long
cg_read_memory(const struct nsx_cgroup *cg)
{
	const char *file = cg->v2 ? "memory.max" : "memory.limit_in_bytes";
	char buf[64], *end;
	long long v;

	for (int i = 0; i < cg->ndirs; i++) {
		if (cg_read(cg->dir[i], file, buf, sizeof(buf)) < 0)
			continue;
		v = strtoll(buf, &end, 10);
		/* v2 "max"; v1 shows "none" as LONG_MAX rounded down to pages */
		if (end == buf || *end || v >= LLONG_MAX / 2)
			return -1;
		return v;
	}
	return -1;
}

long long
cg_oom_kills(const struct nsx_cgroup *cg, bool *hit)
{
	char buf[32];
	long long n;

	*hit = false;
	for (int i = 0; i < cg->ndirs; i++) {
		if (!(cg->ctl[i] & CG_CTL_MEMORY))
			continue;
		if (cg->v2)
			return cg_read_key(cg->dir[i], "memory.events", "oom_kill");
		if ((n = cg_read_key(cg->dir[i], "memory.oom_control", "oom_kill")) >= 0)
			return n;
		/* before Linux 4.13: how often the limit was hit, no kill count */
		*hit = cg_read(cg->dir[i], "memory.failcnt", buf, sizeof(buf)) == 0 && atoll(buf) > 0;
		return -1;
	}
	return 0;
}

void
cg_size_text(long long bytes, char *buf, size_t n)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (u < 3 && bytes > 0 && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, n, "%lld", bytes);
	else
		snprintf(buf, n, "%lld%c", bytes, units[u]);
}

/* ---- what the container sees at /sys/fs/cgroup ---- */

/* A v1 hierarchy's name there: its controllers ("cpu,cpuacct"), or the
 * name of a named one (name=systemd: "systemd"), as docker names them. */
static void
cg_bind_name(const char *ctls, char *name, size_t n)
{
	snprintf(name, n, "%s", strncmp(ctls, "name=", 5) == 0 ? ctls + 5 : ctls);
}

/* The container's cgroup in hierarchy dir own: a dir of made under it
 * (nsx-NAME), else own itself (its cgroup namespace's root there). */
static const char *
cg_bind_dir(const struct nsx_cgroup *made, const char *own)
{
	size_t len = strlen(own);

	for (int i = 0; made && i < made->ndirs; i++)
		if (strncmp(made->dir[i], own, len) == 0 && made->dir[i][len] == '/' &&
		    !strchr(made->dir[i] + len + 1, '/'))
			return made->dir[i];
	return own;
}

void
cg_view(const struct nsx_cgroup *made, const struct cg_limits *lim, struct cg_view *v)
{
	struct cg_where *w = xmalloc(sizeof(*w));
	bool v1ctl = false, v2;

	memset(v, 0, sizeof(*v));
	if (cg_where_self(w, NULL) < 0) {
		snprintf(v->why, sizeof(v->why), "no cgroup file system holds nsx's cgroup");
		free(w);
		return;
	}
	for (int i = 0; i < w->nv1; i++)
		v1ctl |= strncmp(w->v1[i].ctls, "name=", 5) != 0;
	/* where the container's cgroup is, or (without one) where nsx's
	 * controllers are */
	if (made && made->ndirs)
		v2 = made->v2;
	else if (!made && cg_limited(lim))
		v2 = w->v2[0] && v2_offers(w->v2, cg_need(lim));
	else
		v2 = !v1ctl && w->v2[0];
	if (v2)
		v->fs = CG_FS_V2;
	else if (w->nv1) {
		v->fs = CG_FS_V1;
		for (int i = 0; i < w->nv1 && v->n < CG_MAXV1; i++) {
			struct cg_bind *b = &v->bind[v->n];

			cg_bind_name(w->v1[i].ctls, b->name, sizeof(b->name));
			snprintf(b->dir, sizeof(b->dir), "%s", cg_bind_dir(made, w->v1[i].dir));
			v->n += b->name[0] != '\0';
		}
	} else
		snprintf(v->why, sizeof(v->why), "no cgroup v1 hierarchy and no cgroup2 mount "
			 "holds nsx's cgroup");
	free(w);
}
