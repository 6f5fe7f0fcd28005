/* doctor's judgement on made-up facts: the machines a classroom may have
 * (Debian with the userns sysctl off, Ubuntu 23.10+ AppArmor, old kernels,
 * no newuidmap...) without having them. The probes themselves are tested
 * against unshare(1) in tests/sh/doctor.t. */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "cmd/doctor.h"
#include "doctor/doctor.h"

#define MAXITEMS 64

static struct doctor_item items[MAXITEMS];
static size_t nitems;

/* A healthy machine, as a student (uid 1000) sees it. */
static void
healthy(struct doctor_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->uid = f->gid = 1000;
	strcpy(f->user, "alice");
	strcpy(f->release, "6.8.0-45-generic");
	f->kmajor = 6;
	f->kminor = 8;
	for (int t = 0; t < NSX_NTYPES; t++) {
		f->ns[t].link = true;
		f->ns[t].err_alone = t == NSX_USER ? 0 : EPERM;
		f->ns[t].err_user = t == NSX_USER ? -1 : 0;
	}
	f->sys.v[USERNS_CLONE] = -1;
	f->sys.v[USERNS_MAX] = 63000;
	f->sys.v[USERNS_APPARMOR] = -1;
	for (int t = 0; t < NSX_NTYPES; t++)
		f->sys.maxns[t] = 63000;
	f->userns.uid = 1000;
	strcpy(f->idmap[0].path, "/usr/bin/newuidmap");
	strcpy(f->idmap[1].path, "/usr/bin/newgidmap");
	f->idmap[0].setuid = f->idmap[1].setuid = true;
	for (int i = 0; i < 2; i++)
		f->subid[i] = (typeof(f->subid[i])){ true, true, 100000, 65536 };
	f->cg.mode = CG_V2;
	strcpy(f->cg.v2mnt, "/sys/fs/cgroup");
	strcpy(f->cg.v2path, "/user.slice/user-1000.slice/user@1000.service/app.slice");
	strcpy(f->cg.v2ctrls, "cpu memory pids");
	f->cg.all = true;
	for (int k = 0; k < DOC_NCTRL; k++)
		f->cg.alone[k] = true;
	strcpy(f->cg.where, "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice");
}

static void
eval(const struct doctor_facts *f)
{
	nitems = doctor_eval(f, items, MAXITEMS);
}

/* The item whose finding starts with prefix. */
static const struct doctor_item *
item(const char *prefix)
{
	for (size_t i = 0; i < nitems; i++)
		if (strncmp(items[i].what, prefix, strlen(prefix)) == 0)
			return &items[i];
	static struct doctor_item none = { .status = -1, .what = "(no such item)" };

	printf("# no item starts with '%s'\n", prefix);
	return &none;
}

static int
nfail(void)
{
	int n = 0;

	for (size_t i = 0; i < nitems; i++)
		n += items[i].status == DOC_FAIL;
	return n;
}

/* Every line short, one line, and every FAIL or warn carries a fix. */
static void
lines_ok(const char *machine)
{
	size_t longest = 0;
	bool bad = false;

	for (size_t i = 0; i < nitems; i++) {
		char line[512];

		doctor_format(&items[i], line, sizeof(line));
		longest = strlen(line) > longest ? strlen(line) : longest;
		if (strlen(line) > 200 || strchr(line, '\n') ||
		    ((items[i].status == DOC_FAIL || items[i].status == DOC_WARN) && !items[i].fix[0])) {
			printf("# bad line: %s\n", line);
			bad = true;
		}
	}
	ok(longest <= 200 && !bad, "%s: %zu lines, the longest %zu characters, a fix on each FAIL/warn",
	   machine, nitems, longest);
}

#define has(s, sub) ok(strstr((s), (sub)) != NULL, "'%s' contains '%s'", (s), (sub))

static void
t_healthy(void)
{
	struct doctor_facts f;

	healthy(&f);
	eval(&f);
	is_int(nitems, 20, "one item per check");
	is_int(nfail(), 0, "healthy machine: no FAIL");
	is_int(item("kernel 6.8.0-45-generic (")->status, DOC_OK, "kernel 6.8 has everything");
	is_int(item("ns net:")->status, DOC_OK, "net works rootless");
	has(item("ns net:")->what, "with a user namespace works");
	is_int(item("unprivileged user namespaces:")->status, DOC_OK, "user namespaces work");
	is_int(item("cgroup limits:")->status, DOC_OK, "cgroup delegated");
	lines_ok("healthy");
}

