/* plan_build: every option checked, every setup step written down with its
 * reason, before anything is created. The order is the one runc, crun and
 * bubblewrap converge on (../shared/reference/runtime-security.md). */
#define _GNU_SOURCE
#include "container/plan.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/rootfs.h"
#include "sys/sys.h"
#include "model/nstype.h"
#include "util/xalloc.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Step names (NSX_TEST_STOP_AT takes them), who runs them, and why. */
static const struct {
	const char *name;
	enum step_where where;
	const char *why;
} step_info[ST_NSTEPS] = {
	[ST_ROOTFS] = { "rootfs", AT_PARENT,
		"the container's files; built or unpacked once into the cache, then reused" },
	[ST_NAME] = { "name", AT_PARENT,
		"'nsx ps' lists it, 'enter NAME' finds it, and what a killed run leaves can be found and removed" },
	[ST_CGROUP] = { "cgroup", AT_PARENT,
		"limits hold for every process of the container together, and go away with it" },
	[ST_CLONE] = { "clone", AT_PARENT,
		"one call makes them together: a new user namespace owns the others; the child is PID 1" },
	[ST_MAPS] = { "maps", AT_PARENT,
		"only a process outside may write them; setgroups is denied first (CVE-2014-8989)" },
	[ST_ATTACH] = { "attach", AT_PARENT,
		"before the child makes its cgroup namespace, so that it sees its own cgroup as /" },
	[ST_VETH] = { "veth", AT_PARENT,
		"a virtual cable between two network namespaces, made through netlink" },
	[ST_GO] = { "go", AT_PARENT,
		"the child waited for its maps, cgroup and veth; from here on, if nsx dies, so does the container" },
	[ST_IDS] = { "ids", AT_CHILD,
		"the maps exist now: uid 0 inside is your own uid outside, with capabilities only in this namespace" },
	[ST_CGROUPNS] = { "cgroupns", AT_CHILD,
		"made after the move into the container's cgroup, which becomes its root" },
	[ST_PROPAGATION] = { "propagation", AT_CHILD,
		"before any mount: mounts made in the container must not propagate back to the host" },
	[ST_LAYER] = { "layer", AT_CHILD,
		"the rootfs stays as it was, and pivot_root needs the new root to be a mount point" },
	[ST_PROC] = { "proc", AT_CHILD,
		"mounted from inside the new pid namespace, /proc shows the container's processes only" },
	[ST_DEV] = { "dev", AT_CHILD,
		"the container gets harmless devices and its own terminals, never the host's disks" },
	[ST_SYS] = { "sys", AT_CHILD,
		"programs expect /sys; read-only, so the container cannot change the host's devices" },
	[ST_CGROUPFS] = { "cgroupfs", AT_CHILD,
		"programs and students read the container's limits there, as under docker; read-only: "
		"its root changes no limit and sets no cgroup v1 release_agent (CVE-2022-0492)" },
	[ST_MASK] = { "mask", AT_CHILD,
		"these show host kernel memory, keys and timers (masked as runc and crun do)" },
	[ST_READONLY] = { "readonly", AT_CHILD,
		"writing there would change the host's kernel, not the container" },
	[ST_PIVOT] = { "pivot", AT_CHILD,
		"unlike chroot, the host's tree is gone from the mount namespace, not only out of sight" },
	[ST_HOSTNAME] = { "hostname", AT_CHILD,
		"the new UTS namespace has its own hostname; the host's is unchanged" },
	[ST_NET] = { "net", AT_CHILD,
		"a new network namespace starts with lo down and no other interface" },
	[ST_INIT] = { "init", AT_CHILD,
		"PID 1 must reap orphans, and the kernel drops signals PID 1 has no handler for" },
	[ST_SESSION] = { "session", AT_PAYLOAD,
		"on the host's terminal, TIOCSTI could type commands into your shell (CVE-2017-5226)" },
	[ST_CAPS] = { "caps", AT_PAYLOAD,
		"root in the container keeps what programs need, not CAP_SYS_ADMIN, modules, raw I/O, ptrace" },
	[ST_NNP] = { "nnp", AT_PAYLOAD,
		"setuid programs in the rootfs cannot gain privileges" },
	[ST_FDS] = { "fds", AT_PAYLOAD,
		"a leaked fd or working directory is a way out to the host (CVE-2024-21626)" },
	[ST_SECCOMP] = { "seccomp", AT_PAYLOAD,
		"the kernel's riskiest calls are out of reach, even for what the capabilities allow" },
	[ST_EXEC] = { "exec", AT_PAYLOAD,
		"the host's environment stays outside; the command runs as the container's process" },
};

