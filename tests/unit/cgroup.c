/* cgroup.c: the option parsers, finding nsx's own cgroup in made-up
 * /proc/self/cgroup + mountinfo texts, where on v2 a container's cgroup
 * goes for made-up cgroup.procs and UIDs, and as root, in the real hierarchy:
 * limits written, a process moved in, killed and removed, EEXIST, the
 * sweep, and the memory and pids limits actually enforced. Every cgroup
 * made here is named nsx-t<PID>... and removed, every child killed and
 * reaped, whatever the assertions say. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "cgroup/cgroup.h"
#include "util/xalloc.h"

/* a cleared error for each call, so a message shown is that call's */
#define E (memset(&err, 0, sizeof(err)), &err)

#define MiB (1024LL * 1024)

/* ---- parsers ---- */

static void
t_parse_memory(void)
{
	static const struct { const char *s; long long want; } good[] = {
		{ "1048576", 1048576 }, { "512k", 512 * 1024 }, { "64m", 64 * MiB },
		{ "64M", 64 * MiB }, { "1G", 1024 * MiB }, { "1g", 1024 * MiB },
		{ "2t", 2 * 1024 * 1024 * MiB }, { "64mb", 64 * MiB }, { "1GiB", 1024 * MiB },
		{ "100b", 100 },
	};
	static const char *const bad[] = {
		"abc", "-1", "1x", "", " 1", "+1", "1.5g", "m", "64 m", "1kk", "1mbb", "0x10",
	};
	struct nsx_err err;
	long long v;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		v = -7;
		is_int(parse_memory(good[i].s, &v, E), 0, "--memory %s parses", good[i].s);
		is_int(v, good[i].want, "--memory %s is %lld bytes", good[i].s, good[i].want);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		v = -7;
		memset(&err, 0, sizeof(err));
		is_int(parse_memory(bad[i], &v, E), -1, "--memory '%s' refused", bad[i]);
		is_int(v, -7, "--memory '%s' leaves the value alone", bad[i]);
		ok(strstr(err.msg, "--memory") && strstr(err.msg, bad[i]),
		   "the message names --memory and '%s': %s", bad[i], err.msg);
	}
	is_int(parse_memory("abc", &v, E), -1, "abc");
	is_str(err.msg, "--memory abc: not a size (use e.g. 64m, 1G)", "the message for abc");
	parse_memory("0", &v, E);
	ok(strstr(err.msg, "more than 0") != NULL, "0: %s", err.msg);
	is_int(parse_memory("8589934592g", &v, E), -1, "2^33 GiB overflows");
	ok(strstr(err.msg, "too large") != NULL, "overflow: %s", err.msg);
	is_int(parse_memory("99999999999999999999999", &v, E), -1, "ERANGE refused");
}

static void
t_parse_pids(void)
{
	struct nsx_err err;
	long long n = -7;

	is_int(parse_pids("64", &n, E), 0, "--pids 64");
	is_int(n, 64, "64 processes");
	is_int(parse_pids("4194304", &n, E), 0, "--pids 4194304 (PID_MAX_LIMIT)");
	static const char *const bad[] = { "0", "-1", "abc", "", "1x", "4194305", "1.5", " 3" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		n = -7;
		is_int(parse_pids(bad[i], &n, E), -1, "--pids '%s' refused", bad[i]);
		ok(n == -7 && strstr(err.msg, "--pids") && strstr(err.msg, bad[i]),
		   "named in the message: %s", err.msg);
	}
}

static void
t_parse_cpus(void)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	struct nsx_err err;
	long long m = -7;
	char s[32];

	is_int(parse_cpus("0.5", &m, E), 0, "--cpus 0.5");
	is_int(m, 500, "0.5 CPU = 500 milli");
	is_int(parse_cpus(".25", &m, E), 0, "--cpus .25");
	is_int(m, 250, ".25 CPU");
	is_int(parse_cpus("0.01", &m, E), 0, "--cpus 0.01, the smallest");
	is_int(m, 10, "10 milli");
	is_int(parse_cpus("1", &m, E), 0, "--cpus 1");
	is_int(m, 1000, "1000 milli");
	snprintf(s, sizeof(s), "%ld", online);
	is_int(parse_cpus(s, &m, E), 0, "--cpus %s (every online CPU)", s);
	is_int(m, online * 1000, "all of them");
	snprintf(s, sizeof(s), "%ld.001", online);
	is_int(parse_cpus(s, &m, E), -1, "--cpus %s: more than there are", s);
	ok(strstr(err.msg, "online") != NULL, "%s", err.msg);
	static const char *const bad[] = {
		"0", "0.009", "-1", "abc", "", ".", "1.2345", "1e3", "1,5", "99999999999999",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		m = -7;
		is_int(parse_cpus(bad[i], &m, E), -1, "--cpus '%s' refused", bad[i]);
		ok(m == -7 && strstr(err.msg, "--cpus") && strstr(err.msg, bad[i]),
		   "named in the message: %s", err.msg);
	}
	struct cg_limits none = CG_UNLIMITED, one = CG_UNLIMITED;
	one.pids = 3;
	ok(!cg_limited(&none) && cg_limited(&one), "cg_limited");
}

