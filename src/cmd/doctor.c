/* doctor: a preflight check for classroom machines, one line per item with
 * the fix for each that fails. Three parts: gather facts (probes in forked
 * children, files in /proc, /sys and /etc), judge them (a table of checks,
 * pure functions of the facts), print. */
#define _GNU_SOURCE
#include "cmd/cmd.h"
#include "cmd/doctor.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "container/rootfs.h"
#include "container/unpack.h"
#include "util/safe.h"
#include "util/xalloc.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

#define NOBODY 65534		/* the unprivileged user root tests with */
#define PROBE_TIMEOUT_MS 5000	/* a probe child that takes longer is killed */

/* ---- gathering: probes in forked children ---- */

struct probe_res {
	int step;		/* enum doctor_step that failed, STEP_NONE if none */
	int err;
};

/* Run fn in a forked child and read its result from a pipe. A child that
 * does not answer within PROBE_TIMEOUT_MS is killed by its PID; the child
 * is always reaped before this returns, so doctor leaves no process. */
static void
probe_run(void (*fn)(int arg, struct probe_res *r), int arg, struct probe_res *res)
{
	struct pollfd pfd = { .events = POLLIN };
	ssize_t got = -1;
	int p[2], n, st;
	pid_t pid;

	*res = (struct probe_res){ STEP_CHILD, 0 };
	if (pipe2(p, O_CLOEXEC) < 0) {
		res->err = errno;
		return;
	}
	fflush(NULL);	/* or the child's exit could repeat buffered output */
	pid = fork();
	if (pid == 0) {
		struct probe_res r = { STEP_NONE, 0 };

		close(p[0]);
		fn(arg, &r);
		if (write(p[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	if (pid < 0) {
		res->err = errno;
		close(p[0]);
		return;
	}
	pfd.fd = p[0];
	do
		n = poll(&pfd, 1, PROBE_TIMEOUT_MS);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		got = read(p[0], res, sizeof(*res));
	else
		kill(pid, SIGKILL);	/* hung: only this child, by its PID */
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)sizeof(*res))
		*res = (struct probe_res){ STEP_CHILD, n == 0 ? ETIMEDOUT : ECHILD };
}

static void
probe_unshare(int flags, struct probe_res *r)
{
	if (unshare(flags) < 0) {
		r->step = STEP_UNSHARE;
		r->err = errno;
	}
}

static int
write_proc_self(const char *name, const char *text)
{
	char path[64];
	size_t len = strlen(text);
	int fd, rc = 0;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len)
		rc = -1;
	if (close(fd) < 0 && rc == 0)
		rc = -1;
	return rc;
}

#define STEP_FAIL(r, s) do { (r)->step = (s); (r)->err = errno; return; } while (0)

/* What a rootless nsx does: a user namespace and a one-ID map. As root the
 * child first becomes nobody, so that the answer is what students get. */
static void
probe_userns(int arg, struct probe_res *r)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];

	if (uid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
			STEP_FAIL(r, STEP_SETUID);
		/* changing uid cleared "dumpable", which makes /proc/self/uid_map
		 * root's: without this the write fails with EACCES for that
		 * reason alone */
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		uid = NOBODY;
		gid = NOBODY;
	}
	if (unshare(CLONE_NEWUSER) < 0)
		STEP_FAIL(r, STEP_UNSHARE);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	if (write_proc_self("uid_map", map) < 0)
		STEP_FAIL(r, STEP_UIDMAP);
	/* setgroups exists since 3.19; before it gid_map needs no "deny" */
	if (write_proc_self("setgroups", "deny") < 0 && errno != ENOENT)
		STEP_FAIL(r, STEP_SETGROUPS);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	if (write_proc_self("gid_map", map) < 0)
		STEP_FAIL(r, STEP_GIDMAP);
	(void)arg;
}

static void
gather_ns(struct doctor_facts *f)
{
	for (int t = 0; t < NSX_NTYPES; t++) {
		int flag = nstype_table[t].clone_flag;
		struct probe_res r;
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/ns/%s", nstype_table[t].name);
		f->ns[t].link = access(path, F_OK) == 0;
		probe_run(probe_unshare, flag, &r);
		f->ns[t].err_alone = r.err;
		f->ns[t].err_user = -1;
		/* rootless: with a user namespace, as unshare -r and nsx do */
		if (r.err && f->uid != 0 && t != NSX_USER) {
			probe_run(probe_unshare, flag | CLONE_NEWUSER, &r);
			f->ns[t].err_user = r.err;
		}
	}
}