const char *
plan_step_name(enum step_id id)
{
	return step_info[id].name;
}

bool
plan_host_net(const struct plan *p)
{
	return !(p->flags & CLONE_NEWNET);
}

static void __attribute__((format(printf, 3, 4)))
plan_add(struct plan *p, enum step_id id, const char *fmt, ...)
{
	struct plan_step *s;
	va_list ap;

	/* a programming error (options are bounded well below it) */
	if (p->nsteps >= PLAN_MAXSTEPS)
		abort();
	s = &p->steps[p->nsteps++];
	s->id = id;
	s->where = step_info[id].where;
	s->name = step_info[id].name;
	s->why = step_info[id].why;
	va_start(ap, fmt);
	vsnprintf(s->what, sizeof(s->what), fmt, ap);
	va_end(ap);
}

/* ---- checks ---- */

static int
check_hostname(const char *h, struct nsx_err *err)
{
	size_t len = strlen(h);

	if (len == 0 || len > 64)
		return nsx_error(err, EINVAL, "invalid hostname '%s': %zu bytes (1 to 64)", h, len);
	for (const char *c = h; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '.')
			return nsx_error(err, EINVAL, "invalid hostname '%s': letters, digits, '-' and '.' only", h);
	return 0;
}

/* A name like Docker's, so students can tell their containers apart. */
static void
plan_gen_name(char *buf, size_t n)
{
	static const char *const adj[] = {
		"brave", "calm", "eager", "fond", "gentle", "happy", "jolly", "keen",
		"lucid", "merry", "nifty", "proud", "quiet", "sharp", "tidy", "witty",
	};
	static const char *const noun[] = {
		"babbage", "curie", "dijkstra", "hopper", "kernighan", "knuth", "lamport", "liskov",
		"lovelace", "mccarthy", "ritchie", "shannon", "thompson", "torvalds", "turing", "wirth",
	};
	unsigned int r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (unsigned)getpid() * 2654435761u;
	snprintf(buf, n, "%s-%s-%u", adj[r % 16], noun[(r >> 4) % 16], (r >> 8) % 1000);
}

/* ---- namespaces ---- */

void
plan_ns_list(const struct plan *p, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int t = 0; t < NSX_NTYPES; t++) {
		int f = nstype_table[t].clone_flag;

		if ((p->flags & f) || (f == CLONE_NEWCGROUP && p->cgroupns) || (t == NSX_TIME && p->o.time_ns))
			len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? "," : "", nstype_table[t].name);
	}
}

