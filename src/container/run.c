/* container_run: execute a plan. The parent (nsx) makes the cgroup, clones
 * the container's first process into its new namespaces, writes its maps,
 * attaches it, cables the veth, says "go", then relays the terminal and
 * waits; the child runs its steps (setup.c) and becomes init, the command
 * runs the last ones (payload.c). A failing step in the child comes back
 * over the sync socket as (step, errno, text); the parent removes what it
 * made, whatever happened. */
#define _GNU_SOURCE
#include "container/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "container/live.h"
#include "container/tree.h"
#include "level/userns.h"
#include "sys/sys.h"
#include "util/testhook.h"
#include "util/xalloc.h"

/* ---- the child's side of the protocol ---- */

void
run_child_fail(struct run_ctx *c, const struct plan_step *s, int status)
{
	struct run_msg m = { .type = MSG_ERROR, .step = s->id, .errnum = c->err.errnum, .status = status };

	snprintf(m.text, sizeof(m.text), "%s", c->err.msg);
	if (send(c->sock, &m, sizeof(m), MSG_NOSIGNAL) < 0)
		_exit(status);
	_exit(status);
}

void
run_child_note(struct run_ctx *c, const char *fmt, ...)
{
	struct run_msg m = { .type = MSG_NOTE };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	send(c->sock, &m, sizeof(m), MSG_NOSIGNAL);
}

void
run_close_fds(const struct run_ctx *c)
{
	if (c->sock > 3)
		sys_close_range(3, (unsigned)c->sock - 1);
	sys_close_range((unsigned)c->sock + 1, ~0U);
}

void
run_maybe_stop(const struct run_ctx *c, const struct plan_step *s)
{
	if (!c->stop_at || strcmp(c->stop_at, s->name) != 0)
		return;
	fprintf(stderr, "nsx: run: stopped before step '%s' (NSX_TEST_STOP_AT)\n", s->name);
	for (;;)
		pause();
}

/* NSX_TEST_FAIL_AT: the step fails with an injected error after it did its
 * work (what it made must be removed as for a real failure); init and exec
 * never return, so they fail before. */
static int
run_maybe_fail(struct run_ctx *c, const struct plan_step *s, bool before)
{
	bool last = s->id == ST_INIT || s->id == ST_EXEC;

	if (!c->fail_at || strcmp(c->fail_at, s->name) != 0 || before != last)
		return 0;
	return nsx_error(&c->err, EIO, "%s: injected failure (NSX_TEST_FAIL_AT)", s->name);
}

static step_fn parent_step(enum step_id id);

int
run_steps(struct run_ctx *c, enum step_where where, int *i)
{
	for (; *i < c->p->nsteps && c->p->steps[*i].where == where; (*i)++) {
		const struct plan_step *s = &c->p->steps[*i];
		step_fn fn = where == AT_PARENT ? parent_step(s->id) :
			     where == AT_CHILD ? setup_step(s->id) : payload_step(s->id);
		int r;

		run_maybe_stop(c, s);
		if ((r = run_maybe_fail(c, s, true)) == 0 && (!fn || (r = fn(c, s)) == 0))
			r = run_maybe_fail(c, s, false);
		if (r == 0)
			continue;
		if (where == AT_PARENT)
			return -1;
		run_child_fail(c, s, r < 0 ? 125 : r);
	}
	return 0;
}

static void __attribute__((noreturn))
child_main(struct run_ctx *c)
{
	struct run_msg m;
	ssize_t n;
	int i;

	/* nsx dying kills the container; if it died already, the read below
	 * sees the end of the socket. The signals nsx blocked stay blocked:
	 * this is PID 1 of its pid namespace, which drops signals it has no
	 * handler for; blocked, they wait for init to pass them on. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	do
		n = recv(c->sock, &m, sizeof(m), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(m) || m.type != MSG_GO)
		_exit(125);
	for (i = 0; i < c->p->nsteps && c->p->steps[i].where != AT_CHILD; i++)
		;
	run_steps(c, AT_CHILD, &i);
	/* the payload (or, with --no-init, this process) */
	run_steps(c, AT_PAYLOAD, &i);
	_exit(125);	/* not reached: exec is the last step */
}

/* ---- the parent's steps ---- */

struct parent {
	struct run_ctx c;
	struct ctr_state st;
	struct nsx_cgroup cg;
	bool have_cg, claimed;
	int userns;		/* the container's user namespace, to remove its layer in */
};

static struct parent *P;	/* the one run in progress, for the steps */

