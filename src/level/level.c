/* Opening a level: fork, unshare in the child, uid/gid maps written by the
 * parent (the only one that can do it for an unprivileged user, and the
 * one that must run newuidmap), then the child's setup steps in the order
 * util-linux unshare(1) uses; errors from the child come back over a socket
 * and are printed by the parent. */
#define _GNU_SOURCE
#include "level/level.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "level/shell.h"
#include "cgroup/cgroup.h"
#include "container/confine.h"
#include "level/userns.h"
#include "model/model.h"
#include "sys/sys.h"
#include "util/file.h"
#include "util/trust.h"
#include "util/xalloc.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* What the child tells the parent over the sync socket. */
enum { MSG_UNSHARED = 1, MSG_READY, MSG_ERROR };

struct msg {
	int type;
	int errnum;
	char text[1024];	/* as nsx_err.msg */
};

/* level_exec's command name, for its error lines */
static const char *direct_who = "nsx";

/* Our ids before any unshare (after it, until the map is written, we are
 * the overflow id in the new user namespace), and whether we are root on
 * the host then: neither Debian's nor Ubuntu's switch restricts root
 * (userns.h) */
static struct idmap_who outer;
/* the CLONE_NEW* of the level, once the child has made them: an EPERM
 * then may be a user namespace without capabilities (userns.h) */
static int made_flags;

static void
outer_ids(void)
{
	idmap_who_now(&outer);
	made_flags = 0;
}

static int
send_msg(int fd, int type, int errnum, const char *fmt, ...)
{
	struct msg m = { .type = type, .errnum = errnum };
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(m.text, sizeof(m.text), fmt, ap);
		va_end(ap);
	}
	return write(fd, &m, sizeof(m)) == (ssize_t)sizeof(m) ? 0 : -1;
}

static void __attribute__((noreturn, format(printf, 3, 4)))
child_fail(int fd, int errnum, const char *fmt, ...)
{
	struct msg m = { .type = MSG_ERROR, .errnum = errnum };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	if (fd < 0) {
		/* level_exec: this process was to become CMD; it says why not */
		nsx_warn(direct_who, "%s", m.text);
		_exit(1);
	}
	if (write(fd, &m, sizeof(m)) < 0)
		_exit(125);
	_exit(125);
}

/* A step that needs the level's capabilities in its new user namespace
 * failed (errno): "WHAT: CAUSE: FIX" where the sysctls say why (a user
 * namespace without capabilities: AppArmor), else "WHAT: ERROR" and hint. */
static void __attribute__((noreturn, format(printf, 3, 4)))
child_fail_cap(int fd, const char *hint, const char *fmt, ...)
{
	struct nsx_err e = { .errnum = errno };
	char what[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!(made_flags & CLONE_NEWUSER) ||
	    !userns_explain_err(&e, what, USERNS_USE, made_flags, outer.priv))
		snprintf(e.msg, sizeof(e.msg), "%s: %s%s", what, strerror(e.errnum),
			 e.errnum == EPERM && (made_flags & CLONE_NEWUSER) ? hint : "");
	child_fail(fd, e.errnum, "%s", e.msg);
}

void
level_req_close(const struct level_req *r)
{
	for (int t = 0; t < NSX_NTYPES; t++)
		if (r->nsfd[t] >= 0)
			close(r->nsfd[t]);
	if (r->pidfd >= 0)
		close(r->pidfd);
	if (r->root_fd >= 0)
		close(r->root_fd);
	if (r->wd_fd >= 0)
		close(r->wd_fd);
	for (int i = 0; i < r->ncg; i++)
		close(r->cgfd[i]);
}

void
level_req_types(struct level_req *r, int flags)
{
	size_t len = 0;

	for (int t = 0; t < NSX_NTYPES; t++)
		if (flags & nstype_table[t].clone_flag)
			len += (size_t)snprintf(r->what + len, sizeof(r->what) - len, "%s%s",
						len ? "," : "", nstype_table[t].name);
}