static int
plan_namespaces(struct plan *p, struct nsx_err *err)
{
	const struct run_opts *o = &p->o;

	if (o->share & CLONE_NEWNS)
		return nsx_error(err, EINVAL, "--share mnt: a container needs its own mount namespace");
	/* its init is PID 1 there: when it ends, the kernel ends every process
	 * of the container, and nothing can outlive nsx */
	if (o->share & CLONE_NEWPID)
		return nsx_error(err, EINVAL, "--share pid: a container needs its own pid namespace "
				 "(use 'enter' to join a process's)");
	if ((o->share & CLONE_NEWUSER) && (o->user || o->nuid || o->ngid))
		return nsx_error(err, EINVAL, "--share user conflicts with --user and id maps");
	/* root of a user namespace (a level made with unshare -r) has none of
	 * the host's privileges: for nsx run it is rootless */
	p->rootless = geteuid() != 0 || !sys_in_init_userns();
	if (p->rootless && (o->share & CLONE_NEWUSER))
		return nsx_error(err, EPERM, "--share user needs root: without it, only a user namespace "
				 "gives the privileges a container needs");
	p->userns = !(o->share & CLONE_NEWUSER) && (o->user || p->rootless || o->nuid || o->ngid);
	p->flags = CLONE_NEWNS;
	if (p->userns)
		p->flags |= CLONE_NEWUSER;
	if (!(o->share & CLONE_NEWUTS))
		p->flags |= CLONE_NEWUTS;
	if (!(o->share & CLONE_NEWIPC))
		p->flags |= CLONE_NEWIPC;
	if (!(o->share & CLONE_NEWPID))
		p->flags |= CLONE_NEWPID;
	if (o->net != RUN_NET_HOST && !(o->share & CLONE_NEWNET))
		p->flags |= CLONE_NEWNET;
	if (o->net == RUN_NET_VETH && !(p->flags & CLONE_NEWNET))
		return nsx_error(err, EINVAL, "--net=veth needs the container's own network namespace (drop --share net)");
	if (o->net == RUN_NET_VETH && p->rootless)
		return nsx_error(err, EPERM, "--net=veth needs root (CAP_NET_ADMIN on the host); "
				 "without it use the default: a network namespace with lo only");
	p->cgroupns = !(o->share & CLONE_NEWCGROUP);
	return 0;
}

static int
plan_maps(struct plan *p, struct nsx_err *err)
{
	const struct run_opts *o = &p->o;
	struct idmaps *r = &p->maps;

	memset(r, 0, sizeof(*r));
	if (!p->userns)
		return 0;
	/* default: root inside is you outside, as bwrap and unshare -r do */
	memcpy(r->uidmap, o->uidmap, sizeof(r->uidmap));
	memcpy(r->gidmap, o->gidmap, sizeof(r->gidmap));
	r->nuid = o->nuid;
	r->ngid = o->ngid;
	if (!r->nuid) {
		r->uidmap[0] = (struct idmap){ 0, geteuid(), 1 };
		r->nuid = 1;
	}
	if (!r->ngid) {
		r->gidmap[0] = (struct idmap){ 0, getegid(), 1 };
		r->ngid = 1;
	}
	r->deny_setgroups = r->ngid == 1 && r->gidmap[0].count == 1;
	for (int i = 0; i < r->nuid; i++)
		if (r->uidmap[i].inner == 0)
			return idmap_check_tools(r, "--uid-map", "--gid-map", err);
	return nsx_error(err, EINVAL, "the uid map gives no user 0 in the container: map 0 (e.g. --uid-map 0:%u:1)",
			 (unsigned)geteuid());
}

/* ---- the rootfs ---- */

static int
plan_rootfs(struct plan *p, struct nsx_err *err)
{
	const struct run_opts *o = &p->o;
	struct stat st;

	if (o->rootfs && o->image)
		return nsx_error(err, EINVAL, "give --rootfs or --image, not both");
	if (o->rootfs) {
		if (rootfs_check_dir(o->rootfs, err) < 0)
			return -1;
		if (!realpath(o->rootfs, p->rootfs))
			return nsx_error(err, errno, "rootfs %s: %s", o->rootfs, strerror(errno));
		snprintf(p->source, sizeof(p->source), "%s", p->rootfs);
		return 0;
	}
	if (o->rw)
		return nsx_error(err, EINVAL, "--rw needs --rootfs DIR: the built-in rootfs and images are "
				 "shared trees in the cache, which no container may change");
	if (o->image) {
		if (stat(o->image, &st) < 0)
			return nsx_error(err, errno, errno == ENOENT ? "image %s does not exist" : "image %s: %s",
					 o->image, strerror(errno));
		snprintf(p->source, sizeof(p->source), "%s", o->image);
		return 0;
	}
	snprintf(p->source, sizeof(p->source), "built-in busybox");
	return 0;
}