/* ---- finding nsx's own cgroup in made-up /proc texts ---- */

static int
where(const char *cg, const char *mi, struct cg_where *w)
{
	FILE *a = fmemopen((void *)cg, strlen(cg), "r");
	FILE *b = fmemopen((void *)mi, strlen(mi), "r");
	int n = cg_where_parse(a, b, w);

	fclose(a);
	fclose(b);
	return n;
}

static void
where_fixtures(void)
{
	static struct cg_where w;	/* 70 KB: not on the stack */
	const char *d;

	/* this machine's kind: hybrid, memory in a sub-cgroup, cpu and cpuacct apart */
	is_int(where("9:name=systemd:/\n8:pids:/\n4:memory:/process_api/d83f\n1:cpu:/\n0::/\n",
		     "30 22 0:27 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
		     "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
		     "32 30 0:29 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n"
		     "34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
		     "38 30 0:35 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
		     "39 30 0:36 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
		     "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n", &w),
	       5, "hybrid: v2 and 4 v1 hierarchies");
	is_str(w.v2, "/sys/fs/cgroup/unified", "hybrid: v2 at the root of the unified mount");
	is_str(w.v2top, "/sys/fs/cgroup/unified", "hybrid: the top is the unified mount");
	is_str(cg_where_v1(&w, "memory"), "/sys/fs/cgroup/memory/process_api/d83f",
	       "hybrid: the memory cgroup joined to its mount point");
	is_str(cg_where_v1(&w, "pids"), "/sys/fs/cgroup/pids", "hybrid: pids at its root");
	is_str(cg_where_v1(&w, "cpu"), "/sys/fs/cgroup/cpu", "hybrid: cpu");
	ok(cg_where_v1(&w, "cpuacct") == NULL, "cpuacct is in no line of /proc/self/cgroup");
	ok(cg_where_v1(&w, "systemd") == NULL, "name=systemd is not a controller called systemd");

	/* pure v2 under systemd, a login session */
	is_int(where("0::/user.slice/user-1000.slice/session-2.scope\n",
		     "25 1 0:22 / /sys rw - sysfs sysfs rw\n"
		     "26 25 0:23 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 "
		     "rw,nsdelegate,memory_recursiveprot\n", &w), 1, "pure v2");
	is_str(w.v2, "/sys/fs/cgroup/user.slice/user-1000.slice/session-2.scope", "pure v2 dir");
	is_str(w.v2top, "/sys/fs/cgroup", "pure v2: the top is the mount point");
	is_int(w.nv1, 0, "no v1");

	/* nsx's own leaf stands for its parent, so leaves do not nest */
	where("0::/user.slice/x.scope/nsx.leaf\n",
	      "26 25 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", &w);
	is_str(w.v2, "/sys/fs/cgroup/user.slice/x.scope", "OWN/nsx.leaf counts as OWN");
	is_str(w.v2top, "/sys/fs/cgroup", "and the top is the mount point");

	/* a container: cgroup namespace root and a bind-mounted subtree */
	where("0::/\n", "900 800 0:23 / /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n", &w);
	is_str(w.v2, "/sys/fs/cgroup", "cgroup namespace: / is the mount point");
	is_str(w.v2top, "/sys/fs/cgroup", "and the top: OWN is the top");
	where("0::/docker/abc/sub\n",
	      "900 800 0:23 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", &w);
	is_str(w.v2, "/sys/fs/cgroup/sub", "mount root /docker/abc: the rest is joined");
	is_str(w.v2top, "", "a mount of a subtree shows no top");
	is_int(where("0::/docker/abcd\n",
		     "900 800 0:23 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", &w),
	       0, "a mount of /docker/abc does not hold /docker/abcd");
	/* the second mount holds it */
	where("0::/a/b\n",
	      "1 0 0:23 /x /mnt/x rw - cgroup2 cgroup2 rw\n"
	      "2 0 0:23 / /mnt/all\\040cg rw - cgroup2 cgroup2 rw\n", &w);
	is_str(w.v2, "/mnt/all cg/a/b", "the mount that holds it, \\040 unescaped");
	is_str(w.v2top, "/mnt/all cg", "its top, from the same mount");

	/* the 0:: line without a cgroup2 mount: no v2 */
	is_int(where("3:pids:/x\n0::/x\n", "38 30 0:35 / /cg/pids rw - cgroup cgroup rw,pids\n",
		     &w), 1, "pure v1 with the 0:: line");
	is_str(w.v2, "", "no cgroup2 mount: no v2");
	is_str(w.v2top, "", "and no top");
	is_str(cg_where_v1(&w, "pids"), "/cg/pids/x", "v1 pids");

	/* co-mounted controllers share a dir; cpuset is not cpu */
	where("5:cpuset:/s\n4:cpu,cpuacct:/c\n",
	      "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw shared:9 master:3 - cgroup cgroup "
	      "rw,cpu,cpuacct\n"
	      "33 30 0:30 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n", &w);
	d = cg_where_v1(&w, "cpu");
	is_str(d, "/sys/fs/cgroup/cpu,cpuacct/c", "cpu in cpu,cpuacct (optional fields too)");
	ok(d && d == cg_where_v1(&w, "cpuacct"), "cpuacct: the same dir");
	is_str(cg_where_v1(&w, "cpuset"), "/sys/fs/cgroup/cpuset/s", "cpuset apart");

	/* outside our cgroup namespace, malformed lines */
	is_int(where("0::/../../x\n4:memory:/a/..\nnonsense\n7:pids\n",
		     "40 30 0:37 / /cg rw - cgroup2 cgroup2 rw\n"
		     "41 30 0:38 / /m rw - cgroup cgroup rw,memory\n"
		     "42 30 0:39 / /p rw - cgroup cgroup rw,pids\n"
		     "43 30 0:40 / /q rw - cgroup\n", &w), 0,
	       "paths with .. and malformed lines are not used");
}

