/* The /proc scanner on the fixture trees of tests/fixtures (see its README),
 * and the per-process facts read on demand. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "fixture.h"
#include "model/model.h"

/* init namespaces of the fixtures */
#define I_CGROUP 4026531835ul
#define I_IPC	4026531839ul
#define I_MNT	4026531841ul
#define I_NET	4026531840ul
#define I_PID	4026531836ul
#define I_TIME	4026531834ul
#define I_USER	4026531837ul
#define I_UTS	4026531838ul


static int
scan(struct nsx_model *m, const char *root, unsigned types, unsigned want, int nthreads)
{
	struct nsx_err err = { 0 };

	if (model_open(m, root, &err) < 0) {
		printf("# model_open %s: %s\n", root, err.msg);
		return -1;
	}
	m->nthreads = nthreads;
	if (model_scan(m, types, want, &err) < 0) {
		printf("# model_scan %s: %s\n", root, err.msg);
		model_close(m);
		return -1;
	}
	return 0;
}

static int
nholders(const struct nsx_ns *ns)
{
	int n = 0;

	for (const struct nsx_holder *h = ns->holders; h; h = h->next)
		n++;
	return n;
}

static size_t
total_holders(const struct nsx_model *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nns; i++)
		n += (size_t)nholders(m->nsv[i]);
	return n;
}

/* One namespace: type, member count and lowest member. */
static const struct nsx_ns *
ns_is(const struct nsx_model *m, unsigned long ino, int type, unsigned nprocs, pid_t rep,
      const char *what)
{
	const struct nsx_ns *ns = model_ns(m, ino);

	if (!ok(ns != NULL, "%s: %lu found", what, ino)) {
		skip("(no namespace to look at)");
		return NULL;
	}
	if (type >= 0)
		is_int(ns->type, type, "%s: type %s", what, nstype_table[type].name);
	is_int(ns->nprocs, nprocs, "%s: %u process%s", what, nprocs, nprocs == 1 ? "" : "es");
	is_int(ns->rep, rep, "%s: lowest pid %d", what, (int)rep);
	return ns;
}

static void
held_is(const struct nsx_model *m, const struct nsx_ns *ns, const char *want, const char *what)
{
	char *s;

	if (!ns)
		return;
	s = model_ns_held(m, ns);
	is_str(s, want, "%s: held by '%s'", what, want);
	free(s);
}

/* ---- proc-basic: memberships only ---- */