/* Who the container's root is on the host: the outer id of inner 0. */
static unsigned long
outer_root(const struct idmap *m, int n, unsigned long self)
{
	for (int i = 0; i < n; i++)
		if (m[i].inner == 0)
			return m[i].outer;
	return self;
}

/* In a user namespace overlayfs needs user.* xattrs on its upper layer,
 * which tmpfs keeps only from Linux 6.6 on: a layer on disk, made now
 * (nsx is still on the host), taken by the child only where its tmpfs
 * lacks them. As a user, only where the container's root is you (you can
 * give no other uid a directory); otherwise, or where the cache has no
 * user.* xattrs either, layer_why says so for the child's note. */
static void
run_layer(struct plan *p)
{
	uid_t uid = (uid_t)outer_root(p->maps.uidmap, p->maps.nuid, geteuid());
	gid_t gid = (gid_t)outer_root(p->maps.gidmap, p->maps.ngid, getegid());
	struct nsx_err e;

	if (!p->userns || p->o.rw)
		return;
	if (p->rootless && (uid != geteuid() || gid != getegid())) {
		snprintf(p->layer_why, sizeof(p->layer_why), "nsx makes no layer on disk where root in "
			 "the container is not you (--uid-map 0:%u:1 --gid-map 0:%u:1 is)",
			 (unsigned)geteuid(), (unsigned)getegid());
		return;
	}
	if (rootfs_layer_make(uid, gid, &p->layer, &e) < 0)
		snprintf(p->layer_why, sizeof(p->layer_why), "%.255s", e.msg);
}

static int
step_rootfs(struct run_ctx *c, const struct plan_step *step)
{
	const struct rootfs_stats *rs = &c->p->rstats;

	if (plan_prepare(c->p, &c->err) < 0)
		return -1;
	run_layer(c->p);
	/* Landlock missing (Linux < 5.19) and no mount namespace either */
	if (rs->unpacked && rs->confined == CONFINE_NONE)
		nsx_warn("run", "note: %s was unpacked without confinement (no Landlock, no mount "
			 "namespace): only libarchive's checks kept it in its tree", c->p->o.image);
	if (rs->unpacked && rs->probe[0])
		nsx_warn("run", "note: NSX_TEST_UNPACK_PROBE: %s", rs->probe);
	snprintf(P->st.rootfs, sizeof(P->st.rootfs), "%s", c->p->rootfs);
	return 0;
}

static int
step_name(struct run_ctx *c, const struct plan_step *step)
{
	struct ctr_state *st = &P->st;

	snprintf(st->name, sizeof(st->name), "%s", c->p->name);
	snprintf(st->source, sizeof(st->source), "%s", c->p->source);
	plan_ns_list(c->p, st->ns, sizeof(st->ns));
	snprintf(st->net, sizeof(st->net), "%s", c->p->o.net == RUN_NET_HOST ? "host" :
		 c->p->o.net == RUN_NET_VETH ? "veth" : "none");
	st->created = time(NULL);
	st->confine = c->p->confine;
	if (state_claim(st, &c->err) < 0)
		return -1;
	P->claimed = true;
	return 0;
}

/* A limit asked for and not applied is an error that says what to do
 * (c->err says why); with --limits=try, a note and a run without them. */
static int
step_cgroup_without(struct run_ctx *c)
{
	if (!c->p->o.limits_try) {
		size_t len = strlen(c->err.msg);

		snprintf(c->err.msg + len, sizeof(c->err.msg) - len,
			 "; or --limits=try to run without them");
		return -1;
	}
	nsx_warn("run", "note: %s; running without limits (--limits=try)", c->err.msg);
	P->st.cg.ndirs = 0;
	P->st.limits[0] = '\0';
	return state_write(&P->st, &c->err);
}

static int
step_cgroup(struct run_ctx *c, const struct plan_step *step)
{
	if (cg_plan(&P->cg, c->p->name, &c->p->o.lim, &c->err) < 0)
		return step_cgroup_without(c);
	P->st.cg = P->cg;
	plan_limits_text(&c->p->o.lim, P->st.limits, sizeof(P->st.limits));
	/* recorded before it exists: a run killed at any moment from here on
	 * leaves a record that names it, which the next run reaps */
	if (state_write(&P->st, &c->err) < 0)
		return -1;
	if (cg_make(&P->cg, &c->err) < 0)
		return step_cgroup_without(c);
	P->have_cg = true;
	return 0;
}