void
level_req_cmd(struct level_req *r, int argc, char **argv)
{
	size_t len = 0;

	for (int i = 0; i < argc && len < sizeof(r->cmd); i++)
		len += (size_t)snprintf(r->cmd + len, sizeof(r->cmd) - len, "%s%s", i ? " " : "", argv[i]);
}

/* ---- the child's setup ---- */

static const char *
unshare_hint(int flags, int e)
{
	if (e == EPERM && geteuid() != 0 && !(flags & CLONE_NEWUSER))
		return " (a normal user needs a user namespace too: add 'user' or --map-root)";
	if (e == EPERM)
		return " (not allowed: see 'doctor')";
	if (e == EINVAL && (flags & CLONE_NEWUSER))
		return " (a multithreaded process, or a chroot, cannot make a user namespace)";
	if (e == ENOSPC || e == EUSERS)
		return " (a limit of namespaces is reached: user.max_*_namespaces, or 32 nested user namespaces)";
	return "";
}

static int
enter_one(const struct level_req *r, int t, struct nsx_err *err)
{
	if (r->nsfd[t] < 0 || setns(r->nsfd[t], nstype_table[t].clone_flag) == 0)
		return 0;
	return nsx_error(err, errno, "setns into %s: %s%s", nstype_table[t].name, strerror(errno),
			 errno == EPERM ? " (needs CAP_SYS_ADMIN in the user namespace that owns it: "
			 "run as root, or enter its user namespace too)" : "");
}

/* setns in nsenter's order: a privileged caller enters the user namespace
 * last (after it, it may lack the rights for the others); an unprivileged
 * one first (it gains the rights there). With a pidfd the kernel does it
 * all in one call, in the right order, or nothing (Linux 5.8). */
static int
enter_all(const struct level_req *r, struct nsx_err *err)
{
	if (r->pidfd >= 0) {
		if (setns(r->pidfd, r->enter_flags) == 0)
			return 0;
		return nsx_error(err, errno, "setns: %s%s", strerror(errno),
				 errno == EPERM ? " (not allowed: run as root, or enter a user "
				 "namespace that owns the others)" : "");
	}
	if (r->user_first && enter_one(r, NSX_USER, err) < 0)
		return -1;
	for (int t = 0; t < NSX_NTYPES; t++)
		if (t != NSX_USER && enter_one(r, t, err) < 0)
			return -1;
	if (!r->user_first && enter_one(r, NSX_USER, err) < 0)
		return -1;
	return 0;
}

/* Before setns into a container's namespaces: not dumpable from here on
 * (its processes see this one once it is in its pid namespace: they must
 * not ptrace nsx, read its fds or open its /proc/PID/exe, CVE-2016-9962),
 * and in its cgroup, joined while this process's own cgroup namespace
 * still sees both ends of the move (with nsdelegate, one that sees only
 * the container's refuses it). */
static int
enter_join(const struct level_req *r, struct nsx_err *err)
{
	if (!r->ctr)
		return 0;
	if (prctl(PR_SET_DUMPABLE, 0) < 0)
		return nsx_error(err, errno, "PR_SET_DUMPABLE: %s", strerror(errno));
	return r->confined ? cg_enter(r->cgfd, r->ncg, err) : 0;
}

/* The level's last step into a container: its capabilities, no_new_privs
 * and seccomp filter, as its own processes have them (after --root and
 * --wd, which need the privileges it drops). */
static void
enter_confine(const struct level_req *r, int sock)
{
	struct nsx_err err;
	char note[256];

	if (!r->ctr || !r->confined)
		return;
	if (confine_apply(&r->confine, note, sizeof(note), &err) < 0)
		child_fail(sock, err.errnum, "confining the level like container '%s': %s", r->ctr, err.msg);
	if (*note)
		nsx_warn("enter", "note: %s", note);
}