static void
basic_all(int nthreads)
{
	static const struct { unsigned long ino; int type; unsigned n; } init[] = {
		{ I_CGROUP, NSX_CGROUP, 4 }, { I_IPC, NSX_IPC, 4 }, { I_MNT, NSX_MNT, 4 },
		{ I_NET, NSX_NET, 2 }, { I_PID, NSX_PID, 4 }, { I_TIME, NSX_TIME, 6 },
		{ I_USER, NSX_USER, 4 }, { I_UTS, NSX_UTS, 3 },
	};
	static const struct { unsigned long ino; int type; } box[] = {
		{ 4026532400ul, NSX_USER }, { 4026532401ul, NSX_MNT },
		{ 4026532402ul, NSX_UTS }, { 4026532403ul, NSX_IPC },
		{ 4026532404ul, NSX_PID }, { 4026532405ul, NSX_NET },
		{ 4026532406ul, NSX_CGROUP },
	};
	static const pid_t pids[] = { 1, 2, 42, 300, 1000, 4200 };
	char *root = fixture("proc-basic");
	struct nsx_model m;
	char what[64];

	printf("# proc-basic, all types, %d thread(s)\n", nthreads);
	if (scan(&m, root, NSX_ALLTYPES, 0, nthreads) < 0) {
		ok(0, "scan proc-basic");
		free(root);
		return;
	}
	is_int(m.nprocs, 6, "six processes read");
	for (size_t i = 0; i < m.nprocs && i < 6; i++)
		is_int(m.procs[i].pid, pids[i], "procs[%zu] is %d: sorted by number", i, (int)pids[i]);
	is_int(m.vanished, 1, "pid 77 without ns/ counts as vanished");
	is_int(m.unreadable, 0, "nothing unreadable");
	ok(model_proc(&m, 77) == NULL, "the vanished pid is not in the table");
	ok(model_proc(&m, 3) == NULL, "a pid never listed is not either");
	is_int(m.nns, 17, "8 init + 2 + 7 container namespaces");
	is_int(total_holders(&m), 0, "no holders without SCAN_*");
	for (size_t i = 0; i < sizeof(init) / sizeof(init[0]); i++) {
		snprintf(what, sizeof(what), "init %s", nstype_table[init[i].type].name);
		ns_is(&m, init[i].ino, init[i].type, init[i].n, 1, what);
	}
	/* 300 and 1000: "1000" sorts before "300" as text, and a fixture
	 * directory lists in any order: the rep must be the lowest number */
	ns_is(&m, 4026532288ul, NSX_NET, 2, 300, "net of 300 and 1000");
	ns_is(&m, 4026532289ul, NSX_UTS, 1, 1000, "uts of 1000 alone");
	for (size_t i = 0; i < sizeof(box) / sizeof(box[0]); i++) {
		snprintf(what, sizeof(what), "container %s", nstype_table[box[i].type].name);
		ns_is(&m, box[i].ino, box[i].type, 2, 42, what);
	}
	{
		const struct nsx_ns *ns = model_ns(&m, I_TIME);

		if (ns)
			is_int(ns->ntasks, 6, "without SCAN_THREADS a process is one task");
		held_is(&m, ns, "6 processes", "init time");
		held_is(&m, model_ns(&m, 4026532289ul), "1 process", "uts of 1000");
	}
	{
		const struct nsx_proc *p = model_proc(&m, 1000);

		if (ok(p != NULL, "pid 1000 in the table")) {
			is_int(p->ns[NSX_NET], 4026532288ul, "1000: net");
			is_int(p->ns[NSX_UTS], 4026532289ul, "1000: uts");
			is_int(p->ns[NSX_MNT], I_MNT, "1000: init mnt");
			is_int(p->ppid, -1, "1000: ppid not read yet");
			is_int(p->pid_children, 0, "1000: pid_for_children not read without SCAN_CHILDREN");
		}
	}
	model_sort(&m);
	{
		int sorted = 1;

		for (size_t i = 1; i < m.nns; i++)
			if (m.nsv[i - 1]->ino >= m.nsv[i]->ino)
				sorted = 0;
		ok(sorted, "model_sort: by inode");
		is_int(m.nsv[0]->ino, I_TIME, "model_sort: the lowest first");
	}
	/* a second scan starts from nothing */
	{
		struct nsx_err err;

		is_int(model_scan(&m, NSX_ALLTYPES, 0, &err), 0, "rescan");
		is_int(m.nns, 17, "rescan: same namespaces");
		is_int(m.vanished, 1, "rescan: vanished not added up");
		ns_is(&m, 4026532288ul, NSX_NET, 2, 300, "rescan: net of 300 and 1000");
	}
	model_close(&m);
	free(root);
}

static void
basic_types(void)
{
	char *root = fixture("proc-basic");
	struct nsx_model m;

	if (scan(&m, root, 1u << NSX_NET, SCAN_CHILDREN, 0) < 0) {
		ok(0, "scan proc-basic -t net");
		free(root);
		return;
	}
	is_int(m.nns, 3, "-t net: three net namespaces");
	is_int(m.nprocs, 6, "-t net: still six processes");
	ok(model_ns(&m, I_UTS) == NULL, "-t net: no uts namespace");
	ok(model_ns(&m, I_PID) == NULL, "-t net: pid_for_children adds no pid namespace");
	is_int(model_proc(&m, 1)->ns[NSX_UTS], 0, "-t net: uts link not read");
	ns_is(&m, I_NET, NSX_NET, 2, 1, "-t net: init net");
	model_close(&m);

	if (scan(&m, root, NSX_ALLTYPES, SCAN_CHILDREN | SCAN_FDS | SCAN_THREADS | SCAN_MOUNTS, 0) < 0) {
		ok(0, "scan proc-basic with every SCAN_");
		free(root);
		return;
	}
	is_int(m.nns, 17, "every SCAN_: no extra namespace in proc-basic");
	is_int(total_holders(&m), 0, "every SCAN_: for_children equal to own ns hold nothing");
	is_int(model_proc(&m, 42)->pid_children, 4026532404ul, "42: pid_for_children read");
	model_close(&m);
	free(root);
}