/* cg_mode and cg_text_path, the answers doctor and the viewer take */
static void
mode_and_path(void)
{
	static const char v2[] = "0::/user.slice/a.scope\n";
	static const char hyb[] = "12:pids:/user.slice\n1:name=systemd:/user.slice/s.scope\n0::/user.slice/s.scope\n";
	static const char v2mi[] = "30 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n";
	static const char hybmi[] = "25 1 0:22 / /sys/fs/cgroup ro - tmpfs tmpfs ro\n"
		"26 25 0:23 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
		"27 25 0:24 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n"
		"28 25 0:25 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n";
	static const char namemi[] = "27 25 0:24 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n";
	struct cg_where *w = malloc(sizeof(*w));
	char buf[128];

	where(v2, v2mi, w);
	is_int(cg_mode(w), CG_MODE_V2, "cgroup2 alone: v2");
	is_str(w->v2mnt, "/sys/fs/cgroup", "... mounted at /sys/fs/cgroup");
	is_str(w->v2path, "/user.slice/a.scope", "... the path /proc/PID/cgroup says");
	where(hyb, hybmi, w);
	is_int(cg_mode(w), CG_MODE_HYBRID, "cgroup2 and v1 pids: hybrid");
	is_str(w->v2mnt, "/sys/fs/cgroup/unified", "... cgroup2 at .../unified");
	where(hyb, namemi, w);
	is_int(cg_mode(w), CG_MODE_NONE, "name=systemd alone holds no controller: none");
	where(hyb, "", w);
	is_int(cg_mode(w), CG_MODE_NONE, "nothing mounted: none");
	free(w);

	ok(cg_text_path(hyb, buf, sizeof(buf)) && strcmp(buf, "/user.slice/s.scope") == 0,
	   "cg_text_path: the v2 line's path, wherever it is (%s)", buf);
	ok(cg_text_path("12:pids:/a\n4:memory:/b\n", buf, sizeof(buf)) && strcmp(buf, "/a") == 0,
	   "... else the first line's (%s)", buf);
	ok(cg_text_path("0::/../../user.slice\n", buf, sizeof(buf)) && strcmp(buf, "/../../user.slice") == 0,
	   "... as written, outside the reader's namespace too (%s)", buf);
	ok(!cg_text_path("garbage\n", buf, sizeof(buf)) && !cg_text_path("", buf, sizeof(buf)),
	   "... none in a text without ID:CTLS:PATH lines");
}

/* ---- where on v2, for made-up cgroup.procs and UIDs ---- */

static const char *const place_name[] = { "OWN", "LEAF", "TOP", "PARENT", "SCOPE", "REFUSE" };