static void
gather_userns(struct doctor_facts *f)
{
	struct probe_res r;

	probe_run(probe_userns, 0, &r);
	f->userns.uid = f->uid == 0 ? NOBODY : f->uid;
	f->userns.step = r.step;
	f->userns.err = r.err;
}

/* ---- gathering: files ---- */

/* Read a small file into buf (NUL-terminated, trailing newline removed).
 * Returns the length, or -1 with errno. */
static ssize_t
read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return n;
}

static void
gather_kernel(struct doctor_facts *f)
{
	struct utsname u;

	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "unknown");
	snprintf(f->release, sizeof(f->release), "%s", u.release);
	if (sscanf(f->release, "%d.%d", &f->kmajor, &f->kminor) != 2)
		f->kmajor = f->kminor = 0;
}

/* newuidmap and newgidmap where run and unshare would find them */
static void
gather_idmap(struct doctor_facts *f)
{
	static const char *const tool[2] = { "newuidmap", "newgidmap" };

	for (int i = 0; i < 2; i++) {
		char path[PATH_MAX];
		struct stat st;

		f->idmap[i].path[0] = '\0';
		if (userns_tool_find(tool[i], path, sizeof(path)) < 0 || stat(path, &st) < 0)
			continue;
		snprintf(f->idmap[i].path, sizeof(f->idmap[i].path), "%.63s", path);
		f->idmap[i].setuid = st.st_uid == 0 && (st.st_mode & S_ISUID);
		/* Fedora and others give them cap_setuid/cap_setgid instead */
		f->idmap[i].fcaps = getxattr(path, "security.capability", NULL, 0) > 0;
	}
}

/* /etc/subuid: "NAME-or-UID:START:COUNT" lines. */
static void
gather_subid(struct doctor_facts *f)
{
	static const char *const file[2] = { "/etc/subuid", "/etc/subgid" };
	char uidstr[16];

	snprintf(uidstr, sizeof(uidstr), "%u", (unsigned)f->uid);
	for (int i = 0; i < 2; i++) {
		FILE *fp = fopen(file[i], "re");
		char line[256];

		f->subid[i].readable = fp != NULL;
		f->subid[i].found = false;
		while (fp && fgets(line, sizeof(line), fp)) {
			char *colon = strchr(line, ':');

			if (!colon)
				continue;
			*colon = '\0';
			if (strcmp(line, f->user) != 0 && strcmp(line, uidstr) != 0)
				continue;
			if (sscanf(colon + 1, "%lu:%lu", &f->subid[i].start, &f->subid[i].count) == 2) {
				f->subid[i].found = true;
				break;
			}
		}
		if (fp)
			fclose(fp);
	}
}

/* The controllers nsx run's limits need, indexed by DOC_CG_*. */
static const char *const cname[DOC_NCTRL] = { "memory", "pids", "cpu" };

static bool
is_fs(const char *path, long magic)
{
	struct statfs s;

	return statfs(path, &s) == 0 && (long)s.f_type == magic;
}

static void
words_add(char *list, size_t size, const char *word)
{
	size_t len = strlen(list);

	snprintf(list + len, size - len, "%s%s", len ? " " : "", word);
}

/* /proc/self/cgroup: "0::PATH" for v2, "ID:CTRL,CTRL:PATH" for v1. */
static void
gather_cgroup_lines(struct doctor_facts *f)
{
	FILE *fp = fopen("/proc/self/cgroup", "re");
	char line[512];

	while (fp && fgets(line, sizeof(line), fp)) {
		char *ctrls = strchr(line, ':'), *path;

		if (!ctrls || !(path = strchr(++ctrls, ':')))
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		if (!*ctrls) {
			snprintf(f->cg.v2path, sizeof(f->cg.v2path), "%s", path);
			continue;
		}
		for (char *c = strtok(ctrls, ","); c; c = strtok(NULL, ","))
			if (strncmp(c, "name=", 5) != 0)
				words_add(f->cg.v1ctrls, sizeof(f->cg.v1ctrls), c);
	}
	if (fp)
		fclose(fp);
}