static int
plan_locate(struct plan *p, struct nsx_err *err)
{
	char abs[PATH_MAX];

	if (p->rootfs[0])
		return 0;
	if (p->o.image) {
		if (rootfs_image_ex(p->o.image, &p->o.img_lim, &p->rstats, p->rootfs,
				    sizeof(p->rootfs), err) < 0)
			return -1;
		if (realpath(p->o.image, abs))
			snprintf(p->source, sizeof(p->source), "%s", abs);
	} else if (rootfs_builtin(p->rootfs, sizeof(p->rootfs), err) < 0)
		return -1;
	/* the owners and modes the cache does not keep (setup.c gives them
	 * back in the container's upper layer) */
	return rootfs_meta_load(p->rootfs, &p->meta, err);
}

int
plan_prepare(struct plan *p, struct nsx_err *err)
{
	struct stat st, root;

	if (plan_locate(p, err) < 0)
		return -1;
	p->rootfd = open(p->rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (p->rootfd < 0)
		return nsx_error(err, errno, "rootfs %s: %s", p->rootfs, strerror(errno));
	/* checked again on what was opened: it may have changed since plan_build */
	if (fstat(p->rootfd, &st) < 0 || stat("/", &root) < 0 ||
	    (st.st_dev == root.st_dev && st.st_ino == root.st_ino)) {
		close(p->rootfd);
		p->rootfd = -1;
		return nsx_error(err, EINVAL, "rootfs %s: the host's / cannot be a container's rootfs", p->rootfs);
	}
	return 0;
}

/* ---- the steps ---- */

void
plan_limits_text(const struct cg_limits *l, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	if (l->memory >= 0) {
		char size[32];

		cg_size_text(l->memory, size, sizeof(size));
		len += (size_t)snprintf(buf + len, n - len, "memory=%s", size);
	}
	if (l->pids >= 0)
		len += (size_t)snprintf(buf + len, n - len, "%spids=%lld", len ? " " : "", l->pids);
	/* "0.50", "0.125", "2.00": every decimal given, at least two */
	if (l->cpus_milli >= 0)
		snprintf(buf + len, n - len, "%scpus=%lld.%0*lld", len ? " " : "", l->cpus_milli / 1000,
			 l->cpus_milli % 10 ? 3 : 2, l->cpus_milli % 10 ? l->cpus_milli % 1000 :
			 l->cpus_milli % 1000 / 10);
}

static const struct { int flag; const char *name; } clone_names[] = {
	{ CLONE_NEWUSER, "CLONE_NEWUSER" }, { CLONE_NEWNS, "CLONE_NEWNS" },
	{ CLONE_NEWUTS, "CLONE_NEWUTS" }, { CLONE_NEWIPC, "CLONE_NEWIPC" },
	{ CLONE_NEWPID, "CLONE_NEWPID" }, { CLONE_NEWNET, "CLONE_NEWNET" },
};

static void
plan_parent_steps(struct plan *p)
{
	const struct run_opts *o = &p->o;
	char lim[96], flags[160] = "";
	size_t len = 0;

	if (o->rootfs)
		plan_add(p, ST_ROOTFS, "directory %s", p->rootfs);
	else if (o->image)
		plan_add(p, ST_ROOTFS, "unpack image %s into the cache (once)", o->image);
	else
		plan_add(p, ST_ROOTFS, "built-in busybox rootfs from the host's busybox-static (built once)");
	plan_add(p, ST_NAME, "container '%s' with hostname '%s'", p->name, p->hostname);
	plan_limits_text(&o->lim, lim, sizeof(lim));
	/* no limits, no cgroup: creating and removing one costs milliseconds,
	 * and the container then shares nsx's, as with unshare(1) or bwrap */
	if (cg_limited(&o->lim))
		plan_add(p, ST_CGROUP, "cgroup nsx-%s with %s", p->name, lim);
	for (size_t k = 0; k < ARRAY_SIZE(clone_names); k++)
		if (p->flags & clone_names[k].flag)
			len += (size_t)snprintf(flags + len, sizeof(flags) - len, "%s%s",
						len ? "|" : "", clone_names[k].name);
	plan_add(p, ST_CLONE, "clone(%s); the child waits for 'go'", flags);
	if (p->userns)
		plan_add(p, ST_MAPS, "uid_map '%lu %lu %lu%s', %sgid_map '%lu %lu %lu%s'",
			 p->maps.uidmap[0].inner, p->maps.uidmap[0].outer, p->maps.uidmap[0].count,
			 p->maps.nuid > 1 ? ", ..." : "", p->maps.deny_setgroups ? "setgroups 'deny', " : "",
			 p->maps.gidmap[0].inner, p->maps.gidmap[0].outer, p->maps.gidmap[0].count,
			 p->maps.ngid > 1 ? ", ..." : "");
	if (cg_limited(&o->lim))
		plan_add(p, ST_ATTACH, "move the child into cgroup nsx-%s", p->name);
	if (o->net == RUN_NET_VETH) {
		struct in_addr h, c;
		char hs[16], cs[16];

		net_cidr_hosts(&p->cidr, &h, &c);
		snprintf(hs, sizeof(hs), "%s", inet_ntoa(h));
		snprintf(cs, sizeof(cs), "%s", inet_ntoa(c));
		plan_add(p, ST_VETH, "veth pair: nsx<PID> here (%s/%d; no IPv6, no router advertisements, "
			 "no forwarding), eth0 in the container (%s/%d)", hs, p->cidr.prefix, cs,
			 p->cidr.prefix);
	}
	plan_add(p, ST_GO, "tell the child to go on (it has PR_SET_PDEATHSIG=SIGKILL)");
}

/* /sys/fs/cgroup inside: only with the container's own cgroup namespace
 * (the host's would show the host's whole tree) */
static void
plan_cgroupfs(struct plan *p)
{
	const struct cg_view *v = &p->cgview;
	const char *root = cg_limited(&p->o.lim) ? "its own cgroup" :
			   "the cgroup it starts in (nsx's: no limits, no cgroup of its own)";
	char names[160] = "";
	size_t len = 0;

	if (!p->cgroupns)
		return;
	cg_view(NULL, &p->o.lim, &p->cgview);
	if (v->fs == CG_FS_V2)
		plan_add(p, ST_CGROUPFS, "cgroup2 on /sys/fs/cgroup, read-only (nosuid,nodev,noexec), "
			 "from inside the cgroup namespace: %s as the root of the tree", root);
	if (v->fs != CG_FS_V1)
		return;
	for (int i = 0; i < v->n && len < sizeof(names); i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", i ? " " : "",
					v->bind[i].name);
	plan_add(p, ST_CGROUPFS, "a read-only tmpfs on /sys/fs/cgroup, in it a read-only bind of "
		 "the container's cgroup per v1 hierarchy: %s", names);
}

static void
plan_child_steps(struct plan *p)
{
	const struct run_opts *o = &p->o;

	if (p->userns)
		plan_add(p, ST_IDS, "setresuid(0,0,0), setresgid(0,0,0) in the new user namespace");
	if (p->cgroupns || o->time_ns)
		plan_add(p, ST_CGROUPNS, "unshare(%s%s%s)", p->cgroupns ? "CLONE_NEWCGROUP" : "",
			 p->cgroupns && o->time_ns ? "|" : "", o->time_ns ? "CLONE_NEWTIME" : "");
	plan_add(p, ST_PROPAGATION, "mount --make-rprivate /");
	if (o->rw)
		plan_add(p, ST_LAYER, "bind the rootfs onto itself (--rw: changes go to the rootfs)");
	else
		plan_add(p, ST_LAYER, "overlay: the rootfs read-only below, a tmpfs for the container's changes "
			 "above%s", p->userns ? " (a private directory in the cache where tmpfs keeps no "
			 "user.* xattrs, Linux < 6.6)" : "");
	plan_add(p, ST_PROC, "mount proc on /proc (nosuid,nodev,noexec)");
	plan_add(p, ST_DEV, "tmpfs on /dev: null zero full random urandom tty, devpts on /dev/pts, "
		 "ptmx, shm, fd stdin stdout stderr");
	plan_add(p, ST_SYS, "sysfs on /sys, read-only%s", p->userns && !(p->flags & CLONE_NEWNET) ?
		 " (or the host's /sys bound read-only, without its submounts)" : "");
	plan_cgroupfs(p);
	plan_add(p, ST_MASK, "hide /proc/kcore keys timer_list sched_debug acpi asound latency_stats "
		 "timer_stats scsi, /sys/firmware, /sys/devices/virtual/powercap");
	plan_add(p, ST_READONLY, "read-only /proc/sys sysrq-trigger irq bus fs");
	plan_add(p, ST_PIVOT, "pivot_root into the rootfs, detach the old root");
	if (p->flags & CLONE_NEWUTS)
		plan_add(p, ST_HOSTNAME, "sethostname(\"%s\")", p->hostname);
	if (o->net == RUN_NET_VETH)
		plan_add(p, ST_NET, "lo up; eth0 up with its address, default route via the host end");
	else if (p->flags & CLONE_NEWNET)
		plan_add(p, ST_NET, "lo up");
	if (o->no_init)
		plan_add(p, ST_INIT, "--no-init: the command itself is PID 1");
	else
		plan_add(p, ST_INIT, "nsx's init is PID 1: forks the command, reaps orphans, forwards signals");
}

static void
plan_payload_steps(struct plan *p)
{
	char cmd[300];
	size_t len = 0;

	plan_add(p, ST_SESSION, "setsid(); on a terminal, a new pty of the container's devpts, relayed by nsx");
	if (plan_host_net(p))
		plan_add(p, ST_CAPS, "Docker's default set minus mknod and net_raw (%d capabilities: "
			 "the network is the host's), bounding set too; inheritable, ambient empty",
			 confine_ncaps(&p->confine));
	else
		plan_add(p, ST_CAPS, "Docker's default set minus mknod (%d capabilities), bounding set "
			 "too; inheritable, ambient empty", confine_ncaps(&p->confine));
	plan_add(p, ST_NNP, "prctl(PR_SET_NO_NEW_PRIVS)");
	plan_add(p, ST_FDS, "close every fd but 0 1 2; the working directory must be the container's /");
	plan_add(p, ST_SECCOMP, "deny keyctl bpf perf_event_open userfaultfd kexec modules reboot swap, "
		 "new user ns, TIOCSTI, io_uring, personality but Docker's values");
	cmd[0] = '\0';
	for (char **a = p->o.argv; a && *a && len < sizeof(cmd) - 1; a++)
		len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, "%s%s", len ? " " : "", *a);
	plan_add(p, ST_EXEC, "execve %s (PATH HOME TERM HOSTNAME container=nsx)", *cmd ? cmd : "/bin/sh");
}

