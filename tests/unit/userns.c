/* The userns module (src/level/userns.c) on fixture /proc/sys trees: the
 * one line each distribution's switch gets, through the same interface
 * run, unshare and doctor use. Ubuntu's
 * kernel.apparmor_restrict_unprivileged_userns is in none of the VM
 * matrix's Debian kernels (tests/vm/quirks.t tests the others there): its
 * line is tested here, on a fixture, and its plumbing through unshare and
 * run in tests/vm/quirks.t with NSX_TEST_SYSCTL_DIR. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "fixture.h"
#include "level/userns.h"

#define has(s, sub) ok(strstr((s), (sub)) != NULL, "'%s' contains '%s'", (s), (sub))

static void
load(const char *name, struct userns_sys *s)
{
	char *dir = fixture(name);

	userns_sys_read(dir, s);
	free(dir);
}

static void
t_read(void)
{
	struct userns_sys s;

	load("sysctl-ubuntu", &s);
	is_int(s.v[USERNS_APPARMOR], 1, "ubuntu: apparmor_restrict_unprivileged_userns read");
	is_int(s.v[USERNS_CLONE], 1, "ubuntu: unprivileged_userns_clone read");
	is_int(s.v[USERNS_MAX], 15063, "ubuntu: max_user_namespaces read");
	is_int(s.maxns[NSX_MNT], -1, "an absent file reads -1");
	ok(s.aa_restricted, "ubuntu: the label 'unconfined' is the restriction's");
	ok(s.init_userns, "a fixture is read as the initial user namespace's");
	load("sysctl-debian-off", &s);
	ok(!s.aa_restricted, "no label (no AppArmor): not restricted");
	load("no-such-tree", &s);
	is_int(s.v[USERNS_MAX], -1, "no tree at all: every value -1");
	is_str(userns_sysctl_name(USERNS_APPARMOR), "kernel.apparmor_restrict_unprivileged_userns",
	       "the sysctl's name");
}

static void
t_apparmor(void)
{
	struct userns_sys s;
	struct userns_why w;

	load("sysctl-ubuntu", &s);
	/* unshare works there; writing the map (or a mount) then fails */
	ok(!userns_explain(&s, USERNS_MAKE, CLONE_NEWUSER, EINVAL, false, &w),
	   "ubuntu: EINVAL from unshare is not AppArmor's");
	ok(userns_explain(&s, USERNS_USE, CLONE_NEWUSER | CLONE_NEWNS, EPERM, false, &w),
	   "ubuntu: EPERM writing uid_map is explained");
	is_str(w.cause, "AppArmor restricts unprivileged user namespaces here "
	       "(kernel.apparmor_restrict_unprivileged_userns=1)", "... by AppArmor's restriction");
	is_str(w.fix, "ask root for an AppArmor profile for nsx, or sysctl -w "
	       "kernel.apparmor_restrict_unprivileged_userns=0", "... with both fixes");
	ok(!userns_explain(&s, USERNS_USE, CLONE_NEWUSER, EPERM, true, &w),
	   "ubuntu: root on the host is not restricted: its EPERM is something else");
	ok(!userns_explain(&s, USERNS_USE, CLONE_NEWNS, EPERM, false, &w),
	   "ubuntu: without a user namespace, AppArmor's switch explains nothing");
	ok(userns_explain(&s, USERNS_MAKE, CLONE_NEWUSER, EPERM, false, &w),
	   "ubuntu: a profile that refuses the namespace itself: the same line");

	/* the profile the fix asks for is in place: the switch stays 1, the
	 * EPERM has another cause (e.g. a /proc with parts mounted over) */
	s.aa_restricted = false;
	ok(!userns_explain(&s, USERNS_USE, CLONE_NEWUSER, EPERM, false, &w),
	   "ubuntu, nsx under a profile of its own: an EPERM is not blamed on AppArmor");

	load("sysctl-debian-off", &s);
	ok(!userns_explain(&s, USERNS_USE, CLONE_NEWUSER, EPERM, false, &w),
	   "without the switch, an EPERM in the namespace is not blamed on AppArmor");
}

static void
t_debian(void)
{
	struct userns_sys s;
	struct userns_why w;
	struct nsx_err e = { .errnum = EPERM };

	load("sysctl-debian-off", &s);
	ok(userns_explain(&s, USERNS_MAKE, CLONE_NEWUSER | CLONE_NEWUTS, EPERM, false, &w),
	   "debian, switch off: EPERM from unshare is explained");
	is_str(w.cause, "unprivileged user namespaces are disabled here "
	       "(kernel.unprivileged_userns_clone=0)", "... by the switch");
	is_str(w.fix, "run as root, or ask root to sysctl -w kernel.unprivileged_userns_clone=1",
	       "... with its fix");
	ok(!userns_explain(&s, USERNS_MAKE, CLONE_NEWUSER, EPERM, true, &w),
	   "debian: root is not restricted");
	ok(!userns_explain(&s, USERNS_MAKE, CLONE_NEWUTS, EPERM, false, &w),
	   "debian: a uts namespace alone is not the switch's business");

	/* through the front ends' call, with NSX_TEST_SYSCTL_DIR */
	char *dir = fixture("sysctl-debian-off");

	setenv("NSX_TEST_SYSCTL_DIR", dir, 1);
	strcpy(e.msg, "unshare: Operation not permitted");
	ok(userns_explain_err(&e, "unshare", USERNS_MAKE, CLONE_NEWUSER, false),
	   "userns_explain_err reads NSX_TEST_SYSCTL_DIR");
	is_str(e.msg, "unshare: unprivileged user namespaces are disabled here "
	       "(kernel.unprivileged_userns_clone=0): run as root, or ask root to sysctl -w "
	       "kernel.unprivileged_userns_clone=1", "... and makes the one line WHAT: CAUSE: FIX");
	unsetenv("NSX_TEST_SYSCTL_DIR");
	free(dir);
}

