/* Checks: named predicates over the live state of the student's level. The
 * check runs in the level's own process (the nsx shell at the prompt), so
 * its hostname, network namespace, root and mounts are the student's;
 * /proc files are read through the /proc nsx started with, which stays
 * reachable after pivot_root and a remounted /proc. */
#define _GNU_SOURCE
#include "lesson/lesson.h"

#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "net/net.h"
#include "model/model.h"
#include "model/mountinfo.h"
#include "sys/sys.h"
#include "util/xalloc.h"

typedef int pred_fn(const struct lesson_env *e, int argc, char **argv, char *why, size_t n);

/* Argument kinds, one letter per argument: t namespace type, s string,
 * p path, n integer, i id (integer or `me`), m propagation mode,
 * c cgroup controller (memory|pids), v limit value, k clock; `+` after
 * the last: one or more of it; `?`: optional. */
struct pred {
	const char *name;
	const char *args;
	pred_fn *fn;
	const char *argnames;	/* for help */
	const char *help;
};

static int __attribute__((format(printf, 3, 4)))
say(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return 0;
}

/* ---- reading this level ---- */

static FILE *
level_file(const struct lesson_env *e, const char *name)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "%d/%s", (int)e->pid, name);
	fd = openat(e->procfd, path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? NULL : fdopen(fd, "re");
}

static int
self_ns(const struct lesson_env *e, unsigned long ino[NSX_NTYPES])
{
	struct nsx_err err;

	return proc_ns_inodes(e->procfd, e->pid, ino, &err);
}

/* One mountinfo line, split. */
struct mnt {
	int id, parent;
	char root[PATH_MAX], point[PATH_MAX];
	char opt[256];		/* optional fields: shared:N master:N ... */
	char fstype[64];
};

static int
mnt_parse(char *line, struct mnt *m)
{
	struct mountinfo mi;

	if (mountinfo_parse(line, &mi) < 0 || strlen(mi.root) >= sizeof(m->root) ||
	    strlen(mi.target) >= sizeof(m->point))
		return -1;
	m->id = mi.id;
	m->parent = mi.parent;
	strcpy(m->root, mi.root);
	strcpy(m->point, mi.target);
	snprintf(m->opt, sizeof(m->opt), "%s", mi.optional);
	snprintf(m->fstype, sizeof(m->fstype), "%s", mi.fstype);
	return 0;
}

/* Mounts of f, one callback per line; the callback returns nonzero to stop. */
static int
mnt_each(FILE *f, int (*fn)(const struct mnt *m, void *arg), void *arg)
{
	char *line = NULL;
	size_t cap = 0;
	struct mnt m;
	int r = 0;

	while (!r && getline(&line, &cap, f) >= 0)
		if (mnt_parse(line, &m) == 0)
			r = fn(&m, arg);
	free(line);
	return r;
}

struct mnt_find {
	const char *path;
	struct mnt found;
	bool any;
};

static int
mnt_at(const struct mnt *m, void *arg)
{
	struct mnt_find *q = arg;

	/* the last mount on a point is the one on top */
	if (strcmp(m->point, q->path) == 0) {
		q->found = *m;
		q->any = true;
	}
	return 0;
}

/* The top mount on path in this level (1), none (0), or -1. */
static int
mount_here(const struct lesson_env *e, const char *path, struct mnt *out)
{
	struct mnt_find q = { .path = path };
	FILE *f = level_file(e, "mountinfo");

	if (!f)
		return -1;
	mnt_each(f, mnt_at, &q);
	fclose(f);
	if (q.any && out)
		*out = q.found;
	return q.any;
}

/* ---- predicates ---- */

static int
types_cmp(const struct lesson_env *e, int argc, char **argv, const unsigned long *other,
	  bool want_same, const char *whose, char *why, size_t n)
{
	unsigned long ino[NSX_NTYPES];

	if (self_ns(e, ino) < 0)
		return say(why, n, "cannot read this level's namespaces");
	for (int i = 0; i < argc; i++) {
		int t = nstype_from_name(argv[i]);
		bool same = ino[t] == other[t];

		if (same != want_same)
			return say(why, n, "the %s namespace is %s %s (%lu)", argv[i],
				   same ? "still" : "not", whose, ino[t]);
	}
	return 1;
}

static int
p_ns_new(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	return types_cmp(e, argc, argv, e->ref->ns, false, "the one the lesson started in", why, n);
}

static int
p_ns_same(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	return types_cmp(e, argc, argv, e->ref->ns, true, "the one the lesson started in", why, n);
}

static int
p_depth(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	int want = atoi(argv[0]), d = e->depth - e->ref->depth;

	if (d == want)
		return 1;
	if (d < 0)
		return say(why, n, "you are above the level where the lesson started");
	return say(why, n, "you are %d level%s below the lesson's start, not %d (exit leaves one)",
		   d, d == 1 ? "" : "s", want);
}

static int
p_hostname(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	char h[65] = "";

	gethostname(h, sizeof(h) - 1);
	if (strcmp(h, argv[0]) == 0)
		return 1;
	return say(why, n, "the hostname is '%s', not '%s'", h, argv[0]);
}

static int
p_hostname_unchanged(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	char h[65] = "";

	gethostname(h, sizeof(h) - 1);
	if (strcmp(h, e->ref->hostname) == 0)
		return 1;
	return say(why, n, "the hostname is '%s', not '%s' as when the lesson started", h,
		   e->ref->hostname);
}