static void
place(void)
{
	static const struct {
		const char *what;
		bool busy;
		pid_t procs[4];
		size_t n;
		uid_t euid;
		bool up;	/* OWN's parent is the user's */
		enum cg_place want;
		bool sd;	/* the user's systemd answers */
	} c[] = {
		{ "controllers enabled in OWN, root", false, { 100, 200 }, 2, 0, false, CG_IN_OWN, false },
		{ "controllers enabled in OWN, a user", false, { 100, 200 }, 2, 1000, true, CG_IN_OWN, false },
		{ "not read when not busy", false, { 0 }, 0, 1000, false, CG_IN_OWN, false },
		{ "nsx alone, root", true, { 100 }, 1, 0, false, CG_IN_LEAF, false },
		{ "nsx alone, a user (delegated scope)", true, { 100 }, 1, 1000, true, CG_IN_LEAF, false },
		{ "nobody listed (they left meanwhile)", true, { 0 }, 0, 1000, false, CG_IN_LEAF, false },
		{ "nsx and the shell, root (a login session)", true, { 42, 100 }, 2, 0, false,
		  CG_IN_TOP, false },
		{ "nsx and the shell, root, parent root's", true, { 42, 100 }, 2, 0, true, CG_IN_TOP, false },
		{ "nsx and the shell, a user, parent not theirs", true, { 42, 100 }, 2, 1000, false,
		  CG_REFUSE, false },
		{ "nsx and the shell, a user, parent theirs (Delegate=yes)", true, { 42, 100 }, 2,
		  1000, true, CG_IN_PARENT, false },
		{ "the shell only (nsx in the leaf), root", true, { 42 }, 1, 0, false, CG_IN_TOP, false },
		{ "the shell only (nsx in the leaf), a user", true, { 42 }, 1, 1000, false, CG_REFUSE, false },
		{ "the shell only (nsx in the leaf), a user, parent theirs", true, { 42 }, 1, 1000,
		  true, CG_IN_PARENT, false },
		{ "nsx and one our PID namespace cannot see, root", true, { 100, 0 }, 2, 0, false,
		  CG_IN_TOP, false },
		{ "nsx and one our PID namespace cannot see, a user", true, { 0, 100 }, 2, 1000,
		  false, CG_REFUSE, false },
		{ "nsx and one our PID namespace cannot see, a user, parent theirs", true, { 0, 100 },
		  2, 1000, true, CG_IN_PARENT, false },
		{ "nsx and the shell, a user, systemd answers (a login's session scope)", true,
		  { 42, 100 }, 2, 1000, false, CG_IN_SCOPE, true },
		{ "nsx and the shell, a user, parent theirs, systemd answers (a terminal's scope)",
		  true, { 42, 100 }, 2, 1000, true, CG_IN_SCOPE, true },
		{ "nsx and the shell, root, systemd answers: root's own subtree", true, { 42, 100 },
		  2, 0, false, CG_IN_TOP, true },
		{ "nsx alone, a user, systemd answers: no scope needed", true, { 100 }, 1, 1000,
		  false, CG_IN_LEAF, true },
		{ "controllers enabled in OWN, a user, systemd answers: no scope needed", false,
		  { 100, 200 }, 2, 1000, false, CG_IN_OWN, true },
	};

	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		enum cg_place got = cg_v2_place(c[i].busy, c[i].procs, c[i].n, 100, c[i].euid,
						c[i].up, c[i].sd);

		ok(got == c[i].want, "%s%s: %s (got %s)", c[i].busy ? "EBUSY, " : "", c[i].what,
		   place_name[c[i].want], place_name[got]);
	}
}

/* ---- the real hierarchy (root) ---- */

static char tag[32];	/* t<PID>: in every name made here */