/* The step that changes namespaces: unshare, or setns into the target's. */
static int
first_step(const struct level_req *r, struct nsx_err *err)
{
	if (r->enter) {
		if (enter_all(r, err) < 0)
			return -1;
		/* credentials of a user namespace entered make a process
		 * dumpable again where fs.suid_dumpable is 1 (commit_creds) */
		if (r->ctr)
			prctl(PR_SET_DUMPABLE, 0);
		return 0;
	}
	if (unshare(r->flags) < 0) {
		nsx_error(err, errno, "unshare: %s%s", strerror(errno), unshare_hint(r->flags, errno));
		userns_explain_err(err, r->flags & CLONE_NEWUSER ? "cannot create a user namespace" :
				   "cannot create the namespaces", USERNS_MAKE, r->flags, outer.priv);
		return -1;
	}
	made_flags = r->flags;
	return 0;
}

/* After first_step: maps, time offsets, propagation, hostname. sock < 0
 * in level_exec: no parent to write maps, we write our own. */
static void
child_setup(const struct level_req *r, int sock)
{
	struct nsx_err err;
	char ack;

	if (r->enter) {
		if (sock >= 0 && (send_msg(sock, MSG_UNSHARED, 0, NULL) < 0 || read(sock, &ack, 1) != 1))
			_exit(125);
		return;
	}
	if (sock < 0) {
		if ((r->maps.nuid || r->maps.ngid) && idmap_write(&r->maps, getpid(), &outer, &err) < 0)
			child_fail(sock, err.errnum, "%s", err.msg);
	} else if (send_msg(sock, MSG_UNSHARED, 0, NULL) < 0 || read(sock, &ack, 1) != 1 || ack != 'm')
		_exit(125);	/* the parent failed to map and says why */
	if (r->flags & CLONE_NEWTIME) {
		char text[128];

		/* offsets can be set only before a process enters the namespace */
		snprintf(text, sizeof(text), "monotonic %lld 0\nboottime %lld 0\n",
			 r->monotonic, r->boottime);
		if ((r->monotonic || r->boottime) && file_write_once("/proc/self/timens_offsets", text) < 0)
			child_fail_cap(sock, "", "cannot set the time offsets");
	}
	/* before any mount: our mounts must not propagate back to the host */
	if ((r->flags & CLONE_NEWNS) && r->propagation &&
	    mount("none", "/", NULL, MS_REC | r->propagation, NULL) < 0)
		child_fail_cap(sock, "", "cannot change the propagation of /");
	if (r->hostname && sethostname(r->hostname, strlen(r->hostname)) < 0)
		child_fail_cap(sock, "", "cannot set the hostname '%s'", r->hostname);
}

/* After the fork into a new pid namespace (or time namespace), in the
 * process that becomes the level. */
static void
child_finish(const struct level_req *r, int sock)
{
	if (r->enter && r->root_fd >= 0) {
		/* the target's root, opened before setns, as nsenter -r does */
		if (fchdir(r->root_fd) < 0 || chroot(".") < 0)
			child_fail(sock, errno, "cannot take the target's root: %s", strerror(errno));
		if (r->wd_fd < 0 && chdir("/") < 0)
			child_fail(sock, errno, "chdir /: %s", strerror(errno));
	}
	if (r->enter && r->wd_fd >= 0 && fchdir(r->wd_fd) < 0)
		child_fail(sock, errno, "cannot take the target's working directory: %s", strerror(errno));
	if (r->root) {
		if (chroot(r->root) < 0)
			child_fail_cap(sock, "", "--root %s", r->root);
		if (chdir("/") < 0)
			child_fail(sock, errno, "--root %s: cannot enter it: %s", r->root, strerror(errno));
	}
	if (r->wd && chdir(r->wd) < 0)
		child_fail(sock, errno, "--wd %s: %s", r->wd, strerror(errno));
	/* done with them: the level keeps no fd of the target */
	if (r->enter)
		level_req_close(r);
	if (r->mount_proc) {
		/* a proc of the new pid namespace: ps and /proc show only it */
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			child_fail_cap(sock, " (in a user namespace, only where no part of the /proc "
				       "above is hidden by a mount, as in a container)", "cannot mount /proc");
	}
}

/* The process between the level's parent and a level that is PID 1 of a
 * new pid namespace: it waits and passes the exit status on. */