static int
p_pid1(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	if (getpid() == 1)
		return 1;
	return say(why, n, "this shell is PID %d of its pid namespace, not 1", (int)getpid());
}

static int
p_proc_own(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	char buf[32];
	ssize_t len = readlink("/proc/self", buf, sizeof(buf) - 1);

	if (len <= 0)
		return say(why, n, "no proc is mounted on /proc here");
	buf[len] = '\0';
	if (atoi(buf) == (int)getpid())
		return 1;
	return say(why, n, "/proc shows another pid namespace (there this shell is %s, here %d): "
		   "mount a new proc", buf, (int)getpid());
}

static int
p_mount(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	struct mnt m;
	int r = mount_here(e, argv[0], &m);

	if (r < 0)
		return say(why, n, "cannot read this level's mounts");
	if (!r)
		return say(why, n, "nothing is mounted on %s here", argv[0]);
	if (argc > 1 && strcmp(m.fstype, argv[1]) != 0)
		return say(why, n, "%s is a %s mount, not %s", argv[0], m.fstype, argv[1]);
	return 1;
}

static int
p_mount_hidden(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	struct mnt_find q = { .path = argv[0] };
	FILE *f;
	int fd;

	if (!p_mount(e, 1, argv, why, n))
		return 0;
	if (e->ref_mountinfo < 0)
		return say(why, n, "the mounts where the lesson started cannot be read");
	fd = dup(e->ref_mountinfo);
	f = fd < 0 ? NULL : fdopen(fd, "re");
	if (!f) {
		if (fd >= 0)
			close(fd);
		return say(why, n, "the mounts where the lesson started cannot be read");
	}
	rewind(f);
	mnt_each(f, mnt_at, &q);
	fclose(f);
	if (q.any)
		return say(why, n, "%s is mounted where the lesson started too: the mount propagated "
			   "(or was made there)", argv[0]);
	return 1;
}

struct under {
	const char *path;
	size_t len;
	char hit[PATH_MAX];
};

static int
mnt_under(const struct mnt *m, void *arg)
{
	struct under *u = arg;

	if (strncmp(m->point, u->path, u->len) == 0 &&
	    (m->point[u->len] == '\0' || m->point[u->len] == '/' || u->path[u->len - 1] == '/')) {
		snprintf(u->hit, sizeof(u->hit), "%s", m->point);
		return 1;
	}
	return 0;
}

static int
p_no_mount_under(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	struct under u = { .path = argv[0], .len = strlen(argv[0]) };
	FILE *f = level_file(e, "mountinfo");

	if (!f)
		return say(why, n, "cannot read this level's mounts");
	mnt_each(f, mnt_under, &u);
	fclose(f);
	if (!u.hit[0])
		return 1;
	return say(why, n, "%s is still mounted", u.hit);
}

static int
p_propagation(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	struct mnt m;
	const char *mode;
	int r = mount_here(e, argv[0], &m);

	if (r <= 0)
		return say(why, n, "nothing is mounted on %s here", argv[0]);
	if (strstr(m.opt, "shared:"))
		mode = strstr(m.opt, "master:") ? "shared and slave" : "shared";
	else if (strstr(m.opt, "master:"))
		mode = "slave";
	else if (strstr(m.opt, "unbindable"))
		mode = "unbindable";
	else
		mode = "private";
	if (strstr(mode, argv[1]))
		return 1;
	return say(why, n, "%s is %s, not %s", argv[0], mode, argv[1]);
}

static int
root_differs(const struct lesson_env *e, char *why, size_t n)
{
	struct stat st;

	if (stat("/", &st) < 0)
		return say(why, n, "cannot stat /");
	if (st.st_dev == e->ref->rootdev && st.st_ino == e->ref->rootino)
		return say(why, n, "/ is the same directory as when the lesson started");
	return 1;
}

static int
p_chrooted(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	return root_differs(e, why, n);
}

/* The classic chroot escape, tried in a child: chroot into a subdirectory
 * while the working directory stays outside it, climb with "..", chroot
 * there. It reaches the start's / only when / is a chroot, not a new root
 * made by pivot_root. Needs CAP_SYS_CHROOT; -1 when it cannot be tried. */