static int
slurp(const char *dir, const char *file, char *buf, size_t n)
{
	char path[PATH_MAX + 64];
	ssize_t got;
	int fd;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	got = read(fd, buf, n - 1);
	close(fd);
	buf[got > 0 ? got : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return got < 0 ? -1 : 0;
}

static bool
has_file(const char *dir, const char *file)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

static bool
procs_has(const char *dir, pid_t pid)
{
	char path[PATH_MAX + 64];
	bool found = false;
	FILE *f;
	int p;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (!(f = fopen(path, "re")))
		return false;
	while (!found && fscanf(f, "%d", &p) == 1)
		found = p == pid;
	fclose(f);
	return found;
}

/* A child that dies with us, waits for a byte on go (or its EOF), runs fn,
 * and exits with what it returns. */
static pid_t
child(int (*fn)(int arg, int out), int arg, int *go, int *out)
{
	int g[2], o[2];
	pid_t pid;

	if (pipe2(g, O_CLOEXEC) < 0 || pipe2(o, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	if ((pid = fork()) == 0) {
		char c;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(g[1]);
		close(o[0]);
		if (read(g[0], &c, 1) < 0)
			_exit(99);
		_exit(fn(arg, o[1]));	/* _exit: no LeakSanitizer in the children */
	}
	close(g[0]);
	close(o[1]);
	*go = g[1];
	*out = o[0];
	return pid;
}

static void
go(int fd)
{
	if (write(fd, "g", 1) != 1)
		ok(0, "could not start the child");
}

/* Kill (if still there) and reap a child; its wait status. */
static int
reap(pid_t pid, int *go, int *out)
{
	int st = -1;

	if (pid > 0) {
		kill(pid, SIGKILL);	/* only our own child, by its PID */
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (*go >= 0)
		close(*go);
	if (*out >= 0)
		close(*out);
	*go = *out = -1;
	return st;
}

static int
sleeper(int arg, int out)
{
	pause();
	return 0;
}

static bool
is_cgroupfs(const char *dir)
{
	struct statfs sf;

	return statfs(dir, &sf) == 0 &&
	       (sf.f_type == 0x63677270 /* v2 */ || sf.f_type == 0x27e0eb /* v1 */);
}

static int
dir_of(const struct nsx_cgroup *cg, unsigned ctl)
{
	for (int i = 0; i < cg->ndirs; i++)
		if (cg->ctl[i] & ctl)
			return i;
	return -1;
}

static void
check_file(const struct nsx_cgroup *cg, unsigned ctl, const char *file, const char *want)
{
	int i = dir_of(cg, ctl);
	char buf[128];

	if (!ok(i >= 0, "a dir for %s", file))
		return;
	slurp(cg->dir[i], file, buf, sizeof(buf));
	is_str(buf, want, "%s/%s", cg->dir[i], file);
}

static void
check_limits(const struct nsx_cgroup *cg)
{
	int m = dir_of(cg, CG_CTL_MEMORY);

	if (cg->v2) {
		check_file(cg, CG_CTL_MEMORY, "memory.max", "33554432");
		if (m >= 0 && has_file(cg->dir[m], "memory.swap.max"))
			check_file(cg, CG_CTL_MEMORY, "memory.swap.max", "0");
		check_file(cg, CG_CTL_PIDS, "pids.max", "5");
		check_file(cg, CG_CTL_CPU, "cpu.max", "50000 100000");
	} else {
		check_file(cg, CG_CTL_MEMORY, "memory.limit_in_bytes", "33554432");
		if (m >= 0 && has_file(cg->dir[m], "memory.memsw.limit_in_bytes"))
			check_file(cg, CG_CTL_MEMORY, "memory.memsw.limit_in_bytes", "33554432");
		check_file(cg, CG_CTL_PIDS, "pids.max", "5");
		check_file(cg, CG_CTL_CPU, "cpu.cfs_period_us", "100000");
		check_file(cg, CG_CTL_CPU, "cpu.cfs_quota_us", "50000");
	}
	is_int(cg_read_memory(cg), 32 * MiB, "cg_read_memory: 32 MiB");
}

/* Each dir is nsx-NAME in the right hierarchy, right under nsx's own cgroup. */
static void
check_place(const struct nsx_cgroup *cg, const char *name)
{
	static struct cg_where w;
	char want[80], parent[PATH_MAX];

	cg_where_self(&w, NULL);
	snprintf(want, sizeof(want), "nsx-%s", name);
	for (int i = 0; i < cg->ndirs; i++) {
		const char *own = cg->v2 ? w.v2 : cg_where_v1(&w, cg->ctl[i] & CG_CTL_MEMORY ?
			"memory" : cg->ctl[i] & CG_CTL_PIDS ? "pids" : "cpu");

		snprintf(parent, sizeof(parent), "%s", cg->dir[i]);
		is_str(strrchr(cg->dir[i], '/') + 1, want, "dir %d is named %s", i, want);
		is_str(dirname(parent), own, "dir %d is under nsx's own cgroup", i);
		ok(is_cgroupfs(cg->dir[i]), "%s is on a cgroup file system", cg->dir[i]);
	}
}

static void
gone(const struct nsx_cgroup *cg, char saved[][PATH_MAX], int n, const char *what)
{
	for (int i = 0; i < n; i++)
		ok(access(saved[i], F_OK) < 0 && errno == ENOENT, "%s: %s removed", what, saved[i]);
	is_int(cg->ndirs, 0, "%s: ndirs is 0", what);
}

static void
limits_and_lifecycle(void)
{
	struct cg_limits lim = { 32 * MiB, 5, 500 };
	struct nsx_cgroup cg, dup;
	char name[64], saved[CG_MAXDIRS][PATH_MAX], procfile[64], line[PATH_MAX + 32];
	char sub[PATH_MAX + 8];
	struct nsx_err err = { 0 };
	int g = -1, o = -1, g2 = -1, o2 = -1, st, n;
	pid_t pid, pid2 = -1;
	FILE *f;

	snprintf(name, sizeof(name), "%sa", tag);
	if (!ok(cg_create(&cg, name, &lim, E) == 0, "cg_create %s with limits: %s", name,
		err.msg))
		return;
	printf("# %s: %s, %d dir(s), first %s\n", name, cg.v2 ? "v2" : "v1", cg.ndirs, cg.dir[0]);
	n = cg.ndirs;
	memcpy(saved, cg.dir, sizeof(saved));
	check_place(&cg, name);
	check_limits(&cg);

	is_int(cg_create(&dup, name, &lim, E), -1, "the same name again fails");
	is_int(err.errnum, EEXIST, "with EEXIST");
	ok(strstr(err.msg, "cgroup nsx-") && strstr(err.msg, "already exists (a container of "
	   "that name is running, or a stale one"), "%s", err.msg);
	is_int(dup.ndirs, 0, "and made nothing");
	ok(access(cg.dir[0], F_OK) == 0, "the first one is still there");

	pid = child(sleeper, 0, &g, &o);
	is_int(cg_attach(&cg, pid, E), 0, "cg_attach a sleeping child: %s", err.msg);
	for (int i = 0; i < cg.ndirs; i++)
		ok(procs_has(cg.dir[i], pid), "its PID is in %s/cgroup.procs", cg.dir[i]);
	snprintf(procfile, sizeof(procfile), "/proc/%d/cgroup", (int)pid);
	if ((f = fopen(procfile, "re"))) {
		int hits = 0;

		while (fgets(line, sizeof(line), f))
			hits += strstr(line, name) != NULL;
		fclose(f);
		is_int(hits, cg.ndirs, "its /proc/PID/cgroup names nsx-%s in each hierarchy", name);
	}
	/* a sub-cgroup with a process, as a container may make: both must go */
	snprintf(sub, sizeof(sub), "%s/sub", cg.dir[0]);
	ok(mkdir(sub, 0755) == 0, "a sub-cgroup %s", sub);
	pid2 = child(sleeper, 0, &g2, &o2);
	snprintf(line, sizeof(line), "%s/cgroup.procs", sub);
	f = fopen(line, "we");
	ok(f && fprintf(f, "%d", (int)pid2) > 0 && fclose(f) == 0, "a second child in the sub-cgroup");

	is_int(cg_destroy(&cg, E), 0, "cg_destroy: %s", err.msg);
	st = reap(pid, &g, &o);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the child was killed by SIGKILL");
	st = reap(pid2, &g2, &o2);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the sub-cgroup's child too");
	ok(access(sub, F_OK) < 0, "the sub-cgroup is gone");
	gone(&cg, saved, n, "cg_destroy");
	is_int(cg_destroy(&cg, E), 0, "cg_destroy again is fine");
	/* whatever failed above: nothing of ours stays */
	cg.ndirs = n;
	memcpy(cg.dir, saved, sizeof(saved));
	cg_destroy(&cg, NULL);
}

/* cg_attach when a concurrent sweep removed the still empty dir */
static void
attach_remakes(void)
{
	struct cg_limits lim = { -1, 7, -1 };
	struct nsx_err err = { 0 };
	struct nsx_cgroup cg;
	char name[64], buf[32];
	int g = -1, o = -1, st;
	pid_t pid;

	snprintf(name, sizeof(name), "%sr", tag);
	if (!ok(cg_create(&cg, name, &lim, E) == 0, "cg_create %s pids=7: %s", name, err.msg))
		return;
	for (int i = 0; i < cg.ndirs; i++)
		rmdir(cg.dir[i]);
	ok(access(cg.dir[0], F_OK) < 0, "its dir removed behind its back");
	pid = child(sleeper, 0, &g, &o);
	is_int(cg_attach(&cg, pid, E), 0, "cg_attach makes it again: %s", err.msg);
	ok(procs_has(cg.dir[0], pid), "the child is in it");
	slurp(cg.dir[dir_of(&cg, CG_CTL_PIDS) < 0 ? 0 : dir_of(&cg, CG_CTL_PIDS)], "pids.max",
	      buf, sizeof(buf));
	is_str(buf, "7", "with its limit");
	is_int(cg_destroy(&cg, E), 0, "cg_destroy: %s", err.msg);
	st = reap(pid, &g, &o);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "killed");
	cg_destroy(&cg, NULL);
}

/* No limits: v2 when mounted (here the unified hierarchy of a hybrid
 * system), whose cgroup.kill (5.14) cg_destroy uses. */
/* cg_plan makes no nsx-NAME (its dirs can be recorded first), cg_make
 * does; a cg_make that fails removes what it made */
static void
plan_make(void)
{
	struct cg_limits lim = { 32 << 20, 9, -1 };
	struct nsx_err err = { 0 };
	struct nsx_cgroup cg, dup;
	char name[64];

	snprintf(name, sizeof(name), "%sp", tag);
	int rc = cg_plan(&cg, name, &lim, E);

	if (!ok(rc == 0 && cg.ndirs > 0, "cg_plan %s: %d dir(s): %s", name, cg.ndirs, err.msg))
		return;
	ok(access(cg.dir[0], F_OK) < 0, "planned, not made: %s", cg.dir[0]);
	is_int(cg_make(&cg, E), 0, "cg_make: %s", err.msg);
	for (int i = 0; i < cg.ndirs; i++)
		ok(access(cg.dir[i], F_OK) == 0, "made: %s", cg.dir[i]);
	dup = cg;
	if (cg.ndirs > 1)
		rmdir(dup.dir[0]);	/* the first is made again, the second exists */
	memset(&err, 0, sizeof(err));
	is_int(cg_make(&dup, E), -1, "cg_make where one exists fails: %s", err.msg);
	if (cg.ndirs > 1)
		ok(access(dup.dir[0], F_OK) < 0, "and removes the one it made");
	is_int(cg_destroy(&cg, E), 0, "cg_destroy: %s", err.msg);
}

static void
no_limits(void)
{
	struct cg_limits lim = CG_UNLIMITED;
	static struct cg_where w;
	struct nsx_err err = { 0 };
	struct nsx_cgroup cg;
	char name[64], saved[PATH_MAX];
	int g = -1, o = -1, st;
	pid_t pid;

	cg_where_self(&w, NULL);
	snprintf(name, sizeof(name), "%sn", tag);
	if (!ok(cg_create(&cg, name, &lim, E) == 0, "cg_create %s without limits: %s", name,
		err.msg))
		return;
	is_int(cg.ndirs, 1, "one dir");
	is_int(cg.v2, w.v2[0] != '\0', "v2 exactly when a cgroup2 mount holds our cgroup");
	printf("# %s: %s (cgroup.kill %s)\n", cg.dir[0], cg.v2 ? "v2" : "v1",
	       has_file(cg.dir[0], "cgroup.kill") ? "present" : "absent");
	is_int(cg_read_memory(&cg), -1, "no memory limit");
	snprintf(saved, sizeof(saved), "%s", cg.dir[0]);
	pid = child(sleeper, 0, &g, &o);
	is_int(cg_attach(&cg, pid, E), 0, "cg_attach: %s", err.msg);
	ok(procs_has(cg.dir[0], pid), "the child is in %s", cg.dir[0]);
	is_int(cg_destroy(&cg, E), 0, "cg_destroy: %s", err.msg);
	st = reap(pid, &g, &o);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "killed");
	ok(access(saved, F_OK) < 0, "removed");
	cg.ndirs = 1;
	cg_destroy(&cg, NULL);
}

static void
refuses_foreign(void)
{
	struct nsx_err err = { 0 };
	struct nsx_cgroup cg = { .ndirs = 1 };
	static struct cg_where w;
	char dir[64];

	/* a state record pointing at nsx's own cgroup (or /tmp) must kill nothing */
	cg_where_self(&w, NULL);
	snprintf(cg.dir[0], PATH_MAX, "%s", w.v2[0] ? w.v2 : w.v1[0].dir);
	is_int(cg_destroy(&cg, E), -1, "cg_destroy refuses %s", cg.dir[0]);
	ok(strstr(err.msg, "not an nsx cgroup") != NULL, "%s", err.msg);
	snprintf(dir, sizeof(dir), "/tmp/nsx-%s", tag);
	if (mkdir(dir, 0700) == 0) {
		snprintf(cg.dir[0], PATH_MAX, "%s", dir);
		is_int(cg_destroy(&cg, E), -1, "and an nsx-* dir outside cgroupfs");
		ok(access(dir, F_OK) == 0, "which stays");
		rmdir(dir);
	}
}

/* A stale empty nsx-* (with an empty sub-cgroup) goes; one whose only
 * process is in a sub-cgroup stays. */
/* cg_sweep's keep: only the dir named by data */
static bool
keep_one(const char *dir, void *data)
{
	return strcmp(dir, data) == 0;
}

static void
sweep_in(const char *own)
{
	char kept[PATH_MAX + 64], other[PATH_MAX + 64];
	char stale[PATH_MAX + 64], stalesub[PATH_MAX + 80], busy[PATH_MAX + 64];
	char busysub[PATH_MAX + 80], pidtext[24];
	int g = -1, o = -1, n;
	pid_t pid;
	FILE *f;

	snprintf(stale, sizeof(stale), "%s/nsx-%ss", own, tag);
	snprintf(stalesub, sizeof(stalesub), "%s/x", stale);
	snprintf(busy, sizeof(busy), "%s/nsx-%sb", own, tag);
	snprintf(busysub, sizeof(busysub), "%s/x", busy);
	ok(mkdir(stale, 0755) == 0 && mkdir(stalesub, 0755) == 0, "stale %s", stale);
	ok(mkdir(busy, 0755) == 0 && mkdir(busysub, 0755) == 0, "busy %s", busy);
	pid = child(sleeper, 0, &g, &o);
	snprintf(pidtext, sizeof(pidtext), "%d", (int)pid);
	strcat(busysub, "/cgroup.procs");
	f = fopen(busysub, "we");
	ok(f && fputs(pidtext, f) >= 0 && fclose(f) == 0, "a process in its sub-cgroup");
	busysub[strlen(busysub) - strlen("/cgroup.procs")] = '\0';

	snprintf(kept, sizeof(kept), "%s/nsx-%sk", own, tag);
	snprintf(other, sizeof(other), "%s/nsx-%so", own, tag);
	ok(mkdir(kept, 0755) == 0, "stale but kept by the caller: %s", kept);
	/* another owner's: root gives it away, a user's own is not another's */
	if (mkdir(other, 0755) < 0 || (geteuid() == 0 && chown(other, 65534, 65534) < 0))
		ok(0, "another owner's %s", other);

	n = cg_sweep(keep_one, kept);
	ok(n >= 1, "cg_sweep removed %d nsx-* dirs (at least the stale one)", n);
	ok(access(stale, F_OK) < 0, "the stale one is gone");
	ok(access(busysub, F_OK) == 0 && procs_has(busysub, pid), "the busy one stays, populated");
	ok(access(kept, F_OK) == 0, "the one keep() claims stays");
	if (geteuid() == 0)
		ok(access(other, F_OK) == 0, "another owner's empty one stays");
	rmdir(kept);
	rmdir(other);

	reap(pid, &g, &o);
	rmdir(stalesub);
	rmdir(stale);
	for (int i = 0; i < 200 && rmdir(busysub) < 0 && errno == EBUSY; i++)
		usleep(10000);
	rmdir(busy);
	ok(access(busy, F_OK) < 0, "cleaned up");
}

static void
sweep(void)
{
	static struct cg_where w;

	cg_where_self(&w, NULL);
	if (w.v2[0])
		sweep_in(w.v2);
	if (cg_where_v1(&w, "pids"))
		sweep_in(cg_where_v1(&w, "pids"));
}

static int
hog(int mib, int out)
{
	size_t len = (size_t)mib * MiB;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 2;
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;	/* touched: charged to the cgroup */
	return 0;
}

static void
memory_enforced(void)
{
	struct cg_limits lim = { 32 * MiB, -1, -1 };
	struct nsx_err err = { 0 };
	struct nsx_cgroup cg;
	char name[64];
	int g = -1, o = -1, st;
	pid_t pid;

	snprintf(name, sizeof(name), "%sm", tag);
	if (!ok(cg_create(&cg, name, &lim, E) == 0, "cg_create %s memory=32m: %s", name,
		err.msg))
		return;
	pid = child(hog, 256, &g, &o);
	is_int(cg_attach(&cg, pid, E), 0, "cg_attach: %s", err.msg);
	go(g);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	   "touching 256 MiB in 32 MiB: OOM-killed (status %#x)", st);
	reap(-1, &g, &o);
	is_int(cg_destroy(&cg, E), 0, "cg_destroy: %s", err.msg);
}

/* Fork until it fails; report how many worked and the errno. The
 * children pause until cg_destroy kills them. */
static int
forker(int arg, int out)
{
	int res[2] = { 0, 0 };

	for (int i = 0; i < 10; i++) {
		pid_t p = fork();

		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0) {
			res[1] = errno;
			break;
		}
		res[0]++;
	}
	if (write(out, res, sizeof(res)) != sizeof(res))
		return 3;
	pause();
	return 0;
}

