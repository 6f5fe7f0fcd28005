/* population FROM TO LIFETIME: start sleeping processes FROM..TO for scan
 * benchmarks, keep them, and remove exactly them on SIGTERM.
 *
 * Process i sleeps LIFETIME seconds; every 10th in its own uts+ipc
 * namespaces, every 50th also net, every 100th in its own user+pid (+mnt, for
 * its /proc) namespaces, through unshare(1) as ../shared/tools/population
 * does. The population leader (this program):
 *  - starts its own session, so its process group is exactly the population
 *    and a Ctrl-C on the benchmark's terminal does not reach it;
 *  - is a child subreaper, so the sleepers inside new pid namespaces come
 *    back to it when their unshare parent dies, and it reaps everything
 *    itself (PID 1 of a container may reap orphans late or never);
 *  - dies with its parent (PR_SET_PDEATHSIG) and gives each child
 *    PR_SET_PDEATHSIG SIGKILL, so a killed benchmark leaves nothing behind;
 *  - on SIGTERM/SIGINT/SIGHUP: stops forking, SIGKILLs every child by pid,
 *    reaps them all and exits 0;
 *  - closes every inherited fd but 0-2 first: each sleeper then has exactly
 *    three (what a scan reads in /proc/PID/fd), and none of them holds a
 *    caller's pipe open for the next half hour.
 * It writes "ready N" on stdout once all N children are forked (they may
 * still be exec'ing: the caller counts its group's sleepers). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t *kids;
static long nkids;

static void
spawn_argv(long i, const char *life, const char **argv)
{
	int k = 0;

	if (i % 100 == 0) {
		/* user ns (mapped root) + pid ns (fork: the sleeper is its PID 1)
		 * + mnt ns for a matching /proc; --kill-child so that killing
		 * unshare kills the sleeper too. */
		const char *a[] = { "unshare", "-Ur", "-pf", "--mount-proc",
				    "--kill-child", NULL };
		for (int j = 0; a[j]; j++)
			argv[k++] = a[j];
	} else if (i % 50 == 0) {
		argv[k++] = "unshare";
		argv[k++] = "-uin";
	} else if (i % 10 == 0) {
		argv[k++] = "unshare";
		argv[k++] = "-ui";
	}
	argv[k++] = "sleep";
	argv[k++] = life;
	argv[k] = NULL;
}

/* Reap whatever has exited; mark our direct children gone. */
static long
reap(void)
{
	long n = 0;
	pid_t pid;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
		n++;
		for (long i = 0; i < nkids; i++)
			if (kids[i] == pid) {
				kids[i] = 0;
				break;
			}
	}
	return n;
}

static void
kill_all(void)
{
	for (long i = 0; i < nkids; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGKILL);
	/* everything left (sleepers reparented to us) goes through wait */
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
}

int
main(int argc, char **argv)
{
	pid_t parent = getppid();
	sigset_t stop, old;
	long from, to;
	int null, sig;

	if (argc != 4 || (from = atol(argv[1])) < 1 || (to = atol(argv[2])) < from) {
		fprintf(stderr, "usage: population FROM TO LIFETIME\n");
		return 2;
	}
	/* close_range(2) is Linux 5.9+; without it, close what is likely */
	if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0)
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	if (setsid() < 0) {
		perror("population: setsid");
		return 1;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)	/* the caller died before prctl */
		return 1;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGCHLD);
	sigprocmask(SIG_BLOCK, &stop, &old);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	kids = calloc((size_t)(to - from + 1), sizeof(*kids));
	if (null < 0 || !kids) {
		perror("population");
		return 1;
	}

	for (long i = from; i <= to; i++) {
		sigset_t pending;
		const char *cargv[10];
		pid_t pid;

		sigpending(&pending);
		if (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT) ||
		    sigismember(&pending, SIGHUP)) {
			kill_all();
			return 0;
		}
		spawn_argv(i, argv[3], cargv);
		pid = fork();
		if (pid < 0) {
			fprintf(stderr, "population: fork after %ld processes: %s\n",
				nkids, strerror(errno));
			kill_all();
			return 1;
		}
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(1);
			sigprocmask(SIG_SETMASK, &old, NULL);
			dup2(null, 0);
			dup2(null, 1);
			execvp(cargv[0], (char **)cargv);
			_exit(127);
		}
		kids[nkids++] = pid;
	}
	printf("ready %ld\n", nkids);
	fflush(stdout);

	for (;;) {
		sig = sigwaitinfo(&stop, NULL);
		if (sig == SIGCHLD) {
			reap();
			continue;
		}
		if (sig < 0 && errno == EINTR)
			continue;
		kill_all();
		return 0;
	}
}