int
plan_build(struct plan *p, const struct run_opts *o, struct nsx_err *err)
{
	memset(p, 0, sizeof(*p));
	p->o = *o;
	p->rootfd = -1;
	p->layer.lock = -1;
	confine_default(&p->confine);
	if (o->name) {
		if (state_check_name(o->name, err) < 0)
			return -1;
		snprintf(p->name, sizeof(p->name), "%s", o->name);
	} else
		plan_gen_name(p->name, sizeof(p->name));
	if (o->hostname && check_hostname(o->hostname, err) < 0)
		return -1;
	snprintf(p->hostname, sizeof(p->hostname), "%s", o->hostname ? o->hostname : p->name);
	if (o->argv && !o->argv[0])
		return nsx_error(err, EINVAL, "empty command after --");
	if (plan_namespaces(p, err) < 0 || plan_maps(p, err) < 0 || plan_rootfs(p, err) < 0)
		return -1;
	/* in the host's network namespace, CAP_NET_RAW would open packet
	 * sockets on the host's links: read and forge the host's traffic */
	if (plan_host_net(p))
		p->confine.caps &= ~(UINT64_C(1) << CAP_NET_RAW);
	if (o->net == RUN_NET_VETH) {
		if (o->cidr ? parse_cidr4(o->cidr, &p->cidr, err) < 0 : net_pick_cidr(&p->cidr, err) < 0)
			return -1;
	}
	plan_parent_steps(p);
	plan_child_steps(p);
	plan_payload_steps(p);
	return 0;
}