static void
basic_open_errors(void)
{
	struct nsx_model m;
	struct nsx_err err = { 0 };

	is_int(model_open(&m, "/nonexistent/nsx-proc", &err), -1, "a missing proc root fails");
	is_int(err.errnum, ENOENT, "... with ENOENT");
	ok(strstr(err.msg, "/nonexistent/nsx-proc") != NULL, "... naming it: %s", err.msg);
}

static void
basic_facts(void)
{
	char *root = fixture("proc-basic");
	struct nsx_model m;
	struct nsx_proc *p;
	char *s;

	if (scan(&m, root, NSX_ALLTYPES, 0, 0) < 0) {
		ok(0, "scan proc-basic");
		free(root);
		return;
	}
	s = model_proc_cmdline(&m, 1);
	is_str(s, "/sbin/init splash", "cmdline: NULs become spaces, the last dropped");
	free(s);
	s = model_proc_cmdline(&m, 300);
	is_str(s, "./a) b --flag", "cmdline: trailing NULs dropped");
	free(s);
	s = model_proc_cmdline(&m, 4200);
	is_str(s, "sleep 1000", "cmdline: digits after a NUL");
	free(s);
	s = model_proc_cmdline(&m, 2);
	is_str(s, "kthreadd", "cmdline: empty (kernel thread) falls back to comm");
	free(s);
	s = model_proc_cmdline(&m, 77);
	is_str(s, "gone", "cmdline: missing falls back to comm");
	free(s);
	s = model_proc_cmdline(&m, 12345);
	ok(s == NULL, "cmdline of a pid that is not there: NULL");
	free(s);
	s = model_proc_comm(&m, 300);
	is_str(s, "a) b", "comm: newline dropped, spaces and ) kept");
	free(s);

	p = model_proc(&m, 300);
	if (ok(p != NULL, "pid 300 in the table")) {
		is_int(model_proc_ppid(&m, p), 1, "ppid after a comm of '(a) b)'");
		is_int(p->ppid, 1, "ppid kept in the proc");
	}
	p = model_proc(&m, 4200);
	if (p)
		is_int(model_proc_ppid(&m, p), 42, "ppid of 4200 is 42");
	p = model_proc(&m, 1);
	if (p)
		is_int(model_proc_ppid(&m, p), 0, "ppid of 1 is 0");
	{
		struct nsx_proc gone = { .pid = 12345, .ppid = -1 };

		is_int(model_proc_ppid(&m, &gone), -1, "ppid of a pid without stat: -1");
	}
	{
		unsigned long ino[NSX_NTYPES];
		struct nsx_err err = { 0 };

		is_int(proc_ns_inodes(m.procfd, 1000, ino, &err), 0, "proc_ns_inodes 1000");
		is_int(ino[NSX_NET], 4026532288ul, "proc_ns_inodes: net");
		is_int(ino[NSX_TIME], I_TIME, "proc_ns_inodes: time");
		is_int(proc_ns_inodes(m.procfd, 77, ino, &err), -1, "proc_ns_inodes of vanished 77");
		is_int(err.errnum, ESRCH, "... is ESRCH");
	}
	model_close(&m);
	free(root);
}

/* A comm with ") " in it, written into a scratch tree. */
static void
ppid_odd_comm(const char *dir)
{
	static const struct { const char *stat; pid_t ppid; } odd[] = {
		{ "7 (x) S 9 (y) R 3) S 5 7 7 0 -1 0\n", 5 },
		{ "7 ()) S 6 7 7\n", 6 },
		{ "7 ( ) S 4\n", 4 },
	};
	char path[512];

	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		struct nsx_model m;
		struct nsx_err err;
		struct nsx_proc p = { .pid = 7, .ppid = -1 };
		int fd;

		snprintf(path, sizeof(path), "%s/7", dir);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/7/stat", dir);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, odd[i].stat, strlen(odd[i].stat)) < 0) {
			ok(0, "write %s", path);
			if (fd >= 0)
				close(fd);
			continue;
		}
		close(fd);
		if (model_open(&m, dir, &err) < 0) {
			ok(0, "model_open %s", dir);
			continue;
		}
		is_int(model_proc_ppid(&m, &p), odd[i].ppid, "ppid from '%.*s'",
		       (int)strcspn(odd[i].stat, "\n"), odd[i].stat);
		model_close(&m);
	}
}