static void
t_old_kernels(void)
{
	struct doctor_facts f;

	healthy(&f);
	strcpy(f.release, "5.4.0-100-generic");
	f.kmajor = 5, f.kminor = 4;
	f.ns[NSX_TIME].link = false;
	f.ns[NSX_TIME].err_alone = f.ns[NSX_TIME].err_user = EINVAL;
	eval(&f);
	is_int(item("kernel 5.4.0")->status, DOC_WARN, "5.4: warn");
	has(item("kernel 5.4.0")->what, "no time namespaces (5.6)");
	has(item("kernel 5.4.0")->what, "no setns with a pidfd (5.8)");
	has(item("kernel 5.4.0")->what, "no close_range (5.9)");
	has(item("kernel 5.4.0")->fix, "5.10 or newer");
	is_int(item("ns time:")->status, DOC_FAIL, "no time namespace on 5.4: FAIL");
	has(item("ns time:")->fix, "5.6 or newer kernel");
	lines_ok("5.4");

	strcpy(f.release, "4.9.0");
	f.kmajor = 4, f.kminor = 9;
	eval(&f);
	is_int(item("kernel 4.9.0")->status, DOC_FAIL, "4.9 lacks the nsfs ioctls: FAIL");

	healthy(&f);
	f.ns[NSX_NET].err_alone = EINVAL;
	f.ns[NSX_NET].err_user = EINVAL;
	eval(&f);
	is_int(item("ns net:")->status, DOC_FAIL, "EINVAL: net namespaces not in this kernel");
	has(item("ns net:")->fix, "CONFIG_NET_NS=y");
}

static void
t_debian_sysctl(void)
{
	struct doctor_facts f;

	healthy(&f);
	f.sys.v[USERNS_CLONE] = 0;
	f.userns.step = STEP_UNSHARE;
	f.userns.err = EPERM;
	for (int t = 0; t < NSX_NTYPES; t++)
		f.ns[t].err_alone = EPERM, f.ns[t].err_user = t == NSX_USER ? -1 : EPERM;
	eval(&f);
	is_int(item("kernel.unprivileged_userns_clone = 0")->status, DOC_FAIL, "Debian sysctl off: FAIL");
	is_int(item("unprivileged user namespaces (uid 1000): unshare(CLONE_NEWUSER) fails: EPERM")->status,
	       DOC_FAIL, "the probe names the step and errno");
	has(item("unprivileged user namespaces")->fix, "sysctl -w kernel.unprivileged_userns_clone=1");
	is_int(item("ns uts: needs root")->status, DOC_WARN, "uts needs root then");
	lines_ok("Debian, sysctl off");
}

static void
t_max_zero(void)
{
	struct doctor_facts f;

	healthy(&f);
	f.sys.v[USERNS_MAX] = 0;
	f.userns.step = STEP_UNSHARE;
	f.userns.err = ENOSPC;
	eval(&f);
	is_int(item("user.max_user_namespaces = 0")->status, DOC_FAIL, "max_user_namespaces 0: FAIL");
	has(item("unprivileged user namespaces")->fix, "user.max_user_namespaces=15000");
	lines_ok("max_user_namespaces 0");
}

static void
t_ubuntu_apparmor(void)
{
	struct doctor_facts f;

	healthy(&f);
	f.sys.v[USERNS_CLONE] = 1;
	f.sys.v[USERNS_APPARMOR] = 1;
	f.sys.aa_restricted = false;	/* nsx under a profile of its own */
	f.userns.step = STEP_UIDMAP;	/* unshare works, the map write does not */
	f.userns.err = EPERM;
	eval(&f);
	ok(strstr(item("unprivileged user namespaces")->fix, "AppArmor") == NULL,
	   "under a profile of nsx's own, the EPERM is not blamed on AppArmor: %s",
	   item("unprivileged user namespaces")->fix);
	f.sys.aa_restricted = true;	/* unconfined: the restriction applies */
	eval(&f);
	is_int(item("unprivileged user namespaces (uid 1000): writing /proc/self/uid_map fails: EPERM")->status,
	       DOC_FAIL, "Ubuntu 23.10+: the uid_map step fails");
	has(item("unprivileged user namespaces")->fix, "AppArmor profile");
	has(item("unprivileged user namespaces")->fix, "kernel.apparmor_restrict_unprivileged_userns=0");
	has(item("unprivileged user namespaces")->fix, "ask root for an AppArmor profile for nsx");
	is_str(item("kernel.apparmor_restrict_unprivileged_userns = 1")->fix,
	       item("unprivileged user namespaces")->fix, "the sysctl's line gives the same fix");
	is_int(item("kernel.apparmor_restrict_unprivileged_userns = 1")->status, DOC_FAIL,
	       "the AppArmor sysctl line FAILs too");
	lines_ok("Ubuntu AppArmor");

	f.userns.step = STEP_NONE;	/* a profile lets nsx through */
	eval(&f);
	is_int(item("kernel.apparmor_restrict_unprivileged_userns = 1")->status, DOC_OK,
	       "restricted, but nsx is allowed: ok");
	is_int(nfail(), 0, "and nothing FAILs");
}