/* What run --memory/--pids/--cpus would get here, as the cgroup module
 * decides it for run: all three together, and each alone. */
static void
gather_cgroup_limits(struct doctor_facts *f)
{
	static const unsigned bit[DOC_NCTRL] = { CG_CTL_MEMORY, CG_CTL_PIDS, CG_CTL_CPU };
	char where[PATH_MAX];
	unsigned all = 0;
	struct nsx_err err;

	for (int k = 0; k < DOC_NCTRL; k++) {
		f->cg.alone[k] = cg_usable(bit[k], where, sizeof(where), &err) == 0;
		all |= bit[k];
	}
	f->cg.all = cg_usable(all, where, sizeof(where), &err) == 0;
	snprintf(f->cg.where, sizeof(f->cg.where), "%.255s", f->cg.all ? where : "");
	snprintf(f->cg.why, sizeof(f->cg.why), "%s", f->cg.all ? "" : err.msg);
}

static void
gather_cgroup(struct doctor_facts *f)
{
	char v2dir[384], path[448];

	memset(&f->cg, 0, sizeof(f->cg));
	if (is_fs("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC)) {
		f->cg.mode = CG_V2;
		snprintf(f->cg.v2mnt, sizeof(f->cg.v2mnt), "/sys/fs/cgroup");
	} else if (is_fs("/sys/fs/cgroup", TMPFS_MAGIC) || is_fs("/sys/fs/cgroup", CGROUP_SUPER_MAGIC)) {
		f->cg.mode = CG_V1;
		if (is_fs("/sys/fs/cgroup/unified", CGROUP2_SUPER_MAGIC)) {
			f->cg.mode = CG_HYBRID;
			snprintf(f->cg.v2mnt, sizeof(f->cg.v2mnt), "/sys/fs/cgroup/unified");
		}
	}
	if (f->cg.mode == CG_NONE)
		return;
	gather_cgroup_lines(f);
	snprintf(v2dir, sizeof(v2dir), "%s%s", f->cg.v2mnt,
		 strcmp(f->cg.v2path, "/") == 0 ? "" : f->cg.v2path);
	if (f->cg.v2mnt[0]) {
		snprintf(path, sizeof(path), "%s/cgroup.controllers", v2dir);
		read_small(path, f->cg.v2ctrls, sizeof(f->cg.v2ctrls));
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control", v2dir);
		read_small(path, f->cg.v2subtree, sizeof(f->cg.v2subtree));
	}
	gather_cgroup_limits(f);
}

/* "Seccomp: 2" in /proc/self/status: a filter (a container's, usually) may
 * be what refuses unshare. */
static int
gather_seccomp(void)
{
	FILE *fp = fopen("/proc/self/status", "re");
	char line[128];
	int mode = -1;

	while (fp && fgets(line, sizeof(line), fp))
		if (sscanf(line, "Seccomp: %d", &mode) == 1)
			break;
	if (fp)
		fclose(fp);
	return mode;
}

void
doctor_gather(struct doctor_facts *f)
{
	struct passwd *pw;

	memset(f, 0, sizeof(*f));
	f->uid = getuid();
	f->gid = getgid();
	pw = getpwuid(f->uid);
	if (pw)
		snprintf(f->user, sizeof(f->user), "%s", pw->pw_name);
	else
		snprintf(f->user, sizeof(f->user), "%u", (unsigned)f->uid);
	f->seccomp = gather_seccomp();
	gather_kernel(f);
	gather_ns(f);
	gather_userns(f);
	userns_sys_read(NULL, &f->sys);
	gather_idmap(f);
	gather_subid(f);
	gather_cgroup(f);
	f->landlock_abi = unpack_landlock_abi();
}

/* ---- judging: one function per kind of check, pure ---- */

static void __attribute__((format(printf, 3, 4)))
item_set(struct doctor_item *it, enum doctor_status st, const char *fmt, ...)
{
	va_list ap;

	it->status = st;
	it->fix[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(it->what, sizeof(it->what), fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3)))
item_fix(struct doctor_item *it, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(it->fix, sizeof(it->fix), fmt, ap);
	va_end(ap);
}

static const char *
errname(int e)
{
	const char *s = strerrorname_np(e);

	return s ? s : "unknown error";
}

/* What nsx uses, and the kernel that brought it. */
static const struct { int major, minor; const char *what; } kernel_features[] = {
	{ 4, 11, "nsfs ioctls" },
	{ 5, 3, "pidfd_open" },
	{ 5, 6, "openat2" },
	{ 5, 6, "time namespaces" },
	{ 5, 8, "setns with a pidfd" },
	{ 5, 9, "close_range" },
};

static bool
kernel_has(const struct doctor_facts *f, int major, int minor)
{
	return f->kmajor > major || (f->kmajor == major && f->kminor >= minor);
}

static void
chk_kernel(const struct doctor_facts *f, int arg, struct doctor_item *it)
{
	char have[256] = "", lack[256] = "";

	for (size_t i = 0; i < ARRAY_SIZE(kernel_features); i++) {
		bool ok = kernel_has(f, kernel_features[i].major, kernel_features[i].minor);
		char *list = ok ? have : lack;
		size_t len = strlen(list);

		if (ok)
			snprintf(list + len, sizeof(have) - len, "%s%s", len ? ", " : "",
				 kernel_features[i].what);
		else
			snprintf(list + len, sizeof(lack) - len, "%sno %s (%d.%d)", len ? ", " : "",
				 kernel_features[i].what, kernel_features[i].major,
				 kernel_features[i].minor);
	}
	if (!lack[0]) {
		item_set(it, DOC_OK, "kernel %s (%s)", f->release, have);
		return;
	}
	/* without the nsfs ioctls `ls` cannot link namespaces at all */
	item_set(it, kernel_has(f, 4, 11) ? DOC_WARN : DOC_FAIL, "kernel %s: %s", f->release, lack);
	item_fix(it, "a 5.10 or newer kernel (the oldest nsx is tested on)");
}

/* Where a namespace type comes from when the kernel lacks it. */
static const struct { const char *config; int major, minor; } nstype_kernel[NSX_NTYPES] = {
	[NSX_CGROUP] = { "CONFIG_CGROUPS", 4, 6 },
	[NSX_IPC] = { "CONFIG_IPC_NS", 2, 6 },
	[NSX_MNT] = { NULL, 2, 4 },
	[NSX_NET] = { "CONFIG_NET_NS", 2, 6 },
	[NSX_PID] = { "CONFIG_PID_NS", 2, 6 },
	[NSX_TIME] = { "CONFIG_TIME_NS", 5, 6 },
	[NSX_USER] = { "CONFIG_USER_NS", 3, 8 },
	[NSX_UTS] = { "CONFIG_UTS_NS", 2, 6 },
};

static void
chk_unavailable(const struct doctor_facts *f, int t, int err, struct doctor_item *it)
{
	const char *name = nstype_table[t].name;

	if (!kernel_has(f, nstype_kernel[t].major, nstype_kernel[t].minor)) {
		item_set(it, DOC_FAIL, "ns %s: unavailable, kernel %s is older than %d.%d",
			 name, f->release, nstype_kernel[t].major, nstype_kernel[t].minor);
		item_fix(it, "a %d.%d or newer kernel", nstype_kernel[t].major,
			 nstype_kernel[t].minor);
		return;
	}
	if (!f->ns[t].link)
		item_set(it, DOC_FAIL, "ns %s: unavailable, no /proc/self/ns/%s (unshare: %s)",
			 name, name, err ? errname(err) : "works");
	else
		item_set(it, DOC_FAIL, "ns %s: unavailable, unshare fails (%s)", name, errname(err));
	item_fix(it, "a kernel built with %s=y", nstype_kernel[t].config ?
		 nstype_kernel[t].config : "namespaces");
}

/* Why root (or the probe user) is refused although the sysctls allow it. */
static const char *
eperm_fix(const struct doctor_facts *f, int t, int err)
{
	if (err == ENOSPC)
		return "raise the limit in /proc/sys/user/max_*_namespaces";
	if (f->seccomp == 2)
		return "a seccomp filter (a container's?) refuses it: run nsx on the host";
	if (t == NSX_USER)	/* the kernel refuses CLONE_NEWUSER in a chroot */
		return "run nsx outside any chroot (if not in one: an LSM policy refuses it)";
	return "run nsx on the host, or in a container with CAP_SYS_ADMIN";
}

static void
chk_nstype(const struct doctor_facts *f, int t, struct doctor_item *it)
{
	const char *name = nstype_table[t].name;
	int alone = f->ns[t].err_alone, user = f->ns[t].err_user;

	if (!f->ns[t].link || alone == EINVAL || (alone && user == EINVAL)) {
		chk_unavailable(f, t, alone, it);
		return;
	}
	if (!alone) {
		item_set(it, DOC_OK, "ns %s: unshare works as %s", name, f->user);
		return;
	}
	if (user == 0) {
		item_set(it, DOC_OK, "ns %s: unshare fails (%s), with a user namespace works (rootless)",
			 name, errname(alone));
		return;
	}
	if (f->uid == 0) {
		/* root refused: a container without CAP_SYS_ADMIN, or seccomp */
		item_set(it, DOC_FAIL, "ns %s: unshare fails as root (%s)", name, errname(alone));
		item_fix(it, "%s", eperm_fix(f, t, alone));
		return;
	}
	item_set(it, DOC_WARN, "ns %s: needs root: unshare fails (%s)%s%s%s", name, errname(alone),
		 user > 0 ? ", with a user namespace too (" : "", user > 0 ? errname(user) : "",
		 user > 0 ? ")" : "");
	item_fix(it, alone == ENOSPC ? "raise /proc/sys/user/max_%s_namespaces" :
		 "allow unprivileged user namespaces (see below), or run as root", name);
}

/* The fix the userns module gives run and unshare for what sysctl i at
 * its value causes: the same words here. */
static void
sysctl_fix(const struct doctor_facts *f, int i, struct doctor_item *it)
{
	static const struct { enum userns_step step; int err; } cause[USERNS_NSYSCTL] = {
		[USERNS_CLONE] = { USERNS_MAKE, EPERM },
		[USERNS_MAX] = { USERNS_MAKE, ENOSPC },
		[USERNS_APPARMOR] = { USERNS_USE, EPERM },
	};
	struct userns_why w;

	if (userns_explain(&f->sys, cause[i].step, CLONE_NEWUSER, cause[i].err, false, &w))
		item_fix(it, "%s", w.fix);
}

static void
chk_sysctl(const struct doctor_facts *f, int i, struct doctor_item *it)
{
	const char *name = userns_sysctl_name(i);
	long v = f->sys.v[i];
	bool probe_ok = f->userns.step == STEP_NONE;

	if (v < 0) {
		item_set(it, i == USERNS_MAX ? DOC_WARN : DOC_INFO, "%s: not present%s", name,
			 i == USERNS_CLONE ? " (a Debian/Ubuntu patch; fine)" :
			 i == USERNS_APPARMOR ? " (no Ubuntu AppArmor restriction)" : "");
		if (i == USERNS_MAX)
			item_fix(it, "a kernel built with CONFIG_USER_NS=y");
		return;
	}
	switch (i) {
	case USERNS_CLONE:
	case USERNS_MAX:
		item_set(it, v ? DOC_OK : DOC_FAIL, "%s = %ld%s", name, v,
			 v ? "" : ": unprivileged user namespaces are disabled");
		if (!v)
			sysctl_fix(f, i, it);
		return;
	case USERNS_APPARMOR:
		if (!v) {
			item_set(it, DOC_OK, "%s = 0", name);
			return;
		}
		item_set(it, probe_ok ? DOC_OK : DOC_FAIL, "%s = %ld: AppArmor confines user namespaces%s",
			 name, v, probe_ok ? ", but nsx is allowed" : "");
		if (!probe_ok)
			sysctl_fix(f, i, it);
		return;
	}
}

static const char *const step_text[] = {
	[STEP_NONE] = "",
	[STEP_CHILD] = "the probe process failed",
	[STEP_SETUID] = "becoming uid 65534 to test",
	[STEP_UNSHARE] = "unshare(CLONE_NEWUSER)",
	[STEP_UIDMAP] = "writing /proc/self/uid_map",
	[STEP_SETGROUPS] = "writing /proc/self/setgroups",
	[STEP_GIDMAP] = "writing /proc/self/gid_map",
};

/* The probe's user is never privileged (as root it is uid 65534): what
 * the userns module tells run and unshare, else what doctor knows. */
static void
userns_fix(const struct doctor_facts *f, struct doctor_item *it)
{
	enum doctor_step s = f->userns.step;
	int e = f->userns.err;
	struct userns_why w;

	if ((s == STEP_UNSHARE || s >= STEP_UIDMAP) &&
	    userns_explain(&f->sys, s == STEP_UNSHARE ? USERNS_MAKE : USERNS_USE, CLONE_NEWUSER, e,
			   false, &w))
		item_fix(it, "%s", w.fix);
	else if (s == STEP_UNSHARE && e == EINVAL)
		item_fix(it, "a kernel built with CONFIG_USER_NS=y");
	else if (s == STEP_SETUID)
		item_fix(it, "run doctor as a student's user to test what they get");
	else if (s == STEP_UNSHARE && e == EPERM)
		item_fix(it, "%s", eperm_fix(f, NSX_USER, e));
	else
		item_fix(it, "run nsx as root");
}

static void
chk_userns(const struct doctor_facts *f, int arg, struct doctor_item *it)
{
	enum doctor_step s = f->userns.step;

	if (s == STEP_NONE) {
		item_set(it, DOC_OK, "unprivileged user namespaces: unshare and uid/gid maps work as uid %u",
			 (unsigned)f->userns.uid);
		return;
	}
	item_set(it, s == STEP_SETUID ? DOC_WARN : DOC_FAIL,
		 "unprivileged user namespaces (uid %u): %s fails: %s", (unsigned)f->userns.uid,
		 step_text[s], errname(f->userns.err));
	userns_fix(f, it);
}

static void
chk_idmap(const struct doctor_facts *f, int i, struct doctor_item *it)
{
	const char *tool = i ? "newgidmap" : "newuidmap";

	if (!f->idmap[i].path[0]) {
		item_set(it, DOC_WARN, "%s: not found (needed for maps of more than one ID)", tool);
		item_fix(it, USERNS_TOOL_FIX);
	} else if (!f->idmap[i].setuid && !f->idmap[i].fcaps) {
		item_set(it, DOC_WARN, "%s: %s is neither setuid root nor has file capabilities",
			 tool, f->idmap[i].path);
		item_fix(it, "as root: chmod u+s %s", f->idmap[i].path);
	} else
		item_set(it, DOC_OK, "%s: %s (%s)", tool, f->idmap[i].path,
			 f->idmap[i].setuid ? "setuid root" : "file capabilities");
}

static void
chk_subid(const struct doctor_facts *f, int i, struct doctor_item *it)
{
	const char *file = i ? "/etc/subgid" : "/etc/subuid";

	if (f->subid[i].found) {
		item_set(it, DOC_OK, "%s: %s has %lu IDs from %lu", file, f->user,
			 f->subid[i].count, f->subid[i].start);
		return;
	}
	/* root writes any map itself and needs no subordinate IDs */
	item_set(it, f->uid == 0 ? DOC_INFO : DOC_WARN, "%s: %s for %s%s", file,
		 f->subid[i].readable ? "no entry" : "missing, so no entry", f->user,
		 f->uid == 0 ? " (root needs none)" : ": only one-ID maps (unshare -r)");
	if (f->uid != 0)
		item_fix(it, "as root: usermod --add-sub%cids 100000-165535 %s", i ? 'g' : 'u', f->user);
}

static void
chk_cgroup_mode(const struct doctor_facts *f, int arg, struct doctor_item *it)
{
	switch (f->cg.mode) {
	case CG_NONE:
		item_set(it, DOC_FAIL, "cgroup: nothing mounted on /sys/fs/cgroup");
		item_fix(it, "mount -t cgroup2 none /sys/fs/cgroup");
		return;
	case CG_V2:
		item_set(it, DOC_OK, "cgroup v2 at %s, this shell in %s; controllers: %.80s",
			 f->cg.v2mnt, f->cg.v2path, f->cg.v2ctrls[0] ? f->cg.v2ctrls : "none");
		return;
	case CG_V1:
		item_set(it, DOC_OK, "cgroup v1; controllers: %.120s",
			 f->cg.v1ctrls[0] ? f->cg.v1ctrls : "none");
		return;
	case CG_HYBRID:
		item_set(it, DOC_OK, "cgroup hybrid: v2 at %s (controllers: %.40s), v1 controllers: %.80s",
			 f->cg.v2mnt, f->cg.v2ctrls[0] ? f->cg.v2ctrls : "none",
			 f->cg.v1ctrls[0] ? f->cg.v1ctrls : "none");
		return;
	}
}

/* The cgroup module's verdict (gather_cgroup_limits): what `run` does. */
static void
chk_cgroup_deleg(const struct doctor_facts *f, int arg, struct doctor_item *it)
{
	char usable[64] = "";

	(void)arg;
	if (f->cg.mode == CG_NONE) {
		item_set(it, DOC_INFO, "cgroup limits: no cgroup filesystem");
		return;
	}
	if (f->cg.all) {
		item_set(it, DOC_OK, "cgroup limits: memory pids cpu usable by %s (nsx-NAME in %.200s)",
			 f->user, f->cg.where);
		return;
	}
	for (int k = 0; k < DOC_NCTRL; k++)
		if (f->cg.alone[k])
			words_add(usable, sizeof(usable), cname[k]);
	item_set(it, DOC_WARN, "cgroup limits: %s%s%s: run --memory/--pids/--cpus refuses: %s",
		 usable[0] ? "only " : "none usable by ", usable[0] ? usable : f->user,
		 usable[0] ? " usable alone" : "", f->cg.why);
	item_fix(it, "as it says, or run --limits=try to run without limits");
}

/* What keeps `run --image`'s unpacking process inside its tree, beyond
 * libarchive's checks (container/unpack.h): a jail (a mount namespace of
 * its own whose / is the tree, in a user namespace of its own when not
 * root), CAP_DAC_OVERRIDE alone, seccomp, and Landlock ABI 2 (Linux 5.19)
 * on top; either confinement alone where the other is missing. */
static void
chk_unpack(const struct doctor_facts *f, int arg, struct doctor_item *it)
{
	static const char jail[] = "a mount namespace whose / is the image's tree (no capability "
				   "but CAP_DAC_OVERRIDE, seccomp)";
	int mnt = f->uid == 0 ? f->ns[NSX_MNT].err_alone : f->ns[NSX_MNT].err_user;

	(void)arg;
	if (mnt == 0 && f->landlock_abi >= 2)
		item_set(it, DOC_OK, "image unpacking: confined by %s and Landlock (ABI %d)", jail,
			 f->landlock_abi);
	else if (mnt == 0)
		item_set(it, DOC_INFO, "image unpacking: confined by %s; no Landlock ABI 2 (Linux 5.19) "
			 "on top", jail);
	else if (f->landlock_abi >= 2) {
		item_set(it, DOC_INFO, "image unpacking: confined by Landlock (ABI %d) alone: no mount "
			 "namespace (%s)", f->landlock_abi, errname(mnt));
		item_fix(it, "user namespaces (above)");
	} else {
		item_set(it, DOC_WARN, "image unpacking unconfined: no Landlock ABI 2 (Linux 5.19), "
			 "no mount namespace (%s)", errname(mnt));
		item_fix(it, f->uid == 0 ? "Linux 5.19+" : "Linux 5.19+, or user namespaces (above)");
	}
}

/* The checks, in report order: each fills one item from the facts. */
static const struct doctor_check {
	void (*run)(const struct doctor_facts *f, int arg, struct doctor_item *it);
	int arg;
} doctor_checks[] = {
	{ chk_kernel, 0 },
	{ chk_nstype, NSX_CGROUP }, { chk_nstype, NSX_IPC }, { chk_nstype, NSX_MNT },
	{ chk_nstype, NSX_NET }, { chk_nstype, NSX_PID }, { chk_nstype, NSX_TIME },
	{ chk_nstype, NSX_USER }, { chk_nstype, NSX_UTS },
	{ chk_sysctl, USERNS_CLONE }, { chk_sysctl, USERNS_MAX }, { chk_sysctl, USERNS_APPARMOR },
	{ chk_userns, 0 },
	{ chk_idmap, 0 }, { chk_idmap, 1 },
	{ chk_subid, 0 }, { chk_subid, 1 },
	{ chk_cgroup_mode, 0 },
	{ chk_cgroup_deleg, 0 },
	{ chk_unpack, 0 },
};

size_t
doctor_eval(const struct doctor_facts *f, struct doctor_item *items, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(doctor_checks) && n < max; i++, n++) {
		memset(&items[n], 0, sizeof(items[n]));
		doctor_checks[i].run(f, doctor_checks[i].arg, &items[n]);
	}
	return n;
}