/* ---- proc-held: what keeps namespaces without processes alive ---- */

static void
held_fds(void)
{
	char *root = fixture("proc-held");
	struct nsx_model m;
	const struct nsx_ns *ns;

	if (scan(&m, root, NSX_ALLTYPES, 0, 0) < 0) {
		ok(0, "scan proc-held");
		free(root);
		return;
	}
	is_int(m.nprocs, 5, "proc-held: five processes");
	is_int(m.nns, 9, "proc-held without SCAN_*: 8 init + mnt of 600");
	ok(model_ns(&m, 4026533300ul) == NULL, "without SCAN_FDS the fd-held net is not found");
	model_close(&m);

	if (scan(&m, root, NSX_ALLTYPES, SCAN_FDS, 0) < 0) {
		ok(0, "scan proc-held SCAN_FDS");
		free(root);
		return;
	}
	is_int(m.nns, 10, "SCAN_FDS: one more namespace (not the socket, pipe or eventfd)");
	ns = ns_is(&m, 4026533300ul, NSX_NET, 0, 0, "fd-held net");
	if (ns && ok(ns->holders != NULL, "fd-held net has a holder")) {
		is_int(nholders(ns), 1, "exactly one holder");
		is_int(ns->holders->kind, HOLD_FD, "HOLD_FD");
		is_int(ns->holders->pid, 300, "held by pid 300");
		is_int(ns->holders->fd, 5, "through fd 5");
	}
	held_is(&m, ns, "fd 5 of 300", "fd-held net");
	is_int(total_holders(&m), 1, "SCAN_FDS: no other holder");
	model_close(&m);

	if (scan(&m, root, 1u << NSX_UTS, SCAN_FDS, 0) < 0) {
		ok(0, "scan proc-held -t uts SCAN_FDS");
		free(root);
		return;
	}
	ok(model_ns(&m, 4026533300ul) == NULL, "-t uts: the fd-held net is left out");
	model_close(&m);
	free(root);
}

static void
held_children(void)
{
	char *root = fixture("proc-held");
	struct nsx_model m;
	const struct nsx_ns *ns;

	if (scan(&m, root, NSX_ALLTYPES, SCAN_CHILDREN, 0) < 0) {
		ok(0, "scan proc-held SCAN_CHILDREN");
		free(root);
		return;
	}
	is_int(model_proc(&m, 400)->pid_children, 4026533400ul, "400: pid_for_children read");
	is_int(model_proc(&m, 400)->time_children, 4026533401ul, "400: time_for_children read");
	is_int(model_proc(&m, 1)->pid_children, I_PID, "1: pid_for_children is its own");
	ns = ns_is(&m, 4026533400ul, NSX_PID, 0, 0, "pid_for_children of 400");
	if (ns && ok(ns->holders != NULL, "held")) {
		is_int(nholders(ns), 1, "one holder");
		is_int(ns->holders->kind, HOLD_CHILDREN, "HOLD_CHILDREN");
		is_int(ns->holders->pid, 400, "of pid 400");
	}
	held_is(&m, ns, "pid_for_children of 400", "pid_for_children of 400");
	ns = ns_is(&m, 4026533401ul, NSX_TIME, 0, 0, "time_for_children of 400");
	if (ns && ok(ns->holders != NULL, "held")) {
		is_int(ns->holders->kind, HOLD_CHILDREN, "HOLD_CHILDREN");
		is_int(ns->holders->pid, 400, "of pid 400");
	}
	held_is(&m, ns, "time_for_children of 400", "time_for_children of 400");
	is_int(total_holders(&m), 2, "no holder where *_for_children is the process's own");
	model_close(&m);

	if (scan(&m, root, NSX_ALLTYPES & ~(1u << NSX_TIME), SCAN_CHILDREN, 0) < 0) {
		ok(0, "scan proc-held SCAN_CHILDREN without time");
		free(root);
		return;
	}
	ok(model_ns(&m, 4026533401ul) == NULL, "without time: time_for_children left out");
	ok(model_ns(&m, 4026533400ul) != NULL, "without time: pid_for_children still there");
	model_close(&m);
	free(root);
}