static int
escapes_to_start(const struct lesson_env *e)
{
	pid_t c = fork();
	int st = 0;

	if (c < 0)
		return -1;
	if (c == 0) {
		DIR *d = opendir("/");
		struct dirent *de;
		struct stat s;
		const char *sub = NULL;

		/* any directory under /: nothing is written */
		while (d && (de = readdir(d)))
			if (de->d_type == DT_DIR && strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
				sub = de->d_name;
				break;
			}
		if (!sub || chdir("/") < 0 || chroot(sub) < 0)
			_exit(2);
		for (int i = 0; i < 256; i++)
			if (chdir("..") < 0)
				break;
		if (chroot(".") < 0 || stat("/", &s) < 0)
			_exit(2);
		_exit(s.st_dev == e->ref->rootdev && s.st_ino == e->ref->rootino ? 0 : 1);
	}
	while (waitpid(c, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) < 2 ? WEXITSTATUS(st) == 0 : -1;
}

static int
p_pivoted(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	int r;

	if (!root_differs(e, why, n))
		return 0;
	/* the escape is the proof where it can be tried (CAP_SYS_CHROOT);
	 * else a chroot onto a directory that is no mount point is told by
	 * mountinfo, which then has no "/" line */
	switch (escapes_to_start(e)) {
	case 1:
		return say(why, n, "/ is a chroot: climbing out of it with .. reaches the old root");
	case 0:
		return 1;
	}
	r = mount_here(e, "/", NULL);
	if (r <= 0)
		return say(why, n, "/ is another directory, but not a mount point: a chroot, not pivot_root");
	return 1;
}

static unsigned long
id_arg(const struct lesson_env *e, const char *s, bool gid)
{
	if (strcmp(s, "me") == 0)
		return gid ? e->ref->gid : e->ref->uid;
	return strtoul(s, NULL, 10);
}

static int
p_uid(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	unsigned long want = id_arg(e, argv[0], false);

	if (getuid() == want)
		return 1;
	return say(why, n, "this shell's user id is %u, not %lu", (unsigned)getuid(), want);
}

static int
p_gid(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	unsigned long want = id_arg(e, argv[0], true);

	if (getgid() == want)
		return 1;
	return say(why, n, "this shell's group id is %u, not %lu", (unsigned)getgid(), want);
}

static int
map_has(const struct lesson_env *e, const char *file, char **argv, bool gid, char *why, size_t n)
{
	unsigned long want[3] = { id_arg(e, argv[0], gid), id_arg(e, argv[1], gid), id_arg(e, argv[2], gid) };
	unsigned long a, b, c;
	FILE *f = level_file(e, file);
	bool any = false, hit = false;

	if (!f)
		return say(why, n, "cannot read %s", file);
	while (!hit && fscanf(f, "%lu %lu %lu", &a, &b, &c) == 3) {
		any = true;
		hit = a == want[0] && b == want[1] && c == want[2];
	}
	fclose(f);
	if (hit)
		return 1;
	if (!any)
		return say(why, n, "%s is empty: nothing is mapped yet", file);
	return say(why, n, "%s has no line '%lu %lu %lu'", file, want[0], want[1], want[2]);
}

static int
p_uid_map(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	return map_has(e, "uid_map", argv, false, why, n);
}

static int
p_gid_map(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	return map_has(e, "gid_map", argv, true, why, n);
}

static int
cap_value(const char *name)
{
	char buf[64];
	cap_value_t v;

	snprintf(buf, sizeof(buf), "%s%s", strncmp(name, "cap_", 4) ? "cap_" : "", name);
	return cap_from_name(buf, &v) == 0 ? (int)v : -1;
}

static int
p_cap(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	cap_t c = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;

	if (c) {
		cap_get_flag(c, (cap_value_t)cap_value(argv[0]), CAP_EFFECTIVE, &v);
		cap_free(c);
	}
	if (v == CAP_SET)
		return 1;
	return say(why, n, "this shell does not have CAP_%s", argv[0]);
}

static int
sysvipc_count(const struct lesson_env *e, const char *file)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	int k = -1, fd;
	FILE *f;

	/* /proc/sysvipc shows the IPC namespace of the process reading it */
	snprintf(path, sizeof(path), "sysvipc/%s", file);
	fd = openat(e->procfd, path, O_RDONLY | O_CLOEXEC);
	f = fd < 0 ? NULL : fdopen(fd, "re");
	if (!f)
		return -1;
	while (getline(&line, &cap, f) >= 0)
		k++;
	free(line);
	fclose(f);
	return k;
}

static int
p_msgq(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	if (sysvipc_count(e, "msg") > 0)
		return 1;
	return say(why, n, "this IPC namespace has no message queue");
}

static int
p_shm(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	if (sysvipc_count(e, "shm") > 0)
		return 1;
	return say(why, n, "this IPC namespace has no shared memory segment");
}

/* Interfaces and addresses of this level's network namespace. getifaddrs
 * asks the kernel over rtnetlink (RTM_GETLINK, RTM_GETADDR dumps) in the
 * calling process's namespace, which is the level's. */
static int
links_count(char *names, size_t n)
{
	struct ifaddrs *ifa, *i;
	int k = 0;
	size_t len = 0;

	if (getifaddrs(&ifa) < 0)
		return -1;
	names[0] = '\0';
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_PACKET) {
			k++;
			if (len + strlen(i->ifa_name) + 2 < n)
				len += (size_t)snprintf(names + len, n - len, "%s%s", len ? " " : "", i->ifa_name);
		}
	freeifaddrs(ifa);
	return k;
}

static int
p_links(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	char names[256];
	int k = links_count(names, sizeof(names));

	if (k == atoi(argv[0]))
		return 1;
	return say(why, n, "this network namespace has %d interface%s (%s), not %s", k, k == 1 ? "" : "s",
		   names, argv[0]);
}

static int
link_flags(const char *name)
{
	unsigned idx = if_nametoindex(name);
	struct ifaddrs *ifa, *i;
	int flags = -1;

	if (!idx || getifaddrs(&ifa) < 0)
		return -1;
	for (i = ifa; i; i = i->ifa_next)
		if (strcmp(i->ifa_name, name) == 0)
			flags = (int)i->ifa_flags;
	freeifaddrs(ifa);
	return flags;
}

static int
p_link(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	if (if_nametoindex(argv[0]))
		return 1;
	return say(why, n, "there is no interface %s in this network namespace", argv[0]);
}

static int
p_link_up(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	int fl = link_flags(argv[0]);

	if (fl < 0)
		return say(why, n, "there is no interface %s in this network namespace", argv[0]);
	if (fl & IFF_UP)
		return 1;
	return say(why, n, "%s is down", argv[0]);
}