/* ---- printing ---- */

void
doctor_format(const struct doctor_item *it, char *buf, size_t len)
{
	static const char *const word[] = {
		[DOC_OK] = "ok", [DOC_INFO] = "info", [DOC_WARN] = "warn", [DOC_FAIL] = "FAIL",
	};

	if (it->fix[0] && it->status != DOC_OK && it->status != DOC_INFO)
		snprintf(buf, len, "%-6s%s (fix: %s)", word[it->status], it->what, it->fix);
	else
		snprintf(buf, len, "%-6s%s", word[it->status], it->what);
}

static int
doctor_run(struct nsx_shell *sh, int argc, char **argv)
{
	extern const struct nsx_cmd cmd_doctor;
	struct doctor_item items[ARRAY_SIZE(doctor_checks)];
	struct cmd_getopt g = { 0 };
	struct doctor_facts *f;
	size_t n;
	int c, fails = 0;

	while ((c = cmd_getopt(&cmd_doctor, argc, argv, &g)) != -1) {
		if (c != 'h')
			return 1;
		cmd_print_help(&cmd_doctor, stdout);
		return 0;
	}
	if (g.optind < argc)
		return cmd_fail(&cmd_doctor, "unexpected argument '%s' (doctor takes none)",
				argv[g.optind]);
	f = xmalloc(sizeof(*f));
	doctor_gather(f);
	n = doctor_eval(f, items, ARRAY_SIZE(items));
	free(f);
	for (size_t i = 0; i < n; i++) {
		char line[sizeof(items[i].what) + sizeof(items[i].fix) + 16];

		doctor_format(&items[i], line, sizeof(line));
		/* it quotes what it read: a cgroup path, a sysctl's value */
		safe_fputs(line, stdout);
		putchar('\n');
		fails += items[i].status == DOC_FAIL;
	}
	fflush(stdout);
	return fails ? 1 : 0;
}