static void
held_threads(int nthreads)
{
	char *root = fixture("proc-held");
	struct nsx_model m;
	const struct nsx_ns *ns;

	printf("# proc-held SCAN_THREADS, %d thread(s)\n", nthreads);
	if (scan(&m, root, NSX_ALLTYPES, 0, nthreads) < 0) {
		ok(0, "scan proc-held");
		free(root);
		return;
	}
	ok(model_ns(&m, 4026533500ul) == NULL, "without SCAN_THREADS the thread's net is not found");
	is_int(model_proc(&m, 500)->ntasks, 0, "without SCAN_THREADS ntasks is not read");
	model_close(&m);

	if (scan(&m, root, NSX_ALLTYPES, SCAN_THREADS, nthreads) < 0) {
		ok(0, "scan proc-held SCAN_THREADS");
		free(root);
		return;
	}
	is_int(model_proc(&m, 500)->ntasks, 3, "500 has three tasks");
	ns = ns_is(&m, 4026533500ul, NSX_NET, 0, 0, "net of thread 501");
	if (ns) {
		is_int(ns->ntasks, 1, "net of thread 501: one task");
		if (ok(ns->holders != NULL, "held")) {
			is_int(nholders(ns), 1, "one holder");
			is_int(ns->holders->kind, HOLD_THREAD, "HOLD_THREAD");
			is_int(ns->holders->pid, 500, "of pid 500");
			is_int(ns->holders->tid, 501, "tid 501");
		}
	}
	held_is(&m, ns, "thread 501 of 500", "net of thread 501");
	/* 1, 300, 400, 600 one task each, 500 three of which 501 is elsewhere */
	ns = ns_is(&m, I_NET, NSX_NET, 5, 1, "init net");
	if (ns)
		is_int(ns->ntasks, 6, "init net: 6 tasks (501 moved out)");
	ns = model_ns(&m, I_UTS);
	if (ok(ns != NULL, "init uts"))
		is_int(ns->ntasks, 7, "init uts: 7 tasks");
	is_int(total_holders(&m), 1, "threads 500 and 502 (same ns) hold nothing");
	model_close(&m);
	free(root);
}

static const struct nsx_holder *
mount_holder(const struct nsx_model *m, unsigned long ino, int type, const char *path,
	     unsigned long mntns, pid_t pid, const char *what)
{
	const struct nsx_ns *ns = ns_is(m, ino, type, 0, 0, what);
	const struct nsx_holder *h;

	if (!ns || !ok((h = ns->holders) != NULL, "%s: held", what))
		return NULL;
	is_int(nholders(ns), 1, "%s: one holder", what);
	is_int(h->kind, HOLD_MOUNT, "%s: HOLD_MOUNT", what);
	is_str(h->path, path, "%s: at %s", what, path);
	is_int(h->mntns, mntns, "%s: in mnt:%lu", what, mntns);
	is_int(h->pid, pid, "%s: read through pid %d", what, (int)pid);
	return h;
}

static void
held_mounts(void)
{
	char *root = fixture("proc-held");
	struct nsx_model m;

	if (scan(&m, root, NSX_ALLTYPES, 0, 0) < 0) {
		ok(0, "scan proc-held");
		free(root);
		return;
	}
	ok(model_ns(&m, 4026533200ul) == NULL, "without SCAN_MOUNTS no mount-held net");
	model_close(&m);

	if (scan(&m, root, NSX_ALLTYPES, SCAN_MOUNTS, 0) < 0) {
		ok(0, "scan proc-held SCAN_MOUNTS");
		free(root);
		return;
	}
	is_int(m.nns, 13, "SCAN_MOUNTS: four nsfs mounts, no other mount");
	mount_holder(&m, 4026533200ul, NSX_NET, "/run/netns/foo", I_MNT, 1, "netns foo");
	mount_holder(&m, 4026533201ul, NSX_NET, "/run/netns/my net", I_MNT, 1, "netns 'my net'");
	mount_holder(&m, 4026533202ul, NSX_UTS, "/run/utsns/u", I_MNT, 1, "utsns u");
	mount_holder(&m, 4026533601ul, NSX_NET, "/run/netns/inner", 4026533600ul, 600,
		     "netns inner, in the mnt ns of 600");
	is_int(total_holders(&m), 4, "SCAN_MOUNTS: four holders");
	model_close(&m);

	/* `ls -t net` scans net only: the bind mounts must still be found */
	if (scan(&m, root, 1u << NSX_NET, SCAN_MOUNTS, 0) < 0) {
		ok(0, "scan proc-held -t net SCAN_MOUNTS");
		free(root);
		return;
	}
	mount_holder(&m, 4026533200ul, NSX_NET, "/run/netns/foo", I_MNT, 1, "-t net: netns foo");
	mount_holder(&m, 4026533601ul, NSX_NET, "/run/netns/inner", 4026533600ul, 600,
		     "-t net: netns inner");
	ok(model_ns(&m, 4026533202ul) == NULL, "-t net: the uts mount is left out");
	ok(model_ns(&m, I_MNT) == NULL, "-t net: no mnt namespace in the table");
	model_close(&m);
	free(root);
}