static int
p_addr(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	struct ifaddrs *ifa, *i;
	char want[64], have[80];
	int hit = 0;

	snprintf(want, sizeof(want), "%s", argv[0]);
	if (getifaddrs(&ifa) < 0)
		return say(why, n, "cannot list addresses");
	for (i = ifa; i && !hit; i = i->ifa_next) {
		int fam = i->ifa_addr ? i->ifa_addr->sa_family : 0, bits = 0;
		char a[INET6_ADDRSTRLEN];
		const unsigned char *m;
		size_t mlen;

		if (fam != AF_INET && fam != AF_INET6)
			continue;
		if (fam == AF_INET) {
			inet_ntop(fam, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, a, sizeof(a));
			m = (const unsigned char *)&((struct sockaddr_in *)i->ifa_netmask)->sin_addr;
			mlen = 4;
		} else {
			inet_ntop(fam, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, a, sizeof(a));
			m = (const unsigned char *)&((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr;
			mlen = 16;
		}
		for (size_t b = 0; i->ifa_netmask && b < mlen; b++)
			bits += __builtin_popcount(m[b]);
		snprintf(have, sizeof(have), "%s/%d", a, bits);
		hit = strcmp(have, want) == 0;
	}
	freeifaddrs(ifa);
	if (hit)
		return 1;
	return say(why, n, "no interface here has the address %s", want);
}

/* `route default` or `route 10.0.0.0/24`: an RTM_GETROUTE dump of this
 * level's network namespace */
static int
p_route(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	struct net_cidr c;
	struct nsx_err err;
	bool dflt = strcmp(argv[0], "default") == 0;
	int r;

	if (!dflt && net_parse_cidr(argv[0], &c, &err) < 0)
		return say(why, n, "%s", err.msg);
	r = net_route_find(dflt ? NULL : &c, &err);
	if (r < 0)
		return say(why, n, "%s", err.msg);
	if (r)
		return 1;
	return say(why, n, "this network namespace has no %s route", argv[0]);
}

static int
p_icmp_replies(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	FILE *f = level_file(e, "net/snmp");
	char head[1024], vals[1024];
	long got = -1;

	if (!f)
		return say(why, n, "cannot read net/snmp");
	/* "Icmp: InMsgs InErrors ..." then "Icmp: 3 0 ..." */
	while (fgets(head, sizeof(head), f) && fgets(vals, sizeof(vals), f)) {
		char *hs = NULL, *vs = NULL, *h, *v;

		if (strncmp(head, "Icmp:", 5) != 0)
			continue;
		h = strtok_r(head, " \n", &hs);
		v = strtok_r(vals, " \n", &vs);
		while ((h = strtok_r(NULL, " \n", &hs)) && (v = strtok_r(NULL, " \n", &vs)))
			if (strcmp(h, "InEchoReps") == 0)
				got = atol(v);
		break;
	}
	fclose(f);
	if (got > 0)
		return 1;
	return say(why, n, "no ping reply has arrived in this network namespace yet");
}

/* Each line of /proc/PID/cgroup: "ID:CONTROLLERS:PATH". */
static int
p_cgroup_root(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	FILE *f = level_file(e, "cgroup");
	char line[512];
	int bad = 0;

	if (!f)
		return say(why, n, "cannot read /proc/self/cgroup");
	while (!bad && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');

		p = p ? strchr(p + 1, ':') : NULL;
		if (p && strcmp(p + 1, "/\n") != 0) {
			line[strcspn(line, "\n")] = '\0';
			bad = 1;
		}
	}
	fclose(f);
	if (!bad)
		return 1;
	return say(why, n, "/proc/self/cgroup shows '%s': the cgroup namespace's root is elsewhere", line);
}

/* The level's file for a controller, where the cgroup module finds the
 * level's cgroup (as run and doctor do): the controller's v1 hierarchy,
 * else cgroup v2, through the level's own mounts. */
static int
cgroup_file(const struct lesson_env *e, const char *ctl, const char *v2file, const char *v1file,
	    char *path, size_t n)
{
	struct cg_where *w = xmalloc(sizeof(*w));
	const char *dir;
	int rc = -1;

	if (cg_where_proc(e->procfd, e->pid, w, NULL) == 0 && (dir = cg_where_ctl(w, ctl)) &&
	    snprintf(path, n, "%s/%s", dir, cg_where_v1(w, ctl) ? v1file : v2file) < (int)n)
		rc = access(path, R_OK);
	free(w);
	return rc;
}

static int
p_cgroup_limit(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	bool mem = strcmp(argv[0], "memory") == 0;
	char path[PATH_MAX], buf[64] = "";
	long long want, have;
	struct nsx_err err;
	FILE *f;

	if (mem ? cg_parse_memory(argv[1], &want, &err) < 0 : cg_parse_pids(argv[1], &want, &err) < 0)
		return say(why, n, "%s", err.msg);
	if (cgroup_file(e, argv[0], mem ? "memory.max" : "pids.max",
			mem ? "memory.limit_in_bytes" : "pids.max", path, sizeof(path)) < 0)
		return say(why, n, "this shell's %s cgroup cannot be read here", argv[0]);
	f = fopen(path, "re");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return say(why, n, "cannot read %s", path);
	}
	fclose(f);
	have = strncmp(buf, "max", 3) == 0 ? -1 : atoll(buf);
	if (have == want)
		return 1;
	buf[strcspn(buf, "\n")] = '\0';
	return say(why, n, "%s says %s, not %lld", path, buf, want);
}

static int
p_time_offset(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	FILE *f = level_file(e, "timens_offsets");
	char clock[32];
	long long sec, nsec, want = atoll(argv[1]), have = 0;

	if (!f)
		return say(why, n, "cannot read timens_offsets (a kernel without time namespaces?)");
	while (fscanf(f, "%31s %lld %lld", clock, &sec, &nsec) == 3)
		if (strcmp(clock, argv[0]) == 0)
			have = sec;
	fclose(f);
	if (have == want)
		return 1;
	return say(why, n, "the %s offset of this time namespace is %lld s, not %lld", argv[0], have, want);
}

static int
p_exists(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	struct stat st;

	if (lstat(argv[0], &st) == 0)
		return 1;
	return say(why, n, "%s: %s", argv[0], strerror(errno));
}

static int
p_dir(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	struct stat st;

	if (stat(argv[0], &st) == 0 && S_ISDIR(st.st_mode))
		return 1;
	return say(why, n, "%s is not a directory", argv[0]);
}

static int
p_symlink(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	char buf[PATH_MAX];
	ssize_t len = readlink(argv[0], buf, sizeof(buf) - 1);

	if (len < 0)
		return say(why, n, "%s is not a symlink", argv[0]);
	buf[len] = '\0';
	if (strcmp(buf, argv[1]) == 0)
		return 1;
	return say(why, n, "%s points to %s, not %s", argv[0], buf, argv[1]);
}

static int
p_chardev(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	struct stat st;

	if (stat(argv[0], &st) < 0)
		return say(why, n, "%s: %s", argv[0], strerror(errno));
	if (S_ISCHR(st.st_mode) && major(st.st_rdev) == (unsigned)atoi(argv[1]) &&
	    minor(st.st_rdev) == (unsigned)atoi(argv[2]))
		return 1;
	if (!S_ISCHR(st.st_mode))
		return say(why, n, "%s is not a character device", argv[0]);
	return say(why, n, "%s is device %u:%u, not %s:%s", argv[0], major(st.st_rdev),
		   minor(st.st_rdev), argv[1], argv[2]);
}

/* An ELF file with no PT_INTERP program header: the kernel runs it
 * without ld.so, so it needs no library in the rootfs. */
static int
p_static_elf(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	unsigned char id[EI_NIDENT];
	int interp = -1;

	if (fd < 0)
		return say(why, n, "%s: %s", argv[0], strerror(errno));
	if (pread(fd, id, sizeof(id), 0) == (ssize_t)sizeof(id) && memcmp(id, ELFMAG, SELFMAG) == 0) {
		if (id[EI_CLASS] == ELFCLASS64) {
			Elf64_Ehdr h;
			Elf64_Phdr ph;

			if (pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h)) {
				interp = 0;
				for (int i = 0; i < h.e_phnum && i < 256; i++)
					if (pread(fd, &ph, sizeof(ph), (off_t)(h.e_phoff + (Elf64_Off)i * h.e_phentsize)) ==
					    (ssize_t)sizeof(ph) && ph.p_type == PT_INTERP)
						interp = 1;
			}
		} else if (id[EI_CLASS] == ELFCLASS32) {
			Elf32_Ehdr h;
			Elf32_Phdr ph;

			if (pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h)) {
				interp = 0;
				for (int i = 0; i < h.e_phnum && i < 256; i++)
					if (pread(fd, &ph, sizeof(ph), (off_t)(h.e_phoff + (Elf32_Off)i * h.e_phentsize)) ==
					    (ssize_t)sizeof(ph) && ph.p_type == PT_INTERP)
						interp = 1;
			}
		}
	}
	close(fd);
	if (interp == 0)
		return 1;
	if (interp < 0)
		return say(why, n, "%s is not an ELF program", argv[0]);
	return say(why, n, "%s is linked dynamically (it needs ld.so and its libraries)", argv[0]);
}