static void
pids_enforced(void)
{
	struct cg_limits lim = { -1, 5, -1 };
	struct nsx_err err = { 0 };
	struct nsx_cgroup cg;
	char name[64];
	int g = -1, o = -1, res[2] = { -1, -1 }, st;
	pid_t pid;

	snprintf(name, sizeof(name), "%sp", tag);
	if (!ok(cg_create(&cg, name, &lim, E) == 0, "cg_create %s pids=5: %s", name, err.msg))
		return;
	pid = child(forker, 0, &g, &o);
	is_int(cg_attach(&cg, pid, E), 0, "cg_attach: %s", err.msg);
	go(g);
	ok(read(o, res, sizeof(res)) == sizeof(res), "the child reports");
	is_int(res[0], 4, "4 forks work (5 processes with the child)");
	is_int(res[1], EAGAIN, "the 5th fails with EAGAIN");
	is_int(cg_destroy(&cg, E), 0, "cg_destroy kills all 5: %s", err.msg);
	st = reap(pid, &g, &o);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the child was killed");
	cg_destroy(&cg, NULL);
}

/* Not root and not delegated: EACCES, with what to do, and nothing made. */
static int
as_nobody(int limited, int out)
{
	struct cg_limits lim = { -1, limited ? 5 : -1, -1 };
	struct nsx_err err = { 0 };
	struct nsx_cgroup cg;
	char name[64];

	snprintf(name, sizeof(name), "%su", tag);
	if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
		return 2;
	if (cg_create(&cg, name, &lim, &err) == 0) {
		cg_destroy(&cg, NULL);
		err.errnum = 0;
	}
	if (write(out, &err, sizeof(err)) != (ssize_t)sizeof(err))
		return 3;
	/* what cg_usable says (doctor) against what cg_create says (run) */
	memset(&err, 0, sizeof(err));
	if (cg_create(&cg, "NAME", &lim, &err) == 0)
		cg_destroy(&cg, NULL);
	if (write(out, &err, sizeof(err)) != (ssize_t)sizeof(err))
		return 3;
	memset(&err, 0, sizeof(err));
	cg_usable(limited ? CG_CTL_PIDS : 0, name, sizeof(name), &err);
	return write(out, &err, sizeof(err)) == (ssize_t)sizeof(err) ? 0 : 3;
}

