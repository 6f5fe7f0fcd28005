/* The REPL: readline on a terminal, plain lines otherwise. Every error is one
 * line and the loop goes on; only `exit` and end of input leave it. */
#define _GNU_SOURCE
#include "repl/repl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "cmd/cmd.h"
#include "repl/exec.h"
#include "repl/split.h"
#include "util/safe.h"
#include "util/trust.h"
#include "util/xalloc.h"

int
repl_run_argv(struct nsx_shell *sh, int argc, char **argv)
{
	const struct nsx_cmd *cmd = cmd_find(argv[0]);
	int status;

	if (!cmd)
		return exec_program(argv);
	status = cmd->run(sh, argc, argv);
	fflush(stdout);
	return status;
}

void
repl_become(struct nsx_shell *sh, char **argv)
{
	int argc = 0;

	if (!cmd_find(argv[0]))
		exec_replace(argv);
	while (argv[argc])
		argc++;
	sh->oneshot = false;
	_exit(repl_run_argv(sh, argc, argv));
}

/* One segment, split again now: $$ and $NAME are this level's. */
static int
run_seg(struct nsx_shell *sh, const struct seg *raw)
{
	struct line one;
	struct nsx_err err;
	int status;

	if (line_split(raw->text, &one, &err) < 0 || one.nsegs != 1) {
		line_free(&one);
		return sh->status = exec_shell(raw->text);
	}
	struct seg *s = &one.segs[0];

	if (s->shell)
		status = exec_shell(s->text);
	else if (raw->external || s->external)
		status = exec_program(s->argv);
	else
		status = repl_run_argv(sh, s->argc, s->argv);
	line_free(&one);
	return status;
}

int
repl_run_line(struct nsx_shell *sh, const char *text)
{
	struct line l;
	struct nsx_err err;

	if (line_split_raw(text, &l, &err) < 0) {
		nsx_err_print("", &err);
		return sh->status = 2;
	}
	int owner = sh->depth;

	for (size_t i = 0; i < l.nsegs && !sh->quit; i++) {
		if (sh->linepos)
			sh->linepos[owner] = i + 1;
		sh->status = run_seg(sh, &l.segs[i]);
		/* a level opened here went on with this line's next segments:
		 * back here, go on after the ones it ran */
		if (sh->linepos && sh->depth == owner && sh->linepos[owner] > i + 1)
			i = sh->linepos[owner] - 1;
	}
	line_free(&l);
	return sh->status;
}

/* A line the shell read (from a script or the terminal): run it, then the
 * hook main registered (cmd_after_line: a lesson's step is re-checked). */
static void
run_read_line(struct nsx_shell *sh, const char *line)
{
	int status = repl_run_line(sh, line);

	if (sh->after_line)
		sh->after_line(sh, line, status);
}

/* One line from fd, a byte at a time as sh reads: a level forked in the
 * middle of a script reads on from exactly where its parent stopped, and
 * the parent from where the level stopped. Returns the length, -1 at EOF. */
static ssize_t
read_line(int fd, char **buf, size_t *cap)
{
	size_t len = 0;
	char c;

	for (;;) {
		ssize_t n = read(fd, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!len)
				return -1;
			break;
		}
		if (c == '\n')
			break;
		if (len + 2 > *cap) {
			*cap = *cap ? 2 * *cap : 256;
			*buf = xrealloc(*buf, *cap);
		}
		(*buf)[len++] = c;
	}
	if (!*buf)
		*buf = xmalloc(1);
	(*buf)[len] = '\0';
	return (ssize_t)len;
}

int
repl_script(struct nsx_shell *sh, int fd)
{
	char *line = NULL;
	size_t cap = 0;

	while (!sh->quit && read_line(fd, &line, &cap) >= 0) {
		level_reap(sh);
		run_read_line(sh, line);
	}
	free(line);
	return sh->quit ? sh->exit_status : sh->status;
}

/* ---- history ---- */

/* $XDG_STATE_HOME/nsx/history (trust_state_home: as root, a directory
 * root alone can change), opened once, here where nsx started: every
 * level appends its lines through this fd, never by the path, which at a
 * level in another mount namespace names whatever is mounted there (a
 * student's bind of /etc/crontab, a container's FIFO). Private, like the
 * directory. *path (for read_history and the truncation at the start
 * level) and *fd, or NULL and -1 when no history is kept: for no place
 * (HOME unset), or a file that is not a regular file of ours (one line
 * says so). -1 and err when the directory is refused. */
