/* doctor's judgement (doctor.h): a table of checks in report order, each
 * a pure function that fills one item (status, what, fix) from the facts
 * alone, so that tests/unit/doctor.c can judge machines it does not have.
 * The fixes are those run and unshare give (the userns module's words). */
#define _GNU_SOURCE
#include "doctor/doctor.h"

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/xalloc.h"

/* The controllers nsx run's limits need, indexed by DOC_CG_*. */
static const char *const cname[DOC_NCTRL] = { "memory", "pids", "cpu" };

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
			doctor_words_add(usable, sizeof(usable), cname[k]);
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

_Static_assert(ARRAY_SIZE(doctor_checks) == DOCTOR_NCHECKS, "DOCTOR_NCHECKS: one per check");

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