static char *
file_text(const char *path, size_t max)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t len;

	if (!f)
		return NULL;
	buf = xmalloc(max + 1);
	len = fread(buf, 1, max, f);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static int
p_contains(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	char *t = file_text(argv[0], 1 << 16);
	int r;

	if (!t)
		return say(why, n, "%s: %s", argv[0], strerror(errno));
	r = strstr(t, argv[1]) != NULL;
	free(t);
	return r ? 1 : say(why, n, "%s does not contain '%s'", argv[0], argv[1]);
}

static int
p_pinned(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	int want = nstype_from_name(argv[0]), type, hit = 0;
	FILE *f = level_file(e, "mountinfo");
	char *line = NULL, path[PATH_MAX];
	unsigned long ino;
	size_t cap = 0;

	if (!f)
		return say(why, n, "cannot read this level's mounts");
	/* with a PATH, that mount: docker's and `ip netns` pins elsewhere
	 * on the machine are not the student's */
	while (!hit && getline(&line, &cap, f) >= 0)
		hit = mountinfo_nsfs(line, &type, &ino, path, sizeof(path)) == 1 && type == want &&
		      ino != e->ref->ns[want] && (argc < 2 || strcmp(path, argv[1]) == 0);
	free(line);
	fclose(f);
	if (hit)
		return 1;
	if (argc > 1)
		return say(why, n, "no %s namespace is bind-mounted on %s here", argv[0], argv[1]);
	return say(why, n, "no %s namespace is kept by a bind mount here (see 'pin')", argv[0]);
}

static int
p_mystery_ns(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	if (!e->mystery || !mystery_alive(e->mystery))
		return say(why, n, "the mystery process is not running ('lesson' starts it again)");
	return types_cmp(e, argc, argv, e->mystery->ns, true, "the mystery process's", why, n);
}