static void
t_limits(void)
{
	struct userns_sys s;
	struct userns_why w;

	load("sysctl-max-zero", &s);
	ok(userns_explain(&s, USERNS_MAKE, CLONE_NEWUSER | CLONE_NEWNS, ENOSPC, false, &w),
	   "max_user_namespaces=0: ENOSPC is explained");
	is_str(w.cause, "user namespaces are disabled here (user.max_user_namespaces=0)", "... disabled");
	is_str(w.fix, "ask root to raise it: sysctl -w user.max_user_namespaces=15000", "... raise it");
	ok(userns_explain(&s, USERNS_MAKE, CLONE_NEWUSER, ENOSPC, true, &w), "root gets it too");
	is_str(w.fix, "raise it: sysctl -w user.max_user_namespaces=15000", "... told to do it itself");

	load("sysctl-debian-off", &s);
	ok(userns_explain(&s, USERNS_MAKE, CLONE_NEWUSER | CLONE_NEWNS, ENOSPC, false, &w),
	   "a limit above 0: ENOSPC means it is reached");
	is_str(w.cause, "the limit of user namespaces per user is reached (user.max_user_namespaces=15063)",
	       "... the user namespaces' limit, with its value");
	has(w.fix, "end some");
	has(w.fix, "sysctl -w user.max_user_namespaces=30126");

	load("sysctl-mnt-zero", &s);
	ok(userns_explain(&s, USERNS_MAKE, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWUTS, ENOSPC, false, &w),
	   "max_mnt_namespaces=0: found among the types asked for");
	is_str(w.cause, "mnt namespaces are disabled here (user.max_mnt_namespaces=0)", "... mnt named");
	ok(userns_explain(&s, USERNS_MAKE, CLONE_NEWUTS, ENOSPC, true, &w), "uts alone, as root");
	is_str(w.cause, "the limit of uts namespaces per user is reached (user.max_uts_namespaces=10)",
	       "... the uts limit");
	ok(!userns_explain(&s, USERNS_MAKE, CLONE_NEWIPC, ENOSPC, true, &w),
	   "a limit that cannot be read explains nothing");

	/* in a user namespace of its own: the files say INT_MAX, the limits
	 * above (and the nesting limit) are what is reached */
	load("sysctl-debian-off", &s);
	s.init_userns = false;
	ok(userns_explain(&s, USERNS_MAKE, CLONE_NEWUSER, ENOSPC, false, &w), "nested: ENOSPC explained");
	is_str(w.cause, "a limit of user namespaces is reached (user.max_user_namespaces of an enclosing "
	       "user namespace, or 32 nested user namespaces)", "... without naming a value it cannot know");
	ok(strstr(w.fix, "sysctl") == NULL, "... and no sysctl to raise: %s", w.fix);
	s.init_userns = true;
	s.v[USERNS_MAX] = 2147483647;
	ok(userns_explain(&s, USERNS_MAKE, CLONE_NEWUSER, ENOSPC, false, &w) && strstr(w.fix, "sysctl") == NULL,
	   "a limit of INT_MAX: no value above it suggested");
}

static void
t_tools(void)
{
	char path[256], *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	struct nsx_err e;

	setenv("PATH", "relative:/nonexistent:/bin", 1);
	ok(userns_tool_find("sh", path, sizeof(path)) == 0 && strcmp(path, "/bin/sh") == 0,
	   "found in PATH, relative entries skipped: %s", path);
	setenv("PATH", "/nonexistent", 1);
	ok(userns_tool_find("sh", path, sizeof(path)) < 0 && errno == ENOENT, "not in PATH: ENOENT");
	userns_tool_missing(&e, "newuidmap", "--uid-map 1:100000:65536");
	is_str(e.msg, "--uid-map 1:100000:65536 needs newuidmap, which is not installed here: ask root "
	       "to install the uidmap package (apt-get install uidmap; Fedora: shadow-utils), or map "
	       "only yourself", "the missing tool's line");
	if (old) {
		setenv("PATH", old, 1);
		free(old);
	}
}

int
main(void)
{
	t_read();
	t_apparmor();
	t_debian();
	t_limits();
	t_tools();
	return done_testing();
}