/* ---- unreadable: a process dir we may not search ---- */

static int
run(char *const argv[])
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

struct unreadable_result {
	int scanned;
	unsigned nprocs, vanished, unreadable, net_nprocs;
	pid_t net_rep;
	int has_300;
};

/* In a child that has dropped root: scan dir and report through fd. */
static void __attribute__((noreturn))
unreadable_child(const char *dir, int fd)
{
	struct unreadable_result r = { 0 };
	struct nsx_model m;
	struct nsx_err err;
	const struct nsx_ns *ns;

	if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
		_exit(77);
	if (setuid(0) == 0)	/* still privileged: the test would prove nothing */
		_exit(78);
	if (model_open(&m, dir, &err) == 0) {
		if (model_scan(&m, NSX_ALLTYPES, 0, &err) == 0) {
			r.scanned = 1;
			r.nprocs = (unsigned)m.nprocs;
			r.vanished = m.vanished;
			r.unreadable = m.unreadable;
			if ((ns = model_ns(&m, 4026532288ul))) {
				r.net_nprocs = ns->nprocs;
				r.net_rep = ns->rep;
			}
			r.has_300 = model_proc(&m, 300) != NULL;
		}
		model_close(&m);
	}
	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(1);
	_exit(0);
}

static void
unreadable(void)
{
	char tmpl[] = "/tmp/nsx-scan-XXXXXX";
	char *src = fixture("proc-basic"), *dir = NULL, *p300 = NULL, *p4200 = NULL;
	char *p1 = NULL;
	struct unreadable_result r = { 0 };
	int pfd[2], st;
	pid_t pid;

	if (geteuid() != 0) {
		skip("unreadable process: needs root to drop to uid 65534");
		free(src);
		return;
	}
	if (!mkdtemp(tmpl) || chmod(tmpl, 0755) < 0) {
		ok(0, "mkdtemp: %s", strerror(errno));
		free(src);
		return;
	}
	if (asprintf(&dir, "%s/proc", tmpl) < 0 || asprintf(&p300, "%s/300", dir) < 0 ||
	    asprintf(&p4200, "%s/4200", dir) < 0 || asprintf(&p1, "%s/1", dir) < 0)
		abort();
	if (!ok(run((char *[]){ "cp", "-a", src, dir, NULL }) == 0, "copy proc-basic to %s", dir))
		goto out;
	/* whatever the umask of the checkout: readable to uid 65534 */
	if (!ok(run((char *[]){ "chmod", "-R", "a+rX", dir, NULL }) == 0, "chmod -R a+rX"))
		goto out;

	/* the owner of /proc/PID is the process's uid */
	if (ok(chown(p4200, 1234, 1234) == 0 && chown(p1, 4321, 4321) == 0,
	       "chown 4200 to 1234, 1 to 4321")) {
		struct nsx_model m;
		uid_t uid = 0;

		if (scan(&m, dir, NSX_ALLTYPES, 0, 0) == 0) {
			is_int(model_proc_uid(&m, model_proc(&m, 4200), &uid), 0, "uid of 4200");
			is_int(uid, 1234, "uid of 4200 is the owner of its dir");
			is_int(model_proc_uid(&m, model_proc(&m, 1), &uid), 0, "uid of 1");
			is_int(uid, 4321, "uid of 1 is 4321");
			model_close(&m);
		}
	}

	if (!ok(chmod(p300, 0) == 0, "chmod 000 %s", p300) || pipe(pfd) < 0)
		goto out;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		unreadable_child(dir, pfd[1]);
	}
	close(pfd[1]);
	if (pid < 0 || read(pfd[0], &r, sizeof(r)) != (ssize_t)sizeof(r))
		r.scanned = -1;
	close(pfd[0]);
	if (pid > 0)
		waitpid(pid, &st, 0);
	if (pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 77) {
		skip("unreadable process: cannot switch to uid 65534 here");
		goto out;
	}
	if (pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 78) {
		skip("unreadable process: uid 65534 keeps privileges here");
		goto out;
	}
	if (!ok(r.scanned == 1, "scan as uid 65534 with 300 chmod 000 completes"))
		goto out;
	is_int(r.unreadable, 1, "one process unreadable (300)");
	is_int(r.vanished, 1, "77 still vanished, not unreadable");
	is_int(r.nprocs, 5, "the five others read");
	is_int(r.has_300, 0, "300 not in the table");
	is_int(r.net_nprocs, 1, "net of 300 and 1000: one process left");
	is_int(r.net_rep, 1000, "... and 1000 is now its lowest");