static void
t_root_refused(void)
{
	struct doctor_facts f;

	healthy(&f);
	f.uid = 0;
	strcpy(f.user, "root");
	f.seccomp = 2;
	f.subid[0].found = false;
	for (int t = 0; t < NSX_NTYPES; t++)
		f.ns[t].err_alone = EPERM, f.ns[t].err_user = -1;
	f.userns.uid = 65534;
	f.userns.step = STEP_UNSHARE;
	f.userns.err = EPERM;
	eval(&f);
	is_int(item("ns mnt: unshare fails as root (EPERM)")->status, DOC_FAIL, "root refused: FAIL");
	has(item("ns mnt:")->fix, "seccomp");
	has(item("unprivileged user namespaces")->fix, "seccomp");
	is_int(item("/etc/subuid")->status, DOC_INFO, "root needs no subuid");
	lines_ok("container with seccomp");

	f.seccomp = 0;	/* a chroot: only CLONE_NEWUSER is refused */
	eval(&f);
	has(item("ns user:")->fix, "chroot");
}

static void
t_idmap_and_subid(void)
{
	struct doctor_facts f;

	healthy(&f);
	f.idmap[0].path[0] = '\0';
	f.idmap[1].setuid = false;
	f.subid[0].found = false;
	eval(&f);
	is_int(item("newuidmap: not found")->status, DOC_WARN, "no newuidmap: warn");
	has(item("newuidmap")->fix, "uidmap");
	is_int(item("newgidmap: /usr/bin/newgidmap is neither")->status, DOC_WARN,
	       "newgidmap without setuid or caps: warn");
	is_int(item("/etc/subuid: no entry for alice")->status, DOC_WARN, "no subuid entry: warn");
	has(item("/etc/subuid")->fix, "usermod --add-subuids 100000-165535 alice");
	lines_ok("no newuidmap");

	f.idmap[1].fcaps = true;
	eval(&f);
	is_int(item("newgidmap: /usr/bin/newgidmap (file capabilities)")->status, DOC_OK,
	       "file capabilities are enough");
}

static void
t_cgroups(void)
{
	static const char why[] = "cgroup /sys/fs/cgroup/a/b.scope has processes besides nsx, so "
				  "the container's cgroup cannot go below it";
	struct doctor_facts f;

	healthy(&f);
	eval(&f);
	is_str(item("cgroup limits:")->what, "cgroup limits: memory pids cpu usable by alice (nsx-NAME "
	       "in /sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice)",
	       "usable: where nsx-NAME goes");

	/* what the cgroup module said run would do, said again */
	f.cg.all = false;
	for (int k = 0; k < DOC_NCTRL; k++)
		f.cg.alone[k] = false;
	strcpy(f.cg.why, why);
	eval(&f);
	is_int(item("cgroup limits: none usable by alice: ")->status, DOC_WARN, "none usable: warn");
	has(item("cgroup limits")->what, why);
	has(item("cgroup limits")->fix, "--limits=try");

	f.cg.alone[DOC_CG_PIDS] = f.cg.alone[DOC_CG_CPU] = true;
	eval(&f);
	is_int(item("cgroup limits: only pids cpu usable alone: ")->status, DOC_WARN,
	       "some usable alone: warn, naming them");

	f.cg.mode = CG_NONE;
	eval(&f);
	is_int(item("cgroup: nothing mounted")->status, DOC_FAIL, "no cgroup fs: FAIL");
	lines_ok("no cgroups");
}

/* What confines image unpacking: its mount namespace (a jail whose / is
 * the tree) and Landlock on top; either alone; else nothing, said with a
 * fix. */
static void
t_unpack(void)
{
	struct doctor_facts f;

	healthy(&f);
	f.landlock_abi = 4;
	eval(&f);
	is_int(item("image unpacking: confined by a mount namespace")->status, DOC_OK,
	       "a user+mount namespace and Landlock: ok");
	has(item("image unpacking: confined")->what, "and Landlock (ABI 4)");
	f.landlock_abi = 0;
	eval(&f);
	is_int(item("image unpacking: confined by a mount namespace")->status, DOC_INFO,
	       "no Landlock, a user+mount namespace works: info");
	has(item("image unpacking: confined")->what, "no Landlock ABI 2");
	f.landlock_abi = 4;
	f.ns[NSX_MNT].err_user = EPERM;
	eval(&f);
	is_int(item("image unpacking: confined by Landlock (ABI 4) alone")->status, DOC_INFO,
	       "Landlock, no namespace: info");
	f.landlock_abi = 0;
	eval(&f);
	is_int(item("image unpacking unconfined")->status, DOC_WARN, "no Landlock, no namespace: warn");
	lines_ok("no Landlock, no namespace");
	f.uid = 0;
	f.ns[NSX_MNT].err_alone = 0;
	eval(&f);
	is_int(item("image unpacking: confined by a mount namespace")->status, DOC_INFO,
	       "root: a mount namespace: info");
}

int
main(void)
{
	t_healthy();
	t_unpack();
	t_old_kernels();
	t_debian_sysctl();
	t_max_zero();
	t_ubuntu_apparmor();
	t_root_refused();
	t_idmap_and_subid();
	t_cgroups();
	return done_testing();
}