/* /sys/fs/cgroup as the container will see it, with the cgroup it got
 * (none: nsx's own), for the child's step_cgroupfs */
static void
run_cgview(struct run_ctx *c)
{
	static const struct nsx_cgroup none;

	if (c->p->cgroupns)
		cg_view(P->have_cg ? &P->cg : &none, &c->p->o.lim, &c->p->cgview);
}

/* A --uid-map range lets the container's root give files of its layer to
 * ids that are not yours (your subordinate uids): outside, you cannot
 * remove those. Its user namespace, kept, lets a child of nsx be root
 * there when the layer is removed (run_layer_remove). */
static void
run_layer_userns(const struct plan *p, pid_t pid)
{
	char path[64];
	bool ranges = false;

	for (int i = 0; i < p->maps.nuid; i++)
		ranges |= p->maps.uidmap[i].count > 1;
	for (int i = 0; i < p->maps.ngid; i++)
		ranges |= p->maps.gidmap[i].count > 1;
	if (!p->rootless || !p->layer.path[0] || !ranges)
		return;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	P->userns = open(path, O_RDONLY | O_CLOEXEC);
}

static int
step_clone(struct run_ctx *c, const struct plan_step *step)
{
	int sv[2];
	pid_t pid;

	run_cgview(c);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return nsx_error(&c->err, errno, "socketpair: %s", strerror(errno));
	pid = sys_clone_fork(c->p->flags);
	if (pid == 0) {
		close(sv[0]);
		c->sock = sv[1];
		child_main(c);
	}
	close(sv[1]);
	if (pid < 0) {
		int e = errno;

		close(sv[0]);
		if (e == EPERM && c->p->userns)
			nsx_error(&c->err, e, "cannot create a user namespace: not permitted "
				  "(unprivileged user namespaces disabled? see 'doctor')");
		else if (e == ENOSPC)
			nsx_error(&c->err, e, "cannot create namespaces: a limit in /proc/sys/user "
				  "is reached (see 'doctor')");
		else if (e == EPERM)
			nsx_error(&c->err, e, "cannot create namespaces: not permitted (run as root, "
				  "or let nsx make a user namespace: see 'doctor')");
		else
			nsx_error(&c->err, e, "clone: %s", strerror(e));
		/* the sysctls that say why, where they do */
		userns_explain_err(&c->err, c->p->userns ? "cannot create a user namespace" :
				   "cannot create namespaces", USERNS_MAKE, c->p->flags, !c->p->rootless);
		return -1;
	}
	c->sock = sv[0];
	c->child = pid;
	P->st.pid = pid;
	run_layer_userns(c->p, pid);
	/* for enter: who the PID is, against reuse (without it, enter refuses) */
	live_ident(pid, &P->st);
	return 0;
}

static int
step_maps(struct run_ctx *c, const struct plan_step *step)
{
	return idmap_write(&c->p->maps, c->child, NULL, &c->err);
}

static int
step_attach(struct run_ctx *c, const struct plan_step *step)
{
	return P->have_cg ? cg_attach(&P->cg, c->child, &c->err) : 0;
}

static int
step_veth(struct run_ctx *c, const struct plan_step *step)
{
	struct in_addr h, a;
	char name[16];

	snprintf(name, sizeof(name), "nsx%d", (int)c->child);
	if (net_veth_create(name, "eth0", c->child, &c->err) < 0)
		return -1;
	snprintf(P->st.veth, sizeof(P->st.veth), "%s", name);
	net_cidr_hosts(&c->p->cidr, &h, &a);
	/* (not recorded before go: if nsx dies, so does the container's network
	 * namespace, and the pair with it) */
	snprintf(P->st.net, sizeof(P->st.net), "veth %s/%d", inet_ntoa(a), c->p->cidr.prefix);
	/* IPv6 and forwarding off while the link is still down: no moment in
	 * which a router advertisement from the container could land */
	if (net_host_end(name, &c->err) < 0 || net_addr_add(name, h, c->p->cidr.prefix, &c->err) < 0 ||
	    net_link_up(name, &c->err) < 0)
		return -1;
	return 0;
}

static int
step_go(struct run_ctx *c, const struct plan_step *step)
{
	struct run_msg m = { .type = MSG_GO };

	/* while the container runs, nothing in it may read this process (with
	 * --share pid it could open /proc/PID/exe); not before: the maps are
	 * written through /proc files a non-dumpable process's owner loses */
	prctl(PR_SET_DUMPABLE, 0);
	if (send(c->sock, &m, sizeof(m), MSG_NOSIGNAL) < 0)
		return nsx_error(&c->err, errno, "the container's first process is gone: %s", strerror(errno));
	/* the PID for ps and enter, written while the child sets up: what a
	 * SIGKILL of nsx leaves is recorded already (cgroup) or goes with the
	 * container (its network namespace takes the veth pair along) */
	return state_write(&P->st, &c->err);
}