static int
history_open(char **path, int *fd, struct nsx_err *err)
{
	char dir[PATH_MAX];
	struct stat st;

	*path = NULL;
	*fd = -1;
	if (trust_state_home(dir, sizeof(dir), err) < 0)
		return err->errnum == ENOENT ? 0 : -1;
	*path = xasprintf("%s/history", dir);
	/* O_NONBLOCK: a FIFO would hang the open; O_NOFOLLOW: no link */
	*fd = open(*path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (*fd >= 0 && fstat(*fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid()) {
		fcntl(*fd, F_SETFL, O_APPEND);
		return 0;
	}
	nsx_warn(NULL, "%s: %s: no history is kept", *path,
		 *fd < 0 ? strerror(errno) : "not a regular file of yours");
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	free(*path);
	*path = NULL;
	return 0;
}

/* One line at the end of the history file, in the file's format (a line
 * each: readline's, without timestamps), in one write: O_APPEND keeps
 * the lines of levels typing at once whole. */
static void
history_append(int fd, const char *line)
{
	size_t len = strlen(line);
	char *buf;

	if (fd < 0 || strchr(line, '\n'))
		return;
	buf = xmalloc(len + 1);
	memcpy(buf, line, len);
	buf[len] = '\n';
	/* a full disk loses the line, as readline's append would */
	while (write(fd, buf, len + 1) < 0 && errno == EINTR)
		;
	free(buf);
}

/* readline reads $INPUTRC, else ~/.inputrc: key bindings there can type a
 * command into root's shell. As root, either must be root's alone (and
 * the terminfo: trust_terminal). */
static int
terminal_trusted(struct nsx_err *err)
{
	const char *rc = getenv("INPUTRC"), *home;
	char label[PATH_MAX + 64], path[PATH_MAX + 16];

	if (!trust_root())
		return 0;
	if (trust_terminal(err) < 0)
		return -1;
	if (rc && *rc)
		return trust_env("INPUTRC", rc, err);
	if (!(home = trust_home(label, sizeof(label))))
		return 0;
	snprintf(path, sizeof(path), "%s/.inputrc", home);
	return trust_require(label, path, "run nsx with root's own HOME (su -, sudo -H), or set "
			     "INPUTRC to a file that root owns", err);
}

/* ---- prompt ---- */

static char *
prompt_make(const struct nsx_shell *sh)
{
	const char *sigil = geteuid() == 0 ? "#" : "$";
	char where[400] = "", status[16] = "";

	if (sh->depth > 0) {
		char diff[64], host[65] = "", enc[4 * sizeof(host)];

		/* nsx[2 uts,pid box]: depth, what differs from the start, hostname.
		 * Whoever made the UTS namespace named it (a student, for root
		 * entering theirs): its escapes must not reach the terminal, nor
		 * readline's \001 \002 markers its idea of the prompt's width. */
		level_diff(sh, diff, sizeof(diff));
		gethostname(host, sizeof(host) - 1);
		safe_encode_buf(host, strlen(host), enc, sizeof(enc), 0);
		snprintf(where, sizeof(where), "[%d%s%s %s]", sh->depth, *diff ? " " : "", diff, enc);
	}
	if (sh->status)
		snprintf(status, sizeof(status), " (%d)", sh->status);
	return xasprintf("nsx%s%s%s ", where, status, sigil);
}

/* ---- the readline loop (callback interface, so that signals are handled
 * in the loop rather than in a signal handler) ---- */

static volatile sig_atomic_t got_sigint, got_winch;
static struct nsx_shell *cur_sh;
static char *cur_history;
static int cur_history_fd = -1;
static bool line_done, at_eof;

static void
on_signal(int sig)
{
	if (sig == SIGINT)
		got_sigint = 1;
	else
		got_winch = 1;
}

static void
on_line(char *line)
{
	rl_callback_handler_remove();
	if (!line) {
		/* Ctrl-D on an empty line */
		at_eof = true;
		fputc('\n', rl_outstream);
		return;
	}
	if (*line) {
		add_history(line);
		history_append(cur_history_fd, line);
		run_read_line(cur_sh, line);
	}
	free(line);
	line_done = true;
}

int
repl_interactive(struct nsx_shell *sh)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, waitmask;
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };

	struct nsx_err err;

	cur_sh = sh;
	if (terminal_trusted(&err) < 0) {
		nsx_err_print(NULL, &err);
		return 1;
	}
	if (history_open(&cur_history, &cur_history_fd, &err) < 0) {
		nsx_err_print(NULL, &err);
		return 1;
	}
	rl_readline_name = "nsx";
	/* `nsx | tee log`: the prompt and the echo go to the terminal, as
	 * bash does, and only the commands' output into the pipe */
	if (!isatty(STDOUT_FILENO))
		rl_outstream = stderr;
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	complete_init();
	using_history();
	if (cur_history)
		read_history(cur_history);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGQUIT, &(struct sigaction){ .sa_handler = SIG_IGN }, NULL);
	sigaction(SIGTSTP, &(struct sigaction){ .sa_handler = SIG_IGN }, NULL);
	/* the signals stay blocked except while waiting for a key (ppoll),
	 * so none is missed between the check and the wait */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGWINCH);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGWINCH);

	while (!sh->quit && !at_eof) {
		char *prompt;

		level_reap(sh);
		prompt = prompt_make(sh);
		line_done = false;
		rl_callback_handler_install(prompt, on_line);
		free(prompt);
		while (!line_done && !at_eof) {
			int r = ppoll(&pfd, 1, NULL, &waitmask);

			if (got_winch) {
				got_winch = 0;
				rl_resize_terminal();
			}
			if (got_sigint) {
				/* Ctrl-C at the prompt: drop the line, as bash does */
				got_sigint = 0;
				rl_free_line_state();
				rl_callback_sigcleanup();
				rl_crlf();
				rl_replace_line("", 0);
				rl_on_new_line();
				rl_redisplay();
				continue;
			}
			if (r > 0)
				rl_callback_read_char();
			else if (r < 0 && errno != EINTR)
				at_eof = true;
		}
	}
	rl_callback_handler_remove();
	if (cur_history) {
		/* by its path: only where nsx started, in the mount namespace
		 * the path was checked in (a level's may be anyone's) */
		if (sh->depth == 0)
			history_truncate_file(cur_history, 2000);
		free(cur_history);
		close(cur_history_fd);
	}
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	return sh->quit ? sh->exit_status : sh->status;
}