static int
p_mystery_secret(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	char *t;
	int r;

	if (!e->mystery)
		return say(why, n, "this lesson has no mystery process");
	t = file_text(argv[0], 256);
	if (!t)
		return say(why, n, "%s: %s", argv[0], strerror(errno));
	t[strcspn(t, "\n")] = '\0';
	r = strcmp(t, e->mystery->secret) == 0;
	free(t);
	return r ? 1 : say(why, n, "%s does not hold the mystery's secret", argv[0]);
}

/* A level in an nsx container's namespaces, entered --unconfined: its
 * /bin/sh is the container's program, and it would run with all the
 * privileges of the student (root, for an instructor). Not run, rather
 * than run confined: the level holds nothing of the container's
 * confinement (its cgroup, for one, is reachable only from outside its
 * mount namespace), and what it would find out from inside, the
 * container may forge. In a confined level a check is confined already:
 * it is a child of the level, and inherits all of it. */
const char *
lesson_no_programs(const struct lesson_env *e, char *buf, size_t n)
{
	/* The same as root in another user's namespaces (a student's): the
	 * host's root keeps its uid there, and their /bin/sh would run with
	 * it, owner of every file root owns. */
	if (!e->unconfined_ctr && e->entered) {
		snprintf(buf, n, "not run: %s, whose programs would run as root; lesson checks run "
			 "where nsx started", e->entered);
		return buf;
	}
	if (!e->unconfined_ctr)
		return NULL;
	snprintf(buf, n, "not run: this level is in container '%s' unconfined (enter --unconfined), where "
		 "its programs would run with all your privileges; enter it without --unconfined",
		 e->unconfined_ctr);
	return buf;
}

static int
p_sh(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	pid_t c;
	int st;

	fflush(NULL);
	c = fork();
	if (c < 0)
		return say(why, n, "fork: %s", strerror(errno));
	if (c == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		sigset_t none;

		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		/* as any program the shell runs: fds 0-2 only (not the
		 * results pipe of verify), default signals */
		sys_close_range(3, ~0U);
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execl("/bin/sh", "sh", "-c", argv[0], (char *)NULL);
		_exit(127);
	}
	st = 0;
	while (waitpid(c, &st, 0) < 0)
		if (errno != EINTR)
			return say(why, n, "waitpid: %s", strerror(errno));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 1;
	return say(why, n, "'%s' is not true here", argv[0]);
}

static const struct pred preds[] = {
	{ "ns-new", "t+", p_ns_new, "TYPE...", "this level's namespace of each TYPE differs from the start's" },
	{ "ns-same", "t+", p_ns_same, "TYPE...", "this level's namespace of each TYPE is the start's" },
	{ "depth", "n", p_depth, "N", "the student is N levels below the start" },
	{ "hostname", "s", p_hostname, "NAME", "the hostname is NAME" },
	{ "hostname-unchanged", "", p_hostname_unchanged, "", "the hostname is the start's" },
	{ "pid1", "", p_pid1, "", "this level is PID 1 of its pid namespace" },
	{ "proc-own", "", p_proc_own, "", "/proc shows this level's pid namespace" },
	{ "mount", "ps?", p_mount, "PATH [FSTYPE]", "something (of FSTYPE) is mounted on PATH" },
	{ "mount-hidden", "p", p_mount_hidden, "PATH", "mounted on PATH here, not at the start" },
	{ "no-mount-under", "p", p_no_mount_under, "PATH", "nothing is mounted on PATH or below" },
	{ "propagation", "pm", p_propagation, "PATH MODE", "the mount on PATH is shared, private, slave or unbindable" },
	{ "chrooted", "", p_chrooted, "", "/ is another directory than at the start" },
	{ "pivoted", "", p_pivoted, "", "/ is a new root made by pivot_root, not a chroot" },
	{ "uid", "i", p_uid, "N|me", "the level's user id" },
	{ "gid", "i", p_gid, "N|me", "the level's group id" },
	{ "uid-map", "iii", p_uid_map, "INNER OUTER COUNT", "uid_map has this line" },
	{ "gid-map", "iii", p_gid_map, "INNER OUTER COUNT", "gid_map has this line" },
	{ "cap", "a", p_cap, "NAME", "the level has capability NAME (effective)" },
	{ "msgq", "", p_msgq, "", "the IPC namespace has a message queue" },
	{ "shm", "", p_shm, "", "the IPC namespace has a shared memory segment" },
	{ "links", "n", p_links, "N", "the network namespace has N interfaces" },
	{ "link", "s", p_link, "NAME", "it has interface NAME" },
	{ "link-up", "s", p_link_up, "NAME", "interface NAME is up" },
	{ "addr", "s", p_addr, "ADDR/PREFIX", "an interface has this address" },
	{ "route", "r", p_route, "default|NET/PREFIX", "an IPv4 route to NET/PREFIX (or the default route)" },
	{ "icmp-replies", "", p_icmp_replies, "", "ping replies have arrived in this network namespace" },
	{ "cgroup-root", "", p_cgroup_root, "", "/proc/self/cgroup shows / (own cgroup namespace)" },
	{ "cgroup-limit", "cv", p_cgroup_limit, "memory|pids VALUE", "the level's cgroup has this limit" },
	{ "time-offset", "kn", p_time_offset, "monotonic|boottime SECONDS", "the time namespace has this offset" },
	{ "exists", "p", p_exists, "PATH", "PATH exists" },
	{ "dir", "p", p_dir, "PATH", "PATH is a directory" },
	{ "symlink", "ps", p_symlink, "PATH TARGET", "PATH is a symlink to TARGET" },
	{ "chardev", "pnn", p_chardev, "PATH MAJOR MINOR", "PATH is that character device" },
	{ "static-elf", "p", p_static_elf, "PATH", "PATH is a statically linked ELF program" },
	{ "contains", "ps", p_contains, "PATH TEXT", "the file PATH contains TEXT" },
	{ "pinned", "tp?", p_pinned, "TYPE [PATH]", "a namespace of TYPE other than the start's is bind-mounted (on PATH)" },
	{ "mystery-ns", "t+", p_mystery_ns, "TYPE...", "this level is in the mystery process's namespaces" },
	{ "mystery-secret", "p", p_mystery_secret, "PATH", "PATH holds the mystery process's secret" },
	{ "sh", "*", p_sh, "TEXT", "/bin/sh -c TEXT exits 0 in this level" },
};
#define NPREDS (int)(sizeof(preds) / sizeof(preds[0]))