out:
	if (p300)
		chmod(p300, 0755);
	ok(run((char *[]){ "rm", "-rf", tmpl, NULL }) == 0, "remove %s", tmpl);
	free(src);
	free(dir);
	free(p300);
	free(p4200);
	free(p1);
}

static void
odd_comms(void)
{
	char tmpl[] = "/tmp/nsx-ppid-XXXXXX";

	if (!mkdtemp(tmpl)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	ppid_odd_comm(tmpl);
	ok(run((char *[]){ "rm", "-rf", tmpl, NULL }) == 0, "remove %s", tmpl);
}

/* Incremental scans: the same result as a full scan; a process that
 * changes its namespaces without a new PID is seen within `reread` scans;
 * a new process at once; a gone one is gone at once. On a copy of
 * proc-held (fds, threads, children), changed between scans. */
static void
incremental(void)
{
	char tmp[] = "/tmp/nsx-scan-inc.XXXXXX", cmd[512];
	char *src = fixture("proc-held");
	struct nsx_model full, inc;
	struct nsx_err err;
	unsigned want = SCAN_FDS | SCAN_CHILDREN | SCAN_THREADS;
	int seen_at = -1;

	if (!mkdtemp(tmp)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(cmd, sizeof(cmd), "cp -a '%s'/. '%s'/", src, tmp);
	if (system(cmd) != 0)
		ok(0, "copy the fixture");
	if (scan(&full, tmp, NSX_ALLTYPES, want, 0) < 0 || model_open(&inc, tmp, &err) < 0) {
		ok(0, "open");
		return;
	}
	model_incremental(&inc, 4);
	for (int i = 0; i < 3; i++)
		model_scan(&inc, NSX_ALLTYPES, want, &err);
	is_int(inc.nns, full.nns, "incremental, third scan: as many namespaces as a full scan");
	is_int(total_holders(&inc), total_holders(&full), "... and as many holders (fds, threads, children)");
	is_int(inc.nprocs, full.nprocs, "... and processes");

	/* process 300 moves into another uts namespace, 400 vanishes, 777 is new */
	snprintf(cmd, sizeof(cmd), "cd '%s' && ln -sfn 'uts:[4026539999]' 300/ns/uts && rm -rf 400 && "
		 "cp -a 300 777 && ln -sfn 'net:[4026539998]' 777/ns/net", tmp);
	if (system(cmd) != 0)
		ok(0, "change the copy");
	for (int i = 0; i < 4 && seen_at < 0; i++) {
		model_scan(&inc, NSX_ALLTYPES, want, &err);
		if (i == 0) {
			ok(model_proc(&inc, 777) && model_ns(&inc, 4026539998ul),
			   "a new process is read at the next scan");
			ok(!model_proc(&inc, 400), "a process that is gone is gone at the next scan");
		}
		if (model_proc(&inc, 300) && model_proc(&inc, 300)->ns[NSX_UTS] == 4026539999ul)
			seen_at = i;
	}
	ok(seen_at >= 0, "a process that changed its namespace is seen within 4 scans (at scan %d)", seen_at + 1);
	model_close(&inc);
	model_close(&full);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		ok(0, "rm");
	free(src);
}

/* A child that blocks on `go`; once woken, it unshares a uts namespace
 * (a user one too when not root), says so on `done` and blocks again. */
static pid_t
live_child(int go[2], int done[2], bool move)
{
	pid_t pid;
	char c;

	fflush(stdout);
	if ((pid = fork()) != 0)
		return pid;
	close(go[1]);
	close(done[0]);
	if (move && read(go[0], &c, 1) == 1) {
		c = unshare(CLONE_NEWUTS) == 0 || unshare(CLONE_NEWUSER | CLONE_NEWUTS) == 0 ? 'y' : 'n';
		if (write(done[1], &c, 1) != 1)
			_exit(1);
	}
	(void)!read(go[0], &c, 1);
	_exit(0);
}

static unsigned long
uts_of(pid_t pid)
{
	char path[64], buf[64];
	unsigned long ino = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/ns/uts", (int)pid);
	if ((n = readlink(path, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		sscanf(buf, "uts:[%lu]", &ino);
	}
	return ino;
}

/* The real /proc: at its turn, a process that has not run since it was
 * read is not read again; one that ran (and moved to a new uts namespace)
 * is. */
static void
incremental_live(void)
{
	int go[2][2], done[2][2];
	pid_t idle = -1, mover = -1;
	struct nsx_model m;
	struct nsx_err err;
	unsigned want = SCAN_FDS | SCAN_CHILDREN;
	bool idle_checked = false;
	int moved_at = -1;
	char c = 0;

	/* one child's pipes made after the other's fork: the idle child holds
	 * none of the mover's, which would keep it from seeing EOF */
	for (int i = 0; i < 2; i++) {
		if (pipe(go[i]) < 0 || pipe(done[i]) < 0)
			abort();
		if (i == 0)
			idle = live_child(go[0], done[0], false);
		else
			mover = live_child(go[1], done[1], true);
		close(go[i][0]);
		close(done[i][1]);
	}
	if (idle < 0 || mover < 0 || model_open(&m, NULL, &err) < 0) {
		ok(0, "live incremental: fork, model_open");
		return;
	}
	usleep(100 * 1000);	/* both are blocked in read by now */
	model_incremental(&m, 2);
	model_scan(&m, NSX_ALLTYPES, want, &err);
	if (!model_proc(&m, idle) || !model_proc(&m, idle)->ran_known) {
		skip("no /proc/PID/schedstat here (kernel without CONFIG_SCHED_INFO)");
		goto out;
	}
	is_int(model_proc(&m, idle)->threads, 1, "live: a child has one task");
	/* a scan where it is the idle child's turn, not a full safety turn */
	for (int i = 0; i < 2 * MODEL_SAFETY_TURNS && !idle_checked; i++) {
		unsigned long t = (unsigned long)idle + m.gen;
		bool due = t % 2 == 0 && t % (2 * MODEL_SAFETY_TURNS) != 0;

		model_scan(&m, NSX_ALLTYPES, want, &err);
		if (due && model_proc(&m, idle)) {
			ok(model_proc(&m, idle)->reused, "live: at its turn, a process that has not run is not read again");
			idle_checked = true;
		}
	}
	ok(idle_checked, "live: the idle child had its turn");
	if (write(go[1][1], "x", 1) != 1 || read(done[1][0], &c, 1) != 1 || c != 'y') {
		skip("live: the child could not unshare a uts namespace");
		goto out;
	}
	for (int i = 0; i < 2 && moved_at < 0; i++) {
		model_scan(&m, NSX_ALLTYPES, want, &err);
		if (model_proc(&m, mover) && model_proc(&m, mover)->ns[NSX_UTS] == uts_of(mover))
			moved_at = i;
	}
	ok(moved_at >= 0, "live: a process that ran and changed its uts namespace is read at its turn (scan %d)",
	   moved_at + 1);
out:
	model_close(&m);
	for (int i = 0; i < 2; i++) {
		close(go[i][1]);	/* EOF: the children end */
		close(done[i][0]);
	}
	waitpid(idle, NULL, 0);
	waitpid(mover, NULL, 0);
}

int
main(void)
{
	basic_all(0);
	basic_all(3);	/* the pid list split across scan threads */
	basic_types();
	basic_open_errors();
	basic_facts();
	odd_comms();
	held_fds();
	held_children();
	held_threads(0);
	held_threads(2);
	held_mounts();
	unreadable();
	incremental();
	incremental_live();
	return done_testing();
}
