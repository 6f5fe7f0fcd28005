/* What keeps user namespaces from working here, in one line with the fix
 * (userns.h). */
#define _GNU_SOURCE
#include "level/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/sys.h"
#include "util/testhook.h"

static const struct {
	const char *file, *name;
} sysctls[USERNS_NSYSCTL] = {
	[USERNS_CLONE] = { "kernel/unprivileged_userns_clone", "kernel.unprivileged_userns_clone" },
	[USERNS_MAX] = { "user/max_user_namespaces", "user.max_user_namespaces" },
	[USERNS_APPARMOR] = { "kernel/apparmor_restrict_unprivileged_userns",
			      "kernel.apparmor_restrict_unprivileged_userns" },
};

const char *
userns_sysctl_name(enum userns_sysctl i)
{
	return sysctls[i].name;
}

/* A number in a sysctl file; -1 when it is absent or is no number. */
static long
sysctl_read(int dir, const char *file)
{
	char buf[32], *end;
	int fd = dir >= 0 ? openat(dir, file, O_RDONLY | O_CLOEXEC) : -1;
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	long v;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	return errno || end == buf || v < 0 ? -1 : v;
}

/* Is the AppArmor label in file (under dir, or absolute) one whose new
 * user namespaces get no capabilities? "unconfined" (the restriction's
 * target) or "unprivileged_userns" (the profile it moves them into), each
 * maybe followed by " (enforce)"; a missing file: no AppArmor here. */
static bool
aa_restricted(int dir, const char *file)
{
	char buf[128];
	int fd = file[0] == '/' ? open(file, O_RDONLY | O_CLOEXEC) :
		 dir >= 0 ? openat(dir, file, O_RDONLY | O_CLOEXEC) : -1;
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	buf[strcspn(buf, " \n")] = '\0';
	return strcmp(buf, "unconfined") == 0 || strcmp(buf, "unprivileged_userns") == 0;
}

void
userns_sys_read(const char *dir, struct userns_sys *s)
{
	int fd;

	if (!dir)
		dir = testhook("NSX_TEST_SYSCTL_DIR");
	fd = open(dir ? dir : "/proc/sys", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; i < USERNS_NSYSCTL; i++)
		s->v[i] = sysctl_read(fd, sysctls[i].file);
	s->init_userns = dir ? true : sys_in_init_userns() == 1;
	s->aa_restricted = aa_restricted(dir ? fd : -1, dir ? "apparmor-label" :
					 "/proc/self/attr/apparmor/current");
	for (int t = 0; t < NSX_NTYPES; t++) {
		char file[64];

		snprintf(file, sizeof(file), "user/max_%s_namespaces", nstype_table[t].name);
		s->maxns[t] = sysctl_read(fd, file);
	}
	if (fd >= 0)
		close(fd);
}

/* "ask root to " for those who cannot change a sysctl themselves */
static const char *
ask(bool privileged)
{
	return privileged ? "" : "ask root to ";
}

/* user.max_TYPE_namespaces (user.max_user_namespaces is a sysctl of its own too) */
static long
maxns(const struct userns_sys *s, int t)
{
	return t == NSX_USER ? s->v[USERNS_MAX] : s->maxns[t];
}

/* ENOSPC from unshare/clone: a user.max_*_namespaces limit, 0 or reached.
 * The kernel does not say which type; one set to 0 is surely it. */