const struct lesson_pred_info *
lesson_pred(int i)
{
	static struct lesson_pred_info info;

	if (i < 0 || i >= NPREDS)
		return NULL;
	info = (struct lesson_pred_info){ preds[i].name, preds[i].argnames, preds[i].help };
	return &info;
}

/* ---- parsing ---- */

/* Words of a term, with '...' and "..." quoting. */
static int
term_words(const char *s, char ***argv, int *argc, char *msg, size_t len)
{
	*argv = NULL;
	*argc = 0;
	for (;;) {
		char *w = xmalloc(strlen(s) + 1);
		size_t k = 0;

		s += strspn(s, " \t");
		if (!*s) {
			free(w);
			return 0;
		}
		while (*s && *s != ' ' && *s != '\t') {
			if (*s == '\'' || *s == '"') {
				char q = *s++;

				while (*s && *s != q)
					w[k++] = *s++;
				if (!*s) {
					free(w);
					for (int i = 0; i < *argc; i++)
						free((*argv)[i]);
					free(*argv);
					*argv = NULL;
					*argc = 0;
					snprintf(msg, len, "unterminated %c quote", q);
					return -1;
				}
				s++;
			} else
				w[k++] = *s++;
		}
		w[k] = '\0';
		*argv = xreallocarray(*argv, (size_t)*argc + 2, sizeof(char *));
		(*argv)[(*argc)++] = w;
		(*argv)[*argc] = NULL;
	}
}