static step_fn
parent_step(enum step_id id)
{
	static const step_fn fns[ST_NSTEPS] = {
		[ST_ROOTFS] = step_rootfs, [ST_NAME] = step_name, [ST_CGROUP] = step_cgroup,
		[ST_CLONE] = step_clone, [ST_MAPS] = step_maps, [ST_ATTACH] = step_attach,
		[ST_VETH] = step_veth, [ST_GO] = step_go,
	};

	return fns[id];
}

/* ---- waiting: messages, signals, the terminal ---- */

struct waiter {
	int sfd;		/* signalfd */
	int ptm;		/* the container's pty master, or -1 */
	bool sock_open, tty_raw, stdin_open;
	struct termios saved;
	int status;		/* -1 until the child has exited */
	int exit_code;		/* from a MSG_ERROR, 0 if none */
};

/* A step in the container's user namespace refused (m, from the child,
 * "STEP: WHY"): where the sysctls explain it (a user namespace without
 * capabilities: AppArmor), read here, outside it, their cause stands in
 * for the child's WHY, which guessed from the error alone. */
static void
run_explain(struct run_ctx *c, const struct run_msg *m)
{
	char what[sizeof(m->text)];
	char *sep;

	snprintf(what, sizeof(what), "%s", m->text);
	if ((sep = strstr(what, ": ")))
		*sep = '\0';
	userns_explain_err(&c->err, what, USERNS_USE, c->p->flags, !c->p->rootless);
}

static void
wait_msg(struct run_ctx *c, struct waiter *w)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct run_msg m;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	ssize_t n = recvmsg(c->sock, &mh, MSG_CMSG_CLOEXEC);
	struct cmsghdr *cm;

	if (n <= 0) {
		if (n == 0 || errno != EINTR)
			w->sock_open = false;
		return;
	}
	if (m.type == MSG_ERROR) {
		nsx_error(&c->err, m.errnum, "%s", m.text);
		/* a step in the container's user namespace refused: one without
		 * capabilities (AppArmor) says so; read here, outside it */
		if (c->p->userns && m.step > ST_GO)
			run_explain(c, &m);
		w->exit_code = m.status;
	} else if (m.type == MSG_NOTE)
		nsx_warn("run", "note: %s", m.text);
	else if (m.type == MSG_PTY && (cm = CMSG_FIRSTHDR(&mh)) && cm->cmsg_type == SCM_RIGHTS) {
		memcpy(&w->ptm, CMSG_DATA(cm), sizeof(int));
		/* the user's terminal goes raw: keys go to the container's pty */
		if (tcgetattr(STDIN_FILENO, &w->saved) == 0) {
			struct termios raw = w->saved;
			struct winsize ws;

			cfmakeraw(&raw);
			w->tty_raw = tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0;
			if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
				ioctl(w->ptm, TIOCSWINSZ, &ws);
		}
	}
}

static bool
copy_fd(int from, int to)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n <= 0)
		return n < 0 && errno == EINTR;
	for (ssize_t off = 0; off < n;) {
		ssize_t k = write(to, buf + off, (size_t)(n - off));

		if (k < 0 && errno != EINTR)
			return false;
		off += k > 0 ? k : 0;
	}
	return true;
}

