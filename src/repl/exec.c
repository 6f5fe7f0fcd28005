#define _GNU_SOURCE
#include "repl/exec.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/sys.h"

static const int job_signals[] = { SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE, SIGWINCH };
#define NJOBSIG (int)(sizeof(job_signals) / sizeof(job_signals[0]))

void
exec_replace(char *const argv[])
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	int e;

	for (int i = 0; i < NJOBSIG; i++)
		sigaction(job_signals[i], &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* no fd of nsx leaks into what the student runs */
	sys_close_range(3, ~0U);
	execvp(argv[0], argv);
	e = errno;
	if (e == ENOENT)
		fprintf(stderr, "nsx: %s: command not found\n", argv[0]);
	else
		fprintf(stderr, "nsx: %s: %s\n", argv[0], strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

static int
exec_wait(pid_t pid, const char *name)
{
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WUNTRACED);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return 125;
		}
		if (WIFSTOPPED(st)) {
			/* nsx has no job control: a stopped program would hang the
			 * shell, so it goes on */
			fprintf(stderr, "\nnsx: %s: stopped; nsx has no job control, "
				"continuing it (Ctrl-C stops it)\n", name);
			kill(pid, SIGCONT);
			continue;
		}
		break;
	}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);

		if (sig == SIGINT)
			fputc('\n', stderr);
		else if (sig != SIGPIPE)
			fprintf(stderr, "nsx: %s: %s%s\n", name, strsignal(sig),
				WCOREDUMP(st) ? " (core dumped)" : "");
		return 128 + sig;
	}
	return 125;
}

int
exec_program(char *const argv[])
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old[NJOBSIG];
	sigset_t block, saved;
	pid_t pid;
	int status;

	fflush(NULL);
	/* block, fork, then ignore in the parent: a Ctrl-C that comes between
	 * fork and sigaction is not lost for the child nor fatal for nsx */
	sigfillset(&block);
	sigprocmask(SIG_BLOCK, &block, &saved);
	pid = fork();
	if (pid == 0)
		exec_replace(argv);
	for (int i = 0; i < NJOBSIG; i++)
		sigaction(job_signals[i], &ign, &old[i]);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	if (pid < 0) {
		fprintf(stderr, "nsx: %s: cannot start: %s\n", argv[0], strerror(errno));
		status = 125;
	} else
		status = exec_wait(pid, argv[0]);
	for (int i = 0; i < NJOBSIG; i++)
		sigaction(job_signals[i], &old[i], NULL);
	return status;
}

int
exec_shell(const char *text)
{
	char *argv[] = { "/bin/sh", "-c", (char *)text, NULL };

	return exec_program(argv);
}