static bool
is_int(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static int
arg_ok(char kind, const char *a, const char *pred, char *msg, size_t len)
{
	switch (kind) {
	case 't':
		if (nstype_from_name(a) < 0)
			return snprintf(msg, len, "%s: '%s' is not a namespace type (%s)", pred, a, nstype_names()), -1;
		return 0;
	case 'n':
		if (!is_int(a))
			return snprintf(msg, len, "%s: '%s' is not a number", pred, a), -1;
		return 0;
	case 'i':
		if (strcmp(a, "me") && (!is_int(a) || *a == '-'))
			return snprintf(msg, len, "%s: '%s' is not an id (a number or me)", pred, a), -1;
		return 0;
	case 'm':
		if (strcmp(a, "shared") && strcmp(a, "private") && strcmp(a, "slave") && strcmp(a, "unbindable"))
			return snprintf(msg, len, "%s: '%s' is not shared, private, slave or unbindable", pred, a), -1;
		return 0;
	case 'c':
		if (strcmp(a, "memory") && strcmp(a, "pids"))
			return snprintf(msg, len, "%s: '%s' is not memory or pids", pred, a), -1;
		return 0;
	case 'k':
		if (strcmp(a, "monotonic") && strcmp(a, "boottime"))
			return snprintf(msg, len, "%s: '%s' is not monotonic or boottime", pred, a), -1;
		return 0;
	case 'a':
		if (cap_value(a) < 0)
			return snprintf(msg, len, "%s: '%s' is not a capability (sys_admin, net_admin, ...)", pred, a), -1;
		return 0;
	case 'r': {
		struct net_cidr c;
		struct nsx_err e;

		if (strcmp(a, "default") && net_parse_cidr(a, &c, &e) < 0)
			return snprintf(msg, len, "route: %s", e.msg), -1;
		return 0;
	}
	case 'p':
		if (!*a)
			return snprintf(msg, len, "%s: an empty path", pred), -1;
		return 0;
	default:
		return 0;
	}
}

static int
term_parse(const char *text, struct lesson_term *t, char *msg, size_t len)
{
	char **w;
	int n, p;
	const char *spec;

	memset(t, 0, sizeof(*t));
	text += strspn(text, " \t");
	if (*text == '!') {
		t->neg = true;
		text++;
		text += strspn(text, " \t");
	}
	if (strncmp(text, "sh ", 3) == 0 || strncmp(text, "sh\t", 3) == 0) {
		for (p = 0; strcmp(preds[p].name, "sh"); p++)
			;
		t->pred = p;
		t->argc = 1;
		t->argv = xcalloc(2, sizeof(char *));
		t->argv[0] = xstrdup(text + 3 + strspn(text + 3, " \t"));
		if (!*t->argv[0])
			return snprintf(msg, len, "sh: needs a shell command"), -1;
		return 0;
	}
	if (term_words(text, &w, &n, msg, len) < 0)
		return -1;
	t->argv = w;
	t->argc = n;
	if (!n)
		return snprintf(msg, len, "an empty term (two '&&' in a row?)"), -1;
	for (p = 0; p < NPREDS && strcmp(preds[p].name, w[0]); p++)
		;
	if (p == NPREDS)
		return snprintf(msg, len, "unknown check '%s' (see lessons/README.md for the list)", w[0]), -1;
	t->pred = p;
	/* the predicate's own arguments follow its name */
	free(w[0]);
	memmove(w, w + 1, (size_t)n * sizeof(char *));
	t->argc = n - 1;
	spec = preds[p].args;
	size_t sl = strlen(spec);
	bool more = sl && spec[sl - 1] == '+', opt = sl && spec[sl - 1] == '?';
	int min = more ? (int)sl - 1 : opt ? (int)sl - 2 : (int)sl;
	int max = more ? 64 : opt ? (int)sl - 1 : (int)sl;

	if (t->argc < min || t->argc > max)
		return snprintf(msg, len, "%s takes %s%s", preds[p].name,
				*preds[p].argnames ? preds[p].argnames : "no arguments",
				t->argc < min ? " (an argument is missing)" : " (too many arguments)"), -1;
	for (int i = 0; i < t->argc; i++) {
		char kind = more && i >= (int)sl - 2 ? spec[sl - 2] : spec[i];

		if (arg_ok(kind, t->argv[i], preds[p].name, msg, len) < 0)
			return -1;
	}
	return 0;
}

void
lesson_terms_free(struct lesson_term *t, int n)
{
	for (int i = 0; i < n; i++) {
		for (int j = 0; t[i].argv && t[i].argv[j]; j++)
			free(t[i].argv[j]);
		free(t[i].argv);
	}
	free(t);
}

/* The next "&&" that is not inside '...' or "...". */
static const char *
and_outside_quotes(const char *s)
{
	char q = 0;

	for (; *s; s++) {
		if (q) {
			if (*s == q)
				q = 0;
		} else if (*s == '\'' || *s == '"')
			q = *s;
		else if (s[0] == '&' && s[1] == '&')
			return s;
	}
	return NULL;
}

int
lesson_check_parse(const char *text, struct lesson_term **terms, int *n, char *msg, size_t len)
{
	const char *s = text;

	*terms = NULL;
	*n = 0;
	for (;;) {
		const char *amp = and_outside_quotes(s);
		char *part = amp ? xstrndup(s, (size_t)(amp - s)) : xstrdup(s);
		struct lesson_term t;
		int r = term_parse(part, &t, msg, len);

		free(part);
		*terms = xreallocarray(*terms, (size_t)*n + 1, sizeof(**terms));
		(*terms)[(*n)++] = t;
		if (r < 0) {
			lesson_terms_free(*terms, *n);
			*terms = NULL;
			*n = 0;
			return -1;
		}
		if (!amp)
			return 0;
		s = amp + 2;
	}
}

/* ---- evaluating ---- */

/* $NAME in an argument, from the environment */
static char *
expand(const char *a)
{
	size_t cap = strlen(a) + 1, len = 0;
	char *out = xmalloc(cap);

	for (const char *p = a; *p;) {
		const char *v = NULL;
		size_t skip = 1;

		if (p[0] == '$' && (isalpha((unsigned char)p[1]) || p[1] == '_')) {
			size_t k = 1;
			char name[64];

			while (isalnum((unsigned char)p[k]) || p[k] == '_')
				k++;
			snprintf(name, sizeof(name), "%.*s", (int)(k - 1), p + 1);
			v = getenv(name);
			skip = k;
			if (!v)
				v = "";
		}
		size_t add = v ? strlen(v) : 1;

		if (len + add + 1 > cap) {
			cap = 2 * (len + add + 1);
			out = xrealloc(out, cap);
		}
		if (v)
			memcpy(out + len, v, add);
		else
			out[len] = *p;
		len += add;
		p += skip;
	}
	out[len] = '\0';
	return out;
}

int
lesson_check(const struct lesson_step *s, const struct lesson_env *e, char *why, size_t n)
{
	for (int i = 0; i < s->nterms; i++) {
		const struct lesson_term *t = &s->terms[i];
		char **argv;
		int r;

		/* not run is no result, negated or not: the check fails */
		if (preds[t->pred].fn == p_sh && lesson_no_programs(e, why, n))
			return 0;
		argv = xcalloc((size_t)t->argc + 1, sizeof(char *));
		for (int j = 0; j < t->argc; j++)
			argv[j] = preds[t->pred].fn == p_sh ? xstrdup(t->argv[j]) : expand(t->argv[j]);
		why[0] = '\0';
		r = preds[t->pred].fn(e, t->argc, argv, why, n);
		for (int j = 0; j < t->argc; j++)
			free(argv[j]);
		free(argv);
		if (t->neg && r) {
			snprintf(why, n, "it must not be so: %s %s", preds[t->pred].name,
				 t->argc ? t->argv[0] : "");
			return 0;
		}
		if (!t->neg && !r)
			return 0;
	}
	return 1;
}

int
lesson_ref_capture(struct lesson_ref *r, int procfd, pid_t pid, int depth, long session,
		   struct nsx_err *err)
{
	struct stat st;

	memset(r, 0, sizeof(*r));
	r->session = session;
	r->depth = depth;
	r->pid = pid;
	r->uid = getuid();
	r->gid = getgid();
	if (stat("/", &st) == 0) {
		r->rootdev = st.st_dev;
		r->rootino = st.st_ino;
	}
	gethostname(r->hostname, sizeof(r->hostname) - 1);
	return proc_ns_inodes(procfd, pid, r->ns, err);
}