static void __attribute__((noreturn))
relay(pid_t child)
{
	int st;

	while (waitpid(child, &st, 0) < 0)
		if (errno != EINTR)
			_exit(125);
	if (WIFSIGNALED(st)) {
		signal(WTERMSIG(st), SIG_DFL);
		kill(getpid(), WTERMSIG(st));
	}
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 125);
}

/* A level that entered a mount or user namespace other than the start's:
 * paths there name what its maker mounted, and owners are seen through
 * its user namespace (a student's uid 0 is root's). trust refuses every
 * path there as root, and the levels below inherit it (they are forks).
 * A level nsx made by `unshare` is in root's own namespaces: not marked. */
static void
level_mark_entered(const struct nsx_shell *sh, const struct level_req *r)
{
	unsigned long ino[NSX_NTYPES];
	char why[192];

	if (!r->enter || trust_foreign())
		return;
	/* unknown: the strict side */
	if (level_self_ns(sh, ino) == 0 && ino[NSX_MNT] == sh->start_ns[NSX_MNT] &&
	    ino[NSX_USER] == sh->start_ns[NSX_USER])
		return;
	snprintf(why, sizeof(why), "level %d is in namespaces entered with '%.120s'", sh->depth, r->cmd);
	trust_entered(why);
}

static void
record_level(struct nsx_shell *sh, const struct level_req *r)
{
	struct level_rec *lv;
	char buf[32];
	ssize_t n;

	if (sh->depth + 1 >= LEVEL_MAX)
		return;
	lv = &sh->levels[++sh->depth];
	memset(lv, 0, sizeof(*lv));
	lv->pid_inner = getpid();
	lv->pid_start = getpid();
	/* /proc as nsx started shows our PID as seen from there */
	n = sh->start_procfd >= 0 ? readlinkat(sh->start_procfd, "self", buf, sizeof(buf) - 1) : -1;
	if (n > 0) {
		buf[n] = '\0';
		lv->pid_start = (pid_t)atoi(buf);
	}
	snprintf(lv->what, sizeof(lv->what), "%s", r->what);
	snprintf(lv->cmd, sizeof(lv->cmd), "%s", r->cmd);
	if (r->ctr) {
		snprintf(lv->ctr, sizeof(lv->ctr), "%s", r->ctr);
		lv->confined = r->confined;
	} else {
		/* a level made in a container's level is in it still */
		memcpy(lv->ctr, sh->levels[sh->depth - 1].ctr, sizeof(lv->ctr));
		lv->confined = sh->levels[sh->depth - 1].confined;
	}
	sh->pid1 = getpid() == 1;
	level_mark_entered(sh, r);
}

static int
parent_wait(pid_t pid, int *status)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	int st;

	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			break;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 125;
	return 1;
}

