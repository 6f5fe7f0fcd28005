/* The container's PID 1 (nsx's init), and the command's own last steps
 * before execve: its session and terminal, capabilities, no_new_privs,
 * fds, environment. */
#define _GNU_SOURCE
#include "container/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "container/confine.h"
#include "sys/sys.h"
#include "util/title.h"
#include "util/xalloc.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* ---- init ---- */

/* Signals init passes on to the command. SIGCHLD is init's own. */
static const int forwarded[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP, SIGALRM,
};

void
init_main(struct run_ctx *c)
{
	sigset_t all;
	int status = 0;

	/* not dumpable and without host fds since before the command (see
	 * step_init); the container's capabilities lack CAP_SYS_PTRACE too */
	close(c->sock);
	/* Blocked signals are queued, not dropped, even for a PID 1 (they
	 * were blocked before the command started, see step_init) */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		pid_t pid;
		bool fwd = false;

		if (sig < 0)
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
			fwd |= forwarded[i] == sig;
		if (fwd) {
			kill(c->payload, sig);
			continue;
		}
		if (sig != SIGCHLD)
			continue;
		/* orphans of the container are ours to reap */
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			if (pid == c->payload)
				_exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
	}
}

/* ---- the command's last steps ---- */

/* A pty of the container's own devpts: the command's controlling terminal,
 * its master sent to nsx, which relays the user's terminal to it. */
static int
session_pty(struct run_ctx *c)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct run_msg m = { .type = MSG_PTY };
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int ptm, pts;

	if ((ptm = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return nsx_error(&c->err, errno, "/dev/ptmx: %s", strerror(errno));
	if (unlockpt(ptm) < 0 || (pts = ioctl(ptm, TIOCGPTPEER, O_RDWR | O_NOCTTY)) < 0) {
		close(ptm);
		return nsx_error(&c->err, errno, "a pty for the container: %s", strerror(errno));
	}
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &ptm, sizeof(int));
	if (sendmsg(c->sock, &mh, 0) < 0 || ioctl(pts, TIOCSCTTY, 0) < 0) {
		close(ptm);
		close(pts);
		return nsx_error(&c->err, errno, "a pty for the container: %s", strerror(errno));
	}
	close(ptm);
	for (int fd = 0; fd < 3; fd++)
		dup2(pts, fd);
	if (pts > 2)
		close(pts);
	return 0;
}

static int
step_session(struct run_ctx *c, const struct plan_step *step)
{
	/* no controlling terminal of the host's any more: TIOCSTI on it now
	 * needs CAP_SYS_ADMIN, which the container does not get */
	if (setsid() < 0)
		return nsx_error(&c->err, errno, "setsid: %s", strerror(errno));
	return c->tty ? session_pty(c) : 0;
}

static int
step_caps(struct run_ctx *c, const struct plan_step *step)
{
	return confine_caps(&c->p->confine, &c->err);
}

static int
step_nnp(struct run_ctx *c, const struct plan_step *step)
{
	return confine_nnp(&c->p->confine, &c->err);
}

static int
step_fds(struct run_ctx *c, const struct plan_step *step)
{
	char cwd[16];

	run_close_fds(c);
	if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, "/") != 0)
		return nsx_error(&c->err, EPERM, "the working directory is not the container's /");
	return 0;
}

static int
step_seccomp(struct run_ctx *c, const struct plan_step *step)
{
	if (confine_seccomp(&c->p->confine, &c->err) == 0)
		return 0;
	if (c->err.errnum != ENOSYS)
		return -1;
	run_child_note(c, "%s", c->err.msg);	/* an architecture without a filter */
	return 0;
}

static int
step_exec(struct run_ctx *c, const struct plan_step *step)
{
	static char *const sh[] = { "/bin/sh", NULL };
	/* execve resets handled signals; ignored ones it keeps (nsx's shell
	 * ignores these) */
	static const int ignored[] = {
		SIGINT, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU, SIGHUP, SIGTERM, SIGCHLD,
	};
	char *const *argv = c->p->o.argv ? c->p->o.argv : sh;
	const char *t = getenv("TERM");
	char term[64] = "";
	sigset_t none;

	sigemptyset(&none);
	for (size_t i = 0; i < ARRAY_SIZE(ignored); i++)
		signal(ignored[i], SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* a clean environment: the host's stays outside (copied to the stack:
	 * with --no-init this may share init's memory, see step_init) */
	if (t)
		snprintf(term, sizeof(term), "%s", t);
	clearenv();
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("HOME", "/root", 1);
	setenv("HOSTNAME", c->p->hostname, 1);
	setenv("container", "nsx", 1);
	if (*term)
		setenv("TERM", term, 1);
	execvp(argv[0], argv);
	if (errno == ENOENT || errno == ENOTDIR) {
		nsx_error(&c->err, errno, "%s: not found in the container's rootfs", argv[0]);
		return 127;
	}
	nsx_error(&c->err, errno, "%s: cannot run it: %s", argv[0], strerror(errno));
	return 126;
}

step_fn
payload_step(enum step_id id)
{
	static const step_fn fns[ST_NSTEPS] = {
		[ST_SESSION] = step_session, [ST_CAPS] = step_caps, [ST_NNP] = step_nnp,
		[ST_FDS] = step_fds, [ST_SECCOMP] = step_seccomp, [ST_EXEC] = step_exec,
	};

	return fns[id];
}