const struct nsx_cmd cmd_doctor = {
	.name = "doctor",
	.summary = "preflight check: kernel, namespace types, user namespaces, cgroups",
	.usage = "doctor",
	.help =
	"A preflight check for a classroom machine, one line per item: ok, info,\n"
	"warn or FAIL, and for each that is not ok the fix. It looks at the kernel\n"
	"version, tries unshare of each of the eight namespace types in a child\n"
	"process (as a normal user also together with a user namespace, which is how\n"
	"rootless nsx works), tries what a student's unprivileged user namespace\n"
	"needs (unshare, then the uid and gid maps; as root it tests as uid 65534),\n"
	"reads the sysctls that restrict that (kernel.unprivileged_userns_clone,\n"
	"user.max_user_namespaces, kernel.apparmor_restrict_unprivileged_userns),\n"
	"checks newuidmap/newgidmap and /etc/subuid and /etc/subgid, and which cgroup\n"
	"controllers nsx can use for limits. It changes nothing on the machine.\n"
	"Exit status 1 when any item FAILs, 0 otherwise.\n"
	"\n"
	"Examples:\n"
	"  doctor                  as root: what the machine offers; user namespaces are\n"
	"                          tested as uid 65534, what a student gets\n"
	"  nsx doctor              as a student, before the first lesson\n"
	"  nsx doctor | grep -v ^ok   only what needs attention\n",
	.run = doctor_run,
};