static void
rootless(void)
{
	struct nsx_err err, create, usable;
	int g = -1, o = -1;

	for (int limited = 1; limited >= 0; limited--) {
		pid_t pid = child(as_nobody, limited, &g, &o);

		go(g);
		memset(&err, 0, sizeof(err));
		memset(&create, 0, sizeof(create));
		memset(&usable, 0, sizeof(usable));
		ok(read(o, &err, sizeof(err)) == (ssize_t)sizeof(err) &&
		   read(o, &create, sizeof(create)) == (ssize_t)sizeof(create) &&
		   read(o, &usable, sizeof(usable)) == (ssize_t)sizeof(usable), "uid 65534 reports");
		reap(pid, &g, &o);
		is_str(usable.msg, create.msg, "uid 65534, %s: cg_usable says what cg_create does",
		       limited ? "pids=5" : "no limits");
		is_int(err.errnum, EACCES, "uid 65534, %s: EACCES", limited ? "pids=5" : "no limits");
		ok(strstr(err.msg, "Permission denied; cgroup limits need a cgroup delegated to "
			  "you (cgroup v2 with Delegate=yes: systemd-run --user --scope -p "
			  "Delegate=yes nsx ...)") ||
		   strstr(err.msg, "Permission denied; cgroup v1 is never delegated to a user: "
			  "limits need root"), "%s", err.msg);
	}
}

static void
root_tests(void)
{
	static struct cg_where w;

	if (geteuid() != 0) {
		skip("cgroup: needs root");
		return;
	}
	if (cg_where_self(&w, NULL) < 0) {
		skip("cgroup: needs a mounted cgroup file system");
		return;
	}
	/* the grandchildren of pids_enforced come back to us to be reaped */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	limits_and_lifecycle();
	attach_remakes();
	no_limits();
	plan_make();
	refuses_foreign();
	rootless();
	sweep();
	memory_enforced();
	pids_enforced();
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int
main(void)
{
	snprintf(tag, sizeof(tag), "t%d", (int)getpid());
	t_parse_memory();
	t_parse_pids();
	t_parse_cpus();
	where_fixtures();
	mode_and_path();
	place();
	root_tests();
	return done_testing();
}