static bool
why_limit(const struct userns_sys *s, int flags, bool privileged, struct userns_why *w)
{
	int t, first = -1;

	for (t = 0; t < NSX_NTYPES; t++) {
		if (!(flags & nstype_table[t].clone_flag))
			continue;
		if (first < 0 || t == NSX_USER)
			first = t;
		if (maxns(s, t) == 0)
			break;
	}
	if (first < 0)
		return false;
	if (t < NSX_NTYPES) {
		snprintf(w->cause, sizeof(w->cause), "%s namespaces are disabled here "
			 "(user.max_%s_namespaces=0)", nstype_table[t].name, nstype_table[t].name);
		snprintf(w->fix, sizeof(w->fix), "%sraise it: sysctl -w user.max_%s_namespaces=15000",
			 ask(privileged), nstype_table[t].name);
		return true;
	}
	if (maxns(s, first) < 0)
		return false;
	/* in a user namespace of its own the files say INT_MAX, while the
	 * limits of every user namespace above still count, and so does the
	 * nesting limit (32): which one is reached cannot be told from here */
	if (!s->init_userns || maxns(s, first) >= INT_MAX) {
		snprintf(w->cause, sizeof(w->cause), "a limit of %s namespaces is reached (user.max_%s_"
			 "namespaces of an enclosing user namespace, or 32 nested user namespaces)",
			 nstype_table[first].name, nstype_table[first].name);
		snprintf(w->fix, sizeof(w->fix), "end some (levels, containers, sandboxes hold them), or "
			 "leave a level");
		return true;
	}
	/* counted per user (ucounts), in this user namespace and every one
	 * above it: a browser's sandboxes and each level hold one */
	snprintf(w->cause, sizeof(w->cause), "the limit of %s namespaces per user is reached "
		 "(user.max_%s_namespaces=%ld)", nstype_table[first].name, nstype_table[first].name,
		 maxns(s, first));
	snprintf(w->fix, sizeof(w->fix), "end some (levels, containers, sandboxes hold them), or %s"
		 "raise it: sysctl -w user.max_%s_namespaces=%ld", ask(privileged),
		 nstype_table[first].name, maxns(s, first) < 7500 ? 15000 : 2 * maxns(s, first));
	return true;
}

/* Ubuntu 23.10+: an unconfined process's new user namespace gets no
 * capabilities (AppArmor moves it into a profile that denies them): its
 * uid_map, its mounts and its hostname fail with EPERM. Some profiles
 * refuse the namespace itself. */
static void
why_apparmor(struct userns_why *w)
{
	snprintf(w->cause, sizeof(w->cause), "AppArmor restricts unprivileged user namespaces here "
		 "(%s=1)", sysctls[USERNS_APPARMOR].name);
	snprintf(w->fix, sizeof(w->fix), "ask root for an AppArmor profile for nsx, or sysctl -w "
		 "%s=0", sysctls[USERNS_APPARMOR].name);
}

bool
userns_explain(const struct userns_sys *s, enum userns_step step, int flags, int err,
	       bool privileged, struct userns_why *w)
{
	bool user = flags & CLONE_NEWUSER;

	if (step == USERNS_MAKE && err == ENOSPC)
		return why_limit(s, flags, privileged, w);
	if (err != EPERM || !user || privileged)
		return false;
	/* Debian's patch: without CAP_SYS_ADMIN on the host, no CLONE_NEWUSER */
	if (step == USERNS_MAKE && s->v[USERNS_CLONE] == 0) {
		snprintf(w->cause, sizeof(w->cause), "unprivileged user namespaces are disabled here "
			 "(%s=0)", sysctls[USERNS_CLONE].name);
		snprintf(w->fix, sizeof(w->fix), "run as root, or ask root to sysctl -w %s=1",
			 sysctls[USERNS_CLONE].name);
		return true;
	}
	/* only where AppArmor applies it to this process: under a profile of
	 * its own (the one the fix asks for), an EPERM has another cause */
	if (s->v[USERNS_APPARMOR] > 0 && s->aa_restricted) {
		why_apparmor(w);
		return true;
	}
	return false;
}

bool
userns_explain_err(struct nsx_err *err, const char *what, enum userns_step step, int flags,
		   bool privileged)
{
	struct userns_sys s;
	struct userns_why w;

	userns_sys_read(NULL, &s);
	if (!userns_explain(&s, step, flags, err->errnum, privileged, &w))
		return false;
	snprintf(err->msg, sizeof(err->msg), "%s: %s: %s", what, w.cause, w.fix);
	return true;
}

int
userns_tool_find(const char *tool, char *buf, size_t n)
{
	const char *path = getenv("PATH");
	char dirs[4096];

	/* glibc's execvp searches confstr(_CS_PATH) when PATH is unset */
	snprintf(dirs, sizeof(dirs), "%s", path ? path : "/bin:/usr/bin");
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		struct stat st;

		/* an empty entry means ".", which execvp takes and we do not:
		 * the tool is a system program, never one in the working dir */
		if (d[0] != '/' || (size_t)snprintf(buf, n, "%s/%s", d, tool) >= n)
			continue;
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
			return 0;
	}
	buf[0] = '\0';
	errno = ENOENT;
	return -1;
}

int
userns_tool_missing(struct nsx_err *err, const char *tool, const char *opt)
{
	return nsx_error(err, ENOENT, "%s needs %s, which is not installed here: " USERNS_TOOL_FIX
			 ", or map only yourself", opt, tool);
}