int
level_open(struct nsx_shell *sh, const struct level_req *r, int *status, struct nsx_err *err)
{
	int sv[2];
	struct msg m;
	pid_t pid;

	/* a level past the last record would be one that `levels`, the
	 * prompt and the line positions of -c do not know of */
	if (sh->depth + 1 >= LEVEL_MAX)
		return nsx_error(err, EINVAL, "too many levels (%d at most): exit one first",
				 LEVEL_MAX - 1);
	outer_ids();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return nsx_error(err, errno, "socketpair: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return nsx_error(err, errno, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(sv[0]);
		/* the level ends with the shell that made it */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (enter_join(r, err) < 0 || first_step(r, err) < 0)
			child_fail(sv[1], err->errnum, "%s", err->msg);
		child_setup(r, sv[1]);
		if ((r->enter ? r->enter_flags : r->flags) & (CLONE_NEWPID | CLONE_NEWTIME)) {
			/* unshare applies to children: fork so that the level is
			 * PID 1 of the new pid namespace (and in the time ns) */
			pid_t c = fork();

			if (c < 0)
				child_fail(sv[1], errno, "fork into the new pid namespace: %s", strerror(errno));
			if (c > 0) {
				close(sv[1]);
				relay(c);
			}
			prctl(PR_SET_PDEATHSIG, SIGKILL);
		}
		child_finish(r, sv[1]);
		enter_confine(r, sv[1]);
		record_level(sh, r);
		send_msg(sv[1], MSG_READY, 0, NULL);
		close(sv[1]);
		return 0;
	}
	close(sv[1]);
	/* the child has unshared: write its maps, then let it go on */
	if (read(sv[0], &m, sizeof(m)) != (ssize_t)sizeof(m))
		goto child_died;
	if (m.type == MSG_ERROR)
		goto child_error;
	if ((r->maps.nuid || r->maps.ngid) && idmap_write(&r->maps, pid, &outer, err) < 0) {
		close(sv[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	if (write(sv[0], "m", 1) != 1 || read(sv[0], &m, sizeof(m)) != (ssize_t)sizeof(m))
		goto child_died;
	if (m.type == MSG_ERROR)
		goto child_error;
	close(sv[0]);
	return parent_wait(pid, status);

child_error:
	close(sv[0]);
	waitpid(pid, NULL, 0);
	return nsx_error(err, m.errnum, "%s", m.text);
child_died:
	close(sv[0]);
	waitpid(pid, NULL, 0);
	return nsx_error(err, EIO, "the new level died while it was set up");
}

int
level_self_ns(const struct nsx_shell *sh, unsigned long ino[NSX_NTYPES])
{
	struct nsx_err err;

	if (sh->start_procfd < 0)
		return -1;
	/* this level's PID as the start sees it, recorded when it was made */
	return proc_ns_inodes(sh->start_procfd, sh->levels[sh->depth].pid_start, ino, &err);
}

void
level_diff(const struct nsx_shell *sh, char *buf, size_t n)
{
	unsigned long ino[NSX_NTYPES];
	size_t len = 0;

	buf[0] = '\0';
	if (level_self_ns(sh, ino) < 0)
		return;
	for (int t = 0; t < NSX_NTYPES; t++)
		if (ino[t] && sh->start_ns[t] && ino[t] != sh->start_ns[t] && len + 8 < n)
			len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? "," : "",
						nstype_table[t].name);
}

void
level_reap(const struct nsx_shell *sh)
{
	if (!sh->pid1)
		return;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* Can this process make the level itself and become CMD? Only when no
 * map needs a helper outside the new user namespace (newuidmap, or ranges
 * as root: the kernel wants CAP_SETUID in the parent namespace). */
static bool
exec_direct_ok(const struct level_req *r)
{
	if (r->enter)
		return true;
	const struct idmaps *m = &r->maps;

	return (!m->nuid || (m->nuid == 1 && m->uidmap[0].count == 1 && m->uidmap[0].outer == geteuid())) &&
	       (!m->ngid || (m->ngid == 1 && m->gidmap[0].count == 1 && m->gidmap[0].outer == getegid()));
}

int
level_exec(struct nsx_shell *sh, const struct level_req *r, char **argv,
	   void (*run)(struct nsx_shell *sh, char **argv), struct nsx_err *err)
{
	outer_ids();
	if (!exec_direct_ok(r))
		return 0;
	direct_who = r->enter ? "enter" : "unshare";
	fflush(NULL);
	/* refused: nothing has changed but, for a container, this process's
	 * dumpability and cgroup (it is about to exit), the caller explains it */
	if (enter_join(r, err) < 0 || first_step(r, err) < 0)
		return -1;
	child_setup(r, -1);
	if ((r->enter ? r->enter_flags : r->flags) & (CLONE_NEWPID | CLONE_NEWTIME)) {
		/* as unshare --fork and nsenter do: CMD is PID 1 there */
		pid_t c = fork();

		if (c < 0)
			child_fail(-1, errno, "fork into the new pid namespace: %s", strerror(errno));
		if (c > 0) {
			struct sigaction ign = { .sa_handler = SIG_IGN };

			sigaction(SIGINT, &ign, NULL);
			sigaction(SIGQUIT, &ign, NULL);
			relay(c);
		}
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	}
	child_finish(r, -1);
	enter_confine(r, -1);
	record_level(sh, r);
	run(sh, argv);
	_exit(125);
}