static void
wait_signal(struct run_ctx *c, struct waiter *w)
{
	struct signalfd_siginfo si;
	int st;

	if (read(w->sfd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGWINCH && w->ptm >= 0) {
		struct winsize ws;

		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
			ioctl(w->ptm, TIOCSWINSZ, &ws);
	} else if (si.ssi_signo != SIGCHLD)
		kill(c->child, (int)si.ssi_signo);	/* init passes it on */
	if (w->status < 0 && waitpid(c->child, &st, WNOHANG) == c->child)
		w->status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

static void
wait_exit(struct run_ctx *c, struct waiter *w)
{
	while (w->status < 0 || w->sock_open) {
		struct pollfd pf[4] = {
			{ .fd = w->sfd, .events = POLLIN },
			{ .fd = w->sock_open ? c->sock : -1, .events = POLLIN },
			{ .fd = w->ptm, .events = POLLIN },
			{ .fd = w->ptm >= 0 && w->stdin_open ? STDIN_FILENO : -1, .events = POLLIN },
		};

		if (w->status >= 0 && w->sock_open) {
			/* the child is gone: whatever it sent is there already */
			wait_msg(c, w);
			continue;
		}
		if (poll(pf, 4, -1) < 0)
			continue;
		if (pf[0].revents)
			wait_signal(c, w);
		if (pf[1].revents)
			wait_msg(c, w);
		if (pf[2].revents && !copy_fd(w->ptm, STDOUT_FILENO)) {
			close(w->ptm);	/* EIO: the last process of the pty closed it */
			w->ptm = -1;
		}
		if (pf[3].revents && !copy_fd(STDIN_FILENO, w->ptm))
			w->stdin_open = false;
	}
	if (w->ptm >= 0) {
		/* what the command wrote last; not waiting for more */
		fcntl(w->ptm, F_SETFL, O_NONBLOCK);
		while (copy_fd(w->ptm, STDOUT_FILENO))
			;
		close(w->ptm);
	}
	if (w->tty_raw)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &w->saved);
}

/* ---- the run ---- */

static const int parent_signals[] = {
	SIGCHLD, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH,
};

/* The OOM killer's work in the container's cgroup, said in one line (as
 * docker's OOMKilled): read before the cgroup goes. */
static void
run_oom(const struct parent *pa, int status)
{
	char lim[32];
	bool hit;
	long long n;

	if (!pa->have_cg || pa->cg.lim.memory <= 0)
		return;
	n = cg_oom_kills(&pa->cg, &hit);
	cg_size_text(pa->cg.lim.memory, lim, sizeof(lim));
	if (n > 0)
		nsx_warn("run", "the container's memory limit (%s) was reached: the kernel killed "
			 "%lld process%s in it (OOM)%s", lim, n, n == 1 ? "" : "es",
			 status == 137 ? "; the command got SIGKILL (exit 137)" : "");
	else if (n < 0 && hit && status == 137)
		nsx_warn("run", "the container's memory limit (%s) was reached and the command got "
			 "SIGKILL (exit 137): most likely the kernel killed it (OOM)", lim);
}

/* The layer on disk goes with the container (its processes are gone):
 * first, where a range may have given files to other ids, from inside its
 * user namespace, whose owner nsx is (setns gives it root there, and
 * root's rights over the ids mapped there), then as nsx. */
static void
run_layer_remove(struct parent *pa)
{
	struct plan *p = pa->c.p;
	char path[sizeof(p->layer.path)];
	struct stat st;
	pid_t pid;

	snprintf(path, sizeof(path), "%s", p->layer.path);
	if (pa->userns >= 0) {
		if ((pid = fork()) == 0) {
			if (setns(pa->userns, CLONE_NEWUSER) == 0)
				tree_remove(p->layer.path);
			_exit(0);
		}
		if (pid > 0)
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
		close(pa->userns);
		pa->userns = -1;
	}
	rootfs_layer_remove(&p->layer);
	if (path[0] && lstat(path, &st) == 0)
		nsx_warn("run", "note: the container's layer %s could not be removed whole (files of "
			 "subordinate ids in it?): remove it from a user namespace with the same maps, e.g. "
			 "nsx unshare --map-users ... user -- rm -rf DIR", path);
}

static void
run_cleanup(struct parent *pa)
{
	struct nsx_err e;

	if (pa->c.child > 0 && kill(pa->c.child, SIGKILL) == 0)
		waitpid(pa->c.child, NULL, 0);
	run_layer_remove(pa);
	if (pa->have_cg)
		cg_destroy(&pa->cg, &e);
	if (pa->st.veth[0])
		net_link_delete(pa->st.veth, &e);
	if (pa->claimed)
		state_remove(pa->st.name);
	if (pa->c.sock >= 0)
		close(pa->c.sock);
	if (pa->c.p->rootfd >= 0) {
		close(pa->c.p->rootfd);
		pa->c.p->rootfd = -1;
	}
	rootfs_meta_free(&pa->c.p->meta);
}

/* An empty cgroup this young may be a live run's on its way in (made,
 * its process not yet moved in) whose record we cannot see: another
 * state directory's (NSX_STATE_DIR). cg_attach would make it again, but
 * not cg_make's limits, written just after the mkdir. */
#define RUN_CG_GRACE 2	/* s */

/* Made at least RUN_CG_GRACE ago, to the nanosecond (whole seconds would
 * make the grace anything between 1 and 2 s). */
static bool
cg_old_enough(const struct stat *st)
{
	struct timespec now;

	if (clock_gettime(CLOCK_REALTIME, &now) < 0)
		return false;
	return (now.tv_sec - st->st_mtim.tv_sec) * 1000000000LL +
	       (now.tv_nsec - st->st_mtim.tv_nsec) >= RUN_CG_GRACE * 1000000000LL;
}

/* For cg_sweep: keep dir unless it is an nsx-NAME older than the grace
 * that no live record of ours names. Records are read now, after the dir
 * was seen; a run writes its record before it makes its cgroup, so a live
 * run's is listed. */
static bool
run_cg_keep(const char *dir, void *unused)
{
	const char *base = strrchr(dir, '/');
	struct ctr_state *v;
	struct stat st;
	bool found = false;
	int n;

	/* a name no container can have is not ours */
	if (!base || strncmp(base + 1, "nsx-", 4) != 0 || state_check_name(base + 5, NULL) < 0)
		return true;
	if (stat(dir, &st) < 0 || !cg_old_enough(&st))
		return true;
	if (state_list(&v, &n, NULL) < 0)
		return true;	/* cannot tell */
	for (int i = 0; i < n && !found; i++)
		for (int j = 0; j < v[i].cg.ndirs && !found; j++)
			found = strcmp(v[i].cg.dir[j], dir) == 0;
	free(v);
	return found;
}

/* NSX_TEST_STOP_AT or NSX_TEST_FAIL_AT: unset, or a step's name (test
 * hooks: never set in a production build) */
static int
check_test_step(const char *var, const char **name, struct nsx_err *err)
{
	*name = testhook(var);
	if (!*name)
		return 0;
	for (int i = 0; i < ST_NSTEPS; i++)
		if (strcmp(plan_step_name(i), *name) == 0)
			return 0;
	return nsx_error(err, EINVAL, "%s=%s is no step of nsx run", var, *name);
}

int
container_run(struct plan *p, struct nsx_err *err)
{
	struct parent pa = { .c = { .p = p, .sock = -1, .rootfd = -1 }, .userns = -1 };
	struct waiter w = { .sfd = -1, .ptm = -1, .sock_open = true, .stdin_open = true, .status = -1 };
	struct sigaction oldchld;
	sigset_t set, old;
	int i = 0, dumpable = prctl(PR_GET_DUMPABLE);
	struct ctr_state *live;
	int nlive;

	if (check_test_step("NSX_TEST_STOP_AT", &pa.c.stop_at, err) < 0 ||
	    check_test_step("NSX_TEST_FAIL_AT", &pa.c.fail_at, err) < 0)
		return 125;
	/* fds 0-2 must be open: the sync socket must not become one of them */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			return nsx_error(err, errno, "cannot open /dev/null for fd %d", fd), 125;
	pa.c.tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	/* what runs killed with SIGKILL left behind goes first: their records
	 * and what those name, then cgroups of ours that no record names */
	if (state_list(&live, &nlive, NULL) == 0)
		free(live);
	cg_sweep(run_cg_keep, NULL);
	P = &pa;
	sigemptyset(&set);
	for (size_t k = 0; k < ARRAY_SIZE(parent_signals); k++)
		sigaddset(&set, parent_signals[k]);
	sigprocmask(SIG_BLOCK, &set, &old);
	/* an ignored SIGCHLD (inherited) would reap the container unseen */
	sigaction(SIGCHLD, &(struct sigaction){ .sa_handler = SIG_DFL }, &oldchld);
	if (run_steps(&pa.c, AT_PARENT, &i) < 0)
		goto fail;
	if ((w.sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0) {
		nsx_error(&pa.c.err, errno, "signalfd: %s", strerror(errno));
		goto fail;
	}
	wait_exit(&pa.c, &w);
	pa.c.child = 0;
	close(w.sfd);
	run_oom(&pa, w.status);
	run_cleanup(&pa);
	sigaction(SIGCHLD, &oldchld, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	prctl(PR_SET_DUMPABLE, dumpable);
	P = NULL;
	if (w.exit_code) {
		*err = pa.c.err;
		return w.exit_code;
	}
	return w.status;
fail:
	*err = pa.c.err;
	run_cleanup(&pa);
	sigaction(SIGCHLD, &oldchld, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	prctl(PR_SET_DUMPABLE, dumpable);
	P = NULL;
	return 125;
}
